"""The aggregates of directus_policies, directus_access and directus_permissions, and the
caller's own policy globals."""

from __future__ import annotations

from typing import Any

import strawberry

from resolvers.types.scalars import JSON


@strawberry.type(name="directus_policies_aggregated_count")
class PoliciesAggregatedCount:
    id: int | None = None
    name: int | None = None
    icon: int | None = None
    description: int | None = None
    ip_access: int | None = None
    enforce_tfa: int | None = None
    admin_access: int | None = None
    app_access: int | None = None
    permissions: int | None = None
    users: int | None = None
    roles: int | None = None


@strawberry.type(name="directus_policies_aggregated")
class PoliciesAggregated:
    group: JSON | None
    count_all: int | None = strawberry.field(name="countAll")
    count: PoliciesAggregatedCount | None
    count_distinct: PoliciesAggregatedCount | None = strawberry.field(name="countDistinct")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> PoliciesAggregated:
        return cls(
            group=JSON(row["group"]),
            count_all=row["countAll"],
            count=PoliciesAggregatedCount(**row["count"]),
            count_distinct=PoliciesAggregatedCount(**row["countDistinct"]),
        )


@strawberry.type(name="directus_access_aggregated_count")
class AccessAggregatedCount:
    id: int | None = None
    role: int | None = None
    user: int | None = None
    policy: int | None = None
    sort: int | None = None


@strawberry.type(name="directus_access_aggregated_fields")
class AccessAggregatedFields:
    sort: float | None = None


@strawberry.type(name="directus_access_aggregated")
class AccessAggregated:
    group: JSON | None
    count_all: int | None = strawberry.field(name="countAll")
    count: AccessAggregatedCount | None
    count_distinct: AccessAggregatedCount | None = strawberry.field(name="countDistinct")
    # Sums, averages and extremes are not computed (see the README's differences).
    avg: AccessAggregatedFields | None = None
    sum: AccessAggregatedFields | None = None
    avg_distinct: AccessAggregatedFields | None = strawberry.field(name="avgDistinct", default=None)
    sum_distinct: AccessAggregatedFields | None = strawberry.field(name="sumDistinct", default=None)
    min: AccessAggregatedFields | None = None
    max: AccessAggregatedFields | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AccessAggregated:
        return cls(
            group=JSON(row["group"]),
            count_all=row["countAll"],
            count=AccessAggregatedCount(**row["count"]),
            count_distinct=AccessAggregatedCount(**row["countDistinct"]),
        )


@strawberry.type(name="directus_permissions_aggregated_count")
class PermissionsAggregatedCount:
    id: int | None = None
    collection: int | None = None
    action: int | None = None
    permissions: int | None = None
    validation: int | None = None
    presets: int | None = None
    fields: int | None = None
    policy: int | None = None


@strawberry.type(name="directus_permissions_aggregated_fields")
class PermissionsAggregatedFields:
    id: float | None = None


@strawberry.type(name="directus_permissions_aggregated")
class PermissionsAggregated:
    group: JSON | None
    count_all: int | None = strawberry.field(name="countAll")
    count: PermissionsAggregatedCount | None
    count_distinct: PermissionsAggregatedCount | None = strawberry.field(name="countDistinct")
    avg: PermissionsAggregatedFields | None = None
    sum: PermissionsAggregatedFields | None = None
    avg_distinct: PermissionsAggregatedFields | None = strawberry.field(
        name="avgDistinct", default=None
    )
    sum_distinct: PermissionsAggregatedFields | None = strawberry.field(
        name="sumDistinct", default=None
    )
    min: PermissionsAggregatedFields | None = None
    max: PermissionsAggregatedFields | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> PermissionsAggregated:
        return cls(
            group=JSON(row["group"]),
            count_all=row["countAll"],
            count=PermissionsAggregatedCount(**row["count"]),
            count_distinct=PermissionsAggregatedCount(**row["countDistinct"]),
        )


@strawberry.type(name="policy_me_globals_type")
class PolicyMeGlobals:
    enforce_tfa: bool | None
    app_access: bool | None
    admin_access: bool | None
