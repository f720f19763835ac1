"""Logging in with a passkey: options (a challenge, optionally bound to an email), then the
browser's assertion, ending in the same session, cookies and audit as a password login.

A passkey is two factors in one (something held, unlocked by the user), so no TOTP code is
asked after it. The protections are the password's: the auth rate limit per address, the
LoginGuard claim before the signature is checked (a wrong assertion against a known user's
credential is a failed login, and during a lock nothing is checked), the stall time, the
audit trail and the login metrics. The options answer the same whoever the email names:
they never list credentials (passkeys are discoverable), and a login whose challenge was
asked for an email is refused for any other user's credential.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, NoReturn

from app.accountability import ClientInfo
from app.clock import Clock
from app.config import Settings
from app.db.engine import Database
from app.db.models import Passkey, PasskeyChallenge, User
from app.errors import InvalidCredentialsError, InvalidPayloadError
from app.input_values import is_storable_text
from app.observability.auth_events import LoginRefusal, login_attempt, refused
from app.repositories import passkeys as passkeys_repo
from app.security import passkey_ceremony as ceremony
from app.security.rate_limits import RateLimits
from app.services.audit import AuditAction, AuditLog
from app.services.login_guard import LoginClaim, LoginGuard
from app.services.sessions import AuthMode, IssuedTokens, SessionsService
from app.services.stall import stalled

LOGIN = "login"
EMAIL_LENGTH = 128


class PasskeyLogin:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Clock,
        rate_limits: RateLimits,
        guard: LoginGuard,
        audit: AuditLog,
        sessions: SessionsService,
    ) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock
        self._rate_limits = rate_limits
        self._guard = guard
        self._audit = audit
        self._sessions = sessions
        self._rp = ceremony.RelyingParty.of(settings)

    async def options(self, email: str | None, client: ClientInfo) -> dict[str, Any]:
        """PublicKeyCredentialRequestOptionsJSON. Nothing is looked up: an unknown email
        gets the same answer as a known one; the challenge remembers the email."""
        await self._rate_limits.hit_auth(client.ip)
        bound = (email or "").strip().lower() or None
        if bound is not None and (len(bound) > EMAIL_LENGTH or not is_storable_text(bound)):
            raise InvalidPayloadError('"email" is invalid')
        now = self._clock.now()
        challenge = ceremony.new_challenge()
        expires = now + timedelta(milliseconds=self._settings.webauthn_challenge_ttl)
        row = PasskeyChallenge(challenge=challenge, purpose=LOGIN, email=bound, expires=expires)
        async with self._db.write() as session:
            await passkeys_repo.add_challenge(session, row, now)
        return ceremony.authentication_options(self._rp, challenge)

    async def login(self, credential: object, mode: AuthMode, client: ClientInfo) -> IssuedTokens:
        await self._rate_limits.hit_auth(client.ip)
        with login_attempt():
            async with stalled(self._settings.login_stall_time):
                return await self._login(ceremony.credential_object(credential), mode, client)

    async def _login(
        self, answer: Mapping[str, Any], mode: AuthMode, client: ClientInfo
    ) -> IssuedTokens:
        presented = ceremony.challenge_of(answer)
        credential_id = ceremony.credential_id_of(answer)
        now = self._clock.now()
        async with self._db.write() as session:
            challenge = await passkeys_repo.take_challenge(session, presented, LOGIN, now)
            found = await passkeys_repo.with_owner(session, credential_id)
        if challenge is None:
            await self._refuse(LoginRefusal.PASSKEY, client, None, "challenge unknown or expired")
        if found is None:
            await self._refuse(LoginRefusal.UNKNOWN_USER, client, None, "unknown credential")
        passkey, user = found
        if challenge.email is not None and (user.email or "").lower() != challenge.email:
            # Not counted against the credential's owner: nobody guessed anything of theirs.
            await self._refuse(
                LoginRefusal.UNKNOWN_USER, client, user.id, "credential of another user"
            )
        claim = await self._guard.claim(user, client)
        if claim is None:  # locked or not active (audited): nothing is checked
            raise InvalidCredentialsError()
        try:
            await self._check(answer, presented, passkey, user, claim, client)
        except BaseException:
            await self._guard.released(claim)  # a failure was settled already
            raise
        return await self._sessions.open_session(
            user, mode, client, comment=f"passkey={passkey.id}", claim=claim
        )

    async def _check(
        self,
        answer: Mapping[str, Any],
        challenge: str,
        passkey: Passkey,
        user: User,
        claim: LoginClaim,
        client: ClientInfo,
    ) -> None:
        """The assertion, under the login's claim: a wrong one is a failed login, and so is
        a sign count that went backwards (audited as a cloned authenticator). The new count
        is stored once it verified."""
        handle = ceremony.user_handle_of(answer)
        try:
            if handle is not None and handle != user.id:
                raise ceremony.CeremonyError("the user handle is not the credential's user")
            assertion = ceremony.verify_assertion(self._rp, answer, challenge, passkey.public_key)
        except ceremony.CeremonyError:
            refused(LoginRefusal.PASSKEY)
            await self._guard.failed(claim, client)
            raise InvalidCredentialsError() from None
        if ceremony.sign_count_regressed(passkey.sign_count, assertion.sign_count):
            refused(LoginRefusal.CLONED)
            comment = (
                f"passkey={passkey.id} sign count {assertion.sign_count} "
                f"after {passkey.sign_count}: cloned authenticator?"
            )
            await self._audit.record(
                self._audit.entry(AuditAction.PASSKEY_CLONED, client, user=user.id, comment=comment)
            )
            await self._guard.failed(claim, client)
            raise InvalidCredentialsError()
        now = self._clock.now()
        async with self._db.write() as session:
            moved = await passkeys_repo.record_use(
                session, passkey.id, passkey.sign_count, assertion.sign_count, now
            )
        if not moved:  # another login with this passkey came first
            raise InvalidCredentialsError()

    async def _refuse(
        self, reason: LoginRefusal, client: ClientInfo, user: str | None, why: str
    ) -> NoReturn:
        """A refusal before any credential of a known user was checked: audited, not
        counted toward any lock."""
        refused(reason)
        await self._audit.record(
            self._audit.entry(
                AuditAction.LOGIN_FAILED,
                client,
                user=user,
                item=user or "passkey",
                comment=f"passkey: {why}",
            )
        )
        raise InvalidCredentialsError()
