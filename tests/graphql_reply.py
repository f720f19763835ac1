"""What a GraphQL answer is to the tests: its status, its JSON body, the data and the error
codes. One class for the in-process client (tests.conftest.gql) and for the real server
processes (tests.e2e.instances.gql)."""

from __future__ import annotations

from collections.abc import Mapping
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


def post_graphql(
    url: str,
    query: str,
    variables: Mapping[str, Any] | None = None,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10,
) -> GraphQLReply:
    """POSTs a GraphQL document to the /graphql/system of a real server at `url`."""
    response = httpx.post(
        f"{url}/graphql/system",
        json={"query": query, "variables": dict(variables or {})},
        headers=bearer_headers(token, headers),
        timeout=timeout,
    )
    return GraphQLReply.of(response)


def bearer_headers(token: str | None, headers: dict[str, str] | None = None) -> dict[str, str]:
    """`headers` plus the Authorization header a client sends with `token` (if any)."""
    result = dict(headers or {})
    if token is not None:
        result["Authorization"] = f"Bearer {token}"
    return result


# What a test asserts of a reply ---------------------------------------------------------


def ok(reply: GraphQLReply, field: str) -> Any:
    """The value of a mutation that must have succeeded."""
    assert reply.status == 200, reply.body
    assert "errors" not in reply.body, reply.body
    return reply.data[field]


def refused(reply: GraphQLReply, code: str, message: str | None = None) -> None:
    """One coded resolver error, and no data for the mutation."""
    assert reply.status == 200, reply.body
    assert reply.codes == [code], reply.body
    data = reply.body.get("data")
    assert data is None or all(value is None for value in data.values()), reply.body
    if message is not None:
        assert reply.body["errors"][0]["message"] == message, reply.body


def message_of(reply: GraphQLReply) -> str:
    errors = reply.body.get("errors")
    assert errors, reply.body
    text: str = errors[0]["message"]
    return text
