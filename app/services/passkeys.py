"""A user's own passkeys: registering one (options, then the browser's answer), listing,
renaming and deleting them. Logging in with one is PasskeyLogin's (passkey_login.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.accountability import Accountability, ClientInfo
from app.clock import Clock
from app.config import Settings
from app.db.engine import Database
from app.db.integrity import IntegrityError, is_foreign_key_violation
from app.db.models import Passkey, PasskeyChallenge
from app.errors import ForbiddenError, InvalidCredentialsError, InvalidPayloadError
from app.input_values import is_storable_text
from app.repositories import passkeys as passkeys_repo
from app.repositories import project_settings as settings_repo
from app.repositories import users as users_repo
from app.security import passkey_ceremony as ceremony
from app.services.audit import AuditAction, AuditLog
from app.services.reauth import Reauthentication

REGISTER = "register"
DEFAULT_NAME = "Passkey"
NAME_LENGTH = 255
ID_LENGTH = 36


@dataclass(frozen=True)
class PasskeyView:
    """A passkey as its owner sees it: never the public key."""

    id: str
    name: str
    date_created: datetime
    last_used: datetime | None
    transports: list[str]
    aaguid: str | None

    @classmethod
    def of(cls, row: Passkey) -> PasskeyView:
        transports = [t for t in row.transports or [] if isinstance(t, str)]
        return cls(row.id, row.name, row.date_created, row.last_used, transports, row.aaguid)


def passkey_name(value: str | None, *, required: bool) -> str:
    """The name a user gives a passkey: trimmed, 1 to 255 characters."""
    name = (value or "").strip()
    if not name:
        if required:
            raise InvalidPayloadError('"name" is required')
        return DEFAULT_NAME
    if len(name) > NAME_LENGTH or not is_storable_text(name):
        raise InvalidPayloadError(f'"name" has to be at most {NAME_LENGTH} characters of text')
    return name


class PasskeysService:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Clock,
        audit: AuditLog,
        reauth: Reauthentication,
    ) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock
        self._audit = audit
        self._reauth = reauth
        self._rp = ceremony.RelyingParty.of(settings)

    async def register_options(
        self, accountability: Accountability, password: str | None
    ) -> dict[str, Any]:
        """PublicKeyCredentialCreationOptionsJSON for the caller, its challenge stored bound
        to it for WEBAUTHN_CHALLENGE_TTL. A new way in needs the password or a fresh login
        (Reauthentication), as a stolen session must not be able to add its own passkey;
        the challenge, single use and bound to the user, carries that proof to `register`."""
        user_id = accountability.user
        if user_id is None:
            raise InvalidCredentialsError()
        await self._reauth.confirm(accountability, password, "Adding a passkey", "password")
        now = self._clock.now()
        challenge = ceremony.new_challenge()
        async with self._db.write() as session:
            user = await users_repo.get_by_id(session, user_id)
            if user is None:
                raise InvalidCredentialsError()
            project = await settings_repo.get(session)
            existing = await passkeys_repo.of_user(session, user_id)
            expires = now + timedelta(milliseconds=self._settings.webauthn_challenge_ttl)
            row = PasskeyChallenge(
                challenge=challenge, purpose=REGISTER, user=user_id, expires=expires
            )
            await passkeys_repo.add_challenge(session, row, now)
        name = self._settings.webauthn_rp_name
        if name is None:
            name = project.project_name if project and project.project_name else "Directus"
        return ceremony.registration_options(
            self._rp,
            name,
            user_id=user_id,
            user_name=user.email or user_id,
            challenge=challenge,
            existing=[
                ceremony.ExistingKey(key.credential_id, key.transports or []) for key in existing
            ],
        )

    async def register(
        self, user_id: str, credential: object, name: str | None, client: ClientInfo
    ) -> PasskeyView:
        """The browser's answer to `register_options`: verified against the caller's own
        unexpired challenge (used up either way), then stored."""
        label = passkey_name(name, required=False)
        answer = ceremony.credential_object(credential)
        presented = ceremony.challenge_of(answer)
        now = self._clock.now()
        async with self._db.write() as session:
            stored = await passkeys_repo.take_challenge(session, presented, REGISTER, now)
        if stored is None or stored.user != user_id:
            raise InvalidPayloadError("The passkey's challenge is unknown, used or expired")
        try:
            new = ceremony.verify_registration(self._rp, answer, presented)
        except ceremony.CeremonyError:
            raise InvalidPayloadError("The passkey could not be verified") from None
        row = Passkey(
            user=user_id,
            credential_id=new.credential_id,
            public_key=new.public_key,
            sign_count=new.sign_count,
            transports=new.transports,
            aaguid=new.aaguid,
            name=label,
            date_created=now,
        )
        entry = self._audit.entry(
            AuditAction.PASSKEY_ADDED, client, user=user_id, comment=f"passkey={row.id}"
        )
        try:
            async with self._db.write() as session:
                await passkeys_repo.add(session, row)
                await self._audit.record_in(session, entry)
        except IntegrityError as error:
            if is_foreign_key_violation(error):  # the user was deleted meanwhile
                raise InvalidCredentialsError() from None
            raise InvalidPayloadError("This passkey is registered already") from None
        return PasskeyView.of(row)

    async def list(self, user_id: str) -> list[PasskeyView]:
        async with self._db.read() as session:
            rows = await passkeys_repo.of_user(session, user_id)
        return [PasskeyView.of(row) for row in rows]

    async def rename(self, user_id: str, passkey_id: str, name: str | None) -> PasskeyView:
        """FORBIDDEN for an id that is not one of the caller's passkeys (another user's
        or none: no difference)."""
        label = passkey_name(name, required=True)
        if not _plausible_id(passkey_id):
            raise ForbiddenError()
        async with self._db.write() as session:
            if not await passkeys_repo.update_own(session, user_id, passkey_id, name=label):
                raise ForbiddenError()
            row = await passkeys_repo.own(session, user_id, passkey_id)
        assert row is not None
        return PasskeyView.of(row)

    async def delete(
        self, accountability: Accountability, passkey_id: str, password: str | None
    ) -> None:
        """Needs the current password or a fresh login (Reauthentication), as a lost or
        stolen session must not be enough to take a way in away from its owner."""
        user_id = accountability.user
        if user_id is None or not _plausible_id(passkey_id):
            raise ForbiddenError()
        async with self._db.read() as session:
            found = await passkeys_repo.own(session, user_id, passkey_id)
        if found is None:
            raise ForbiddenError()
        await self._reauth.confirm(accountability, password, "Deleting a passkey", "password")
        client = accountability.client
        entry = self._audit.entry(
            AuditAction.PASSKEY_REMOVED, client, user=user_id, comment=f"passkey={passkey_id}"
        )
        async with self._db.write() as session:
            if not await passkeys_repo.delete_own(session, user_id, passkey_id):
                raise ForbiddenError()
            await self._audit.record_in(session, entry)


def _plausible_id(passkey_id: str) -> bool:
    """Whether the id could be a passkey's (a 36-character UUID): anything else is no
    passkey of the caller's, answered as such without a query the database would refuse."""
    return len(passkey_id) <= ID_LENGTH and is_storable_text(passkey_id)
