"""Users: reads through ItemReader; writes with Directus's rules.

The rules: field permissions and presets, concealed and admin-only fields, email format
and case-insensitive uniqueness, the password policy, known statuses, the last admin,
and ending other sessions when status, password or email change. Every multi-row
write is one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from typing import Any

from app.accountability import Accountability
from app.clock import Clock
from app.collections import USERS, Kind
from app.config import Settings
from app.db.engine import Database
from app.db.models import File, User
from app.db.types import AsyncSession
from app.errors import (
    FailedValidationError,
    ForbiddenError,
    InvalidForeignKeyError,
    InvalidPayloadError,
)
from app.events import EventBus, UserEvent
from app.permissions.access import ADMIN_ONLY_USER_FIELDS, Access, Action, Rule
from app.permissions.policies import effective
from app.repositories import core
from app.repositories import items as items_repo
from app.repositories import permissions as permissions_repo
from app.repositories import users as users_repo
from app.repositories.sync import recovery_codes as recovery_sync
from app.security.passwords import PasswordHasher
from app.security.tokens import hash_token
from app.services.admin_guard import keeps_an_admin
from app.services.audit import AuditAction, AuditLog
from app.services.credential_audit import CredentialAudit
from app.services.own_user import OwnUserRecord
from app.services.password_policy import check_password_policy
from app.services.payloads import (
    as_bool,
    as_datetime,
    as_json,
    as_text,
    check_id,
    valid_email,
    with_presets,
    writable_rule,
)
from app.services.reauth import Reauthentication
from app.services.roles import RolesService
from app.services.session_revocation import end_sessions

STATUSES = ("draft", "invited", "unverified", "active", "suspended", "archived")
USER_FIELDS = frozenset(USERS.fields) | {"id"}
ADMIN_ONLY_FIELDS = ADMIN_ONLY_USER_FIELDS
SESSION_ENDING_FIELDS = frozenset({"password", "email", "status"})
OWN_EMAIL_CHANGE = "Changing your own email address"
OWN_PASSWORD_CHANGE = "Changing your own password"
# Directus's words for a request without a payload.
NO_DATA = "No data was included in the body"
_TEXT_LIMITS = USERS.text_limits
_JSON_FIELDS = USERS.names(lambda spec: spec.kind is Kind.JSON)


@dataclass
class PreparedUser:
    """Column values ready to write, plus the relations still to resolve in the transaction."""

    values: dict[str, Any]
    role: Any
    avatar: Any
    has_role: bool
    has_avatar: bool
    ends_sessions: bool
    rule: Rule  # the grants that give every written field: their rows and validation apply


class UsersService(OwnUserRecord):
    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Clock,
        hasher: PasswordHasher,
        roles: RolesService,
        audit: AuditLog,
        events: EventBus,
        reauth: Reauthentication,
    ) -> None:
        super().__init__(db, settings, clock)
        self._reauth = reauth
        self._events = events
        self._hasher = hasher
        self._roles = roles
        self._audit = audit
        self._credentials = CredentialAudit(audit)
        roles.users_writer = self

    async def access_for(self, accountability: Accountability) -> Access:
        """The permissions of one request; admins need no query."""
        if accountability.admin:
            return Access(accountability, [])
        if accountability.permission_rows is not None:
            return Access(accountability, list(accountability.permission_rows))
        # The public: the rows of its policies that apply at the caller's address.
        async with self._db.read() as session:
            grants = await permissions_repo.public_grants(session)
        return Access(accountability, effective(grants, accountability.client.ip).permissions)

    # Reads ---------------------------------------------------------------------------

    async def me(self, access: Access, fields: Set[str]) -> User | None:
        user_id = access.accountability.user
        if user_id is None:
            return None
        rule = self.read_rule(access, fields)
        preloaded = access.own_row(self.collection.name, user_id, rule)
        if isinstance(preloaded, User):
            return preloaded  # read moments ago, while authenticating this request
        return await self.read_one(access, user_id, fields)

    async def id_by_email(self, email: str) -> str | None:
        """Whose address this is (case-insensitively): the operator's CLI names users so."""
        async with self._db.read() as session:
            user = await users_repo.get_by_email(session, email)
        return None if user is None else user.id

    # Writes --------------------------------------------------------------------------

    async def create_many(self, access: Access, items: Sequence[Mapping[str, Any]]) -> list[str]:
        access.require(self.collection.name, "create")
        self.check_batch(items)
        prepared = [await self._prepare(access, item, creating=True) for item in items]
        async with self._db.write() as session:
            ids = [await self._insert(session, access, item) for item in prepared]
        await self._events.publish(UserEvent("create", tuple(ids)))
        return ids

    async def update_many(
        self,
        access: Access,
        ids: Sequence[str],
        data: Mapping[str, Any],
        *,
        current_password: str | None = None,
    ) -> list[str]:
        """The rows updated, in the order asked: ids of no row are skipped (as Directus);
        any row the caller may not update refuses the whole write."""
        ids = list(dict.fromkeys(ids))
        self.check_batch(ids)
        access.require(self.collection.name, "update")
        prepared = await self._prepare(access, data, creating=False)
        await self._confirm_own_credentials(access, ids, prepared, current_password)
        async with self._db.write() as session, keeps_an_admin(session):
            written = await self._apply_update(session, access, ids, prepared, skip_missing=True)
        if written:
            await self._events.publish(UserEvent("update", tuple(written)))
        return written

    async def update_one(
        self,
        access: Access,
        user_id: str,
        data: Mapping[str, Any],
        *,
        current_password: str | None = None,
    ) -> str:
        """One named row: an unknown id is FORBIDDEN, as a read of it would be."""
        written = await self.update_many(access, [user_id], data, current_password=current_password)
        if not written:
            raise ForbiddenError()
        return user_id

    async def update_batch(self, access: Access, items: Sequence[Mapping[str, Any]]) -> list[str]:
        """Each item carries its own id; all of them commit, or none."""
        self.check_batch(items)
        access.require(self.collection.name, "update")
        plans: list[tuple[str, PreparedUser]] = []
        for item in items:
            if item.get("id") is None:
                raise InvalidPayloadError('Every item of a batch update needs an "id"')
            changes = {k: v for k, v in item.items() if k != "id"}
            plans.append((str(item["id"]), await self._prepare(access, changes, creating=False)))
        for user_id, prepared in plans:
            await self._confirm_own_credentials(access, [user_id], prepared, None)
        async with self._db.write() as session, keeps_an_admin(session):
            for user_id, prepared in plans:
                await self._apply_update(session, access, [user_id], prepared)
        ids = [user_id for user_id, _ in plans]
        await self._events.publish(UserEvent("update", tuple(ids)))
        return ids

    async def update_me(
        self, access: Access, data: Mapping[str, Any], current_password: str | None = None
    ) -> str:
        """The caller's own record; `current_password` may prove an email or password change."""
        user_id = access.accountability.user
        if user_id is None:
            raise ForbiddenError()
        if not data:
            # Not a silent no-op: a client that lost its payload on the way should know.
            raise InvalidPayloadError(NO_DATA)
        return await self.update_one(access, user_id, data, current_password=current_password)

    async def delete_many(self, access: Access, ids: Sequence[str]) -> list[str]:
        """Answers every id asked, as Directus: those of no row are already gone. Any row
        the caller may not delete refuses the whole delete."""
        ids = list(dict.fromkeys(ids))
        self.check_batch(ids)
        rule = access.require(self.collection.name, "delete")
        async with self._db.write() as session, keeps_an_admin(session):
            existing = list(await self.require_rows(session, access, rule, ids, skip_missing=True))
            if existing:
                await items_repo.delete_ids(session, self.collection, existing)
        if existing:
            await self._events.publish(UserEvent("delete", tuple(existing)))
        return ids

    async def attach_to_role(
        self, session: AsyncSession, access: Access, role_id: str, users: Sequence[Any]
    ) -> None:
        """Users nested in a role payload: with an id they join the role, else they are created."""
        for item in users:
            if not isinstance(item, Mapping):
                raise InvalidPayloadError('"users" has to be a list of user objects')
            data = {**item, "role": role_id}
            if item.get("id") is not None:
                changes = {k: v for k, v in data.items() if k != "id"}
                prepared = await self._prepare(access, changes, creating=False)
                ids = [str(item["id"])]
                # Inside the role's transaction no password can be checked (a failure must
                # commit on its own): only a fresh login proves it here.
                what = await self._own_credential_change(session, access, ids, prepared)
                if what is not None:
                    await self._reauth.confirm(access.accountability, None, what)
                await self._apply_update(session, access, ids, prepared)
            else:
                prepared = await self._prepare(access, data, creating=True)
                await self._insert(session, access, prepared)

    # Internals -----------------------------------------------------------------------

    async def _confirm_own_credentials(
        self,
        access: Access,
        ids: Sequence[str],
        prepared: PreparedUser,
        current_password: str | None,
    ) -> None:
        """A change of the caller's own email address or password, through any path, needs
        proof that the owner is present: either one hands the account to whoever made it (the
        reset link goes to the address; the password opens it). Others' are the business of
        whoever may update them."""
        async with self._db.read() as session:
            what = await self._own_credential_change(session, access, ids, prepared)
        if what is not None:
            await self._reauth.confirm(access.accountability, current_password, what)

    @staticmethod
    async def _own_credential_change(
        session: AsyncSession, access: Access, ids: Sequence[str], prepared: PreparedUser
    ) -> str | None:
        """What of the caller's own credentials the change touches, or None."""
        me = access.accountability.user
        if me is None or me not in ids:
            return None
        if "password" in prepared.values:
            return OWN_PASSWORD_CHANGE
        if "email" not in prepared.values:
            return None
        current = await users_repo.get_by_id(session, me)
        changed = current is not None and current.email != prepared.values["email"]
        return OWN_EMAIL_CHANGE if changed else None

    async def _insert(self, session: AsyncSession, access: Access, prepared: PreparedUser) -> str:
        values = dict(prepared.values)
        if prepared.has_role:
            values["role"] = await self._roles.reference(session, access, prepared.role)
        if prepared.has_avatar:
            values["avatar"] = await self._file_reference(session, prepared.avatar)
        user = User(**values)
        await self.write(session, items_repo.add(session, user), values)
        await self.check_validation(session, access, prepared.rule, [user.id])
        await self._credentials.record_create(session, access.accountability, user.id, values)
        return user.id

    async def _apply_update(
        self,
        session: AsyncSession,
        access: Access,
        ids: list[str],
        prepared: PreparedUser,
        *,
        skip_missing: bool = False,
    ) -> list[str]:
        """Writes the rows of `ids` and answers them; `skip_missing`: ids of no row are
        left out (see require_rows)."""
        allowed = await self.require_rows(
            session, access, prepared.rule, ids, skip_missing=skip_missing
        )
        ids = list(allowed)
        if not ids:
            return ids
        values = dict(prepared.values)
        if prepared.has_role:
            values["role"] = await self._roles.reference(session, access, prepared.role)
        if prepared.has_avatar:
            values["avatar"] = await self._file_reference(session, prepared.avatar)
        before = await self._credentials.before(session, ids, values)
        if values:
            change = items_repo.update_ids(session, self.collection, ids, values)
            await self.write(session, change, values)
        await self.check_validation(session, access, prepared.rule, ids, allowed)
        await self._credentials.record_update(session, access.accountability, before, values)
        if "tfa_secret" in values:  # only ever cleared here: the recovery codes go too
            await core.run(session, recovery_sync.delete_for, ids)
        if prepared.ends_sessions:
            # The sessions API's revoke path: every other login of these users ends.
            await core.run(
                session,
                end_sessions,
                self._audit,
                access.accountability.client,
                actor=access.accountability.user,
                users=ids,
                now=self._clock.now(),
                keep_session=access.accountability.session,
                reason="credentials or status changed",
            )
        if "password" in values:
            for user_id in ids:
                entry = self._audit.entry(
                    AuditAction.PASSWORD_CHANGED,
                    access.accountability.client,
                    user=access.accountability.user,
                    item=user_id,
                )
                await self._audit.record_in(session, entry)
        return ids

    async def _prepare(
        self, access: Access, data: Mapping[str, Any], *, creating: bool
    ) -> PreparedUser:
        action: Action = "create" if creating else "update"
        rule = writable_rule(access, self.collection.name, action, data, USER_FIELDS)
        # Presets fill what the caller left out, after the field check (as Directus does).
        payload = with_presets(rule, data) if creating else dict(data)
        if not creating and "id" in payload:
            raise InvalidPayloadError('"id" cannot be changed')
        if "tfa_secret" in payload and not (access.is_admin and payload["tfa_secret"] is None):
            raise InvalidPayloadError(
                '"tfa_secret" cannot be set directly; use users_me_tfa_generate and enable'
            )
        if not access.is_admin and ADMIN_ONLY_FIELDS & payload.keys():
            raise ForbiddenError()
        values: dict[str, Any] = {}
        for key, value in payload.items():
            if key in ("role", "avatar"):
                continue
            values[key] = await self._column_value(key, value)
        return PreparedUser(
            values=values,
            role=payload.get("role"),
            avatar=payload.get("avatar"),
            has_role="role" in payload,
            has_avatar="avatar" in payload,
            ends_sessions=bool(SESSION_ENDING_FIELDS & payload.keys()),
            rule=rule,
        )

    async def _column_value(self, key: str, value: Any) -> Any:
        if key == "id":
            return check_id(value)
        if key == "email":
            return valid_email(value)
        if key == "password":
            if value is None:
                return None
            await check_password_policy(self._db, value)
            return await self._hasher.hash(value)
        if key == "token":
            token = as_text(value, key)
            return None if token is None else hash_token(token)
        if key == "tfa_secret":
            return None
        if key == "status":
            if value not in STATUSES:
                raise FailedValidationError(
                    "status",
                    f"Value has to be one of {', '.join(STATUSES)}.",
                    "in",
                    extra={"valid": list(STATUSES)},
                )
            return value
        if key == "email_notifications":
            return as_bool(value, key, nullable=True)
        if key == "last_access":
            return as_datetime(value, key)
        if key in _JSON_FIELDS:
            return as_json(value, key, self._settings.max_json_depth)
        return as_text(value, key, max_length=_TEXT_LIMITS.get(key))

    async def _file_reference(self, session: AsyncSession, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):
            file_id = check_id(value, "avatar")
            if not await items_repo.exists(session, File, file_id):
                raise InvalidForeignKeyError("avatar", self.collection.name)
            return file_id
        if not isinstance(value, Mapping):
            raise InvalidPayloadError('"avatar" has to be an id or a file object')
        if value.get("id") is not None:
            file_id = check_id(value["id"], "avatar")
            if await items_repo.exists(session, File, file_id):
                return file_id
        try:
            row = File(**{k: v for k, v in value.items() if v is not None})
        except TypeError:
            raise InvalidPayloadError('"avatar" has unknown fields') from None
        if not row.storage or not row.filename_download:
            raise FailedValidationError(
                "avatar", "storage and filename_download are required.", "required"
            )
        await self.write(session, items_repo.add(session, row))
        return row.id
