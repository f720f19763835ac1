"""The scenarios against `dauth serve`: each one's request, its sample check, and their order
(the floor and the raw argon2 rate are measured between them, see server_scenarios)."""

from __future__ import annotations

from typing import Any

from bench.api import Api, data_of
from bench.common import BIN, GRAPHQL_PATH, PLACEHOLDER, USER_FIELDS
from bench.load import Request
from bench.names import ROLE_NAMES
from bench.phases import argon2_phase, floor_phase, memory_marks, storm
from bench.run import Run
from bench.seeding import Plan, SeededUser
from bench.servers import Server, free_port, start_server, stop_group


def server_phase(run: Run, plan: Plan) -> None:
    """Every scenario against `dauth serve`, then the memory marks."""
    port = free_port()
    env = {**run.env, "PORT": str(port)}
    run.say(f"Starting dauth serve (WORKERS={run.options.workers}) on port {port} ...")
    server = start_server(
        "server",
        [str(BIN / "dauth"), "serve"],
        cwd=run.work,
        env=env,
        port=port,
        workers=run.options.workers,
        ready_path=f"{GRAPHQL_PATH}?query=%7Bserver_ping%7D",
        cleanup=run.cleanup,
    )
    api = Api(server)
    try:
        server_scenarios(run, server, api, plan)
        memory_marks(run, server, api, plan)
    finally:
        api.close()
        stop_group(server.process)
        run.server_log_problems = server.log_problems()
        server.keep_log_tail(run.wrk.raw_dir)


def server_scenarios(run: Run, server: Server, api: Api, plan: Plan) -> None:
    url = server.url
    quick = run.options.quick

    def user_token() -> str:
        return str(api.login(plan.me.email, plan.password)["access_token"])

    def admin_token() -> str:
        return str(api.login(run.admin_email, run.admin_password)["access_token"])

    def me_request() -> Request:
        return Request(
            f"{{ users_me {{ {USER_FIELDS} }} }}",
            user_token(),
            f'"users_me":{{"id":"{plan.me.id}"',
        )

    run.warm_up(url, me_request(), 1 if quick else 3)
    run.memory["after_start"] = server.memory()
    peak_reset = server.reset_peak()
    if not peak_reset:
        run.notes.append("VmHWM could not be reset: peaks include start-up.")

    def check_me(answer: dict[str, Any]) -> str | None:
        me = data_of(answer, "users_me")
        if not me or me.get("id") != plan.me.id or (me.get("role") or {}).get("name") is None:
            return f"unexpected users_me {me}"
        return None

    run.say("Scenarios:")
    run.measure("users_me", me_request, server, check_me)
    # The floor right after, so both see the same machine (others may be busy on it).
    floor_phase(run, plan)

    expected_rows = min(25, plan.users + 1)

    def check_list(answer: dict[str, Any]) -> str | None:
        rows = data_of(answer, "users")
        if not isinstance(rows, list) or len(rows) != expected_rows:
            return f"expected {expected_rows} users, got {rows!r:.200}"
        if any(not row.get("email") or not row.get("role") for row in rows):
            return "a user without email or role"
        return None

    run.measure(
        "users_list",
        lambda: Request(
            f"{{ users(limit: 25) {{ {USER_FIELDS} }} }}", admin_token(), '"users":[{"id":"'
        ),
        server,
        check_list,
    )

    expected_hundred = min(100, plan.users + 1)

    def check_hundred(answer: dict[str, Any]) -> str | None:
        rows = data_of(answer, "users")
        if not isinstance(rows, list) or len(rows) != expected_hundred:
            return f"expected {expected_hundred} users, got {len(rows or [])}"
        return None

    run.measure(
        "users_list100",
        lambda: Request(
            f"{{ users(limit: 100) {{ {USER_FIELDS} }} }}", admin_token(), '"users":[{"id":"'
        ),
        server,
        check_hundred,
    )

    role = ROLE_NAMES[0]

    def check_filtered(answer: dict[str, Any]) -> str | None:
        rows = data_of(answer, "users")
        if not isinstance(rows, list) or not 0 < len(rows) <= 25:
            return f"expected 1 to 25 users, got {rows!r:.200}"
        if any((row.get("role") or {}).get("name") != role for row in rows):
            return f"a user not in {role}: {rows!r:.200}"
        return None

    run.measure(
        "users_filtered",
        lambda: Request(
            f'{{ users(limit: 25, filter: {{ role: {{ name: {{ _eq: "{role}" }} }} }},'
            f' sort: ["-last_access"]) {{ {USER_FIELDS} }} }}',
            admin_token(),
            '"users":[{"id":"',
        ),
        server,
        check_filtered,
    )

    first = plan.samples[0]

    def check_by_id(answer: dict[str, Any]) -> str | None:
        row = data_of(answer, "users_by_id")
        if not row or row.get("id") != first.id or row.get("email") != first.email:
            return f"expected {first.email}, got {row}"
        return None

    run.measure(
        "users_by_id",
        lambda: Request(
            f'{{ users_by_id(id: "{PLACEHOLDER}") {{ {USER_FIELDS} }} }}',
            admin_token(),
            '"users_by_id":{"id":"',
            values=plan.sample_ids,
            mode="cycle",
        ),
        server,
        check_by_id,
        check_value=first.id,
    )

    def check_by_email(answer: dict[str, Any]) -> str | None:
        rows = data_of(answer, "users")
        if not isinstance(rows, list) or [row.get("id") for row in rows] != [first.id]:
            return f"expected exactly {first.email}, got {rows}"
        return None

    run.measure(
        "users_by_email",
        lambda: Request(
            f'{{ users(filter: {{ email: {{ _eq: "{PLACEHOLDER}" }} }}) {{ {USER_FIELDS} }} }}',
            admin_token(),
            '"users":[{"id":"',
            values=plan.sample_emails,
            mode="cycle",
        ),
        server,
        check_by_email,
        check_value=first.email,
    )

    def check_sorted(answer: dict[str, Any]) -> str | None:
        problem = check_list(answer)
        if problem:
            return problem
        emails = [row["email"] for row in data_of(answer, "users")]
        # Collations differ (PostgreSQL's may skip punctuation): check the first letters.
        initials = [email[0] for email in emails]
        if initials != sorted(initials):
            return f"not sorted by email: {emails}"
        return None

    run.measure(
        "users_sorted",
        lambda: Request(
            f'{{ users(sort: ["email"], limit: 25) {{ {USER_FIELDS} }} }}',
            admin_token(),
            '"users":[{"id":"',
        ),
        server,
        check_sorted,
    )

    def refresh_request(concurrency: int) -> Request:
        return Request(
            f'mutation {{ auth_refresh(refresh_token: "{PLACEHOLDER}", mode: json) '
            "{ access_token refresh_token expires } }",
            None,
            '"refresh_token":"',
            values=plan.refresh_files[concurrency],
            mode="consume",
        )

    check_token = plan.check_tokens[0]

    def check_refresh(answer: dict[str, Any]) -> str | None:
        tokens = data_of(answer, "auth_refresh")
        if not tokens or not tokens.get("refresh_token") or not tokens.get("access_token"):
            return f"no tokens: {tokens}"
        if tokens["refresh_token"] == check_token:
            return "the refresh token was not rotated"
        return None

    run.measure(
        "auth_refresh",
        lambda: refresh_request(1),
        server,
        check_refresh,
        check_value=check_token,
        request_for_c=refresh_request,
        note="every request presents a fresh, never used refresh token",
    )

    def login_request(user: SeededUser, password: str, expect: str, forbid: str) -> Request:
        query = (
            f'mutation {{ auth_login(email: "{user.email}", password: "{password}") '
            "{ access_token refresh_token expires } }"
        )
        return Request(query, None, expect, forbid)

    def check_wrong(answer: dict[str, Any]) -> str | None:
        codes = [
            (error.get("extensions") or {}).get("code") for error in answer.get("errors") or []
        ]
        if codes != ["INVALID_CREDENTIALS"]:
            return f"expected INVALID_CREDENTIALS, got {answer}"
        return None

    # The raw rate just before the logins, with the server idle, for the same reason.
    argon2_phase(run, plan)
    run.measure(
        "auth_login_wrong",
        lambda: login_request(
            plan.login_wrong, "not-the-password", '"INVALID_CREDENTIALS"', '"access_token":"'
        ),
        server,
        check_wrong,
        note="after 5 failures the account is locked; locked attempts still cost one verify",
    )

    def check_right(answer: dict[str, Any]) -> str | None:
        tokens = data_of(answer, "auth_login")
        if not tokens or not tokens.get("access_token") or not tokens.get("refresh_token"):
            return f"no tokens: {tokens}"
        return None

    run.measure(
        "auth_login",
        lambda: login_request(plan.login_right, plan.password, '"access_token":"', '"errors"'),
        server,
        check_right,
    )

    storm(run, server, plan, me_request, login_request, check_me)
