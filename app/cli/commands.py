"""The CLI's commands; each returns the process exit code."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from app.cli.banner import banner_lines
from app.cli.listing import role_id as find_role_id
from app.cli.runtime import operator_access, services_for
from app.cli.serving import EVENT_LOOP, exit_zero_on_sigterm
from app.config import Settings
from app.db import migrate
from app.db.engine import Database, create_engine
from app.errors import InvalidPayloadError
from app.observability.metrics import MULTIPROC_DIR
from app.security.passwords import PasswordHasher
from app.services.bootstrap import bootstrap
from app.services.directus_import import import_directus


async def run_bootstrap(settings: Settings) -> int:
    """Creates or upgrades the database, then the first admin when there is none."""
    engine = create_engine(settings)
    hasher = PasswordHasher.from_settings(settings)
    try:
        await migrate.upgrade(engine)
        report = await bootstrap(
            Database(engine), hasher, settings.admin_email, settings.admin_password
        )
    finally:
        hasher.close()
        await engine.dispose()
    print(f"Database ready at revision {migrate.head_revision()}.")
    if report.admin_created:
        print(f"Created the first admin: {report.admin_email}")
        if report.generated_password:
            print(f"Generated admin password (shown once): {report.generated_password}")
    elif report.admin_password_ignored:
        print(
            f"ADMIN_PASSWORD is ignored: the database has users already (it only sets the first "
            f"admin's password). To change a password: dauth users passwd --email "
            f"{settings.admin_email} --password NEW",
            file=sys.stderr,
        )
    return 0


def serve(settings: Settings) -> int:
    # Workers build their own settings: hand them the same secret, generated or not.
    os.environ["SECRET"] = settings.secret
    print("\n".join(banner_lines(settings)), flush=True)
    with _shared_metrics(settings), exit_zero_on_sigterm():
        uvicorn.run(
            "app.main:served_app",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            log_level=settings.log_level,
            proxy_headers=False,
            access_log=False,
            loop=EVENT_LOOP,
            # SIGTERM: stop accepting, let requests in flight finish this long, then run the
            # app's lifespan shutdown (mail, pools) and exit.
            timeout_graceful_shutdown=settings.server_shutdown_timeout / 1000,  # type: ignore[arg-type]
            timeout_worker_healthcheck=-(-settings.worker_healthcheck_timeout // 1000),
        )
    return 0


@contextmanager
def _shared_metrics(settings: Settings) -> Iterator[None]:
    """Several workers keep their metrics in one fresh folder (prometheus-client's
    multiprocess mode), named before they start and removed when the server stops, so a
    scrape sums them all and a restart starts from zero. An operator's own
    PROMETHEUS_MULTIPROC_DIR is used as it is."""
    if not settings.metrics_enabled or settings.workers == 1 or os.environ.get(MULTIPROC_DIR):
        yield
        return
    folder = tempfile.mkdtemp(prefix="dauth-metrics-")
    os.environ[MULTIPROC_DIR] = folder
    try:
        yield
    finally:
        del os.environ[MULTIPROC_DIR]
        shutil.rmtree(folder, ignore_errors=True)


async def create_user(settings: Settings, email: str, password: str, role: str | None) -> int:
    async with services_for(settings) as services:
        role_id = await find_role_id(services, role) if role else None
        data = {"email": email, "password": password, **({"role": role_id} if role_id else {})}
        [user_id] = await services.users.create_many(operator_access(), [data])
    print(f"Created user {email} ({user_id}).")
    return 0


async def set_password(settings: Settings, email: str, password: str) -> int:
    async with services_for(settings) as services:
        user_id = await services.users.id_by_email(email)
        if user_id is None:
            raise InvalidPayloadError(f'No user has the email "{email}"')
        await services.users.update_one(operator_access(), user_id, {"password": password})
    print(f"Password changed for {email}; their other sessions have ended.")
    return 0


async def create_role(settings: Settings, name: str, admin: bool) -> int:
    async with services_for(settings) as services:
        data = {"name": name, "admin_access": admin, "app_access": True}
        [role_id] = await services.roles.create_many(operator_access(), [data])
    print(f"Created role {name} ({role_id}).")
    return 0


def export_schema(output: str | None) -> int:
    from app.main import schema_sdl

    text = schema_sdl()
    if output:
        Path(output).write_text(text, encoding="utf-8")
        print(f"Schema written to {output}.")
    else:
        sys.stdout.write(text)
    return 0


async def run_import(settings: Settings, source: str) -> int:
    async with services_for(settings) as services:
        report = await import_directus(services, source)
    print(report.summary())
    return 0
