"""GET /metrics (METRICS_ENABLED): the Prometheus text, for an admin or for a request with
`Authorization: Metrics <token>` (Directus's form; `Bearer <token>` too, Prometheus's
default) naming one of METRICS_TOKENS. Anyone else: FORBIDDEN, as Directus answers."""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.config import Settings
from app.errors import DirectusError, ForbiddenError
from app.http.request_auth import authenticate_request, refusal_response
from app.observability.metrics import exposition
from app.services.container import Services


def _metrics_token(request: Request, settings: Settings) -> bool:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() not in ("metrics", "bearer") or not value.strip():
        return False
    presented = value.strip().encode()
    # Every token is compared, in constant time: the answer's timing names none of them.
    matches = [hmac.compare_digest(presented, token.encode()) for token in settings.metrics_tokens]
    return any(matches)


async def metrics(request: Request) -> Response:
    services: Services = request.app.state.services
    settings = services.settings
    if not _metrics_token(request, settings):
        try:
            if request.headers.get("authorization", "").lower().startswith("metrics "):
                raise ForbiddenError()  # a metrics token, but not one of ours
            _, accountability = await authenticate_request(
                request, settings, services.authenticator
            )
            request.state.user_id = accountability.user
            if not accountability.admin:
                raise ForbiddenError()
        except DirectusError as error:
            return refusal_response(request, error, settings)
    body, content_type = await exposition()
    return Response(body, media_type=content_type)


def metrics_routes(settings: Settings) -> list[Route]:
    return [Route("/metrics", metrics, methods=["GET"])] if settings.metrics_enabled else []
