"""schema.graphql at the root is what the code serves; regenerate with scripts/export-schema."""

from __future__ import annotations

from pathlib import Path

from resolvers.schema import schema_sdl

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schema.graphql"


def test_schema_file_matches_the_code() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_sdl(), (
        "schema.graphql is out of date: run ./scripts/export-schema"
    )
