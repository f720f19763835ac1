"""Every probe the real Directus 11 answered (tests/fixtures/directus11/measured.json,
`probes`), replayed in the same order against our import of the same project
(tests/fixtures/directus11/directus11.db), on both our databases: the same status and the
same body, but for volatile values. The requests are written down once here, from
scripts/directus12-fixture/fixture.mjs `probes()`.

Left out on purpose (README, "Differences from Directus"): `admin_rest_create_custom_rule`
(how the fixture was set up, not a probe), the two `server_info` probes (Directus's own
features: AI, MCP, extensions, version), and the rows of our own first admin and its role,
which the Directus project does not have. Two differences are spelled out in `_ours_as`:
a failed GraphQL root field leaves no `data` key (BEHAVIOR.md), and a list without `sort`
comes in key order (Directus: the database's unspecified order).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from app.db.models import Role, User
from app.services.container import Services
from app.services.directus_import import import_directus
from tests.conftest import gql
from tests.graphql.helpers import ShortSecretTOTP

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "directus11"
MEASURED: dict[str, Any] = json.loads((FIXTURE / "measured.json").read_text())
IDS: dict[str, str] = MEASURED["ids"]["users"]
VIEWER = IDS["viewer@example.com"]
OWNER = "owner@dauth.example"
VOLATILE = {"last_access", "access_token", "refresh_token", "expires", "token"}
NOT_REPLAYED = {"admin_rest_create_custom_rule", "admin_server_info", "anonymous_server_info"}


@dataclass(frozen=True)
class Probe:
    """One request: REST (`method` and `path`) or GraphQL (`query`); `who` logs in first
    (a key of the fixture's users: editor → editor@example.com); `ip`: X-Forwarded-For."""

    name: str
    who: str | None = None
    method: str = "GET"
    path: str = ""
    body: Any = None
    query: str | None = None
    ip: str | None = None
    login: dict[str, Any] | None = field(default=None)
    status_only: bool = False


def _patch(name: str, who: str, user: str, body: dict[str, Any]) -> Probe:
    return Probe(name, who, "PATCH", f"/users/{user}?fields=id", body)


PROBES = [
    _patch("ghsa_editor_rest_title_on_other", "editor", VIEWER, {"title": "Probe"}),
    _patch("ghsa_editor_rest_first_name_on_other", "editor", VIEWER, {"first_name": "Probe"}),
    _patch(
        "ghsa_editor_rest_title_and_first_name_on_other",
        "editor",
        VIEWER,
        {"title": "Probe2", "first_name": "Probe2"},
    ),
    Probe(
        "ghsa_editor_rest_title_and_first_name_on_self",
        "editor",
        "PATCH",
        "/users/me?fields=id,first_name,title",
        {"title": "Self", "first_name": "Eda"},
    ),
    Probe(
        "ghsa_editor_graphql_first_name_on_other",
        "editor",
        query=f'mutation {{ update_users_item(id: "{VIEWER}", data: {{ first_name: "Probe3" }})'
        " { id } }",
    ),
    Probe(
        "ghsa_editor_graphql_title_and_first_name_on_other",
        "editor",
        query=f'mutation {{ update_users_item(id: "{VIEWER}", data: {{ title: "Probe4", '
        'first_name: "Probe4" }) { id } }',
    ),
    _patch("nested_junior_rest_title_on_other", "junior", VIEWER, {"title": "Probe5"}),
    Probe("viewer_after_probes", "admin", path=f"/users/{VIEWER}?fields=first_name,title"),
    # The fixture puts the project back here (admin PATCHes: not measured).
    Probe(
        "restore_viewer",
        "admin",
        "PATCH",
        f"/users/{VIEWER}",
        {"first_name": "Vic", "title": "Reader"},
    ),
    Probe(
        "restore_editor", "admin", "PATCH", f"/users/{IDS['editor@example.com']}", {"title": None}
    ),
    Probe("ip_viewer_globals_from_10_x", "viewer", path="/policies/me/globals", ip="10.1.2.3"),
    Probe(
        "ip_viewer_rest_users_from_10_x",
        "viewer",
        path="/users?fields=id,email&sort=email",
        ip="10.1.2.3",
    ),
    Probe(
        "ip_viewer_rest_users_from_192_168_x",
        "viewer",
        path="/users?fields=id,email&sort=email",
        ip="192.168.1.2",
    ),
    Probe("anonymous_graphql_users_me", query="{ users_me { id } }"),
    Probe("anonymous_graphql_roles", query="{ roles { name } }"),
    Probe("anonymous_rest_roles", path="/roles?fields=name"),
    Probe("anonymous_rest_roles_all_fields", path="/roles?fields=*"),
    Probe("staff_graphql_users_id_email", "staff", query="{ users { id email } }"),
    Probe("viewer_graphql_users_id_email", "viewer", query="{ users { id email } }"),
    Probe("viewer_rest_users", "viewer", path="/users?fields=id,first_name,email&sort=email"),
    Probe("editor_rest_users", "editor", path="/users?fields=id,email,title&sort=email"),
    Probe("direct_rest_users", "direct", path="/users?fields=id,email&sort=email"),
    Probe("anonymous_rest_users_me", path="/users/me"),
    Probe("anonymous_server_health", path="/server/health", status_only=True),
    Probe("admin_server_health", "admin", path="/server/health", status_only=True),
    Probe("login_suspended", login={"key": "suspended"}),
    Probe("login_wrong_password", login={"email": "staff@example.com", "password": "wrong"}),
    Probe("login_tfa_without_otp", login={"key": "tfa"}),
    Probe("login_tfa_wrong_otp", login={"key": "tfa", "otp": "000000"}),
]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Our first admin under an address the fixture does not use; X-Forwarded-For trusted
    (the fixture's ./make trusts it from the loopback)."""
    return {"admin_email": OWNER, "ip_trust_proxy": True}


def _stable(value: Any) -> Any:
    """As fixture.mjs's `stable`: volatile values replaced, our own first admin left out."""
    if isinstance(value, list):
        return [_stable(item) for item in value if not _ours(item)]
    if isinstance(value, dict):
        return {
            key: "<volatile>" if key in VOLATILE and item is not None else _stable(item)
            for key, item in value.items()
        }
    return value


OWNER_ROLE = "Owner of this dauth"


def _ours(item: Any) -> bool:
    return (isinstance(item, dict) and OWNER in (item.get("email"), item.get("name"))) or (
        isinstance(item, dict) and item.get("name") == OWNER_ROLE
    )


def _as_ours(probe: Probe, measured: dict[str, Any]) -> dict[str, Any]:
    """Directus's answer with the two deliberate differences applied (see the docstring)."""
    body = measured.get("body")
    if not isinstance(body, dict):
        return measured
    data = body.get("data")
    if body.get("errors") and isinstance(data, dict) and all(v is None for v in data.values()):
        body = {key: value for key, value in body.items() if key != "data"}
        data = None
    if "sort=" not in probe.path and probe.query is None and isinstance(data, list):
        body = {**body, "data": _keyed(data)}
    if probe.query is not None and isinstance(data, dict):
        body = {
            **body,
            "data": {k: _keyed(v) if isinstance(v, list) else v for k, v in data.items()},
        }
    return {**measured, "body": body}


def _keyed(rows: list[Any]) -> list[Any]:
    return sorted(rows, key=lambda row: json.dumps(row, sort_keys=True))


def _user(key: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        user for user in MEASURED["users"] if user["email"] == f"{key}@example.com"
    )
    return found


async def _token(client: httpx.AsyncClient, services: Services, key: str) -> str:
    user = _user(key)
    body: dict[str, Any] = {"email": user["email"], "password": user["password"]}
    if user.get("tfa"):
        body["otp"] = ShortSecretTOTP(MEASURED["tfa"]["secret"]).at(services.clock.now())
    response = await client.post("/auth/login", json=body)
    assert response.status_code == 200, response.text
    token: str = response.json()["data"]["access_token"]
    return token


async def _answer(client: httpx.AsyncClient, probe: Probe, token: str | None) -> dict[str, Any]:
    headers = {"X-Forwarded-For": probe.ip or "127.0.0.1"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if probe.login is not None:
        key = probe.login.get("key")
        body = (
            dict(probe.login)
            if key is None
            else {
                "email": _user(key)["email"],
                "password": _user(key)["password"],
            }
        )
        if probe.login.get("otp"):
            body["otp"] = probe.login["otp"]
        response = await client.post("/auth/login", json=body, headers=headers)
    elif probe.query is not None:
        reply = await gql(client, probe.query, token=token, headers=headers)
        return {"status": reply.status, "body": reply.body}
    else:
        response = await client.request(probe.method, probe.path, json=probe.body, headers=headers)
    if probe.status_only:
        return {"status": response.status_code}
    answer: dict[str, Any] = {"status": response.status_code}
    if response.content:
        answer["body"] = response.json()
    return answer


def _unordered(probe: Probe, answer: dict[str, Any]) -> dict[str, Any]:
    """Our answer's unsorted lists in the order `_as_ours` puts Directus's in."""
    return _as_ours(probe, answer) if "body" in answer else answer


async def test_every_probe_answers_as_directus_11_did(
    client: httpx.AsyncClient, services: Services, tmp_path: Path
) -> None:
    source = shutil.copyfile(FIXTURE / "directus11.db", tmp_path / "directus.db")
    await import_directus(services, str(source))
    async with services.db.write() as session:
        owner = (await session.exec(select(User).where(col(User.email) == OWNER))).one()
        role = await session.get(Role, owner.role)
        assert role is not None
        role.name = OWNER_ROLE
        session.add(role)
    tokens: dict[str, str] = {}
    differences: dict[str, Any] = {}
    replayed = set()
    for probe in PROBES:
        if probe.who is not None and probe.who not in tokens:
            tokens[probe.who] = await _token(client, services, probe.who)
        answer = _stable(await _answer(client, probe, tokens.get(probe.who or "")))
        measured = MEASURED["probes"].get(probe.name)
        if measured is None:
            assert answer["status"] < 300, (probe.name, answer)  # a restoring write
            continue
        replayed.add(probe.name)
        expected = _stable(_as_ours(probe, measured))
        if _unordered(probe, answer) != expected:
            differences[probe.name] = {"ours": answer, "directus": measured}
    assert differences == {}
    assert replayed | NOT_REPLAYED == set(MEASURED["probes"])
