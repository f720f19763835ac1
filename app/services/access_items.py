"""directus_policies, directus_access and directus_permissions: reads through ItemReader,
writes of their own columns (relations by id), every write under the last-admin guard
because each of them can change who is an admin, and recorded in directus_activity."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic

from app.collections import ACCESS, PERMISSIONS, POLICIES, Collection, Kind
from app.db.models import Permission, Policy, PolicyAccess
from app.db.types import AsyncSession
from app.errors import FailedValidationError, ForbiddenError, InvalidPayloadError
from app.events import EventBus, UserEvent
from app.input_values import is_storable_text
from app.permissions.access import Access, Rule
from app.repositories import items as items_repo
from app.services.admin_guard import keeps_an_admin
from app.services.audit import AuditAction, AuditLog
from app.services.items import ItemReader, M, RowGrants
from app.services.payloads import as_bool, as_json, as_text, check_id, with_presets, writable_rule

# Deepest JSON a permission's filter, validation or presets may nest.
_JSON_DEPTH = 32
_ACTIONS = ("create", "read", "update", "delete", "share")


def _reference(value: Any, field: str) -> str | None:
    """An m2o value: an id, or an object naming an existing row by its id."""
    if isinstance(value, Mapping):
        if value.get("id") is None:
            raise InvalidPayloadError(f'"{field}" has to name an existing item by its id')
        value = value["id"]
    return None if value is None else check_id(value, field)


def _strings(value: Any, field: str) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(
        isinstance(item, str) and is_storable_text(item) for item in value
    ):
        raise FailedValidationError(field, "Value has to be a list of strings.")
    return list(value)


def _number(value: Any, field: str) -> int:
    """A 32-bit integer (the columns' size), or the decimal digits of one (GraphQL's ID
    arrives as a string)."""
    if isinstance(value, str) and value.lstrip("-").isdigit() and len(value) < 12:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and -(2**31) <= value < 2**31:
        return value
    raise FailedValidationError(field, "Value has to be an integer.")


def column_values(collection: Collection, data: Mapping[str, Any]) -> dict[str, Any]:
    """A payload's stored fields as column values, each checked by its declared kind."""
    values: dict[str, Any] = {}
    limits = collection.text_limits
    for key, value in data.items():
        if key not in collection.fields:
            continue
        spec = collection.spec(key)
        if key == "id":
            values[key] = _number(value, key) if spec.kind is Kind.NUMBER else check_id(value)
        elif spec.relation is not None:
            values[key] = _reference(value, key)
        elif spec.kind is Kind.STRING:
            values[key] = as_text(value, key, max_length=limits.get(key))
        elif spec.kind is Kind.BOOLEAN:
            values[key] = as_bool(value, key)
        elif spec.kind is Kind.CSV:
            values[key] = _strings(value, key)
        elif spec.kind is Kind.JSON:
            values[key] = as_json(value, key, _JSON_DEPTH)
        elif spec.kind is Kind.NUMBER:
            values[key] = None if value is None else _number(value, key)
        if not spec.nullable and values.get(key) is None:
            raise FailedValidationError(key, "Value is required.", "required")
    return values


def _policy_values(values: dict[str, Any]) -> dict[str, Any]:
    if values.get("name") == "":
        raise FailedValidationError("name", "Value is required.", "required")
    return values


def _permission_values(values: dict[str, Any]) -> dict[str, Any]:
    action = values.get("action")
    if action is not None and action not in _ACTIONS:
        raise FailedValidationError("action", "Value has to be one of the actions.", "in")
    return values


def _access_values(values: dict[str, Any]) -> dict[str, Any]:
    if values.get("role") is not None and values.get("user") is not None:
        raise InvalidPayloadError("An access row attaches a policy to a role or a user, not both")
    return values


# The items a create made in other collections (a policy's permissions), by their writer.
Created = list[tuple["AccessItemsService[Any]", list[str]]]


class AccessItemsService(ItemReader[M], Generic[M]):
    """One of the three collections; `checked` adds its own rules to the column values,
    `required` are the fields a create must give."""

    def __init__(
        self,
        *args: Any,
        collection: Collection,
        model: type[M],
        checked: Callable[[dict[str, Any]], dict[str, Any]],
        required: tuple[str, ...],
        audit: AuditLog,
        events: EventBus,
    ) -> None:
        super().__init__(*args)
        self._audit = audit
        self._events = events
        self.collection = collection
        self.model = model
        self._checked = checked
        self._required = required
        self._fields = frozenset(collection.fields)
        # o2m fields a create may fill: the writer of their collection.
        self._nested: dict[str, AccessItemsService[Any]] = {}

    def nest(self, name: str, writer: AccessItemsService[Any]) -> None:
        """Lets a create carry `name`'s items (a policy's permissions, users, roles), each
        created by `writer` under the caller's own permissions, in the same transaction."""
        self._nested[name] = writer

    async def _record(
        self, session: AsyncSession, access: Access, action: AuditAction, ids: Sequence[str]
    ) -> None:
        """One activity row per written item, in the write's transaction."""
        accountability = access.accountability
        for item in ids:
            entry = self._audit.entry(
                action,
                accountability.client,
                user=accountability.user,
                item=str(item),
                collection=self.collection.name,
            )
            await self._audit.record_in(session, entry)

    async def _publish(self, event: str, ids: Sequence[str]) -> None:
        """After the commit: subscribers hear only what was written."""
        if ids:
            await self._events.publish(UserEvent(event, tuple(ids), self.collection.name))

    def _values(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return self._checked(column_values(self.collection, data))

    async def create_many(self, access: Access, items: Sequence[Mapping[str, Any]]) -> list[str]:
        access.require(self.collection.name, "create")
        self.check_batch(items)
        if not all(isinstance(item, Mapping) for item in items):
            raise InvalidPayloadError("Every item has to be an object")
        created: Created = []
        async with self._db.write() as session, keeps_an_admin(session):
            ids = [await self._create_in(session, access, item, created) for item in items]
            await self._record(session, access, AuditAction.CREATE, ids)
        await self._publish("create", ids)
        for writer, nested in created:
            await writer._publish("create", nested)
        return ids

    async def _create_in(
        self,
        session: AsyncSession,
        access: Access,
        given: Mapping[str, Any],
        created: Created,
    ) -> str:
        nested = {name: given[name] for name in given if name in self._nested}
        item = {key: value for key, value in given.items() if key not in nested}
        rule = writable_rule(access, self.collection.name, "create", item, self._fields)
        data = with_presets(rule, item)
        for name in self._required:
            if data.get(name) is None:
                raise FailedValidationError(name, "Value is required.", "required")
        values = self._values(data)
        row = self.model(**values)
        await self.write(session, items_repo.add(session, row), values)
        key = str(getattr(row, "id"))  # noqa: B009
        await self.check_validation(session, access, rule, [key])
        for name, children in nested.items():
            await self._create_nested(session, access, name, key, children, created)
        return key

    async def _create_nested(
        self,
        session: AsyncSession,
        access: Access,
        name: str,
        key: str,
        children: Any,
        created: Created,
    ) -> None:
        relation = self.collection.relations[name]
        if not isinstance(children, list) or not all(isinstance(c, Mapping) for c in children):
            raise InvalidPayloadError(f'"{name}" has to be a list of objects')
        writer = self._nested[name]
        ids = []
        for child in children:
            if relation.present is not None and child.get(relation.present) is None:
                raise InvalidPayloadError(f'Every item of "{name}" needs a "{relation.present}"')
            child_item = {**child, relation.column: key}
            ids.append(await writer._create_in(session, access, child_item, created))
        await writer._record(session, access, AuditAction.CREATE, ids)
        created.append((writer, ids))

    async def update_many(
        self, access: Access, ids: Sequence[str], data: Mapping[str, Any]
    ) -> list[str]:
        """As roles: ids of no row are skipped for admins; anything refused refuses all."""
        self._no_nested(data)
        fields = self._fields - {"id"}
        rule = writable_rule(access, self.collection.name, "update", data, fields)
        ids = list(dict.fromkeys(str(item) for item in ids))
        self.check_batch(ids)
        async with self._db.write() as session, keeps_an_admin(session):
            allowed = await self.require_rows(session, access, rule, ids, skip_missing=True)
            written = list(allowed)
            if written:
                await self._update_in(session, access, rule, written, data, allowed)
                await self._record(session, access, AuditAction.UPDATE, written)
        await self._publish("update", written)
        return written

    async def update_one(self, access: Access, item_id: str, data: Mapping[str, Any]) -> str:
        if not await self.update_many(access, [item_id], data):
            raise ForbiddenError()
        return item_id

    async def update_batch(self, access: Access, items: Sequence[Mapping[str, Any]]) -> list[str]:
        """Each item carries its id and changes; all commit, or none."""
        self.check_batch(items)
        access.require(self.collection.name, "update")
        if not all(isinstance(item, Mapping) and item.get("id") is not None for item in items):
            raise InvalidPayloadError('Every item of a batch update needs an "id"')
        fields = self._fields - {"id"}
        ids: list[str] = []
        async with self._db.write() as session, keeps_an_admin(session):
            for item in items:
                key = str(item["id"])
                changes = {k: v for k, v in item.items() if k != "id"}
                self._no_nested(changes)
                rule = writable_rule(access, self.collection.name, "update", changes, fields)
                allowed = await self.require_rows(session, access, rule, [key])
                await self._update_in(session, access, rule, [key], changes, allowed)
                ids.append(key)
            ids = list(dict.fromkeys(ids))
            await self._record(session, access, AuditAction.UPDATE, ids)
        await self._publish("update", ids)
        return ids

    def _no_nested(self, data: Mapping[str, Any]) -> None:
        for name in self._nested:
            if name in data:
                writer = self._nested[name].collection.name.removeprefix("directus_")
                raise InvalidPayloadError(f'"{name}" is written through /{writer}, not here')

    async def _update_in(
        self,
        session: AsyncSession,
        access: Access,
        rule: Rule,
        ids: list[str],
        data: Mapping[str, Any],
        allowed: RowGrants,
    ) -> None:
        values = self._values(data)
        if values:
            await self.write(session, items_repo.update_ids(session, self.collection, ids, values))
        await self.check_validation(session, access, rule, ids, allowed)

    async def delete_many(self, access: Access, ids: Sequence[str]) -> list[str]:
        """Answers every id asked, as Directus; anything refused refuses the whole delete."""
        rule = access.require(self.collection.name, "delete")
        ids = list(dict.fromkeys(str(item) for item in ids))
        self.check_batch(ids)
        async with self._db.write() as session, keeps_an_admin(session):
            existing = list(await self.require_rows(session, access, rule, ids, skip_missing=True))
            if existing:
                await items_repo.delete_ids(session, self.collection, existing)
                await self._record(session, access, AuditAction.DELETE, existing)
        await self._publish("delete", existing)
        return ids


def policies_service(*args: Any, audit: AuditLog, events: EventBus) -> AccessItemsService[Policy]:
    return AccessItemsService(
        *args,
        collection=POLICIES,
        model=Policy,
        checked=_policy_values,
        required=("name",),
        audit=audit,
        events=events,
    )


def access_service(
    *args: Any, audit: AuditLog, events: EventBus
) -> AccessItemsService[PolicyAccess]:
    return AccessItemsService(
        *args,
        collection=ACCESS,
        model=PolicyAccess,
        checked=_access_values,
        required=("policy",),
        audit=audit,
        events=events,
    )


def permissions_service(
    *args: Any, audit: AuditLog, events: EventBus
) -> AccessItemsService[Permission]:
    return AccessItemsService(
        *args,
        collection=PERMISSIONS,
        model=Permission,
        checked=_permission_values,
        required=("policy", "collection", "action"),
        audit=audit,
        events=events,
    )
