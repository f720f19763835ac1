"""The session life cycle: opening one at the end of a login, refresh-token rotation with reuse
detection and its grace window, logout, and the session a cookie names.

Apart from the credential checks (AuthService, SsoService and the login drivers) so that every
way in ends in the same place, and so that listing or revoking a user's sessions has a home.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.accountability import ClientInfo
from app.clock import Clock
from app.config import Settings
from app.db.engine import Database
from app.db.models import Session, User, new_id
from app.db.types import Connection
from app.errors import (
    DirectusError,
    InvalidCredentialsError,
    InvalidOtpError,
    InvalidPayloadError,
    UserSuspendedError,
)
from app.observability import auth_events
from app.observability.auth_events import LoginRefusal
from app.repositories.sync import sessions as sessions_sync
from app.repositories.sync import users as users_sync
from app.repositories.sync.callers import AccessQuery
from app.repositories.users import UserAccess
from app.security.rate_limits import RateLimits
from app.security.tokens import TokenService, hash_token, new_refresh_token, successor_token
from app.services.audit import AuditAction, AuditLog
from app.services.login_guard import LoginClaim, LoginGuard
from app.services.session_admin import SessionAdmin
from app.services.session_views import MISSING_REFRESH_TOKEN, LogoutScope, PresentedSession

__all__ = [
    "MISSING_REFRESH_TOKEN",
    "AuthMode",
    "IssuedTokens",
    "LogoutScope",
    "PresentedSession",
    "SessionsService",
]


class AuthMode(enum.Enum):
    JSON = "json"
    COOKIE = "cookie"
    SESSION = "session"


@dataclass(frozen=True)
class IssuedTokens:
    """What a login or refresh produced; the transport decides what goes where."""

    access_token: str
    refresh_token: str | None
    expires_ms: int
    mode: AuthMode


class SessionsService(SessionAdmin):
    """Logins' sessions: opening, rotating, ending; listing and revoking (SessionAdmin)."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Clock,
        tokens: TokenService,
        guard: LoginGuard,
        audit: AuditLog,
        rate_limits: RateLimits,
    ) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock
        self._tokens = tokens
        self._guard = guard
        self._audit = audit
        self._rate_limits = rate_limits

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
    ) -> IssuedTokens:
        """The end of every successful login (password, LDAP, OpenID, OAuth2): a session row,
        the failure count cleared and the login's `claim` settled, the audit entry, and the
        tokens for the mode. Refused when the account got locked meanwhile."""
        now = self._clock.now()
        refresh_token = new_refresh_token()
        token_hash = hash_token(refresh_token)
        entry = self._audit.entry(AuditAction.LOGIN, client, user=user.id, comment=comment)

        def write(connection: Connection) -> tuple[str, UserAccess | None]:
            if not users_sync.still_as_checked(connection, user.id, user.password, now):
                raise InvalidCredentialsError()
            # A code works once: a replay inside its 30 s window is refused.
            if tfa_step is not None and not users_sync.claim_tfa_step(
                connection, user.id, tfa_step
            ):
                auth_events.refused(LoginRefusal.TFA)
                raise InvalidOtpError()
            sessions_sync.delete_expired_for_user(connection, user.id, now)
            session_id = self._add_session(connection, user.id, token_hash, mode, client, now)
            users_sync.record_login(connection, user.id, now, claimed=claim is not None)
            if rehash is not None:
                users_sync.set_password_hash(connection, user.id, rehash)
            self._audit.record_on(connection, entry)
            query = AccessQuery(user_id=user.id, permissions=False, ip=client.ip)
            return session_id, query(connection)

        # One Core transaction: all of the login's rows commit, or none.
        try:
            session_id, found = await self._db.run_writes(write)
        except BaseException:
            await self._guard.released(claim)  # checked and right, but no session
            raise
        if claim is not None:
            claim.settled = True  # record_login settled it in the login's transaction
        assert found is not None
        # A login proves the password (or the provider's word) now; a refresh proves nothing.
        return self._issue(
            found, mode, refresh_token, session_id, ip=client.ip, auth_time=int(now.timestamp())
        )

    async def refresh(
        self, *, presented: PresentedSession, mode: AuthMode, client: ClientInfo
    ) -> IssuedTokens:
        if not presented.refresh_token and not presented.session_id:
            raise InvalidPayloadError(MISSING_REFRESH_TOKEN)
        await self._rate_limits.hit_auth(client.ip)
        now = self._clock.now()
        outcome = await self._db.run_writes(
            lambda connection: self._rotate(connection, presented, mode, client, now)
        )
        if isinstance(outcome, IssuedTokens):
            auth_events.refresh_rotated()
            return outcome
        auth_events.refresh_reused(outcome.user, client.ip)
        # The chain was revoked and committed; now the answer can fail.
        await self._audit.record(
            self._audit.entry(
                AuditAction.REFRESH_REUSED, client, user=outcome.user, item=outcome.family
            )
        )
        raise InvalidCredentialsError()

    def _rotate(
        self,
        connection: Connection,
        presented: PresentedSession,
        mode: AuthMode,
        client: ClientInfo,
        now: datetime,
    ) -> IssuedTokens | Session:
        """One write transaction: the successor's tokens, or the replayed session whose
        chain was just revoked. Raising rolls everything back."""
        found = self._find(connection, presented, client.ip)
        if found is None:
            raise InvalidCredentialsError()
        row = found.session
        if row.rotated_at is None:
            if row.expires <= now:
                raise InvalidCredentialsError()
            if found.user_status == "suspended":
                raise UserSuspendedError()
            if found.user_status != "active":
                raise InvalidCredentialsError()
            successor_id = new_id()
            if sessions_sync.claim_for_rotation(connection, row.id, successor_id, now):
                raw = successor_token(self._settings.secret, row.token)
                self._add_session(
                    connection,
                    row.user,
                    hash_token(raw),
                    mode,
                    client,
                    now,
                    family=row.family,
                    session_id=successor_id,
                    created=row.created,
                )
                users_sync.touch_last_access(connection, row.user, now)
                return self._issue(found.owner, mode, raw, successor_id, ip=client.ip)
            # Another request rotated it a moment ago: judge this one as a replay, on a
            # fresh read.
            found = self._find(connection, presented, client.ip)
            if found is None or found.session.rotated_at is None:
                raise InvalidCredentialsError()
            row = found.session
        if presented.session_id is not None:
            return self._refreshed_cookie(connection, row, found.owner, mode, now, client.ip)
        issued = self._replayed(connection, row, found.owner, mode, now, client.ip)
        return row if issued is None else issued

    def _refreshed_cookie(
        self,
        connection: Connection,
        row: Session,
        owner: UserAccess,
        mode: AuthMode,
        now: datetime,
        ip: str | None,
    ) -> IssuedTokens:
        """A session cookie that a session refresh replaced, refreshed again (a tab whose
        request left before the new cookie came): inside SESSION_REFRESH_GRACE_PERIOD a
        cookie for the login's current session, as Directus answers with its next token;
        after it, refused. A cookie is not a refresh token handed to a client, so this is
        no theft signal and nothing is revoked (the cookie is simply dead)."""
        assert row.rotated_at is not None
        grace = timedelta(milliseconds=self._settings.session_refresh_grace_period)
        if now - row.rotated_at >= grace:
            raise InvalidCredentialsError()
        if owner.status == "suspended":
            raise UserSuspendedError()
        current = sessions_sync.current_of_family(connection, row.family, now)
        if owner.status != "active" or current is None:
            raise InvalidCredentialsError()
        return self._issue(owner, mode, "", current.id, ip=ip)

    def _replayed(
        self,
        connection: Connection,
        row: Session,
        owner: UserAccess,
        mode: AuthMode,
        now: datetime,
        ip: str | None,
    ) -> IssuedTokens | None:
        """A rotated-out token again: inside the grace window the same successor (tabs that
        refreshed at once); after it, a stolen token is being replayed, so the chain dies."""
        assert row.rotated_at is not None
        grace = timedelta(milliseconds=self._settings.refresh_token_reuse_interval)
        successor = sessions_sync.get(connection, row.successor) if row.successor else None
        if (
            now - row.rotated_at <= grace
            and grace.total_seconds() > 0
            and successor is not None
            and successor.rotated_at is None
            and successor.expires > now
            and owner.status == "active"
        ):
            raw = successor_token(self._settings.secret, row.token)
            return self._issue(owner, mode, raw, successor.id, ip=ip)
        sessions_sync.delete_family(connection, row.family)
        return None

    @staticmethod
    def _find(
        connection: Connection, presented: PresentedSession, ip: str | None
    ) -> sessions_sync.SessionOwner | None:
        return sessions_sync.find_with_owner(
            connection,
            token_hash=hash_token(presented.refresh_token) if presented.refresh_token else None,
            session_id=presented.session_id,
            ip=ip,
        )

    def session_of_cookie(self, session_jwt: str | None) -> str | None:
        """The session id inside a session-mode cookie; its expiry is the row's business."""
        if not session_jwt:
            return None
        try:
            return self._tokens.decode_access(session_jwt, verify_exp=False).session
        except DirectusError:
            return None

    def _add_session(
        self,
        connection: Connection,
        user_id: str,
        token_hash: str,
        mode: AuthMode,
        client: ClientInfo,
        now: datetime,
        *,
        family: str | None = None,
        session_id: str | None = None,
        created: datetime | None = None,
    ) -> str:
        """A session row for a login (a new family) or a rotation (the same family, the
        login's `created` carried on); either way it was used now."""
        return sessions_sync.add(
            connection,
            token_hash=token_hash,
            user=user_id,
            expires=now + timedelta(milliseconds=self._session_ttl(mode)),
            ip=client.ip,
            user_agent=client.user_agent,
            origin=client.origin,
            family=family,
            session_id=session_id,
            created=created,
            issued=now,
        )

    def _session_ttl(self, mode: AuthMode) -> int:
        if mode is AuthMode.SESSION:
            return self._settings.session_cookie_ttl
        return self._settings.refresh_token_ttl

    def _issue(
        self,
        access: UserAccess,
        mode: AuthMode,
        refresh_token: str,
        session_id: str,
        *,
        ip: str | None,
        auth_time: int | None = None,
    ) -> IssuedTokens:
        """The tokens carry what the policies give at the client's address `ip` (every
        request recomputes its access anyway)."""
        session_mode = mode is AuthMode.SESSION
        ttl = self._settings.session_cookie_ttl if session_mode else self._settings.access_token_ttl
        granted = access.at(ip)
        access_token = self._tokens.sign_access(
            user_id=access.user_id,
            role=access.role,
            app_access=granted.app,
            admin_access=granted.admin,
            ttl_ms=ttl,
            session=session_id if session_mode else None,
            enforce_tfa=granted.enforce_tfa and not access.has_tfa,
            auth_time=auth_time,
        )
        return IssuedTokens(
            access_token=access_token,
            refresh_token=None if session_mode else refresh_token,
            expires_ms=ttl,
            mode=mode,
        )
