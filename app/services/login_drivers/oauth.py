"""OpenID Connect and OAuth2 logins: the provider's word, from the code the browser brought
back, on who logged in. The local user is found or created by the provider's identifier (see
ExternalUsers); the state, the redirect and the second factor are SsoService's business."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.accountability import ClientInfo
from app.clock import Clock
from app.errors import InvalidCredentialsError
from app.services.external_users import ExternalProfile, ExternalUsers, LinkRules
from app.services.login_drivers import Proof
from app.sso.config import ProviderConfig

if TYPE_CHECKING:
    from app.sso.oauth import OAuthClient, ProviderIdentity

logger = logging.getLogger("app.sso")


@dataclass(frozen=True)
class ProviderCallback:
    """The code the browser brought back, and the PKCE verifier and nonce the attempt's
    state cookie remembered."""

    code: str
    code_verifier: str
    nonce: str


class OAuthLogin:
    """One OpenID or OAuth2 provider's login driver."""

    def __init__(
        self, provider: ProviderConfig, oauth: OAuthClient, users: ExternalUsers, clock: Clock
    ) -> None:
        self.provider = provider
        self.oauth = oauth
        self._users = users
        self._clock = clock

    async def prove(self, credentials: ProviderCallback, client: ClientInfo) -> Proof:
        identity = await self.oauth.identity(
            code=credentials.code,
            code_verifier=credentials.code_verifier,
            nonce=credentials.nonce,
            now=self._clock.now().timestamp(),
        )
        provider = self.provider
        user = await self._users.link(_profile(provider, identity), _rules(provider, identity))
        if user.status != "active":
            raise InvalidCredentialsError()
        return Proof(user, comment=f"provider={provider.name}")


def _profile(provider: ProviderConfig, identity: ProviderIdentity) -> ExternalProfile:
    assert provider.oauth is not None
    keys, claims = provider.oauth, identity.claims

    def claim(key: str | None) -> str | None:
        value = claims.get(key) if key else None
        return str(value) if isinstance(value, str | int) and str(value) else None

    email = claim(keys.email_key)
    # As Directus: the identifier claim, else the email.
    identifier = claim(keys.identifier_key) or email
    if not identifier:
        logger.warning("Provider %s sent no %s claim", provider.name, keys.identifier_key)
        raise InvalidCredentialsError()
    return ExternalProfile(
        provider=provider.name,
        identifier=identifier,
        email=email,
        first_name=claim(keys.first_name_key),
        last_name=claim(keys.last_name_key),
    )


def _rules(provider: ProviderConfig, identity: ProviderIdentity) -> LinkRules:
    assert provider.oauth is not None
    verified = identity.claims.get("email_verified") is True
    return LinkRules(
        create=provider.allow_public_registration
        and (verified or not provider.oauth.require_verified_email),
        default_role=provider.default_role_id,
        sync_profile=provider.sync_user_info,
        auth_data={"refreshToken": identity.refresh_token} if identity.refresh_token else None,
    )
