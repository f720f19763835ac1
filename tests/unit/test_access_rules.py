"""How grants per (collection, action) combine into the rule for one request, without HTTP.

Grants are never merged into one: a request touching fields F reaches only the rows where
ONE grant gives all of F. The HTTP tests (test_permission_grants_do_not_mix and others)
show the same through the API.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.accountability import Accountability
from app.collections import USERS
from app.db.models import Permission
from app.errors import ForbiddenError
from app.permissions.access import (
    ADMIN_ONLY_USER_FIELDS,
    FULL,
    PROFILE_FIELDS,
    PUBLIC_SETTINGS_FIELDS,
    Access,
    Rule,
)
from app.repositories.policies import policy_of

USER, ROLE = "user-1", "role-1"
USERS_NAME, ROLES_NAME, SETTINGS = "directus_users", "directus_roles", "directus_settings"
EVERY_USER_FIELD = frozenset(USERS.fields) | {"id"}

APP_USER = Accountability(user=USER, role=ROLE, app=True)
ROLE_USER = Accountability(user=USER, role=ROLE)  # no app access: only its role's grants
ADMIN = Accountability(user=USER, role=ROLE, admin=True, app=True)
PUBLIC = Accountability()


def grant(
    collection: str,
    action: str = "read",
    fields: list[str] | None = None,
    *,
    role: str | None = ROLE,
    **extra: Any,
) -> Permission:
    return Permission(
        policy=policy_of(role), collection=collection, action=action, fields=fields, **extra
    )


# Admins, the app defaults and no grants -----------------------------------------------------


def test_an_admin_may_do_everything_without_a_grant() -> None:
    access = Access(ADMIN, [])
    assert access.is_admin
    for action in ("create", "read", "update", "delete"):
        assert access.require_fields("anything", action, ["any", "field"]) is FULL
    assert access.readable_fields(USERS_NAME) is None


def test_an_admins_grants_change_nothing() -> None:
    access = Access(ADMIN, [grant(USERS_NAME, fields=["email"], permissions={"id": {"_eq": 1}})])
    assert access.require_fields(USERS_NAME, "read", ["password"]) is FULL


def test_app_access_gives_directus_minimal_defaults() -> None:
    access = Access(APP_USER, [])
    read = access.require_fields(USERS_NAME, "read", ["email", "role"])
    assert read.filter == {"id": {"_eq": "$CURRENT_USER"}}
    assert read.fields == EVERY_USER_FIELD - ADMIN_ONLY_USER_FIELDS
    update = access.require_fields(USERS_NAME, "update", ["first_name", "password"])
    assert update.filter == {"id": {"_eq": "$CURRENT_USER"}}
    assert update.fields == PROFILE_FIELDS
    assert access.require(ROLES_NAME, "read").filter == {"id": {"_eq": "$CURRENT_ROLE"}}
    assert access.require(SETTINGS, "read") == Rule()


@pytest.mark.parametrize(
    ("collection", "action", "fields"),
    [
        (USERS_NAME, "update", ["status"]),  # not a profile field
        (USERS_NAME, "update", ["role"]),
        (USERS_NAME, "update", ["token"]),  # a static token is a grant's to give
        (USERS_NAME, "read", ["provider"]),  # admin-only
        (USERS_NAME, "create", []),
        (USERS_NAME, "delete", []),
        (ROLES_NAME, "update", []),
        (SETTINGS, "update", []),
        ("directus_activity", "read", []),
    ],
)
def test_what_the_app_defaults_do_not_give_is_forbidden(
    collection: str, action: Any, fields: list[str]
) -> None:
    with pytest.raises(ForbiddenError):
        Access(APP_USER, []).require_fields(collection, action, fields)


def test_without_app_access_only_the_roles_grants_count() -> None:
    access = Access(ROLE_USER, [])
    for collection in (USERS_NAME, ROLES_NAME, SETTINGS):
        with pytest.raises(ForbiddenError):
            access.require(collection, "read")
        assert access.readable_fields(collection) == frozenset()


def test_a_grant_of_an_unknown_action_is_ignored() -> None:
    access = Access(ROLE_USER, [grant("directus_files", "share")])
    with pytest.raises(ForbiddenError):
        access.require("directus_files", "read")


# One grant ------------------------------------------------------------------------------------


def test_one_grant_is_the_rule_as_stored() -> None:
    stored = grant(
        "directus_files",
        "update",
        ["title", "type"],
        permissions={"type": {"_eq": "image/png"}},
        validation={"title": {"_nnull": True}},
        presets={"storage": "local"},
    )
    rule = Access(ROLE_USER, [stored]).require_fields("directus_files", "update", ["title"])
    assert rule == Rule(
        fields=frozenset({"title", "type"}),
        filter={"type": {"_eq": "image/png"}},
        validation={"title": {"_nnull": True}},
        presets={"storage": "local"},
        written=("title",),
    )
    assert rule.grants() == (rule,)


@pytest.mark.parametrize("fields", [None, ["*"], ["id", "*"]])
def test_a_star_or_no_field_list_is_every_field(fields: list[str] | None) -> None:
    access = Access(ROLE_USER, [grant("directus_files", fields=fields)])
    assert access.require_fields("directus_files", "read", ["title", "width"]).fields is None
    assert access.readable_fields("directus_files") is None


def test_empty_filters_validation_and_presets_are_none() -> None:
    stored = grant("directus_files", permissions={}, validation={}, presets={})
    assert Access(ROLE_USER, [stored]).require("directus_files", "read") == Rule()


def test_a_field_outside_the_grant_is_forbidden() -> None:
    access = Access(ROLE_USER, [grant("directus_files", fields=["title"])])
    assert access.require_fields("directus_files", "read", ["title"]).fields == frozenset({"title"})
    with pytest.raises(ForbiddenError):
        access.require_fields("directus_files", "read", ["title", "width"])


def test_grants_of_other_collections_and_actions_do_not_count() -> None:
    access = Access(ROLE_USER, [grant("directus_files", "read"), grant(ROLES_NAME, "update")])
    with pytest.raises(ForbiddenError):
        access.require("directus_files", "update")
    with pytest.raises(ForbiddenError):
        access.require(ROLES_NAME, "read")


# Several grants: per field, per item -------------------------------------------------------


NAMES = grant(USERS_NAME, fields=["id", "first_name"], permissions={"status": {"_eq": "active"}})
EMAILS = grant(
    USERS_NAME, fields=["id", "first_name", "email"], permissions={"role": {"_eq": ROLE}}
)
ACTIVE, IN_ROLE = {"status": {"_eq": "active"}}, {"role": {"_eq": ROLE}}


def test_a_read_reaches_every_grants_rows_and_masks_a_field_to_its_grants_rows() -> None:
    rule = Access(ROLE_USER, [NAMES, EMAILS]).require_fields(USERS_NAME, "read", ["email"])
    assert rule.filter == {"_or": [ACTIVE, IN_ROLE]}
    assert rule.masks == {"email": IN_ROLE}
    assert rule.fields == frozenset({"id", "first_name", "email"})


def test_a_field_every_grant_gives_is_not_masked() -> None:
    rule = Access(ROLE_USER, [NAMES, EMAILS]).require_fields(USERS_NAME, "read", ["first_name"])
    assert rule.filter == {"_or": [ACTIVE, IN_ROLE]}
    assert rule.masks == {}


def test_a_field_of_a_grant_on_every_row_is_not_masked() -> None:
    everyone = grant(USERS_NAME, fields=["id", "email"])
    access = Access(ROLE_USER, [NAMES, everyone])
    rule = access.require_fields(USERS_NAME, "read", ["email"])
    assert (rule.filter, rule.masks) == (None, {})
    # first_name shows on the active users only, though every user is reached.
    names = access.require_fields(USERS_NAME, "read", ["first_name"])
    assert (names.filter, names.masks) == (None, {"first_name": ACTIVE})


def test_forced_masks_mask_every_field_read() -> None:
    access = Access(ROLE_USER, [NAMES, EMAILS], force_masks=True)
    rule = access.require_fields(USERS_NAME, "read", ["first_name", "email"])
    assert rule.masks == {"first_name": {"_or": [ACTIVE, IN_ROLE]}, "email": IN_ROLE}
    single = Access(ROLE_USER, [grant("directus_files")], force_masks=True)
    assert single.require_fields("directus_files", "read", ["title"]).masks == {"title": {}}


def test_fields_grants_give_together_are_readable() -> None:
    split = [
        grant("directus_files", fields=["title"], permissions={"type": {"_eq": "a"}}),
        grant("directus_files", fields=["width"]),
    ]
    access = Access(ROLE_USER, split)
    rule = access.require_fields("directus_files", "read", ["title", "width"])
    assert (rule.filter, rule.masks) == (None, {"title": {"type": {"_eq": "a"}}})
    assert access.readable_fields("directus_files") == frozenset({"title", "width"})
    assert access.visible_rows("directus_files", ["title", "width"]) == {"type": {"_eq": "a"}}


def test_a_field_no_grant_gives_is_forbidden_by_name() -> None:
    access = Access(ROLE_USER, [NAMES])
    with pytest.raises(ForbiddenError) as read:
        access.require_fields(USERS_NAME, "read", ["id", "email"])
    assert '"email"' in str(read.value.message)
    names = grant(USERS_NAME, "update", ["first_name"])
    with pytest.raises(ForbiddenError) as write:
        Access(ROLE_USER, [names]).require_fields(USERS_NAME, "update", ["title", "email"])
    assert write.value.message == (
        'You don\'t have permissions to perform "update" for the field(s) "title", "email" '
        'in collection "directus_users" or it does not exist.'
    )


def test_a_write_reaches_the_rows_where_each_field_is_given() -> None:
    # Policy A: x on own items; policy B: y on all items (the acceptance case).
    own = {"uploaded_by": {"_eq": "$CURRENT_USER"}}
    mine = grant("directus_files", "update", ["title"], permissions=own)
    all_items = grant("directus_files", "update", ["description"])
    access = Access(ROLE_USER, [mine, all_items])
    assert access.require_fields("directus_files", "update", ["description"]).filter is None
    assert access.require_fields("directus_files", "update", ["title"]).filter == own
    both = access.require_fields("directus_files", "update", ["title", "description"])
    assert both.filter == own
    assert both.written == ("title", "description")
    assert [part.fields for part in both.grants()] == [
        frozenset({"title"}),
        frozenset({"description"}),
    ]


def test_a_write_of_fields_of_two_filtered_grants_needs_both_filters() -> None:
    first = grant("directus_files", "update", ["title"], permissions={"type": {"_eq": "a"}})
    second = grant("directus_files", "update", ["width"], permissions={"width": {"_gt": 1}})
    rule = Access(ROLE_USER, [first, second]).require_fields(
        "directus_files", "update", ["title", "width"]
    )
    assert rule.filter == {"_and": [{"type": {"_eq": "a"}}, {"width": {"_gt": 1}}]}


def test_an_app_default_and_a_grant_stay_apart() -> None:
    # The own-profile update gives `password` on one row; a grant on every row gives names.
    names_everywhere = grant(USERS_NAME, "update", ["first_name", "last_name"])
    access = Access(APP_USER, [names_everywhere])
    assert access.require_fields(USERS_NAME, "update", ["password"]).filter == {
        "id": {"_eq": "$CURRENT_USER"}
    }
    assert access.require_fields(USERS_NAME, "update", ["password", "first_name"]).filter == {
        "id": {"_eq": "$CURRENT_USER"}
    }
    joined = access.require_fields(USERS_NAME, "update", ["first_name"])
    assert joined.filter is None  # one of the grants reaches every row
    assert len(joined.grants()) == 2


def test_the_delete_without_fields_reaches_the_rows_of_every_grant() -> None:
    rows = [
        grant("directus_files", "delete", permissions={"type": {"_eq": "a"}}),
        grant("directus_files", "delete", permissions={"type": {"_eq": "b"}}),
    ]
    rule = Access(ROLE_USER, rows).require("directus_files", "delete")
    assert rule.filter == {"_or": [{"type": {"_eq": "a"}}, {"type": {"_eq": "b"}}]}


def test_write_presets_the_first_grant_wins() -> None:
    first = grant("directus_files", "create", presets={"storage": "local", "title": "first"})
    second = grant("directus_files", "create", presets={"title": "second", "type": "image/png"})
    rule = Access(ROLE_USER, [first, second]).require("directus_files", "create")
    assert rule.presets == {"storage": "local", "title": "first", "type": "image/png"}
    plain = [grant("directus_files", "create"), grant("directus_files", "create")]
    assert Access(ROLE_USER, plain).require("directus_files", "create").presets is None


def test_write_keeps_each_grants_validation_in_its_part() -> None:
    first = grant("directus_files", "create", validation={"title": {"_nnull": True}})
    second = grant("directus_files", "create", validation={"type": {"_nnull": True}})
    rule = Access(ROLE_USER, [first, second]).require("directus_files", "create")
    assert rule.validation is None
    assert [part.validation for part in rule.grants()] == [
        {"title": {"_nnull": True}},
        {"type": {"_nnull": True}},
    ]


# Admin-only user fields ----------------------------------------------------------------------


@pytest.mark.parametrize("fields", [None, ["*"], ["email", "provider", "auth_data"]])
def test_no_grant_gives_the_admin_only_user_fields(fields: list[str] | None) -> None:
    access = Access(ROLE_USER, [grant(USERS_NAME, fields=fields)])
    readable = access.readable_fields(USERS_NAME)
    assert readable is not None
    assert not readable & ADMIN_ONLY_USER_FIELDS
    assert "email" in readable
    for name in sorted(ADMIN_ONLY_USER_FIELDS):
        with pytest.raises(ForbiddenError):
            access.require_fields(USERS_NAME, "read", [name])


def test_a_grant_on_every_user_field_lists_them() -> None:
    rule = Access(ROLE_USER, [grant(USERS_NAME, "update")]).require(USERS_NAME, "update")
    assert rule.fields == EVERY_USER_FIELD - ADMIN_ONLY_USER_FIELDS


def test_other_collections_keep_every_field() -> None:
    access = Access(ROLE_USER, [grant(ROLES_NAME, fields=["*"])])
    assert access.readable_fields(ROLES_NAME) is None


# Public settings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "readable"),
    [
        (None, PUBLIC_SETTINGS_FIELDS),
        (["*"], PUBLIC_SETTINGS_FIELDS),
        (["project_name", "auth_password_policy"], frozenset({"project_name"})),
        (["auth_login_attempts"], frozenset()),
    ],
)
def test_the_public_reads_only_the_public_settings(
    fields: list[str] | None, readable: frozenset[str]
) -> None:
    access = Access(PUBLIC, [grant(SETTINGS, fields=fields, role=None)])
    assert access.readable_fields(SETTINGS) == readable
    with pytest.raises(ForbiddenError):
        access.require_fields(SETTINGS, "read", ["auth_password_policy"])


def test_a_user_outside_its_roles_ip_access_reads_only_the_public_settings() -> None:
    # Such a user is served the public's rows: role None, and the app defaults are capped.
    outside = Accountability(user=USER, role=None, app=True)
    access = Access(outside, [])
    assert access.readable_fields(SETTINGS) == PUBLIC_SETTINGS_FIELDS


def test_a_roles_settings_grant_is_not_capped() -> None:
    access = Access(ROLE_USER, [grant(SETTINGS, fields=["auth_password_policy"])])
    assert access.readable_fields(SETTINGS) == frozenset({"auth_password_policy"})
    assert Access(APP_USER, []).readable_fields(SETTINGS) is None


def test_the_public_settings_cap_applies_to_reading_only() -> None:
    access = Access(PUBLIC, [grant(SETTINGS, "update", ["auth_password_policy"], role=None)])
    rule = access.require_fields(SETTINGS, "update", ["auth_password_policy"])
    assert rule.fields == frozenset({"auth_password_policy"})


# readable_fields is the union that `*` expands to ---------------------------------------------


def test_readable_fields_is_the_union_of_the_grants() -> None:
    access = Access(ROLE_USER, [NAMES, EMAILS])
    assert access.readable_fields(USERS_NAME) == frozenset({"id", "first_name", "email"})


def test_readable_fields_is_every_field_when_one_grant_gives_all() -> None:
    access = Access(ROLE_USER, [grant(ROLES_NAME, fields=["name"]), grant(ROLES_NAME)])
    assert access.readable_fields(ROLES_NAME) is None


# The one-grant fast path of a read ----------------------------------------------------------

_SOME_FIELDS = ["id", "email", "first_name", "last_name", "title", "role"]


@settings(max_examples=200, deadline=None)
@given(
    granted=st.one_of(st.none(), st.lists(st.sampled_from(_SOME_FIELDS), unique=True)),
    filtered=st.sampled_from([None, {}, {"id": {"_eq": "$CURRENT_USER"}}, {"title": {"_eq": "x"}}]),
    wanted=st.lists(st.sampled_from(_SOME_FIELDS), max_size=4),
)
def test_one_grant_reads_as_the_general_rule_gives_it(
    granted: list[str] | None, filtered: dict[str, Any] | None, wanted: list[str]
) -> None:
    """A read through one grant skips the per-field masks; its answer (the rule, or the
    FORBIDDEN naming the field) is what the general path gives, which forced masks run."""
    rows = [grant(USERS_NAME, fields=granted, permissions=filtered)]
    fast, general = Access(ROLE_USER, rows), Access(ROLE_USER, rows, force_masks=True)

    def outcome(access: Access) -> tuple[object, ...]:
        try:
            rule = access.require_fields(USERS_NAME, "read", wanted)
        except ForbiddenError as error:
            return ("forbidden", str(error))
        # The grants the rule stands for carry the validation and presets.
        return (rule.fields, rule.filter, rule.grants())

    assert outcome(fast) == outcome(general)
    if outcome(fast)[0] != "forbidden":
        # Forced masks show every field through its one grant's rows: none is narrower.
        general_rule = general.require_fields(USERS_NAME, "read", wanted)
        assert all(not mask or mask == general_rule.filter for mask in general_rule.masks.values())
