"""Directus's custom scalars: Hash, JSON, Date, GraphQLBigInt, GraphQLStringOrFloat."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from app.permissions.concealed import conceal as conceal_value
from app.permissions.concealed import iso_instant

Hash = NewType("Hash", str)
JSON = NewType("JSON", object)
Date = NewType("Date", str)
GraphQLBigInt = NewType("GraphQLBigInt", int)
GraphQLStringOrFloat = NewType("GraphQLStringOrFloat", object)
# permissions_me's answer: Directus's CollectionAccess object, as JSON.
PermissionsMe = NewType("PermissionsMe", object)


def conceal(value: str | None) -> Hash | None:
    masked = conceal_value(value)
    return None if masked is None else Hash(masked)


def iso_date(value: datetime | None) -> Date | None:
    text = iso_instant(value)
    return None if text is None else Date(text)


def _parse_big_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("GraphQLBigInt cannot represent a boolean")
    return int(value)


def _parse_string_or_float(value: Any) -> str | float:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError("GraphQLStringOrFloat takes a string or a number")
    return value


def _parse_string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value


SCALAR_MAP: dict[object, ScalarDefinition] = {
    Hash: strawberry.scalar(
        name="Hash",
        description='Stored hash or secret; reads back as "**********" when set, null when not.',
        serialize=str,
        parse_value=_parse_string,
    ),
    JSON: strawberry.scalar(name="JSON", serialize=lambda value: value, parse_value=lambda v: v),
    PermissionsMe: strawberry.scalar(
        name="permissions_me_type", serialize=lambda value: value, parse_value=lambda v: v
    ),
    Date: strawberry.scalar(
        name="Date",
        description="ISO 8601 date-time string",
        serialize=str,
        parse_value=_parse_string,
    ),
    GraphQLBigInt: strawberry.scalar(
        name="GraphQLBigInt",
        description="BigInt value, serialized as a string",
        serialize=lambda value: str(int(value)),
        parse_value=_parse_big_int,
    ),
    GraphQLStringOrFloat: strawberry.scalar(
        name="GraphQLStringOrFloat",
        serialize=lambda value: value,
        parse_value=_parse_string_or_float,
    ),
}
