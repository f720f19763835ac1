"""Flows through a user's mailbox: password reset, invitations, self-registration.

Answers never reveal whether an address is known: the same answer, padded to the same
time, and mail goes out in the background.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.accountability import ClientInfo
from app.clock import Clock
from app.collections import USERS
from app.config import Settings
from app.db.engine import Database
from app.db.integrity import IntegrityError
from app.db.models import ProjectSettings, Role, User
from app.db.query.filters import filter_clause
from app.db.query.values import FilterVariables
from app.db.types import AsyncSession
from app.errors import (
    ForbiddenError,
    InvalidForeignKeyError,
    InvalidInviteError,
    InvalidPayloadError,
    InvalidTokenError,
)
from app.permissions.access import Access
from app.repositories import core
from app.repositories import items as items_repo
from app.repositories import project_settings as settings_repo
from app.repositories import users as users_repo
from app.security.passwords import PasswordHasher
from app.security.rate_limits import RateLimits
from app.security.tokens import TokenService, password_fingerprint
from app.services.account_mail import AccountMail, AccountMailKind
from app.services.audit import AuditAction, AuditLog
from app.services.flow_links import INVITE_PATH, RESET_PATH, VERIFY_PATH, allowed_url, with_token
from app.services.mail_limits import MailLimiter
from app.services.password_policy import check_password_policy
from app.services.payloads import check_id, valid_email
from app.services.project_face import face_of_row
from app.services.session_revocation import end_sessions
from app.services.stall import stalled


class _KnownAddressError(Exception):
    """Leaves a registration's write transaction: the address has an account that must not
    change; the caller answers `true` as for a new address."""


RESET_SCOPE = "password-reset"
INVITE_SCOPE = "invite"
REGISTRATION_SCOPE = "pending-registration"


def _verifies_email(settings: ProjectSettings) -> bool:
    """Registrations are verified by mail unless the project turned it off."""
    return settings.public_registration_verify_email is not False


def _reset_usable(user: User | None, claims: dict[str, Any]) -> bool:
    """A reset token is bound to the password it replaces: once used (or after any other
    change of the password), it is spent."""
    return (
        user is not None
        and user.status == "active"
        and claims.get("hash") == password_fingerprint(user.password)
    )


class AccountFlows:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Clock,
        hasher: PasswordHasher,
        tokens: TokenService,
        mail: AccountMail,
        audit: AuditLog,
        rate_limits: RateLimits,
    ) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock
        self._hasher = hasher
        self._tokens = tokens
        self._mail = mail
        self._audit = audit
        self._rate_limits = rate_limits
        self._mail_limits = MailLimiter(rate_limits)

    # Password reset --------------------------------------------------------------------

    async def request_password_reset(
        self, email: str, reset_url: str | None, client: ClientInfo
    ) -> None:
        await self._rate_limits.hit_auth(client.ip)
        base = self._link_base(
            reset_url,
            self._settings.password_reset_url_allow_list,
            RESET_PATH,
            "reset passwords",
        )
        async with stalled(self._settings.login_stall_time):
            async with self._db.read() as session:
                user = await users_repo.get_by_email(session, email)
                project = face_of_row(await settings_repo.get(session))
            if user is None or user.status != "active" or user.email is None:
                return
            # Past the inbox's share the answer is the same `true`: no mail, nothing told.
            if not await self._mail_limits.allow(user.email):
                return
            token = self._tokens.sign_scoped(
                RESET_SCOPE,
                {"email": user.email, "hash": password_fingerprint(user.password)},
                self._settings.password_reset_token_ttl,
            )
            url = with_token(base, token)
            async with self._db.write() as session:
                kind = AccountMailKind.PASSWORD_RESET
                await self._mail.send(session, kind, to=user.email, url=url, project=project)

    async def reset_password(self, token: str, password: str, client: ClientInfo) -> None:
        await self._rate_limits.hit_auth(client.ip)
        claims = self._reset_claims(token)
        await check_password_policy(self._db, password)
        hashed = await self._hasher.hash(password)
        async with self._db.write() as session:
            user = await users_repo.get_by_email(session, str(claims.get("email", "")))
            if not _reset_usable(user, claims):
                raise ForbiddenError()
            assert user is not None
            had_token = user.token is not None  # read before the update refreshes the row
            # The static token goes too: one minted by whoever held the account must not
            # outlive the reset that takes it back (an admin may set a new one).
            if not await users_repo.update_if(
                session,
                user.id,
                expect_status="active",
                expect_password=user.password,
                password=hashed,
                token=None,
            ):
                raise ForbiddenError()  # a concurrent use of the same token came first
            await core.run(
                session,
                end_sessions,
                self._audit,
                client,
                actor=user.id,
                users=[user.id],
                now=self._clock.now(),
                reason="password reset",
            )
            entries = [self._audit.entry(AuditAction.PASSWORD_RESET, client, user=user.id)]
            if had_token:
                entries.append(
                    self._audit.entry(
                        AuditAction.TOKEN_CLEARED, client, user=user.id, comment="password reset"
                    )
                )
            for entry in entries:
                await self._audit.record_in(session, entry)

    async def check_reset_token(self, token: str) -> str:
        """Whether a reset link still works, without using it (the page checks it when it
        opens): the same errors as auth_password_reset would give. Answers the address the
        token names (which its holder can read in it anyway)."""
        claims = self._reset_claims(token)
        async with self._db.read() as session:
            user = await users_repo.get_by_email(session, str(claims.get("email", "")))
        if not _reset_usable(user, claims):
            raise ForbiddenError()
        return str(claims["email"])

    def _reset_claims(self, token: str) -> dict[str, Any]:
        """Not a reset token (garbage, forged, another scope): INVALID_TOKEN; expired:
        TOKEN_EXPIRED. Whether it was used already is for _reset_usable."""
        try:
            claims = self._tokens.decode_scoped(token, RESET_SCOPE)
        except ForbiddenError:
            raise InvalidTokenError() from None
        if not isinstance(claims.get("hash"), str) or not isinstance(claims.get("email"), str):
            raise InvalidTokenError()
        return claims

    # Invitations -----------------------------------------------------------------------

    async def invite(self, access: Access, email: str, role: str, invite_url: str | None) -> None:
        access.require_fields(USERS.name, "create", ["email", "role", "status"])
        address = valid_email(email)
        assert address is not None
        role_id = check_id(role, "role")
        base = self._link_base(
            invite_url,
            self._settings.user_invite_url_allow_list,
            INVITE_PATH,
            "invite users",
        )
        async with self._db.write() as session:
            project = face_of_row(await settings_repo.get(session))
            user = await users_repo.get_by_email(session, address)
            if not await items_repo.exists(session, Role, role_id):
                raise InvalidForeignKeyError("role", USERS.name)
            if user is not None:
                if user.status != "invited":
                    return  # already a member: nothing to send
                address = user.email or address
            # The inviter may see the users: a refused re-send says so, and changes nothing.
            await self._mail_limits.take(address)
            if user is None:
                await users_repo.add(session, User(email=address, role=role_id, status="invited"))
            else:
                await users_repo.update_values(session, user.id, role=role_id)
            token = self._tokens.sign_scoped(
                INVITE_SCOPE, {"email": address}, self._settings.user_invite_token_ttl
            )
            url = with_token(base, token)
            await self._mail.send(
                session, AccountMailKind.INVITATION, to=address, url=url, project=project
            )

    async def accept_invite(self, token: str, password: str, client: ClientInfo) -> None:
        await self._rate_limits.hit_auth(client.ip)
        claims = self._tokens.decode_scoped(token, INVITE_SCOPE)
        await check_password_policy(self._db, password)
        hashed = await self._hasher.hash(password)
        async with self._db.write() as session:
            user = await users_repo.get_by_email(session, str(claims.get("email", "")))
            if user is None or user.status != "invited":
                raise InvalidInviteError()
            if not await users_repo.update_if(
                session, user.id, expect_status="invited", password=hashed, status="active"
            ):
                raise InvalidInviteError()

    async def check_invite(self, token: str) -> str:
        """Whether an invitation link still works, without accepting it (the page checks
        it when it opens): the same errors as users_invite_accept would give. Answers the
        invited address."""
        claims = self._tokens.decode_scoped(token, INVITE_SCOPE)
        async with self._db.read() as session:
            user = await users_repo.get_by_email(session, str(claims.get("email", "")))
        if user is None or user.status != "invited" or user.email is None:
            raise InvalidInviteError()
        return user.email

    # Registration ----------------------------------------------------------------------

    async def register(
        self,
        email: str,
        password: str,
        verification_url: str | None,
        first_name: str | None,
        last_name: str | None,
        client: ClientInfo,
    ) -> None:
        await self._rate_limits.hit_registration(client.ip)
        await self._rate_limits.hit_auth(client.ip)
        base = self._link_base(
            verification_url,
            self._settings.user_register_url_allow_list,
            VERIFY_PATH,
            "verify registered users",
        )
        address = valid_email(email)
        assert address is not None
        await check_password_policy(self._db, password)
        hashed = await self._hasher.hash(password)
        async with stalled(self._settings.login_stall_time):
            async with self._db.read() as session:
                settings = await settings_repo.get(session)
            if settings is None or not settings.public_registration:
                raise ForbiddenError()
            verify = _verifies_email(settings)
            try:
                async with self._db.write() as session:
                    known = await users_repo.get_by_email(session, address)
                    if known is None:
                        await self._add_registered(
                            session, address, hashed, first_name, last_name, settings
                        )
                    else:
                        await self._register_known(
                            session, known, address, hashed, first_name, last_name, settings
                        )
                    if verify and await self._mail_limits.allow(address):
                        token = self._tokens.sign_scoped(
                            REGISTRATION_SCOPE,
                            # Bound to the latest registrant's password: an earlier registrant's
                            # link (an attacker who registered the address first) stops working.
                            {"email": address, "hash": password_fingerprint(hashed)},
                            self._settings.email_verification_token_ttl,
                        )
                        url, project = with_token(base, token), face_of_row(settings)
                        kind = AccountMailKind.REGISTRATION
                        await self._mail.send(session, kind, to=address, url=url, project=project)
            except (IntegrityError, _KnownAddressError):
                return  # a concurrent registration won, or a known address: no mail

    async def verify_registration(self, token: str, client: ClientInfo) -> str:
        """Activates the registration; answers the user's id (Directus redirects to it)."""
        await self._rate_limits.hit_auth(client.ip)
        claims = self._tokens.decode_scoped(token, REGISTRATION_SCOPE)
        async with self._db.write() as session:
            user = await users_repo.get_by_email(session, str(claims.get("email", "")))
            if (
                user is None
                or user.status != "unverified"
                or claims.get("hash") != password_fingerprint(user.password)
            ):
                raise InvalidPayloadError("This registration can't be verified")
            if not await users_repo.update_if(
                session, user.id, expect_status="unverified", status="active"
            ):
                raise InvalidPayloadError("This registration can't be verified")
            return user.id

    # Helpers ---------------------------------------------------------------------------

    def _link_base(
        self, custom: str | None, allow_list: Sequence[str], default_path: str, purpose: str
    ) -> str:
        """The link a mail carries: the client's URL if the allow-list has it (a refusal
        says what the URL was for, in Directus's words), else the default page."""
        if custom:
            if not allowed_url(custom, allow_list):
                raise InvalidPayloadError(f'URL "{custom}" can\'t be used to {purpose}')
            return custom
        return self._settings.public_url.rstrip("/") + default_path

    async def _add_registered(
        self,
        session: AsyncSession,
        address: str,
        hashed: str,
        first_name: str | None,
        last_name: str | None,
        settings: ProjectSettings,
    ) -> None:
        """The registrant's row: unverified until its mail is answered, unless the project
        asks for no verification; refused (rolled back) when the email filter says no."""
        verify = _verifies_email(settings)
        user = await users_repo.add(
            session,
            User(
                email=address,
                password=hashed,
                first_name=first_name,
                last_name=last_name,
                role=settings.public_registration_role,
                status="unverified" if verify else "active",
            ),
        )
        await self._check_email_filter(session, user.id, settings.public_registration_email_filter)

    async def _register_known(
        self,
        session: AsyncSession,
        known: User,
        address: str,
        hashed: str,
        first_name: str | None,
        last_name: str | None,
        settings: ProjectSettings,
    ) -> None:
        """A registration of an address that has an account, answered as a new one would be.

        The email filter sees the registrant's values on the row, exactly as on a new row,
        so its verdict never tells whether the address has an account. Only a registration
        still waiting for its verification goes on (its mail is sent again, as Directus does:
        its owner may have lost the first), and it takes the latest registrant's password and
        names, so the link activates what the person reading the mail chose, never what an
        earlier registrant (someone who registered another's address first) set. Any other
        account raises _KnownAddressError, which rolls the values back."""
        waiting = known.status == "unverified" and _verifies_email(settings)
        await users_repo.update_values(
            session,
            known.id,
            email=address,
            password=hashed,
            first_name=first_name,
            last_name=last_name,
        )
        await self._check_email_filter(session, known.id, settings.public_registration_email_filter)
        if not waiting:
            raise _KnownAddressError()

    async def _check_email_filter(
        self, session: AsyncSession, user_id: str, email_filter: dict[str, Any] | None
    ) -> None:
        """The settings' email filter, checked in SQL against the new row (rolled back if not)."""
        if not email_filter:
            return
        await session.flush()
        variables = FilterVariables(user=None, role=None, now=self._clock.now())
        where = filter_clause(USERS, email_filter, variables)
        if not await items_repo.matching_ids(session, USERS, [user_id], where):
            raise ForbiddenError()  # as Directus: the address may not register here
