"""Roles: reads through ItemReader, writes with the last-admin guard."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from app.collections import ACCESS, ROLES
from app.db.models import ROLE_FLAGS, Role
from app.db.types import AsyncSession
from app.errors import (
    FailedValidationError,
    ForbiddenError,
    InvalidForeignKeyError,
    InvalidPayloadError,
)
from app.input_values import is_storable_text
from app.permissions.access import Access, Rule
from app.repositories import items as items_repo
from app.repositories import policies as policies_repo
from app.repositories import roles as roles_repo
from app.repositories.sync.callers import MAX_ROLE_DEPTH
from app.services.admin_guard import keeps_an_admin
from app.services.items import ItemReader, RowGrants
from app.services.payloads import as_bool, as_text, check_id, with_presets, writable_rule

ROLE_FIELDS = ROLES.names(lambda _: True)
_TEXT_LIMITS = ROLES.text_limits


class NestedUsersWriter(Protocol):
    """Writes the users listed inside a role payload (implemented by the users service)."""

    async def attach_to_role(
        self, session: AsyncSession, access: Access, role_id: str, users: Sequence[Any]
    ) -> None: ...


def _role_values(data: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key == "name":
            name = as_text(value, key, max_length=_TEXT_LIMITS[key])
            if not name:
                raise FailedValidationError("name", "Value is required.", "required")
            values[key] = name
        elif key in ("icon", "description"):
            values[key] = as_text(value, key, max_length=_TEXT_LIMITS.get(key))
        elif key in ("enforce_tfa", "admin_access", "app_access"):
            values[key] = as_bool(value, key)
        elif key == "ip_access":
            if value is not None and (
                not isinstance(value, list)
                or not all(isinstance(v, str) and is_storable_text(v) for v in value)
            ):
                raise FailedValidationError("ip_access", "Value has to be a list of strings.")
            values[key] = value
        elif key == "id":
            values[key] = check_id(value)
        elif key == "parent":
            if isinstance(value, Mapping):
                value = value.get("id")
            values[key] = None if value is None else check_id(value, "parent")
        elif key == "children":
            raise InvalidPayloadError(
                '"children" cannot be written here: set each child\'s "parent"'
            )
    return values


def _flags(values: dict[str, Any]) -> dict[str, Any]:
    """Takes Directus 10's role flags out of `values`: they are written to a policy."""
    return {name: values.pop(name) for name in ROLE_FLAGS if name in values}


class RolesService(ItemReader[Role]):
    collection = ROLES
    model = Role
    users_writer: NestedUsersWriter | None = None

    async def create_many(self, access: Access, items: Sequence[Mapping[str, Any]]) -> list[str]:
        access.require(self.collection.name, "create")
        self.check_batch(items)
        async with self._db.write() as session:
            return [await self.create_in(session, access, item) for item in items]

    async def update_many(
        self, access: Access, ids: Sequence[str], data: Mapping[str, Any]
    ) -> list[str]:
        """The rows updated, in the order asked: ids of no row are skipped (as Directus);
        any row the caller may not update refuses the whole write."""
        rule = writable_rule(access, self.collection.name, "update", data, ROLE_FIELDS - {"id"})
        ids = list(dict.fromkeys(ids))
        self.check_batch(ids)
        async with self._db.write() as session, keeps_an_admin(session):
            allowed = await self.require_rows(session, access, rule, ids, skip_missing=True)
            written = list(allowed)
            if written:
                await self._update_in(session, access, rule, written, data, allowed)
        return written

    async def update_one(self, access: Access, role_id: str, data: Mapping[str, Any]) -> str:
        """One named row: an unknown id is FORBIDDEN, as a read of it would be."""
        if not await self.update_many(access, [role_id], data):
            raise ForbiddenError()
        return role_id

    async def delete_many(self, access: Access, ids: Sequence[str]) -> list[str]:
        """Answers every id asked, as Directus: those of no row are already gone. Any row
        the caller may not delete refuses the whole delete."""
        rule = access.require(self.collection.name, "delete")
        ids = list(dict.fromkeys(ids))
        self.check_batch(ids)
        async with self._db.write() as session, keeps_an_admin(session):
            existing = list(await self.require_rows(session, access, rule, ids, skip_missing=True))
            if existing:
                await items_repo.delete_ids(session, self.collection, existing)
                await policies_repo.delete_unattached(session, existing)
        return ids

    async def update_batch(self, access: Access, items: Sequence[Mapping[str, Any]]) -> list[str]:
        """Each item carries its own id and changes; all of them commit, or none."""
        self.check_batch(items)
        access.require(self.collection.name, "update")
        if not all(isinstance(item, Mapping) and item.get("id") is not None for item in items):
            raise InvalidPayloadError('Every item of a batch update needs an "id"')
        name = self.collection.name
        ids: list[str] = []
        async with self._db.write() as session, keeps_an_admin(session):
            for item in items:
                role_id = check_id(item["id"])
                changes = {k: v for k, v in item.items() if k != "id"}
                rule = writable_rule(access, name, "update", changes, ROLE_FIELDS - {"id"})
                allowed = await self.require_rows(session, access, rule, [role_id])
                await self._update_in(session, access, rule, [role_id], changes, allowed)
                ids.append(role_id)
        return list(dict.fromkeys(ids))

    async def read_mine(self, access: Access, fields: set[str]) -> list[Role] | None:
        """roles_me: the caller's role and its ancestors (nearest first), as Directus 12.
        None for the public, an empty list for a user without a role. Read by the caller's
        permissions; with app access the whole chain is readable, as Directus's minimal
        app permissions read every role in $CURRENT_ROLES."""
        accountability = access.accountability
        if accountability.user is None and accountability.role is None:
            return None
        if accountability.role is None:
            return []
        async with self._db.read() as session:
            ids = await roles_repo.chain(session, accountability.role, MAX_ROLE_DEPTH)
        rows = {row.id: row for row in await self.read_ids(access, ids, fields)}
        missing = [item for item in ids if item not in rows]
        if accountability.app and missing:
            async with self._db.read() as session:
                rows.update({row.id: row for row in await roles_repo.get_many(session, missing)})
        return [rows[item] for item in ids if item in rows]

    async def create_in(
        self, session: AsyncSession, access: Access, item: Mapping[str, Any]
    ) -> str:
        rule = writable_rule(access, self.collection.name, "create", item, ROLE_FIELDS)
        data = with_presets(rule, item)
        if "name" not in data:
            raise FailedValidationError("name", "Value is required.", "required")
        values = _role_values(data)
        flags = _flags(values)
        role = Role(**values)
        await self.write(session, items_repo.add(session, role), values)
        # Directus 10's flags live on the role's own policy; a role created without
        # policies of its own gets one with Directus 10's defaults (app access).
        if flags or "policies" not in data:
            defaults = policies_repo.V10_ROLE_DEFAULTS
            await policies_repo.set_own_flags(session, role.id, role.name, flags, defaults=defaults)
        await self.check_validation(session, access, rule, [role.id])
        await self._write_users(session, access, role.id, data)
        await self._write_policies(session, access, role.id, data, replace=False)
        return role.id

    async def reference(
        self,
        session: AsyncSession,
        access: Access,
        value: Any,
        field: tuple[str, str] = ("role", "directus_users"),
    ) -> str | None:
        """A `role` input (`field`: which field of which collection holds it): an id links;
        an object with a known id links and updates; any other object creates the role
        (with its id when one is given)."""
        if value is None:
            return None
        if isinstance(value, str):
            linked = check_id(value, field[0])
            if not await items_repo.exists(session, Role, linked):
                raise InvalidForeignKeyError(*field)
            return linked
        if not isinstance(value, Mapping):
            raise InvalidPayloadError('"role" has to be an id or a role object')
        role_id = value.get("id")
        if role_id is not None:
            role_id = check_id(role_id, field[0])
            if await items_repo.exists(session, Role, role_id):
                changes = {k: v for k, v in value.items() if k != "id"}
                if changes:
                    name = self.collection.name
                    rule = writable_rule(access, name, "update", changes, ROLE_FIELDS - {"id"})
                    allowed = await self.require_rows(session, access, rule, [role_id])
                    async with keeps_an_admin(session):
                        await self._update_in(session, access, rule, [role_id], changes, allowed)
                return str(role_id)
        return await self.create_in(session, access, value)

    async def _update_in(
        self,
        session: AsyncSession,
        access: Access,
        rule: Rule,
        ids: list[str],
        data: Mapping[str, Any],
        allowed: RowGrants,
    ) -> None:
        values = _role_values({k: v for k, v in data.items() if k != "users"})
        if values.get("parent") is not None and values["parent"] in ids:
            raise FailedValidationError("parent", "A role cannot be its own parent.")
        flags = _flags(values)
        if values:
            change = items_repo.update_ids(session, self.collection, ids, values)
            await self.write(session, change, values)
        if flags:
            for role in await roles_repo.get_many(session, ids):
                await policies_repo.set_own_flags(session, role.id, role.name, flags)
        await self.check_validation(session, access, rule, ids, allowed)
        for role_id in ids:
            await self._write_users(session, access, role_id, data)
            await self._write_policies(session, access, role_id, data, replace=True)

    async def _write_policies(
        self,
        session: AsyncSession,
        access: Access,
        role_id: str,
        data: Mapping[str, Any],
        *,
        replace: bool,
    ) -> None:
        """`policies`: the role's directus_access rows, as Directus's o2m list: an item with
        an id keeps that row, one without attaches its `policy`; on update the rows left
        out are detached. Attaching needs the caller's create grant on directus_access,
        detaching its delete grant (as Directus's nested writes)."""
        items = data.get("policies")
        if items is None:
            return
        if not isinstance(items, list) or not all(isinstance(item, Mapping) for item in items):
            raise InvalidPayloadError('"policies" has to be a list of access objects')
        kept = [check_id(item["id"]) for item in items if item.get("id") is not None]
        if any(item.get("id") is None for item in items):
            access.require(ACCESS.name, "create")
        if replace:
            access.require(ACCESS.name, "delete")
            await policies_repo.detach_role_except(session, role_id, kept)
        for item in items:
            if item.get("id") is not None:
                continue
            policy = item.get("policy")
            if isinstance(policy, Mapping):
                policy = policy.get("id")
            if policy is None:
                raise InvalidPayloadError('Every item of "policies" needs a "policy"')
            await self.write(session, policies_repo.attach(session, check_id(policy), role=role_id))

    async def _write_users(
        self, session: AsyncSession, access: Access, role_id: str, data: Mapping[str, Any]
    ) -> None:
        users = data.get("users")
        if users is None:
            return
        if not isinstance(users, list) or self.users_writer is None:
            raise InvalidPayloadError('"users" has to be a list')
        await self.users_writer.attach_to_role(session, access, role_id, users)
