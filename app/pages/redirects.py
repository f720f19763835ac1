"""Where a page may send the browser next: only a path on this server (`?redirect=` must never
turn our login into a springboard to another site)."""

from __future__ import annotations

from urllib.parse import urlsplit

ACCOUNT = "/admin/account"
TFA_SETUP = "/admin/tfa-setup"
LOGIN = "/admin/login"


def local_path(value: str | None, default: str = ACCOUNT) -> str:
    """`value` when it is a plain path on this origin, else `default`. Refused: absolute and
    scheme-relative URLs (`//evil`, `/\\evil`, which browsers read as `//evil`), any scheme,
    control characters and backslashes (browsers turn them into slashes)."""
    if not value or len(value) > 2048:
        return default
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in value) or "\\" in value:
        return default
    if not value.startswith("/") or value.startswith("//"):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value
