"""The audit trail: what happened to whom, from where — so an operator can see an attack."""

from __future__ import annotations

import enum
import logging

from app.accountability import ClientInfo
from app.clock import Clock
from app.db.engine import Database
from app.db.models import Activity
from app.db.types import AsyncSession, Connection
from app.repositories import core
from app.repositories.sync import activity as activity_sync

logger = logging.getLogger("app.audit")


class AuditAction(enum.StrEnum):
    LOGIN = "login"
    LOGIN_FAILED = "login.failed"
    LOGIN_LOCKED = "login.locked"
    USER_SUSPENDED = "user.suspended"
    REFRESH_REUSED = "refresh.reused"
    PASSWORD_CHANGED = "password.changed"
    PASSWORD_RESET = "password.reset"
    TFA_ENABLED = "tfa.enabled"
    TFA_DISABLED = "tfa.disabled"
    # A login whose second factor was a recovery code; a new set made by its user.
    TFA_RECOVERY_CODE_USED = "tfa.recovery_code_used"
    TFA_RECOVERY_CODES_REGENERATED = "tfa.recovery_codes_regenerated"
    # Passkeys (an addition): registered, removed, and a sign count that went backwards
    # (a cloned authenticator; its login is refused).
    PASSKEY_ADDED = "passkey.added"
    PASSKEY_REMOVED = "passkey.removed"
    PASSKEY_CLONED = "passkey.cloned"
    TOKEN_SET = "token.set"
    TOKEN_CHANGED = "token.changed"
    TOKEN_CLEARED = "token.cleared"
    EMAIL_CHANGED = "email.changed"
    # A login ended early (revoked, logged out elsewhere, or a credential change).
    SESSION_REVOKED = "session.revoked"
    # A message the mail queue gave up on (EMAIL_RETRY_MAX_AGE reached).
    MAIL_FAILED = "mail.failed"
    # Directus's item actions: writes to the access model (who may do what).
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class AuditLog:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def entry(
        self,
        action: AuditAction,
        client: ClientInfo,
        *,
        user: str | None = None,
        item: str | None = None,
        comment: str | None = None,
        collection: str = "directus_users",
    ) -> Activity:
        return Activity(
            action=str(action),
            user=user,
            timestamp=self._clock.now(),
            ip=client.ip,
            user_agent=(client.user_agent or "")[:1000] or None,
            origin=client.origin,
            item=(item or user),
            comment=comment,
            collection=collection,
        )

    async def record_in(self, session: AsyncSession, entry: Activity) -> None:
        """Part of the caller's transaction: recorded only if that commits."""
        await core.run(session, activity_sync.add, entry)

    def record_on(self, connection: Connection, entry: Activity) -> None:
        """Part of the caller's Core transaction (`Database.run_writes`)."""
        activity_sync.add(connection, entry)

    async def record(self, entry: Activity) -> None:
        """On its own: failures are recorded even though the request itself fails."""
        try:
            await self._db.run_writes(lambda connection: activity_sync.add(connection, entry))
        except Exception:  # the audit must never turn an answer into a 500
            logger.exception("Could not record %s", entry.action)
