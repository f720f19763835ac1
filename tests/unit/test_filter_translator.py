"""The filter translator (Directus filter JSON → a WHERE clause), without HTTP or a server.

The clauses run on an in-memory SQLite database set up as the app sets up its own (same
pragmas: LIKE is case-sensitive), with a handful of rows; and they compile for
PostgreSQL, which needs no server. The HTTP tests drive the same translator end to end.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Dialect, Engine, create_engine, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.pool import StaticPool
from sqlmodel import SQLModel

from app.accountability import Accountability
from app.collections import FILES, ROLES, USERS, Collection
from app.db.engine import SQLITE_PRAGMAS
from app.db.models import PUBLIC_POLICY_ID, Permission, Policy, PolicyAccess, new_id
from app.db.query.filters import filter_clause
from app.db.query.values import FilterVariables
from app.db.sqlite_inline import open_connection
from app.errors import ForbiddenError, InvalidQueryError
from app.permissions.access import Access

EDITORS, ADMINS, EMPTY = "role-editors", "role-admins", "role-empty"
ADA, BOB, CAROL, DAN = "user-ada", "user-bob", "user-carol", "user-dan"
NOW = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
VARIABLES = FilterVariables(user=ADA, role=EDITORS, now=NOW)
PG: Dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
SQLITE: Dialect = sqlite.dialect()

ROLE_ROWS: list[dict[str, Any]] = [
    {"id": EDITORS, "name": "Editors", "ip_access": ["10.0.0.0/8"], "admin_access": False},
    {"id": ADMINS, "name": "Admins", "ip_access": None, "admin_access": True},
    {"id": EMPTY, "name": "Nobody", "ip_access": None, "admin_access": False},
]
USER_ROWS: list[dict[str, Any]] = [
    {
        "id": ADA,
        "email": "ada@example.com",
        "first_name": "Ada",
        "title": "Engineer",
        "password": "$argon2id$hash",
        "role": EDITORS,
        "tags": ["math", "engines"],
        "last_access": datetime(2024, 3, 5, 10, 0, tzinfo=UTC),
        "email_notifications": True,
    },
    {
        "id": BOB,
        "email": "bob@example.com",
        "first_name": "Bob",
        "title": "",
        "password": None,
        "role": ADMINS,
        "tags": [],
        "last_access": datetime(2025, 1, 10, 8, 0, tzinfo=UTC),
        "email_notifications": False,
    },
    {
        "id": CAROL,
        "email": "carol@Example.org",
        "first_name": "carol",
        "title": None,
        "password": None,
        "role": None,
        "tags": None,
        "last_access": None,
        "status": "suspended",
    },
    {
        "id": DAN,
        "email": "dan@example.com",
        "first_name": "50%_off",
        "title": "Sales",
        "password": "$argon2id$other",
        "role": EDITORS,
        "tags": {"not": "a list"},
        "last_access": datetime(2023, 12, 31, 23, 0, tzinfo=UTC),
    },
]


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    engine = create_engine(
        "sqlite+pysqlite://",
        creator=lambda: open_connection(":memory:", SQLITE_PRAGMAS),
        poolclass=StaticPool,
    )
    tables = [
        SQLModel.metadata.tables[name]
        for name in (
            "directus_files",
            "directus_roles",
            "directus_users",
            "directus_policies",
            "directus_access",
        )
    ]
    SQLModel.metadata.create_all(engine, tables=tables)
    with engine.begin() as connection:
        # Each role's flags on its own policy (with the role's id), attached to it.
        connection.execute(
            insert(ROLES.model), [{"id": row["id"], "name": row["name"]} for row in ROLE_ROWS]
        )
        connection.execute(insert(Policy), ROLE_ROWS)
        connection.execute(
            insert(PolicyAccess),
            [{"id": new_id(), "role": row["id"], "policy": row["id"]} for row in ROLE_ROWS],
        )
        for row in USER_ROWS:
            connection.execute(insert(USERS.model).values(**row))
    yield engine
    engine.dispose()


def matching(
    engine: Engine,
    node: Mapping[str, Any] | None,
    collection: Collection = USERS,
    variables: FilterVariables = VARIABLES,
    scope: Access | None = None,
) -> set[str]:
    """The ids of the rows `node` matches."""
    where = filter_clause(collection, node, variables, scope=scope)
    with engine.connect() as connection:
        rows = connection.execute(select(collection.column("id")).where(where))
        return {str(row[0]) for row in rows}


EVERYONE = {ADA, BOB, CAROL, DAN}


# Operators on plain fields ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (None, EVERYONE),
        ({}, EVERYONE),
        ({"first_name": {"_eq": "Ada"}}, {ADA}),
        ({"first_name": {"_eq": "ada"}}, set()),
        ({"title": {"_eq": None}}, {CAROL}),
        ({"title": {"_neq": "Engineer"}}, {BOB, DAN}),  # SQL: NULL is not unequal
        ({"title": {"_neq": None}}, {ADA, BOB, DAN}),
        ({"first_name": {"_in": ["Ada", "Bob", "nobody"]}}, {ADA, BOB}),
        ({"first_name": {"_in": []}}, set()),
        ({"first_name": {"_nin": ["Ada", "Bob"]}}, {CAROL, DAN}),
        ({"first_name": {"_nin": []}}, EVERYONE),
        ({"email": {"_contains": "example.com"}}, {ADA, BOB, DAN}),
        ({"email": {"_contains": "EXAMPLE"}}, set()),  # case-sensitive, as Directus
        ({"email": {"_icontains": "EXAMPLE"}}, EVERYONE),
        ({"email": {"_ncontains": "example.com"}}, {CAROL}),
        ({"email": {"_nicontains": "EXAMPLE.ORG"}}, {ADA, BOB, DAN}),
        ({"first_name": {"_starts_with": "c"}}, {CAROL}),
        ({"first_name": {"_istarts_with": "A"}}, {ADA}),
        ({"first_name": {"_nstarts_with": "A"}}, {BOB, CAROL, DAN}),
        ({"email": {"_ends_with": ".org"}}, {CAROL}),
        ({"email": {"_iends_with": "@EXAMPLE.ORG"}}, {CAROL}),
        ({"email": {"_niends_with": ".COM"}}, {CAROL}),
        ({"email": {"_nends_with": ".com"}}, {CAROL}),
        # LIKE wildcards in the value are literal characters.
        ({"first_name": {"_contains": "%"}}, {DAN}),
        ({"first_name": {"_contains": "_"}}, {DAN}),
        ({"first_name": {"_starts_with": "%"}}, set()),
        ({"title": {"_null": True}}, {CAROL}),
        ({"title": {"_nnull": True}}, {ADA, BOB, DAN}),
        ({"title": {"_null": False}}, {ADA, BOB, DAN}),
        ({"title": {"_null": "true"}}, {CAROL}),  # REST query strings carry text
        ({"title": {"_empty": True}}, {BOB, CAROL}),  # "" is empty text
        ({"title": {"_nempty": True}}, {ADA, DAN}),
        ({"title": {"_empty": "0"}}, {ADA, DAN}),
        ({"first_name": {"_gt": "a"}}, {CAROL}),
        ({"first_name": {"_gte": "Bob", "_lt": "a"}}, {BOB}),
        ({"email_notifications": {"_eq": True}}, {ADA, CAROL, DAN}),  # the column's default
        ({"email_notifications": {"_eq": "false"}}, {BOB}),
        ({"email_notifications": {"_eq": 0}}, {BOB}),
    ],
)
def test_field_operators(engine: Engine, node: dict[str, Any] | None, expected: set[str]) -> None:
    assert matching(engine, node) == expected


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ({"last_access": {"_lt": "2024-01-01T00:00:00Z"}}, {DAN}),
        ({"last_access": {"_gte": "2024-03-05T10:00:00"}}, {ADA, BOB}),
        # An offset is read into UTC: 11:00+01:00 is 10:00 UTC.
        ({"last_access": {"_eq": "2024-03-05T11:00:00+01:00"}}, {ADA}),
        ({"last_access": {"_between": ["2024-01-01", "2024-12-31"]}}, {ADA}),
        ({"last_access": {"_nbetween": ["2024-01-01", "2024-12-31"]}}, {BOB, DAN}),
        ({"last_access": {"_null": True}}, {CAROL}),
    ],
)
def test_dates(engine: Engine, node: dict[str, Any], expected: set[str]) -> None:
    assert matching(engine, node) == expected


def test_hash_fields_answer_only_whether_they_are_set(engine: Engine) -> None:
    assert matching(engine, {"password": {"_null": True}}) == {BOB, CAROL}
    assert matching(engine, {"password": {"_nempty": True}}) == {ADA, DAN}
    with pytest.raises(InvalidQueryError, match="can only be filtered with _null"):
        matching(engine, {"password": {"_eq": "$argon2id$hash"}})
    with pytest.raises(InvalidQueryError, match="can only be filtered with _null"):
        matching(engine, {"password": {"_starts_with": "$argon2id"}})


def test_json_fields_answer_only_null(engine: Engine) -> None:
    assert matching(engine, {"tags": {"_null": True}}) == {CAROL}
    assert matching(engine, {"tags": {"_nnull": True}}) == {ADA, BOB, DAN}
    with pytest.raises(InvalidQueryError, match="_null or _nnull"):
        matching(engine, {"tags": {"_eq": "math"}})


def test_a_csv_field_compares_as_its_text(engine: Engine) -> None:
    assert matching(engine, {"ip_access": {"_contains": "10.0.0.0"}}, ROLES) == {EDITORS}
    assert matching(engine, {"ip_access": {"_null": True}}, ROLES) == {ADMINS, EMPTY}


# _and / _or ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ({"_and": [{"role": {"_eq": EDITORS}}, {"title": {"_eq": "Sales"}}]}, {DAN}),
        ({"_or": [{"first_name": {"_eq": "Ada"}}, {"title": {"_null": True}}]}, {ADA, CAROL}),
        ({"_and": []}, EVERYONE),
        ({"_or": []}, EVERYONE),
        (
            {
                "_or": [
                    {"_and": [{"role": {"_eq": EDITORS}}, {"title": {"_eq": "Engineer"}}]},
                    {"email": {"_ends_with": ".org"}},
                ]
            },
            {ADA, CAROL},
        ),
        # Several keys in one object are all required.
        ({"role": {"_eq": EDITORS}, "first_name": {"_eq": "Ada"}}, {ADA}),
        ({"first_name": {"_gte": "A", "_lt": "B"}}, {ADA}),
    ],
)
def test_logical_operators(engine: Engine, node: dict[str, Any], expected: set[str]) -> None:
    assert matching(engine, node) == expected


# Relations -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        # m2o: operators apply to the foreign key; fields filter the related row.
        ({"role": {"_eq": ADMINS}}, {BOB}),
        ({"role": {"_null": True}}, {CAROL}),
        ({"role": {"_in": [ADMINS, EDITORS]}}, {ADA, BOB, DAN}),
        ({"role": {"name": {"_eq": "Editors"}}}, {ADA, DAN}),
        ({"role": {"admin_access": {"_eq": True}}}, {BOB}),
        # LEFT JOIN semantics: a user without a role matches an all-null role.
        ({"role": {"id": {"_null": True}}}, {CAROL}),
        ({"role": {"name": {"_null": True}}}, {CAROL}),
        ({"role": {"_or": [{"name": {"_eq": "Admins"}}, {"id": {"_null": True}}]}}, {BOB, CAROL}),
    ],
)
def test_many_to_one(engine: Engine, node: dict[str, Any], expected: set[str]) -> None:
    assert matching(engine, node) == expected


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ({"users": {"_some": {"first_name": {"_eq": "Ada"}}}}, {EDITORS}),
        ({"users": {"first_name": {"_eq": "Ada"}}}, {EDITORS}),  # _some is implied
        ({"users": {"_none": {"first_name": {"_eq": "Ada"}}}}, {ADMINS, EMPTY}),
        ({"users": {"_some": {}}}, {EDITORS, ADMINS}),
        ({"users": {"_none": {}}}, {EMPTY}),
        ({"users": {"_some": {"role": {"admin_access": {"_eq": True}}}}}, {ADMINS}),
    ],
)
def test_one_to_many(engine: Engine, node: dict[str, Any], expected: set[str]) -> None:
    assert matching(engine, node, ROLES) == expected


# Functions and variables ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("node", "collection", "expected"),
    [
        ({"last_access_func": {"year": {"_eq": 2024}}}, USERS, {ADA}),
        ({"last_access_func": {"year": {"_lt": 2025}, "month": {"_eq": 12}}}, USERS, {DAN}),
        ({"last_access_func": {"day": {"_eq": 5}}}, USERS, {ADA}),
        ({"last_access_func": {"hour": {"_gte": 10}}}, USERS, {ADA, DAN}),
        ({"tags_func": {"count": {"_eq": 2}}}, USERS, {ADA}),
        ({"tags_func": {"count": {"_eq": 0}}}, USERS, {BOB}),
        ({"tags_func": {"count": {"_null": True}}}, USERS, {CAROL, DAN}),  # not an array
        ({"users_func": {"count": {"_eq": 2}}}, ROLES, {EDITORS}),
        ({"users_func": {"count": {"_lt": 1}}}, ROLES, {EMPTY}),
    ],
)
def test_functions(
    engine: Engine, node: dict[str, Any], collection: Collection, expected: set[str]
) -> None:
    assert matching(engine, node, collection) == expected


@pytest.mark.parametrize(
    ("node", "collection", "expected"),
    [
        ({"id": {"_eq": "$CURRENT_USER"}}, USERS, {ADA}),
        ({"id": {"_neq": "$CURRENT_USER"}}, USERS, {BOB, CAROL, DAN}),
        ({"role": {"_eq": "$CURRENT_ROLE"}}, USERS, {ADA, DAN}),
        ({"id": {"_in": ["$CURRENT_USER", BOB]}}, USERS, {ADA, BOB}),
        ({"id": {"_eq": "$CURRENT_ROLE"}}, ROLES, {EDITORS}),
        ({"last_access": {"_gt": "$NOW(-7 days)"}}, USERS, {BOB}),
        ({"last_access": {"_lt": "$NOW(-1 year)"}}, USERS, {DAN}),
        ({"last_access": {"_between": ["$NOW(-1 years)", "$NOW"]}}, USERS, {ADA, BOB}),
        ({"last_access": {"_lt": "$NOW"}}, USERS, {ADA, BOB, DAN}),
    ],
)
def test_variables(
    engine: Engine, node: dict[str, Any], collection: Collection, expected: set[str]
) -> None:
    assert matching(engine, node, collection) == expected


def test_an_anonymous_current_user_matches_no_id(engine: Engine) -> None:
    anonymous = FilterVariables(user=None, role=None, now=NOW)
    assert matching(engine, {"id": {"_eq": "$CURRENT_USER"}}, variables=anonymous) == set()
    assert matching(engine, {"role": {"_eq": "$CURRENT_ROLE"}}, variables=anonymous) == {CAROL}


# Refused input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("node", "reason"),
    [
        ({"email": {"_like": "x"}}, 'Unknown filter operator "_like"'),
        ({"email": {"eq": "x"}}, 'Unknown filter operator "eq" on "email"'),
        ({"email": "x"}, 'Filter on "email" must be an object of operators'),
        ({"email": {}}, 'Filter on "email" must be an object of operators'),
        ({"_and": {"email": {"_eq": "x"}}}, '"_and" takes a list of filters'),
        ({"_or": ["x"]}, "A filter must be an object"),
        ({"email": {"_in": "x"}}, '"_in" takes a list'),
        ({"last_access": {"_between": ["2024-01-01"]}}, '"_between" takes a list of two'),
        ({"email": {"_gt": None}}, '"_gt" needs a value'),
        ({"email": {"_contains": None}}, '"_contains" needs a value'),
        ({"title": {"_null": "maybe"}}, '"_null" takes true or false'),
        ({"last_access": {"_eq": "yesterday"}}, "is not valid for field"),
        ({"email_notifications": {"_eq": "yes"}}, "is not valid for field"),
        ({"last_access": {"_gt": "$NOW(+100000 years)"}}, "out of the range of dates"),
        ({"role": "x"}, 'Filter on "role" must be an object'),
        ({"email_func": {"year": {"_eq": 1}}}, 'Function "year" does not apply to "email"'),
        ({"tags_func": {"year": {"_eq": 1}}}, 'Function "year" does not apply to "tags"'),
        ({"tags_func": 2}, 'Function field "tags_func" takes an object of functions'),
    ],
)
def test_invalid_filters_are_invalid_query(engine: Engine, node: Any, reason: str) -> None:
    with pytest.raises(InvalidQueryError) as raised:
        matching(engine, node)
    assert reason in raised.value.message


@pytest.mark.parametrize(
    ("node", "field", "collection"),
    [
        ({"nickname": {"_eq": "x"}}, "nickname", "directus_users"),
        ({"nickname_func": {"count": {"_eq": 1}}}, "nickname", "directus_users"),
        ({"role": {"nickname": {"_eq": "x"}}}, "nickname", "directus_roles"),
    ],
)
def test_unknown_filter_fields_are_forbidden(
    engine: Engine, node: Any, field: str, collection: str
) -> None:
    """As Directus: a field that does not exist looks like one the caller may not read,
    named with the collection it was looked up in."""
    with pytest.raises(ForbiddenError) as raised:
        matching(engine, node)
    assert raised.value.message == (
        f'You don\'t have permission to access field "{field}" in collection "{collection}" '
        "or it does not exist."
    )


@pytest.mark.parametrize(
    ("node", "reason"),
    [
        ({"filesize": {"_eq": True}}, "is not valid for field"),
        ({"filesize": {"_eq": "NaN"}}, "is not valid for field"),
        ({"filesize": {"_gt": 2**63}}, "out of range"),
        ({"width": {"_eq": 2**31}}, "out of range"),  # 32-bit column on PostgreSQL
    ],
)
def test_numbers_out_of_range_are_invalid_query(node: dict[str, Any], reason: str) -> None:
    with pytest.raises(InvalidQueryError) as raised:
        filter_clause(FILES, node, VARIABLES)
    assert reason in raised.value.message


# A caller's own filter reaches only what it may read ----------------------------------------


def _access(accountability: Accountability, *rows: Permission) -> Access:
    return Access(accountability, rows)


def test_a_scoped_relation_filter_reaches_only_readable_related_rows(engine: Engine) -> None:
    # An app user reads only its own role (Directus's minimal defaults).
    app_user = _access(Accountability(user=ADA, role=EDITORS, app=True))
    node = {"role": {"name": {"_in": ["Admins", "Editors"]}}}
    assert matching(engine, node) == {ADA, BOB, DAN}
    assert matching(engine, node, scope=app_user) == {ADA, DAN}


def test_an_admin_scope_reaches_every_related_row(engine: Engine) -> None:
    admin = _access(Accountability(user=BOB, role=ADMINS, admin=True, app=True))
    assert matching(engine, {"role": {"name": {"_eq": "Admins"}}}, scope=admin) == {BOB}


def test_a_scoped_filter_on_an_unreadable_related_collection_is_forbidden(
    engine: Engine,
) -> None:
    public = _access(
        Accountability(),
        Permission(
            policy=PUBLIC_POLICY_ID, collection="directus_users", action="read", fields=["*"]
        ),
    )
    with pytest.raises(ForbiddenError):
        matching(engine, {"role": {"name": {"_eq": "Admins"}}}, scope=public)
    # The foreign key itself is the caller's own field: no related row is read.
    assert matching(engine, {"role": {"_eq": ADMINS}}, scope=public) == {BOB}


def test_a_scoped_filter_on_an_unreadable_related_field_is_forbidden(engine: Engine) -> None:
    editor = _access(
        Accountability(user=ADA, role=EDITORS),
        Permission(policy=EDITORS, collection="directus_users", action="read", fields=["*"]),
        Permission(policy=EDITORS, collection="directus_roles", action="read", fields=["id"]),
    )
    assert matching(engine, {"role": {"id": {"_eq": ADMINS}}}, scope=editor) == {BOB}
    with pytest.raises(ForbiddenError):
        matching(engine, {"role": {"name": {"_eq": "Admins"}}}, scope=editor)


def test_a_scoped_quantifier_counts_only_readable_rows(engine: Engine) -> None:
    reader = _access(
        Accountability(user=ADA, role=EDITORS),
        Permission(policy=EDITORS, collection="directus_roles", action="read", fields=["*"]),
        Permission(
            policy=EDITORS,
            collection="directus_users",
            action="read",
            fields=["*"],
            permissions={"role": {"_eq": "$CURRENT_ROLE"}},
        ),
    )
    node = {"users": {"_some": {"first_name": {"_eq": "Bob"}}}}
    assert matching(engine, node, ROLES) == {ADMINS}
    assert matching(engine, node, ROLES, scope=reader) == set()


# PostgreSQL and SQLite compile the same filter ----------------------------------------------


def _sql(node: dict[str, Any], dialect: Dialect, collection: Collection = USERS) -> str:
    clause = filter_clause(collection, node, VARIABLES)
    return str(select(collection.column("id")).where(clause).compile(dialect=dialect))


@pytest.mark.parametrize(
    "node",
    [
        {"email": {"_icontains": "x"}},
        {"email": {"_nstarts_with": "x"}},
        {"last_access_func": {"weekday": {"_eq": 1}}},
        {"tags_func": {"count": {"_gt": 1}}},
        {"role": {"name": {"_eq": "x"}}},
        {"ip_access": {"_contains": "10."}},
        {"_or": [{"id": {"_eq": "$CURRENT_USER"}}, {"last_access": {"_gt": "$NOW(-1 day)"}}]},
    ],
)
def test_every_shape_compiles_for_both_databases(node: dict[str, Any]) -> None:
    collection = ROLES if "ip_access" in node else USERS
    for dialect in (PG, SQLITE):
        assert "WHERE" in _sql(node, dialect, collection)


def test_the_json_array_count_is_written_per_database() -> None:
    node = {"tags_func": {"count": {"_eq": 2}}}
    assert "json_typeof(" in _sql(node, PG)
    assert "json_type(" in _sql(node, SQLITE)


def test_date_parts_are_extracted_per_database() -> None:
    node = {"last_access_func": {"weekday": {"_eq": 1}}}
    assert "EXTRACT(dow FROM" in _sql(node, PG)
    assert "STRFTIME('%w'" in _sql(node, SQLITE)


def test_a_filter_is_bound_not_inlined() -> None:
    sql = _sql({"email": {"_eq": "x' OR '1'='1"}}, PG)
    assert "OR '1'" not in sql
    assert "%(email_1)s" in sql
