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
from tests.conftest import create_user, gql, login

EXAMPLES = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "reference-graphql-examples.json").read_text()
)
OPERATIONS: list[str] = [item["text"] for item in EXAMPLES if item["kind"] == "operation"]
ADA = "72a1ce24-4748-47de-a05f-ce9af3033727"
GRACE = "9c3d75a8-7a5f-41a4-be0a-1488fd974511"
PUBLIC_ROLE = "c86c2761-65d3-43c3-897f-6f74ad6a5bd7"
OWNER, OWNER_PASSWORD = "owner@example.com", "owner-password-1"

# Root fields of the later issue on mailed flows and two-factor auth.
LATER = ("users_invite", "users_me_tfa_", "auth_password_")


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"admin_email": OWNER, "admin_password": OWNER_PASSWORD}


def _corrected(operation: str) -> str:
    return operation.replace("email\nrole\n}", "email\nrole { id name }\n}")


def _served(operation: str) -> bool:
    return not any(f"{prefix}" in operation.split("(")[0] for prefix in LATER)


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


EXPECTED: dict[int, tuple[bool, Check]] = {
    # index among operations: (sent as the admin?, check of the answer)
    0: (
        True,
        _expect_data(
            lambda d: (
                {u["email"] for u in d["users"]} == {OWNER, "ada@example.com", "grace@example.com"}
            )
        ),
    ),
    1: (True, _expect_data(lambda d: d["users_by_id"]["first_name"] == "Ada")),
    2: (True, _expect_data(lambda d: d["users_me"] == {"email": OWNER})),
    3: (True, _expect_data(lambda d: d["update_users_me"] == {"email": "new.email@example.com"})),
    4: (
        True,
        _expect_data(
            lambda d: (
                d["create_users_item"]
                == {"email": "another@example.com", "role": {"id": PUBLIC_ROLE, "name": "Public"}}
            )
        ),
    ),
    5: (
        True,
        _expect_data(
            lambda d: (
                [u["role"]["id"] for u in d["create_users_items"]] == [PUBLIC_ROLE, PUBLIC_ROLE]
            )
        ),
    ),
    6: (
        True,
        _expect_data(
            lambda d: d["update_users_item"] == {"first_name": "Ada", "last_name": "Lovelace"}
        ),
    ),
    7: (True, _expect_data(lambda d: len(d["update_users_items"]) == 2)),
    8: (True, _expect_data(lambda d: d["delete_users_item"] == {"id": ADA})),
    9: (
        True,
        _expect_data(lambda d: sorted(d["delete_users_items"]["ids"]) == sorted([ADA, GRACE])),
    ),
    15: (False, _expect_code("INVALID_CREDENTIALS")),
    16: (False, _expect_data(lambda d: bool(d["auth_login"]["access_token"]))),
    17: (False, _expect_code("INVALID_CREDENTIALS")),
    18: (False, _expect_code("INVALID_CREDENTIALS")),
    19: (False, _expect_data(lambda d: d["auth_logout"] is True)),
    20: (False, _expect_data(lambda d: d["auth_logout"] is True)),
}


def test_every_served_example_has_an_expectation() -> None:
    served = {index for index, op in enumerate(OPERATIONS) if _served(op)}
    assert served == set(EXPECTED)


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
    if "d1r3ctu5" in operation and "auth_login" in operation:
        await create_user(services, "admin@example.com", "d1r3ctu5", admin=True)
    as_admin, check = EXPECTED[index]
    token = (await login(client, OWNER, OWNER_PASSWORD))["access_token"] if as_admin else None
    reply = await gql(client, operation, token=token)
    assert reply.status == 200
    check(reply.body)
