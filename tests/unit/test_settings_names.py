"""Variables that look like ours but are not, enumerated values, and SECRET's rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import ConfigError, Settings
from app.settings_loader import read_settings
from app.settings_names import unknown_variables

KNOWN = [name.upper() for name in Settings.model_fields if name != "auth_variables"]
LONG_SECRET = "names-test-secret-long-enough-0123456789"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("PUBLIC_URL", "HOST", "PORT", "EMAIL_TRANSPORT", "AUTH_PROVIDERS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET", LONG_SECRET)


@pytest.mark.parametrize(
    ("name", "meant"),
    [
        ("SECERT", "SECRET"),
        ("ADMIN_PASWORD", "ADMIN_PASSWORD"),
        ("AUTH_LOKCOUT_THRESHOLD", "AUTH_LOCKOUT_THRESHOLD"),
        ("DB_PASSWROD", "DB_PASSWORD"),
        ("public_ulr", "PUBLIC_URL"),
        ("AUTH_CORP_CLEINT_ID", "AUTH_CORP_CLIENT_ID"),
    ],
)
def test_a_likely_typo_names_the_variable_meant(name: str, meant: str) -> None:
    assert unknown_variables([name], KNOWN, ["corp"]) == [
        f"{name.upper()} is not a dauth setting (ignored); did you mean {meant}?"
    ]


def test_unknown_names_under_our_prefixes_are_named() -> None:
    assert unknown_variables(
        ["EMAIL_SENDMAIL_PATH", "AUTH_KEYCLOAK_CLIENT_ID"], KNOWN, ["corp"]
    ) == [
        "AUTH_KEYCLOAK_CLIENT_ID is not a dauth setting (ignored): KEYCLOAK is not in "
        "AUTH_PROVIDERS",
        "EMAIL_SENDMAIL_PATH is not a dauth setting (ignored)",
    ]


def test_other_programs_variables_and_ours_are_quiet() -> None:
    names = ["PATH", "HOME", "HOSTNAME", "TERM", "USER", "LANG", "SHELL", "PWD", "LOG_FORMAT"]
    names += ["SECRET", "db_client", "AUTH_CORP_DRIVER", "AUTH_CORP_CLIENT_ID", "PORT"]
    assert unknown_variables(names, KNOWN, ["corp"]) == []


def test_typos_in_the_environment_and_dotenv_become_notices(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ADMIN_PASWORD", "x")
    (tmp_path / ".env").write_text("SECERT=abc\n", encoding="utf-8")
    _settings, notices = read_settings()
    assert [notice.split(" ")[0] for notice in notices] == ["ADMIN_PASWORD", "SECERT"]


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("EMAIL_TRANSPORT", "sendmail", "smtp or outbox"),
        ("DB_CLIENT", "oracle", "sqlite3 or pg"),
        ("LOG_LEVEL", "loud", "debug, info, warning or error"),
        ("RATE_LIMITER_STORE", "memcached", "memory or redis"),
    ],
)
def test_unknown_choice_is_one_line_naming_the_allowed_values(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, allowed: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        read_settings()
    assert str(caught.value) == f"Invalid value for {name}: '{value}'; allowed: {allowed}"


def test_empty_email_transport_is_the_outbox(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMAIL_TRANSPORT", "")
    assert read_settings()[0].email_transport == "outbox"


def test_a_short_secret_is_refused_with_the_command_to_make_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SECRET", "x" * 31)
    with pytest.raises(ConfigError) as caught:
        read_settings()
    message = str(caught.value)
    assert message.startswith("SECRET is 31 bytes; it must be at least 32.")
    assert "secrets.token_urlsafe" in message
    assert "x" * 31 not in message


@pytest.mark.parametrize(
    "setting",
    [{"PUBLIC_URL": "https://auth.example.com"}, {"HOST": "0.0.0.0"}, {"HOST": "10.1.2.3"}],
)
def test_no_secret_off_loopback_is_refused(
    monkeypatch: pytest.MonkeyPatch, setting: dict[str, str]
) -> None:
    monkeypatch.delenv("SECRET")
    for name, value in setting.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match="SECRET is not set and the server is not on loopback"):
        read_settings()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_no_secret_on_loopback_is_one_notice(monkeypatch: pytest.MonkeyPatch, host: str) -> None:
    monkeypatch.delenv("SECRET")
    monkeypatch.setenv("HOST", host)
    settings, notices = read_settings()
    assert len(settings.secret) >= 32
    assert [notice for notice in notices if "SECRET" in notice] == [
        "SECRET is not set: using a random one for this process; tokens will not survive a "
        "restart or work across workers."
    ]
    assert read_settings(secret_notice=False)[1] == []
