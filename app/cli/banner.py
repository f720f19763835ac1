"""What `dauth serve` prints once before it listens: where the API, GraphiQL and the account
pages are, which database it uses (never its password) and where mail goes."""

from __future__ import annotations

from pathlib import Path

from app.config import Settings
from app.db.reachability import location


def _database(settings: Settings) -> str:
    if settings.db_client == "sqlite3":
        return f"SQLite {Path(settings.db_filename).resolve()}"
    return f"PostgreSQL {location(settings)}"


def _mail(settings: Settings) -> str:
    if settings.email_transport == "smtp":
        return f"SMTP {settings.email_smtp_host}:{settings.email_smtp_port}"
    return f"written as .eml files to {Path(settings.email_outbox_path).resolve()} (no SMTP)"


def banner_lines(settings: Settings) -> list[str]:
    base = settings.public_url.rstrip("/")
    workers = f"{settings.workers} worker" + ("s" if settings.workers > 1 else "")
    pages = (
        f"{base}/admin/login"
        if settings.account_pages_enabled
        else "off (ACCOUNT_PAGES_ENABLED=false)"
    )
    return [
        f"dauth listening on {settings.host}:{settings.port} ({workers})",
        f"  GraphQL API:   {base}/graphql/system (REST beside it, e.g. {base}/users/me)",
        f"  GraphiQL:      {base}/graphql/system in a browser",
        f"  Account pages: {pages}",
        f"  Database:      {_database(settings)}",
        f"  Mail:          {_mail(settings)}",
    ]
