"""The tables, with Directus's names; ids are 36-character UUID strings like Directus's."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, String, func, select
from sqlalchemy.orm import column_property
from sqlmodel import Field, SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# JSON columns keep Python None as SQL NULL (not the JSON text 'null'), so _null filters work.
NullableJSON = JSON(none_as_null=True)


def new_id() -> str:
    return str(uuid.uuid4())


# Directus 11+'s fixed id of the policy attached to nobody: the public's.
PUBLIC_POLICY_ID = "abf8a154-5b1c-4a46-ac9c-7300570f4f17"


def user_key() -> Any:
    """A row's owner: a directus_users id, required, indexed, deleted with its user (a new
    Column each time: a column belongs to one table)."""
    return Field(
        sa_column=Column(
            String(36),
            ForeignKey("directus_users.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )


class Role(SQLModel, table=True):
    """A role holds no rights itself: the policies attached to it (and to its ancestors) do.
    `admin_access`, `app_access`, `enforce_tfa` and `ip_access` are Directus 10's view of
    them, computed when a role is read (see the column properties below the Policy model)."""

    __tablename__ = "directus_roles"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(max_length=100)
    icon: str = Field(default="supervised_user_circle", max_length=64)
    description: str | None = None
    parent: str | None = Field(
        default=None,
        sa_column=Column(
            String(36),
            ForeignKey("directus_roles.id", ondelete="SET NULL"),
            nullable=True,
            index=True,
        ),
    )

    if TYPE_CHECKING:  # column properties, not constructor arguments

        @property
        def ip_access(self) -> list[str] | None: ...
        @property
        def enforce_tfa(self) -> bool: ...
        @property
        def admin_access(self) -> bool: ...
        @property
        def app_access(self) -> bool: ...


class Policy(SQLModel, table=True):
    """A set of rights: the flags, its ip_access and its directus_permissions rows. A role's
    own policy (what its Directus 10 flags read and write) has the role's id."""

    __tablename__ = "directus_policies"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(max_length=100)
    icon: str = Field(default="badge", max_length=64)
    description: str | None = None
    ip_access: list[str] | None = Field(default=None, sa_type=NullableJSON)
    enforce_tfa: bool = False
    admin_access: bool = False
    app_access: bool = False


class PolicyAccess(SQLModel, table=True):
    """directus_access: a policy attached to a role, to a user, or (neither) to the public."""

    __tablename__ = "directus_access"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    role: str | None = Field(
        default=None,
        sa_column=Column(
            String(36),
            ForeignKey("directus_roles.id", ondelete="CASCADE"),
            nullable=True,
            index=True,
        ),
    )
    user: str | None = Field(
        default=None,
        sa_column=Column(
            String(36),
            ForeignKey("directus_users.id", ondelete="CASCADE"),
            nullable=True,
            index=True,
        ),
    )
    policy: str = Field(
        sa_column=Column(
            String(36),
            ForeignKey("directus_policies.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    sort: int | None = None


def _role_flag(name: str) -> Any:
    """True when a policy attached directly to the role has the flag (Directus 10's view)."""
    policies, links, roles = (
        Policy.__table__,  # type: ignore[attr-defined]
        PolicyAccess.__table__,  # type: ignore[attr-defined]
        Role.__table__,  # type: ignore[attr-defined]
    )
    return (
        select(links.c.id)
        .join(policies, policies.c.id == links.c.policy)
        .where(links.c.role == roles.c.id, policies.c[name].is_(True))
        .exists()
    )


def _own_ip_access() -> Any:
    policies, roles = Policy.__table__, Role.__table__  # type: ignore[attr-defined]
    return select(policies.c.ip_access).where(policies.c.id == roles.c.id).scalar_subquery()


# Role flag names, in the order Directus 10 declares them.
ROLE_FLAGS = ("ip_access", "enforce_tfa", "admin_access", "app_access")
_role_mapper = Role.__mapper__  # type: ignore[attr-defined]
_role_mapper.add_property("ip_access", column_property(_own_ip_access()))
for _flag in ROLE_FLAGS[1:]:
    _role_mapper.add_property(_flag, column_property(_role_flag(_flag)))


class File(SQLModel, table=True):
    __tablename__ = "directus_files"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    storage: str = Field(max_length=255)
    filename_disk: str | None = Field(default=None, max_length=255)
    filename_download: str = Field(max_length=255)
    title: str | None = Field(default=None, max_length=255)
    type: str | None = Field(default=None, max_length=255)
    filesize: int | None = Field(default=None, sa_type=BigInteger)
    width: int | None = None
    height: int | None = None
    uploaded_on: datetime | None = None


class User(SQLModel, table=True):
    __tablename__ = "directus_users"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    first_name: str | None = Field(default=None, max_length=50)
    last_name: str | None = Field(default=None, max_length=50)
    # Indexed twice: as stored (for _eq, _in and sorting) and lower-cased (unique, login).
    email: str | None = Field(default=None, max_length=128, index=True)
    password: str | None = Field(default=None, max_length=255)
    location: str | None = Field(default=None, max_length=255)
    title: str | None = Field(default=None, max_length=50)
    description: str | None = None
    tags: list[Any] | None = Field(default=None, sa_type=NullableJSON)
    avatar: str | None = Field(
        default=None,
        sa_column=Column(
            String(36), ForeignKey("directus_files.id", ondelete="SET NULL"), nullable=True
        ),
    )
    language: str | None = Field(default=None, max_length=255)
    tfa_secret: str | None = Field(default=None, max_length=255)
    status: str = Field(default="active", max_length=16)
    role: str | None = Field(
        default=None,
        sa_column=Column(
            String(36),
            ForeignKey("directus_roles.id", ondelete="SET NULL"),
            nullable=True,
        ),
    )
    # sha256 of the static token, never the token itself.
    token: str | None = Field(default=None, max_length=64, unique=True)
    last_access: datetime | None = None
    last_page: str | None = Field(default=None, max_length=255)
    provider: str = Field(default="default", max_length=128)
    external_identifier: str | None = Field(default=None, max_length=255, unique=True)
    auth_data: dict[str, Any] | None = Field(default=None, sa_type=NullableJSON)
    email_notifications: bool | None = True
    appearance: str | None = Field(default=None, max_length=255)
    theme_dark: str | None = Field(default=None, max_length=255)
    theme_light: str | None = Field(default=None, max_length=255)
    theme_light_overrides: dict[str, Any] | None = Field(default=None, sa_type=NullableJSON)
    theme_dark_overrides: dict[str, Any] | None = Field(default=None, sa_type=NullableJSON)
    text_direction: str = Field(default="auto", max_length=16)
    # The last TOTP time step accepted: a code is refused if its step is not newer.
    tfa_last_step: int | None = Field(default=None, sa_type=BigInteger)
    # Brute-force defence: failures since the last success, and a temporary lock.
    failed_login_attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    locked_until: datetime | None = None
    # Attempts whose password is being checked (LoginGuard): they count only until
    # login_claims_expire, so a crashed request cannot hold the account. login_run changes
    # with each success, so a failure claimed before a success is not counted after it.
    login_claims: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    login_claims_expire: datetime | None = None
    login_run: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


Index(
    "directus_users_email_lower_unique",
    func.lower(User.__table__.c.email),  # type: ignore[attr-defined]
    unique=True,
)
# Users newest-active first, as the engine sorts "-last_access" (migration 0015).
Index(
    "ix_directus_users_last_access",
    User.__table__.c.last_access.desc(),  # type: ignore[attr-defined]
    User.__table__.c.id,  # type: ignore[attr-defined]
)
# A role's users newest-active first; also the index of lookups by role (migration 0016).
Index(
    "ix_directus_users_role_last_access",
    User.__table__.c.role,  # type: ignore[attr-defined]
    User.__table__.c.last_access.desc(),  # type: ignore[attr-defined]
    User.__table__.c.id,  # type: ignore[attr-defined]
)


class Session(SQLModel, table=True):
    """One refresh session; the token is stored as its sha256 only."""

    __tablename__ = "directus_sessions"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    token: str = Field(max_length=64, unique=True)
    user: str = user_key()
    expires: datetime = Field(index=True)
    ip: str | None = Field(default=None, max_length=255)
    user_agent: str | None = None
    origin: str | None = Field(default=None, max_length=255)
    # Rotation chain: every session of one login shares a family.
    family: str = Field(default_factory=new_id, max_length=36, index=True)
    rotated_at: datetime | None = None
    successor: str | None = Field(default=None, max_length=36)
    # When the login began (copied along the family) and when this row was issued by a
    # login or refresh (migration 0009); null for rows from before it.
    created: datetime | None = None
    last_used: datetime | None = None


# A login deletes its user's expired sessions (migration 0006).
Index(
    "ix_directus_sessions_user_expires",
    Session.__table__.c.user,  # type: ignore[attr-defined]
    Session.__table__.c.expires,  # type: ignore[attr-defined]
)


class Permission(SQLModel, table=True):
    __tablename__ = "directus_permissions"

    id: int | None = Field(default=None, primary_key=True)
    policy: str = Field(
        sa_column=Column(
            String(36),
            ForeignKey("directus_policies.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    collection: str = Field(max_length=64)
    action: str = Field(max_length=10)
    permissions: dict[str, Any] | None = Field(default=None, sa_type=NullableJSON)
    validation: dict[str, Any] | None = Field(default=None, sa_type=NullableJSON)
    presets: dict[str, Any] | None = Field(default=None, sa_type=NullableJSON)
    fields: list[str] | None = Field(default=None, sa_type=NullableJSON)


class ProjectSettings(SQLModel, table=True):
    """The directus_settings row (project name, registration, login policy); not the environment."""

    __tablename__ = "directus_settings"

    id: int | None = Field(default=None, primary_key=True)
    project_name: str = Field(default="Directus", max_length=100)
    # The project's face (Directus's fields): a #RRGGBB colour, and a directus_files id.
    project_color: str | None = Field(default=None, max_length=255)
    project_logo: str | None = Field(
        default=None,
        sa_column=Column(
            String(36), ForeignKey("directus_files.id", ondelete="SET NULL"), nullable=True
        ),
    )
    public_registration: bool = False
    public_registration_verify_email: bool = True
    public_registration_role: str | None = Field(
        default=None,
        sa_column=Column(
            String(36), ForeignKey("directus_roles.id", ondelete="SET NULL"), nullable=True
        ),
    )
    public_registration_email_filter: dict[str, Any] | None = Field(
        default=None, sa_type=NullableJSON
    )
    auth_login_attempts: int | None = 25
    auth_password_policy: str | None = Field(default=None, max_length=255)


class Activity(SQLModel, table=True):
    """The audit trail: logins, lockouts, token reuse, password and TFA changes."""

    __tablename__ = "directus_activity"

    id: int | None = Field(default=None, primary_key=True)
    action: str = Field(max_length=45, index=True)
    user: str | None = Field(default=None, max_length=36, index=True)
    timestamp: datetime = Field(index=True)
    ip: str | None = Field(default=None, max_length=255)
    user_agent: str | None = None
    origin: str | None = Field(default=None, max_length=255)
    collection: str = Field(default="directus_users", max_length=64)
    item: str | None = Field(default=None, max_length=255)
    comment: str | None = None


class QueuedMail(SQLModel, table=True):
    """A message waiting to leave (or given up): written in the transaction of the action
    that sends it, so a crash after the answer loses nothing (migration 0011). Not a
    Directus collection and never served. `message` is the RFC 822 text; it holds a token
    link, so it is blanked once sent."""

    __tablename__ = "dauth_mail_queue"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    created: datetime
    # When it last entered the queue (created, or `dauth mail retry`): the retries' age.
    queued_at: datetime
    recipient: str = Field(max_length=255)
    subject: str = Field(max_length=255)
    message: str = ""
    status: str = Field(default="queued", max_length=16)  # queued|sending|sent|failed
    attempts: int = 0
    next_attempt: datetime
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_until: datetime | None = None
    last_error: str | None = Field(default=None, max_length=255)
    sent_at: datetime | None = None


# The sender looks for due rows: (status, next_attempt).
Index(
    "ix_dauth_mail_queue_status_next_attempt",
    QueuedMail.__table__.c.status,  # type: ignore[attr-defined]
    QueuedMail.__table__.c.next_attempt,  # type: ignore[attr-defined]
)


class TfaRecoveryCode(SQLModel, table=True):
    """A TFA recovery code (migration 0012): its keyed hash only, never the code; usable
    once (`used_at`) and only while its user has TFA on. Not a Directus collection."""

    __tablename__ = "dauth_tfa_recovery_codes"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    user: str = user_key()
    code_hash: str = Field(max_length=64)
    used_at: datetime | None = None
    date_created: datetime


class TfaEnabledSecret(SQLModel, table=True):
    """A TOTP secret a user has turned TFA on with (migration 0014), as a keyed fingerprint
    only: enabling one again stores no derived recovery codes, so a set shown once (its used
    and replaced codes too) never comes back. Not a Directus collection."""

    __tablename__ = "dauth_tfa_enabled_secrets"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    user: str = user_key()
    mark: str = Field(max_length=64)
    date_created: datetime


class Passkey(SQLModel, table=True):
    """A user's WebAuthn credential (migration 0013): an addition to Directus. The public key
    is never served; `credential_id` is the authenticator's id (base64url), unique."""

    __tablename__ = "dauth_passkeys"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    user: str = user_key()
    credential_id: str = Field(max_length=1400, unique=True)
    # The COSE public key, base64url.
    public_key: str
    sign_count: int = Field(default=0, sa_type=BigInteger)
    transports: list[Any] | None = Field(default=None, sa_type=NullableJSON)
    aaguid: str | None = Field(default=None, max_length=36)
    name: str = Field(max_length=255)
    date_created: datetime
    last_used: datetime | None = None


class PasskeyChallenge(SQLModel, table=True):
    """A WebAuthn challenge handed out and not used yet (migration 0013): single use, it is
    deleted when a ceremony presents it, and refused after `expires`. A registration's is
    bound to its user; a login's to the email it was asked for (None: any user)."""

    __tablename__ = "dauth_passkey_challenges"

    challenge: str = Field(primary_key=True, max_length=128)
    purpose: str = Field(max_length=16)  # register|login
    user: str | None = Field(
        default=None,
        sa_column=Column(
            String(36), ForeignKey("directus_users.id", ondelete="CASCADE"), nullable=True
        ),
    )
    email: str | None = Field(default=None, max_length=128)
    expires: datetime = Field(index=True)
