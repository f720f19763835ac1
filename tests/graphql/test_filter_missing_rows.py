"""A filter through a many-to-one that can never match a missing related row runs as
`column IN (ids it matches)` (app/db/query/missing_rows.py), which the column's index
answers; the same filters through the correlated EXISTS over an all-null row it replaces
give the same rows — as admin and as an app user who may read some roles only, through
users and through roles' own parent, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette

from app.collections import COLLECTIONS
from app.db.models import Role
from app.db.query import filters
from app.db.query.missing_rows import rejects_missing
from app.services.container import Services
from tests.conftest import app_client, gql
from tests.graphql.seed import ADMIN_TOKEN, DAVE_TOKEN, add_permission, seed

USERS = 'query ($f: directus_users_filter) { users(filter: $f, sort: ["id"]) { id } }'
ROLES = 'query ($f: directus_roles_filter) { roles(filter: $f, sort: ["id"]) { id } }'
# (document, filter, whether it can never match a missing related row)
CASES: list[tuple[str, dict[str, Any], bool]] = [
    (USERS, {"role": {"name": {"_eq": "Editors"}}}, True),
    (USERS, {"role": {"name": {"_in": ["Editors", "Viewers"]}}}, True),
    (USERS, {"role": {"name": {"_in": []}}}, True),
    (USERS, {"role": {"name": {"_contains": "tor"}}}, True),
    (USERS, {"role": {"_and": [{"name": {"_starts_with": "V"}}, {"icon": {"_null": True}}]}}, True),
    (USERS, {"role": {"_or": [{"name": {"_eq": "Editors"}}, {"name": {"_eq": "Viewers"}}]}}, True),
    (USERS, {"role": {"_or": [{"name": {"_eq": "Editors"}}, {"id": {"_null": True}}]}}, False),
    (USERS, {"role": {"id": {"_null": True}}}, False),
    (USERS, {"role": {"name": {"_neq": "Editors"}}}, False),
    (USERS, {"role": {"name": {"_eq": None}}}, False),
    (USERS, {"role": {"name": {"_ncontains": "tor"}}}, False),
    (USERS, {"role": {"parent": {"name": {"_eq": "Viewers"}}}}, True),
    (USERS, {"role": {"parent": {"id": {"_null": True}}}}, False),
    (USERS, {"role": {"users": {"_some": {"email": {"_contains": "a"}}}}}, False),
    (
        USERS,
        {"_or": [{"role": {"name": {"_eq": "Editors"}}}, {"email": {"_contains": "dave"}}]},
        True,
    ),
    (ROLES, {"parent": {"name": {"_eq": "Viewers"}}}, True),
    (ROLES, {"parent": {"name": {"_neq": "Viewers"}}}, False),
]


def test_which_filters_never_match_a_missing_row() -> None:
    """What the equivalence below covers: both forms, judged on the filter under the
    relation (for an `_or` of a relation and a field, the relation's own filter)."""
    roles = COLLECTIONS["directus_roles"]
    for _document, condition, expected in CASES:
        node = condition.get("role", condition.get("parent"))
        if node is None:
            node = condition["_or"][0]["role"]
        assert rejects_missing(roles, node) is expected, condition
    assert rejects_missing(roles, {"name": {"_eq": "$CURRENT_USER"}}) is False  # may be null


async def _answers(app: Starlette, token: str) -> list[Any]:
    answers = []
    async with app_client(app) as client:
        for document, condition, _ in CASES:
            reply = await gql(client, document, {"f": condition}, token=token)
            answers.append(reply.body)
    return answers


async def test_the_in_form_answers_as_the_exists_form(
    app: Starlette, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded = await seed(services)
    viewers, editors = seeded.roles["Viewers"], seeded.roles["Editors"]
    async with services.db.write() as session:
        editors_row = await session.get(Role, editors)
        assert editors_row is not None
        editors_row.parent = viewers  # a parent to filter through
    await add_permission(services, viewers, ["id", "email", "role"], None)
    only_viewers = {"name": {"_eq": "Viewers"}}
    await add_permission(
        services,
        viewers,
        ["id", "name", "icon", "parent"],
        only_viewers,
        collection="directus_roles",
    )
    fast = {token: await _answers(app, token) for token in (ADMIN_TOKEN, DAVE_TOKEN)}
    monkeypatch.setattr(filters, "rejects_missing", lambda *_: False)
    general = {token: await _answers(app, token) for token in (ADMIN_TOKEN, DAVE_TOKEN)}
    assert fast == general
    admin = fast[ADMIN_TOKEN]
    assert all("errors" not in body for body in admin), admin
    assert len(admin[0]["data"]["users"]) == 2  # the two editors
    assert admin[7]["data"]["users"]  # the users without a role (the EXISTS form kept)
    assert len(admin[11]["data"]["users"]) == 2  # the editors: their role's parent
    assert [role["id"] for role in admin[15]["data"]["roles"]] == [editors]  # a self relation
