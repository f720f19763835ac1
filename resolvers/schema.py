"""The schema, assembled from the per-domain query and mutation classes."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from resolvers.account import AccountMutation
from resolvers.activity import ActivityQuery
from resolvers.auth import AuthMutation
from resolvers.errors import log_unexpected
from resolvers.extensions import DocumentLimits, extension_factories
from resolvers.roles import RolesMutation, RolesQuery
from resolvers.server import ServerQuery
from resolvers.settings import SettingsMutation, SettingsQuery
from resolvers.subscriptions import Subscription
from resolvers.tfa import TfaMutation
from resolvers.types.scalars import SCALAR_MAP
from resolvers.users import UsersMutation, UsersQuery


@strawberry.type
class Query(UsersQuery, RolesQuery, SettingsQuery, ActivityQuery, ServerQuery):
    pass


@strawberry.type
class Mutation(
    AuthMutation, AccountMutation, TfaMutation, UsersMutation, RolesMutation, SettingsMutation
):
    pass


class DirectusSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Coded errors are expected outcomes; only real failures are worth a traceback.
        log_unexpected(errors)


def build_schema(limits: DocumentLimits | None = None) -> DirectusSchema:
    return DirectusSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(auto_camel_case=False, scalar_map=SCALAR_MAP),
        extensions=extension_factories(limits or DocumentLimits()),
    )


schema = build_schema()


def schema_sdl() -> str:
    """The SDL that `schema.graphql` at the repository root must equal."""
    return schema.as_str() + "\n"
