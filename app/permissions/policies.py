"""A caller's effective policies: which apply at its address, and what they give together.

Directus 11+: the policies attached to the user, to its role and the role's ancestors, and
the public policies. One whose `ip_access` does not contain the request's address does not
apply; the caller is an admin (app user, bound to TFA) if any applying policy says so, and
gets the permission rows of every applying policy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from app.collections import SETTINGS
from app.db.models import Permission
from app.permissions.access import PUBLIC_SETTINGS_FIELDS


def ip_allowed(ip: str | None, networks: list[str] | None) -> bool:
    """A policy's ip_access: empty allows all; otherwise the client must be inside one entry."""
    if not networks:
        return True
    if ip is None:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for entry in networks:
        try:
            if address in ipaddress.ip_network(entry.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


@dataclass(frozen=True)
class PolicyGrant:
    """One policy as a caller gets it. `on_role`: attached directly to the caller's own
    role (what that role's Directus 10 flags show)."""

    id: str
    ip_access: list[str] | None
    admin_access: bool
    app_access: bool
    enforce_tfa: bool
    on_role: bool = False
    # Attached to the public (to no role and no user).
    public: bool = False
    permissions: tuple[Permission, ...] = ()


@dataclass(frozen=True)
class Effective:
    admin: bool
    app: bool
    enforce_tfa: bool
    permissions: tuple[Permission, ...]


def effective(policies: Iterable[PolicyGrant], ip: str | None) -> Effective:
    """What the policies that apply at `ip` give together (rows in id order, each once)."""
    applying = [policy for policy in policies if ip_allowed(ip, policy.ip_access)]
    rows: dict[int | None, Permission] = {}
    for policy in applying:
        for row in policy.permissions:
            rows.setdefault(row.id, _public_capped(row) if policy.public else row)
    return Effective(
        admin=any(policy.admin_access for policy in applying),
        app=any(policy.app_access for policy in applying),
        enforce_tfa=any(policy.enforce_tfa for policy in applying),
        permissions=tuple(sorted(rows.values(), key=lambda row: row.id or 0)),
    )


def _public_capped(row: Permission) -> Permission:
    """A public policy's read of the settings gives at most the public settings fields,
    whoever the caller (see PUBLIC_SETTINGS_FIELDS)."""
    if row.collection != SETTINGS.name or row.action != "read":
        return row
    fields = row.fields
    wide = fields is None or "*" in fields
    capped = PUBLIC_SETTINGS_FIELDS if wide else PUBLIC_SETTINGS_FIELDS & set(fields or ())
    return Permission(
        id=row.id,
        policy=row.policy,
        collection=row.collection,
        action=row.action,
        permissions=row.permissions,
        validation=row.validation,
        presets=row.presets,
        fields=sorted(capped),
    )
