"""Validation cached by shape: documents that differ only in literals share the verdict of
the rules that never read a literal, and the rules that do still judge every document."""

from __future__ import annotations

import pytest
from graphql import GraphQLSchema, parse, specified_rules
from graphql.validation import ASTValidationRule

from resolvers.engine.extensions import DocumentLimits, SensitiveOnceRule
from resolvers.engine.validation import ShapeValidator, document_shape
from resolvers.schema import build_schema

RULES: tuple[type[ASTValidationRule], ...] = (*specified_rules, SensitiveOnceRule)


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_schema(DocumentLimits())._schema


def _check(validator: ShapeValidator, schema: GraphQLSchema, query: str) -> list[str]:
    return [error.message for error in validator.validate(schema, query, parse(query), RULES)]


def test_shape_blanks_literals_by_kind_and_keeps_names() -> None:
    query = (
        'query Q($a: Int = 3) { users(filter: {email: {_eq: "a@b.c"}}, limit: 25, '
        'sort: ["email", """x"""]) @include(if: true) { id } x: users_by_id(id: "7") '
        "{ status } }"
    )
    shape = document_shape(query, parse(query))
    assert shape == (
        "query Q($a: Int = \x00i) { users(filter: {email: {_eq: \x00s}}, limit: \x00i, "
        "sort: [\x00s, \x00s]) @include(if: true) { id } x: users_by_id(id: \x00s) "
        "{ status } }"
    )
    other = query.replace("a@b.c", "someone.else@example.com").replace("25", "1000")
    assert document_shape(other, parse(other)) == shape
    assert document_shape("{ users_me { id } }", parse("{ users_me { id } }")) == (
        "{ users_me { id } }"
    )
    floats = "{ users(filter: {id: {_eq: 1.5}}) { id } }"
    assert "\x00f" in (document_shape(floats, parse(floats)) or "")


def test_a_cached_shape_still_checks_literal_values(schema: GraphQLSchema) -> None:
    validator = ShapeValidator(literal_free_rules=[SensitiveOnceRule], maxsize=16)
    assert _check(validator, schema, "{ users(limit: 25) { id } }") == []
    # Same shape, but the literal is no Int: ValuesOfCorrectType still runs.
    errors = _check(validator, schema, "{ users(limit: 99999999999) { id } }")
    assert len(errors) == 1
    assert "Int cannot represent non 32-bit signed integer value" in errors[0]


def test_a_cached_shape_still_checks_field_merging(schema: GraphQLSchema) -> None:
    validator = ShapeValidator(literal_free_rules=[SensitiveOnceRule], maxsize=16)
    same = '{ a: users_by_id(id: "1") { id } a: users_by_id(id: "1") { id } }'
    assert _check(validator, schema, same) == []
    conflicting = '{ a: users_by_id(id: "1") { id } a: users_by_id(id: "2") { id } }'
    errors = _check(validator, schema, conflicting)
    assert len(errors) == 1
    assert "have differing arguments" in errors[0]


def test_literal_free_rules_are_judged_per_shape(schema: GraphQLSchema) -> None:
    validator = ShapeValidator(literal_free_rules=[SensitiveOnceRule], maxsize=16)
    twice = (
        'mutation { a: auth_refresh(refresh_token: "x", mode: json) { expires } '
        'b: auth_refresh(refresh_token: "y", mode: json) { expires } }'
    )
    assert _check(validator, schema, twice) == ['"auth_refresh" can only be used once per request']
    again = twice.replace('"x"', '"z"')
    assert _check(validator, schema, again) == ['"auth_refresh" can only be used once per request']
    single = 'mutation { auth_refresh(refresh_token: "1", mode: json) { expires } }'
    assert _check(validator, schema, single) == []
    assert _check(validator, schema, single.replace('"1"', '"2"')) == []
    unknown = 'mutation { auth_refresh(refresh_token: "3", mode: json) { nope } }'
    assert len(_check(validator, schema, unknown)) == 1


def test_documents_without_literals_are_cached_whole(schema: GraphQLSchema) -> None:
    validator = ShapeValidator(literal_free_rules=[], maxsize=2)
    query = "{ users_me { nope } }"
    document = parse(query)
    first = validator.validate(schema, query, document, RULES)
    assert len(first) == 1
    assert validator.validate(schema, query, document, RULES) is first
    # Bounded: two newer documents push it out.
    for other in ("{ users_me { id } }", "{ users_me { email } }"):
        validator.validate(schema, other, parse(other), RULES)
    assert validator.validate(schema, query, document, RULES) is not first


def test_unknown_rules_run_on_every_document(schema: GraphQLSchema) -> None:
    seen: list[str] = []

    class Counting(ASTValidationRule):
        def enter_document(self, *_: object) -> None:
            seen.append("document")

    validator = ShapeValidator(literal_free_rules=[], maxsize=16)
    for token in ("a", "b", "c"):
        query = f'mutation {{ auth_refresh(refresh_token: "{token}", mode: json) {{ expires }} }}'
        assert validator.validate(schema, query, parse(query), (*RULES, Counting)) == []
    assert seen == ["document"] * 3
