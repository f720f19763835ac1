"""Custom links in mails: the allow-list match (origin + path) and where the token goes."""

from __future__ import annotations

import pytest

from app.config import Settings
from app.services.flow_links import allowed_url, with_token

ALLOW = ["https://app.example.com/reset"]


@pytest.mark.parametrize(
    "url",
    [
        "https://app.example.com/reset",
        "https://app.example.com/reset?lang=fr",
        "https://app.example.com/reset?token=old&x=1",
        "https://app.example.com/reset#top",
        "HTTPS://APP.EXAMPLE.COM/reset",
        "  https://app.example.com/reset  ",
    ],
)
def test_same_origin_and_path_is_allowed_whatever_the_query(url: str) -> None:
    assert allowed_url(url, ALLOW)


@pytest.mark.parametrize(
    "url",
    [
        "https://app.example.com/reset/",
        "https://app.example.com/reset/evil",
        "https://app.example.com/Reset",
        "https://app.example.com/",
        "https://app.example.com",
        "https://evil.example.com/reset",
        "https://app.example.com.evil.example/reset",
        "https://app.example.com@evil.example/reset",
        "https://evil.example/https://app.example.com/reset",
        "http://app.example.com/reset",
        "https://app.example.com:8443/reset",
        "javascript:alert(1)//app.example.com/reset",
        "/reset",
        "",
    ],
)
def test_other_path_host_port_or_scheme_is_refused(url: str) -> None:
    assert not allowed_url(url, ALLOW)


def test_query_on_the_allow_list_entry_is_ignored_too() -> None:
    assert allowed_url("https://app.example.com/reset", ["https://app.example.com/reset?x=1"])


def test_any_entry_of_the_list_may_match() -> None:
    allow = ["https://one.example.com/a", "https://two.example.com/b"]
    assert allowed_url("https://two.example.com/b?z=1", allow)
    assert allowed_url("https://one.example.com/a", allow)
    assert not allowed_url("https://one.example.com/b", allow)


def test_empty_allow_list_refuses_everything() -> None:
    assert not allowed_url("https://app.example.com/reset", [])


def test_with_token_starts_a_query() -> None:
    assert with_token("https://app.example.com/reset", "a.b.c") == (
        "https://app.example.com/reset?token=a.b.c"
    )


def test_with_token_appends_to_an_existing_query() -> None:
    assert with_token("https://app.example.com/reset?lang=fr", "a.b.c") == (
        "https://app.example.com/reset?lang=fr&token=a.b.c"
    )


def test_with_token_keeps_the_fragment_after_the_query() -> None:
    assert with_token("https://app.example.com/#/reset", "tok") == (
        "https://app.example.com/?token=tok#/reset"
    )


def test_allow_lists_are_comma_separated_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(
        "PASSWORD_RESET_URL_ALLOW_LIST", "https://a.example.com/reset, https://b.example.com/r"
    )
    monkeypatch.setenv("USER_INVITE_URL_ALLOW_LIST", "https://a.example.com/join")
    monkeypatch.setenv("USER_REGISTER_URL_ALLOW_LIST", "")
    settings = Settings(_env_file=None)
    assert settings.password_reset_url_allow_list == [
        "https://a.example.com/reset",
        "https://b.example.com/r",
    ]
    assert settings.user_invite_url_allow_list == ["https://a.example.com/join"]
    assert settings.user_register_url_allow_list == []


def test_allow_lists_are_empty_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "PASSWORD_RESET_URL_ALLOW_LIST",
        "USER_INVITE_URL_ALLOW_LIST",
        "USER_REGISTER_URL_ALLOW_LIST",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)
    assert settings.password_reset_url_allow_list == []
    assert settings.user_invite_url_allow_list == []
    assert settings.user_register_url_allow_list == []
