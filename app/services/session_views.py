"""What a user sees of a session: one login, by the id of its rotation family (stable
across refreshes, never the token), with a readable browser and OS from its user agent."""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from datetime import datetime

from ua_parser import parse

from app.db.models import Session

MISSING_REFRESH_TOKEN = "The refresh token is required in either the payload or cookie."


@dataclass(frozen=True)
class PresentedSession:
    """The session a refresh or logout names (or a request rides on): by raw refresh token
    or by session id."""

    refresh_token: str | None = None
    session_id: str | None = None


class LogoutScope(enum.Enum):
    """`auth_logout(scope:)`: this login, every other login of its user, or all of them."""

    LOCAL = "local"
    OTHERS = "others"
    GLOBAL = "global"


@dataclass(frozen=True)
class Agent:
    browser: str | None
    os: str | None
    device: str | None


@dataclass(frozen=True)
class UserSession:
    id: str
    created: datetime | None
    last_used: datetime | None
    expires: datetime
    ip: str | None
    user_agent: str | None
    browser: str | None
    os: str | None
    device: str | None
    current: bool

    @classmethod
    def of(cls, row: Session, current_family: str | None) -> UserSession:
        agent = describe_agent(row.user_agent)
        return cls(
            id=row.family,
            created=row.created,
            last_used=row.last_used,
            expires=row.expires,
            ip=row.ip,
            user_agent=row.user_agent,
            browser=agent.browser,
            os=agent.os,
            device=agent.device,
            current=current_family is not None and row.family == current_family,
        )


def _named(family: str | None, *versions: str | None) -> str | None:
    if not family or family == "Other":
        return None
    numbers = []
    for part in versions:
        if not part:
            break
        numbers.append(part)
    return " ".join([family, ".".join(numbers)]) if numbers else family


@functools.lru_cache(maxsize=512)
def describe_agent(user_agent: str | None) -> Agent:
    """Browser, OS and device of a user agent (ua-parser's rules); None where unknown.
    Cached: a user's sessions mostly share a few agents, and parsing costs ~1 ms."""
    if not user_agent:
        return Agent(None, None, None)
    result = parse(user_agent[:1000])
    agent, system, device = result.user_agent, result.os, result.device
    return Agent(
        browser=None if agent is None else _named(agent.family, agent.major),
        os=None if system is None else _named(system.family, system.major, system.minor),
        device=None if device is None or device.family == "Other" else device.family,
    )
