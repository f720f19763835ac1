"""Rate limits through `limits` (memory, or Redis shared by every instance).

Per IP: one budget for every request (RATE_LIMITER_*), a stricter one for the operations an
attacker would hammer (login, refresh, one-time codes, reset and registration), and one for
registrations alone (RATE_LIMITER_REGISTRATION_*, on by default). Per address: the mails one
inbox receives (RATE_LIMITER_EMAIL_*). Each budget has its own switch; all share the store.
"""

from __future__ import annotations

import hashlib
import math
import time
from typing import Any

import redis.asyncio as aioredis
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from app.config import Settings
from app.errors import RequestsExceededError


def _per_duration(points: int, duration_ms: int, namespace: str) -> RateLimitItem:
    seconds = max(1, math.ceil(duration_ms / 1000))
    return RateLimitItemPerSecond(points, seconds, namespace=namespace)


def storage_uri(settings: Settings) -> str:
    if settings.rate_limiter_store == "redis":
        return "async+" + settings.rate_limiter_redis
    return "async+memory://"


def _mail_key(address: str) -> str:
    """An inbox's key: case does not make another inbox, and the store never holds the
    address itself (nor an unbounded key)."""
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        # `enabled` is the every-request budget (the middleware's); the auth budget goes with it.
        self.enabled = settings.rate_limiter_enabled
        self.registration_enabled = settings.rate_limiter_registration_enabled
        self.mail_enabled = settings.rate_limiter_email_enabled
        self._storage: Storage | None = None
        self._pool: aioredis.ConnectionPool | None = None
        if self.enabled or self.registration_enabled or self.mail_enabled:
            options: dict[str, Any] = {}
            if settings.rate_limiter_store == "redis":
                # redis-py (limits would reach for coredis), on a pool we own and close.
                self._pool = aioredis.ConnectionPool.from_url(settings.rate_limiter_redis)
                options = {"implementation": "redispy", "connection_pool": self._pool}
            storage = storage_from_string(storage_uri(settings), **options)
            assert isinstance(storage, Storage)
            self._storage = storage
        self._limiter = MovingWindowRateLimiter(self._storage) if self._storage else None
        self._requests = _per_duration(
            settings.rate_limiter_points, settings.rate_limiter_duration, "requests"
        )
        self._auth = _per_duration(
            settings.rate_limiter_auth_points, settings.rate_limiter_auth_duration, "auth"
        )
        self._registration = _per_duration(
            settings.rate_limiter_registration_points,
            settings.rate_limiter_registration_duration,
            "registration",
        )
        self._mail = _per_duration(
            settings.rate_limiter_email_points, settings.rate_limiter_email_duration, "mail"
        )

    async def hit_request(self, ip: str | None) -> None:
        if self.enabled:
            await self._hit(self._requests, ip or "unknown")

    async def hit_auth(self, ip: str | None) -> None:
        if self.enabled:
            await self._hit(self._auth, ip or "unknown")

    async def hit_registration(self, ip: str | None) -> None:
        if self.registration_enabled:
            await self._hit(self._registration, ip or "unknown")

    async def hit_mail(self, address: str) -> None:
        """One more mail to `address`; RequestsExceededError when its inbox had its share."""
        if self.mail_enabled:
            await self._hit(self._mail, _mail_key(address))

    async def _hit(self, item: RateLimitItem, key: str) -> None:
        if self._limiter is None:
            return
        if not await self._limiter.hit(item, key):
            stats = await self._limiter.get_window_stats(item, key)
            wait_ms = max(1, math.ceil((stats.reset_time - time.time()) * 1000))
            raise RequestsExceededError(wait_ms)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()

    async def reset(self) -> None:
        if self._storage is not None:
            await self._storage.reset()
