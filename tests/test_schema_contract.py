"""The served schema carries every name, argument and type of the Directus contract.

tests/fixtures/system.graphql is a copy of the target contract (Directus's system schema
for users, roles, auth and settings); tests/fixtures/directus12-additions.graphql holds the
Directus 12 operations served beyond it, typed as Directus 12 types them.
"""

from __future__ import annotations

from pathlib import Path

from graphql import build_schema

from resolvers.schema import schema
from tests.schema_diff import schema_differences

FIXTURES = Path(__file__).parent / "fixtures"
CONTRACT = build_schema((FIXTURES / "system.graphql").read_text(encoding="utf-8"))
ADDITIONS = build_schema((FIXTURES / "directus12-additions.graphql").read_text(encoding="utf-8"))


def test_served_schema_matches_the_contract() -> None:
    assert schema_differences(CONTRACT, schema._schema) == []


def test_served_schema_has_the_directus12_additions_as_directus_types_them() -> None:
    assert schema_differences(ADDITIONS, schema._schema) == []
