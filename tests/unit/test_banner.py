"""The start-up banner: where everything is, never a password."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli.banner import banner_lines
from app.config import Settings

SECRET = "banner-test-secret-long-enough-0123456789"


@pytest.fixture(autouse=True)
def in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)


def test_sqlite_and_outbox(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, secret=SECRET, public_url="http://127.0.0.1:9001")
    text = "\n".join(banner_lines(settings))
    assert "GraphQL API:   http://127.0.0.1:9001/graphql/system" in text
    assert "GraphiQL:      http://127.0.0.1:9001/graphql/system in a browser" in text
    assert "Account pages: http://127.0.0.1:9001/admin/login" in text
    assert f"Database:      SQLite {tmp_path.resolve() / 'data' / 'database.db'}" in text
    outbox = tmp_path.resolve() / "data" / "outbox"
    assert f"Mail:          written as .eml files to {outbox}" in text


def test_postgres_and_smtp_without_passwords() -> None:
    settings = Settings(
        _env_file=None,
        secret=SECRET,
        public_url="https://auth.example.com/",
        db_client="pg",
        db_connection_string="postgresql://dauth:pg-pass-word@db.internal:6543/auth",
        email_transport="smtp",
        email_smtp_host="smtp.example.com",
        email_smtp_port=465,
        email_smtp_password="smtp-pass-word",
        account_pages_enabled=False,
        workers=3,
    )
    lines = banner_lines(settings)
    text = "\n".join(lines)
    assert lines[0] == "dauth listening on 127.0.0.1:8055 (3 workers)"
    assert "https://auth.example.com/graphql/system" in text
    assert "Database:      PostgreSQL dauth@db.internal:6543/auth" in text
    assert "Mail:          SMTP smtp.example.com:465" in text
    assert "Account pages: off (ACCOUNT_PAGES_ENABLED=false)" in text
    assert "pass-word" not in text
    assert SECRET not in text
