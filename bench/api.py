"""GraphQL over httpx, outside wrk: the tokens scenarios need and the sample answers checked."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from bench.common import GRAPHQL_PATH, BenchError
from bench.servers import Server

Check = Callable[[dict[str, Any]], str | None]


class Api:
    def __init__(self, server: Server) -> None:
        self._server = server
        self._client = httpx.Client(base_url=server.url, timeout=120)

    def close(self) -> None:
        self._client.close()

    def post(self, body: str, token: str | None = None) -> dict[str, Any]:
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        try:
            response = self._client.post(GRAPHQL_PATH, content=body, headers=headers)
        except httpx.TransportError as error:
            self._server.check_alive()
            raise BenchError(f"{self._server.name} did not answer: {error!r}") from error
        if response.status_code != 200:
            raise BenchError(f"HTTP {response.status_code}: {response.text[:500]}")
        answer: dict[str, Any] = response.json()
        return answer

    def login(self, email: str, password: str) -> dict[str, Any]:
        query = (
            f'mutation {{ auth_login(email: "{email}", password: "{password}") '
            "{ access_token refresh_token expires } }"
        )
        answer = self.post(json.dumps({"query": query}))
        tokens = (answer.get("data") or {}).get("auth_login")
        if not tokens or not tokens.get("access_token"):
            raise BenchError(f"login of {email} failed: {answer}")
        result: dict[str, Any] = tokens
        return result


def data_of(answer: dict[str, Any], name: str) -> Any:
    if answer.get("errors"):
        raise BenchError(f"{name} answered errors: {answer['errors']}")
    return (answer.get("data") or {}).get(name)
