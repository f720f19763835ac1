"""A filter through a many-to-one relation reads the related ids first and runs with them
bound (app/repositories/narrowing.py): the answers are those of the statement as built, for
every caller, on both databases, through GraphQL lists, by-id reads and REST alike."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import and_, not_, or_, select
from sqlmodel import col

from app.db.models import Role, User
from app.repositories import items as items_repo
from app.repositories import narrowing as narrowing_module
from app.repositories import policies as policies_repo
from app.repositories.narrowing import narrowing
from app.services.container import Services
from tests.conftest import app_client, gql
from tests.graphql.seed import (
    ADMIN_TOKEN,
    DAVE_TOKEN,
    add_permission,
    counting_statements,
    seed,
)
from tests.graphql_reply import bearer_headers

FIELDS = "email last_access status role { name }"
TWINS = (
    f'{{ users(filter: {{ role: {{ name: {{ _eq: "Twins" }} }} }}, sort: ["email"])'
    f" {{ {FIELDS} }} }}"
)
DOCUMENTS = (
    '{ users(filter: { role: { name: { _eq: "Editors" } } }, sort: ["-last_access"], limit: 1)'
    f" {{ {FIELDS} }} }}",
    '{ users(filter: { role: { name: { _eq: "Viewers" } } }, sort: ["-last_access"], limit: 2,'
    f" offset: 1) {{ {FIELDS} }} }}",
    f'{{ users(filter: {{ role: {{ name: {{ _eq: "Nobody" }} }} }}) {{ {FIELDS} }} }}',
    '{ users(filter: { role: { name: { _in: ["Editors", "Viewers", "Twins"] } } },'
    f' sort: ["email"]) {{ {FIELDS} }} }}',
    '{ users(filter: { _and: [{ role: { name: { _neq: "Editors" } } }, { status: { _eq:'
    f' "active" }} }}] }}, sort: ["-email"]) {{ {FIELDS} }} }}',
    '{ users(filter: { _or: [{ role: { name: { _eq: "Editors" } } }, { email: { _eq:'
    f' "dave@sample.net" }} }}] }}, sort: ["email"]) {{ {FIELDS} }} }}',
    f'{{ users(filter: {{ role: {{ id: {{ _null: true }} }} }}, sort: ["email"]) {{ {FIELDS} }} }}',
    '{ users(filter: { role: { users: { email: { _eq: "dave@sample.net" } } } },'
    f' sort: ["email"]) {{ {FIELDS} }} }}',
    TWINS,
    '{ users_aggregated(filter: { role: { name: { _eq: "Viewers" } } }) { count { id } } }',
    '{ roles(filter: { parent: { name: { _eq: "Editors" } } }) { name } }',
)
REST = (
    "/users?filter[role][name][_eq]=Viewers&sort=-last_access&fields=email,role.name",
    "/users?filter[role][name][_eq]=Twins&sort=email&fields=email,role.name",
    "/users?filter[role][name][_eq]=Nobody&fields=email",
)
# The engine's SQL for a role read by its ids: `role IN (?)` (SQLite), `IN ($1::VARCHAR)`.
NARROWED = re.compile(r"directus_users\.role IN \((\?|\$\d)")


async def _twins(services: Services, count: int) -> None:
    """`count` roles all named "Twins", a user in each; role names need not be unique."""
    async with services.db.write() as session:
        for index in range(count):
            role = await policies_repo.add_role(session, Role(name="Twins"), {"app_access": True})
            session.add(User(email=f"twin{index}@example.com", role=role.id, status="active"))


async def _grants(services: Services, viewers: str) -> None:
    """Dave reads the users of his own role only (a rule through the relation), and the
    roles' names; the public reads every user's email and role and the roles' names."""
    own_role = {"role": {"name": {"_eq": "Viewers"}}}
    fields = ["email", "last_access", "status", "role"]
    await add_permission(services, viewers, fields, own_role)
    await add_permission(services, viewers, ["id", "name"], None, collection="directus_roles")
    await add_permission(services, None, fields, None)
    await add_permission(services, None, ["id", "name"], None, collection="directus_roles")


def _run_as_built(patch: pytest.MonkeyPatch) -> None:
    """Every statement runs as built, kept ones included: no lookup, no ids bound."""

    def as_built(_connection: Any, statement: Any, _found: Any, parameters: Any) -> Any:
        return statement, parameters

    async def as_built_async(_session: Any, statement: Any, parameters: Any = None) -> Any:
        return statement, parameters

    patch.setattr(items_repo, "narrowed", as_built)
    patch.setattr(items_repo, "narrowed_async", as_built_async)


async def _answers(app: Any, token: str | None) -> list[Any]:
    answers: list[Any] = []
    async with app_client(app) as client:
        for document in DOCUMENTS:
            reply = await gql(client, document, token=token)
            answers.append((reply.status, reply.body))
        for path in REST:
            response = await client.get(path, headers=bearer_headers(token, {}))
            answers.append((response.status_code, response.json()))
    return answers


async def test_reads_narrowed_answer_as_built(
    app: Any, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded = await seed(services)
    await _twins(services, 2)
    await _grants(services, seeded.roles["Viewers"])
    for token in (ADMIN_TOKEN, DAVE_TOKEN, None):
        with counting_statements(services) as statements:
            narrowed = await _answers(app, token)
        assert any(NARROWED.search(statement) for statement in statements), token
        with monkeypatch.context() as patch:
            _run_as_built(patch)
            with counting_statements(services) as statements:
                built = await _answers(app, token)
            assert not any(NARROWED.search(statement) for statement in statements)
        assert narrowed == built, token
    admin = await _answers(app, ADMIN_TOKEN)
    editors = admin[0][1]["data"]["users"]
    assert [row["email"] for row in editors] == ["bob.baker@example.com"]  # newest first
    assert admin[2][1]["data"]["users"] == []
    twins = admin[DOCUMENTS.index(TWINS)]
    assert [row["email"] for row in twins[1]["data"]["users"]] == [
        "twin0@example.com",
        "twin1@example.com",
    ]
    dave = await _answers(app, DAVE_TOKEN)
    assert {row["role"]["name"] for row in dave[3][1]["data"]["users"]} == {"Viewers"}
    assert json.dumps(dave[-3][1]).count("@") == 3  # his role's three users, by REST too


async def test_more_related_ids_than_the_cap_run_the_statement_as_built(
    app: Any, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed(services)
    await _twins(services, 3)
    async with app_client(app) as client:
        # The cap is a statement's own, from when it was built (an admin's is kept): each
        # cap reads through a statement of its own (another offset).
        for cap, narrowed, offset in ((3, True, 0), (2, False, 1)):
            monkeypatch.setattr(narrowing_module, "NARROW_MAX", cap)
            document = TWINS.replace('sort: ["email"]', f'sort: ["email"], offset: {offset}')
            with counting_statements(services) as statements:
                reply = await gql(client, document, token=ADMIN_TOKEN)
            emails = [row["email"] for row in reply.data["users"]]
            assert emails == [f"twin{index}@example.com" for index in range(offset, 3)]
            assert any(NARROWED.search(statement) for statement in statements) is narrowed


def test_only_pages_conditions_every_row_meets_and_subqueries_that_stand_alone_narrow() -> None:
    role, email, user_id = col(User.role), col(User.email), col(User.id)
    editors = select(col(Role.id)).where(col(Role.name) == "Editors").correlate(None)
    narrowable = role.in_(editors)

    def page(where: Any) -> Any:
        return select(user_id).where(where).order_by(user_id).limit(25)

    assert narrowing(page(narrowable)) is not None
    assert narrowing(page(and_(email != "x", narrowable))) is not None
    # Not a page: the planner has no sort to spare.
    assert narrowing(select(user_id).where(narrowable)) is None
    assert narrowing(select(user_id).where(narrowable).limit(25)) is None
    assert narrowing(select(user_id).where(narrowable).order_by(user_id)) is None
    # Not every row meets it: under OR, or negated.
    assert narrowing(page(or_(email == "x", narrowable))) is None
    assert narrowing(page(not_(narrowable))) is None
    assert narrowing(page(role.not_in(editors))) is None
    # A subquery naming the outer table means something else on its own.
    correlated = select(col(Role.id)).where(col(Role.id) == role)
    assert narrowing(page(role.in_(correlated))) is None
    # A list of values is already narrow.
    assert narrowing(page(role.in_(["a", "b"]))) is None
