"""Documents built from a template of their shape: equal to what the parser builds, node
for node and location for location, and every text the template cannot vouch for goes
the normal way (parse and validate)."""

from __future__ import annotations

import pytest
from graphql import DocumentNode, GraphQLSchema, Token, parse, specified_rules, validate
from graphql.validation import ASTValidationRule
from hypothesis import given, settings
from hypothesis import strategies as st

from resolvers.engine.extensions import DocumentLimits, SensitiveOnceRule
from resolvers.engine.templates import DocumentTemplates, split_literals
from resolvers.schema import build_schema

RULES: tuple[type[ASTValidationRule], ...] = (*specified_rules, SensitiveOnceRule)
KEY = ("options", RULES)


SCHEMA = build_schema(DocumentLimits())._schema


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return SCHEMA


def _learn(templates: DocumentTemplates, schema: GraphQLSchema, query: str) -> None:
    literals = split_literals(query)
    assert literals is not None
    assert validate(schema, parse(query), RULES) == []
    templates.remember(schema, literals, {}, KEY)


def _build(templates: DocumentTemplates, query: str) -> object:
    literals = split_literals(query)
    return None if literals is None else templates.instantiate(literals, KEY)


def test_split_blanks_string_and_number_literals_with_their_length() -> None:
    literals = split_literals(
        '# a "comment"\n{ users(filter: {email: {_eq: "a@b.c"}}, limit: 25, offset: -1) '
        "{ id x1: first_name } f(v: 1.5e3) }"
    )
    assert literals is not None
    assert literals.raw == ('"a@b.c"', "25", "-1", "1.5e3")
    assert literals.shape == (
        '# a "comment"\n{ users(filter: {email: {_eq: \x00s7\x00}}, limit: \x00i2\x00, '
        "offset: \x00i2\x00) { id x1: first_name } f(v: \x00f5\x00) }"
    )
    plain = split_literals("{ users_me { id } }")
    assert plain is not None
    assert plain.spans == ()  # nothing to blank


@pytest.mark.parametrize(
    "query",
    [
        '{ f(a: """block""") }',
        r'{ f(a: "esc\"aped") }',
        '{ f(a: "unterminated) }',
        "{ f(a: 007) }",
        "{ f(a: 1.) }",
        "{ f(a: 1x) }",
        '{ f(a: "nul\x00") }',
    ],
)
def test_split_refuses_what_only_the_lexer_can_judge(query: str) -> None:
    assert split_literals(query) is None


@pytest.mark.parametrize(
    ("learned", "asked"),
    [
        (
            'mutation { auth_refresh(refresh_token: "aaaaaaaa", mode: json) { access_token } }',
            'mutation { auth_refresh(refresh_token: "bbbbbbbb", mode: json) { access_token } }',
        ),
        (
            '{ users_by_id(id: "8c2ef1d0-0000-4000-8000-000000000001") { id email } }',
            '{ users_by_id(id: "8c2ef1d0-0000-4000-8000-0000000000ff") { id email } }',
        ),
        (
            '{\n  users(filter: { email: { _eq: "a@example.com" } }, limit: 25) {\n    id\n  }\n}',
            '{\n  users(filter: { email: { _eq: "b@example.org" } }, limit: 10) {\n    id\n  }\n}',
        ),
        # A negative number right after another token: the placeholders keep the sign, or
        # `[1.5-2.5]` would become one malformed number.
        (
            "{ users(filter: {tags_func: {count: {_between: [1.5-2.5]}}}) { id } }",
            "{ users(filter: {tags_func: {count: {_between: [7.5-9.5]}}}) { id } }",
        ),
        (
            "{ users(filter: {tags_func: {count: {_between: [1-2]}}}) { id } }",
            "{ users(filter: {tags_func: {count: {_between: [3-4]}}}) { id } }",
        ),
    ],
)
def test_an_instance_equals_the_parsed_document(
    schema: GraphQLSchema, learned: str, asked: str
) -> None:
    templates = DocumentTemplates(maxsize=8)
    _learn(templates, schema, learned)
    built = _build(templates, asked)
    parsed = parse(asked)
    assert built == parsed  # dataclass equality: every node, value and location
    assert built is not None
    assert validate(schema, parsed, RULES) == []


def test_another_length_or_kind_is_another_shape(schema: GraphQLSchema) -> None:
    templates = DocumentTemplates(maxsize=8)
    _learn(templates, schema, '{ users_by_id(id: "12345") { id } }')
    assert _build(templates, '{ users_by_id(id: "123456") { id } }') is None
    assert _build(templates, "{ users_by_id(id: 12345) { id } }") is None


def test_a_value_of_the_wrong_type_goes_the_normal_way(schema: GraphQLSchema) -> None:
    templates = DocumentTemplates(maxsize=8)
    _learn(templates, schema, "{ users(limit: 1000000000, offset: 1) { id } }")
    assert _build(templates, "{ users(limit: 2000000000, offset: 2) { id } }") is not None
    # Out of Int's range (same length, same shape): validation must see it and report it.
    assert _build(templates, "{ users(limit: 9999999999, offset: 2) { id } }") is None


def test_documents_whose_fields_may_merge_get_no_template(schema: GraphQLSchema) -> None:
    templates = DocumentTemplates(maxsize=8)
    same = '{ a: users_by_id(id: "1") { id } a: users_by_id(id: "1") { id } }'
    _learn(templates, schema, same)
    # Conflicting arguments: the overlapping-fields rule must judge it, not a template.
    assert _build(templates, same.replace('"1") { id } }', '"2") { id } }')) is None
    fragment = '{ ...F } fragment F on Query { users_by_id(id: "1") { id } }'
    _learn(templates, schema, fragment)
    assert _build(templates, fragment.replace('"1"', '"2"')) is None


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(
        alphabet=st.characters(codec="utf-8", exclude_characters='"\\\n\r\x00'),
        min_size=8,
        max_size=8,
    ),
    number=st.integers(min_value=10_000, max_value=99_999),
)
def test_any_same_length_values_build_the_parsed_document(text: str, number: int) -> None:
    """(NUL is refused by the splitter, which uses it as its marker.)"""
    query = '{ users(filter: {email: {_eq: "%s"}}, limit: %d) { id } }'
    templates = DocumentTemplates(maxsize=8)
    _learn(templates, SCHEMA, query % ("abcdefgh", 12345))
    asked = query % (text, number)
    assert _build(templates, asked) == parse(asked)


def test_a_template_keeps_no_value_of_the_text_it_was_learned_from(
    schema: GraphQLSchema,
) -> None:
    query = 'mutation { auth_login(email: "a@example.com", password: "%s") { access_token } }'
    templates = DocumentTemplates(maxsize=8)
    _learn(templates, schema, query % "first-secret")
    built = _build(templates, query % "other-secre")  # another length: another shape
    assert built is None
    built = _build(templates, query % "second-pass!")
    assert isinstance(built, DocumentNode)
    assert built == parse(query % "second-pass!")
    assert built.loc is not None
    texts = [built.loc.source.body]
    token: Token | None = built.loc.start_token
    while token is not None:
        texts.append(str(token.value))
        token = token.next
    assert not any("first-secret" in text for text in texts)


def test_a_known_shape_is_not_learned_again(schema: GraphQLSchema) -> None:
    """A value the template refused takes the normal path, which passes and offers the
    shape again: the template stays as it was (it is not parsed anew)."""
    templates = DocumentTemplates(maxsize=8)
    query = "{ users(limit: %s) { id } }"
    _learn(templates, schema, query % "1000000000")
    refused = split_literals(query % "9999999999")
    assert refused is not None
    assert templates.instantiate(refused, KEY) is None
    # Were it parsed again, a one-token limit would fail it and leave no template.
    templates.remember(schema, refused, {"max_tokens": 1}, KEY)
    assert _build(templates, query % "2000000000") == parse(query % "2000000000")
