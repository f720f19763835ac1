"""Each system collection is declared once (app/collections): its model and its GraphQL
types must agree with the declaration, and a disagreement names the field."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, MetaData, String, Table

from app.collections import COLLECTIONS, COMPUTED_FIELDS, USERS, Collection, FieldSpec, Kind
from app.permissions.access import ADMIN_ONLY_USER_FIELDS
from resolvers.schema import schema
from tests import rest
from tests.declarations import (
    filter_operator_mismatches,
    graphql_field_names,
    graphql_mismatches,
    input_field_types,
    model_mismatches,
)
from tests.graphql import test_users_concealed_aggregates as concealed_aggregates

# Per collection: its GraphQL output type, create/update inputs and filter.
GRAPHQL: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    "directus_users": (
        "directus_users",
        ("create_directus_users_input", "update_directus_users_input"),
        "directus_users_filter",
    ),
    "directus_roles": (
        "directus_roles",
        ("create_directus_roles_input", "update_directus_roles_input"),
        "directus_roles_filter",
    ),
    "directus_policies": (
        "directus_policies",
        ("create_directus_policies_input", "update_directus_policies_input"),
        "directus_policies_filter",
    ),
    "directus_access": (
        "directus_access",
        ("create_directus_access_input", "update_directus_access_input"),
        "directus_access_filter",
    ),
    "directus_permissions": (
        "directus_permissions",
        ("create_directus_permissions_input", "update_directus_permissions_input"),
        "directus_permissions_filter",
    ),
    "directus_files": (
        "directus_files",
        ("create_directus_files_input", "update_directus_files_input"),
        "directus_files_filter",
    ),
    "directus_settings": ("directus_settings", ("update_directus_settings_input",), None),
    "directus_activity": ("directus_activity", (), "directus_activity_filter"),
}


def _check(collection: Collection, type_name: str, wanted: tuple[str, ...]) -> list[str]:
    names = graphql_field_names(schema, type_name)
    return graphql_mismatches(collection, type_name, names, wanted)


@pytest.mark.parametrize("name", sorted(COLLECTIONS))
def test_model_matches_declaration(name: str) -> None:
    assert model_mismatches(COLLECTIONS[name]) == []


@pytest.mark.parametrize("name", sorted(GRAPHQL))
def test_graphql_types_match_declaration(name: str) -> None:
    collection = COLLECTIONS[name]
    output, writes, filter_type = GRAPHQL[name]
    computed = tuple(sorted(COMPUTED_FIELDS.get(name, ())))
    problems = _check(collection, output, collection.ordered(lambda _: True) + computed)
    for write in writes:
        problems += _check(collection, write, collection.ordered(lambda spec: spec.in_inputs))
    if filter_type is not None:
        problems += _check(collection, filter_type, collection.ordered(lambda spec: spec.in_filter))
        operators = input_field_types(schema, filter_type)
        problems += filter_operator_mismatches(collection, operators)
    assert problems == []


def test_quantifier_filter_is_the_filter_plus_some_and_none() -> None:
    plain = graphql_field_names(schema, "directus_users_filter")
    quantifier = graphql_field_names(schema, "directus_users_quantifier_filter")
    assert quantifier == [*plain, "_some", "_none"]


def test_the_tests_literal_user_lists_are_the_declarations() -> None:
    """The tests pin Directus's user object, its concealed and JSON fields literally; the
    declaration must give the same."""
    assert set(USERS.fields) == rest.USER_FIELDS
    assert rest.USER_FIELDS - ADMIN_ONLY_USER_FIELDS == rest.SELF_FIELDS
    assert USERS.concealed == set(concealed_aggregates.CONCEALED_FIELDS)
    json_fields = USERS.ordered(lambda spec: spec.kind is Kind.JSON)
    assert json_fields == concealed_aggregates.JSON_FIELDS


class _Gadget:
    """A throwaway model, on a metadata of its own (never created with the real tables)."""

    __table__ = Table(
        "test_gadgets",
        MetaData(),
        Column("id", String(36), primary_key=True),
        Column("label", String(40)),
        Column("colour", String(20)),
    )


def _gadgets(*specs: FieldSpec) -> Collection:
    return Collection(name="test_gadgets", model=_Gadget, specs=specs)


def test_an_undeclared_column_is_named() -> None:
    gadgets = _gadgets(FieldSpec("id", Kind.ID, 36), FieldSpec("label", Kind.STRING, 40))
    assert model_mismatches(gadgets) == [
        'test_gadgets (_Gadget): column "colour" is in the model but not declared'
    ]


def test_a_declared_field_without_column_or_with_another_shape_is_named() -> None:
    gadgets = _gadgets(
        FieldSpec("id", Kind.ID, 36),
        FieldSpec("label", Kind.STRING, 50),
        FieldSpec("colour", Kind.JSON),
        FieldSpec("size", Kind.NUMBER),
    )
    assert model_mismatches(gadgets) == [
        'test_gadgets (_Gadget): field "label" is declared max_length=50, the column has 40',
        'test_gadgets (_Gadget): field "colour" is declared json but the column is '
        "String(length=20)",
        'test_gadgets (_Gadget): field "size" is declared but has no column',
    ]


def test_a_graphql_field_not_declared_is_named() -> None:
    gadgets = _gadgets(FieldSpec("id", Kind.ID, 36), FieldSpec("label", Kind.STRING, 40))
    names = ["id", "colour", "colour_func", "_and"]
    assert graphql_mismatches(gadgets, "test_gadgets", names, ["id", "label"]) == [
        'test_gadgets: GraphQL test_gadgets: "colour" is not declared',
        'test_gadgets: GraphQL test_gadgets: declared "label" is missing',
        'test_gadgets: GraphQL test_gadgets: "colour_func" has no declared JSON, date or o2m '
        'field "colour"',
    ]


def test_a_filter_field_of_the_wrong_operators_is_named() -> None:
    gadgets = _gadgets(FieldSpec("id", Kind.ID, 36), FieldSpec("label", Kind.STRING, 40))
    operators = {"id": "id_filter_operators", "label": "number_filter_operators"}
    assert filter_operator_mismatches(gadgets, operators) == [
        'test_gadgets: filter field "label" takes number_filter_operators, its kind string '
        "wants string_filter_operators"
    ]
