"""Who is asking, as every layer sees it: a plain value (services.authenticator makes it from
the request's token)."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.db.models import Permission, Role, User


@dataclass(frozen=True)
class ClientInfo:
    ip: str | None = None
    user_agent: str | None = None
    origin: str | None = None


@dataclass(frozen=True)
class Accountability:
    user: str | None = None
    role: str | None = None
    admin: bool = False
    app: bool = False
    session: str | None = None
    enforce_tfa: bool = False
    # Whether an applying policy enforces TFA at all (enforce_tfa above: and it is not set up).
    policies_enforce_tfa: bool = False
    client: ClientInfo = ClientInfo()
    # When this request's access token was issued by a password login (epoch seconds);
    # None for static tokens and refreshed tokens.
    auth_time: int | None = None
    # Read while authenticating; reused by users_me and its role instead of reading again.
    user_row: User | None = field(default=None, compare=False, repr=False)
    role_row: Role | None = field(default=None, compare=False, repr=False)
    # The applying policies' directus_permissions rows, read in the same round as the user.
    permission_rows: tuple[Permission, ...] | None = field(default=None, compare=False, repr=False)

    @property
    def is_public(self) -> bool:
        return self.user is None
