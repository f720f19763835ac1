"""What an accountability may do to a collection: fields, rows, validation and presets.

Admins may do everything. App-access roles get Directus's minimal defaults (their own
user record and role, their own profile), joined by the role's `directus_permissions`
rows; the public gets only the rows stored for the public (role NULL).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from app.accountability import Accountability
from app.db.models import Permission
from app.errors import ForbiddenError
from app.permissions.collections import ADMIN_ONLY_USER_FIELDS, USERS

Action = Literal["create", "read", "update", "delete"]

# Directus 12's recommended own-user permission: not `token`, since a static token the user
# mints for itself would outlive its password and every session (only a grant gives it).
PROFILE_FIELDS = frozenset(
    {
        "first_name",
        "last_name",
        "email",
        "password",
        "location",
        "title",
        "description",
        "avatar",
        "language",
        "appearance",
        "theme_light",
        "theme_dark",
        "theme_light_overrides",
        "theme_dark_overrides",
        "email_notifications",
        "text_direction",
    }
)

# What Directus lets anyone read of the project settings (its /server/info project block):
# the project's face and whether one may register. Never the password policy, the attempt
# limit, the registration role or its email filter, whatever a public permission grants.
PUBLIC_SETTINGS_FIELDS = frozenset(
    {"project_name", "public_registration", "public_registration_verify_email"}
)
SETTINGS = "directus_settings"


@dataclass(frozen=True)
class Rule:
    """One permission: `fields` None means every field, `filter` None means every row."""

    fields: frozenset[str] | None = None
    filter: Mapping[str, Any] | None = None
    validation: Mapping[str, Any] | None = None
    presets: Mapping[str, Any] | None = None

    def allows_fields(self, names: Iterable[str]) -> bool:
        return self.fields is None or all(name in self.fields for name in names)

    def denied_fields(self, names: Iterable[str]) -> list[str]:
        if self.fields is None:
            return []
        return sorted(name for name in names if name not in self.fields)


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
    (SETTINGS, "read"): Rule(),
}


def _rule_of(row: Permission) -> Rule:
    fields = row.fields
    return Rule(
        fields=None if fields is None or "*" in fields else frozenset(fields),
        filter=row.permissions or None,
        validation=row.validation or None,
        presets=row.presets or None,
    )


def _merge(first: Rule, second: Rule) -> Rule:
    """Two grants for the same action: the union of fields and rows."""
    fields = None if first.fields is None or second.fields is None else first.fields | second.fields
    if first.filter is None or second.filter is None:
        row_filter: Mapping[str, Any] | None = None
    else:
        row_filter = {"_or": [dict(first.filter), dict(second.filter)]}
    return Rule(
        fields=fields,
        filter=row_filter,
        validation=first.validation or second.validation,
        presets={**(second.presets or {}), **(first.presets or {})} or None,
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
    """The permissions of one request, computed once."""

    def __init__(self, accountability: Accountability, rows: Sequence[Permission]) -> None:
        self.accountability = accountability
        self._rules: dict[tuple[str, Action], Rule] = {}
        defaults = _APP_DEFAULTS if accountability.app and not accountability.admin else {}
        if defaults:
            self._rules.update(_APP_DEFAULT_RULES)
        granted: dict[tuple[str, Action], Rule] = {}
        for row in rows:
            action = _ACTIONS.get(row.action)
            if action is None:
                continue
            key = (row.collection, action)
            rule = _rule_of(row)
            existing = granted.get(key, defaults.get(key))
            granted[key] = rule if existing is None else _merge(existing, rule)
        for key, rule in granted.items():
            self._rules[key] = _finished(key, rule)
        public_settings = self._rules.get((SETTINGS, "read"))
        # The public's rows (role NULL) serve anonymous callers and users outside their
        # role's ip_access alike.
        from_public = accountability.role is None and not accountability.admin
        if from_public and public_settings is not None:
            fields = public_settings.fields
            capped = PUBLIC_SETTINGS_FIELDS if fields is None else fields & PUBLIC_SETTINGS_FIELDS
            self._rules[(SETTINGS, "read")] = replace(public_settings, fields=capped)

    @property
    def is_admin(self) -> bool:
        return self.accountability.admin

    def rule(self, collection: str, action: Action) -> Rule | None:
        if self.is_admin:
            return FULL
        return self._rules.get((collection, action))

    def require(self, collection: str, action: Action) -> Rule:
        rule = self.rule(collection, action)
        if rule is None:
            raise ForbiddenError()
        return rule

    def require_fields(self, collection: str, action: Action, names: Iterable[str]) -> Rule:
        rule = self.require(collection, action)
        if not rule.allows_fields(names):
            raise ForbiddenError()
        return rule
