"""Cross-site WebSocket hijacking: a page of another origin opening a socket carries the
browser's session cookie, and no CORS check stops it reading the answers. So the cookie
authenticates a socket only where a credentialed fetch from that origin would be allowed;
with CORS_ORIGIN=* (which never allows credentials) a foreign page's socket is anonymous."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus

from tests.e2e.instances import ADMIN_EMAIL, ADMIN_PASSWORD, CHEAP, SECRET, SESSION_COOKIE, gql
from tests.e2e.server_process import RunningServer, running_server
from tests.e2e.sockets import next_message, subscription

pytestmark = pytest.mark.e2e

ME = "{ users_me { email } }"
SESSION_LOGIN = (
    "mutation($e: String!, $p: String!) { auth_login(email: $e, password: $p, mode: session) "
    "{ expires } }"
)
EVIL = "https://evil.example"
FRIEND = "https://app.example"


@pytest.fixture(scope="module", params=["*", FRIEND])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    env = {
        "SECRET": SECRET,
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "CORS_ENABLED": "true",
        "CORS_ORIGIN": str(request.param),
        **CHEAP,
    }
    workdir: Path = tmp_path_factory.mktemp("socket-cookies")
    with running_server(workdir, env) as running:
        yield running


async def _me_over_socket(
    server: RunningServer, cookie: str, origin: str | None, token: str | None = None
) -> Any:
    async with subscription(server, token, ME, cookie=cookie, origin=origin, settle=0) as socket:
        message = await next_message(socket)
        if message["type"] == "error":
            # The socket acts as the public, whose schema has no users_me: None.
            (error,) = message["payload"]
            assert error["message"] == 'Cannot query field "users_me" on type "Query".', message
            return None
        assert message["type"] == "next", message
        return message["payload"]["data"]["users_me"]


def _session(server: RunningServer) -> str:
    login = gql(server, SESSION_LOGIN, {"e": ADMIN_EMAIL, "p": ADMIN_PASSWORD})
    cookie: str = login.response.cookies[SESSION_COOKIE]
    return cookie


async def test_a_socket_without_an_origin_uses_the_cookie(server: RunningServer) -> None:
    """Not a browser page (no Origin): nothing to hijack."""
    assert await _me_over_socket(server, _session(server), None) == {"email": ADMIN_EMAIL}


async def test_the_servers_own_origin_uses_the_cookie(server: RunningServer) -> None:
    assert await _me_over_socket(server, _session(server), server.url) == {"email": ADMIN_EMAIL}


def _wildcard(request: pytest.FixtureRequest) -> bool:
    return bool(request.node.callspec.params["server"] == "*")


async def test_a_foreign_pages_socket_is_not_its_visitors(
    server: RunningServer, request: pytest.FixtureRequest
) -> None:
    """With `*` the socket opens but the cookie is not used; with a list it is refused."""
    if _wildcard(request):
        assert await _me_over_socket(server, _session(server), EVIL) is None
        return
    with pytest.raises(InvalidStatus) as refused:
        await _me_over_socket(server, _session(server), EVIL)
    assert refused.value.response.status_code == 403


async def test_a_foreign_page_still_authenticates_with_a_token_it_holds(
    server: RunningServer, request: pytest.FixtureRequest
) -> None:
    """The rule is about ambient cookies only; a token sent on purpose is the page's own."""
    session = _session(server)
    origin = EVIL if _wildcard(request) else FRIEND
    assert await _me_over_socket(server, "x", origin, token=session) == {"email": ADMIN_EMAIL}


async def test_a_listed_origin_uses_the_cookie_and_a_wildcard_never(
    server: RunningServer, request: pytest.FixtureRequest
) -> None:
    me = await _me_over_socket(server, _session(server), FRIEND)
    listed = not _wildcard(request)
    assert me == ({"email": ADMIN_EMAIL} if listed else None)
