"""What a GraphQL answer is to the tests: its status, its JSON body, the data and the error
codes. One class for the in-process client (tests.conftest.gql) and for the real server
processes (tests.e2e.instances.gql)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class GraphQLReply:
    status: int
    body: dict[str, Any]
    response: httpx.Response

    @classmethod
    def of(cls, response: httpx.Response) -> GraphQLReply:
        """The reply carried by `response`, whose body must be one JSON object."""
        body = response.json()
        assert isinstance(body, dict), response.text
        return cls(response.status_code, body, response)

    @property
    def data(self) -> dict[str, Any]:
        data = self.body.get("data")
        assert isinstance(data, dict), self.body
        return data

    @property
    def codes(self) -> list[str]:
        return [error["extensions"]["code"] for error in self.body.get("errors", [])]


def bearer_headers(token: str | None, headers: dict[str, str] | None = None) -> dict[str, str]:
    """`headers` plus the Authorization header a client sends with `token` (if any)."""
    result = dict(headers or {})
    if token is not None:
        result["Authorization"] = f"Bearer {token}"
    return result
