"""Create and update inputs, and the one conversion from any input to plain data."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types.base import has_object_definition

from resolvers.types.scalars import JSON, Date, Hash


def to_data(value: Any) -> Any:
    """Strawberry input → dict/list with GraphQL names; absent (UNSET) fields are left out."""
    if isinstance(value, list):
        return [to_data(item) for item in value]
    if has_object_definition(value):
        data: dict[str, Any] = {}
        for field in value.__strawberry_definition__.fields:
            item = getattr(value, field.python_name)
            if item is strawberry.UNSET:
                continue
            data[field.graphql_name or field.python_name] = to_data(item)
        return data
    return value


@strawberry.input(name="create_directus_files_input")
class CreateFilesInput:
    id: strawberry.ID | None = strawberry.UNSET
    storage: str
    filename_disk: str | None = strawberry.UNSET
    filename_download: str
    title: str | None = strawberry.UNSET
    type: str | None = strawberry.UNSET


@strawberry.input(name="update_directus_files_input")
class UpdateFilesInput:
    id: strawberry.ID | None = strawberry.UNSET
    storage: str | None = strawberry.UNSET
    filename_disk: str | None = strawberry.UNSET
    filename_download: str | None = strawberry.UNSET
    title: str | None = strawberry.UNSET
    type: str | None = strawberry.UNSET


@strawberry.input(name="create_directus_users_input")
class CreateUsersInput:
    id: strawberry.ID | None = strawberry.UNSET
    first_name: str | None = strawberry.UNSET
    last_name: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    password: Hash | None = strawberry.UNSET
    location: str | None = strawberry.UNSET
    title: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    tags: JSON | None = strawberry.UNSET
    avatar: CreateFilesInput | None = strawberry.UNSET
    language: str | None = strawberry.UNSET
    tfa_secret: Hash | None = strawberry.UNSET
    status: str | None = strawberry.UNSET
    role: CreateRolesInput | None = strawberry.UNSET
    token: Hash | None = strawberry.UNSET
    last_access: Date | None = strawberry.UNSET
    last_page: str | None = strawberry.UNSET
    provider: str | None = strawberry.UNSET
    external_identifier: str | None = strawberry.UNSET
    auth_data: JSON | None = strawberry.UNSET
    email_notifications: bool | None = strawberry.UNSET
    appearance: str | None = strawberry.UNSET
    theme_dark: str | None = strawberry.UNSET
    theme_light: str | None = strawberry.UNSET
    theme_light_overrides: JSON | None = strawberry.UNSET
    theme_dark_overrides: JSON | None = strawberry.UNSET
    text_direction: str | None = strawberry.UNSET
    policies: list[CreateAccessInput | None] | None = strawberry.UNSET


@strawberry.input(name="update_directus_users_input")
class UpdateUsersInput:
    id: strawberry.ID | None = strawberry.UNSET
    first_name: str | None = strawberry.UNSET
    last_name: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    password: Hash | None = strawberry.UNSET
    location: str | None = strawberry.UNSET
    title: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    tags: JSON | None = strawberry.UNSET
    avatar: UpdateFilesInput | None = strawberry.UNSET
    language: str | None = strawberry.UNSET
    tfa_secret: Hash | None = strawberry.UNSET
    status: str | None = strawberry.UNSET
    role: UpdateRolesInput | None = strawberry.UNSET
    token: Hash | None = strawberry.UNSET
    last_access: Date | None = strawberry.UNSET
    last_page: str | None = strawberry.UNSET
    provider: str | None = strawberry.UNSET
    external_identifier: str | None = strawberry.UNSET
    auth_data: JSON | None = strawberry.UNSET
    email_notifications: bool | None = strawberry.UNSET
    appearance: str | None = strawberry.UNSET
    theme_dark: str | None = strawberry.UNSET
    theme_light: str | None = strawberry.UNSET
    theme_light_overrides: JSON | None = strawberry.UNSET
    theme_dark_overrides: JSON | None = strawberry.UNSET
    text_direction: str | None = strawberry.UNSET
    policies: list[UpdateAccessInput | None] | None = strawberry.UNSET


@strawberry.input(name="create_directus_roles_input")
class CreateRolesInput:
    id: strawberry.ID | None = strawberry.UNSET
    name: str
    icon: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    ip_access: list[str | None] | None = strawberry.UNSET
    enforce_tfa: bool | None = strawberry.UNSET
    admin_access: bool | None = strawberry.UNSET
    app_access: bool | None = strawberry.UNSET
    parent: CreateRolesInput | None = strawberry.UNSET
    children: list[CreateRolesInput | None] | None = strawberry.UNSET
    policies: list[CreateAccessInput | None] | None = strawberry.UNSET
    users: list[CreateUsersInput | None] | None = strawberry.UNSET


@strawberry.input(name="update_directus_roles_input")
class UpdateRolesInput:
    id: strawberry.ID | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    icon: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    ip_access: list[str | None] | None = strawberry.UNSET
    enforce_tfa: bool | None = strawberry.UNSET
    admin_access: bool | None = strawberry.UNSET
    app_access: bool | None = strawberry.UNSET
    parent: UpdateRolesInput | None = strawberry.UNSET
    children: list[UpdateRolesInput | None] | None = strawberry.UNSET
    policies: list[UpdateAccessInput | None] | None = strawberry.UNSET
    users: list[UpdateUsersInput | None] | None = strawberry.UNSET


@strawberry.input(name="update_directus_settings_input")
class UpdateSettingsInput:
    project_name: str | None = strawberry.UNSET
    project_color: str | None = strawberry.UNSET
    project_logo: UpdateFilesInput | None = strawberry.UNSET
    public_registration: bool | None = strawberry.UNSET
    public_registration_verify_email: bool | None = strawberry.UNSET
    public_registration_role: UpdateRolesInput | None = strawberry.UNSET
    public_registration_email_filter: JSON | None = strawberry.UNSET
    auth_login_attempts: int | None = strawberry.UNSET
    auth_password_policy: str | None = strawberry.UNSET


@strawberry.input(name="create_directus_policies_input")
class CreatePoliciesInput:
    id: strawberry.ID | None = strawberry.UNSET
    name: str
    icon: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    ip_access: list[str | None] | None = strawberry.UNSET
    enforce_tfa: bool
    admin_access: bool
    app_access: bool
    permissions: list[CreatePermissionsInput | None] | None = strawberry.UNSET
    users: list[CreateAccessInput | None] | None = strawberry.UNSET
    roles: list[CreateAccessInput | None] | None = strawberry.UNSET


@strawberry.input(name="update_directus_policies_input")
class UpdatePoliciesInput:
    id: strawberry.ID | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    icon: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    ip_access: list[str | None] | None = strawberry.UNSET
    enforce_tfa: bool | None = strawberry.UNSET
    admin_access: bool | None = strawberry.UNSET
    app_access: bool | None = strawberry.UNSET
    permissions: list[UpdatePermissionsInput | None] | None = strawberry.UNSET
    users: list[UpdateAccessInput | None] | None = strawberry.UNSET
    roles: list[UpdateAccessInput | None] | None = strawberry.UNSET


@strawberry.input(name="create_directus_access_input")
class CreateAccessInput:
    id: strawberry.ID | None = strawberry.UNSET
    role: CreateRolesInput | None = strawberry.UNSET
    user: CreateUsersInput | None = strawberry.UNSET
    policy: CreatePoliciesInput | None = strawberry.UNSET
    sort: int | None = strawberry.UNSET


@strawberry.input(name="update_directus_access_input")
class UpdateAccessInput:
    id: strawberry.ID | None = strawberry.UNSET
    role: UpdateRolesInput | None = strawberry.UNSET
    user: UpdateUsersInput | None = strawberry.UNSET
    policy: UpdatePoliciesInput | None = strawberry.UNSET
    sort: int | None = strawberry.UNSET


@strawberry.input(name="create_directus_permissions_input")
class CreatePermissionsInput:
    id: strawberry.ID | None = strawberry.UNSET
    collection: str
    action: str
    permissions: JSON | None = strawberry.UNSET
    validation: JSON | None = strawberry.UNSET
    presets: JSON | None = strawberry.UNSET
    fields: list[str | None] | None = strawberry.UNSET
    policy: CreatePoliciesInput | None = strawberry.UNSET


@strawberry.input(name="update_directus_permissions_input")
class UpdatePermissionsInput:
    id: strawberry.ID | None = strawberry.UNSET
    collection: str | None = strawberry.UNSET
    action: str | None = strawberry.UNSET
    permissions: JSON | None = strawberry.UNSET
    validation: JSON | None = strawberry.UNSET
    presets: JSON | None = strawberry.UNSET
    fields: list[str | None] | None = strawberry.UNSET
    policy: UpdatePoliciesInput | None = strawberry.UNSET
