"""An LDAP directory (ldap3, run in worker threads): find a user, check a password, list groups.

Every value that comes from a client is escaped before it goes into a filter, and the password
is checked by binding as the user's DN, which comes from the directory itself. An empty password
is refused before any bind: LDAP would treat it as an anonymous bind and let it through.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Any, Literal

import anyio
from ldap3 import BASE, LEVEL, NONE, SUBTREE, Connection, Server
from ldap3.core.exceptions import LDAPException, LDAPSASLPrepError
from ldap3.utils.conv import escape_filter_chars

from app.errors import ServiceUnavailableError
from app.sso.config import LdapScope, LdapSettings

logger = logging.getLogger("app.sso.ldap")

CONNECT_TIMEOUT_S = 5
RECEIVE_TIMEOUT_S = 10
INVALID_CREDENTIALS_RESULT = 49
SearchScope = Literal["BASE", "LEVEL", "SUBTREE"]
_SCOPES: dict[LdapScope, SearchScope] = {
    LdapScope.BASE: BASE,
    LdapScope.ONE: LEVEL,
    LdapScope.SUB: SUBTREE,
}


@dataclass(frozen=True)
class DirectoryEntry:
    """A user as the directory describes them."""

    dn: str
    email: str | None
    first_name: str | None
    last_name: str | None
    groups: tuple[str, ...]  # the cn of every group the user belongs to


class LdapDirectory:
    def __init__(self, settings: LdapSettings, provider: str) -> None:
        self._settings = settings
        self._provider = provider
        self._server = Server(settings.client_url, get_info=NONE, connect_timeout=CONNECT_TIMEOUT_S)

    async def find(
        self, *, identifier: str | None = None, dn: str | None = None
    ) -> DirectoryEntry | None:
        """The user whose USER_ATTRIBUTE equals `identifier`, or the entry at `dn`."""
        return await anyio.to_thread.run_sync(self._find, identifier, dn)

    async def verify(self, dn: str, password: str) -> bool:
        """True when the directory accepts `password` for `dn`."""
        if not password or not dn:
            return False
        return await anyio.to_thread.run_sync(self._verify, dn, password)

    # Worker-thread halves -------------------------------------------------------------------

    def _connection(self, user: str, password: str) -> Connection:
        return Connection(
            self._server,
            user=user,
            password=password,
            receive_timeout=RECEIVE_TIMEOUT_S,
            raise_exceptions=False,
            read_only=True,
        )

    def _unavailable(self, reason: str) -> ServiceUnavailableError:
        logger.warning("LDAP provider %s: %s", self._provider, reason)
        return ServiceUnavailableError()

    def _find(self, identifier: str | None, dn: str | None) -> DirectoryEntry | None:
        settings = self._settings
        names = [
            settings.mail_attribute,
            settings.first_name_attribute,
            settings.last_name_attribute,
            "uid",  # for groups that list members by uid (memberUid)
        ]
        connection = self._connection(settings.bind_dn, settings.bind_password)
        try:
            if not connection.bind():
                raise self._unavailable(f"bind as BIND_DN failed: {connection.result}")
            if dn is not None:
                found = connection.search(
                    dn, "(objectClass=*)", BASE, attributes=names, size_limit=1
                )
            else:
                value = escape_filter_chars(identifier or "")
                found = connection.search(
                    settings.user_dn,
                    f"({settings.user_attribute}={value})",
                    _SCOPES[settings.user_scope],
                    attributes=names,
                    size_limit=2,
                )
            entries = _entries(connection.response) if found else []
            if len(entries) != 1:  # none, or ambiguous: nobody to log in
                return None
            entry_dn, attributes = entries[0]
            groups = self._groups(connection, entry_dn, attributes) if settings.group_dn else ()
        except LDAPException as error:
            raise self._unavailable(type(error).__name__) from None
        finally:
            _close(connection)
        return DirectoryEntry(
            dn=entry_dn,
            email=_first(attributes, settings.mail_attribute),
            first_name=_first(attributes, settings.first_name_attribute),
            last_name=_first(attributes, settings.last_name_attribute),
            groups=groups,
        )

    def _groups(
        self, connection: Connection, user_dn: str, attributes: dict[str, Any]
    ) -> tuple[str, ...]:
        """The cn of the user's groups; members are DNs, or uids for memberUid (as Directus)."""
        settings = self._settings
        assert settings.group_dn is not None
        uid = _first(attributes, "uid")
        by_uid = settings.group_attribute.lower() == "memberuid" and uid is not None
        member = escape_filter_chars(uid if by_uid and uid else user_dn)
        if not connection.search(
            settings.group_dn,
            f"({settings.group_attribute}={member})",
            _SCOPES[settings.group_scope],
            attributes=["cn"],
        ):
            return ()
        names = (_first(attributes, "cn") for _dn, attributes in _entries(connection.response))
        return tuple(name for name in names if name)

    def _verify(self, dn: str, password: str) -> bool:
        connection = self._connection(dn, password)
        try:
            if connection.bind():
                return True
            result = connection.result or {}
        except LDAPSASLPrepError:
            return False  # a password the directory cannot even receive is a wrong one
        except LDAPException as error:
            raise self._unavailable(type(error).__name__) from None
        finally:
            _close(connection)
        if result.get("result") == INVALID_CREDENTIALS_RESULT:
            return False
        raise self._unavailable(f"user bind failed: {result.get('description')}")


def _close(connection: Connection) -> None:
    """Unbind, and close the socket even when the connection never opened properly."""
    with contextlib.suppress(LDAPException):
        connection.unbind()
    socket = getattr(connection, "socket", None)
    if socket is not None:
        socket.close()


def _entries(response: Any) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for item in response or []:
        if isinstance(item, dict) and item.get("type") == "searchResEntry":
            found.append((str(item["dn"]), dict(item.get("attributes") or {})))
    return found


def _first(attributes: dict[str, Any], name: str) -> str | None:
    """One value of an attribute (ldap3 gives lists for multi-valued ones), or None."""
    lowered = {key.lower(): value for key, value in attributes.items()}
    value = lowered.get(name.lower())
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    return str(value) if value not in (None, "") else None
