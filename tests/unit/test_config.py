"""Settings from the environment: Directus names, aliases, and clear start-up errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import ConfigError
from app.settings_loader import load_settings, read_settings

VARIABLES = [
    "SECRET",
    "ACCESS_TOKEN_TTL",
    "REFRESH_TOKEN_TTL",
    "DB_CLIENT",
    "DB_FILENAME",
    "DB_CONNECTION_STRING",
    "DB_HOST",
    "DB_PORT",
    "DB_DATABASE",
    "DB_USER",
    "DB_PASSWORD",
    "GRAPHQL_SINGLE_USE_MUTATIONS",
    "RATE_LIMITER_REGISTRATION_ENABLED",
    "RATE_LIMITER_REGISTRATION_POINTS",
    "RATE_LIMITER_REGISTRATION_DURATION",
    "RATE_LIMITER_EMAIL_ENABLED",
    "RATE_LIMITER_EMAIL_POINTS",
    "RATE_LIMITER_EMAIL_DURATION",
]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An empty working directory (no .env) and none of our variables set."""
    monkeypatch.chdir(tmp_path)
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET", "unit-test-secret-long-enough-0123456789")


def test_duration_variable_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCESS_TOKEN_TTL", "15m")
    monkeypatch.setenv("REFRESH_TOKEN_TTL", "2d")
    settings = load_settings()
    assert settings.access_token_ttl == 900_000
    assert settings.refresh_token_ttl == 172_800_000


def test_bad_duration_is_one_line_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """An operator must see at once which variable is wrong, not a pydantic dump."""
    monkeypatch.setenv("ACCESS_TOKEN_TTL", "soon")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "ACCESS_TOKEN_TTL" in message
    assert "\n" not in message.strip()


def test_more_argon2_lanes_than_the_memory_holds_stops_start_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """argon2 needs 8 KiB per lane: caught at start-up, not at the first login."""
    monkeypatch.setenv("HASH_MEMORY_COST", "64")
    monkeypatch.setenv("HASH_PARALLELISM", "16")
    with pytest.raises(ConfigError, match="HASH_PARALLELISM"):
        load_settings()
    monkeypatch.setenv("HASH_PARALLELISM", "8")
    assert load_settings().hash_parallelism == 8


def test_limiter_defaults() -> None:
    """Registration: Directus's 5 per 60 s per IP, on; mail: 5 per 15 min per inbox, on."""
    settings = load_settings()
    assert settings.rate_limiter_registration_enabled is True
    assert settings.rate_limiter_registration_points == 5
    assert settings.rate_limiter_registration_duration == 60_000
    assert settings.rate_limiter_email_enabled is True
    assert settings.rate_limiter_email_points == 5
    assert settings.rate_limiter_email_duration == 900_000


def test_limiter_windows_are_seconds_as_in_directus(monkeypatch: pytest.MonkeyPatch) -> None:
    """RATE_LIMITER_*_DURATION=60 from a Directus .env is a minute, not 60 ms; units work."""
    monkeypatch.setenv("RATE_LIMITER_REGISTRATION_DURATION", "60")
    monkeypatch.setenv("RATE_LIMITER_EMAIL_DURATION", "2h")
    settings = load_settings()
    assert settings.rate_limiter_registration_duration == 60_000
    assert settings.rate_limiter_email_duration == 7_200_000
    monkeypatch.setenv("RATE_LIMITER_EMAIL_DURATION", "soon")
    with pytest.raises(ConfigError, match="RATE_LIMITER_EMAIL_DURATION"):
        load_settings()


def test_single_use_mutations(monkeypatch: pytest.MonkeyPatch) -> None:
    """Directus 12.1's list, and the passkey login and changes, by default; the variable is
    comma-separated and replaces it."""
    assert load_settings().graphql_single_use_mutations == [
        "auth_login",
        "auth_refresh",
        "auth_password_request",
        "auth_password_reset",
        "users_register",
        "users_register_verify",
        "users_invite_accept",
        "users_me_tfa_generate",
        "users_me_tfa_enable",
        "users_me_tfa_disable",
        "auth_login_passkey",
        "users_me_passkey_register_options",
        "users_me_passkey_register",
        "users_me_passkey_delete",
    ]
    monkeypatch.setenv("GRAPHQL_SINGLE_USE_MUTATIONS", "auth_login, users_invite,")
    assert load_settings().graphql_single_use_mutations == ["auth_login", "users_invite"]
    monkeypatch.setenv("GRAPHQL_SINGLE_USE_MUTATIONS", "")
    assert load_settings().graphql_single_use_mutations == []


def test_postgres_alias_means_pg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_CLIENT", "postgres")
    assert load_settings().db_client == "pg"


def test_database_url_is_built_from_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_CLIENT", "pg")
    monkeypatch.setenv("DB_HOST", "db.internal")
    monkeypatch.setenv("DB_PORT", "6543")
    monkeypatch.setenv("DB_DATABASE", "directus_app")
    monkeypatch.setenv("DB_USER", "svc")
    monkeypatch.setenv("DB_PASSWORD", "pw")
    assert (
        load_settings().database_url()
        == "postgresql+asyncpg://svc:pw@db.internal:6543/directus_app"
    )


def test_connection_string_gets_the_async_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_CLIENT", "pg")
    monkeypatch.setenv("DB_CONNECTION_STRING", "postgres://u:p@h:5432/d")
    assert load_settings().database_url() == "postgresql+asyncpg://u:p@h:5432/d"


def test_sqlite_url_uses_the_filename(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_CLIENT", "sqlite3")
    monkeypatch.setenv("DB_FILENAME", "some/dir/data.db")
    assert load_settings().database_url() == "sqlite+aiosqlite:///some/dir/data.db"


def test_missing_secret_on_loopback_gets_a_random_one_with_one_notice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Start-up still works, but the operator is told (one line, no Python warning) that
    tokens will not survive a restart."""
    monkeypatch.delenv("SECRET")
    first, notices = read_settings()
    second = load_settings()
    assert len(first.secret) >= 32
    assert first.secret != second.secret
    assert len(notices) == 1
    assert notices[0].startswith("SECRET is not set")


def test_dotenv_in_working_directory_is_read(tmp_path: Path) -> None:
    """Directus reads .env from the working directory; so do we."""
    (tmp_path / ".env").write_text("ACCESS_TOKEN_TTL=1h\n", encoding="utf-8")
    assert load_settings().access_token_ttl == 3_600_000


def test_websockets_auth_check_period(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seconds between the checks of an open subscription's credential: 5 unless set,
    fractions allowed, never zero (a subscription would never be checked while quiet)."""
    assert load_settings().websockets_auth_check_period == 5.0
    monkeypatch.setenv("WEBSOCKETS_AUTH_CHECK_PERIOD", "0.5")
    assert load_settings().websockets_auth_check_period == 0.5
    monkeypatch.setenv("WEBSOCKETS_AUTH_CHECK_PERIOD", "0")
    with pytest.raises(ConfigError, match="WEBSOCKETS_AUTH_CHECK_PERIOD"):
        load_settings()
