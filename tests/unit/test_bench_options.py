"""scripts/bench's options: defaults, the quick run's shorter durations, and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.common import BENCH_DIR
from bench.options import MEMORY_MARKS, QUICK_MEMORY_MARKS, Options, parse_options


def test_defaults() -> None:
    options = parse_options([])
    assert options == Options(
        users=1000,
        db="sqlite",
        duration=10,
        workers=1,
        quick=False,
        pg_dsn="postgresql://postgres@127.0.0.1:5432/postgres",
        output=BENCH_DIR.resolve(),
    )
    assert options.key == "sqlite/users=1000/workers=1"
    assert options.memory_marks == MEMORY_MARKS == (10_000, 100_000)


def test_quick_runs_are_shorter_and_kept_apart() -> None:
    options = parse_options(["--quick"])
    assert options.duration == 2
    assert options.memory_marks == QUICK_MEMORY_MARKS == (1_000, 5_000)
    assert options.key == "sqlite/users=1000/workers=1/quick"
    assert parse_options(["--quick", "--duration", "10"]).duration == 10


def test_every_option(tmp_path: Path) -> None:
    options = parse_options(
        [
            "--users=1000000",
            "--db=pg",
            "--duration=30",
            "--workers=2",
            "--pg-dsn=postgresql://bench@db.example:5433/postgres",
            f"--output={tmp_path / 'out'}",
        ]
    )
    assert options.key == "pg/users=1000000/workers=2"
    assert (options.users, options.db, options.duration, options.workers) == (
        1_000_000,
        "pg",
        30,
        2,
    )
    assert options.pg_dsn == "postgresql://bench@db.example:5433/postgres"
    assert options.output == tmp_path / "out"


def test_a_relative_output_is_resolved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert parse_options(["--output", "results"]).output == tmp_path.resolve() / "results"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--users", "9"], "--users must be at least 10"),
        (["--duration", "0"], "--duration and --workers must be positive"),
        (["--workers", "0"], "--duration and --workers must be positive"),
        (["--db", "mysql"], "invalid choice: 'mysql'"),
        (["--users", "many"], "invalid int value: 'many'"),
    ],
)
def test_refusals(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_options(argv)
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert error.startswith("usage: scripts/bench ")
    assert message in error
