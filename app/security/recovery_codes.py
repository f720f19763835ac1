"""TFA recovery codes: made, shown, normalised and hashed here only.

A code is 80 random bits as 16 base32 characters, shown as `XXXX-XXXX-XXXX-XXXX` and
accepted in any case, with or without dashes or spaces. With that much entropy a keyed
SHA-256 (HMAC with a key derived from SECRET) is enough to store them: a slow hash such as
argon2 would make every recovery-code login ten slow verifies, a lever for a DoS.

The set shown when TFA is enabled is derived from the user's id and the pending TOTP secret
with a server key, so enable stores the hashes of exactly what generate showed and nothing
is stored before it; another account enabling the same secret gets another set. Regenerated
sets are random."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

COUNT = 10
# 16 base32 characters: 80 bits.
_CODE_BYTES = 10
_SHOWN_GROUP = 4
_SEPARATORS = re.compile(r"[\s-]+")
_CODE = re.compile(r"[A-Z2-7]{16}")


def _key(secret: str, purpose: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), b"tfa-recovery-codes:" + purpose, "sha256").digest()


def _as_code(raw: bytes) -> str:
    return base64.b32encode(raw[:_CODE_BYTES]).decode("ascii")


def shown(code: str) -> str:
    """A normalised code as people read it: XXXX-XXXX-XXXX-XXXX."""
    return "-".join(code[i : i + _SHOWN_GROUP] for i in range(0, len(code), _SHOWN_GROUP))


def random_set() -> list[str]:
    """A fresh set (regenerate), normalised."""
    return [_as_code(secrets.token_bytes(_CODE_BYTES)) for _ in range(COUNT)]


def derived_set(server_secret: str, user_id: str, tfa_secret: str) -> list[str]:
    """The set that belongs to a user's TOTP secret being set up, normalised: generate shows
    it and enable stores it, with nothing kept in between. Only the server (its SECRET) can
    compute it; bound to the user, so knowing a secret never yields another user's codes."""
    key = _key(server_secret, b"derive")
    return [
        _as_code(hmac.new(key, f"{user_id}:{tfa_secret}:{index}".encode(), hashlib.sha256).digest())
        for index in range(COUNT)
    ]


def normalised(text: str) -> str | None:
    """The code typed, upper-cased without separators; None when it cannot be one (a TOTP
    code, say)."""
    code = _SEPARATORS.sub("", text).upper()
    return code if _CODE.fullmatch(code) else None


def code_hash(server_secret: str, user_id: str, code: str) -> str:
    """What is stored of a normalised code: HMAC-SHA256, keyed from SECRET, over the user's
    id and the code (hex, 64 characters)."""
    key = _key(server_secret, b"hash")
    return hmac.new(key, f"{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def secret_mark(server_secret: str, user_id: str, tfa_secret: str) -> str:
    """What is kept of a TOTP secret a user turned TFA on with: HMAC-SHA256, keyed from
    SECRET, over the user's id and the secret (hex). Enabling a marked secret again stores
    no derived set (it was shown once)."""
    key = _key(server_secret, b"enabled")
    return hmac.new(key, f"{user_id}:{tfa_secret}".encode(), hashlib.sha256).hexdigest()
