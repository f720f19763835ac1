"""What an accountability may do to a collection: fields, rows, validation and presets.

Admins may do everything. Callers with app access get Directus's minimal defaults (their
own user record and role, their own profile) next to the `directus_permissions` rows of
their applying policies (app/permissions/policies.py); the public gets the rows of the
public policies.

Per field, per item (app/permissions/field_rows.py): a read reaches the rows of every
grant, each field showing only where a grant giving it applies; a write to fields F
reaches only the rows where each field of F is given by a grant that applies there (never
the fields of one grant on the rows of another, e.g. the own-profile `password` on every
row a first-name grant reaches).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from app.accountability import Accountability
from app.collections import ROLES, SETTINGS, USERS, Collection
from app.db.models import Permission, Role, User
from app.errors import ForbiddenError
from app.permissions.field_rows import all_of, any_of, covers

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
    for, so that each row is validated by a grant that allowed it (empty: it is one grant).

    A read's `masks`: per field shown on only some of the rows, the rows it shows on ({}:
    all; elsewhere it reads as null). A write's `written`: the fields it writes."""

    fields: frozenset[str] | None = None
    filter: Mapping[str, Any] | None = None
    validation: Mapping[str, Any] | None = None
    presets: Mapping[str, Any] | None = None
    parts: tuple[Rule, ...] = ()
    masks: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    written: tuple[str, ...] = ()

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

    def __init__(
        self,
        accountability: Accountability,
        rows: Sequence[Permission],
        *,
        force_masks: bool = False,
    ) -> None:
        self.accountability = accountability
        # Every read field through the per-item CASE, even where one grant covers all rows:
        # the tests' proof that the fast path answers the same.
        self.force_masks = force_masks
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
        return _union_fields(self._grants.get((collection, action), ()))

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
        """The rule for a request touching exactly `names`, per field and per item (see the
        module's docstring). FORBIDDEN when no grant exists or a field is given by none."""
        if self.is_admin:
            return FULL
        grants = self._grants.get((collection, action), ())
        if not grants:
            raise ForbiddenError()
        wanted = list(dict.fromkeys(names))
        if action == "read" and len(grants) == 1 and not self.force_masks:
            # One grant: its rows, no field masked (what `_read_rule` gives it).
            only = grants[0]
            if only.allows_fields(wanted):
                return only
        giving = {name: [g for g in grants if g.allows_fields([name])] for name in wanted}
        missing = [name for name, by in giving.items() if not by]
        if missing:
            if action == "read":
                raise ForbiddenError.field(missing[0], collection)
            raise ForbiddenError.fields(action, missing, collection)
        if action == "read":
            return self._read_rule(grants, giving)
        return _write_rule(grants, giving)

    def _read_rule(self, grants: Sequence[Rule], giving: Mapping[str, list[Rule]]) -> Rule:
        """The rows of every grant; a field given on fewer rows is masked to those."""
        rows = any_of([grant.filter for grant in grants])
        masks: dict[str, Mapping[str, Any]] = {}
        for name, by in giving.items():
            shown = any_of([grant.filter for grant in by])
            if self.force_masks:
                masks[name] = shown or {}
            elif shown is not None and shown != rows:
                masks[name] = shown
        if len(grants) == 1 and not masks:
            return grants[0]
        fields = _union_fields(grants)
        return Rule(fields=fields, filter=rows, parts=tuple(grants), masks=masks)

    def visible_rows(self, collection: str, names: Iterable[str]) -> Mapping[str, Any] | None:
        """The rows a read may reach where every field of `names` shows (None: all), for
        filters that reach into a related collection."""
        wanted = list(names)
        rule = self.require_fields(collection, "read", wanted)
        return all_of([rule.filter, *(rule.masks.get(name) for name in wanted)])

    def field_rows(self, collection: str, name: str) -> tuple[bool, Mapping[str, Any] | None]:
        """Whether some read grant gives `name`, and the rows a read shows it on (None: all),
        without refusing a field no grant gives: an o2m reaches the related rows through
        their link column, which the caller need not read, but whose hiding must hold."""
        try:
            return True, self.visible_rows(collection, [name])
        except ForbiddenError:
            return False, None

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
        mine = {"id": {"_eq": variable}}
        shown = all(covers(mask, mine) for mask in rule.masks.values())
        return own if shown and covers(rule.filter, mine) else None


def _public_settings(rule: Rule) -> Rule:
    fields = rule.fields
    capped = PUBLIC_SETTINGS_FIELDS if fields is None else fields & PUBLIC_SETTINGS_FIELDS
    return replace(rule, fields=capped)


def _union_fields(grants: Sequence[Rule]) -> frozenset[str] | None:
    if len(grants) == 1:
        return grants[0].fields  # the grant's own set: its hash is kept (`signature`)
    union: frozenset[str] = frozenset()
    for grant in grants:
        if grant.fields is None:
            return None
        union |= grant.fields
    return union


def _write_rule(grants: Sequence[Rule], giving: Mapping[str, list[Rule]]) -> Rule:
    """Rows where each written field is given by a grant that applies there; the grants
    giving some written field (all, for a write of no field) are its parts: their
    validation and presets apply."""
    written = tuple(giving)
    if not written:
        parts = list(grants)
        rows = any_of([grant.filter for grant in grants])
    else:
        parts = [grant for grant in grants if any(grant in by for by in giving.values())]
        rows = all_of(any_of([grant.filter for grant in by]) for by in giving.values())
    if len(parts) == 1 and rows == parts[0].filter:
        return replace(parts[0], written=written)
    presets: dict[str, Any] = {}
    for grant in reversed(parts):
        presets.update(grant.presets or {})
    return Rule(
        fields=_union_fields(parts),
        filter=rows,
        presets=presets or None,
        parts=tuple(parts),
        written=written,
    )
