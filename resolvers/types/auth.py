"""auth_tokens, auth_mode."""

from __future__ import annotations

import enum

import strawberry

from app.services.sessions import AuthMode, IssuedTokens
from resolvers.types.scalars import GraphQLBigInt


@strawberry.enum(name="auth_mode")
class AuthModeEnum(enum.Enum):
    json = "json"
    cookie = "cookie"
    session = "session"

    def to_app(self) -> AuthMode:
        return AuthMode(self.value)


@strawberry.type(name="auth_tokens")
class AuthTokens:
    access_token: str | None
    expires: GraphQLBigInt | None
    refresh_token: str | None

    @classmethod
    def from_issued(cls, issued: IssuedTokens) -> AuthTokens:
        return cls(
            access_token=None if issued.mode is AuthMode.SESSION else issued.access_token,
            expires=GraphQLBigInt(issued.expires_ms),
            refresh_token=issued.refresh_token,
        )
