"""Fields answered directly (resolvers/engine/leaf_fields.py) answer as graphql-core does,
and lists read ahead (plain values, relational fields loaded before the list completes and
answered at once: resolvers/related.py) answer as lists of ORM rows whose relational fields
each await their loader.

The same documents run against two apps on one database: the served one, which reads
plain leaf fields and calls argument-less resolvers itself and reads lists ahead, and one
with tracing on, where a resolver middleware makes every field go through graphql-core and
Strawberry, and nothing is read ahead (the general path).
Both answers — data, nulls of fields a grant does not give on an item, concealed
values, errors and their paths — must be equal, for an admin, an app user whose grants
differ per item, and the public. On both databases.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from graphql import (
    ArgumentNode,
    FieldNode,
    GraphQLObjectType,
    NameNode,
    NullValueNode,
    parse,
)
from graphql.execution.collect_fields import FieldDetails
from graphql.pyutils import Path
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.applications import Starlette

from app.clock import SettableClock
from app.config import Settings
from app.main import create_app
from app.services.container import Services
from resolvers.engine.execution import AcyclicExecutionContext
from resolvers.engine.extensions import DocumentLimits
from resolvers.engine.leaf_fields import Call, Leaf, plan_of
from resolvers.engine.view import DirectusGraphQL
from resolvers.schema import schema_for
from tests.conftest import app_client, gql
from tests.graphql.seed import ADMIN_TOKEN, DAVE_TOKEN, Seeded, add_permission, seed

DOCUMENTS = (
    '{ users(sort: ["email"]) { id email first_name last_name status tags last_access'
    " tfa_secret password token location title description role { id name icon } } }",
    '{ users(limit: 3, sort: ["-last_access"]) { id role { name users { id email } } } }',
    '{ users(filter: { role: { name: { _eq: "Viewers" } } }, sort: ["first_name"])'
    " { first_name avatar { id } role { name admin_access app_access } } }",
    "{ users_me { id email first_name tfa_secret role { name description } } }",
    '{ a: users(limit: 2, sort: ["id"]) { ...F __typename e2: email } }'
    " fragment F on directus_users { id email last_access_func { year month } }",
    '{ users(sort: ["id"]) { id ... on directus_users { email } tags_func { count } } }',
    '{ roles(sort: ["name"]) { id name users_func { count } users(sort: ["email"])'
    " { email first_name } } }",
    '{ users(sort: ["id"]) { id role(filter: { name: { _eq: "Editors" } }) { name } } }',
    'query ($skip: Boolean!) { users(sort: ["email"]) { email @skip(if: $skip)'
    " first_name @include(if: $skip) } }",
    '{ users_by_id(id: "00000000-0000-0000-0000-000000000000") { id } }',
    # Read ahead: aliases of the relation (one batch per selection), a fragment merging
    # into it, a field no grant gives under it, a page, masks per item, the public.
    '{ users(sort: ["email"]) { email last_name role { id name } r: role { name } } }',
    '{ users(limit: 4, offset: 1, sort: ["-email"]) { id role { name }'
    " ... on directus_users { role { id } } } }",
    '{ users(sort: ["email"]) { email role { name icon description } } }',
    '{ users(filter: { first_name: { _nnull: true } }, sort: ["id"]) { id first_name'
    " location title role { id } } }",
    # One by id: another user's (Dave sees its masked fields null), and Dave's own.
    "query ($id: ID!, $own: ID!) { users_by_id(id: $id) { id email last_name role { name } }"
    " own: users_by_id(id: $own) { last_name role { id name } } }",
    # Raw arguments (graphql-core's values, not Strawberry's objects): nested filters from
    # a variable and literals, lists, an unknown id.
    'query ($f: directus_users_filter) { users(filter: $f, sort: ["-email"], limit: 5)'
    " { email role { name } } }",
    '{ users(filter: { _and: [{ email: { _ncontains: "zz" } }, { status: { _in:'
    ' ["active", "draft"] } }] }, search: "a", offset: 1) { id } }',
    '{ users(sort: ["id"]) { first_name role { name } } }',
    # One shape, several strings (an admin's kept statement binds them: read_plans.py).
    '{ users(filter: { email: { _eq: "dave@sample.net" } }) { id email role { name } } }',
    '{ users(filter: { email: { _eq: "Alice.Anderson@Example.com" } }) { id role { name } } }',
    '{ users(filter: { email: { _eq: "alice.anderson@example.com" } }) { id role { name } } }',
    '{ users(filter: { role: { name: { _eq: "Editors" } } }, sort: ["first_name"])'
    " { first_name avatar { id } role { name admin_access app_access } } }",
    '{ users(filter: { _or: [{ email: { _neq: "dave@sample.net" } }, { first_name:'
    ' { _eq: "Dave" } }] }, sort: ["email"]) { email } }',
    # A role field whose rule reads the users table (Dave: his own role's icon): the roles
    # cannot be read in the users' statement, and are read by id.
    '{ users(sort: ["email"]) { email role { name icon } } }',
    '{ users(sort: ["email"]) { email role { name description } } }',
)
OWN = {"id": {"_eq": "$CURRENT_USER"}}


@pytest.fixture
async def general(settings: Settings, clock: SettableClock) -> AsyncIterator[Starlette]:
    """The same server with tracing on: every field through graphql-core."""
    app = create_app(settings, clock, span_exporter=InMemorySpanExporter())
    async with LifespanManager(app):
        yield app


async def _grants(services: Services, seeded: Seeded) -> None:
    """Dave (Viewers) reads every user's id, email and first name and role, his own record's
    last name, location and title too; roles' id and name, his own role's icon."""
    viewers = seeded.roles["Viewers"]
    await add_permission(services, viewers, ["id", "email", "first_name", "role"], None)
    await add_permission(services, viewers, ["last_name", "location", "title"], OWN)
    await add_permission(services, viewers, ["id", "name"], None, collection="directus_roles")
    await add_permission(services, None, ["id", "first_name"], None)
    # Masks on the relation itself and under it: the public sees the role of active users
    # only; Dave sees the description of his own role only.
    await add_permission(services, None, ["role"], {"status": {"_eq": "active"}})
    await add_permission(services, None, ["id", "name"], None, collection="directus_roles")
    viewers_only = {"name": {"_eq": "Viewers"}}
    await add_permission(
        services, viewers, ["description"], viewers_only, collection="directus_roles"
    )
    own_role = {"users": {"id": {"_eq": "$CURRENT_USER"}}}
    await add_permission(services, viewers, ["icon"], own_role, collection="directus_roles")


async def _answers(app: Starlette, token: str | None, seeded: Seeded) -> list[dict[str, Any]]:
    answers = []
    async with app_client(app) as client:
        for document in DOCUMENTS:
            variables: dict[str, Any] | None = {"skip": True} if "$skip" in document else None
            if "$f" in document:
                either = [{"email": {"_contains": "a"}}, {"role": {"name": {"_eq": "Viewers"}}}]
                variables = {"f": {"_or": either}}
            if "$own" in document:
                variables = {"id": seeded.users["alice"], "own": seeded.users["dave"]}
            reply = await gql(client, document, variables, token=token)
            answers.append({"status": reply.status, "body": reply.body})
    return answers


async def test_the_direct_path_answers_as_the_general_path(
    app: Starlette, services: Services, general: Starlette
) -> None:
    seeded = await seed(services)
    await _grants(services, seeded)
    for token in (ADMIN_TOKEN, DAVE_TOKEN, None):
        direct = await _answers(app, token, seeded)
        assert direct == await _answers(general, token, seeded), token
    # Again, through the statements kept for the admin (app/services/read_plans.py).
    admin = await _answers(app, ADMIN_TOKEN, seeded)
    assert admin == await _answers(general, ADMIN_TOKEN, seeded)
    users = admin[0]["body"]["data"]["users"]
    assert len(users) == 7
    assert {user["tfa_secret"] for user in users} == {None, "**********"}
    dave = await _answers(app, DAVE_TOKEN, seeded)
    rows = dave[0]["body"]["data"]["users"]
    # Per item: Dave's own last name, nobody else's.
    assert {row["last_name"] for row in rows} == {"Davis", None}
    assert any(answer["body"].get("errors") for answer in dave)  # refused fields included
    by_id = dave[next(n for n, doc in enumerate(DOCUMENTS) if "$own" in doc)]["body"]["data"]
    assert by_id["users_by_id"]["last_name"] is None  # someone else's: masked
    assert by_id["users_by_id"]["role"]["name"] == "Editors"
    assert by_id["own"]["last_name"] == "Davis"
    descriptions = {
        (row["role"] or {}).get("name"): (row["role"] or {}).get("description")
        for row in dave[-1]["body"]["data"]["users"]
    }
    assert descriptions["Viewers"]  # his own role's
    assert descriptions["Editors"] is None  # masked on that role
    shown = [row["role"] for row in dave[-2]["body"]["data"]["users"] if row["role"]]
    icons = {role["name"]: role["icon"] for role in shown}
    assert icons == {"Viewers": "supervised_user_circle", "Editors": None, "Administrator": None}
    public = await _answers(app, None, seeded)
    first_names = DOCUMENTS.index('{ users(sort: ["id"]) { first_name role { name } } }')
    roles = [row["role"] for row in public[first_names]["body"]["data"]["users"]]
    assert None in roles  # masked where the user is not active
    assert {"name": "Editors"} in roles


async def test_an_item_in_error_answers_as_on_the_general_path(
    app: Starlette, services: Services, general: Starlette
) -> None:
    """A list item whose non-null field is null (a grant masks the public's `id` on users
    who are not active) is an error at that item: nulled where the list's items may be null
    (a role's users), bubbling up where they may not (the users list): the same answer,
    errors and their paths included, on the direct path as on the general one."""
    await seed(services)
    await add_permission(services, None, ["email", "role"], None)
    await add_permission(services, None, ["id"], {"status": {"_eq": "active"}})
    await add_permission(services, None, ["id", "name", "users"], None, collection="directus_roles")
    documents = (
        '{ users(sort: ["email"]) { id email } }',
        '{ roles(sort: ["name"]) { name users(sort: ["email"]) { email id } } }',
    )
    for document in documents:
        answers = []
        for served in (app, general):
            async with app_client(served) as client:
                reply = await gql(client, document)
            answers.append((reply.status, reply.body))
        assert answers[0] == answers[1], document
        errors = answers[0][1]["errors"]
        assert errors
        assert all(error["path"][-1] == "id" for error in errors)
    roles = answers[0][1]["data"]["roles"]
    viewers = next(role for role in roles if role["name"] == "Viewers")
    assert None in viewers["users"]  # Carol (suspended) and Frank (archived): nulled items
    shown = [user["email"] for user in viewers["users"] if user is not None]
    assert shown == ["dave@sample.net"]  # the active one


def test_the_general_path_is_the_traced_one(app: Starlette, general: Starlette) -> None:
    """What the equivalence above compares: the served view reads ahead, the traced one
    does not."""

    def views(app: Starlette) -> list[bool]:
        handlers = [getattr(route, "app", None) for route in app.routes]
        return [view.read_ahead for view in handlers if isinstance(view, DirectusGraphQL)]

    served, traced = views(app), views(general)
    assert served
    assert all(served)
    assert traced
    assert not any(traced)


def test_plain_fields_are_leaves_and_argument_less_resolvers_calls() -> None:
    """What the equivalence above covers: `email` is planned as a Leaf, `role` as a Call,
    `role(filter: …)` and `__typename` are left to graphql-core."""
    users = schema_for(DocumentLimits())._schema.get_type("directus_users")
    assert isinstance(users, GraphQLObjectType)

    def details(name: str, *arguments: ArgumentNode) -> list[FieldDetails]:
        return [FieldDetails(FieldNode(name=NameNode(value=name), arguments=arguments), None)]

    filtered = ArgumentNode(name=NameNode(value="filter"), value=NullValueNode())
    fields = {
        "email": details("email"),
        "role": details("role"),
        "filtered": details("role", filtered),
        "__typename": details("__typename"),
    }
    kinds = {name: type(direct) for name, _, direct in plan_of(users, fields)}
    query = schema_for(DocumentLimits())._schema.query_type
    assert query is not None
    limited = ArgumentNode(name=NameNode(value="limit"), value=NullValueNode())
    [(_, _, listed)] = plan_of(query, {"users": details("users", limited)})
    assert isinstance(listed, Call)
    assert listed.raw  # its arguments as graphql-core coerced them
    assert listed.by is None
    [(_, _, role)] = plan_of(users, {"role": details("role")})
    assert isinstance(role, Call)
    assert role.by == "role_id"  # completed once per distinct role of a list
    assert kinds == {
        "email": Leaf,
        "role": Call,
        "filtered": type(None),
        "__typename": type(None),
    }


def test_each_subscription_event_completes_its_own_answers() -> None:
    """Answers completed once per distinct value (`answers_by`) are an event's own: the next
    event of a subscription reads its rows under its caller's permissions then."""
    schema = schema_for(DocumentLimits())._schema
    document = parse("subscription { directus_users_mutated { data { role { name } } } }")
    executor = AcyclicExecutionContext.build(schema, document)
    assert isinstance(executor, AcyclicExecutionContext)
    executor._answers[(1, "role")] = ([], None, {"name": "Editors"})
    event = executor.build_per_event_executor({"directus_users_mutated": None})
    assert event._answers == {}
    assert executor._answers == {(1, "role"): ([], None, {"name": "Editors"})}


def test_an_answer_is_reused_only_for_the_caller_it_was_completed_for() -> None:
    """A socket's caller may change mid-operation (re-authenticated): rows completed after
    that are answered for the new caller, not given the old caller's answer."""
    schema = schema_for(DocumentLimits())._schema
    users = schema.get_type("directus_users")
    assert isinstance(users, GraphQLObjectType)
    context = SimpleNamespace(known_access=object())
    executor = AcyclicExecutionContext.build(
        schema, parse("{ users { role { name } } }"), context_value=context
    )
    assert isinstance(executor, AcyclicExecutionContext)
    calls: list[str] = []

    def role(source: SimpleNamespace, info: Any) -> None:
        calls.append(source.role_id)
        if source.role_id == "switching":
            context.known_access = object()  # re-authenticated while answering

    field = users.fields["role"].extensions["strawberry-definition"]
    call = Call(role, "info", field, by="role_id")
    details = [FieldDetails(FieldNode(name=NameNode(value="role")), None)]

    def answer(role_id: str) -> Any:
        source = SimpleNamespace(role_id=role_id)
        return executor._answer_of(users, source, details, Path(None, 0, None), call)

    answer("editors")
    answer("editors")
    assert calls == ["editors"]  # the second row got the first one's answer
    context.known_access = object()
    answer("editors")
    assert calls == ["editors", "editors"]  # a new caller: answered again
    answer("switching")
    answer("switching")
    assert calls == ["editors", "editors", "switching", "switching"]  # not for the new one
