"""Checks of a collection's declaration against its ORM model and its GraphQL types.

Each returns the disagreements as sentences that name the field, so a failing test says
what to add where (tests/unit/test_collection_declarations.py runs them)."""

from __future__ import annotations

from collections.abc import Iterable

import strawberry
from graphql import GraphQLInputObjectType, GraphQLObjectType, get_named_type
from sqlalchemy import JSON, Boolean, Column, DateTime, Integer, String, Table, TypeDecorator

from app.collections import Collection, FieldSpec, Kind

_COLUMN_TYPES: dict[Kind, type] = {
    Kind.STRING: String,
    Kind.ID: String,
    Kind.HASH: String,
    Kind.DATE: DateTime,
    Kind.BOOLEAN: Boolean,
    Kind.NUMBER: Integer,
    Kind.JSON: JSON,
    Kind.CSV: JSON,
}
# Kinds whose GraphQL field may have a `<name>_func` companion (counts, date parts).
_FUNC_KINDS = (Kind.JSON, Kind.CSV, Kind.DATE, Kind.O2M)


def model_mismatches(collection: Collection) -> list[str]:
    """Columns against declared fields, both ways: names, type, String length, foreign key
    target and (off the primary key) nullability."""
    table: Table = collection.model.__table__  # type: ignore[attr-defined]
    where = f"{collection.name} ({collection.model.__name__})"
    declared = {
        spec.name: spec
        for spec in collection.specs
        if spec.kind is not Kind.O2M and not spec.computed
    }
    problems_computed = [
        f'{where}: computed field "{spec.name}" is not computed by the model'
        for spec in collection.specs
        if spec.computed
        and (spec.name in table.columns or not hasattr(collection.model, spec.name))
    ]
    problems = [
        f'{where}: column "{column.name}" is in the model but not declared'
        for column in table.columns
        if column.name not in declared
    ] + problems_computed
    for name, spec in declared.items():
        column = table.columns.get(name)
        if column is None:
            problems.append(f'{where}: field "{name}" is declared but has no column')
        else:
            problems.extend(f'{where}: field "{name}" {p}' for p in _column_problems(spec, column))
    return problems


def _column_problems(spec: FieldSpec, column: Column[object]) -> Iterable[str]:
    sql_type = column.type
    if isinstance(sql_type, TypeDecorator):  # sqlmodel's AutoString is a String underneath
        sql_type = sql_type.impl_instance
    if not isinstance(sql_type, _COLUMN_TYPES[spec.kind]):
        yield f"is declared {spec.kind.value} but the column is {column.type!r}"
    elif isinstance(sql_type, String) and sql_type.length != spec.max_length:
        yield f"is declared max_length={spec.max_length}, the column has {sql_type.length}"
    targets = {key.column.table.name for key in column.foreign_keys}
    declared = {spec.relation.target} if spec.relation is not None else set()
    if targets != declared:
        yield f"points to {sorted(declared)} in the declaration, to {sorted(targets)} in the model"
    if not column.primary_key and column.nullable != spec.nullable:
        yield f"is declared nullable={spec.nullable}, the column has nullable={column.nullable}"


def graphql_field_names(schema: strawberry.Schema, type_name: str) -> list[str]:
    """A type's fields as clients see them (private attributes are not fields)."""
    graphql_type = schema._schema.get_type(type_name)
    assert isinstance(graphql_type, GraphQLObjectType | GraphQLInputObjectType), type_name
    return list(graphql_type.fields)


def graphql_mismatches(
    collection: Collection, type_name: str, names: Iterable[str], wanted: Iterable[str]
) -> list[str]:
    """A GraphQL type's field names against the declared fields it should carry (`_and`,
    `_or`, `_some`, `_none` aside); every `<name>_func` must belong to a declared field of a
    kind that has functions."""
    names = list(names)
    plain = {name for name in names if not name.startswith("_") and not name.endswith("_func")}
    expected = set(wanted)
    where = f"{collection.name}: GraphQL {type_name}"
    problems = [f'{where}: "{name}" is not declared' for name in sorted(plain - expected)]
    problems += [f'{where}: declared "{name}" is missing' for name in sorted(expected - plain)]
    kinds = {spec.name: spec.kind for spec in collection.specs if not spec.internal}
    for name in names:
        base = name.removesuffix("_func")
        if name != base and kinds.get(base) not in _FUNC_KINDS:
            problems.append(f'{where}: "{name}" has no declared JSON, date or o2m field "{base}"')
    return problems


_OPERATORS = {
    Kind.STRING: "string_filter_operators",
    Kind.ID: "id_filter_operators",
    Kind.HASH: "hash_filter_operators",
    Kind.DATE: "date_filter_operators",
    Kind.BOOLEAN: "boolean_filter_operators",
    Kind.NUMBER: "number_filter_operators",
    Kind.JSON: "json_filter_operators",
    Kind.CSV: "string_filter_operators",
}


def filter_operator_mismatches(collection: Collection, operators: dict[str, str]) -> list[str]:
    """Each filter field's input type (`operators`: field → type name) against its kind:
    an m2o takes its target's filter, an o2m its target's quantifier filter."""
    problems = []
    for name, type_name in operators.items():
        if name.startswith("_") or name.endswith("_func"):
            continue
        spec = collection.spec(name)
        if spec.relation is not None:
            suffix = "quantifier_filter" if spec.relation.many else "filter"
            wanted = f"{spec.relation.target}_{suffix}"
        else:
            wanted = _OPERATORS[spec.kind]
        if type_name != wanted:
            problems.append(
                f'{collection.name}: filter field "{name}" takes {type_name}, its kind '
                f"{spec.kind.value} wants {wanted}"
            )
    return problems


def input_field_types(schema: strawberry.Schema, type_name: str) -> dict[str, str]:
    """An input type's fields → the name of each one's (unwrapped) type."""
    graphql_type = schema._schema.get_type(type_name)
    assert isinstance(graphql_type, GraphQLInputObjectType), type_name
    return {name: get_named_type(field.type).name for name, field in graphql_type.fields.items()}
