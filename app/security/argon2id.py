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


# argon2id, version 1.3, in the canonical spelling: what Directus and this server write.
# Anything else stored (argon2i, argon2d, version 1.0) is verified by passlib.
_NUMBER = "(0|[1-9][0-9]{0,9})"
_ARGON2ID = re.compile(
    rf"\$argon2id\$v=19\$m={_NUMBER},t={_NUMBER},p={_NUMBER}"
    r"\$([A-Za-z0-9+/]{11,})\$([A-Za-z0-9+/]{6,})"
)
# The cost figures of any argon2 hash, to refuse absurd ones before computing anything.
_COSTS = re.compile(r"\$argon2(?:id|i|d)\$(?:v=[0-9]+\$)?m=([0-9]+),t=([0-9]+),p=([0-9]+)\$")
SALT_BYTES = 16
HASH_BYTES = 32
# A stored hash may cost at most this much, or its configured cost if that is higher: an
# imported hash with m=4 TiB or t=4e9 would otherwise hold a hashing thread for hours.
MAX_STORED_MEMORY_KIB = 1 << 20  # 1 GiB
MAX_STORED_TIME_COST = 64
MAX_STORED_LANES = 64
# From argon2.h (argon2-cffi exports the call, not these two constants).
ARGON2_DEFAULT_FLAGS = 0
ARGON2_OK = 0
UINT32_MAX = 0xFFFFFFFF
MAX_LANES = 0xFFFFFF


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
    """Checks against the stored hash's own parameters. A malformed or absurdly costly
    stored hash, or a password no encoding can carry (a lone surrogate from JSON), is a
    failed login, not a crash."""
    try:
        secret = password.encode()
    except UnicodeEncodeError:
        return False
    if not _affordable(parameters, hashed):
        return False
    found = _ARGON2ID.fullmatch(hashed)
    if found is None:
        try:
            return bool(context_for(parameters).verify(password, hashed))
        except (ValueError, TypeError, NotImplementedError):
            return False
    memory_cost, time_cost, lanes = (int(found.group(n)) for n in (1, 2, 3))
    try:
        salt, expected = _unb64(found.group(4)), _unb64(found.group(5))
    except ValueError:
        return False
    digest = _argon2id(
        secret, salt, memory_cost, time_cost, lanes, min(parameters.threads, lanes), len(expected)
    )
    return digest is not None and hmac.compare_digest(digest, expected)


def _affordable(parameters: Argon2Parameters, hashed: str) -> bool:
    costs = _COSTS.match(hashed)
    if costs is None:
        return True  # not argon2 with costs: passlib refuses it or it is cheap
    memory_cost, time_cost, lanes = (int(costs.group(n)) for n in (1, 2, 3))
    return (
        memory_cost <= max(parameters.memory_cost, MAX_STORED_MEMORY_KIB)
        and time_cost <= max(parameters.time_cost, MAX_STORED_TIME_COST)
        and lanes <= max(parameters.parallelism, MAX_STORED_LANES)
    )


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
    if max(memory_cost, time_cost, length) > UINT32_MAX or max(lanes, threads) > MAX_LANES:
        return None
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
    """PHC's base64: standard alphabet, no padding, unused bits zero (binascii.Error is a
    ValueError); any other spelling of the same bytes is refused, as argon2 refuses it."""
    if len(text) % 4 == 1:
        raise ValueError("not base64")
    raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    if _b64(raw) != text:
        raise ValueError("not canonical base64")
    return raw
