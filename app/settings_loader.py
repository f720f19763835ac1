"""Settings as the server starts with them: the environment read and checked, SSO providers
included. Apart from `app.config` so that the provider configuration (`app.sso.config`, which
reads Settings) and the settings themselves import each other in one direction only.

`read_settings` also returns the notices an operator must see once at start-up (the CLI
prints them); `load_settings` is the quiet form for the workers and tests."""

from __future__ import annotations

import os
import secrets
from typing import Any

from pydantic import ValidationError
from pydantic_settings import DotEnvSettingsSource

from app import public_url
from app.config import ConfigError, Settings
from app.settings_names import unknown_variables
from app.sso.config import sso_config_of

SECRET_MIN_BYTES = 32
GENERATE_SECRET = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"


def _one_line(error: ValidationError) -> str:
    """Pydantic's first error as one line naming the variable; the value is quoted only for
    a choice among fixed words (never a password or a secret)."""
    first = error.errors()[0]
    name = str(first["loc"][0]).upper() if first["loc"] else "configuration"
    if first["type"] == "literal_error":
        allowed = str(first.get("ctx", {}).get("expected", "")).replace("'", "")
        return f"Invalid value for {name}: {first['input']!r}; allowed: {allowed}"
    return f"Invalid value for {name}: {first['msg']}"


def _names_given(overrides: dict[str, Any]) -> list[str]:
    """Every variable name the operator set: environment, .env, keywords."""
    dotenv = DotEnvSettingsSource(Settings).env_vars
    return [*os.environ, *dotenv, *overrides]


def _check_secret(settings: Settings, notices: list[str], *, say: bool) -> None:
    if settings.secret:
        if len(settings.secret.encode()) < SECRET_MIN_BYTES:
            raise ConfigError(
                f"SECRET is {len(settings.secret.encode())} bytes; it must be at least "
                f"{SECRET_MIN_BYTES}. Generate one with: {GENERATE_SECRET}"
            )
        return
    exposed = not public_url.is_loopback_host(public_url.host_of(settings.public_url)) or not (
        public_url.is_loopback_host(settings.host)
    )
    if exposed:
        raise ConfigError(
            f"SECRET is not set and the server is not on loopback only (PUBLIC_URL="
            f"{settings.public_url}, HOST={settings.host}). Generate one with: {GENERATE_SECRET}"
        )
    if say:
        notices.append(
            "SECRET is not set: using a random one for this process; tokens will not "
            "survive a restart or work across workers."
        )
    settings.secret = secrets.token_urlsafe(48)


def read_settings(*, secret_notice: bool = True, **overrides: Any) -> tuple[Settings, list[str]]:
    """Build settings, turning a bad value into one line that names the variable; with the
    start-up notices (one line each) about values that work but are likely wrong.
    `secret_notice=False`: a command that signs nothing need not mention a missing SECRET."""
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_one_line(exc)) from None
    sso_config_of(settings)  # a provider we cannot use stops start-up here
    known = [name.upper() for name in Settings.model_fields if name != "auth_variables"]
    notices = unknown_variables(_names_given(overrides), known, settings.auth_providers)
    if "public_url" in settings.model_fields_set and settings.public_url.strip():
        wrong = public_url.mismatch(settings.public_url, settings.host, settings.port)
        if wrong:
            notices.append(f"{wrong}: links in mails and redirects will not reach this server.")
    else:
        settings.public_url = public_url.derived_public_url(settings.host, settings.port)
    links = _mail_links_notice(settings)
    if links:
        notices.append(links)
    _check_secret(settings, notices, say=secret_notice)
    return settings, notices


def _mail_links_notice(settings: Settings) -> str | None:
    """With the pages off, a mail sent without a client's URL still links to Directus's
    default pages under PUBLIC_URL (/admin/reset-password, /admin/accept-invite; the
    verification link redirects to /admin/users/<id>), which this server then does not
    serve: say so when no allow list lets clients send their own links."""
    if settings.account_pages_enabled:
        return None
    lists = {
        "PASSWORD_RESET_URL_ALLOW_LIST": settings.password_reset_url_allow_list,
        "USER_INVITE_URL_ALLOW_LIST": settings.user_invite_url_allow_list,
        "USER_REGISTER_URL_ALLOW_LIST": settings.user_register_url_allow_list,
    }
    empty = [name for name, allowed in lists.items() if not allowed]
    if not empty:
        return None
    base = settings.public_url.rstrip("/")
    return (
        f"ACCOUNT_PAGES_ENABLED is false and {', '.join(empty)} "
        f"{'is' if len(empty) == 1 else 'are'} empty: mails sent without a custom URL link to "
        f"{base}/admin/... pages this server does not serve; serve them from your front end "
        "or allow your own URLs."
    )


def load_settings(**overrides: Any) -> Settings:
    """`read_settings` without the notices (the CLI has shown them already)."""
    return read_settings(**overrides)[0]
