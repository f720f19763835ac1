"""Passkeys, an addition to Directus's API: users_me_passkeys and the users_me_passkey_*
mutations (anonymous callers get null, as from users_me_tfa_*), auth_passkey_options and
auth_login_passkey (anonymous). The rules are PasskeysService's and PasskeyLogin's."""

from __future__ import annotations

import strawberry

from app.http.cookies import deliver_tokens
from app.services.passkeys import PasskeyView
from resolvers.context import Info
from resolvers.types.auth import AuthModeEnum, AuthTokens
from resolvers.types.scalars import JSON, Date, iso_date


@strawberry.type(name="users_me_passkey")
class PasskeyType:
    id: strawberry.ID
    name: str | None
    date_created: Date | None
    last_used: Date | None
    transports: list[str] | None
    aaguid: str | None

    @classmethod
    def of(cls, view: PasskeyView) -> PasskeyType:
        return cls(
            id=strawberry.ID(view.id),
            name=view.name,
            date_created=iso_date(view.date_created),
            last_used=iso_date(view.last_used),
            transports=view.transports,
            aaguid=view.aaguid,
        )


@strawberry.type
class PasskeysQuery:
    @strawberry.field
    async def users_me_passkeys(self, info: Info) -> list[PasskeyType] | None:
        user = info.context.accountability.user
        if user is None:
            return None
        return [PasskeyType.of(view) for view in await info.context.services.passkeys.list(user)]


@strawberry.type
class PasskeysMutation:
    @strawberry.mutation
    async def users_me_passkey_register_options(
        self, info: Info, password: str | None = strawberry.UNSET
    ) -> JSON | None:
        """PublicKeyCredentialCreationOptionsJSON for navigator.credentials.create(). Needs
        `password`, or a login within AUTH_FRESH_LOGIN_WINDOW."""
        accountability = info.context.accountability
        if accountability.user is None:
            return None
        passkeys = info.context.services.passkeys
        return JSON(await passkeys.register_options(accountability, password or None))

    @strawberry.mutation
    async def users_me_passkey_register(
        self, info: Info, credential: JSON, name: str | None = strawberry.UNSET
    ) -> PasskeyType | None:
        """`credential`: the browser's PublicKeyCredential.toJSON()."""
        accountability = info.context.accountability
        if accountability.user is None:
            return None
        view = await info.context.services.passkeys.register(
            accountability.user, credential, name or None, accountability.client
        )
        return PasskeyType.of(view)

    @strawberry.mutation
    async def users_me_passkey_rename(
        self, info: Info, id: strawberry.ID, name: str
    ) -> PasskeyType | None:
        user = info.context.accountability.user
        if user is None:
            return None
        return PasskeyType.of(await info.context.services.passkeys.rename(user, str(id), name))

    @strawberry.mutation
    async def users_me_passkey_delete(
        self, info: Info, id: strawberry.ID, password: str | None = strawberry.UNSET
    ) -> bool | None:
        """Needs `password`, or a login within AUTH_FRESH_LOGIN_WINDOW."""
        accountability = info.context.accountability
        if accountability.user is None:
            return None
        await info.context.services.passkeys.delete(accountability, str(id), password or None)
        return True

    @strawberry.mutation
    async def auth_passkey_options(
        self, info: Info, email: str | None = strawberry.UNSET
    ) -> JSON | None:
        """PublicKeyCredentialRequestOptionsJSON for navigator.credentials.get()."""
        ctx = info.context
        client = ctx.accountability.client
        return JSON(await ctx.services.passkey_login.options(email or None, client))

    @strawberry.mutation
    async def auth_login_passkey(
        self, info: Info, credential: JSON, mode: AuthModeEnum | None = strawberry.UNSET
    ) -> AuthTokens | None:
        """`credential`: the browser's PublicKeyCredential.toJSON(); tokens as auth_login's."""
        ctx = info.context
        issued = await ctx.services.passkey_login.login(
            credential, (mode or AuthModeEnum.json).to_app(), ctx.accountability.client
        )
        return AuthTokens.from_issued(
            deliver_tokens(
                ctx.http_response, ctx.services.settings, issued, ctx.services.clock.now()
            )
        )
