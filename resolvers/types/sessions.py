"""users_session: one login of a user as the sessions API shows it (never its token)."""

from __future__ import annotations

import enum

import strawberry

from app.services.session_views import LogoutScope, UserSession
from resolvers.types.scalars import Date, iso_date


@strawberry.enum(name="auth_logout_scope")
class LogoutScopeEnum(enum.Enum):
    local = "local"
    others = "others"
    global_ = strawberry.enum_value("global", name="global")

    def to_app(self) -> LogoutScope:
        return LogoutScope(self.value)


@strawberry.type(name="users_session")
class UserSessionType:
    id: strawberry.ID
    created: Date | None
    last_used: Date | None
    expires: Date | None
    ip: str | None
    user_agent: str | None
    browser: str | None
    os: str | None
    device: str | None
    current: bool

    @classmethod
    def of(cls, view: UserSession) -> UserSessionType:
        return cls(
            id=strawberry.ID(view.id),
            created=iso_date(view.created),
            last_used=iso_date(view.last_used),
            expires=iso_date(view.expires),
            ip=view.ip,
            user_agent=view.user_agent,
            browser=view.browser,
            os=view.os,
            device=view.device,
            current=view.current,
        )
