"""The relying party from the settings, and the sign-count rule (WebAuthn §6.1.1)."""

from __future__ import annotations

import json

import pytest

from app.config import Settings
from app.errors import InvalidPayloadError
from app.security.passkey_ceremony import (
    RelyingParty,
    challenge_of,
    credential_object,
    new_challenge,
    sign_count_regressed,
    verify_registration,
)
from tests.passkey_authenticator import SoftAuthenticator, b64url


def test_the_relying_party_defaults_to_public_url() -> None:
    rp = RelyingParty.of(Settings(_env_file=None, public_url="https://auth.example.com/dauth/"))
    assert rp.id == "auth.example.com"
    assert rp.origins == ("https://auth.example.com",)
    assert rp.verification_required is False
    assert rp.timeout_ms == 300_000


def test_the_relying_party_settings_win() -> None:
    settings = Settings(
        _env_file=None,
        public_url="http://127.0.0.1:8055",
        webauthn_rp_id="example.com",
        webauthn_origins="https://example.com, https://app.example.com/",
        webauthn_user_verification="required",
        webauthn_challenge_ttl="2m",
    )
    rp = RelyingParty.of(settings)
    assert rp.id == "example.com"
    assert rp.origins == ("https://example.com", "https://app.example.com")
    assert rp.verification_required is True
    assert rp.timeout_ms == 120_000


@pytest.mark.parametrize(
    ("stored", "presented", "regressed"),
    [(0, 0, False), (0, 1, False), (5, 6, False), (5, 5, True), (5, 4, True), (5, 0, True)],
)
def test_a_sign_count_must_grow_unless_both_are_zero(
    stored: int, presented: int, regressed: bool
) -> None:
    assert sign_count_regressed(stored, presented) is regressed


@pytest.mark.parametrize(
    "value",
    [
        None,
        "not json",
        [],
        {},
        {"response": {"clientDataJSON": "%%%"}},
        {"response": {"clientDataJSON": b64url(b"[1]")}},
        {"response": {"clientDataJSON": b64url(b'{"challenge": ""}')}},
    ],
)
def test_what_is_no_credential_is_invalid_payload(value: object) -> None:
    with pytest.raises(InvalidPayloadError):
        challenge_of(credential_object(value))


def test_a_credential_may_come_as_json_text() -> None:
    text = json.dumps({"response": {"clientDataJSON": b64url(b'{"challenge": "abc"}')}})
    assert challenge_of(credential_object(text)) == "abc"


def test_a_registration_keeps_only_the_transports_webauthn_names() -> None:
    rp = RelyingParty.of(Settings(_env_file=None))
    for sent, kept in ((["usb", "warp-drive", 5, "internal"], ["usb", "internal"]), (5, [])):
        challenge = new_challenge()
        answer = SoftAuthenticator().create({"challenge": challenge, "user": {"id": "dTE"}})
        answer["response"]["transports"] = sent
        assert verify_registration(rp, answer, challenge).transports == kept
