"""JWTs (python-jose, HS256 pinned) and opaque refresh/static tokens.

All jose use stays in this module so the library can be swapped.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any, TypeGuard

from cachetools import LRUCache
from jose import jwt
from jose.exceptions import JWTError

from app.clock import Clock
from app.errors import ForbiddenError, InvalidTokenError, TokenExpiredError

ISSUER = "directus"
ALGORITHM = "HS256"
REFRESH_TOKEN_LENGTH = 64
# Tokens whose signature was checked lately; a client sends the same access token on
# every request until it expires, and a check costs more than the rest of a small read.
VERIFIED_CACHE_SIZE = 2048


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    role: str | None
    app_access: bool
    admin_access: bool
    session: str | None
    enforce_tfa: bool
    # When the user last proved its password: only tokens a login issued carry it.
    auth_time: int | None = None


def _is_time(value: object) -> TypeGuard[int | float]:
    """A NumericDate claim: a number, never a boolean (JSON `true` is no time)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _segment(part: str) -> object:
    """One base64url JSON segment of a JWT, unverified; None when it is not one."""
    try:
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None


def looks_like_jwt(token: str) -> bool:
    """True for anything shaped as a JWT, so forged JWTs are judged as JWTs."""
    parts = token.split(".")
    if len(parts) != 3:
        return False
    header = _segment(parts[0])
    return isinstance(header, dict) and "alg" in header


def claims_directus_issuer(token: str) -> bool:
    """A JWT that says it is ours (`iss: directus`, not yet verified), as Directus's
    isDirectusJWT: only those are judged as JWTs (a forgery among them INVALID_TOKEN);
    anything else is looked up as a static token, so it is INVALID_CREDENTIALS."""
    if not looks_like_jwt(token):
        return False
    payload = _segment(token.split(".")[1])
    return isinstance(payload, dict) and payload.get("iss") == ISSUER


def new_refresh_token() -> str:
    """64 URL-safe characters (384 bits of randomness)."""
    return secrets.token_urlsafe(48)[:REFRESH_TOKEN_LENGTH]


def hash_token(token: str) -> str:
    """Tokens are stored as sha256: a database leak does not leak usable tokens. Any text
    hashes (a lone surrogate too), so a malformed token is simply one that matches none."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class TokenService:
    def __init__(self, secret: str, clock: Clock) -> None:
        self._secret = secret
        self._clock = clock
        # token -> its verified payload. The key is the whole token, signature included,
        # so only the very token that passed can hit; expiry is still checked every time.
        self._verified: LRUCache[str, dict[str, Any]] = LRUCache(maxsize=VERIFIED_CACHE_SIZE)

    def sign(self, claims: dict[str, Any], ttl_ms: int) -> str:
        now = int(self._clock.now().timestamp())
        payload = {**claims, "iat": now, "exp": now + ttl_ms // 1000, "iss": ISSUER}
        return str(jwt.encode(payload, self._secret, algorithm=ALGORITHM))

    def decode(self, token: str, *, verify_exp: bool = True) -> dict[str, Any]:
        """Verify signature, algorithm and issuer; `nbf` and expiry against our clock.

        A token not yet valid is INVALID_TOKEN, checked before expiry (as Directus's
        jsonwebtoken does), and whatever `verify_exp` says: it was never valid.
        """
        payload = dict(self._verified_payload(token))
        exp = payload.get("exp")
        if not _is_time(exp):
            raise InvalidTokenError()
        now = self._clock.now().timestamp()
        if "nbf" in payload and (not _is_time(payload["nbf"]) or payload["nbf"] > now):
            raise InvalidTokenError()
        if verify_exp and exp <= now:
            raise TokenExpiredError()
        return payload

    def _verified_payload(self, token: str) -> dict[str, Any]:
        cached = self._verified.get(token)
        if cached is not None:
            return cached
        try:
            payload: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except (JWTError, UnicodeError):  # UnicodeError: JSON's lone surrogate "\ud800"
            raise InvalidTokenError() from None
        self._verified[token] = payload
        return payload

    def sign_access(
        self,
        *,
        user_id: str,
        role: str | None,
        app_access: bool,
        admin_access: bool,
        ttl_ms: int,
        session: str | None = None,
        enforce_tfa: bool = False,
        auth_time: int | None = None,
    ) -> str:
        claims: dict[str, Any] = {
            "id": user_id,
            "role": role,
            "app_access": app_access,
            "admin_access": admin_access,
        }
        if session is not None:
            claims["session"] = session
        if enforce_tfa:
            claims["enforce_tfa"] = True
        if auth_time is not None:
            claims["auth_time"] = auth_time
        return self.sign(claims, ttl_ms)

    def decode_access(self, token: str, *, verify_exp: bool = True) -> AccessClaims:
        payload = self.decode(token, verify_exp=verify_exp)
        # A scoped token (reset, invite, registration) is never an access token.
        if "scope" in payload:
            raise InvalidTokenError()
        user_id = payload.get("id")
        role = payload.get("role")
        session = payload.get("session")
        if not isinstance(user_id, str) or not user_id:
            raise InvalidTokenError()
        if "role" not in payload or not (role is None or isinstance(role, str)):
            raise InvalidTokenError()
        if not isinstance(payload.get("app_access"), bool) or not isinstance(
            payload.get("admin_access"), bool
        ):
            raise InvalidTokenError()
        if session is not None and not isinstance(session, str):
            raise InvalidTokenError()
        auth_time = payload.get("auth_time")
        if auth_time is not None and not (_is_time(auth_time) and isinstance(auth_time, int)):
            raise InvalidTokenError()
        return AccessClaims(
            user_id=user_id,
            role=role,
            app_access=payload["app_access"],
            admin_access=payload["admin_access"],
            session=session,
            enforce_tfa=payload.get("enforce_tfa") is True,
            auth_time=auth_time,
        )

    def sign_scoped(self, scope: str, claims: dict[str, Any], ttl_ms: int) -> str:
        """A single-purpose token (password reset, invite, registration)."""
        return self.sign({**claims, "scope": scope}, ttl_ms)

    def decode_scoped(self, token: str, scope: str) -> dict[str, Any]:
        """Claims of a token of exactly this scope; another scope is FORBIDDEN."""
        payload = self.decode(token)
        if payload.get("scope") != scope:
            raise ForbiddenError()
        return payload


def password_fingerprint(password_hash: str | None) -> str:
    """Binds a reset token to the password it replaces: once changed, the token is spent."""
    return hashlib.sha256((password_hash or "").encode("utf-8")).hexdigest()[:16]


def successor_token(secret: str, predecessor_hash: str) -> str:
    """The refresh token that replaces another, derived rather than random so that a
    retry inside the reuse grace window can be answered with the very same successor."""
    digest = hmac.new(
        secret.encode("utf-8"), b"refresh-successor:" + predecessor_hash.encode(), hashlib.sha512
    ).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")[:REFRESH_TOKEN_LENGTH]
