"""The links the account mails carry: Directus's default pages under PUBLIC_URL, or a
client's URL when an allow list names it, with the token added to its query."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

# Directus's defaults (its Data Studio's pages; the verification link is the API's own).
RESET_PATH = "/admin/reset-password"
INVITE_PATH = "/admin/accept-invite"
VERIFY_PATH = "/users/register/verify-email"
# Where Directus sends a browser after the verification link: the user's page, or the login
# when the link had no token.
LOGIN_PATH = "/admin/login"


def verified_user_path(user_id: str) -> str:
    return f"/admin/users/{user_id}"


def _origin_and_path(url: str) -> str:
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, "", ""))


def allowed_url(url: str, allow_list: Sequence[str]) -> bool:
    """A custom link must match an allow-list entry on origin and path."""
    target = _origin_and_path(url)
    return any(target == _origin_and_path(entry) for entry in allow_list)


def with_token(url: str, token: str) -> str:
    parts = urlsplit(url)
    query = f"{parts.query}&token={token}" if parts.query else f"token={token}"
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
