"""users_me_tfa_generate, users_me_tfa_enable, users_me_tfa_disable (anonymous → null)."""

from __future__ import annotations

import strawberry

from resolvers.context import Info


@strawberry.type(name="users_me_tfa_generate_data")
class TfaGenerateData:
    secret: str | None
    otpauth_url: str | None


@strawberry.type
class TfaMutation:
    @strawberry.mutation
    async def users_me_tfa_generate(self, info: Info, password: str) -> TfaGenerateData | None:
        user = info.context.accountability.user
        if user is None:
            return None
        client = info.context.accountability.client
        secret, url = await info.context.services.tfa.generate(user, password, client)
        return TfaGenerateData(secret=secret, otpauth_url=url)

    @strawberry.mutation
    async def users_me_tfa_enable(self, info: Info, otp: str, secret: str) -> bool | None:
        user = info.context.accountability.user
        if user is None:
            return None
        client = info.context.accountability.client
        access = await info.context.access()
        await info.context.services.tfa.enable(access, otp, secret, client)
        return True

    @strawberry.mutation
    async def users_me_tfa_disable(self, info: Info, otp: str) -> bool | None:
        user = info.context.accountability.user
        if user is None:
            return None
        access = await info.context.access()
        await info.context.services.tfa.disable(access, otp, info.context.accountability.client)
        return True
