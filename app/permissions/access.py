"""What an accountability may do to a collection: fields, rows, validation and presets.

Admins may do everything. Callers with app access get Directus's minimal defaults (their
own user record and role, their own profile) next to the `directus_permissions` rows of
their applying policies (app/permissions/policies.py); the public gets the rows of the
public policies.

Grants are never merged into one: a request touching fields F may reach only the rows
where ONE grant gives all of F (else the fields of one grant would apply to the rows of
another, e.g. the own-profile `password` to every row a first-name grant reaches).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from app.accountability import Accountability
from app.collections import ROLES, SETTINGS, USERS, Collection
from app.db.models import Permission, Role, User
from app.errors import ForbiddenError

Action = Literal["create", "read", "update", "delete"]

# Directus 12's recommended own-user permission (see app/collections/users.py).
PROFILE_FIELDS = USERS.names(lambda spec: spec.app_editable)
ADMIN_ONLY_USER_FIELDS = USERS.names(lambda spec: spec.admin_only)
# What anyone may read of the project settings, whatever a public permission grants.
PUBLIC_SETTINGS_FIELDS = SETTINGS.names(lambda spec: spec.public)


@dataclass(frozen=True)
class Rule:
    """One grant, or the grants that together allow one request: `fields` None means every
    field, `filter` None means every row. `parts` are the single grants a joined rule stands
    for, so that each row is validated by a grant that allowed it (empty: it is one grant)."""

    fields: frozenset[str] | None = None
    filter: Mapping[str, Any] | None = None
    validation: Mapping[str, Any] | None = None
    presets: Mapping[str, Any] | None = None
    parts: tuple[Rule, ...] = ()

    def allows_fields(self, names: Iterable[str]) -> bool:
        return self.fields is None or all(name in self.fields for name in names)

    def grants(self) -> tuple[Rule, ...]:
        return self.parts or (self,)


FULL = Rule()

_ACTIONS: dict[str, Action] = {
    "create": "create",
    "read": "read",
    "update": "update",
    "delete": "delete",
}

_APP_DEFAULTS: dict[tuple[str, Action], Rule] = {
    ("directus_users", "read"): Rule(filter={"id": {"_eq": "$CURRENT_USER"}}),
    ("directus_users", "update"): Rule(
        fields=PROFILE_FIELDS, filter={"id": {"_eq": "$CURRENT_USER"}}
    ),
    ("directus_roles", "read"): Rule(filter={"id": {"_eq": "$CURRENT_ROLE"}}),
    (SETTINGS.name, "read"): Rule(),
}


def _rule_of(row: Permission) -> Rule:
    fields = row.fields
    return Rule(
        fields=None if fields is None or "*" in fields else frozenset(fields),
        filter=row.permissions or None,
        validation=row.validation or None,
        presets=row.presets or None,
    )


def _joined(grants: Sequence[Rule]) -> Rule:
    """The grants that each give every field of a request: their rows together, and only
    the fields all of them give. Never fields of one grant on rows of another."""
    if len(grants) == 1:
        return grants[0]
    shared: frozenset[str] | None = None
    for grant in grants:
        if grant.fields is not None:
            shared = grant.fields if shared is None else shared & grant.fields
    filters = [grant.filter for grant in grants]
    row_filter = (
        None if any(f is None for f in filters) else {"_or": [dict(f) for f in filters if f]}
    )
    presets: dict[str, Any] = {}
    for grant in reversed(grants):
        presets.update(grant.presets or {})
    return Rule(fields=shared, filter=row_filter, presets=presets or None, parts=tuple(grants))


_EVERY_USER_FIELD = frozenset(USERS.fields) | {"id"}


def _without_admin_only(rule: Rule) -> Rule:
    fields = _EVERY_USER_FIELD if rule.fields is None else rule.fields
    return replace(rule, fields=fields - ADMIN_ONLY_USER_FIELDS)


def _finished(key: tuple[str, Action], rule: Rule) -> Rule:
    return _without_admin_only(rule) if key[0] == USERS.name else rule


# Finished once here, not on every request.
_APP_DEFAULT_RULES = {key: _finished(key, rule) for key, rule in _APP_DEFAULTS.items()}


class Access:
    """The permissions of one request, computed once: per (collection, action) the list of
    grants, each kept whole (see `require_fields`)."""

    def __init__(self, accountability: Accountability, rows: Sequence[Permission]) -> None:
        self.accountability = accountability
        grants: dict[tuple[str, Action], list[Rule]] = {}
        if accountability.app and not accountability.admin:
            for key, rule in _APP_DEFAULT_RULES.items():
                grants[key] = [rule]
        for row in rows:
            action = _ACTIONS.get(row.action)
            if action is not None:
                key = (row.collection, action)
                grants.setdefault(key, []).append(_finished(key, _rule_of(row)))
        # Callers without a role (anonymous or not) read only the public settings.
        if accountability.role is None and not accountability.admin:
            settings = grants.get((SETTINGS.name, "read"), [])
            grants[(SETTINGS.name, "read")] = [_public_settings(rule) for rule in settings]
        self._grants = {key: tuple(rules) for key, rules in grants.items() if rules}
        self._signature: Hashable | None = None

    @property
    def is_admin(self) -> bool:
        return self.accountability.admin

    @property
    def grants(self) -> Mapping[tuple[str, Action], tuple[Rule, ...]]:
        """Every grant by (collection, action): what permissions_me reports."""
        return self._grants

    def readable_fields(self, collection: str) -> frozenset[str] | None:
        """Every field some grant lets the caller read (None: all; empty: none), for `*`."""
        return self.granted_fields(collection, "read")

    def granted_fields(self, collection: str, action: Action) -> frozenset[str] | None:
        """Every field some grant of this action gives (None: all; empty: none, or no
        grant at all; `has` tells the two apart)."""
        if self.is_admin:
            return None
        union: frozenset[str] = frozenset()
        for grant in self._grants.get((collection, action), ()):
            if grant.fields is None:
                return None
            union |= grant.fields
        return union

    def has(self, collection: str, action: Action) -> bool:
        """Some grant of this action on this collection exists (on some rows)."""
        return self.is_admin or (collection, action) in self._grants

    @property
    def signature(self) -> Hashable:
        """What the caller's GraphQL schema depends on, and nothing more: admin, or per
        (collection, action) the fields granted. Equal signatures, equal schemas; computed
        from the grants read for this request, so a change to permissions, policies,
        access rows or roles (on any instance) gives the next request a new one."""
        if self._signature is None:
            if self.is_admin:
                self._signature = ("admin",)
            else:
                self._signature = frozenset(
                    (key, self.granted_fields(*key)) for key in self._grants
                )
        return self._signature

    def require_readable(self, collection: Collection, names: Iterable[str]) -> None:
        """Fields a query filters or sorts by: each must exist and be readable through some
        grant, else FORBIDDEN naming it (as Directus, the two look alike)."""
        readable = self.readable_fields(collection.name)
        for name in names:
            known = name in collection.fields or name in collection.relations
            if not known or (readable is not None and name not in readable):
                raise ForbiddenError.field(name, collection.name)

    def require(self, collection: str, action: Action) -> Rule:
        """The rule for a request that touches no field (a delete, a plain count)."""
        return self.require_fields(collection, action, ())

    def require_fields(self, collection: str, action: Action, names: Iterable[str]) -> Rule:
        """The rule for a request touching exactly `names`: the rows where ONE grant gives
        all of them. FORBIDDEN when no grant does."""
        if self.is_admin:
            return FULL
        wanted = set(names)
        covering = [
            grant
            for grant in self._grants.get((collection, action), ())
            if grant.allows_fields(wanted)
        ]
        if not covering:
            raise ForbiddenError()
        return _joined(covering)

    def own_row(self, collection: str, item_id: str, rule: Rule) -> User | Role | None:
        """The caller's own user or role row, read while authenticating this request, when
        it is `item_id` and `rule` gives it whole: on every row, or on the caller's own only
        (Directus's app defaults). Then reading it again would return the same row; None
        means: read it."""
        own: User | Role | None
        if collection == USERS.name:
            own, variable = self.accountability.user_row, "$CURRENT_USER"
        elif collection == ROLES.name:
            own, variable = self.accountability.role_row, "$CURRENT_ROLE"
        else:
            return None
        if own is None or own.id != item_id:
            return None
        return own if rule.filter in (None, {"id": {"_eq": variable}}) else None


def _public_settings(rule: Rule) -> Rule:
    fields = rule.fields
    capped = PUBLIC_SETTINGS_FIELDS if fields is None else fields & PUBLIC_SETTINGS_FIELDS
    return replace(rule, fields=capped)
