"""Create/update/delete events of users and of the access model for subscriptions: in
memory for one instance, or through Redis pub/sub so that every instance's subscribers
hear every instance's writes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as aioredis

from app.config import Settings
from app.rare_warnings import RareWarning, cause_of

logger = logging.getLogger("app.events")
# A Redis that does not answer holds a publish or a new subscription this long at most;
# a lost channel is subscribed again after REDIS_RETRY_S.
REDIS_TIMEOUT_S = 2.0
REDIS_RETRY_S = 2.0

# A subscriber that cannot keep up loses events rather than growing memory without bound.
QUEUE_SIZE = 1000


@dataclass(frozen=True)
class UserEvent:
    event: str  # "create" | "update" | "delete"
    keys: tuple[str, ...]
    collection: str = "directus_users"

    def encode(self) -> str:
        return json.dumps(
            {"event": self.event, "keys": list(self.keys), "collection": self.collection}
        )

    @classmethod
    def decode(cls, raw: str | bytes) -> UserEvent:
        data = json.loads(raw)
        return cls(
            event=str(data["event"]),
            keys=tuple(str(key) for key in data["keys"]),
            collection=str(data.get("collection", "directus_users")),
        )


class EventBus(Protocol):
    async def publish(self, event: UserEvent) -> None: ...

    def subscribe(self) -> contextlib.AbstractAsyncContextManager[AsyncIterator[UserEvent]]: ...

    async def close(self) -> None: ...


class _Subscribers:
    """The local queues of one process."""

    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[UserEvent]] = set()

    def deliver(self, event: UserEvent) -> None:
        for queue in list(self._queues):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(event)

    @asynccontextmanager
    async def queue(self) -> AsyncIterator[AsyncIterator[UserEvent]]:
        queue: asyncio.Queue[UserEvent] = asyncio.Queue(QUEUE_SIZE)
        self._queues.add(queue)

        async def events() -> AsyncIterator[UserEvent]:
            while True:
                yield await queue.get()

        try:
            yield events()
        finally:
            self._queues.discard(queue)


class MemoryBus:
    def __init__(self) -> None:
        self._subscribers = _Subscribers()

    async def publish(self, event: UserEvent) -> None:
        self._subscribers.deliver(event)

    def subscribe(self) -> contextlib.AbstractAsyncContextManager[AsyncIterator[UserEvent]]:
        return self._subscribers.queue()

    async def close(self) -> None:
        return None


class RedisBus:
    """One Redis channel; a listener task per process relays it to the local subscribers.

    While Redis cannot be reached, events still reach this process's subscribers (other
    instances miss them: one warning a minute) and the listener keeps trying to subscribe
    again; the channel is shared again once it answers."""

    def __init__(self, url: str, channel: str) -> None:
        self._redis = aioredis.Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S
        )
        # The listener waits for messages as long as none come: no read timeout.
        self._listening = aioredis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_S)
        self._channel = channel
        self._subscribers = _Subscribers()
        self._listener: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._warning = RareWarning(logger)

    async def publish(self, event: UserEvent) -> None:
        try:
            await self._redis.publish(self._channel, event.encode())
        except (aioredis.RedisError, OSError) as error:
            self._down(error)
            self._subscribers.deliver(event)
            return
        if not self._ready.is_set():
            # No listener relays the channel here now: this process's subscribers hear it
            # from here.
            self._subscribers.deliver(event)

    @asynccontextmanager
    async def _subscribe(self) -> AsyncIterator[AsyncIterator[UserEvent]]:
        if self._listener is None:
            self._listener = asyncio.get_running_loop().create_task(self._listen())
        async with self._subscribers.queue() as events:
            # Until the listener relays the channel, this process's events are delivered
            # here directly (see publish); a Redis that is down only costs this wait.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ready.wait(), timeout=REDIS_TIMEOUT_S)
            yield events

    def subscribe(self) -> contextlib.AbstractAsyncContextManager[AsyncIterator[UserEvent]]:
        return self._subscribe()

    async def _listen(self) -> None:
        while True:
            pubsub = self._listening.pubsub()
            try:
                await pubsub.subscribe(self._channel)
                self._ready.set()
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._subscribers.deliver(UserEvent.decode(message["data"]))
            except (aioredis.RedisError, OSError) as error:
                self._down(error)
            finally:
                self._ready.clear()
                with contextlib.suppress(aioredis.RedisError, OSError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(REDIS_RETRY_S)

    def _down(self, error: BaseException) -> None:
        self._warning.warn(
            "MESSENGER_REDIS cannot be reached (%s): subscriptions hear only this process's "
            "events until it answers again (said at most once a minute)",
            cause_of(error),
        )

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._redis.aclose()
        await self._listening.aclose()


def event_bus(settings: Settings) -> EventBus:
    if settings.messenger_store == "redis":
        return RedisBus(settings.messenger_redis, f"{settings.messenger_namespace}:users")
    return MemoryBus()
