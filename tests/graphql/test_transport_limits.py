"""MAX_PAYLOAD_SIZE: oversized bodies are refused before they are parsed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

PATH = "/graphql/system"
LIMIT = 2000


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"max_payload_size": LIMIT}


def _assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text
    errors = response.json()["errors"]
    assert errors, errors
    assert all(error["extensions"]["code"] for error in errors), errors


async def test_body_over_the_limit_is_413(client: httpx.AsyncClient) -> None:
    padding = "x" * (LIMIT + 100)
    response = await client.post(PATH, json={"query": "{ server_ping }", "padding": padding})
    _assert_too_large(response)


async def test_streamed_body_over_the_limit_is_413(client: httpx.AsyncClient) -> None:
    """Without a Content-Length the limit must still hold while reading."""

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ server_ping }", "padding": "'
        for _ in range(10):
            yield b"x" * 500
        yield b'"}'

    response = await client.post(
        PATH, content=chunks(), headers={"Content-Type": "application/json"}
    )
    _assert_too_large(response)


async def test_body_under_the_limit_is_served(client: httpx.AsyncClient) -> None:
    padding = "x" * (LIMIT // 2)
    response = await client.post(PATH, json={"query": "{ server_ping }", "padding": padding})
    assert response.status_code == 200
    assert response.json() == {"data": {"server_ping": "pong"}}
