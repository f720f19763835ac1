"""Directus's filter inputs. Each converts to the plain filter JSON that
app.db.query.filters translates to SQL (see resolvers.inputs.to_data)."""

from __future__ import annotations

from typing import Generic, TypeVar

import strawberry

from resolvers.types.scalars import GraphQLStringOrFloat

T = TypeVar("T")
F = TypeVar("F")


@strawberry.input
class TextFilterOperators(Generic[T]):
    """The operators on text, shared by strings and ids (only the scalar differs)."""

    eq: T | None = strawberry.field(name="_eq", default=strawberry.UNSET)
    neq: T | None = strawberry.field(name="_neq", default=strawberry.UNSET)
    contains: T | None = strawberry.field(name="_contains", default=strawberry.UNSET)
    icontains: T | None = strawberry.field(name="_icontains", default=strawberry.UNSET)
    ncontains: T | None = strawberry.field(name="_ncontains", default=strawberry.UNSET)
    starts_with: T | None = strawberry.field(name="_starts_with", default=strawberry.UNSET)
    nstarts_with: T | None = strawberry.field(name="_nstarts_with", default=strawberry.UNSET)
    istarts_with: T | None = strawberry.field(name="_istarts_with", default=strawberry.UNSET)
    nistarts_with: T | None = strawberry.field(name="_nistarts_with", default=strawberry.UNSET)
    ends_with: T | None = strawberry.field(name="_ends_with", default=strawberry.UNSET)
    nends_with: T | None = strawberry.field(name="_nends_with", default=strawberry.UNSET)
    iends_with: T | None = strawberry.field(name="_iends_with", default=strawberry.UNSET)
    niends_with: T | None = strawberry.field(name="_niends_with", default=strawberry.UNSET)
    in_: list[T | None] | None = strawberry.field(name="_in", default=strawberry.UNSET)
    nin: list[T | None] | None = strawberry.field(name="_nin", default=strawberry.UNSET)
    null: bool | None = strawberry.field(name="_null", default=strawberry.UNSET)
    nnull: bool | None = strawberry.field(name="_nnull", default=strawberry.UNSET)
    empty: bool | None = strawberry.field(name="_empty", default=strawberry.UNSET)
    nempty: bool | None = strawberry.field(name="_nempty", default=strawberry.UNSET)


@strawberry.input(name="string_filter_operators")
class StringFilterOperators(TextFilterOperators[str]):
    pass


@strawberry.input(name="id_filter_operators")
class IdFilterOperators(TextFilterOperators[strawberry.ID]):
    pass


@strawberry.input(name="date_filter_operators")
class DateFilterOperators:
    eq: str | None = strawberry.field(name="_eq", default=strawberry.UNSET)
    neq: str | None = strawberry.field(name="_neq", default=strawberry.UNSET)
    gt: str | None = strawberry.field(name="_gt", default=strawberry.UNSET)
    gte: str | None = strawberry.field(name="_gte", default=strawberry.UNSET)
    lt: str | None = strawberry.field(name="_lt", default=strawberry.UNSET)
    lte: str | None = strawberry.field(name="_lte", default=strawberry.UNSET)
    null: bool | None = strawberry.field(name="_null", default=strawberry.UNSET)
    nnull: bool | None = strawberry.field(name="_nnull", default=strawberry.UNSET)
    in_: list[str | None] | None = strawberry.field(name="_in", default=strawberry.UNSET)
    nin: list[str | None] | None = strawberry.field(name="_nin", default=strawberry.UNSET)
    between: list[GraphQLStringOrFloat | None] | None = strawberry.field(
        name="_between", default=strawberry.UNSET
    )
    nbetween: list[GraphQLStringOrFloat | None] | None = strawberry.field(
        name="_nbetween", default=strawberry.UNSET
    )


@strawberry.input(name="number_filter_operators")
class NumberFilterOperators:
    eq: GraphQLStringOrFloat | None = strawberry.field(name="_eq", default=strawberry.UNSET)
    neq: GraphQLStringOrFloat | None = strawberry.field(name="_neq", default=strawberry.UNSET)
    in_: list[GraphQLStringOrFloat | None] | None = strawberry.field(
        name="_in", default=strawberry.UNSET
    )
    nin: list[GraphQLStringOrFloat | None] | None = strawberry.field(
        name="_nin", default=strawberry.UNSET
    )
    gt: GraphQLStringOrFloat | None = strawberry.field(name="_gt", default=strawberry.UNSET)
    gte: GraphQLStringOrFloat | None = strawberry.field(name="_gte", default=strawberry.UNSET)
    lt: GraphQLStringOrFloat | None = strawberry.field(name="_lt", default=strawberry.UNSET)
    lte: GraphQLStringOrFloat | None = strawberry.field(name="_lte", default=strawberry.UNSET)
    null: bool | None = strawberry.field(name="_null", default=strawberry.UNSET)
    nnull: bool | None = strawberry.field(name="_nnull", default=strawberry.UNSET)
    between: list[GraphQLStringOrFloat | None] | None = strawberry.field(
        name="_between", default=strawberry.UNSET
    )
    nbetween: list[GraphQLStringOrFloat | None] | None = strawberry.field(
        name="_nbetween", default=strawberry.UNSET
    )


@strawberry.input(name="datetime_function_filter_operators")
class DatetimeFunctionFilterOperators:
    year: NumberFilterOperators | None = strawberry.UNSET
    month: NumberFilterOperators | None = strawberry.UNSET
    week: NumberFilterOperators | None = strawberry.UNSET
    day: NumberFilterOperators | None = strawberry.UNSET
    weekday: NumberFilterOperators | None = strawberry.UNSET
    hour: NumberFilterOperators | None = strawberry.UNSET
    minute: NumberFilterOperators | None = strawberry.UNSET
    second: NumberFilterOperators | None = strawberry.UNSET


@strawberry.input(name="hash_filter_operators")
class HashFilterOperators:
    null: bool | None = strawberry.field(name="_null", default=strawberry.UNSET)
    nnull: bool | None = strawberry.field(name="_nnull", default=strawberry.UNSET)
    empty: bool | None = strawberry.field(name="_empty", default=strawberry.UNSET)
    nempty: bool | None = strawberry.field(name="_nempty", default=strawberry.UNSET)


@strawberry.input(name="count_function_filter_operators")
class CountFunctionFilterOperators:
    count: NumberFilterOperators | None = strawberry.UNSET


@strawberry.input(name="boolean_filter_operators")
class BooleanFilterOperators:
    eq: bool | None = strawberry.field(name="_eq", default=strawberry.UNSET)
    neq: bool | None = strawberry.field(name="_neq", default=strawberry.UNSET)
    null: bool | None = strawberry.field(name="_null", default=strawberry.UNSET)
    nnull: bool | None = strawberry.field(name="_nnull", default=strawberry.UNSET)


@strawberry.input(name="json_filter_operators")
class JsonFilterOperators:
    null: bool | None = strawberry.field(name="_null", default=strawberry.UNSET)
    nnull: bool | None = strawberry.field(name="_nnull", default=strawberry.UNSET)


@strawberry.input(name="directus_users_filter")
class DirectusUsersFilter:
    id: IdFilterOperators | None = strawberry.UNSET
    first_name: StringFilterOperators | None = strawberry.UNSET
    last_name: StringFilterOperators | None = strawberry.UNSET
    email: StringFilterOperators | None = strawberry.UNSET
    password: HashFilterOperators | None = strawberry.UNSET
    location: StringFilterOperators | None = strawberry.UNSET
    title: StringFilterOperators | None = strawberry.UNSET
    description: StringFilterOperators | None = strawberry.UNSET
    tags: JsonFilterOperators | None = strawberry.UNSET
    tags_func: CountFunctionFilterOperators | None = strawberry.UNSET
    avatar: DirectusFilesFilter | None = strawberry.UNSET
    language: StringFilterOperators | None = strawberry.UNSET
    tfa_secret: HashFilterOperators | None = strawberry.UNSET
    status: StringFilterOperators | None = strawberry.UNSET
    role: DirectusRolesFilter | None = strawberry.UNSET
    token: HashFilterOperators | None = strawberry.UNSET
    last_access: DateFilterOperators | None = strawberry.UNSET
    last_access_func: DatetimeFunctionFilterOperators | None = strawberry.UNSET
    last_page: StringFilterOperators | None = strawberry.UNSET
    provider: StringFilterOperators | None = strawberry.UNSET
    external_identifier: StringFilterOperators | None = strawberry.UNSET
    auth_data: JsonFilterOperators | None = strawberry.UNSET
    auth_data_func: CountFunctionFilterOperators | None = strawberry.UNSET
    email_notifications: BooleanFilterOperators | None = strawberry.UNSET
    appearance: StringFilterOperators | None = strawberry.UNSET
    theme_dark: StringFilterOperators | None = strawberry.UNSET
    theme_light: StringFilterOperators | None = strawberry.UNSET
    theme_light_overrides: JsonFilterOperators | None = strawberry.UNSET
    theme_light_overrides_func: CountFunctionFilterOperators | None = strawberry.UNSET
    theme_dark_overrides: JsonFilterOperators | None = strawberry.UNSET
    theme_dark_overrides_func: CountFunctionFilterOperators | None = strawberry.UNSET
    text_direction: StringFilterOperators | None = strawberry.UNSET
    policies: DirectusAccessQuantifierFilter | None = strawberry.UNSET
    policies_func: CountFunctionFilterOperators | None = strawberry.UNSET
    and_: list[DirectusUsersFilter | None] | None = strawberry.field(
        name="_and", default=strawberry.UNSET
    )
    or_: list[DirectusUsersFilter | None] | None = strawberry.field(
        name="_or", default=strawberry.UNSET
    )


@strawberry.input
class QuantifierFilter(Generic[F]):
    """What an o2m field adds to its target's filter: some / none of the related rows match.
    A collection's quantifier filter is its filter plus these (`_some`, `_none` last)."""

    some: F | None = strawberry.field(name="_some", default=strawberry.UNSET)
    none: F | None = strawberry.field(name="_none", default=strawberry.UNSET)


@strawberry.input(name="directus_users_quantifier_filter")
class DirectusUsersQuantifierFilter(DirectusUsersFilter, QuantifierFilter[DirectusUsersFilter]):
    pass


@strawberry.input(name="directus_roles_filter")
class DirectusRolesFilter:
    id: IdFilterOperators | None = strawberry.UNSET
    name: StringFilterOperators | None = strawberry.UNSET
    icon: StringFilterOperators | None = strawberry.UNSET
    description: StringFilterOperators | None = strawberry.UNSET
    ip_access: StringFilterOperators | None = strawberry.UNSET
    enforce_tfa: BooleanFilterOperators | None = strawberry.UNSET
    admin_access: BooleanFilterOperators | None = strawberry.UNSET
    app_access: BooleanFilterOperators | None = strawberry.UNSET
    parent: DirectusRolesFilter | None = strawberry.UNSET
    children: DirectusRolesQuantifierFilter | None = strawberry.UNSET
    children_func: CountFunctionFilterOperators | None = strawberry.UNSET
    policies: DirectusAccessQuantifierFilter | None = strawberry.UNSET
    policies_func: CountFunctionFilterOperators | None = strawberry.UNSET
    users: DirectusUsersQuantifierFilter | None = strawberry.UNSET
    users_func: CountFunctionFilterOperators | None = strawberry.UNSET
    and_: list[DirectusRolesFilter | None] | None = strawberry.field(
        name="_and", default=strawberry.UNSET
    )
    or_: list[DirectusRolesFilter | None] | None = strawberry.field(
        name="_or", default=strawberry.UNSET
    )


@strawberry.input(name="directus_files_filter")
class DirectusFilesFilter:
    id: IdFilterOperators | None = strawberry.UNSET
    storage: StringFilterOperators | None = strawberry.UNSET
    filename_disk: StringFilterOperators | None = strawberry.UNSET
    filename_download: StringFilterOperators | None = strawberry.UNSET
    title: StringFilterOperators | None = strawberry.UNSET
    type: StringFilterOperators | None = strawberry.UNSET
    and_: list[DirectusFilesFilter | None] | None = strawberry.field(
        name="_and", default=strawberry.UNSET
    )
    or_: list[DirectusFilesFilter | None] | None = strawberry.field(
        name="_or", default=strawberry.UNSET
    )


@strawberry.input(name="directus_roles_quantifier_filter")
class DirectusRolesQuantifierFilter(DirectusRolesFilter, QuantifierFilter[DirectusRolesFilter]):
    pass


@strawberry.input(name="directus_policies_filter")
class DirectusPoliciesFilter:
    id: IdFilterOperators | None = strawberry.UNSET
    name: StringFilterOperators | None = strawberry.UNSET
    icon: StringFilterOperators | None = strawberry.UNSET
    description: StringFilterOperators | None = strawberry.UNSET
    ip_access: StringFilterOperators | None = strawberry.UNSET
    enforce_tfa: BooleanFilterOperators | None = strawberry.UNSET
    admin_access: BooleanFilterOperators | None = strawberry.UNSET
    app_access: BooleanFilterOperators | None = strawberry.UNSET
    permissions: DirectusPermissionsQuantifierFilter | None = strawberry.UNSET
    permissions_func: CountFunctionFilterOperators | None = strawberry.UNSET
    users: DirectusAccessQuantifierFilter | None = strawberry.UNSET
    users_func: CountFunctionFilterOperators | None = strawberry.UNSET
    roles: DirectusAccessQuantifierFilter | None = strawberry.UNSET
    roles_func: CountFunctionFilterOperators | None = strawberry.UNSET
    and_: list[DirectusPoliciesFilter | None] | None = strawberry.field(
        name="_and", default=strawberry.UNSET
    )
    or_: list[DirectusPoliciesFilter | None] | None = strawberry.field(
        name="_or", default=strawberry.UNSET
    )


@strawberry.input(name="directus_access_filter")
class DirectusAccessFilter:
    id: IdFilterOperators | None = strawberry.UNSET
    role: DirectusRolesFilter | None = strawberry.UNSET
    user: DirectusUsersFilter | None = strawberry.UNSET
    policy: DirectusPoliciesFilter | None = strawberry.UNSET
    sort: NumberFilterOperators | None = strawberry.UNSET
    and_: list[DirectusAccessFilter | None] | None = strawberry.field(
        name="_and", default=strawberry.UNSET
    )
    or_: list[DirectusAccessFilter | None] | None = strawberry.field(
        name="_or", default=strawberry.UNSET
    )


@strawberry.input(name="directus_access_quantifier_filter")
class DirectusAccessQuantifierFilter(DirectusAccessFilter, QuantifierFilter[DirectusAccessFilter]):
    pass


@strawberry.input(name="directus_permissions_filter")
class DirectusPermissionsFilter:
    id: NumberFilterOperators | None = strawberry.UNSET
    collection: StringFilterOperators | None = strawberry.UNSET
    action: StringFilterOperators | None = strawberry.UNSET
    permissions: JsonFilterOperators | None = strawberry.UNSET
    permissions_func: CountFunctionFilterOperators | None = strawberry.UNSET
    validation: JsonFilterOperators | None = strawberry.UNSET
    validation_func: CountFunctionFilterOperators | None = strawberry.UNSET
    presets: JsonFilterOperators | None = strawberry.UNSET
    presets_func: CountFunctionFilterOperators | None = strawberry.UNSET
    fields: StringFilterOperators | None = strawberry.UNSET
    policy: DirectusPoliciesFilter | None = strawberry.UNSET
    and_: list[DirectusPermissionsFilter | None] | None = strawberry.field(
        name="_and", default=strawberry.UNSET
    )
    or_: list[DirectusPermissionsFilter | None] | None = strawberry.field(
        name="_or", default=strawberry.UNSET
    )


@strawberry.input(name="directus_permissions_quantifier_filter")
class DirectusPermissionsQuantifierFilter(
    DirectusPermissionsFilter, QuantifierFilter[DirectusPermissionsFilter]
):
    pass
