"""Ending logins: the one code path for every way a session ends early — a revoke from the
sessions API, `auth_logout(scope: others|global)`, and the password, status and email
changes and password resets that end a user's other sessions.

A login is a rotation family (app/repositories/sync/sessions.py): ending it deletes every
row of the chain, so its refresh token and its session JWT (valid only while its row
exists) stop working at the next request. Each login that was still alive gets an audit
entry: who ended it, whose it was, which one, from where.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from app.accountability import ClientInfo
from app.db.types import Connection
from app.repositories.sync import sessions as sessions_sync
from app.services.audit import AuditAction, AuditLog

SESSIONS_COLLECTION = "directus_sessions"


def end_sessions(
    connection: Connection,
    audit: AuditLog,
    client: ClientInfo,
    *,
    actor: str | None,
    users: Sequence[str],
    now: datetime,
    family: str | None = None,
    keep_family: str | None = None,
    keep_session: str | None = None,
    reason: str,
) -> list[tuple[str, str]]:
    """Ends the logins of `users` (only `family`; or all but the one kept, named by its
    family or by one of its rows' ids) in the caller's transaction, with their audit
    entries; answers the (user, family) of each live login ended."""
    if not users:
        return []
    if keep_family is None and keep_session is not None:
        keep_family = sessions_sync.family_of(connection, session_id=keep_session)
    ended = sessions_sync.end_families(
        connection, users=users, family=family, keep_family=keep_family, now=now
    )
    for user, ended_family in ended:
        entry = audit.entry(
            AuditAction.SESSION_REVOKED,
            client,
            user=actor,
            item=ended_family,
            comment=f"{reason}; user {user}",
            collection=SESSIONS_COLLECTION,
        )
        audit.record_on(connection, entry)
    return ended
