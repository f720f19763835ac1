"""argon2id with one thread per hash computes exactly the hash a thread per lane does, so
hashes stay interchangeable with argon2-cffi's, passlib's and Directus's."""

from __future__ import annotations

import pytest
from argon2.low_level import Type, hash_secret, verify_secret
from passlib.context import CryptContext

from app.security.argon2id import Argon2Parameters, hash_password, verify_password

CHEAP = Argon2Parameters(memory_cost=1024, time_cost=2, parallelism=4, threads=1)
PASSWORD = "correct horse battery staple"


def _cffi_hash(password: str, *, salt: bytes = b"0123456789abcdef") -> str:
    """What node-argon2 (Directus) and argon2-cffi write: a thread per lane."""
    return hash_secret(
        password.encode(),
        salt,
        time_cost=CHEAP.time_cost,
        memory_cost=CHEAP.memory_cost,
        parallelism=CHEAP.parallelism,
        hash_len=32,
        type=Type.ID,
    ).decode()


def test_a_hash_is_the_phc_string_others_read() -> None:
    hashed = hash_password(CHEAP, PASSWORD)
    assert hashed.startswith("$argon2id$v=19$m=1024,t=2,p=4$")
    assert verify_secret(hashed.encode(), PASSWORD.encode(), Type.ID)
    passlib = CryptContext(schemes=["argon2"])
    assert passlib.verify(PASSWORD, hashed)
    assert not passlib.verify("wrong", hashed)


@pytest.mark.parametrize("threads", [1, 2, 4, 8])
def test_threads_do_not_change_the_hash(threads: int) -> None:
    stored = _cffi_hash(PASSWORD)
    parameters = Argon2Parameters(1024, 2, 4, threads)
    assert verify_password(parameters, PASSWORD, stored)
    assert not verify_password(parameters, PASSWORD + "!", stored)


def test_hashes_verify_under_other_configured_parameters() -> None:
    """The stored hash's own parameters decide, not the configured ones (old hashes)."""
    stored = _cffi_hash(PASSWORD)
    other = Argon2Parameters(memory_cost=2048, time_cost=1, parallelism=1, threads=1)
    assert verify_password(other, PASSWORD, stored)


def test_non_ascii_passwords() -> None:
    password = "pässwörd-密码-🔑"
    assert verify_password(CHEAP, password, _cffi_hash(password))
    assert verify_password(CHEAP, password, hash_password(CHEAP, password))
    assert not verify_password(CHEAP, "passwort", hash_password(CHEAP, password))


def test_other_argon2_variants_go_through_passlib() -> None:
    argon2i = CryptContext(
        schemes=["argon2"], argon2__type="I", argon2__memory_cost=1024, argon2__rounds=2
    ).hash(PASSWORD)
    assert argon2i.startswith("$argon2i$")
    assert verify_password(CHEAP, PASSWORD, argon2i)
    assert not verify_password(CHEAP, "wrong", argon2i)


SALT = "MDEyMzQ1Njc4OWFiY2RlZg"  # b"0123456789abcdef"
DIGEST = "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhcw"  # 31 bytes, canonical


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "not-a-hash",
        "$2b$12$abcdefghijklmnopqrstuv",
        # passlib's path: no digest, characters outside base64
        "$argon2id$v=19$m=1024,t=2,p=4$c2FsdA$",
        "$argon2id$v=19$m=1024,t=2,p=4$!!!!notbase64!!!$aGFzaGhhc2hoYXNo",
        # passlib's path: fields argon2-cffi refuses (passlib raises NotImplementedError)
        f"$argon2id$v=19$m=1024,t=2,p=4,keyid=abcd${SALT}${DIGEST}",
        f"$argon2id$v=19$m=1024,t=2,p=4,data=abcd${SALT}${DIGEST}",
        # our path: a salt of impossible length, a digest with non-zero unused bits
        "$argon2id$v=19$m=1024,t=2,p=4$MDEyMzQ1Njc4OWFiY$",
        f"$argon2id$v=19$m=1024,t=2,p=4$MDEyMzQ1Njc4OWFiY${DIGEST}",
        f"$argon2id$v=19$m=1024,t=2,p=4${SALT}$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhct",
        # our path: costs argon2 refuses, or that do not fit its 32-bit fields
        f"$argon2id$v=19$m=1,t=2,p=4${SALT}${DIGEST}",  # m < 8p
        f"$argon2id$v=19$m=1024,t=0,p=4${SALT}${DIGEST}",
        f"$argon2id$v=19$m=1024,t=2,p=0${SALT}${DIGEST}",
        f"$argon2id$v=19$m=9999999999,t=2,p=4${SALT}${DIGEST}",
        f"$argon2id$v=19$m=1024,t=4294967296,p=4${SALT}${DIGEST}",
        # not the canonical spelling: leading zeros, digits of other scripts
        f"$argon2id$v=19$m=01024,t=2,p=4${SALT}${DIGEST}",
        f"$argon2id$v=19$m=\u0661\u0660\u0662\u0664,t=2,p=4${SALT}${DIGEST}",
    ],
)
def test_malformed_hashes_fail_without_raising(stored: str) -> None:
    assert verify_password(CHEAP, PASSWORD, stored) is False


@pytest.mark.parametrize(
    "costs", ["m=4194304,t=2,p=4", "m=1024,t=100000,p=4", "m=32768,t=2,p=4096"]
)
def test_absurdly_costly_stored_hashes_are_refused_unread(costs: str) -> None:
    """An imported m=4 GiB or t=100000 would hold a hashing thread for hours."""
    assert verify_password(CHEAP, PASSWORD, f"$argon2id$v=19${costs}${SALT}${DIGEST}") is False
    assert verify_password(CHEAP, PASSWORD, f"$argon2i$v=19${costs}${SALT}${DIGEST}") is False


def test_the_configured_costs_are_always_affordable() -> None:
    costly = Argon2Parameters(memory_cost=1024, time_cost=100, parallelism=4, threads=1)
    hashed = _cffi_hash(PASSWORD).replace("t=2,", "t=100,")
    assert verify_password(costly, PASSWORD, hashed) is False  # same salt, other costs
    assert verify_password(costly, PASSWORD, hash_password(costly, PASSWORD))


def test_a_known_answer() -> None:
    """Fixed salt: the same string argon2-cffi writes, byte for byte."""
    salt = b"0123456789abcdef"
    expected = _cffi_hash(PASSWORD, salt=salt)
    head = "$argon2id$v=19$m=1024,t=2,p=4$"
    assert expected.startswith(head + SALT + "$")
    assert verify_password(CHEAP, PASSWORD, expected)
    assert verify_password(Argon2Parameters(1024, 2, 4, 1), PASSWORD, expected)


def test_a_password_no_encoding_can_carry_fails_without_raising() -> None:
    """json.loads turns "\\ud800" into a lone surrogate."""
    assert verify_password(CHEAP, "\ud800", _cffi_hash(PASSWORD)) is False


def test_a_tampered_digest_fails() -> None:
    hashed = hash_password(CHEAP, PASSWORD)
    head, digest = hashed.rsplit("$", 1)
    flipped = ("B" if digest[0] == "A" else "A") + digest[1:]
    assert not verify_password(CHEAP, PASSWORD, f"{head}${flipped}")


def _respelled(stored: str, old: str, new: str) -> str:
    assert old in stored
    return stored.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (f"${SALT}$", f"${SALT[:-1]}h$"),  # same bytes, non-zero unused bits
        ("m=1024,", "m=01024,"),
        ("m=1024,", "m=\u0661\u0660\u0662\u0664,"),  # ١٠٢٤
    ],
)
def test_only_the_canonical_spelling_of_a_right_hash_verifies(old: str, new: str) -> None:
    """argon2-cffi and passlib refuse these spellings; so does the parser (and passlib's
    needs_update, which would raise on them after a successful verify)."""
    stored = _cffi_hash(PASSWORD, salt=b"0123456789abcdef")
    assert verify_password(CHEAP, PASSWORD, stored)
    assert verify_password(CHEAP, PASSWORD, _respelled(stored, old, new)) is False
