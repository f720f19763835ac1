"""Every GraphQL example of the reference docs validates against the served schema and runs.

Two examples select `role` without sub-fields, which is invalid GraphQL; they are checked to be
refused as written and run in their corrected form (`role { id name }`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import parse, validate

from app.services.container import Services
from resolvers.schema import schema
from tests.conftest import create_role, create_user, gql, login

EXAMPLES = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "reference-graphql-examples.json").read_text()
)
OPERATIONS: list[str] = [item["text"] for item in EXAMPLES if item["kind"] == "operation"]
ADA = "72a1ce24-4748-47de-a05f-ce9af3033727"
GRACE = "9c3d75a8-7a5f-41a4-be0a-1488fd974511"
PUBLIC_ROLE = "c86c2761-65d3-43c3-897f-6f74ad6a5bd7"
OWNER, OWNER_PASSWORD = "owner@example.com", "owner-password-1"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"admin_email": OWNER, "admin_password": OWNER_PASSWORD}


def _corrected(operation: str) -> str:
    return operation.replace("email\nrole\n}", "email\nrole { id name }\n}")


Check = Callable[[dict[str, Any]], None]


def _expect_data(check: Callable[[dict[str, Any]], bool]) -> Check:
    def verify(body: dict[str, Any]) -> None:
        assert "errors" not in body, body
        assert check(body["data"]), body

    return verify


def _expect_code(code: str) -> Check:
    def verify(body: dict[str, Any]) -> None:
        assert [error["extensions"]["code"] for error in body["errors"]] == [code], body

    return verify


OWNER_CALLS, ADMIN_CALLS, ANONYMOUS = "owner", "admin", None

EXPECTED: dict[int, tuple[str | None, Check]] = {
    # index among operations: (who sends it, check of the answer)
    0: (
        OWNER_CALLS,
        _expect_data(
            lambda d: (
                {u["email"] for u in d["users"]} == {OWNER, "ada@example.com", "grace@example.com"}
            )
        ),
    ),
    1: (OWNER_CALLS, _expect_data(lambda d: d["users_by_id"]["first_name"] == "Ada")),
    2: (OWNER_CALLS, _expect_data(lambda d: d["users_me"] == {"email": OWNER})),
    3: (
        OWNER_CALLS,
        _expect_data(lambda d: d["update_users_me"] == {"email": "new.email@example.com"}),
    ),
    4: (
        OWNER_CALLS,
        _expect_data(
            lambda d: (
                d["create_users_item"]
                == {"email": "another@example.com", "role": {"id": PUBLIC_ROLE, "name": "Public"}}
            )
        ),
    ),
    5: (
        OWNER_CALLS,
        _expect_data(
            lambda d: (
                [u["role"]["id"] for u in d["create_users_items"]] == [PUBLIC_ROLE, PUBLIC_ROLE]
            )
        ),
    ),
    6: (
        OWNER_CALLS,
        _expect_data(
            lambda d: d["update_users_item"] == {"first_name": "Ada", "last_name": "Lovelace"}
        ),
    ),
    7: (OWNER_CALLS, _expect_data(lambda d: len(d["update_users_items"]) == 2)),
    8: (OWNER_CALLS, _expect_data(lambda d: d["delete_users_item"] == {"id": ADA})),
    9: (
        OWNER_CALLS,
        _expect_data(lambda d: sorted(d["delete_users_items"]["ids"]) == sorted([ADA, GRACE])),
    ),
    10: (OWNER_CALLS, _expect_data(lambda d: d["users_invite"] is True)),
    11: (ANONYMOUS, _expect_code("INVALID_TOKEN")),
    12: (
        ADMIN_CALLS,
        _expect_data(
            lambda d: d["users_me_tfa_generate"]["otpauth_url"].startswith("otpauth://totp/")
        ),
    ),
    13: (ADMIN_CALLS, _expect_code("INVALID_PAYLOAD")),
    14: (ADMIN_CALLS, _expect_code("INVALID_PAYLOAD")),
    15: (ANONYMOUS, _expect_code("INVALID_CREDENTIALS")),
    16: (ANONYMOUS, _expect_data(lambda d: bool(d["auth_login"]["access_token"]))),
    17: (ANONYMOUS, _expect_code("INVALID_CREDENTIALS")),
    18: (ANONYMOUS, _expect_code("INVALID_CREDENTIALS")),
    19: (ANONYMOUS, _expect_data(lambda d: d["auth_logout"] is True)),
    20: (ANONYMOUS, _expect_data(lambda d: d["auth_logout"] is True)),
    21: (ANONYMOUS, _expect_data(lambda d: d["auth_password_request"] is True)),
    22: (ANONYMOUS, _expect_data(lambda d: d["auth_password_request"] is True)),
    # Not a password-reset JWT at all: INVALID_TOKEN (Directus 12; FORBIDDEN is for a used one).
    23: (ANONYMOUS, _expect_code("INVALID_TOKEN")),
    24: (ANONYMOUS, _expect_code("INVALID_TOKEN")),
}


def test_every_example_has_an_expectation() -> None:
    assert set(range(len(OPERATIONS))) == set(EXPECTED)


def test_examples_selecting_role_without_fields_are_invalid_as_written() -> None:
    broken = [op for op in OPERATIONS if _corrected(op) != op]
    assert len(broken) == 2
    for operation in broken:
        assert validate(schema._schema, parse(operation))
        assert not validate(schema._schema, parse(_corrected(operation)))


@pytest.mark.parametrize("index", sorted(EXPECTED))
async def test_reference_example_runs(
    index: int, client: httpx.AsyncClient, services: Services
) -> None:
    operation = _corrected(OPERATIONS[index])
    assert not validate(schema._schema, parse(operation))
    await create_user(
        services, "ada@example.com", user_id=ADA, first_name="Ada", last_name="Lovelace"
    )
    await create_user(
        services, "grace@example.com", user_id=GRACE, first_name="Grace", last_name="Hopper"
    )
    await create_role(services, PUBLIC_ROLE, "Public")
    who, check = EXPECTED[index]
    if who == ADMIN_CALLS or ("d1r3ctu5" in operation and "auth_login" in operation):
        await create_user(services, "admin@example.com", "d1r3ctu5", admin=True)
    token = None
    if who == OWNER_CALLS:
        token = (await login(client, OWNER, OWNER_PASSWORD))["access_token"]
    elif who == ADMIN_CALLS:
        token = (await login(client, "admin@example.com", "d1r3ctu5"))["access_token"]
    reply = await gql(client, operation, token=token)
    assert reply.status == 200
    check(reply.body)
