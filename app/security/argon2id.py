"""argon2id hashes computed by `threads` threads (one by default) whatever their lanes.

With a thread per lane, as argon2-cffi's and passlib's own calls do, Directus's four
lanes take every core of a small machine, and a login storm slows every request. The
lanes stay part of the hash (p=), so hashes remain interchangeable with Directus's.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache

from argon2.low_level import ARGON2_VERSION, Type, core, ffi
from passlib.context import CryptContext


@dataclass(frozen=True)
class Argon2Parameters:
    memory_cost: int  # KiB
    time_cost: int
    parallelism: int  # lanes: part of the hash (p=), Directus's 4 by default
    threads: int = 1  # threads computing one hash: not part of it


# argon2id, version 1.3: what Directus and this server write. Anything else stored (argon2i,
# argon2d, version 1.0) is verified by passlib, with as many threads as lanes.
_ARGON2ID = re.compile(
    r"\$argon2id\$v=19\$m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,8})"
    r"\$([A-Za-z0-9+/]{11,})\$([A-Za-z0-9+/]{6,})"
)
SALT_BYTES = 16
HASH_BYTES = 32
# From argon2.h (argon2-cffi exports the call, not these two constants).
ARGON2_DEFAULT_FLAGS = 0
ARGON2_OK = 0


@lru_cache(maxsize=8)
def context_for(parameters: Argon2Parameters) -> CryptContext:
    """passlib's view of the parameters: rehash decisions, and other argon2 variants."""
    return CryptContext(
        schemes=["argon2"],
        argon2__type="ID",
        argon2__memory_cost=parameters.memory_cost,
        argon2__rounds=parameters.time_cost,
        argon2__parallelism=parameters.parallelism,
    )


def hash_password(parameters: Argon2Parameters, password: str) -> str:
    """The PHC string argon2-cffi and passlib write, computed with `threads` threads."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _argon2id(
        password.encode(),
        salt,
        parameters.memory_cost,
        parameters.time_cost,
        parameters.parallelism,
        parameters.threads,
        HASH_BYTES,
    )
    if digest is None:
        raise ValueError("argon2 refused the configured parameters")
    return (
        f"$argon2id$v=19$m={parameters.memory_cost},t={parameters.time_cost},"
        f"p={parameters.parallelism}${_b64(salt)}${_b64(digest)}"
    )


def verify_password(parameters: Argon2Parameters, password: str, hashed: str) -> bool:
    """Checks against the stored hash's own parameters; a malformed hash is a failed
    login, not a crash."""
    found = _ARGON2ID.fullmatch(hashed)
    if found is None:
        try:
            return bool(context_for(parameters).verify(password, hashed))
        except (ValueError, TypeError):
            return False
    memory_cost, time_cost, lanes = (int(found.group(n)) for n in (1, 2, 3))
    try:
        salt, expected = _unb64(found.group(4)), _unb64(found.group(5))
    except ValueError:
        return False
    digest = _argon2id(
        password.encode(),
        salt,
        memory_cost,
        time_cost,
        lanes,
        min(parameters.threads, lanes),
        len(expected),
    )
    return digest is not None and hmac.compare_digest(digest, expected)


def _argon2id(
    password: bytes,
    salt: bytes,
    memory_cost: int,
    time_cost: int,
    lanes: int,
    threads: int,
    length: int,
) -> bytes | None:
    """argon2-cffi's binding of argon2_ctx, the one call where threads and lanes differ
    (its other calls use a thread per lane). None when argon2 refuses the inputs."""
    out = ffi.new("uint8_t[]", length)
    secret = ffi.new("uint8_t[]", password)
    salted = ffi.new("uint8_t[]", salt)
    context = ffi.new(
        "argon2_context *",
        {
            "out": out,
            "outlen": length,
            "pwd": secret,
            "pwdlen": len(password),
            "salt": salted,
            "saltlen": len(salt),
            "secret": ffi.NULL,
            "secretlen": 0,
            "ad": ffi.NULL,
            "adlen": 0,
            "t_cost": time_cost,
            "m_cost": memory_cost,
            "lanes": lanes,
            "threads": threads,
            "version": ARGON2_VERSION,
            "allocate_cbk": ffi.NULL,
            "free_cbk": ffi.NULL,
            "flags": ARGON2_DEFAULT_FLAGS,
        },
    )
    if core(context, Type.ID.value) != ARGON2_OK:
        return None
    return bytes(ffi.buffer(out, length))


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    """PHC's base64: standard alphabet, no padding (binascii.Error is a ValueError)."""
    if len(text) % 4 == 1:
        raise ValueError("not base64")
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
