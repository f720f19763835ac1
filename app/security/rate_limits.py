"""Rate limits through `limits` (memory, or Redis shared by every instance).

Per IP: one budget for every request (RATE_LIMITER_*), a stricter one for the operations an
attacker would hammer (login, refresh, one-time codes, reset and registration), and one for
registrations alone (RATE_LIMITER_REGISTRATION_*, on by default). Per address: the mails one
inbox receives (RATE_LIMITER_EMAIL_*). Each budget has its own switch; all share the store.

When Redis cannot be reached, the limits are counted in this process's memory instead (one
warning a minute) and Redis is tried again every few seconds: logins and reads go on, and
the counts are shared again once it is back.
"""

from __future__ import annotations

import hashlib
import logging
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
from app.rare_warnings import RareWarning, cause_of

logger = logging.getLogger("app.rate_limits")
# While Redis is unreachable, how long requests count in memory before Redis is tried again.
REDIS_RETRY_S = 5.0
# A Redis that does not answer must not hold a request longer than this.
REDIS_TIMEOUT_S = 2.0


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
                self._pool = aioredis.ConnectionPool.from_url(
                    settings.rate_limiter_redis,
                    socket_connect_timeout=REDIS_TIMEOUT_S,
                    socket_timeout=REDIS_TIMEOUT_S,
                )
                options = {"implementation": "redispy", "connection_pool": self._pool}
            storage = storage_from_string(storage_uri(settings), **options)
            assert isinstance(storage, Storage)
            self._storage = storage
        self._limiter = MovingWindowRateLimiter(self._storage) if self._storage else None
        self._fallback = _Fallback() if self._pool is not None else None
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
        limiter = self._limiter
        if self._fallback is not None:
            if self._fallback.in_use():
                limiter = self._fallback.limiter
            else:
                try:
                    await _check(limiter, item, key)
                    self._fallback.recovered()
                    return
                except (aioredis.RedisError, OSError) as error:
                    self._fallback.engage(error)
                    limiter = self._fallback.limiter
        await _check(limiter, item, key)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()

    async def reset(self) -> None:
        if self._storage is not None:
            await self._storage.reset()


async def _check(limiter: MovingWindowRateLimiter, item: RateLimitItem, key: str) -> None:
    if not await limiter.hit(item, key):
        stats = await limiter.get_window_stats(item, key)
        wait_ms = max(1, math.ceil((stats.reset_time - time.time()) * 1000))
        raise RequestsExceededError(wait_ms)


class _Fallback:
    """The in-memory counts used while Redis is unreachable, and when to try Redis again."""

    def __init__(self) -> None:
        storage = storage_from_string("async+memory://")
        assert isinstance(storage, Storage)
        self.limiter = MovingWindowRateLimiter(storage)
        self._retry_at: float | None = None
        self._warning = RareWarning(logger)

    def in_use(self) -> bool:
        return self._retry_at is not None and time.monotonic() < self._retry_at

    def engage(self, error: BaseException) -> None:
        self._retry_at = time.monotonic() + REDIS_RETRY_S
        self._warning.warn(
            "RATE_LIMITER_REDIS cannot be reached (%s): rate limits are counted in this "
            "process's memory until it answers again (said at most once a minute)",
            cause_of(error),
        )

    def recovered(self) -> None:
        if self._retry_at is not None:
            self._retry_at = None
            logger.warning("RATE_LIMITER_REDIS answers again: rate limits are shared again")
