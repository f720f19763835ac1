"""access policies: Directus 11/12's policies, access rows and nested roles

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04

Rights move from roles to policies. Each role's flags (admin_access, app_access,
enforce_tfa, ip_access) become that role's own policy (with the role's id, named after
it), attached to it by a directus_access row, and its permission rows move to that
policy. The public's rows (role NULL) move to the Public policy, attached to no role and
no user. Roles get a `parent` (nested roles). Nothing is lost: every user keeps the
access it had.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PUBLIC_POLICY_ID = "abf8a154-5b1c-4a46-ac9c-7300570f4f17"
_FLAGS = ("ip_access", "enforce_tfa", "admin_access", "app_access")


def _string(length: int | None = None) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _create_tables() -> None:
    op.create_table(
        "directus_policies",
        sa.Column("id", _string(36), nullable=False),
        sa.Column("name", _string(100), nullable=False),
        sa.Column("icon", _string(64), nullable=False),
        sa.Column("description", _string(), nullable=True),
        sa.Column("ip_access", sa.JSON(), nullable=True),
        sa.Column("enforce_tfa", sa.Boolean(), nullable=False),
        sa.Column("admin_access", sa.Boolean(), nullable=False),
        sa.Column("app_access", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directus_policies")),
    )
    op.create_table(
        "directus_access",
        sa.Column("id", _string(36), nullable=False),
        sa.Column("role", sa.String(length=36), nullable=True),
        sa.Column("user", sa.String(length=36), nullable=True),
        sa.Column("policy", sa.String(length=36), nullable=False),
        sa.Column("sort", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["policy"],
            ["directus_policies.id"],
            name=op.f("fk_directus_access_policy_directus_policies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["role"],
            ["directus_roles.id"],
            name=op.f("fk_directus_access_role_directus_roles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user"],
            ["directus_users.id"],
            name=op.f("fk_directus_access_user_directus_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directus_access")),
    )
    for column in ("role", "user", "policy"):
        op.create_index(f"ix_directus_access_{column}", "directus_access", [column])


def _move_rights() -> None:
    """Every role's flags to its own policy, the public's rows to the Public policy."""
    bind = op.get_bind()
    op.execute(
        "INSERT INTO directus_policies (id, name, icon, description, ip_access, enforce_tfa, "
        "admin_access, app_access) SELECT id, name, 'badge', NULL, ip_access, enforce_tfa, "
        "admin_access, app_access FROM directus_roles"
    )
    policies = sa.table(
        "directus_policies",
        sa.column("id"),
        sa.column("name"),
        sa.column("icon"),
        sa.column("description"),
        sa.column("enforce_tfa"),
        sa.column("admin_access"),
        sa.column("app_access"),
    )
    op.execute(
        policies.insert().values(
            id=PUBLIC_POLICY_ID,
            name="Public",
            icon="public",
            description="Controls what the public (callers without a token) may do.",
            enforce_tfa=False,
            admin_access=False,
            app_access=False,
        )
    )
    access = sa.table(
        "directus_access",
        sa.column("id"),
        sa.column("role"),
        sa.column("user"),
        sa.column("policy"),
        sa.column("sort"),
    )
    role_ids = [row[0] for row in bind.execute(sa.text("SELECT id FROM directus_roles"))]
    rows = [
        {"id": str(uuid.uuid4()), "role": role_id, "user": None, "policy": role_id, "sort": 1}
        for role_id in role_ids
    ]
    rows.append(
        {"id": str(uuid.uuid4()), "role": None, "user": None, "policy": PUBLIC_POLICY_ID, "sort": 1}
    )
    op.bulk_insert(access, rows)

    op.add_column("directus_permissions", sa.Column("policy", sa.String(36), nullable=True))
    # A role's own policy has the role's id.
    op.execute("UPDATE directus_permissions SET policy = role WHERE role IS NOT NULL")
    op.execute(f"UPDATE directus_permissions SET policy = '{PUBLIC_POLICY_ID}' WHERE role IS NULL")
    # Nothing references directus_permissions: rebuilding it on SQLite is safe.
    with op.batch_alter_table("directus_permissions", recreate="auto") as batch_op:
        batch_op.drop_index("ix_directus_permissions_role")
        batch_op.drop_constraint(
            "fk_directus_permissions_role_directus_roles", type_="foreignkey"
        )
        batch_op.drop_column("role")
        batch_op.alter_column("policy", existing_type=sa.String(36), nullable=False)
        batch_op.create_foreign_key(
            "fk_directus_permissions_policy_directus_policies",
            "directus_policies",
            ["policy"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index("ix_directus_permissions_policy", ["policy"])


def _nest_roles() -> None:
    """`parent`, and the flags dropped. Plain ALTERs, never a rebuild: on SQLite dropping
    directus_roles (as a batch rebuild does) would cascade to its users and access rows."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.add_column("directus_roles", sa.Column("parent", sa.String(36), nullable=True))
    else:
        op.add_column("directus_roles", sa.Column("parent", sa.String(36), nullable=True))
        op.create_foreign_key(
            "fk_directus_roles_parent_directus_roles",
            "directus_roles",
            "directus_roles",
            ["parent"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_index("ix_directus_roles_parent", "directus_roles", ["parent"])
    for flag in _FLAGS:
        op.drop_column("directus_roles", flag)
    if bind.dialect.name == "sqlite":
        _set_sqlite_parent_key(bind, present=True)


_PARENT_KEY = (
    "CONSTRAINT fk_directus_roles_parent_directus_roles FOREIGN KEY(parent) "
    "REFERENCES directus_roles (id) ON DELETE SET NULL"
)


def _set_sqlite_parent_key(bind: sa.Connection, *, present: bool) -> None:
    """SQLite cannot add a foreign key to a table, nor drop a column one names, and
    rebuilding directus_roles would cascade (foreign keys are on). A constraint that
    changes nothing on disk may instead be written into (or out of) the table's definition:
    SQLite's documented writable_schema procedure. `parent` is all NULL when it is added."""
    schema = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'directus_roles'"
    sql = str(bind.exec_driver_sql(schema).scalar_one()).rstrip()
    clause = f", \n\t{_PARENT_KEY}"
    if present and sql.endswith(")") and _PARENT_KEY not in sql:
        changed = f"{sql[:-1].rstrip()}{clause}\n)"
    elif not present and clause in sql:
        changed = sql.replace(clause, "")
    else:
        raise RuntimeError("Unexpected definition of directus_roles")
    version = int(bind.exec_driver_sql("PRAGMA schema_version").scalar_one())
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    try:
        bind.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'directus_roles'",
            (changed,),
        )
        bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema=OFF")
    if bind.exec_driver_sql("PRAGMA integrity_check").scalar_one() != "ok":
        raise RuntimeError("directus_roles failed the integrity check")


def upgrade() -> None:
    _create_tables()
    _move_rights()
    _nest_roles()


def downgrade() -> None:
    """Back to flags on roles: each role gets its own policy's flags; permission rows of
    other policies attached to it, and of the public policies, follow; the rest are lost."""
    op.drop_index("ix_directus_roles_parent", table_name="directus_roles")
    op.add_column("directus_roles", sa.Column("ip_access", sa.JSON(), nullable=True))
    for flag, default in (("enforce_tfa", False), ("admin_access", False), ("app_access", True)):
        op.add_column(
            "directus_roles",
            sa.Column(
                flag, sa.Boolean(), nullable=False, server_default=sa.true() if default else sa.false()
            ),
        )
    op.execute(
        "UPDATE directus_roles SET ip_access = (SELECT p.ip_access FROM directus_policies p "
        "WHERE p.id = directus_roles.id)"
    )
    for flag in _FLAGS[1:]:
        op.execute(
            f"UPDATE directus_roles SET {flag} = COALESCE((SELECT p.{flag} FROM "
            f"directus_policies p WHERE p.id = directus_roles.id), {flag})"
        )
    if op.get_bind().dialect.name == "sqlite":
        _set_sqlite_parent_key(op.get_bind(), present=False)
    else:
        op.drop_constraint(
            "fk_directus_roles_parent_directus_roles", "directus_roles", type_="foreignkey"
        )
    op.drop_column("directus_roles", "parent")
    op.add_column("directus_permissions", sa.Column("role", sa.String(36), nullable=True))
    op.execute(
        "UPDATE directus_permissions SET role = (SELECT a.role FROM directus_access a "
        "WHERE a.policy = directus_permissions.policy AND a.role IS NOT NULL "
        "ORDER BY a.sort LIMIT 1)"
    )
    op.execute(
        "DELETE FROM directus_permissions WHERE role IS NULL AND policy NOT IN "
        "(SELECT policy FROM directus_access WHERE role IS NULL AND \"user\" IS NULL)"
    )
    with op.batch_alter_table("directus_permissions", recreate="auto") as batch_op:
        batch_op.drop_index("ix_directus_permissions_policy")
        batch_op.drop_constraint(
            "fk_directus_permissions_policy_directus_policies", type_="foreignkey"
        )
        batch_op.drop_column("policy")
        batch_op.create_foreign_key(
            "fk_directus_permissions_role_directus_roles",
            "directus_roles",
            ["role"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index("ix_directus_permissions_role", ["role"])
    for column in ("policy", "user", "role"):
        op.drop_index(f"ix_directus_access_{column}", table_name="directus_access")
    op.drop_table("directus_access")
    op.drop_table("directus_policies")
