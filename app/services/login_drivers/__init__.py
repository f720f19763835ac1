"""Login drivers: each proves an identity its own way (a local password hash, an LDAP bind, an
OpenID or OAuth2 provider's word) behind one small interface, and nothing more. The second
factor and the session are the business of whoever composes a login (AuthService, SsoService),
so no driver calls back into a service and a new way in is one more driver."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from app.accountability import ClientInfo
from app.db.models import User
from app.services.login_guard import LoginClaim

# Computes the replacement of an outdated password hash; run only once the second factor
# passed, so a refused code costs no hash.
Rehash = Callable[[], Awaitable[str]]


@dataclass(frozen=True)
class PasswordCredentials:
    """A password login: the password, what the person typed to name the account (an email,
    or a directory's identifier), and the local account it named when already looked up."""

    password: str
    identifier: str = ""
    user: User | None = None


@dataclass(frozen=True)
class Proof:
    """Who a driver proved is logging in, and what opening the session must know: the
    LoginGuard claim the check ran under (None when nothing was claimed), the audit comment,
    and the password's new hash when the stored one is outdated."""

    user: User
    claim: LoginClaim | None = None
    comment: str | None = None
    rehash: Rehash | None = None


Credentials = TypeVar("Credentials", contravariant=True)


class LoginDriver(Protocol[Credentials]):
    async def prove(self, credentials: Credentials, client: ClientInfo) -> Proof:
        """The active user the credentials prove, or INVALID_CREDENTIALS (failures audited
        and counted by the driver, as its kind of check requires)."""
        ...
