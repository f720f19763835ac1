# The static checks scripts/check and scripts/test share (source after scripts/lib/setup.sh):
# ruff (lint and format), mypy --strict and the import contracts (pyproject.toml).

static_checks() {
  echo "== ruff"
  .venv/bin/ruff check .
  .venv/bin/ruff format --check .
  echo "== mypy --strict"
  .venv/bin/mypy  # pyproject.toml names what it checks: app, resolvers, tests, bench
  echo "== import contracts"
  .venv/bin/lint-imports
}
