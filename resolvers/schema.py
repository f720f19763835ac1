"""The schema, assembled from the per-domain query and mutation classes."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from resolvers.account import AccountMutation
from resolvers.activity import ActivityQuery
from resolvers.auth import AuthMutation
from resolvers.engine.errors import log_unexpected
from resolvers.engine.execution import AcyclicExecutionContext
from resolvers.engine.extensions import DocumentLimits, extension_factories
from resolvers.engine.tracing import resolver_tracing
from resolvers.passkeys import PasskeysMutation, PasskeysQuery
from resolvers.permissions import PermissionsMutation, PermissionsQuery
from resolvers.policies import PoliciesMutation, PoliciesQuery
from resolvers.roles import RolesMutation, RolesQuery
from resolvers.server import ServerQuery
from resolvers.sessions import SessionsMutation, SessionsQuery
from resolvers.settings import SettingsMutation, SettingsQuery
from resolvers.subscriptions import Subscription
from resolvers.tfa import TfaMutation
from resolvers.types.scalars import SCALAR_MAP
from resolvers.users import UsersMutation, UsersQuery

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer


@strawberry.type
class Query(
    UsersQuery,
    RolesQuery,
    PoliciesQuery,
    PermissionsQuery,
    SettingsQuery,
    ActivityQuery,
    ServerQuery,
    SessionsQuery,
    PasskeysQuery,
):
    pass


@strawberry.type
class Mutation(
    AuthMutation,
    AccountMutation,
    TfaMutation,
    UsersMutation,
    RolesMutation,
    PoliciesMutation,
    PermissionsMutation,
    SettingsMutation,
    SessionsMutation,
    PasskeysMutation,
):
    pass


class DirectusSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Coded errors are expected outcomes; only real failures are worth a traceback.
        log_unexpected(errors)


def build_schema(
    limits: DocumentLimits | None = None, tracer: Tracer | None = None
) -> DirectusSchema:
    extensions = extension_factories(limits or DocumentLimits())
    if tracer is not None:
        extensions.append(resolver_tracing(tracer))
    built = DirectusSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(auto_camel_case=False, scalar_map=SCALAR_MAP),
        extensions=extensions,
        execution_context_class=AcyclicExecutionContext,
    )
    _deliver_events_as_they_are(built)
    return built


def _deliver_events_as_they_are(built: DirectusSchema) -> None:
    """Strawberry resolves each subscription event with `lambda event, *_, **__: event`;
    graphql-core passes the field's arguments by name, so Directus's `event` argument
    (`directus_users_mutated(event: update)`) collided with it and every event failed.
    The event is the root value: hand it on whatever the arguments are called."""
    subscription_type = built._schema.subscription_type
    assert subscription_type is not None
    for field in subscription_type.fields.values():
        field.resolve = _the_event


def _the_event(root: object, _info: object, **_arguments: object) -> object:
    return root


schema = build_schema()


@functools.lru_cache(maxsize=8)
def schema_for(limits: DocumentLimits, tracer: Tracer | None = None) -> DirectusSchema:
    """One schema per set of limits in a process: building one costs ~20 ms of Strawberry's
    type conversion, and apps with equal limits (every test's app, the instances of a
    process) answer alike, caches of validated document shapes included. With a tracer
    (tracing on), its resolvers make spans."""
    return build_schema(limits, tracer)


def schema_sdl() -> str:
    """The SDL that `schema.graphql` at the repository root must equal."""
    return schema.as_str() + "\n"
