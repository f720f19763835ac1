"""Who is asking: every way a request carries a token, and every way a token is refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.clock import SettableClock
from app.services.container import Services
from tests.conftest import TEST_SECRET, create_user, gql, login
from tests.graphql.helpers import (
    ME_ADMIN,
    ME_ID,
    claims_of,
    delete_user,
    set_admin_access,
    set_status,
    signed_jwt,
    unsigned_jwt,
)
from tests.graphql.seed import assert_validation_error
from tests.graphql_reply import GraphQLReply
from tests.rest import TWO_TOKEN_SOURCES

OTHER_SECRET = "another-secret-that-is-long-enough-for-hs256-9876543210"


def _rest_error(message: str, code: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


INVALID_TOKEN = _rest_error("Invalid token.", "INVALID_TOKEN")
INVALID_CREDENTIALS = _rest_error("Invalid user credentials.", "INVALID_CREDENTIALS")


def _assert_refused(reply: GraphQLReply, status: int, body: dict[str, Any]) -> None:
    assert reply.status == status, reply.body
    assert reply.body == body


async def _admin_claims(client: httpx.AsyncClient) -> dict[str, Any]:
    """Claims of a real, valid token, to forge variations of."""
    return claims_of((await login(client))["access_token"])


async def test_anonymous_users_me_is_not_in_the_publics_schema(
    client: httpx.AsyncClient,
) -> None:
    """No token means the public, whose schema has no users_me (as Directus)."""
    assert_validation_error(await gql(client, ME_ID))


async def test_bearer_header_authenticates(client: httpx.AsyncClient) -> None:
    token = (await login(client))["access_token"]
    reply = await gql(client, ME_ID, token=token)
    assert reply.status == 200
    assert reply.data["users_me"]["email"] == "admin@example.com"


async def test_access_token_query_parameter_authenticates(client: httpx.AsyncClient) -> None:
    """Directus accepts ?access_token= where headers are awkward (links, websockets)."""
    token = (await login(client))["access_token"]
    response = await client.post(
        "/graphql/system", params={"access_token": token}, json={"query": ME_ID}
    )
    assert response.status_code == 200
    assert response.json()["data"]["users_me"]["email"] == "admin@example.com"


async def test_header_and_query_parameter_together_is_invalid_payload(
    client: httpx.AsyncClient,
) -> None:
    """Two tokens are ambiguous: which one is asking? Refuse rather than guess."""
    token = (await login(client))["access_token"]
    response = await client.post(
        "/graphql/system",
        params={"access_token": token},
        json={"query": ME_ID},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert response.json() == TWO_TOKEN_SOURCES


async def test_expired_jwt_is_token_expired(
    client: httpx.AsyncClient, clock: SettableClock
) -> None:
    """Past ACCESS_TOKEN_TTL (15 minutes) the client must refresh."""
    token = (await login(client))["access_token"]
    clock.advance(timedelta(minutes=16))
    _assert_refused(
        await gql(client, ME_ID, token=token),
        401,
        _rest_error("Token expired.", "TOKEN_EXPIRED"),
    )


async def test_jwt_signed_with_another_secret_is_invalid_token(
    client: httpx.AsyncClient,
) -> None:
    forged = signed_jwt(await _admin_claims(client), OTHER_SECRET)
    _assert_refused(await gql(client, ME_ID, token=forged), 403, INVALID_TOKEN)


async def test_unsigned_jwt_is_invalid_token(client: httpx.AsyncClient) -> None:
    """alg=none must never be accepted, whatever the claims say."""
    forged = unsigned_jwt(await _admin_claims(client))
    _assert_refused(await gql(client, ME_ID, token=forged), 403, INVALID_TOKEN)


async def test_jwt_with_another_algorithm_is_invalid_token(client: httpx.AsyncClient) -> None:
    """HS256 is pinned: even our own secret under HS512 is refused."""
    forged = signed_jwt(await _admin_claims(client), TEST_SECRET, algorithm="HS512")
    _assert_refused(await gql(client, ME_ID, token=forged), 403, INVALID_TOKEN)


@pytest.mark.parametrize("issuer", ["someone-else", None])
async def test_jwt_of_another_issuer_is_invalid_credentials(
    client: httpx.AsyncClient, issuer: str | None
) -> None:
    """As Directus: only a JWT that says `iss: directus` is judged as a JWT; any other
    token, even one signed with SECRET, is looked up as a static token and matches none."""
    claims = {**await _admin_claims(client), "iss": issuer}
    if issuer is None:
        del claims["iss"]
    forged = signed_jwt(claims, TEST_SECRET)
    _assert_refused(await gql(client, ME_ID, token=forged), 401, INVALID_CREDENTIALS)
    rest = await client.get("/users/me", headers={"Authorization": f"Bearer {forged}"})
    assert (rest.status_code, rest.json()) == (401, INVALID_CREDENTIALS)


async def test_scoped_token_of_another_issuer_is_no_access_token(
    client: httpx.AsyncClient,
) -> None:
    """A reset-scoped token that dodges the issuer check still authenticates nobody."""
    claims = {**await _admin_claims(client), "scope": "password-reset", "iss": "elsewhere"}
    forged = signed_jwt(claims, TEST_SECRET)
    _assert_refused(await gql(client, ME_ID, token=forged), 401, INVALID_CREDENTIALS)


@pytest.mark.parametrize("missing", ["id", "role", "app_access", "admin_access", "exp"])
async def test_jwt_missing_a_claim_is_invalid_token(
    client: httpx.AsyncClient, missing: str
) -> None:
    """A correctly signed token without the access claims is not an access token."""
    claims = await _admin_claims(client)
    del claims[missing]
    forged = signed_jwt(claims, TEST_SECRET)
    _assert_refused(await gql(client, ME_ID, token=forged), 403, INVALID_TOKEN)


async def test_jwt_not_valid_before_a_future_nbf_is_invalid_token(
    client: httpx.AsyncClient, clock: SettableClock
) -> None:
    """A correctly signed token with `nbf` in the future is refused, as Directus's
    jsonwebtoken does, on GraphQL and REST alike, until that moment comes."""
    claims = await _admin_claims(client)
    now = int(clock.now().timestamp())
    forged = signed_jwt({**claims, "nbf": now + 120}, TEST_SECRET)
    _assert_refused(await gql(client, ME_ID, token=forged), 403, INVALID_TOKEN)
    rest = await client.get("/users/me", headers={"Authorization": f"Bearer {forged}"})
    assert (rest.status_code, rest.json()) == (403, INVALID_TOKEN)
    clock.advance(timedelta(seconds=121))
    served = await gql(client, ME_ID, token=forged)
    assert served.data["users_me"]["email"] == "admin@example.com"


@pytest.mark.parametrize("nbf", ["soon", True, None])
async def test_jwt_with_a_malformed_nbf_is_invalid_token(
    client: httpx.AsyncClient, nbf: object
) -> None:
    forged = signed_jwt({**await _admin_claims(client), "nbf": nbf}, TEST_SECRET)
    _assert_refused(await gql(client, ME_ID, token=forged), 403, INVALID_TOKEN)


async def test_jwt_with_a_past_nbf_is_served(
    client: httpx.AsyncClient, clock: SettableClock
) -> None:
    claims = await _admin_claims(client)
    token = signed_jwt({**claims, "nbf": int(clock.now().timestamp()) - 5}, TEST_SECRET)
    assert (await gql(client, ME_ID, token=token)).data["users_me"]["email"] == (
        "admin@example.com"
    )


async def test_static_token_authenticates(client: httpx.AsyncClient, services: Services) -> None:
    """A non-JWT token is looked up as a user's static token."""
    await create_user(services, "static@example.com", static_token="static-token-123")
    reply = await gql(client, ME_ID, token="static-token-123")
    assert reply.status == 200
    assert reply.data["users_me"]["email"] == "static@example.com"


async def test_unknown_static_token_is_invalid_credentials(client: httpx.AsyncClient) -> None:
    _assert_refused(
        await gql(client, ME_ID, token="no-such-static-token"), 401, INVALID_CREDENTIALS
    )


async def test_static_token_of_suspended_user_is_invalid_credentials(
    client: httpx.AsyncClient, services: Services
) -> None:
    await create_user(
        services, "static@example.com", static_token="static-token-123", status="suspended"
    )
    _assert_refused(await gql(client, ME_ID, token="static-token-123"), 401, INVALID_CREDENTIALS)


async def test_deleted_users_jwt_is_invalid_credentials(
    client: httpx.AsyncClient, services: Services
) -> None:
    """A valid signature does not bring a deleted user back."""
    user = await create_user(services, "gone@example.com", "user-password-1")
    token = (await login(client, "gone@example.com", "user-password-1"))["access_token"]
    await delete_user(services, user.id)
    _assert_refused(await gql(client, ME_ID, token=token), 401, INVALID_CREDENTIALS)


async def test_user_suspended_after_login_loses_access_at_once(
    client: httpx.AsyncClient, services: Services
) -> None:
    """Suspension takes effect on the next request, not when the JWT expires."""
    user = await create_user(services, "active@example.com", "user-password-1")
    token = (await login(client, "active@example.com", "user-password-1"))["access_token"]
    assert (await gql(client, ME_ID, token=token)).data["users_me"]["id"] == user.id
    await set_status(services, user.id, "suspended")
    _assert_refused(await gql(client, ME_ID, token=token), 401, INVALID_CREDENTIALS)


async def test_admin_access_is_recomputed_from_the_database(
    client: httpx.AsyncClient, services: Services
) -> None:
    """A demoted role loses admin access although the old token still says admin."""
    user = await create_user(services, "boss@example.com", "user-password-1", admin=True)
    token = (await login(client, "boss@example.com", "user-password-1"))["access_token"]
    assert claims_of(token)["admin_access"] is True
    before = await gql(client, ME_ADMIN, token=token)
    assert before.data["users_me"]["role"]["admin_access"] is True

    assert user.role is not None
    await set_admin_access(services, user.role, admin_access=False)
    after = await gql(client, ME_ADMIN, token=token)
    assert after.status == 200
    assert "errors" not in after.body, after.body
    assert after.data["users_me"] == {
        "id": user.id,
        "role": {"admin_access": False, "app_access": True},
    }
