"""The WebAuthn ceremonies, as py_webauthn performs them: options to hand the browser, and
the verification of what it sent back. Pure functions of their inputs (no database): the
services keep the challenges and the credentials.

Every failure of a ceremony is `CeremonyError`, whose message is safe to log but not to
send (the services answer INVALID_CREDENTIALS or INVALID_PAYLOAD); a body that is not a
credential at all is INVALID_PAYLOAD at once.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from app.config import Settings
from app.errors import InvalidPayloadError
from app.input_values import is_storable_text

if TYPE_CHECKING:
    from webauthn.helpers.structs import UserVerificationRequirement

# Longest credential id a browser may send (WebAuthn: at most 1023 bytes), base64url.
MAX_CREDENTIAL_ID = 1400
# WebAuthn's AuthenticatorTransport values (py_webauthn's enum).
_TRANSPORTS = frozenset({"usb", "nfc", "ble", "smart-card", "internal", "cable", "hybrid"})


class CeremonyError(Exception):
    """The browser's answer does not verify: wrong origin, RP id, challenge, signature..."""


@dataclass(frozen=True)
class RelyingParty:
    """Who the passkeys are for: WEBAUTHN_RP_ID (the host of PUBLIC_URL when unset), the
    origins allowed to run a ceremony (WEBAUTHN_ORIGINS, else PUBLIC_URL's), and whether
    user verification is required or preferred."""

    id: str
    origins: tuple[str, ...]
    verification_required: bool
    timeout_ms: int

    @classmethod
    def of(cls, settings: Settings) -> RelyingParty:
        public = urlsplit(settings.public_url)
        origins = tuple(settings.webauthn_origins) or (f"{public.scheme}://{public.netloc}",)
        return cls(
            id=settings.webauthn_rp_id or public.hostname or "localhost",
            origins=tuple(origin.rstrip("/") for origin in origins),
            verification_required=settings.webauthn_user_verification == "required",
            timeout_ms=settings.webauthn_challenge_ttl,
        )

    @property
    def verification(self) -> UserVerificationRequirement:
        from webauthn.helpers.structs import UserVerificationRequirement

        if self.verification_required:
            return UserVerificationRequirement.REQUIRED
        return UserVerificationRequirement.PREFERRED


@dataclass(frozen=True)
class ExistingKey:
    """A credential the user has (excluded from a new registration)."""

    credential_id: str
    transports: Sequence[str]


@dataclass(frozen=True)
class NewCredential:
    """What a verified registration gives to store (ids and key base64url)."""

    credential_id: str
    public_key: str
    sign_count: int
    aaguid: str | None
    transports: list[str]


@dataclass(frozen=True)
class Assertion:
    """A verified login assertion: the authenticator's new sign count."""

    sign_count: int
    user_verified: bool


def to_base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def from_base64url(text: str) -> bytes:
    """ValueError when `text` is not base64url."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_challenge() -> str:
    """32 random bytes, base64url: the key a ceremony's stored challenge is found by."""
    return to_base64url(secrets.token_bytes(32))


def registration_options(
    rp: RelyingParty,
    rp_name: str,
    *,
    user_id: str,
    user_name: str,
    challenge: str,
    existing: Sequence[ExistingKey],
) -> dict[str, Any]:
    """PublicKeyCredentialCreationOptionsJSON: a discoverable credential (resident key
    required), the user's own passkeys excluded, no attestation asked for."""
    from webauthn import generate_registration_options, options_to_json
    from webauthn.helpers.structs import (
        AuthenticatorSelectionCriteria,
        AuthenticatorTransport,
        PublicKeyCredentialDescriptor,
        ResidentKeyRequirement,
    )

    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp_name,
        user_id=user_id.encode(),
        user_name=user_name,
        user_display_name=user_name,
        challenge=from_base64url(challenge),
        timeout=rp.timeout_ms,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=rp.verification,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(
                id=from_base64url(key.credential_id),
                transports=[AuthenticatorTransport(t) for t in key.transports if t in _TRANSPORTS],
            )
            for key in existing
        ],
    )
    result: dict[str, Any] = json.loads(options_to_json(options))
    return result


def authentication_options(rp: RelyingParty, challenge: str) -> dict[str, Any]:
    """PublicKeyCredentialRequestOptionsJSON without allowCredentials: the browser offers
    the discoverable credentials it has for this RP, so nothing tells who has which."""
    from webauthn import generate_authentication_options, options_to_json

    options = generate_authentication_options(
        rp_id=rp.id,
        challenge=from_base64url(challenge),
        timeout=rp.timeout_ms,
        user_verification=rp.verification,
    )
    result: dict[str, Any] = json.loads(options_to_json(options))
    return result


def credential_object(value: object) -> Mapping[str, Any]:
    """The browser's PublicKeyCredential.toJSON(), as an object (a JSON string is read)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise InvalidPayloadError('"credential" has to be a JSON object') from None
    if not isinstance(value, Mapping):
        raise InvalidPayloadError('"credential" has to be a JSON object')
    return value


def challenge_of(credential: Mapping[str, Any]) -> str:
    """The challenge the browser signed (from clientDataJSON), to find the stored one."""
    response = credential.get("response")
    raw = response.get("clientDataJSON") if isinstance(response, Mapping) else None
    if not isinstance(raw, str):
        raise InvalidPayloadError('"credential.response.clientDataJSON" is required')
    try:
        client_data = json.loads(from_base64url(raw))
    except ValueError:
        raise InvalidPayloadError('"credential.response.clientDataJSON" is invalid') from None
    challenge = client_data.get("challenge") if isinstance(client_data, Mapping) else None
    if not isinstance(challenge, str) or not 0 < len(challenge) <= 128:
        raise InvalidPayloadError('"credential.response.clientDataJSON" is invalid')
    return challenge


def credential_id_of(credential: Mapping[str, Any]) -> str:
    """The credential id the browser names (its `id`, base64url)."""
    value = credential.get("id")
    if not isinstance(value, str) or not 0 < len(value) <= MAX_CREDENTIAL_ID:
        raise InvalidPayloadError('"credential.id" is invalid')
    if not is_storable_text(value):
        raise InvalidPayloadError('"credential.id" is invalid')
    return value


def user_handle_of(credential: Mapping[str, Any]) -> str | None:
    """The user handle a discoverable credential returns (our user id), when sent."""
    response = credential.get("response")
    handle = response.get("userHandle") if isinstance(response, Mapping) else None
    if not isinstance(handle, str) or not handle:
        return None
    try:
        return from_base64url(handle).decode()
    except ValueError:
        return ""


def verify_registration(
    rp: RelyingParty, credential: Mapping[str, Any], challenge: str
) -> NewCredential:
    from webauthn import verify_registration_response
    from webauthn.helpers.exceptions import WebAuthnException

    try:
        verified = verify_registration_response(
            credential=dict(credential),
            expected_challenge=from_base64url(challenge),
            expected_rp_id=rp.id,
            expected_origin=list(rp.origins),
            require_user_verification=rp.verification_required,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise CeremonyError(str(error)) from error
    response = credential.get("response")
    sent = response.get("transports") if isinstance(response, Mapping) else None
    listed = sent if isinstance(sent, list) else []
    transports = [t for t in listed if isinstance(t, str) and t in _TRANSPORTS]
    return NewCredential(
        credential_id=to_base64url(verified.credential_id),
        public_key=to_base64url(verified.credential_public_key),
        sign_count=verified.sign_count,
        aaguid=verified.aaguid or None,
        transports=transports,
    )


def verify_assertion(
    rp: RelyingParty, credential: Mapping[str, Any], challenge: str, public_key: str
) -> Assertion:
    """The signature, origin, RP id, challenge and flags. The sign count is the caller's to
    judge (a regression is a cloned authenticator, audited as such)."""
    from webauthn import verify_authentication_response
    from webauthn.helpers.exceptions import WebAuthnException

    try:
        verified = verify_authentication_response(
            credential=dict(credential),
            expected_challenge=from_base64url(challenge),
            expected_rp_id=rp.id,
            expected_origin=list(rp.origins),
            credential_public_key=from_base64url(public_key),
            credential_current_sign_count=0,
            require_user_verification=rp.verification_required,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise CeremonyError(str(error)) from error
    return Assertion(sign_count=verified.new_sign_count, user_verified=verified.user_verified)


def sign_count_regressed(stored: int, presented: int) -> bool:
    """WebAuthn §6.1.1: a count that does not grow (unless both are 0, an authenticator
    without a counter) means the credential was cloned."""
    return (stored > 0 or presented > 0) and presented <= stored
