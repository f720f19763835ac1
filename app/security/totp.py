"""TOTP codes (RFC 6238: SHA1, 6 digits, 30 s) through pyotp."""

from __future__ import annotations

from datetime import datetime

import pyotp


def new_secret() -> str:
    return pyotp.random_base32()


def matching_step(secret: str, code: str, at: datetime) -> int | None:
    """The time step the code belongs to, or None; callers refuse a step used before."""
    try:
        totp = pyotp.TOTP(secret)
        if not code.isdigit() or not totp.verify(code, for_time=at, valid_window=0):
            return None
    except (ValueError, TypeError):
        return None
    return int(totp.timecode(at))


def provisioning_uri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)
