"""users_me_tfa_generate, users_me_tfa_enable, users_me_tfa_disable (anonymous → null), and
the recovery codes, additions to Directus's API: `recovery_codes` on generate's data,
users_me_tfa_recovery_codes_regenerate and users_me_tfa_recovery_codes_left."""

from __future__ import annotations

import strawberry

from resolvers.context import Info


@strawberry.type(name="users_me_tfa_generate_data")
class TfaGenerateData:
    secret: str | None
    otpauth_url: str | None
    # An addition: the single-use codes enabling this secret stores, shown here only.
    recovery_codes: list[str] | None = None


@strawberry.type
class TfaQuery:
    @strawberry.field
    async def users_me_tfa_recovery_codes_left(self, info: Info) -> int | None:
        user = info.context.accountability.user
        if user is None:
            return None
        # How many unused codes (0 without TFA).
        return await info.context.services.tfa.recovery_codes_left(user)


@strawberry.type
class TfaMutation:
    @strawberry.mutation
    async def users_me_tfa_generate(self, info: Info, password: str) -> TfaGenerateData | None:
        user = info.context.accountability.user
        if user is None:
            return None
        client = info.context.accountability.client
        tfa = info.context.services.tfa
        secret, url = await tfa.generate(user, password, client)
        return TfaGenerateData(
            secret=secret, otpauth_url=url, recovery_codes=tfa.recovery_codes_for(secret, user)
        )

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

    @strawberry.mutation
    async def users_me_tfa_recovery_codes_regenerate(
        self, info: Info, otp: str
    ) -> list[str] | None:
        user = info.context.accountability.user
        if user is None:
            return None
        # A new set for a current TOTP code, shown once; the old set stops working.
        client = info.context.accountability.client
        return await info.context.services.tfa.regenerate_recovery_codes(user, otp, client)
