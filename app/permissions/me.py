"""permissions_me and policies_me_globals: what a caller may do, as Directus reports it."""

from __future__ import annotations

from typing import Any

from app.collections import COLLECTIONS
from app.permissions.access import Access
from app.permissions.policies import Effective

ACTIONS = ("create", "read", "update", "delete", "share")


def collection_access(access: Access) -> dict[str, dict[str, dict[str, Any]]]:
    """Directus's CollectionAccess: per collection touched by a grant, per action,
    `access` ("full", "partial" when a grant limits the rows, "none"), the fields the
    grants give together (`["*"]` for all) and their presets merged. Admins get every
    collection in full."""
    if access.is_admin:
        return {
            name: {action: {"access": "full", "fields": ["*"]} for action in ACTIONS}
            for name in COLLECTIONS
        }
    infos: dict[str, dict[str, dict[str, Any]]] = {}
    for (collection, action), grants in sorted(access.grants.items()):
        actions = infos.setdefault(collection, {name: {"access": "none"} for name in ACTIONS})
        info: dict[str, Any] = {"access": "full"}
        fields: list[str] = []
        presets: dict[str, Any] = {}
        for grant in grants:
            if grant.filter:
                info["access"] = "partial"
            if grant.fields is None or "*" in fields:
                fields = ["*"]
            else:
                fields += sorted(name for name in grant.fields if name not in fields)
            presets.update(grant.presets or {})
        info["fields"] = fields
        if presets:
            info["presets"] = presets
        actions[action] = info
    return infos


def policy_globals(effective: Effective | None, access: Access) -> dict[str, bool]:
    """{admin_access, app_access, enforce_tfa}: the caller's applying policies together
    (`effective`: the public's, computed for an anonymous caller)."""
    if effective is not None:
        return {
            "admin_access": effective.admin,
            "app_access": effective.app,
            "enforce_tfa": effective.enforce_tfa,
        }
    accountability = access.accountability
    return {
        "admin_access": accountability.admin,
        "app_access": accountability.app,
        "enforce_tfa": accountability.policies_enforce_tfa,
    }
