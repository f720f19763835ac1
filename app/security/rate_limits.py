"""Per-IP rate limits through `limits` (memory, or Redis shared by every instance).

Two budgets: one for every request (RATE_LIMITER_*), and a stricter one for the operations
an attacker would hammer: login, refresh, one-time codes, reset and registration.
"""

from __future__ import annotations

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


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limiter_enabled
        self._storage: Storage | None = None
        self._pool: aioredis.ConnectionPool | None = None
        if self.enabled:
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

    async def hit_request(self, ip: str | None) -> None:
        await self._hit(self._requests, ip)

    async def hit_auth(self, ip: str | None) -> None:
        await self._hit(self._auth, ip)

    async def _hit(self, item: RateLimitItem, ip: str | None) -> None:
        if self._limiter is None:
            return
        key = ip or "unknown"
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
