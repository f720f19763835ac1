"""The floor of the benchmark: the least work `users_me` can do on this stack.

A bare Starlette route, served by uvicorn in the same process model as `dauth serve`
(same worker count, log level and event loop), that does what `users_me` must do at
minimum: verify the HS256 JWT with python-jose under the same SECRET, read the user (and
its role's name) by primary key through the server's own engine (app/db/engine.py, set
up from the same environment: SQLite on the loop's thread, or the asyncpg pool), and
answer JSON shaped like the GraphQL answer. No GraphQL, no permissions, no middleware: whatever
the real server adds on top of this is its own overhead, which is what the benchmark
compares.

Run by the benchmark (bench/phases.py); by hand, from the repository's root:
    SECRET=... DB_FILENAME=... .venv/bin/python -m bench.floor --port 8099
"""

from __future__ import annotations

import argparse
import gc
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import uvicorn
from jose import jwt
from jose.exceptions import JWTError
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from app.cli.serving import EVENT_LOOP
from app.db.engine import create_engine
from app.settings_loader import load_settings

USER_BY_ID = text(
    "SELECT u.id, u.email, u.first_name, u.status, r.name AS role_name "
    "FROM directus_users u LEFT JOIN directus_roles r ON r.id = u.role "
    "WHERE u.id = :id"
)


def _unauthorized() -> Response:
    return JSONResponse(
        {"errors": [{"message": "Invalid token.", "extensions": {"code": "INVALID_TOKEN"}}]},
        status_code=401,
    )


def create_app() -> Starlette:
    """uvicorn's factory: one engine per worker process, like the real server."""
    settings = load_settings()
    secret = settings.secret
    engine = create_engine(settings)

    async def users_me(request: Request) -> Response:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            return _unauthorized()
        # Read the body like the GraphQL view must, so both pay for the same bytes.
        await request.body()
        try:
            claims: dict[str, Any] = jwt.decode(
                header[7:], secret, algorithms=["HS256"], issuer="directus"
            )
        except JWTError:
            return _unauthorized()
        async with engine.connect() as connection:
            row = (await connection.execute(USER_BY_ID, {"id": claims.get("id")})).first()
        if row is None or row.status != "active":
            return _unauthorized()
        user = {
            "id": row.id,
            "email": row.email,
            "first_name": row.first_name,
            "role": None if row.role_name is None else {"name": row.role_name},
        }
        return JSONResponse({"data": {"users_me": user}})

    async def health(_request: Request) -> Response:
        return PlainTextResponse("ok")

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        # As app.main.served_app does: the same process model.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await engine.dispose()

    return Starlette(
        routes=[
            Route("/graphql/system", users_me, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    """Serve the floor app the way `dauth serve` serves the real one."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args()
    if not os.environ.get("SECRET"):
        parser.error("SECRET must be set (the same one the access tokens were signed with)")
    uvicorn.run(
        "bench.floor:create_app",
        factory=True,
        app_dir=str(Path(__file__).resolve().parent.parent),
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        proxy_headers=False,
        loop=EVENT_LOOP,
    )


if __name__ == "__main__":
    main()
