"""Listing and ending a user's logins (the sessions API), as methods of SessionsService.

A user-visible session is one login: its rotation family, whose id stays the same across
refreshes. The caller's own sessions are open to any signed-in caller; another user's to
admins only. An id that names no live login of the user, or a login of someone else, is
FORBIDDEN alike (no oracle telling the two apart), as Directus answers items one may not see.
"""

from __future__ import annotations

import uuid

from app.accountability import Accountability, ClientInfo
from app.clock import Clock
from app.db.engine import Database
from app.db.types import Connection
from app.errors import ForbiddenError, InvalidPayloadError
from app.repositories.sync import sessions as sessions_sync
from app.repositories.sync import users as users_sync
from app.security.tokens import hash_token
from app.services.audit import AuditLog
from app.services.session_revocation import end_sessions
from app.services.session_views import (
    MISSING_REFRESH_TOKEN,
    LogoutScope,
    PresentedSession,
    UserSession,
)


class SessionAdmin:
    """Mixed into SessionsService, which provides these attributes."""

    _db: Database
    _clock: Clock
    _audit: AuditLog

    async def list_sessions(
        self,
        accountability: Accountability,
        user_id: str | None = None,
        *,
        current: PresentedSession | None = None,
    ) -> list[UserSession]:
        """The live logins of `user_id` (None: the caller's own), most recently used first.
        `current` names the request's own session (its session JWT's row or its refresh
        cookie); a JSON-mode access token names none, so then nothing is current."""
        target = _target(accountability, user_id)
        now = self._clock.now()

        def read(connection: Connection) -> list[UserSession]:
            if target != accountability.user and not users_sync.exists(connection, target):
                raise ForbiddenError()
            rows = sessions_sync.live_of_user(connection, target, now)
            family = _family_of(connection, current) if target == accountability.user else None
            return [UserSession.of(row, family) for row in rows]

        return await self._db.run_reads(read)

    async def revoke_session(
        self, accountability: Accountability, session_id: str, user_id: str | None = None
    ) -> None:
        """Ends one login of `user_id` (None: the caller's own) at once: its refresh chain
        and its session JWT. FORBIDDEN when it is no live login of that user."""
        target = _target(accountability, user_id)
        family = _session_id(session_id)
        now = self._clock.now()

        def end(connection: Connection) -> None:
            ended = end_sessions(
                connection,
                self._audit,
                accountability.client,
                actor=accountability.user,
                users=[target],
                family=family,
                now=now,
                reason="revoked",
            )
            if not ended:
                raise ForbiddenError()  # rolls back: a dead family's rows stay as they were

        await self._db.run_writes(end)

    async def logout(
        self,
        *,
        presented: PresentedSession,
        scope: LogoutScope = LogoutScope.LOCAL,
        client: ClientInfo | None = None,
    ) -> None:
        """Ends the login the token belongs to (local, rotated predecessors included), every
        other login of its user (others) or all of them (global). An unknown token ends
        nothing, as Directus's logout answers alike."""
        if not presented.refresh_token and not presented.session_id:
            raise InvalidPayloadError(MISSING_REFRESH_TOKEN)
        now = self._clock.now()

        def end(connection: Connection) -> None:
            found = sessions_sync.find_with_owner(
                connection,
                token_hash=hash_token(presented.refresh_token) if presented.refresh_token else None,
                session_id=presented.session_id,
            )
            if found is None:
                return
            row = found.session
            if scope is LogoutScope.LOCAL:
                sessions_sync.delete_family(connection, row.family)
                return
            end_sessions(
                connection,
                self._audit,
                client or ClientInfo(),
                actor=row.user,
                users=[row.user],
                keep_family=row.family if scope is LogoutScope.OTHERS else None,
                now=now,
                reason=f"logout {scope.value}",
            )

        await self._db.run_writes(end)


def _target(accountability: Accountability, user_id: str | None) -> str:
    """Whose sessions: the caller's own, or (admins only) anyone's. An id no row can have
    (longer than a key, or with a NUL) is refused as an unknown one is."""
    if accountability.user is None:
        raise ForbiddenError()
    if user_id is None or user_id == accountability.user:
        return accountability.user
    if not accountability.admin or len(user_id) > 36 or "\x00" in user_id:
        raise ForbiddenError()
    return user_id


def _session_id(value: str) -> str:
    """Session ids are UUIDs (app.db.models.new_id): anything else names no session."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ForbiddenError() from None


def _family_of(connection: Connection, current: PresentedSession | None) -> str | None:
    if current is None:
        return None
    return sessions_sync.family_of(
        connection,
        session_id=current.session_id,
        token_hash=hash_token(current.refresh_token) if current.refresh_token else None,
    )
