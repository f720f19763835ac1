# The static checks scripts/check and scripts/test share (source after scripts/lib/setup.sh):
# ruff (lint and format), mypy --strict, and the import contracts once pyproject.toml has them.

static_checks() {
  echo "== ruff"
  .venv/bin/ruff check .
  .venv/bin/ruff format --check .
  echo "== mypy --strict"
  # pyproject.toml lists app, resolvers, tests and scripts; the benchmark joins once it is a package.
  local targets=()
  if [ -f bench/__init__.py ]; then
    local folder
    for folder in app resolvers tests scripts bench; do
      if [ -n "$(find "$folder" -name '*.py' -print -quit 2>/dev/null)" ]; then
        targets+=("$folder")
      fi
    done
  fi
  .venv/bin/mypy "${targets[@]}"
  if grep -q '^\[tool\.importlinter\]' pyproject.toml; then
    echo "== import contracts"
    .venv/bin/lint-imports
  fi
}
