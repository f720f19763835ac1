"""Property-based: hostile filters, search strings and JSON values never make a 5xx, an
uncoded error or INTERNAL_SERVER_ERROR, on either database.

Hypothesis builds filters from the collections' own fields and kinds (operators per kind,
`_and`/`_or` nesting, relations through `role` and `role.users`, `_func`), with values
that break naive code: lone surrogates, NUL, 60,000-character strings, `$NOW(±huge)`,
dates at the ends of the calendar, integers past int64, NaN and infinities, deep JSON.
They go through `users(filter:)`, `users_aggregated(filter:)` and `update_users_me`'s
`tags`, as the admin. The run is bounded (FILTER_FUZZ_MAX_EXAMPLES, default 150 per
database); for a longer hunt::

    FILTER_FUZZ_MAX_EXAMPLES=5000 .venv/bin/pytest tests/graphql/test_filter_fuzz.py -k sqlite
"""

from __future__ import annotations

import json
import os
from typing import Any, cast

import hypothesis.strategies as st
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.python import asgi

from app.clock import SettableClock
from app.collections import COLLECTIONS, ROLES, USERS, Collection, Kind
from app.config import Settings
from app.main import create_app
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.databases import run_sync
from tests.graphql.test_schemathesis import _bootstrap
from tests.leaks import leak_in

PATH = "/graphql/system"
MAX_EXAMPLES = int(os.environ.get("FILTER_FUZZ_MAX_EXAMPLES", "150"))

TEXT_OPERATORS = [
    "_eq",
    "_neq",
    "_contains",
    "_icontains",
    "_ncontains",
    "_starts_with",
    "_istarts_with",
    "_nstarts_with",
    "_ends_with",
    "_iends_with",
    "_in",
    "_nin",
    "_null",
    "_nnull",
    "_empty",
    "_nempty",
]
OPERATORS: dict[Kind, list[str]] = {
    Kind.STRING: TEXT_OPERATORS,
    Kind.ID: TEXT_OPERATORS,
    Kind.CSV: TEXT_OPERATORS,
    Kind.DATE: [
        "_eq",
        "_neq",
        "_gt",
        "_gte",
        "_lt",
        "_lte",
        "_in",
        "_nin",
        "_between",
        "_nbetween",
        "_null",
        "_nnull",
    ],
    Kind.NUMBER: ["_eq", "_neq", "_gt", "_gte", "_lt", "_lte", "_in", "_nin", "_between"],
    Kind.BOOLEAN: ["_eq", "_neq", "_null", "_nnull"],
    Kind.HASH: ["_null", "_nnull", "_empty", "_nempty"],
    Kind.JSON: ["_null", "_nnull"],
}
LIST_OPERATORS = {"_in", "_nin", "_between", "_nbetween"}

odd_text = st.one_of(
    st.text(max_size=12),
    st.text(alphabet=st.sampled_from(["a", "%", "_", "\\", "\x00", "\ud800", "\udfff", "é"])),
    st.sampled_from(["\ud800", "a\x00b", "a" * 60_000, "%_" * 26_000, "$CURRENT_USER"]),
    st.builds(
        "$NOW({}{} {})".format,
        st.sampled_from(["", "+", "-"]),
        st.one_of(st.integers(0, 10**15), st.just(10**40)),
        st.sampled_from(["year", "years", "month", "day", "hours", "week", "seconds"]),
    ),
    st.sampled_from(
        [
            "0001-01-01T00:00:00+05:00",
            "9999-12-31T23:59:59-05:00",
            "0001-01-01",
            "9999-12-31T23:59:59.999999Z",
            "2026-02-30",
            "1e400",
            "nan",
            "-inf",
        ]
    ),
)
odd_number = st.one_of(
    st.integers(),
    st.sampled_from([2**31, 2**63, -(2**63) - 1, 2**70, 10**300]),
    st.floats(allow_nan=True, allow_infinity=True),
)
scalar = st.one_of(odd_text, odd_number, st.booleans(), st.none())


def json_values() -> st.SearchStrategy[Any]:
    tree = st.recursive(
        scalar,
        lambda children: st.one_of(
            st.lists(children, max_size=4), st.dictionaries(odd_text, children, max_size=3)
        ),
        max_leaves=12,
    )
    deep = st.integers(60, 70).map(lambda depth: json.loads("[" * depth + "1" + "]" * depth))
    return st.one_of(tree, deep)


def operators(kind: Kind) -> st.SearchStrategy[dict[str, Any]]:
    def value_for(operator: str) -> st.SearchStrategy[Any]:
        if operator in LIST_OPERATORS:
            return st.one_of(
                st.lists(scalar, max_size=4),
                st.integers(0, 12_000).map(lambda n: [f"x{i}" for i in range(n)]),
            )
        return scalar

    return st.sampled_from(OPERATORS[kind]).flatmap(
        lambda operator: value_for(operator).map(lambda value: {operator: value})
    )


def field_filter(collection: Collection, depth: int) -> st.SearchStrategy[dict[str, Any]]:
    plain = st.sampled_from(sorted(collection.fields)).flatmap(
        lambda name: operators(collection.fields[name]).map(lambda ops: {name: ops})
    )
    choices = [plain]
    if collection is USERS:
        choices.append(
            st.sampled_from(["year", "month", "day", "hour", "weekday"]).flatmap(
                lambda part: operators(Kind.NUMBER).map(
                    lambda ops: {"last_access_func": {part: ops}}
                )
            )
        )
        choices.append(operators(Kind.NUMBER).map(lambda ops: {"tags_func": {"count": ops}}))
    if depth > 0:
        for name, relation in collection.relations.items():
            target = COLLECTIONS[relation.target]
            if relation.target not in (USERS.name, ROLES.name):
                continue
            choices.extend(_relational(name, relation.many, filters(target, depth - 1)))
    return st.one_of(choices)


def _relational(
    name: str, many: bool, inner: st.SearchStrategy[dict[str, Any]]
) -> list[st.SearchStrategy[dict[str, Any]]]:
    """`role: {…}` (m2o); `users: {_some | _none: {…}}` and `users_func: {count}` (o2m)."""
    if not many:
        return [inner.map(lambda node: {name: node})]
    quantified = st.tuples(st.sampled_from(["_some", "_none"]), inner).map(
        lambda pair: {name: {pair[0]: pair[1]}}
    )
    counted = operators(Kind.NUMBER).map(lambda ops: {f"{name}_func": {"count": ops}})
    return [quantified, counted]


def filters(collection: Collection, depth: int = 3) -> st.SearchStrategy[dict[str, Any]]:
    leaf = field_filter(collection, depth)
    if depth == 0:
        return leaf
    logical = st.tuples(
        st.sampled_from(["_and", "_or"]),
        st.one_of(
            st.lists(filters(collection, depth - 1), max_size=3),
            st.integers(300, 1200).map(lambda n: [{"email": {"_eq": f"x{i}"}} for i in range(n)]),
        ),
    ).map(lambda pair: {pair[0]: pair[1]})
    return st.one_of(leaf, logical)


USERS_QUERY = """query($f: directus_users_filter, $s: String) {
  users(filter: $f, search: $s) { id }
}"""
AGGREGATED = """query($f: directus_users_filter) {
  users_aggregated(filter: $f) { countAll count { id } }
}"""
TAGS = "mutation($t: JSON) { update_users_me(data: {tags: $t}) { id tags } }"

requests = st.one_of(
    st.tuples(st.just(USERS_QUERY), filters(USERS).map(lambda f: {"f": f})),
    st.tuples(st.just(USERS_QUERY), odd_text.map(lambda s: {"s": s})),
    st.tuples(st.just(AGGREGATED), filters(USERS).map(lambda f: {"f": f})),
    st.tuples(st.just(TAGS), json_values().map(lambda t: {"t": t})),
)


def _check(sent: str, status: int, text: str) -> None:
    assert status < 500, f"{status} for {sent[:2000]}\n{text[:2000]}"
    leak = leak_in(text)
    assert leak is None, f"leaks {leak!r} for {sent[:2000]}\n{text[:2000]}"
    body = json.loads(text)
    assert isinstance(body, dict), text[:2000]
    for error in body.get("errors") or []:
        code = error.get("extensions", {}).get("code")
        assert isinstance(code, str), f"uncoded error for {sent[:2000]}\n{text[:2000]}"
        assert code, f"empty code for {sent[:2000]}\n{text[:2000]}"
        assert code != "INTERNAL_SERVER_ERROR", f"for {sent[:2000]}\n{text[:2000]}"


def test_fuzzed_filters_and_values_get_only_coded_answers(
    settings: Settings, clock: SettableClock
) -> None:
    run_sync(_bootstrap(settings))
    application = create_app(settings, clock)
    try:
        _fuzz(application)
    finally:
        asgi.shutdown_lifespans()


def _fuzz(application: Any) -> None:
    """Schemathesis's ASGI client (as test_schemathesis): the app in a loop of its own."""
    with asgi.get_client(cast("asgi.ASGIApp", application)) as http:
        login = http.post(
            PATH,
            json={
                "query": "mutation($e: String!, $p: String!) "
                "{ auth_login(email: $e, password: $p) { access_token } }",
                "variables": {"e": ADMIN_EMAIL, "p": ADMIN_PASSWORD},
            },
        )
        headers = {
            "Authorization": f"Bearer {login.json()['data']['auth_login']['access_token']}",
            "content-type": "application/json",
        }

        @hypothesis_settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.filter_too_much,
                HealthCheck.data_too_large,
                HealthCheck.large_base_example,
            ],
        )
        @given(request=requests)
        def fuzz(request: tuple[str, dict[str, Any]]) -> None:
            query, variables = request
            sent = json.dumps({"query": query, "variables": variables})
            response = http.post(PATH, data=sent.encode(), headers=headers)
            _check(sent, response.status_code, response.text)

        fuzz()
