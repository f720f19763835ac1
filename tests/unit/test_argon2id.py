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


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "not-a-hash",
        "$argon2id$v=19$m=1024,t=2,p=4$c2FsdA$",
        "$argon2id$v=19$m=1024,t=2,p=4$!!!!notbase64!!!$aGFzaGhhc2hoYXNo",
        "$argon2id$v=19$m=1024,t=2,p=4$MDEyMzQ1Njc4OWFiY2RlZg$aGFza",  # impossible length
        "$argon2id$v=19$m=1,t=2,p=4$MDEyMzQ1Njc4OWFiY2RlZg$aGFzaGhhc2hoYXNo",  # m < 8p
        "$argon2id$v=19$m=1024,t=0,p=4$MDEyMzQ1Njc4OWFiY2RlZg$aGFzaGhhc2hoYXNo",
        "$argon2id$v=19$m=1024,t=2,p=0$MDEyMzQ1Njc4OWFiY2RlZg$aGFzaGhhc2hoYXNo",
        "$2b$12$abcdefghijklmnopqrstuv",
    ],
)
def test_malformed_hashes_fail_without_raising(stored: str) -> None:
    assert verify_password(CHEAP, PASSWORD, stored) is False


def test_a_tampered_digest_fails() -> None:
    hashed = hash_password(CHEAP, PASSWORD)
    head, digest = hashed.rsplit("$", 1)
    flipped = ("B" if digest[0] == "A" else "A") + digest[1:]
    assert not verify_password(CHEAP, PASSWORD, f"{head}${flipped}")
