"""Password logins: the credentials checked by the driver the account's provider names (the
local hash or an LDAP directory), the shared second factor, then a session from the sessions
service. Refresh and logout are the sessions service's alone."""

from __future__ import annotations

from app.accountability import ClientInfo
from app.config import Settings
from app.db.engine import Database
from app.errors import InvalidProviderError
from app.observability.auth_events import login_attempt
from app.repositories.sync.callers import user_by_email
from app.security.rate_limits import RateLimits
from app.services.login_drivers import LoginDriver, PasswordCredentials, Proof
from app.services.login_drivers.ldap import LdapDirectories
from app.services.second_factor import SecondFactor
from app.services.sessions import AuthMode, IssuedTokens, SessionsService
from app.services.stall import stalled


class AuthService:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        rate_limits: RateLimits,
        local: LoginDriver[PasswordCredentials],
        directories: LdapDirectories,
        second_factor: SecondFactor,
        sessions: SessionsService,
    ) -> None:
        self._db = db
        self._settings = settings
        self._rate_limits = rate_limits
        self._local = local
        self._directories = directories
        self._second_factor = second_factor
        self._sessions = sessions

    async def login(
        self,
        *,
        email: str,
        password: str,
        mode: AuthMode,
        otp: str | None,
        client: ClientInfo,
    ) -> IssuedTokens:
        await self._rate_limits.hit_auth(client.ip)
        # Every outcome takes the same time, so timing tells nothing.
        with login_attempt():
            async with stalled(self._settings.login_stall_time):
                return await self._login(email, password, mode, otp, client)

    async def _login(
        self, email: str, password: str, mode: AuthMode, otp: str | None, client: ClientInfo
    ) -> IssuedTokens:
        user = await self._db.run_reads(lambda connection: user_by_email(connection, email))
        # An LDAP user's password is the directory's word; anyone else's, the local hash's.
        ldap = self._directories.driver(user.provider) if user is not None else None
        driver: LoginDriver[PasswordCredentials] = self._local if ldap is None else ldap
        proof = await driver.prove(PasswordCredentials(password, email, user), client)
        return await self._open(proof, otp, mode, client)

    async def login_ldap(
        self,
        *,
        provider: str,
        identifier: str,
        password: str,
        mode: AuthMode,
        otp: str | None,
        client: ClientInfo,
    ) -> IssuedTokens:
        """POST /auth/login/:provider for an LDAP provider: the directory checks the password."""
        driver = self._directories.driver(provider)
        if driver is None:
            raise InvalidProviderError()
        await self._rate_limits.hit_auth(client.ip)
        with login_attempt():
            async with stalled(self._settings.login_stall_time):
                proof = await driver.prove(PasswordCredentials(password, identifier), client)
                return await self._open(proof, otp, mode, client)

    async def _open(
        self, proof: Proof, otp: str | None, mode: AuthMode, client: ClientInfo
    ) -> IssuedTokens:
        """The second factor under the claim the password was checked under, then the session.
        Whatever ends the login before its session, the claim is settled or released."""
        claim = proof.claim
        try:
            if claim is None:  # a directory user linked on this login: no claim yet
                tfa, claim = await self._second_factor.claimed(proof.user, otp, client)
            else:
                tfa = await self._second_factor.check(proof.user, otp, client, claim)
            rehash = await proof.rehash() if proof.rehash is not None else None
        except BaseException:
            await self._second_factor.release(claim)
            raise
        return await self._sessions.open_session(
            proof.user,
            mode,
            client,
            tfa=tfa,
            rehash=rehash,
            comment=proof.comment,
            claim=claim,
        )
