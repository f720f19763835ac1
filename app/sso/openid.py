"""OpenID Connect specifics: discovery, the provider's keys, and checking an ID token.

The discovery document and the JWKS are cached per process; a token signed with a key we do not
know yet makes us fetch the JWKS again once (the provider rotated its keys).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError, MissingKeyError
from joserfc.jwk import KeySet

from app.errors import InvalidCredentialsError, ServiceUnavailableError

logger = logging.getLogger("app.sso.openid")

WELL_KNOWN = "/.well-known/openid-configuration"
CACHE_SECONDS = 3600.0
CLOCK_LEEWAY_S = 60
# Asymmetric algorithms only: "none" and the HMAC family are never accepted for ID tokens.
SAFE_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


@dataclass(frozen=True)
class OpenIdMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    algorithms: tuple[str, ...]
    token_auth_methods: tuple[str, ...]


def discovery_url(issuer_url: str) -> str:
    """ISSUER_URL may be the issuer or its discovery document, as Directus accepts both."""
    if "/.well-known/" in issuer_url:
        return issuer_url
    return issuer_url.rstrip("/") + WELL_KNOWN


async def get_json(http: httpx.AsyncClient, url: str, what: str) -> dict[str, Any]:
    """A JSON object from the provider, or SERVICE_UNAVAILABLE (the reason goes to the log)."""
    try:
        response = await http.get(url, headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
    except (httpx.HTTPError, ValueError) as error:
        logger.warning("Could not read the %s at %s: %s", what, url, type(error).__name__)
        raise ServiceUnavailableError() from None
    if not isinstance(document, dict):
        logger.warning("The %s at %s is not a JSON object", what, url)
        raise ServiceUnavailableError()
    return document


def parse_metadata(document: dict[str, Any], expected_issuer: str | None) -> OpenIdMetadata:
    def text(name: str, *, required: bool = True) -> str | None:
        value = document.get(name)
        if isinstance(value, str) and value:
            return value
        if required:
            logger.warning("OpenID discovery document lacks %s", name)
            raise ServiceUnavailableError()
        return None

    issuer = text("issuer")
    assert issuer is not None
    if expected_issuer is not None and issuer.rstrip("/") != expected_issuer.rstrip("/"):
        logger.warning("OpenID discovery names issuer %s, not %s", issuer, expected_issuer)
        raise ServiceUnavailableError()
    offered = document.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = tuple(a for a in offered if isinstance(a, str) and a in SAFE_ALGORITHMS)
    methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    return OpenIdMetadata(
        issuer=issuer,
        authorization_endpoint=text("authorization_endpoint") or "",
        token_endpoint=text("token_endpoint") or "",
        jwks_uri=text("jwks_uri") or "",
        userinfo_endpoint=text("userinfo_endpoint", required=False),
        algorithms=algorithms or ("RS256",),
        token_auth_methods=tuple(m for m in methods if isinstance(m, str)),
    )


class OpenIdProvider:
    """One issuer's metadata and keys, fetched when first needed and kept for an hour."""

    def __init__(self, issuer_url: str, http: httpx.AsyncClient) -> None:
        self._issuer_url = issuer_url
        self._http = http
        self._metadata: OpenIdMetadata | None = None
        self._metadata_at = 0.0
        self._keys: KeySet | None = None

    async def metadata(self) -> OpenIdMetadata:
        if self._metadata is None or time.monotonic() - self._metadata_at > CACHE_SECONDS:
            url = discovery_url(self._issuer_url)
            expected = None if "/.well-known/" in self._issuer_url else self._issuer_url
            document = await get_json(self._http, url, "OpenID discovery document")
            self._metadata = parse_metadata(document, expected)
            self._metadata_at = time.monotonic()
            self._keys = None
        return self._metadata

    async def _key_set(self, *, refresh: bool) -> KeySet:
        if self._keys is None or refresh:
            metadata = await self.metadata()
            document = await get_json(self._http, metadata.jwks_uri, "JWKS")
            try:
                self._keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
            except (JoseError, ValueError, TypeError, KeyError):
                logger.warning("The JWKS at %s holds no usable keys", metadata.jwks_uri)
                raise ServiceUnavailableError() from None
        return self._keys

    async def verify_id_token(
        self, id_token: str, *, client_id: str, nonce: str, now: float
    ) -> dict[str, Any]:
        """The claims of an ID token that is signed by the issuer, for us, fresh, with our
        nonce; INVALID_CREDENTIALS otherwise (the reason goes to the log)."""
        metadata = await self.metadata()
        token: jwt.Token | None = None
        for refresh in (False, True):
            keys = await self._key_set(refresh=refresh)
            try:
                token = jwt.decode(id_token, keys, algorithms=list(metadata.algorithms))
                break
            except JoseError as error:
                if refresh or not isinstance(error, InvalidKeyIdError | MissingKeyError):
                    logger.warning("ID token refused: %s", type(error).__name__)
                    raise InvalidCredentialsError() from None
            except ValueError:
                logger.warning("ID token refused: not a JWS")
                raise InvalidCredentialsError() from None
        assert token is not None
        registry = jwt.JWTClaimsRegistry(
            now=int(now),
            leeway=CLOCK_LEEWAY_S,
            iss={"essential": True, "value": metadata.issuer},
            aud={"essential": True, "value": client_id},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(token.claims)
        except JoseError as error:
            logger.warning("ID token refused: %s", error.error)
            raise InvalidCredentialsError() from None
        claims = dict(token.claims)
        audiences = claims.get("aud")
        if isinstance(audiences, list) and len(audiences) > 1 and claims.get("azp") != client_id:
            logger.warning("ID token refused: several audiences and azp is not us")
            raise InvalidCredentialsError()
        return claims
