"""What every part of the benchmark shares: where things are, the scenario shape, its error."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the .venv's bin: `dauth` lives beside this Python
BENCH_DIR = ROOT / "bench"
GRAPHQL_PATH = "/graphql/system"

CONCURRENCIES = (1, 32)
STORM_CONNECTIONS = 16
WRK_TIMEOUT = "30s"  # logins at c=32 queue behind argon2: seconds, not milliseconds
ROLE_COUNT = 10
USER_FIELDS = "id email first_name role { name }"
PLACEHOLDER = "@@VALUE@@"


class BenchError(Exception):
    """The benchmark cannot go on: a scenario answers wrongly or a process misbehaves."""
