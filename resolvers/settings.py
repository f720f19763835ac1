"""settings, update_settings."""

from __future__ import annotations

import strawberry

from resolvers.context import Info
from resolvers.engine.selection import requested_fields
from resolvers.types.inputs import UpdateSettingsInput, to_data
from resolvers.types.settings import DirectusSettings


@strawberry.type
class SettingsQuery:
    @strawberry.field
    async def settings(self, info: Info) -> DirectusSettings | None:
        ctx = info.context
        fields = requested_fields(info) - {"id"}
        row = await ctx.services.project_settings.read(await ctx.access(), fields)
        return DirectusSettings.from_model(row)


@strawberry.type
class SettingsMutation:
    @strawberry.mutation
    async def update_settings(
        self, info: Info, data: UpdateSettingsInput
    ) -> DirectusSettings | None:
        ctx = info.context
        access = await ctx.access()
        await ctx.services.project_settings.update(access, to_data(data))
        row = await ctx.services.project_settings.read(access, requested_fields(info) - {"id"})
        return DirectusSettings.from_model(row)
