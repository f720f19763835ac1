"""Password logins that an LDAP directory decides.

Two ways in: `POST /auth/login/:provider` with the directory's identifier (USER_ATTRIBUTE), and
`auth_login(email, password)` for a user whose provider is an LDAP one (found by email, checked
by binding as the DN stored in `external_identifier`). Either way the same rules as a local
login: the lock and failure counting, TFA, and a session at the end; the caller pads the time.
On success the local user is created or brought up to date (email, names, role from groups).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from app.accountability import ClientInfo
from app.db.engine import Database
from app.db.models import User
from app.errors import InvalidCredentialsError
from app.services.audit import AuditAction, AuditLog
from app.services.external_users import ExternalProfile, ExternalUsers, LinkRules
from app.services.login_guard import LoginClaim, LoginGuard
from app.sso.config import Driver, ProviderConfig, SsoConfig

if TYPE_CHECKING:
    from app.services.auth import AuthMode, IssuedTokens
    from app.sso.ldap import DirectoryEntry, LdapDirectory

IDENTIFIER_LENGTH = 255


class SessionOpener(Protocol):
    async def check_otp(
        self, user: User, otp: str | None, client: ClientInfo, claim: LoginClaim | None
    ) -> int | None: ...

    async def open_session(
        self,
        user: User,
        mode: AuthMode,
        client: ClientInfo,
        *,
        tfa_step: int | None = None,
        rehash: str | None = None,
        comment: str | None = None,
        claim: LoginClaim | None = None,
    ) -> IssuedTokens: ...


class LdapLogins:
    def __init__(
        self,
        config: SsoConfig,
        db: Database,
        guard: LoginGuard,
        audit: AuditLog,
        opener: SessionOpener,
    ) -> None:
        self._providers = {p.name: p for p in config.providers if p.driver is Driver.LDAP}
        self._directories: dict[str, LdapDirectory] = {}
        if self._providers:
            # ldap3 is imported only when an LDAP provider is configured (~14 MB per worker).
            from app.sso.ldap import LdapDirectory

            self._directories = {
                name: LdapDirectory(provider.ldap, name)
                for name, provider in self._providers.items()
                if provider.ldap is not None
            }
        self._users = ExternalUsers(db)
        self._guard = guard
        self._audit = audit
        self._opener = opener

    def handles(self, provider: str) -> bool:
        return provider.lower() in self._directories

    async def verify_password(self, user: User, password: str) -> bool:
        """The directory's word on an LDAP user's password (its DN is external_identifier)."""
        directory = self._directories[user.provider.lower()]
        return bool(user.external_identifier) and await directory.verify(
            user.external_identifier or "", password
        )

    async def login(
        self,
        provider: str,
        client: ClientInfo,
        mode: AuthMode,
        password: str,
        otp: str | None,
        *,
        identifier: str | None = None,
        user: User | None = None,
    ) -> IssuedTokens:
        """By `identifier` (looked up in the directory) or for a known local `user`."""
        name = provider.lower()
        config, directory = self._providers[name], self._directories[name]
        label = (identifier or (user.email if user else None) or "")[:200]
        entry: DirectoryEntry | None = None
        if user is not None and user.external_identifier:
            entry = await directory.find(dn=user.external_identifier)
        elif identifier and len(identifier) <= IDENTIFIER_LENGTH:
            entry = await directory.find(identifier=identifier)
        if entry is None:  # the caller's stall hides that no bind was tried
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
        if not await directory.verify(entry.dn, password):
            if claim is not None:
                await self._guard.failed(claim, client)
            else:
                await self._failed(client, f"{name}:{label}")
            raise InvalidCredentialsError()
        user = await self._users.link(_profile(name, entry), await self._rules(config, entry))
        if user.status != "active":
            raise InvalidCredentialsError()
        step = await self._opener.check_otp(user, otp, client, claim)
        return await self._opener.open_session(
            user, mode, client, tfa_step=step, comment=f"provider={name}", claim=claim
        )

    async def _rules(self, config: ProviderConfig, entry: DirectoryEntry) -> LinkRules:
        """Directus's LDAP rules: users are always created; with GROUP_DN the role follows the
        groups (a role named like a group's cn, else DEFAULT_ROLE_ID) on every login."""
        grouped = config.ldap is not None and config.ldap.group_dn is not None
        return LinkRules(
            create=True,
            default_role=config.default_role_id,
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
