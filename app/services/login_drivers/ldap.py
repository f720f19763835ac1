"""Password logins that an LDAP directory decides.

Two ways in: `POST /auth/login/:provider` with the directory's identifier (USER_ATTRIBUTE), and
`auth_login(email, password)` for a user whose provider is an LDAP one (found by email, checked
by binding as the DN stored in `external_identifier`). Either way the same rules as a local
login: the lock and failure counting before the bind; the composer adds TFA and the session,
the caller pads the time. On success the local user is created or brought up to date (email,
names, role from groups).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.accountability import ClientInfo
from app.db.engine import Database
from app.db.models import User
from app.errors import InvalidCredentialsError
from app.observability.auth_events import LoginRefusal, refused
from app.services.audit import AuditAction, AuditLog
from app.services.external_users import (
    IDENTIFIER_LENGTH,
    ExternalProfile,
    ExternalUsers,
    LinkRules,
)
from app.services.login_drivers import PasswordCredentials, Proof
from app.services.login_guard import LoginClaim, LoginGuard
from app.sso.config import Driver, ProviderConfig, SsoConfig

if TYPE_CHECKING:
    from app.sso.ldap import DirectoryEntry, LdapDirectory


class LdapDirectories:
    """The configured LDAP providers, each a login driver; and, outside a login, a directory's
    word on an LDAP user's password (TfaService asks it)."""

    def __init__(self, config: SsoConfig, db: Database, guard: LoginGuard, audit: AuditLog):
        providers = {p.name: p for p in config.providers if p.driver is Driver.LDAP}
        self._logins: dict[str, LdapLogin] = {}
        if providers:
            # ldap3 is imported only when an LDAP provider is configured (~14 MB per worker).
            from app.sso.ldap import LdapDirectory

            users = ExternalUsers(db)
            self._logins = {
                name: LdapLogin(
                    name, provider, LdapDirectory(provider.ldap, name), users, guard, audit
                )
                for name, provider in providers.items()
                if provider.ldap is not None
            }

    def driver(self, provider: str) -> LdapLogin | None:
        """The login driver of an LDAP provider, None for any other provider."""
        return self._logins.get(provider.lower())

    def has_directory(self, user: User) -> bool:
        """Whether the user's password lives in a directory (LDAP)."""
        return user.provider.lower() in self._logins

    async def directory_password_ok(self, user: User, password: str) -> bool:
        """For an LDAP user (`has_directory`), whether the directory accepts `password`."""
        return await self._logins[user.provider.lower()].verify_password(user, password)


class LdapLogin:
    """One LDAP provider's login driver."""

    def __init__(
        self,
        name: str,
        config: ProviderConfig,
        directory: LdapDirectory,
        users: ExternalUsers,
        guard: LoginGuard,
        audit: AuditLog,
    ) -> None:
        self._name = name
        self._config = config
        self._directory = directory
        self._users = users
        self._guard = guard
        self._audit = audit

    async def verify_password(self, user: User, password: str) -> bool:
        """The directory's word on an LDAP user's password (its DN is external_identifier)."""
        return bool(user.external_identifier) and await self._directory.verify(
            user.external_identifier or "", password
        )

    async def prove(self, credentials: PasswordCredentials, client: ClientInfo) -> Proof:
        """For a known local `user` (by its DN), else by `identifier` (found in the directory)."""
        name, directory, user = self._name, self._directory, credentials.user
        identifier = credentials.identifier
        label = ((user.email or "") if user is not None else identifier)[:200]
        entry: DirectoryEntry | None = None
        if user is not None:
            if user.external_identifier:
                entry = await directory.find(dn=user.external_identifier)
        elif identifier and len(identifier) <= IDENTIFIER_LENGTH:
            entry = await directory.find(identifier=identifier)
        if entry is None:  # the caller's stall hides that no bind was tried
            refused(LoginRefusal.UNKNOWN_USER)
            await self._failed(client, f"{name}:{label}")
            raise InvalidCredentialsError()
        user = user or await self._users.find(name, entry.dn)
        claim: LoginClaim | None = None
        if user is not None:
            # As for local users: claimed before the bind; while locked, neither checked
            # nor counted.
            claim = await self._guard.claim(user, client)
            if claim is None:
                raise InvalidCredentialsError()
        try:
            verified = await directory.verify(entry.dn, credentials.password)
        except BaseException:
            await self._guard.released(claim)  # the directory failed: no verdict
            raise
        if not verified:
            refused(LoginRefusal.WRONG_PASSWORD)
            if claim is not None:
                await self._guard.failed(claim, client)
            else:
                await self._failed(client, f"{name}:{label}")
            raise InvalidCredentialsError()
        try:
            user = await self._users.link(_profile(name, entry), await self._rules(entry))
            if user.status != "active":
                refused(LoginRefusal.INACTIVE)
                raise InvalidCredentialsError()
        except BaseException:
            # The bind proved the password; the login ends without a verdict on it.
            await self._guard.released(claim)
            raise
        return Proof(user, claim, comment=f"provider={name}")

    async def _rules(self, entry: DirectoryEntry) -> LinkRules:
        """Directus's LDAP rules: users are always created; with GROUP_DN the role follows the
        groups (a role named like a group's cn, else DEFAULT_ROLE_ID) on every login."""
        grouped = self._config.ldap is not None and self._config.ldap.group_dn is not None
        return LinkRules(
            create=True,
            default_role=self._config.default_role_id,
            sync_profile=True,
            role=await self._users.role_named(entry.groups) if grouped else None,
            set_role=grouped,
        )

    async def _failed(self, client: ClientInfo, item: str) -> None:
        await self._audit.record(self._audit.entry(AuditAction.LOGIN_FAILED, client, item=item))


def _profile(provider: str, entry: DirectoryEntry) -> ExternalProfile:
    return ExternalProfile(
        provider=provider,
        identifier=entry.dn,
        email=entry.email,
        first_name=entry.first_name,
        last_name=entry.last_name,
    )
