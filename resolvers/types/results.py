"""delete_one, delete_many and the users aggregate."""

from __future__ import annotations

from typing import Any

import strawberry

from resolvers.types.scalars import JSON


@strawberry.type(name="delete_one")
class DeleteOne:
    id: strawberry.ID


@strawberry.type(name="delete_many")
class DeleteMany:
    ids: list[strawberry.ID | None]


@strawberry.type(name="directus_users_aggregated_count")
class UsersAggregatedCount:
    id: int | None = None
    first_name: int | None = None
    last_name: int | None = None
    email: int | None = None
    password: int | None = None
    location: int | None = None
    title: int | None = None
    description: int | None = None
    tags: int | None = None
    avatar: int | None = None
    language: int | None = None
    tfa_secret: int | None = None
    status: int | None = None
    role: int | None = None
    token: int | None = None
    last_access: int | None = None
    last_page: int | None = None
    provider: int | None = None
    external_identifier: int | None = None
    auth_data: int | None = None
    email_notifications: int | None = None
    appearance: int | None = None
    theme_dark: int | None = None
    theme_light: int | None = None
    theme_light_overrides: int | None = None
    theme_dark_overrides: int | None = None
    text_direction: int | None = None


@strawberry.type(name="directus_users_aggregated")
class UsersAggregated:
    group: JSON | None
    count_all: int | None = strawberry.field(name="countAll")
    count: UsersAggregatedCount | None
    count_distinct: UsersAggregatedCount | None = strawberry.field(name="countDistinct")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> UsersAggregated:
        return cls(
            group=JSON(row["group"]),
            count_all=row["countAll"],
            count=UsersAggregatedCount(**row["count"]),
            count_distinct=UsersAggregatedCount(**row["countDistinct"]),
        )
