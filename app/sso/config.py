"""The configured SSO providers, read from Directus's `AUTH_<NAME>_<KEY>` variables.

`AUTH_PROVIDERS` lists the names (comma-separated, case-insensitive); each name's variables say
which driver it uses and how to reach it. A value we cannot use raises ConfigError naming the
variable, so start-up stops with one line.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urlsplit

from app.config import ConfigError, Settings

DEFAULT_PROVIDER = "default"
_NAME = re.compile(r"^[a-z0-9_]+$")
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off", ""})
_E = TypeVar("_E", bound=enum.StrEnum)


class Driver(enum.StrEnum):
    OPENID = "openid"
    OAUTH2 = "oauth2"
    LDAP = "ldap"


class LoginMode(enum.StrEnum):
    """How the callback hands over the login: refresh cookie or session cookie."""

    COOKIE = "cookie"
    SESSION = "session"


class LdapScope(enum.StrEnum):
    BASE = "base"
    ONE = "one"
    SUB = "sub"


@dataclass(frozen=True)
class OAuthSettings:
    """What the openid and oauth2 drivers share; openid discovers its endpoints."""

    client_id: str
    client_secret: str
    scope: str
    identifier_key: str
    email_key: str
    first_name_key: str | None
    last_name_key: str | None
    issuer_url: str | None = None
    authorize_url: str | None = None
    access_url: str | None = None
    profile_url: str | None = None
    require_verified_email: bool = False


@dataclass(frozen=True)
class LdapSettings:
    client_url: str
    bind_dn: str
    bind_password: str
    user_dn: str
    user_attribute: str
    user_scope: LdapScope
    mail_attribute: str
    first_name_attribute: str
    last_name_attribute: str
    group_dn: str | None
    group_attribute: str
    group_scope: LdapScope


@dataclass(frozen=True)
class ProviderConfig:
    name: str  # lower-case, as in the URLs
    driver: Driver
    icon: str | None
    label: str | None
    default_role_id: str | None
    allow_public_registration: bool
    sync_user_info: bool
    redirect_allow_list: tuple[str, ...]
    mode: LoginMode
    oauth: OAuthSettings | None = None
    ldap: LdapSettings | None = None


@dataclass(frozen=True)
class SsoConfig:
    providers: tuple[ProviderConfig, ...] = ()
    disable_default: bool = False
    _by_name: dict[str, ProviderConfig] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({provider.name: provider for provider in self.providers})

    def get(self, name: str) -> ProviderConfig | None:
        return self._by_name.get(name.lower())

    def is_ldap(self, name: str) -> bool:
        provider = self.get(name)
        return provider is not None and provider.driver is Driver.LDAP


# Every AUTH_<NAME>_<KEY> a provider reads: start-up names any other as a likely typo.
PROVIDER_KEYS = frozenset(
    {
        "DRIVER", "ICON", "LABEL", "DEFAULT_ROLE_ID", "ALLOW_PUBLIC_REGISTRATION",
        "SYNC_USER_INFO", "REDIRECT_ALLOW_LIST", "MODE", "CLIENT_ID", "CLIENT_SECRET",
        "ISSUER_URL", "SCOPE", "IDENTIFIER_KEY", "EMAIL_KEY", "FIRST_NAME_KEY", "LAST_NAME_KEY",
        "REQUIRE_VERIFIED_EMAIL", "AUTHORIZE_URL", "ACCESS_URL", "PROFILE_URL", "CLIENT_URL",
        "BIND_DN", "BIND_PASSWORD", "USER_DN", "USER_ATTRIBUTE", "USER_SCOPE", "MAIL_ATTRIBUTE",
        "FIRST_NAME_ATTRIBUTE", "LAST_NAME_ATTRIBUTE", "GROUP_DN", "GROUP_ATTRIBUTE",
        "GROUP_SCOPE",
    }
)  # fmt: skip


class _Reader:
    """One provider's variables, each read under its full env name for error messages."""

    def __init__(self, name: str, variables: Mapping[str, str]) -> None:
        self.prefix = f"AUTH_{name.upper()}_"
        self._variables = variables

    def var(self, key: str) -> str:
        assert key in PROVIDER_KEYS, f"add {key} to PROVIDER_KEYS"
        return self.prefix + key

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self._variables.get(self.var(key))
        if value is None or not value.strip():
            return default
        return value.strip()

    def required(self, key: str) -> str:
        value = self.text(key)
        if value is None:
            raise ConfigError(f"Invalid value for {self.var(key)}: is required")
        return value

    def flag(self, key: str) -> bool:
        value = (self.text(key) or "").lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ConfigError(f"Invalid value for {self.var(key)}: has to be true or false")

    def url(self, key: str, schemes: tuple[str, ...], *, required: bool = True) -> str | None:
        value = self.required(key) if required else self.text(key)
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme.lower() not in schemes or not parts.netloc:
            wanted = " or ".join(f"{scheme}://" for scheme in schemes)
            raise ConfigError(f"Invalid value for {self.var(key)}: has to be a {wanted} URL")
        return value

    def choice(self, key: str, kind: type[_E], default: _E) -> _E:
        value = (self.text(key) or default.value).lower()
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(item.value for item in kind)
            raise ConfigError(
                f"Invalid value for {self.var(key)}: has to be one of {allowed}"
            ) from None

    def comma_list(self, key: str) -> tuple[str, ...]:
        raw = self.text(key) or ""
        return tuple(item.strip() for item in raw.split(",") if item.strip())


def parse_sso_config(
    names: list[str], variables: Mapping[str, str], *, disable_default: bool = False
) -> SsoConfig:
    """Providers in AUTH_PROVIDERS order; `variables` maps upper-case env names to values."""
    upper = {key.upper(): value for key, value in variables.items()}
    providers: list[ProviderConfig] = []
    for raw in names:
        name = raw.strip().lower()
        if not _NAME.match(name) or name == DEFAULT_PROVIDER:
            raise ConfigError(
                f"Invalid value for AUTH_PROVIDERS: {raw!r} is not a usable provider name "
                "(letters, digits and _, not 'default')"
            )
        if any(provider.name == name for provider in providers):
            raise ConfigError(f"Invalid value for AUTH_PROVIDERS: {raw!r} is listed twice")
        providers.append(_provider(name, _Reader(name, upper)))
    return SsoConfig(tuple(providers), disable_default)


def _provider(name: str, read: _Reader) -> ProviderConfig:
    driver_text = (read.text("DRIVER") or "").lower()
    try:
        driver = Driver(driver_text)
    except ValueError:
        raise ConfigError(
            f"Invalid value for {read.var('DRIVER')}: has to be openid, oauth2 or ldap"
        ) from None
    oauth = _oauth(read, driver) if driver is not Driver.LDAP else None
    ldap = _ldap(read) if driver is Driver.LDAP else None
    return ProviderConfig(
        name=name,
        driver=driver,
        icon=read.text("ICON"),
        label=read.text("LABEL"),
        default_role_id=read.text("DEFAULT_ROLE_ID"),
        allow_public_registration=read.flag("ALLOW_PUBLIC_REGISTRATION"),
        sync_user_info=read.flag("SYNC_USER_INFO"),
        redirect_allow_list=read.comma_list("REDIRECT_ALLOW_LIST"),
        mode=read.choice("MODE", LoginMode, LoginMode.COOKIE),
        oauth=oauth,
        ldap=ldap,
    )


def _oauth(read: _Reader, driver: Driver) -> OAuthSettings:
    web = ("http", "https")
    client_id, client_secret = read.required("CLIENT_ID"), read.required("CLIENT_SECRET")
    if driver is Driver.OPENID:
        return OAuthSettings(
            client_id=client_id,
            client_secret=client_secret,
            issuer_url=read.url("ISSUER_URL", web),
            scope=read.text("SCOPE", "openid profile email") or "",
            identifier_key=read.text("IDENTIFIER_KEY", "sub") or "sub",
            email_key=read.text("EMAIL_KEY", "email") or "email",
            first_name_key=read.text("FIRST_NAME_KEY", "given_name"),
            last_name_key=read.text("LAST_NAME_KEY", "family_name"),
            require_verified_email=read.flag("REQUIRE_VERIFIED_EMAIL"),
        )
    return OAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        authorize_url=read.url("AUTHORIZE_URL", web),
        access_url=read.url("ACCESS_URL", web),
        profile_url=read.url("PROFILE_URL", web),
        scope=read.text("SCOPE", "email") or "",
        identifier_key=read.text("IDENTIFIER_KEY", "email") or "email",
        email_key=read.text("EMAIL_KEY", "email") or "email",
        first_name_key=read.text("FIRST_NAME_KEY"),
        last_name_key=read.text("LAST_NAME_KEY"),
    )


def _ldap(read: _Reader) -> LdapSettings:
    client_url = read.url("CLIENT_URL", ("ldap", "ldaps"))
    assert client_url is not None
    return LdapSettings(
        client_url=client_url,
        bind_dn=read.required("BIND_DN"),
        bind_password=read.required("BIND_PASSWORD"),
        user_dn=read.required("USER_DN"),
        user_attribute=read.text("USER_ATTRIBUTE", "cn") or "cn",
        user_scope=read.choice("USER_SCOPE", LdapScope, LdapScope.ONE),
        mail_attribute=read.text("MAIL_ATTRIBUTE", "mail") or "mail",
        first_name_attribute=read.text("FIRST_NAME_ATTRIBUTE", "givenName") or "givenName",
        last_name_attribute=read.text("LAST_NAME_ATTRIBUTE", "sn") or "sn",
        group_dn=read.text("GROUP_DN"),
        group_attribute=read.text("GROUP_ATTRIBUTE", "member") or "member",
        group_scope=read.choice("GROUP_SCOPE", LdapScope, LdapScope.ONE),
    )


def sso_config_of(settings: Settings) -> SsoConfig:
    """The providers a Settings object configures."""
    return parse_sso_config(
        settings.auth_providers,
        settings.auth_variables,
        disable_default=settings.auth_disable_default,
    )
