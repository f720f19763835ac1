"""The report from fixed results: RESULTS.md and the printed table exactly as the benchmark
wrote them before it became a package, and results.json merged across runs."""

from __future__ import annotations

import json
from pathlib import Path

from bench.report import fmt_rate, load_stored, markdown, ordered, table, write_results
from bench.targets import evaluate
from tests.unit.bench_results import golden_case, make_run, row

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "bench"


def test_results_md_is_rendered_as_before() -> None:
    run, stored = golden_case()
    rendered = markdown(run, evaluate(run, stored), stored)
    assert rendered == (FIXTURES / "RESULTS.md").read_text()


def test_printed_table_is_rendered_as_before() -> None:
    run, _ = golden_case()
    assert "\n".join(table(run["scenarios"])) == (FIXTURES / "table.txt").read_text()


def test_quick_runs_are_marked_and_growth_needs_a_larger_run() -> None:
    run = make_run(quick=True)
    rendered = markdown(run, evaluate(run, {}), {})
    assert "**Quick smoke run**: short durations and smaller memory marks; not for judging.\n" in (
        rendered
    )
    assert "## Growth" not in rendered
    assert "## Notes" not in rendered  # nothing to note


def test_rates_keep_a_decimal_below_100() -> None:
    assert [fmt_rate(rate) for rate in (0.0, 8.45, 99.94, 100.0, 1234.5)] == [
        "0.0",
        "8.4",
        "99.9",
        "100",
        "1,234",
    ]


def test_rows_are_ordered_by_scenario_then_concurrency() -> None:
    rows = [
        row("auth_refresh", 1),
        row("users_me", 32),
        row("floor_users_me", 1),
        row("users_me", 1),
    ]
    assert [(entry["scenario"], entry["concurrency"]) for entry in ordered(rows)] == [
        ("users_me", 1),
        ("users_me", 32),
        ("floor_users_me", 1),
        ("auth_refresh", 1),
    ]


def test_results_accumulate_across_sizes(tmp_path: Path) -> None:
    small = make_run([row("users_by_id", 1, p50=1.0)])
    big = make_run([row("users_by_id", 1, p50=1.4)], users=1_000_000)
    write_results(big, tmp_path)
    targets = write_results(small, tmp_path)

    stored = json.loads((tmp_path / "results.json").read_text())["runs"]
    assert sorted(stored) == ["sqlite/users=1000/workers=1", "sqlite/users=1000000/workers=1"]
    growth = next(target for target in targets if target.name == "growth users_by_id")
    assert growth.met is True
    stored_targets = {target["name"]: target for target in stored[small["key"]]["targets"]}
    assert stored_targets["growth users_by_id"] == {
        "name": "growth users_by_id",
        "goal": "1,000,000 users within 1.5x of 1,000 (p50, c=1)",
        "measured": "1,000,000: 1.40 vs 1.00 ms = 1.40x",
        "met": True,
        "status": "met",
    }
    results_md = (tmp_path / "RESULTS.md").read_text()
    assert "under `sqlite/users=1000/workers=1`" in results_md
    assert "| users_by_id | 1 | 1.00 / 10.00 | 1,000,000 users: 1.40 / 10.00 | 1.40x |" in (
        results_md
    )


def test_a_rerun_replaces_its_own_entry(tmp_path: Path) -> None:
    write_results(make_run([row("users_me", 1, rps=100)]), tmp_path)
    write_results(make_run([row("users_me", 1, rps=200)]), tmp_path)
    stored = load_stored(tmp_path / "results.json")
    assert list(stored) == ["sqlite/users=1000/workers=1"]
    assert stored["sqlite/users=1000/workers=1"]["scenarios"][0]["rps"] == 200


def test_missing_or_unreadable_results_start_empty(tmp_path: Path) -> None:
    assert load_stored(tmp_path / "absent.json") == {}
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert load_stored(broken) == {}
    broken.write_text('["a list"]')
    assert load_stored(broken) == {}
    broken.write_text('{"runs": []}')
    assert load_stored(broken) == {}
