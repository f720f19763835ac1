"""The served schema carries every name, argument and type of the Directus contract.

tests/fixtures/system.graphql is a copy of the target contract (Directus's system schema
for users, roles, auth and settings).
"""

from __future__ import annotations

from pathlib import Path

from graphql import build_schema

from resolvers.schema import schema
from tests.schema_diff import schema_differences

CONTRACT = build_schema(
    (Path(__file__).parent / "fixtures" / "system.graphql").read_text(encoding="utf-8")
)


def test_served_schema_matches_the_contract() -> None:
    assert schema_differences(CONTRACT, schema._schema) == []
