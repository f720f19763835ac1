"""The recovery codes' form: 80 random bits shown as XXXX-XXXX-XXXX-XXXX, typed any way, a set
derived from a TOTP secret only with the server's SECRET, stored as a keyed hash per user."""

from __future__ import annotations

import base64

import pytest

from app.security import recovery_codes

SERVER = "server-secret-long-enough-for-hs256-0123456789"
TFA_SECRET = "JBSWY3DPEHPK3PXQJBSWY3DPEHPK3PXQ"


def test_a_random_set_is_ten_distinct_80_bit_codes() -> None:
    codes = recovery_codes.random_set()
    assert len(codes) == recovery_codes.COUNT == 10
    assert len(set(codes)) == 10
    for code in codes:
        assert len(base64.b32decode(code)) == 10  # 80 bits
        assert recovery_codes.normalised(code) == code
    assert set(codes).isdisjoint(recovery_codes.random_set())


def test_shown_groups_by_four() -> None:
    assert recovery_codes.shown("ABCDEFGHIJKLMNOP") == "ABCD-EFGH-IJKL-MNOP"


@pytest.mark.parametrize(
    "typed",
    ["ABCD-EFGH-IJKL-MNOP", "abcd-efgh-ijkl-mnop", "ABCDEFGHIJKLMNOP", " abcd efgh\tijkl-mnop "],
)
def test_any_case_with_or_without_separators(typed: str) -> None:
    assert recovery_codes.normalised(typed) == "ABCDEFGHIJKLMNOP"


@pytest.mark.parametrize(
    "typed", ["", "123456", "ABCD-EFGH-IJKL-MNO", "ABCD-EFGH-IJKL-MNOPQ", "ABCD-EFGH-IJKL-MN01"]
)
def test_what_cannot_be_a_code_is_none(typed: str) -> None:
    assert recovery_codes.normalised(typed) is None


def test_the_derived_set_depends_on_the_server_secret_the_user_and_the_tfa_secret() -> None:
    derived = recovery_codes.derived_set(SERVER, "user-1", TFA_SECRET)
    assert derived == recovery_codes.derived_set(SERVER, "user-1", TFA_SECRET)
    assert len(set(derived)) == 10
    assert all(recovery_codes.normalised(code) == code for code in derived)
    assert set(derived).isdisjoint(recovery_codes.derived_set(SERVER + "x", "user-1", TFA_SECRET))
    assert set(derived).isdisjoint(
        recovery_codes.derived_set(SERVER, "user-1", TFA_SECRET[:-1] + "A")
    )
    # Another account enabling the same secret gets another set.
    assert set(derived).isdisjoint(recovery_codes.derived_set(SERVER, "user-2", TFA_SECRET))


def test_the_hash_is_keyed_and_per_user() -> None:
    code = "ABCDEFGHIJKLMNOP"
    digest = recovery_codes.code_hash(SERVER, "user-1", code)
    assert len(digest) == 64
    assert code.lower() not in digest
    assert digest == recovery_codes.code_hash(SERVER, "user-1", code)
    assert digest != recovery_codes.code_hash(SERVER, "user-2", code)
    assert digest != recovery_codes.code_hash(SERVER + "x", "user-1", code)
