"""What the account pages and mails take from the configuration: the warning when the pages
are off and mails would link to pages this server does not serve, how long a link works as
the mails say it, and the project's face with its defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.services.account_mail import valid_for
from app.services.project_face import ProjectFace
from app.settings_loader import read_settings

LISTS = (
    "PASSWORD_RESET_URL_ALLOW_LIST",
    "USER_INVITE_URL_ALLOW_LIST",
    "USER_REGISTER_URL_ALLOW_LIST",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in (*LISTS, "ACCOUNT_PAGES_ENABLED", "PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET", "unit-test-secret-long-enough-for-the-32-byte-rule")


def test_pages_off_without_allow_lists_warns_naming_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCOUNT_PAGES_ENABLED", "false")
    monkeypatch.setenv("PUBLIC_URL", "https://cms.example.com")
    monkeypatch.setenv("USER_REGISTER_URL_ALLOW_LIST", "https://app.example.com/verify")
    _, notices = read_settings()
    [text] = [notice for notice in notices if "ACCOUNT_PAGES_ENABLED" in notice]
    assert "ACCOUNT_PAGES_ENABLED is false" in text
    assert "PASSWORD_RESET_URL_ALLOW_LIST, USER_INVITE_URL_ALLOW_LIST are empty" in text
    assert "USER_REGISTER_URL_ALLOW_LIST" not in text
    assert "https://cms.example.com/admin/" in text


def test_no_warning_with_the_pages_on_or_every_list_set(monkeypatch: pytest.MonkeyPatch) -> None:
    _, notices = read_settings()  # pages on (the default): their links are served
    assert not [notice for notice in notices if "ACCOUNT_PAGES_ENABLED" in notice]
    monkeypatch.setenv("ACCOUNT_PAGES_ENABLED", "false")
    for name in LISTS:
        monkeypatch.setenv(name, "https://app.example.com/x")
    settings, notices = read_settings()
    assert settings.account_pages_enabled is False
    assert not [notice for notice in notices if "ACCOUNT_PAGES_ENABLED" in notice]


@pytest.mark.parametrize(
    ("ttl_ms", "said"),
    [
        (86_400_000, "1 day"),
        (7 * 86_400_000, "7 days"),
        (3_600_000, "1 hour"),
        (90 * 60_000, "90 minutes"),
        (36 * 3_600_000, "36 hours"),
        (45_000, "45 seconds"),
        (1500, "2 seconds"),
        (200, "1 second"),
    ],
)
def test_a_ttl_is_said_without_rounding_it_away(ttl_ms: int, said: str) -> None:
    assert valid_for(ttl_ms) == said


@pytest.mark.parametrize(
    ("values", "face"),
    [
        ({}, ("Directus", "#6644FF")),
        ({"project_name": "  ", "project_color": None}, ("Directus", "#6644FF")),
        ({"project_name": " Acme ", "project_color": "#0a7c3e"}, ("Acme", "#0a7c3e")),
        ({"project_name": "Acme", "project_color": "red;}body{x:y"}, ("Acme", "#6644FF")),
        ({"project_name": 5, "project_color": "#12345"}, ("Directus", "#6644FF")),
    ],
)
def test_the_project_face_falls_back_to_directus_defaults(
    values: dict[str, object], face: tuple[str, str]
) -> None:
    shown = ProjectFace.of(values)
    assert (shown.name, shown.color) == face
