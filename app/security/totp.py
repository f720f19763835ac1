"""TOTP codes (RFC 6238: SHA1, 6 digits, 30 s) through pyotp."""

from __future__ import annotations

import base64
import re
from datetime import datetime

import pyotp


class _StoredTOTP(pyotp.TOTP):
    """pyotp refuses secrets under 112 bits; secrets already stored (e.g. imported from
    Directus) are honoured anyway — new ones are always 160 bits."""

    def byte_secret(self) -> bytes:
        secret = self.secret + "=" * (-len(self.secret) % 8)
        return base64.b32decode(secret, casefold=True)


def new_secret() -> str:
    return pyotp.random_base32()


# new_secret makes 32 base32 characters (160 bits); shown again, a secret must look like one.
_NEW_SECRET = re.compile(r"[A-Z2-7]{26,128}")


def is_new_secret(secret: str) -> bool:
    """Whether `secret` looks like one new_secret made (base32, at least 130 bits)."""
    return _NEW_SECRET.fullmatch(secret) is not None


def matching_step(secret: str, code: str, at: datetime, *, stored: bool = False) -> int | None:
    """The time step the code belongs to, or None; callers refuse a step used before.

    `stored` accepts an existing secret of any length; a secret being enabled must be
    at least 112 bits."""
    try:
        totp = _StoredTOTP(secret) if stored else pyotp.TOTP(secret)
        if not code.isdigit() or not totp.verify(code, for_time=at, valid_window=0):
            return None
    except (ValueError, TypeError):
        return None
    return int(totp.timecode(at))


def provisioning_uri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)
