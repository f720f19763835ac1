"""What the account page shows of the signed-in user, read through the same services an API
client reads with (its permissions decide what is readable and what is offered for editing)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from app.accountability import Accountability
from app.errors import ForbiddenError
from app.permissions.access import Access
from app.services.container import Services


@dataclass(frozen=True)
class ProfileField:
    name: str
    label: str
    autocomplete: str
    multiline: bool = False


# The profile fields the page knows how to edit (plain text). Email and role are shown, not
# edited here; password and TFA have forms of their own.
PROFILE_FIELDS = (
    ProfileField("first_name", "First name", "given-name"),
    ProfileField("last_name", "Last name", "family-name"),
    ProfileField("title", "Title", "organization-title"),
    ProfileField("location", "Location", "address-level2"),
    ProfileField("language", "Language", "language"),
    ProfileField("description", "About you", "off", multiline=True),
)
PROFILE_NAMES = frozenset(field.name for field in PROFILE_FIELDS)
_SHOWN = PROFILE_NAMES | {"email", "role"}


@dataclass(frozen=True)
class ShownField:
    field: ProfileField
    value: str


@dataclass(frozen=True)
class AccountView:
    email: str | None
    role_name: str | None
    # The profile fields the caller's update grants give on its own row, with their values.
    editable: tuple[ShownField, ...]
    values: dict[str, Any]
    may_change_password: bool
    may_change_tfa: bool
    has_password: bool
    tfa_enabled: bool
    # A policy enforces TFA and the user has none (the token's enforce_tfa claim).
    tfa_required: bool
    # Unused TFA recovery codes (0 without TFA).
    recovery_codes_left: int = 0

    def with_tfa_on(self, recovery_codes_left: int) -> AccountView:
        """As the page must show it right after this request turned TFA on (the caller's
        row was read before)."""
        return replace(
            self, tfa_enabled=True, tfa_required=False, recovery_codes_left=recovery_codes_left
        )


async def account_view(services: Services, accountability: Accountability) -> AccountView:
    access = await services.users.access_for(accountability)
    writable = await services.users.own_writable_fields(access)
    values = await _own_values(services, access)
    own = accountability.user_row
    tfa_enabled = own is not None and bool(own.tfa_secret)
    return AccountView(
        email=values.get("email"),
        role_name=await _role_name(services, access),
        editable=tuple(
            ShownField(field, values.get(field.name) or "")
            for field in PROFILE_FIELDS
            if field.name in writable
        ),
        values=values,
        may_change_password="password" in writable,
        may_change_tfa="tfa_secret" in writable,
        has_password=own is not None and own.password is not None,
        tfa_enabled=tfa_enabled,
        tfa_required=accountability.enforce_tfa,
        recovery_codes_left=(
            await services.tfa.recovery_codes_left(own.id) if own is not None and tfa_enabled else 0
        ),
    )


async def _own_values(services: Services, access: Access) -> dict[str, Any]:
    """The caller's own shown fields that its read grants give (none when no grant gives
    them together)."""
    readable = access.readable_fields(services.users.collection.name)
    fields = set(_SHOWN if readable is None else _SHOWN & readable)
    if not fields:
        return {}
    try:
        row = await services.users.me(access, fields)
    except ForbiddenError:
        return {}
    return {} if row is None else {name: getattr(row, name) for name in fields}


async def _role_name(services: Services, access: Access) -> str | None:
    try:
        roles = await services.roles.read_mine(access, {"id", "name"})
    except ForbiddenError:
        return None
    return roles[0].name if roles else None
