"""Settings as the server starts with them: the environment read and checked, SSO providers
included. Apart from `app.config` so that the provider configuration (`app.sso.config`, which
reads Settings) and the settings themselves import each other in one direction only.

`read_settings` also returns the notices an operator must see once at start-up (the CLI
prints them); `load_settings` is the quiet form for the workers and tests."""

from __future__ import annotations

import secrets

from pydantic import ValidationError

from app import public_url
from app.config import ConfigError, Settings
from app.sso.config import sso_config_of


def read_settings(**overrides: object) -> tuple[Settings, list[str]]:
    """Build settings, turning a bad value into one line that names the variable; with the
    start-up notices (one line each) about values that work but are likely wrong."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "configuration"
        raise ConfigError(f"Invalid value for {name}: {first['msg']}") from None
    sso_config_of(settings)  # a provider we cannot use stops start-up here
    notices: list[str] = []
    if "public_url" in settings.model_fields_set and settings.public_url.strip():
        wrong = public_url.mismatch(settings.public_url, settings.host, settings.port)
        if wrong:
            notices.append(f"{wrong}: links in mails and redirects will not reach this server.")
    else:
        settings.public_url = public_url.derived_public_url(settings.host, settings.port)
    if not settings.secret:
        notices.append(
            "SECRET is not set: using a random one for this process; tokens will not "
            "survive a restart or work across workers."
        )
        settings.secret = secrets.token_urlsafe(48)
    return settings, notices


def load_settings(**overrides: object) -> Settings:
    """`read_settings` without the notices (the CLI has shown them already)."""
    return read_settings(**overrides)[0]
