"""SSO providers from Directus's AUTH_* variables: what each driver needs, defaults, and one
clear line naming the variable when a provider cannot be used."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import ConfigError
from app.settings_loader import load_settings
from app.sso.config import Driver, LdapScope, LoginMode, parse_sso_config

OPENID = {
    "AUTH_GOOGLE_DRIVER": "openid",
    "AUTH_GOOGLE_CLIENT_ID": "client-1",
    "AUTH_GOOGLE_CLIENT_SECRET": "secret-1",
    "AUTH_GOOGLE_ISSUER_URL": "https://accounts.example.com",
}
OAUTH2 = {
    "AUTH_GITHUB_DRIVER": "oauth2",
    "AUTH_GITHUB_CLIENT_ID": "gh-client",
    "AUTH_GITHUB_CLIENT_SECRET": "gh-secret",
    "AUTH_GITHUB_AUTHORIZE_URL": "https://github.example/login/oauth/authorize",
    "AUTH_GITHUB_ACCESS_URL": "https://github.example/login/oauth/access_token",
    "AUTH_GITHUB_PROFILE_URL": "https://api.github.example/user",
}
LDAP = {
    "AUTH_CORP_DRIVER": "ldap",
    "AUTH_CORP_CLIENT_URL": "ldap://127.0.0.1:3890",
    "AUTH_CORP_BIND_DN": "cn=reader,dc=example,dc=org",
    "AUTH_CORP_BIND_PASSWORD": "reader-secret",
    "AUTH_CORP_USER_DN": "ou=people,dc=example,dc=org",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SECRET", "unit-test-secret-long-enough-0123456789")


def test_three_drivers_with_directus_defaults() -> None:
    config = parse_sso_config(["Google", "github", "CORP"], {**OPENID, **OAUTH2, **LDAP})
    google, github, corp = config.providers
    assert [p.name for p in config.providers] == ["google", "github", "corp"]
    assert [p.driver for p in config.providers] == [Driver.OPENID, Driver.OAUTH2, Driver.LDAP]
    assert google.oauth is not None
    assert google.oauth.scope == "openid profile email"
    assert google.oauth.identifier_key == "sub"
    assert github.oauth is not None
    assert github.oauth.identifier_key == "email"
    assert github.oauth.scope == "email"
    assert corp.ldap is not None
    assert corp.ldap.user_attribute == "cn"
    assert corp.ldap.user_scope is LdapScope.ONE
    assert corp.ldap.mail_attribute == "mail"
    assert corp.ldap.group_attribute == "member"
    assert google.allow_public_registration is False
    assert google.mode is LoginMode.COOKIE
    assert config.get("GOOGLE") is google
    assert config.is_ldap("Corp")
    assert not config.is_ldap("google")


def test_per_provider_options_are_read() -> None:
    variables = {
        **OPENID,
        "AUTH_GOOGLE_ALLOW_PUBLIC_REGISTRATION": "true",
        "AUTH_GOOGLE_DEFAULT_ROLE_ID": "2b3c6b2e-0000-4000-8000-000000000001",
        "AUTH_GOOGLE_ICON": "google",
        "AUTH_GOOGLE_LABEL": "Google Workspace",
        "AUTH_GOOGLE_REDIRECT_ALLOW_LIST": "https://app.example.com/done, https://x.example/cb",
        "AUTH_GOOGLE_IDENTIFIER_KEY": "email",
        "AUTH_GOOGLE_MODE": "session",
    }
    (google,) = parse_sso_config(["google"], variables).providers
    assert google.allow_public_registration is True
    assert google.default_role_id == "2b3c6b2e-0000-4000-8000-000000000001"
    assert (google.icon, google.label) == ("google", "Google Workspace")
    assert google.redirect_allow_list == ("https://app.example.com/done", "https://x.example/cb")
    assert google.oauth is not None
    assert google.oauth.identifier_key == "email"
    assert google.mode is LoginMode.SESSION


@pytest.mark.parametrize(
    ("names", "variables", "named"),
    [
        (["google"], {}, "AUTH_GOOGLE_DRIVER"),
        (["google"], {**OPENID, "AUTH_GOOGLE_DRIVER": "saml"}, "AUTH_GOOGLE_DRIVER"),
        (["google"], {**OPENID, "AUTH_GOOGLE_CLIENT_ID": ""}, "AUTH_GOOGLE_CLIENT_ID"),
        (["google"], {**OPENID, "AUTH_GOOGLE_CLIENT_SECRET": " "}, "AUTH_GOOGLE_CLIENT_SECRET"),
        (["google"], {**OPENID, "AUTH_GOOGLE_ISSUER_URL": "accounts"}, "AUTH_GOOGLE_ISSUER_URL"),
        (
            ["google"],
            {**OPENID, "AUTH_GOOGLE_ALLOW_PUBLIC_REGISTRATION": "maybe"},
            "AUTH_GOOGLE_ALLOW_PUBLIC_REGISTRATION",
        ),
        (["google"], {**OPENID, "AUTH_GOOGLE_MODE": "json"}, "AUTH_GOOGLE_MODE"),
        (["github"], {**OAUTH2, "AUTH_GITHUB_PROFILE_URL": ""}, "AUTH_GITHUB_PROFILE_URL"),
        (["github"], {**OAUTH2, "AUTH_GITHUB_ACCESS_URL": "ftp://x"}, "AUTH_GITHUB_ACCESS_URL"),
        (["corp"], {**LDAP, "AUTH_CORP_CLIENT_URL": "http://x"}, "AUTH_CORP_CLIENT_URL"),
        (["corp"], {**LDAP, "AUTH_CORP_USER_DN": ""}, "AUTH_CORP_USER_DN"),
        (["corp"], {**LDAP, "AUTH_CORP_BIND_DN": ""}, "AUTH_CORP_BIND_DN"),
        (["corp"], {**LDAP, "AUTH_CORP_USER_SCOPE": "tree"}, "AUTH_CORP_USER_SCOPE"),
        (["corp"], {**LDAP, "AUTH_CORP_GROUP_SCOPE": "all"}, "AUTH_CORP_GROUP_SCOPE"),
        (["default"], {}, "AUTH_PROVIDERS"),
        (["bad-name"], {}, "AUTH_PROVIDERS"),
        (["google", "GOOGLE"], OPENID, "AUTH_PROVIDERS"),
    ],
)
def test_an_unusable_provider_is_one_line_naming_the_variable(
    names: list[str], variables: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_sso_config(names, variables)
    message = str(caught.value)
    assert message.startswith(f"Invalid value for {named}:"), message
    assert "\n" not in message


def test_start_up_stops_on_a_bad_provider_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AUTH_PROVIDERS", "corp")
    for name, value in {**LDAP, "AUTH_CORP_CLIENT_URL": "corp.example.org"}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=r"^Invalid value for AUTH_CORP_CLIENT_URL: "):
        load_settings()


def test_environment_and_dotenv_variables_reach_the_providers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Names are case-insensitive; .env counts, the environment wins."""
    (tmp_path / ".env").write_text(
        "AUTH_PROVIDERS=corp\n" + "".join(f"{k}={v}\n" for k, v in LDAP.items()),
        encoding="utf-8",
    )
    monkeypatch.setenv("auth_corp_user_attribute", "uid")
    monkeypatch.setenv("AUTH_CORP_BIND_PASSWORD", "from-environment")
    monkeypatch.setenv("AUTH_DISABLE_DEFAULT", "true")
    settings = load_settings()
    assert settings.auth_providers == ["corp"]
    assert settings.auth_disable_default is True
    config = parse_sso_config(settings.auth_providers, settings.auth_variables)
    (corp,) = config.providers
    assert corp.ldap is not None
    assert corp.ldap.user_attribute == "uid"
    assert corp.ldap.bind_password == "from-environment"


def test_no_providers_by_default() -> None:
    settings = load_settings()
    assert settings.auth_providers == []
    assert settings.auth_disable_default is False
    assert parse_sso_config(settings.auth_providers, settings.auth_variables).providers == ()


def test_the_cli_refuses_to_start_with_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    monkeypatch.setenv("AUTH_PROVIDERS", "google")
    for name, value in {**OPENID, "AUTH_GOOGLE_ISSUER_URL": ""}.items():
        monkeypatch.setenv(name, value)
    assert main(["serve"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "Invalid value for AUTH_GOOGLE_ISSUER_URL: is required"
