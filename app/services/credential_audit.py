"""The audit of a user's credentials changing: static tokens set, changed or cleared, and
email addresses changed — who did it to whom, never a token's value."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.accountability import Accountability
from app.db.models import Activity
from app.db.types import AsyncSession
from app.repositories import users as users_repo
from app.repositories.users import Credentials
from app.services.audit import AuditAction, AuditLog

AUDITED_FIELDS = frozenset({"token", "email"})


def token_action(before: str | None, after: str | None) -> AuditAction | None:
    """How a static-token hash moved; None when it did not."""
    if before == after:
        return None
    if after is None:
        return AuditAction.TOKEN_CLEARED
    return AuditAction.TOKEN_SET if before is None else AuditAction.TOKEN_CHANGED


class CredentialAudit:
    def __init__(self, audit: AuditLog) -> None:
        self._audit = audit

    async def before(
        self, session: AsyncSession, ids: list[str], values: Mapping[str, Any]
    ) -> dict[str, Credentials]:
        """The stored credentials of the rows about to change, when the change touches one."""
        if not AUDITED_FIELDS & values.keys():
            return {}
        return await users_repo.credentials_of(session, ids)

    async def record_update(
        self,
        session: AsyncSession,
        by: Accountability,
        before: Mapping[str, Credentials],
        values: Mapping[str, Any],
    ) -> None:
        """In the writing transaction: recorded only if the change commits."""
        for user_id, old in before.items():
            entries: list[Activity] = []
            if "token" in values:
                action = token_action(old.token, values["token"])
                if action is not None:
                    entries.append(self._entry(action, by, user_id))
            if "email" in values and values["email"] != old.email:
                # The audit trail is the administrators' to read: the addresses may show.
                comment = f"{old.email} -> {values['email']}"
                entries.append(self._entry(AuditAction.EMAIL_CHANGED, by, user_id, comment))
            for entry in entries:
                await self._audit.record_in(session, entry)

    async def record_create(
        self, session: AsyncSession, by: Accountability, user_id: str, values: Mapping[str, Any]
    ) -> None:
        if values.get("token") is not None:
            await self._audit.record_in(session, self._entry(AuditAction.TOKEN_SET, by, user_id))

    def _entry(
        self, action: AuditAction, by: Accountability, user_id: str, comment: str | None = None
    ) -> Activity:
        return self._audit.entry(action, by.client, user=by.user, item=user_id, comment=comment)
