"""The layering is a test: the import-linter contracts of pyproject.toml hold for the code,
and each of them fails on a deliberate breach (so a contract cannot pass vacuously, e.g. on
a misspelt module name)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# Per contract id: a module of a copy of the code, and the import that breaks that contract.
BREACHES = {
    "app-without-graphql": ("app/mail/templates.py", "resolvers.types.scalars"),
    "repositories-below-services": ("app/repositories/files.py", "app.services.stall"),
    "core-without-web": ("app/security/totp.py", "starlette.requests"),
    "sql-in-data-layer": ("app/services/stall.py", "sqlalchemy"),
    "entry-points-through-services": ("app/http/errors.py", "app.repositories.files"),
    "layers": ("app/db/checkpoints.py", "app.services.stall"),
}


def _contracts() -> dict[str, str]:
    """Contract id → name, as pyproject.toml declares them."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    return {contract["id"]: contract["name"] for contract in contracts}


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports run in `root` (it imports the packages found there first)."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(root / "pyproject.toml")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_every_contract_has_a_breach_below() -> None:
    assert set(_contracts()) == set(BREACHES)


def test_the_code_keeps_every_contract() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(_contracts())} kept, 0 broken." in result.stdout


def test_a_deliberate_breach_breaks_each_contract(tmp_path: Path) -> None:
    for package in ("app", "resolvers"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for module, imported in BREACHES.values():
        with (tmp_path / module).open("a") as source:
            source.write(f"\nimport {imported}  # a deliberate breach\n")

    result = _lint(tmp_path)

    assert result.returncode != 0
    contracts = _contracts()
    assert f"Contracts: 0 kept, {len(contracts)} broken." in result.stdout, result.stdout
    for contract_id, (module, imported) in BREACHES.items():
        assert f"{contracts[contract_id]} BROKEN" in result.stdout, contract_id
        importer = module.removesuffix(".py").replace("/", ".")
        # External packages are reported by their top-level name.
        shown = imported if imported.startswith(("app.", "resolvers.")) else imported.split(".")[0]
        assert f"{importer} -> {shown}" in result.stdout, (contract_id, result.stdout)
