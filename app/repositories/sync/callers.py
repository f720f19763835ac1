"""The reads that tell who is asking: made on every authenticated request and login.

Plain Core statements, built once and run together on one connection by
`Database.run_reads`: through an AsyncSession these reads cost several times SQLite's
own work. The rows come back as detached model instances, as the ORM would load them,
so the rest of the request reuses them instead of reading again.

One statement per caller: the user with its role and every policy that may reach it
(attached to the user, to its role or an ancestor role, or to the public) with their
permission rows. Which of those policies apply depends on the request's address (see
app/permissions/policies.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Connection,
    FromClause,
    Select,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    true,
)

from app.db.models import Passkey, Permission, Policy, PolicyAccess, Role, Session, User
from app.input_values import is_storable_text
from app.permissions.policies import PolicyGrant, ip_allowed
from app.repositories.core import RowBuilder, table_of
from app.repositories.users import UserAccess, access_of

USERS = RowBuilder(User)
ROLES = RowBuilder(Role)
_PERMISSIONS = RowBuilder(Permission)
# A user's columns then its role's (all NULL without one): what `_owner` reads.
OWNER_COLUMNS = (*USERS.columns, *ROLES.columns)
_USER_COUNT = len(USERS.columns)
# How many ancestors of a role pass their policies on; a cycle of parents ends there too.
MAX_ROLE_DEPTH = 16

_users, _roles, _permissions = USERS.table, ROLES.table, _PERMISSIONS.table
_policies, _access = table_of(Policy), table_of(PolicyAccess)
_sessions = table_of(Session)
_passkeys = table_of(Passkey)
_HAS_PASSKEY = select(_passkeys.c.id).where(_passkeys.c.user == bindparam("user_id")).limit(1)
_OWNER_COUNT = len(OWNER_COLUMNS)
_OWNER_JOIN = _users.outerjoin(_roles, _roles.c.id == _users.c.role)
_USER_BY_EMAIL = select(*USERS.columns).where(func.lower(_users.c.email) == bindparam("email"))
# Live: unexpired, and not rotated, or rotated by a session refresh after `rotated_since`
# (inside SESSION_REFRESH_GRACE_PERIOD).
_LIVE_SESSION = select(_sessions.c.id).where(
    _sessions.c.id == bindparam("id"),
    or_(_sessions.c.rotated_at.is_(None), _sessions.c.rotated_at > bindparam("rotated_since")),
    _sessions.c.expires > bindparam("now"),
)

_PUBLIC = and_(_access.c.role.is_(None), _access.c.user.is_(None))
_linked = _access.join(_policies, _policies.c.id == _access.c.policy)
_with_rows = _linked.outerjoin(_permissions, _permissions.c.policy == _policies.c.id)
_POLICY_COLUMNS = (
    _policies.c.id,
    _policies.c.ip_access,
    _policies.c.admin_access,
    _policies.c.app_access,
    _policies.c.enforce_tfa,
)
# How each row names its policy's attachment, then the policy (what `_grants` reads).
_GRANT_COUNT = 2 + len(_POLICY_COLUMNS)


def _reaching(joined: FromClause, key: ColumnElement[bool]) -> CTE:
    """directus_access rows (role, user, policy) that reach the user of the row `key`
    finds in `joined`: its own, those of its role and of the role's ancestors (at most
    MAX_ROLE_DEPTH up, so a cycle of parents ends). Not the public's: as in Directus 11/12
    (fetchPolicies), those apply only to a request with no user.

    Each part is an index lookup (directus_access by user, then by each role of the
    chain): an OR of the two in a join condition made SQLite scan every access row of
    the database, for every request."""
    user = select(_users.c.id).select_from(joined).where(key).scalar_subquery()
    role = select(_users.c.role).select_from(joined).where(key).scalar_subquery()
    chain = (
        select(_roles.c.id, _roles.c.parent, literal_column("0").label("depth"))
        .where(_roles.c.id == role)
        .cte("role_chain", recursive=True)
    )
    chain = chain.union_all(
        select(_roles.c.id, _roles.c.parent, chain.c.depth + literal_column("1")).where(
            _roles.c.id == chain.c.parent, chain.c.depth < literal_column(str(MAX_ROLE_DEPTH))
        )
    )
    attachment = (_access.c.role, _access.c.user, _access.c.policy)
    own = select(*attachment).where(_access.c.user == user)
    inherited = select(*attachment).select_from(chain.join(_access, _access.c.role == chain.c.id))
    return own.union_all(inherited).cte("reaching")


def _policies_of(reaching: CTE, *, rows: bool) -> tuple[FromClause, tuple[Any, ...]]:
    """The policies (and their permission rows) of `reaching`, and the columns to read."""
    linked = reaching.join(_policies, _policies.c.id == reaching.c.policy)
    columns = (reaching.c.role, reaching.c.user, *_POLICY_COLUMNS)
    if not rows:
        return linked, columns
    with_rows = linked.outerjoin(_permissions, _permissions.c.policy == _policies.c.id)
    return with_rows, (*columns, *_PERMISSIONS.columns)


def _caller(key: ColumnElement[Any], *, rows: bool) -> Select[Any]:
    """One statement: the user `key` finds, its role, and every policy that reaches it
    (a row per policy and permission row; one row of NULLs for none)."""
    policies, columns = _policies_of(_reaching(_users, key), rows=rows)
    joined = _OWNER_JOIN.outerjoin(policies, true())
    # No ORDER BY: a sort step per request; `_grants` orders each policy's rows.
    return select(*OWNER_COLUMNS, *columns).select_from(joined).where(key)


# What a refresh or logout needs of a session's user: no row of it, nor of its role.
OWNER_STATE: tuple[ColumnElement[Any], ...] = (
    _users.c.id,
    _users.c.status,
    _users.c.role,
    _users.c.tfa_secret.is_not(None),
)
_STATE_COUNT = len(OWNER_STATE)


def with_policies(
    leading: Sequence[ColumnElement[Any]], joined: FromClause, key: ColumnElement[bool]
) -> Select[Any]:
    """One statement: the `leading` columns of the row `key` finds in `joined` (which joins
    directus_users), ending with OWNER_STATE, then every policy that reaches the user: a
    row per policy, one row of NULLs for none. `owner_state` reads them."""
    policies, columns = _policies_of(_reaching(joined, key), rows=False)
    return select(*leading, *columns).select_from(joined.outerjoin(policies, true())).where(key)


_BY_ID = _caller(_users.c.id == bindparam("key"), rows=True)
_BY_TOKEN = _caller(_users.c.token == bindparam("key"), rows=True)
_OWNER_BY_ID = _caller(_users.c.id == bindparam("key"), rows=False)
_PUBLIC_AND_ROWS = (
    select(_access.c.role, _access.c.user, *_POLICY_COLUMNS, *_PERMISSIONS.columns)
    .select_from(_with_rows)
    .where(_PUBLIC)
    .order_by(_permissions.c.id)
)


@dataclass(frozen=True)
class AccessQuery:
    """Whom to read: a user id (from a JWT) or a static token's hash, and the session a
    session JWT names, which must still be live at `now` (a session rotated after
    `rotated_since` still is). Without `permissions` (a login only signs a token), the
    permission rows are not read. `ip`: the client's address, where a policy enforcing TFA
    may apply (see `with_second_factor`)."""

    user_id: str | None = None
    token_hash: str | None = None
    session_id: str | None = None
    now: datetime | None = None
    rotated_since: datetime | None = None
    permissions: bool = True
    ip: str | None = None

    def __call__(self, connection: Connection) -> UserAccess | None:
        if self.user_id is not None:
            statement = _BY_ID if self.permissions else _OWNER_BY_ID
            key = self.user_id
        elif self.token_hash is not None:
            statement, key = _BY_TOKEN, self.token_hash
        else:
            return None
        rows = connection.execute(statement, {"key": key}).all()
        if not rows:
            return None
        if self.session_id is not None:
            live = connection.execute(
                _LIVE_SESSION,
                {
                    "id": self.session_id,
                    "now": self.now,
                    "rotated_since": self.rotated_since or self.now,
                },
            ).first()
            if live is None:
                return None
        user, role = _owner(rows[0])
        grants: tuple[PolicyGrant, ...] = ()
        if user.status == "active":  # anyone else gets nothing anyway
            grants = _grants(rows, _OWNER_COUNT, user.role, with_rows=statement is not _OWNER_BY_ID)
        return with_second_factor(connection, access_of(user, role, grants), self.ip)


def with_second_factor(connection: Connection, access: UserAccess, ip: str | None) -> UserAccess:
    """A passkey is a second factor too: a user with one satisfies `enforce_tfa` as a TOTP
    app does. Read only when a policy that enforces TFA applies at the client's address `ip`
    and no TOTP app is set, so no other request pays a statement for it."""
    if access.has_tfa or not any(
        policy.enforce_tfa and ip_allowed(ip, policy.ip_access) for policy in access.policies
    ):
        return access
    if connection.execute(_HAS_PASSKEY, {"user_id": access.user_id}).first() is None:
        return access
    return replace(access, has_tfa=True)


def user_by_email(connection: Connection, email: str) -> User | None:
    """Case-insensitive, through the lower(email) unique index; a detached snapshot (to
    change the user, read it in an ORM unit with `users.get_by_email`)."""
    if not is_storable_text(email):
        return None  # no stored address has a NUL or a lone surrogate; drivers refuse them
    row = connection.execute(_USER_BY_EMAIL, {"email": email.lower()}).first()
    return None if row is None else USERS.build(row)


def _owner(values: Sequence[Any]) -> tuple[User, Role | None]:
    user = USERS.build(values[:_USER_COUNT])
    role_values = values[_USER_COUNT:_OWNER_COUNT]
    role = None if user.role is None or role_values[0] is None else ROLES.build(role_values)
    return user, role


def owner_state(rows: Sequence[Sequence[Any]], offset: int) -> UserAccess:
    """The user's access from rows of `with_policies` (OWNER_STATE from `offset`): the
    policies that reach it, without their permission rows (none for an inactive user).
    No user or role row is built: a refresh signs a token, it serves no fields."""
    user_id, status, role, has_tfa = rows[0][offset : offset + _STATE_COUNT]
    grants: tuple[PolicyGrant, ...] = ()
    if status == "active":
        grants = _grants(rows, offset + _STATE_COUNT, role, with_rows=False)
    return UserAccess(
        user_id=user_id, status=status, role=role, has_tfa=bool(has_tfa), policies=grants
    )


def public_policies(connection: Connection) -> tuple[PolicyGrant, ...]:
    """The public's policies with their rows (an anonymous caller gets those)."""
    return _grants(connection.execute(_PUBLIC_AND_ROWS).all(), 0, None, with_rows=True)


def _permission_id(row: Permission) -> int:
    return row.id or 0


def _grants(
    rows: Sequence[Any], offset: int, role_id: str | None, *, with_rows: bool
) -> tuple[PolicyGrant, ...]:
    """The policies in `rows` (grant columns from `offset`, then permission columns), each
    once with its permission rows each once."""
    found: dict[str, tuple[Sequence[Any], dict[int, Permission]]] = {}
    direct: set[str] = set()
    public: set[str] = set()
    rows_at = offset + _GRANT_COUNT
    for row in rows:
        grant = row[offset:rows_at]
        policy_id = grant[2]
        if policy_id is None:
            continue  # the user's row, with no policy at all
        entry = found.setdefault(policy_id, (grant, {}))
        if role_id is not None and grant[0] == role_id:
            direct.add(policy_id)
        if grant[0] is None and grant[1] is None:
            public.add(policy_id)
        if with_rows and row[rows_at] is not None:
            permission = _PERMISSIONS.build(row[rows_at:])
            entry[1].setdefault(permission.id or 0, permission)
    return tuple(
        PolicyGrant(
            id=policy_id,
            ip_access=columns[3],
            admin_access=bool(columns[4]),
            app_access=bool(columns[5]),
            enforce_tfa=bool(columns[6]),
            on_role=policy_id in direct,
            public=policy_id in public,
            permissions=tuple(sorted(permissions.values(), key=_permission_id))
            if len(permissions) > 1
            else tuple(permissions.values()),
        )
        for policy_id, (columns, permissions) in found.items()
    )
