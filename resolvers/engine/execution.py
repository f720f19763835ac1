"""The executor every operation runs with: Strawberry's, without one reference cycle.

graphql-core's executor keeps `async_helpers` (handed to resolvers through `info`) as
bound methods of itself: a cycle per operation. Through `context_value` the cycle holds
the whole request — the caller's rows, permissions, loaders, the request itself — until
the cyclic collector happens to run, which then has ~125 objects per request to trace
(measured on `users_me`; a tenth of the request's CPU under load went to collections).
Helpers that reach the executor through a weak reference leave no cycle: a request's
objects go as soon as it is answered.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Sequence
from typing import Any

from graphql.pyutils import gather_with_cancel
from graphql.type.definition import GraphQLResolveInfoHelpers
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


class AcyclicExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        executor = weakref.ref(self)

        def gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
            return gather_with_cancel(*values)  # what the executor's own method does

        def track(values: Sequence[Any]) -> None:
            alive = executor()
            if alive is not None:  # it is, while any of its resolvers runs
                alive.track_async_work(values)

        self.async_helpers = GraphQLResolveInfoHelpers(gather=gather, track=track)
