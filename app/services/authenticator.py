"""Who is asking: turns the request's token into an Accountability, or a coded error."""

from __future__ import annotations

from datetime import timedelta

from app.accountability import Accountability, ClientInfo
from app.clock import Clock
from app.db.engine import Database
from app.errors import InvalidCredentialsError
from app.repositories.sync.callers import AccessQuery
from app.security.tokens import TokenService, claims_directus_issuer, hash_token


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
                ip=client.ip,
            )
        else:
            query = AccessQuery(token_hash=hash_token(token), ip=client.ip)
        access = await self._db.run_reads(query)
        # Access is recomputed from the database: a deleted, suspended or demoted user
        # loses it at once, whatever the token says; so does an ended session.
        if access is None or access.status != "active":
            raise InvalidCredentialsError()
        # Policies whose ip_access leaves out the client's address do not apply.
        granted = access.at(client.ip)
        return Accountability(
            user=access.user_id,
            role=access.role,
            admin=granted.admin,
            app=granted.app,
            session=session_id,
            enforce_tfa=granted.enforce_tfa and not access.has_tfa,
            policies_enforce_tfa=granted.enforce_tfa,
            client=client,
            auth_time=auth_time,
            user_row=access.user_row,
            role_row=access.role_row,
            permission_rows=None if granted.admin else granted.permissions,
        )
