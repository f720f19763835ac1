"""Settings as the server starts with them: the environment read and checked, SSO providers
included. Apart from `app.config` so that the provider configuration (`app.sso.config`, which
reads Settings) and the settings themselves import each other in one direction only."""

from __future__ import annotations

import secrets
import warnings

from pydantic import ValidationError

from app.config import ConfigError, Settings
from app.sso.config import sso_config_of


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning a bad value into one line that names the variable."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "configuration"
        raise ConfigError(f"Invalid value for {name}: {first['msg']}") from None
    sso_config_of(settings)  # a provider we cannot use stops start-up here
    if not settings.secret:
        warnings.warn(
            "SECRET is not set: using a random one for this process; tokens will not "
            "survive a restart or work across workers.",
            RuntimeWarning,
            stacklevel=2,
        )
        settings.secret = secrets.token_urlsafe(48)
    return settings
