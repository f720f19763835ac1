"""GRAPHQL_SINGLE_USE_MUTATIONS: the operator's list replaces Directus's default, aliases and
fragments still counted; an empty list lifts the rule. (The default list's cases are in
test_document_limits.py.)"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.services.container import Services
from tests.conftest import create_user, gql
from tests.graphql.security_helpers import count_verify, validation_messages

EMAIL = "victim@example.com"
TWO_LOGINS = (
    f'mutation {{ a: auth_login(email: "{EMAIL}", password: "guess-1") {{ access_token }}'
    f' b: auth_login(email: "{EMAIL}", password: "guess-2") {{ access_token }} }}'
)
TWO_RESET_REQUESTS = (
    'mutation { ...P again: auth_password_request(email: "a@example.com") }'
    ' fragment P on Mutation { auth_password_request(email: "b@example.com") }'
)


class TestOwnList:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        # As the variable is written: comma-separated, spaces allowed.
        return {"graphql_single_use_mutations": "auth_password_request, users_invite"}

    async def test_a_listed_mutation_is_refused_twice_through_a_fragment(
        self, client: httpx.AsyncClient
    ) -> None:
        reply = await gql(client, TWO_RESET_REQUESTS)
        assert validation_messages(reply) == [
            '"auth_password_request" can only be used once per request'
        ]

    async def test_a_mutation_left_off_the_list_may_repeat(
        self, client: httpx.AsyncClient, services: Services, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        await create_user(services, EMAIL, "victim-password-1")
        verified = count_verify(services, monkeypatch)
        reply = await gql(client, TWO_LOGINS)
        assert reply.status == 200, reply.body
        assert "data" not in reply.body
        assert reply.codes == ["INVALID_CREDENTIALS", "INVALID_CREDENTIALS"]
        assert sorted(verified) == ["guess-1", "guess-2"]


class TestEmptyList:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"graphql_single_use_mutations": ""}

    async def test_nothing_is_single_use(self, client: httpx.AsyncClient) -> None:
        reply = await gql(client, TWO_RESET_REQUESTS)
        assert reply.status == 200, reply.body
        assert reply.body == {"data": {"auth_password_request": True, "again": True}}
