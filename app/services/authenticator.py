"""Who is asking: turns the request's token into an Accountability, or a coded error."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

from app.accountability import Accountability, ClientInfo
from app.clock import Clock
from app.db.engine import Database
from app.errors import InvalidCredentialsError
from app.repositories.sync.callers import AccessQuery
from app.security.tokens import TokenService, claims_directus_issuer, hash_token


def ip_allowed(ip: str | None, networks: list[str] | None) -> bool:
    """A role's ip_access: empty allows all; otherwise the client must be inside one entry."""
    if not networks:
        return True
    if ip is None:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for entry in networks:
        try:
            if address in ipaddress.ip_network(entry.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


class Authenticator:
    def __init__(
        self, db: Database, tokens: TokenService, clock: Clock, session_grace_ms: int
    ) -> None:
        self._db = db
        self._tokens = tokens
        self._clock = clock
        # SESSION_REFRESH_GRACE_PERIOD: how long a rotated session cookie still serves.
        self._session_grace = timedelta(milliseconds=session_grace_ms)

    async def authenticate(self, token: str | None, client: ClientInfo) -> Accountability:
        if not token:
            return Accountability(client=client)
        session_id: str | None = None
        auth_time: int | None = None
        if claims_directus_issuer(token):
            claims = self._tokens.decode_access(token)
            session_id = claims.session
            auth_time = claims.auth_time
            now = self._clock.now()
            query = AccessQuery(
                user_id=claims.user_id,
                session_id=session_id,
                now=now,
                rotated_since=now - self._session_grace,
            )
        else:
            query = AccessQuery(token_hash=hash_token(token))
        found = await self._db.run_reads(query)
        # Access is recomputed from the database: a deleted, suspended or demoted user
        # loses it at once, whatever the token says; so does an ended session.
        if found is None or found.access.status != "active":
            raise InvalidCredentialsError()
        access = found.access
        if not ip_allowed(client.ip, access.ip_access):
            # Outside the role's networks the user keeps its identity but none of its
            # rights.
            return Accountability(user=access.user_id, session=session_id, client=client)
        return Accountability(
            user=access.user_id,
            role=access.role,
            admin=access.admin_access,
            app=access.app_access,
            session=session_id,
            enforce_tfa=access.enforce_tfa and not access.has_tfa,
            client=client,
            auth_time=auth_time,
            user_row=access.user_row,
            role_row=access.role_row,
            permission_rows=found.permissions,
        )
