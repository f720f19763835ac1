"""Differences between two GraphQL schemas in names, arguments and types."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
)

_KINDS = (GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType)


def _kind(graphql_type: object) -> str:
    for kind in _KINDS:
        if isinstance(graphql_type, kind):
            return kind.__name__
    return type(graphql_type).__name__


def schema_differences(target: GraphQLSchema, actual: GraphQLSchema) -> list[str]:
    """What `actual` lacks or types differently from `target` (extra things are allowed)."""
    problems: list[str] = []
    for name, target_type in target.type_map.items():
        if name.startswith("__"):
            continue
        actual_type = actual.type_map.get(name)
        if actual_type is None:
            problems.append(f"missing type {name}")
            continue
        if _kind(actual_type) != _kind(target_type):
            problems.append(f"{name}: kind differs")
            continue
        if isinstance(target_type, GraphQLEnumType):
            assert isinstance(actual_type, GraphQLEnumType)
            if set(target_type.values) != set(actual_type.values):
                problems.append(f"{name}: enum values differ")
        if isinstance(
            target_type, (GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType)
        ):
            actual_fields = actual_type.fields  # type: ignore[attr-defined]
            for field_name, field in target_type.fields.items():
                other = actual_fields.get(field_name)
                if other is None:
                    problems.append(f"{name}.{field_name}: missing")
                    continue
                if str(field.type) != str(other.type):
                    problems.append(f"{name}.{field_name}: {other.type} instead of {field.type}")
                for arg_name, arg in getattr(field, "args", {}).items():
                    other_arg = other.args.get(arg_name)
                    if other_arg is None:
                        problems.append(f"{name}.{field_name}({arg_name}): missing")
                    elif str(other_arg.type) != str(arg.type):
                        where = f"{name}.{field_name}({arg_name})"
                        problems.append(f"{where}: {other_arg.type} instead of {arg.type}")
    return problems
