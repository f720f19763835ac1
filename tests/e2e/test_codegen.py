"""A typed client can be generated from schema.graphql and the reference docs' operations.

`@graphql-codegen/cli` with the `typescript` and `typescript-operations` plugins reads
schema.graphql and every GraphQL operation of the reference docs (named, since each becomes a
type, and with the two `role` selections the docs print without sub-fields corrected to
`role { id name }`); then `tsc --noEmit --strict` compiles the generated file together with a
small hand-written module that uses it (tests/e2e/codegen/usage.ts).

Needs Node; npm installs the pinned tools into .cache/npm-codegen once. Without Node or the npm
registry the test is skipped, except under CI=true, where it fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from graphql import FieldNode, OperationDefinitionNode, parse

from tests.e2e.npm_tools import npm_tools, run_bounded

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
HELPERS = Path(__file__).with_name("codegen")
NPM_DIR = REPO / ".cache" / "npm-codegen"
SCHEMA = REPO / "schema.graphql"
EXAMPLES = REPO / "tests" / "fixtures" / "reference-graphql-examples.json"

TOOL_SECONDS = 180


def _corrected(operation: str) -> str:
    """`role` is an object: the docs select it bare, which no GraphQL tool accepts."""
    return operation.replace("email\nrole\n}", "email\nrole { id name }\n}")


def _named(operation: str, index: int) -> tuple[str, str, str]:
    """Names the docs' anonymous operation, e.g. `query Reference02UsersMe { users_me … }`.

    Returns the name, the suffix codegen gives its result type (Query or Mutation) and the text.
    """
    definition = parse(operation).definitions[0]
    assert isinstance(definition, OperationDefinitionNode)
    assert definition.name is None, operation
    root = definition.selection_set.selections[0]
    assert isinstance(root, FieldNode)
    field = root.name.value
    name = f"Reference{index:02d}" + "".join(part.capitalize() for part in field.split("_"))
    kind = definition.operation.value
    named, count = re.subn(rf"^\s*{kind}\b", f"{kind} {name}", operation, count=1)
    assert count == 1, operation
    return name, kind.capitalize(), named


def _write_documents(folder: Path) -> dict[str, str]:
    """Writes one .graphql document per reference operation; returns {name: operation kind}."""
    examples = json.loads(EXAMPLES.read_text())
    operations = [item["text"] for item in examples if item["kind"] == "operation"]
    assert len(operations) >= 20
    corrected = [_corrected(operation) for operation in operations]
    assert sum(a != b for a, b in zip(operations, corrected, strict=True)) == 2
    folder.mkdir()
    kinds: dict[str, str] = {}
    for index, operation in enumerate(corrected):
        name, kind, named = _named(operation, index)
        (folder / f"reference_{index:02d}.graphql").write_text(named + "\n")
        kinds[name] = kind
    return kinds


def _output(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n{result.stdout[-6000:]}\n{result.stderr[-6000:]}"


def test_codegen_types_compile_with_tsc(tmp_path: Path) -> None:
    node = npm_tools(HELPERS, NPM_DIR)
    kinds = _write_documents(tmp_path / "documents")
    generated = tmp_path / "generated" / "graphql.ts"
    env = {
        **os.environ,
        "CODEGEN_SCHEMA": str(SCHEMA),
        "CODEGEN_DOCUMENTS": str(tmp_path / "documents" / "*.graphql"),
        "CODEGEN_OUTPUT": str(generated),
    }
    codegen = NPM_DIR / "node_modules" / ".bin" / "graphql-codegen"
    config = HELPERS / "codegen.yml"
    # codegen looks its plugins up from the working directory: run it where they are installed.
    generate = run_bounded(
        [node, str(codegen), "--config", str(config)], cwd=NPM_DIR, env=env, timeout=TOOL_SECONDS
    )
    assert generate.returncode == 0, _output(generate)

    types = generated.read_text()
    assert "export type Directus_Users = {" in types
    assert "__typename?: 'directus_users';" in types
    assert "export type Directus_Roles = {" in types
    for name, kind in kinds.items():
        assert f"export type {name}{kind} = " in types, name
        assert f"export type {name}{kind}Variables = " in types, name
    assert (
        "export type Reference02UsersMeQuery = { users_me: { email: string | null } | null };"
        in types
    )

    for name in ("tsconfig.json", "usage.ts"):
        shutil.copyfile(HELPERS / name, tmp_path / name)
    tsc = NPM_DIR / "node_modules" / "typescript" / "bin" / "tsc"
    check = run_bounded(
        [node, str(tsc), "--noEmit", "-p", str(tmp_path / "tsconfig.json")],
        cwd=tmp_path,
        timeout=TOOL_SECONDS,
    )
    assert check.returncode == 0, _output(check)
