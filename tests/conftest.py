"""Fixtures: every database test runs on SQLite and on PostgreSQL, through the real app."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette

from app.clock import SettableClock
from app.config import Settings
from app.db.models import Role, User, new_id
from app.main import create_app
from app.repositories import policies as policies_repo
from app.security.tokens import hash_token
from app.services.bootstrap import bootstrap
from app.services.container import Services
from tests import databases
from tests.graphql_reply import GraphQLReply, bearer_headers
from tests.leaks import assert_no_leak, forget_concealed, remember_concealed, remember_static_token
from tests.mail_server import Inbox, start_smtp

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin-password-1"
TEST_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"

REDIS = ("127.0.0.1", 6379)

CHEAP_HASH = {"hash_memory_cost": 1024, "hash_time_cost": 1, "hash_parallelism": 1}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every case parametrized onto PostgreSQL is marked `services`: scripts/check, which runs
    without services, leaves those out with `-m "not services"`."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and any(value == "pg" for value in callspec.params.values()):
            item.add_marker(pytest.mark.services)


@pytest.fixture(autouse=True)
def concealed_registry() -> Iterator[None]:
    """Each test starts with no remembered secrets (tests.leaks checks every response)."""
    forget_concealed()
    yield
    forget_concealed()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.make_sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    try:
        name = databases.create_pg_database()
    except (OSError, ConnectionError) as error:
        message = f"PostgreSQL is not reachable at {databases.PG_ADMIN_DSN}: {error}"
        if databases.running_in_ci():
            pytest.fail(message)
        pytest.skip(message)
    yield name
    databases.forget_pg(databases.pg_url(name))
    databases.drop_pg_database(name)


@pytest.fixture(params=["sqlite", "pg"])
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_settings(
    db_backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> dict[str, Any]:
    if db_backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        return {
            "db_client": "sqlite3",
            "db_filename": str(databases.copy_sqlite(template, tmp_path)),
        }
    name: str = request.getfixturevalue("pg_database")
    url = databases.pg_url(name)
    databases.empty_pg(url)
    return {"db_client": "pg", "db_connection_string": url}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module to change settings for its tests."""
    return {}


@pytest.fixture
def settings(
    database_settings: dict[str, Any], settings_overrides: dict[str, Any], tmp_path: Path
) -> Settings:
    values: dict[str, Any] = {
        "secret": TEST_SECRET,
        # Mail of tests that do not read it lands in their own folder, not in the checkout's.
        "email_outbox_path": str(tmp_path / "outbox"),
        "admin_email": ADMIN_EMAIL,
        "admin_password": ADMIN_PASSWORD,
        "login_stall_time": 0,
        **CHEAP_HASH,
        # Threads: an app per test would otherwise start hashing processes per test. The
        # process pool has its own tests, and every served (e2e) test runs it.
        "hash_pool": "thread",
        **database_settings,
        **settings_overrides,
    }
    return Settings(_env_file=None, **values)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


@pytest.fixture
async def app(settings: Settings, clock: SettableClock) -> AsyncIterator[Starlette]:
    application = create_app(settings, clock)
    async with LifespanManager(application):
        services: Services = application.state.services
        await bootstrap(services.db, services.hasher, settings.admin_email, settings.admin_password)
        yield application


@pytest.fixture
def services(app: Starlette) -> Services:
    result: Services = app.state.services
    return result


@asynccontextmanager
async def app_client(
    app: Starlette, address: tuple[str, int] = ("203.0.113.7", 5555)
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the in-process app, connecting from `address`; every response is
    checked for leaked secrets (tests.leaks)."""
    transport = httpx.ASGITransport(app=app, client=address)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://testserver",
        event_hooks={"response": [assert_no_leak]},
    ) as http:
        yield http


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(app) as http:
        yield http


async def gql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> GraphQLReply:
    """POSTs a GraphQL document to /graphql/system as any client would (JSON with
    non-ASCII escaped, as JSON.stringify writes it: it can carry a lone surrogate)."""
    response = await client.post(
        "/graphql/system",
        content=json.dumps({"query": query, "variables": variables or {}}),
        headers=bearer_headers(token, {"content-type": "application/json", **(headers or {})}),
    )
    return GraphQLReply.of(response)


LOGIN = """
mutation Login($email: String!, $password: String!, $mode: auth_mode, $otp: String) {
  auth_login(email: $email, password: $password, mode: $mode, otp: $otp) {
    access_token refresh_token expires
  }
}
"""


async def login(
    client: httpx.AsyncClient,
    email: str = ADMIN_EMAIL,
    password: str = ADMIN_PASSWORD,
    mode: str = "json",
) -> dict[str, Any]:
    reply = await gql(client, LOGIN, {"email": email, "password": password, "mode": mode})
    assert reply.status == 200, reply.body
    assert not reply.body.get("errors"), reply.body
    tokens: dict[str, Any] = reply.data["auth_login"]
    return tokens


@pytest.fixture
async def admin_token(client: httpx.AsyncClient) -> str:
    """The bootstrap admin's access token (a GraphQL login)."""
    token: str = (await login(client))["access_token"]
    return token


async def create_user(
    services: Services,
    email: str,
    password: str | None = "user-password-1",
    *,
    status: str = "active",
    static_token: str | None = None,
    admin: bool = False,
    app_access: bool = True,
    tfa_secret: str | None = None,
    user_id: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
) -> User:
    """Puts a user (with a role of its own) straight into the database."""
    remember_static_token(static_token)
    remember_concealed(tfa_secret)
    async with services.db.write() as session:
        role = await policies_repo.add_role(
            session,
            Role(name=f"role-for-{email}"),
            {"admin_access": admin, "app_access": app_access},
        )
        user = User(
            id=user_id or new_id(),
            first_name=first_name,
            last_name=last_name,
            email=email,
            password=None if password is None else await services.hasher.hash(password),
            status=status,
            role=role.id,
            token=None if static_token is None else hash_token(static_token),
            tfa_secret=tfa_secret,
        )
        session.add(user)
    return user


async def create_role(services: Services, role_id: str, name: str, *, admin: bool = False) -> Role:
    async with services.db.write() as session:
        return await policies_repo.add_role(
            session, Role(id=role_id, name=name), {"admin_access": admin}
        )


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    """A loopback SMTP server: (port, inbox). Point EMAIL_SMTP_PORT at the port."""
    controller, inbox = start_smtp()
    try:
        yield int(controller.port), inbox
    finally:
        controller.stop()


@pytest.fixture
def inbox(smtp: tuple[int, Inbox]) -> Inbox:
    """What the loopback SMTP server received."""
    return smtp[1]


@pytest.fixture
def require_redis() -> None:
    """Skips without a Redis at REDIS, unless CI=true, where a missing Redis fails the test."""
    try:
        with socket.create_connection(REDIS, timeout=1):
            return
    except OSError:
        pass
    message = f"Redis is not reachable at {REDIS[0]}:{REDIS[1]}"
    if databases.running_in_ci():
        pytest.fail(message)
    pytest.skip(message)
