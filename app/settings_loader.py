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
    _warn_about_mail_links(settings)
    if not settings.secret:
        warnings.warn(
            "SECRET is not set: using a random one for this process; tokens will not "
            "survive a restart or work across workers.",
            RuntimeWarning,
            stacklevel=2,
        )
        settings.secret = secrets.token_urlsafe(48)
    return settings


def _warn_about_mail_links(settings: Settings) -> None:
    """With the pages off, a mail sent without a client's URL still links to Directus's
    default pages under PUBLIC_URL (/admin/reset-password, /admin/accept-invite; the
    verification link redirects to /admin/users/<id>), which this server then does not
    serve: say so when no allow list lets clients send their own links."""
    if settings.account_pages_enabled:
        return
    lists = {
        "PASSWORD_RESET_URL_ALLOW_LIST": settings.password_reset_url_allow_list,
        "USER_INVITE_URL_ALLOW_LIST": settings.user_invite_url_allow_list,
        "USER_REGISTER_URL_ALLOW_LIST": settings.user_register_url_allow_list,
    }
    empty = [name for name, allowed in lists.items() if not allowed]
    if not empty:
        return
    base = settings.public_url.rstrip("/")
    warnings.warn(
        f"ACCOUNT_PAGES_ENABLED is false and {', '.join(empty)} "
        f"{'is' if len(empty) == 1 else 'are'} empty: mails sent without a custom URL link to "
        f"{base}/admin/... pages this server does not serve; serve them from your front end "
        "or allow your own URLs.",
        RuntimeWarning,
        stacklevel=3,
    )
