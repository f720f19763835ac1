"""TokenService and the opaque-token helpers, against a clock we control."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from jose import jwt

from app.clock import SettableClock
from app.errors import InvalidTokenError, TokenExpiredError
from app.security.tokens import (
    TokenService,
    claims_directus_issuer,
    hash_token,
    looks_like_jwt,
    new_refresh_token,
)

SECRET = "unit-test-secret-that-is-long-enough-0123456789"


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


@pytest.fixture
def tokens(clock: SettableClock) -> TokenService:
    return TokenService(SECRET, clock)


def _access(tokens: TokenService, **extra: Any) -> str:
    return tokens.sign_access(
        user_id="user-1",
        role="role-1",
        app_access=True,
        admin_access=False,
        ttl_ms=900_000,
        **extra,
    )


def _b64url(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_sign_and_decode_round_trip(tokens: TokenService) -> None:
    claims = tokens.decode_access(_access(tokens, session="session-1"))
    assert claims.user_id == "user-1"
    assert claims.role == "role-1"
    assert claims.app_access is True
    assert claims.admin_access is False
    assert claims.session == "session-1"
    assert claims.enforce_tfa is False


def test_signed_token_has_directus_claims(tokens: TokenService, clock: SettableClock) -> None:
    payload = jwt.get_unverified_claims(_access(tokens))
    assert payload["iss"] == "directus"
    assert payload["iat"] == int(clock.now().timestamp())
    assert payload["exp"] == payload["iat"] + 900
    assert "session" not in payload
    assert jwt.get_unverified_header(_access(tokens))["alg"] == "HS256"


def test_expiry_follows_the_clock(tokens: TokenService, clock: SettableClock) -> None:
    """Expiry is judged against the injected clock, not the wall clock."""
    token = _access(tokens)
    clock.advance(timedelta(minutes=14))
    assert tokens.decode_access(token).user_id == "user-1"
    clock.advance(timedelta(minutes=1, seconds=1))
    with pytest.raises(TokenExpiredError):
        tokens.decode_access(token)
    assert tokens.decode_access(token, verify_exp=False).user_id == "user-1"


def test_a_future_nbf_is_invalid_until_it_comes(tokens: TokenService, clock: SettableClock) -> None:
    payload = jwt.get_unverified_claims(_access(tokens))
    not_yet = jwt.encode({**payload, "nbf": payload["iat"] + 60}, SECRET, algorithm="HS256")
    with pytest.raises(InvalidTokenError):
        tokens.decode_access(not_yet)
    with pytest.raises(InvalidTokenError):  # never valid: not even for a cookie's session id
        tokens.decode_access(not_yet, verify_exp=False)
    clock.advance(timedelta(seconds=60))
    assert tokens.decode_access(not_yet).user_id == "user-1"


def test_a_future_nbf_wins_over_expiry(tokens: TokenService, clock: SettableClock) -> None:
    payload = jwt.get_unverified_claims(_access(tokens))
    token = jwt.encode(
        {**payload, "exp": payload["iat"] - 1, "nbf": payload["iat"] + 60}, SECRET, "HS256"
    )
    with pytest.raises(InvalidTokenError):
        tokens.decode_access(token)


def test_auth_time_is_carried_only_when_given(tokens: TokenService) -> None:
    assert tokens.decode_access(_access(tokens)).auth_time is None
    assert tokens.decode_access(_access(tokens, auth_time=1_700_000_000)).auth_time == 1_700_000_000


@pytest.mark.parametrize("auth_time", ["now", True, 1.5])
def test_a_malformed_auth_time_is_invalid(tokens: TokenService, auth_time: object) -> None:
    payload = jwt.get_unverified_claims(_access(tokens))
    token = jwt.encode({**payload, "auth_time": auth_time}, SECRET, algorithm="HS256")
    with pytest.raises(InvalidTokenError):
        tokens.decode_access(token)


def test_unsigned_token_is_refused(tokens: TokenService) -> None:
    payload = jwt.get_unverified_claims(_access(tokens))
    forged = f"{_b64url({'alg': 'none', 'typ': 'JWT'})}.{_b64url(payload)}."
    with pytest.raises(InvalidTokenError):
        tokens.decode_access(forged)


def test_other_algorithm_with_same_secret_is_refused(tokens: TokenService) -> None:
    """HS256 is pinned, so a token cannot choose its own algorithm."""
    payload = jwt.get_unverified_claims(_access(tokens))
    forged = jwt.encode(payload, SECRET, algorithm="HS512")
    with pytest.raises(InvalidTokenError):
        tokens.decode_access(forged)


def test_other_secret_is_refused(tokens: TokenService, clock: SettableClock) -> None:
    other = TokenService("a-different-secret-that-is-long-enough-987654", clock)
    with pytest.raises(InvalidTokenError):
        tokens.decode_access(_access(other))


def test_scoped_token_is_not_an_access_token(tokens: TokenService) -> None:
    """A password-reset or invite token must not open the API."""
    scoped = tokens.sign(
        {
            "id": "user-1",
            "role": "role-1",
            "app_access": True,
            "admin_access": False,
            "scope": "password-reset",
        },
        900_000,
    )
    assert tokens.decode(scoped)["scope"] == "password-reset"
    with pytest.raises(InvalidTokenError):
        tokens.decode_access(scoped)


def test_garbage_is_invalid_token(tokens: TokenService) -> None:
    with pytest.raises(InvalidTokenError):
        tokens.decode_access("not.a.jwt")


def test_hash_token_is_sha256_hex() -> None:
    assert hash_token("static-token-123") == hashlib.sha256(b"static-token-123").hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", hash_token("anything"))


def test_new_refresh_token_is_64_url_safe_characters() -> None:
    made = {new_refresh_token() for _ in range(50)}
    assert len(made) == 50
    for token in made:
        assert re.fullmatch(r"[A-Za-z0-9_-]{64}", token), token


def test_looks_like_jwt(tokens: TokenService) -> None:
    """Anything shaped like a JWT (a header with `alg`)."""
    assert looks_like_jwt(_access(tokens))
    assert looks_like_jwt(f"{_b64url({'alg': 'none'})}.{_b64url({})}.")
    assert not looks_like_jwt("static-token-123")
    assert not looks_like_jwt("a.b.c")
    assert not looks_like_jwt("")
    assert not looks_like_jwt(new_refresh_token())


def test_claims_directus_issuer(tokens: TokenService) -> None:
    """Only a JWT naming `directus` as issuer is judged as a JWT (verified later); others
    are looked up as static tokens, as Directus's isDirectusJWT decides."""
    assert claims_directus_issuer(_access(tokens))
    none_alg = _b64url({"alg": "none"})
    assert claims_directus_issuer(f"{none_alg}.{_b64url({'iss': 'directus'})}.")
    assert not claims_directus_issuer(f"{none_alg}.{_b64url({'iss': 'other'})}.")
    assert not claims_directus_issuer(f"{none_alg}.{_b64url({'id': 'u1'})}.")
    listed = base64.urlsafe_b64encode(b'["directus"]').rstrip(b"=").decode()
    assert not claims_directus_issuer(f"{none_alg}.{listed}.")
    assert not claims_directus_issuer(f"{none_alg}.not-json.")
    assert not claims_directus_issuer("static-token-123")
    assert not claims_directus_issuer("")


def test_a_cached_verification_still_expires(tokens: TokenService, clock: SettableClock) -> None:
    token = tokens.sign_access(
        user_id="u1", role=None, app_access=False, admin_access=False, ttl_ms=60_000
    )
    assert tokens.decode_access(token).user_id == "u1"
    assert tokens.decode_access(token).user_id == "u1"  # the second answer comes cached
    clock.advance(timedelta(seconds=61))
    with pytest.raises(TokenExpiredError):
        tokens.decode_access(token)


def test_a_cached_verification_does_not_vouch_for_an_altered_token(
    tokens: TokenService,
) -> None:
    token = tokens.sign_access(
        user_id="u1", role=None, app_access=False, admin_access=False, ttl_ms=60_000
    )
    tokens.decode_access(token)
    header, _payload, signature = token.split(".")
    forged_payload = (
        base64.urlsafe_b64encode(
            json.dumps(
                {
                    "id": "u1",
                    "role": None,
                    "app_access": True,
                    "admin_access": True,
                    "iss": "directus",
                    "exp": 4_102_444_800,
                }
            ).encode()
        )
        .decode()
        .rstrip("=")
    )
    with pytest.raises(InvalidTokenError):
        tokens.decode_access(f"{header}.{forged_payload}.{signature}")
    with pytest.raises(InvalidTokenError):
        tokens.decode_access(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))


def test_callers_cannot_change_what_the_cache_holds(tokens: TokenService) -> None:
    token = tokens.sign_scoped("password-reset", {"email": "a@example.com"}, 60_000)
    first = tokens.decode_scoped(token, "password-reset")
    first["email"] = "mallory@example.com"
    assert tokens.decode_scoped(token, "password-reset")["email"] == "a@example.com"
