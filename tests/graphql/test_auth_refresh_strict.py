"""Refresh without a reuse grace window (REFRESH_TOKEN_REUSE_INTERVAL=0): one use per token."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.conftest import gql, login
from tests.graphql.helpers import REFRESH


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"refresh_token_reuse_interval": 0}


async def test_parallel_refreshes_have_exactly_one_winner(client: httpx.AsyncClient) -> None:
    """Rotation is atomic: one token cannot be spent twice, however close the requests."""
    token = (await login(client))["refresh_token"]
    replies = await asyncio.gather(
        *(gql(client, REFRESH, {"refresh_token": token}) for _ in range(20))
    )
    winners = [reply for reply in replies if not reply.body.get("errors")]
    losers = [reply for reply in replies if reply.body.get("errors")]
    assert len(winners) == 1, [reply.body for reply in replies]
    assert len(losers) == 19
    for reply in losers:
        assert "data" not in reply.body
        assert reply.codes == ["INVALID_CREDENTIALS"]
    # The 19 replays of a spent token are reuse: the whole chain, successor too, is revoked.
    successor = winners[0].data["auth_refresh"]["refresh_token"]
    reply = await gql(client, REFRESH, {"refresh_token": successor})
    assert reply.codes == ["INVALID_CREDENTIALS"]


async def test_old_token_is_refused_at_once(client: httpx.AsyncClient) -> None:
    old = (await login(client))["refresh_token"]
    first = await gql(client, REFRESH, {"refresh_token": old})
    assert first.data["auth_refresh"]["refresh_token"]
    again = await gql(client, REFRESH, {"refresh_token": old})
    assert again.codes == ["INVALID_CREDENTIALS"]
