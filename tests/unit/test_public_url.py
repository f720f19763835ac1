"""PUBLIC_URL: derived from HOST/PORT when unset, checked against them when set."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import public_url
from app.settings_loader import read_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("PUBLIC_URL", "HOST", "PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET", "public-url-test-secret-0123456789abcdef")


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1", 8055, "http://127.0.0.1:8055"),
        ("127.0.0.1", 9123, "http://127.0.0.1:9123"),
        ("0.0.0.0", 80, "http://127.0.0.1:80"),
        ("::1", 8055, "http://[::1]:8055"),
        ("auth.internal", 8055, "http://auth.internal:8055"),
    ],
)
def test_unset_public_url_follows_host_and_port(host: str, port: int, expected: str) -> None:
    settings, notices = read_settings(host=host, port=port)
    assert settings.public_url == expected
    assert notices == []


def test_unset_public_url_follows_the_port_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "9321")
    assert read_settings()[0].public_url == "http://127.0.0.1:9321"


def test_public_url_from_dotenv_counts_as_set(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PUBLIC_URL=https://auth.example.com\n", encoding="utf-8")
    settings, notices = read_settings()
    assert settings.public_url == "https://auth.example.com"
    assert notices == []


@pytest.mark.parametrize(
    ("url", "host", "port"),
    [
        ("http://127.0.0.1:8055", "127.0.0.1", 8055),
        ("http://localhost:8055/", "0.0.0.0", 8055),
        ("http://10.0.0.5:8055", "10.0.0.5", 8055),
        ("http://10.0.0.5:8055", "0.0.0.0", 8055),
        ("https://auth.example.com", "127.0.0.1", 8055),
        ("http://[::1]:9000", "::1", 9000),
    ],
)
def test_public_url_that_reaches_the_server_is_quiet(url: str, host: str, port: int) -> None:
    assert public_url.mismatch(url, host, port) is None


@pytest.mark.parametrize(
    ("url", "host", "port", "words"),
    [
        ("http://127.0.0.1:8055", "127.0.0.1", 9000, "port 8055"),
        ("http://localhost", "127.0.0.1", 8055, "port 80"),
        ("http://127.0.0.1:8055", "10.0.0.5", 8055, "loopback"),
        ("http://10.0.0.6:8055", "10.0.0.5", 8055, "another address"),
        ("ftp://example.com", "127.0.0.1", 8055, "not an http(s) URL"),
    ],
)
def test_public_url_that_misses_the_server_is_named(
    url: str, host: str, port: int, words: str
) -> None:
    reason = public_url.mismatch(url, host, port)
    assert reason is not None
    assert words in reason
    assert f"PUBLIC_URL={url}" in reason


def test_a_mismatch_is_one_start_up_notice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLIC_URL", "http://127.0.0.1:8055")
    monkeypatch.setenv("PORT", "9000")
    settings, notices = read_settings()
    assert settings.public_url == "http://127.0.0.1:8055"
    assert len(notices) == 1
    assert "PORT=9000" in notices[0]
