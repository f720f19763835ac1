"""wrk's output as the benchmark reads it (the BENCH_ lines its Lua script prints among wrk's own
report), and the Lua script filled in for one scenario."""

from __future__ import annotations

import json

import pytest

from bench.common import PLACEHOLDER, BenchError
from bench.load import Request, WrkResult, lua_template, parse_wrk

MARKERS = ("@PREFIX@", "@SUFFIX@", "@EXPECT@", "@FORBID@", "@VALUES@", "@MODE@", "@HEADERS@")

# A real run's output (users_me at c=1), wrk's latency distribution included.
CLEAN = (
    """\
Running 2s test @ http://127.0.0.1:42347/graphql/system
  1 threads and 1 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.50ms    1.65ms   8.60ms   80.82%
    Req/Sec   416.75     38.26   520.00     75.00%
  Latency Distribution
     50%    1.73ms
     75%    3.66ms
     90%    5.17ms
     99%    6.30ms
  831 requests in 2.00s, 359.50KB read
Requests/sec:    414.48
Transfer/sec:    179.31KB
BENCH_RESULT 831 2004912 0 0 0 0 0 0 0 1734.0 5167.0 6299.0 8601.0 2503.4
"""
    + "BENCH_SAMPLE \n"
)  # no bad answer: an empty sample after the space

# Socket errors, timeouts and non-2xx answers (which the Lua hook also counts as bad).
FAILING = """\
Running 10s test @ http://127.0.0.1:8055/graphql/system
  2 threads and 32 connections
  Latency Distribution
     50%  150.00ms
     75%  300.00ms
     90%  800.00ms
     99%    1.20s
  400 requests in 10.00s, 120.00KB read
  Socket errors: connect 1, read 2, write 3, timeout 4
  Non-2xx or 3xx responses: 5
Requests/sec:     40.00
Transfer/sec:     12.00KB
BENCH_RESULT 400 10000000 1 2 3 5 4 7 1 150000.0 800000.0 1200000.0 1500000.0 210000.5
BENCH_SAMPLE 401 {"errors":[{"message":"Invalid token."}]}
"""


def test_clean_run_gives_rate_and_latencies_in_ms() -> None:
    result = parse_wrk(CLEAN)
    assert result == WrkResult(
        requests=831,
        duration_s=2.005,
        rps=414.5,  # requests over wrk's own duration, not its rounded Requests/sec line
        p50_ms=1.73,
        p90_ms=5.17,
        p99_ms=6.3,
        max_ms=8.6,
        mean_ms=2.5,
    )
    assert result.errors == 0
    assert result.bad_sample == ""


def test_errors_non_2xx_and_the_first_bad_answer() -> None:
    result = parse_wrk(FAILING)
    assert (result.requests, result.rps, result.duration_s) == (400, 40.0, 10.0)
    assert (result.p50_ms, result.p90_ms, result.p99_ms) == (150.0, 800.0, 1200.0)
    assert (result.max_ms, result.mean_ms) == (1500.0, 210.0)
    assert (result.connect_errors, result.read_errors, result.write_errors) == (1, 2, 3)
    assert (result.status_errors, result.timeouts) == (5, 4)
    assert (result.bad_answers, result.exhausted) == (7, 1)
    # Non-2xx answers are among the bad answers: counted once, not again as status errors.
    assert result.errors == 1 + 2 + 3 + 4 + 7 + 1
    assert result.bad_sample == '401 {"errors":[{"message":"Invalid token."}]}'


def test_a_run_with_no_request_has_no_rate_but_parses() -> None:
    output = "BENCH_RESULT 0 2015319 0 0 0 0 0 0 0 0.0 0.0 0.0 0.0 0.0\nBENCH_SAMPLE \n"
    result = parse_wrk(output)
    assert (result.requests, result.rps, result.p99_ms, result.errors) == (0, 0.0, 0.0, 0)
    zero_duration = parse_wrk("BENCH_RESULT 0 0 0 0 0 0 0 0 0 0.0 0.0 0.0 0.0 0.0\n")
    assert zero_duration.rps == 0.0


def test_output_without_the_result_line_is_an_error() -> None:
    with pytest.raises(BenchError, match="wrk printed no result"):
        parse_wrk("unable to connect to 127.0.0.1:8055 Connection refused\n")


def test_request_body_puts_the_value_in_the_query() -> None:
    request = Request(f'{{ users_by_id(id: "{PLACEHOLDER}") {{ id }} }}', None, '"id":"')
    assert json.loads(request.body("abc")) == {"query": '{ users_by_id(id: "abc") { id } }'}


def test_lua_script_splits_the_body_around_the_value() -> None:
    request = Request(
        f'{{ users(filter: {{ email: {{ _eq: "{PLACEHOLDER}" }} }}) {{ id }} }}',
        "token-1",
        '"users":[{"id":"',
        mode="cycle",
    )
    script = request.lua()
    for marker in MARKERS:
        assert marker not in script
    assert 'local prefix = [==[{"query": "{ users(filter: { email: { _eq: \\"]==]' in script
    assert 'local suffix = [==[\\" } }) { id } }"}]==]' in script
    assert 'local expect = [==["users":[{"id":"]==]' in script
    assert 'local forbid = [==["errors"]==]' in script
    assert 'local mode = "cycle"' in script
    assert 'wrk.headers["Authorization"] = "Bearer token-1"' in script


def test_lua_script_without_a_token_sends_no_authorization() -> None:
    script = Request("{ server_ping }", None, '"server_ping"').lua()
    assert "Authorization" not in script
    assert 'local mode = "static"' in script


def test_text_that_cannot_be_quoted_for_lua_is_refused() -> None:
    with pytest.raises(BenchError, match="cannot quote"):
        Request("{ server_ping }", None, "]==]").lua()


def test_template_prints_the_line_parse_wrk_reads() -> None:
    template = lua_template()
    assert 'io.write(string.format(\n    "BENCH_RESULT %d %d %d %d %d %d %d %d %d' in template
    assert '"BENCH_SAMPLE "' in template
    for marker in MARKERS:
        assert marker in template
