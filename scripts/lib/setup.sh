# Shared set-up for scripts/serve, scripts/test and scripts/check: a .venv with the pinned
# dependencies of requirements.lock (hash-checked) and the project itself installed.
# Re-installs only when requirements.lock or pyproject.toml changed since the last install.
# After editing a dependency in pyproject.toml, run scripts/lock to rewrite the lock.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

LOCK="requirements.lock"
PIP_VERSION="26.3"

PYTHON_BIN="${PYTHON:-python3}"
if ! "$PYTHON_BIN" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
  echo "Python 3.11 or newer is required (tried: $PYTHON_BIN)." >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv ..."
  "$PYTHON_BIN" -m venv .venv
fi

stamp=".venv/.installed-$(cat "$LOCK" pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "Installing dependencies into .venv (from $LOCK) ..."
  log=".venv/install.log"
  pip=(.venv/bin/python -m pip install --disable-pip-version-check)
  # The lock pins every package, with hashes; the project goes on top without resolving
  # anything, built by the setuptools the lock pinned.
  if ! { "${pip[@]}" "pip==$PIP_VERSION" \
         && "${pip[@]}" --require-hashes -r "$LOCK" \
         && "${pip[@]}" --no-deps --no-build-isolation -e . ; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "Installation failed; the full log is in $log." >&2
    exit 1
  fi
  rm -f .venv/.installed-*
  touch "$stamp"
fi
