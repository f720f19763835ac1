"""The last handler: a coded error that escaped its route still reaches the client with its
code (an outage is 503 SERVICE_UNAVAILABLE, not a 500), and anything else is a bare 500
INTERNAL_SERVER_ERROR with nothing of the failure in it."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.errors import ServiceUnavailableError


async def _escaping_outage(_request: Request) -> Response:
    raise ServiceUnavailableError()


async def _escaping_bug(_request: Request) -> Response:
    raise RuntimeError("secret detail /srv/app.py SELECT * FROM directus_users")


async def test_a_coded_error_that_escaped_keeps_its_code(app: Starlette) -> None:
    # Routes of the real app that raise instead of answering (none does on purpose).
    app.router.routes.append(Route("/test-escaping-outage", _escaping_outage))
    app.router.routes.append(Route("/test-escaping-bug", _escaping_bug))
    # Starlette re-raises after answering, for servers to log: the client still gets
    # the answer, which is what is checked here.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        outage = await client.get("/test-escaping-outage")
        bug = await client.get("/test-escaping-bug")
    assert outage.status_code == 503
    assert outage.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert bug.status_code == 500
    assert bug.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    for detail in ("secret", "SELECT", ".py"):
        assert detail not in bug.text
