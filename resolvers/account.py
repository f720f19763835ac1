"""Mailed flows: password reset, invitations, self-registration."""

from __future__ import annotations

import strawberry

from resolvers.context import Info


@strawberry.type
class AccountMutation:
    @strawberry.mutation
    async def auth_password_request(
        self, info: Info, email: str, reset_url: str | None = strawberry.UNSET
    ) -> bool | None:
        client = info.context.accountability.client
        await info.context.services.flows.request_password_reset(email, reset_url or None, client)
        return True

    @strawberry.mutation
    async def auth_password_reset(self, info: Info, token: str, password: str) -> bool | None:
        client = info.context.accountability.client
        await info.context.services.flows.reset_password(token, password, client)
        return True

    @strawberry.mutation
    async def users_invite(
        self, info: Info, email: str, role: str, invite_url: str | None = strawberry.UNSET
    ) -> bool | None:
        ctx = info.context
        await ctx.services.flows.invite(await ctx.access(), email, role, invite_url or None)
        return True

    @strawberry.mutation
    async def users_invite_accept(self, info: Info, token: str, password: str) -> bool | None:
        client = info.context.accountability.client
        await info.context.services.flows.accept_invite(token, password, client)
        return True

    @strawberry.mutation
    async def users_register(
        self,
        info: Info,
        email: str,
        password: str,
        verification_url: str | None = strawberry.UNSET,
        first_name: str | None = strawberry.UNSET,
        last_name: str | None = strawberry.UNSET,
    ) -> bool | None:
        await info.context.services.flows.register(
            email,
            password,
            verification_url or None,
            first_name or None,
            last_name or None,
            info.context.accountability.client,
        )
        return True

    @strawberry.mutation
    async def users_register_verify(self, info: Info, token: str) -> bool | None:
        client = info.context.accountability.client
        await info.context.services.flows.verify_registration(token, client)
        return True
