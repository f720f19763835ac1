"""The reads every authenticated request makes: Core rows built into detached models.

They bypass the ORM for speed, so each row must come back exactly as an ORM query
would have loaded it (same values, same Python types), on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect
from sqlmodel import col, select

from app.db.models import Permission, Role, Session, User, new_id
from app.repositories.sync.callers import AccessQuery, user_by_email
from app.security.tokens import hash_token
from app.services.container import Services

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


async def _seed(services: Services, *, admin: bool = False) -> tuple[User, Role, Session]:
    role = Role(name="Editors", admin_access=admin, ip_access=["10.0.0.0/8"], enforce_tfa=True)
    user = User(
        email="reads@example.com",
        first_name="Ada",
        role=role.id,
        tags=["a", "b"],
        auth_data={"sub": "x"},
        last_access=datetime(2026, 11, 1, 9, 30, tzinfo=UTC),
        token=hash_token("static-token-of-ada"),
    )
    login = Session(token=hash_token("refresh"), user=user.id, expires=NOW + timedelta(days=1))
    async with services.db.write() as session:
        session.add(role)
        await session.flush()
        session.add(user)
        await session.flush()
        session.add(login)
        session.add(
            Permission(
                role=role.id,
                collection="directus_users",
                action="read",
                permissions={"id": {"_eq": "$CURRENT_USER"}},
                fields=["id", "email"],
            )
        )
        await session.flush()
        session.add(Permission(role=role.id, collection="directus_users", action="update"))
        session.add(Permission(role=None, collection="directus_roles", action="read"))
    return user, role, login


async def _orm_user(services: Services, user_id: str) -> User:
    async with services.db.read() as session:
        loaded = await session.get(User, user_id)
    assert loaded is not None
    return loaded


async def test_rows_match_what_the_orm_loads(services: Services) -> None:
    user, _role, _ = await _seed(services)
    found = await services.db.run_reads(AccessQuery(user_id=user.id))
    assert found is not None
    built, orm = found.access.user_row, await _orm_user(services, user.id)
    assert built is not None
    assert built.model_dump() == orm.model_dump()
    assert built.tags == ["a", "b"]
    assert built.auth_data == {"sub": "x"}
    assert built.last_access is not None
    assert built.last_access.replace(tzinfo=UTC) == datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    state = inspect(built)
    assert state.detached
    assert not state.unloaded
    assert not state.modified
    assert found.access.role_row is not None
    assert found.access.role_row.ip_access == ["10.0.0.0/8"]
    assert found.access.enforce_tfa
    assert not found.access.admin_access
    assert found.permissions is not None
    assert [(p.collection, p.action, p.fields) for p in found.permissions] == [
        ("directus_users", "read", ["id", "email"]),
        ("directus_users", "update", None),
    ]
    assert found.permissions[0].permissions == {"id": {"_eq": "$CURRENT_USER"}}


async def test_by_static_token_and_missing(services: Services) -> None:
    user, _, _ = await _seed(services)
    found = await services.db.run_reads(AccessQuery(token_hash=hash_token("static-token-of-ada")))
    assert found is not None
    assert found.access.user_id == user.id
    assert await services.db.run_reads(AccessQuery(token_hash=hash_token("other"))) is None
    assert await services.db.run_reads(AccessQuery(user_id=new_id())) is None
    assert await services.db.run_reads(AccessQuery()) is None


async def test_session_must_be_live(services: Services) -> None:
    user, _, login = await _seed(services)
    live = AccessQuery(user_id=user.id, session_id=login.id, now=NOW)
    assert await services.db.run_reads(live) is not None
    later = AccessQuery(user_id=user.id, session_id=login.id, now=NOW + timedelta(days=2))
    assert await services.db.run_reads(later) is None
    async with services.db.write() as session:
        row = (await session.exec(select(Session).where(col(Session.id) == login.id))).one()
        row.rotated_at = NOW
    assert await services.db.run_reads(live) is None


async def test_admins_and_inactive_users_read_no_permissions(services: Services) -> None:
    user, _, _ = await _seed(services, admin=True)
    found = await services.db.run_reads(AccessQuery(user_id=user.id))
    assert found is not None
    assert found.access.admin_access
    assert found.permissions is None
    async with services.db.write() as session:
        row = await session.get(User, user.id)
        assert row is not None
        row.status = "suspended"
    found = await services.db.run_reads(AccessQuery(user_id=user.id))
    assert found is not None
    assert found.access.status == "suspended"
    assert found.permissions is None


async def test_a_user_without_role(services: Services) -> None:
    user = User(email="loner@example.com")
    async with services.db.write() as session:
        session.add(user)
    found = await services.db.run_reads(AccessQuery(user_id=user.id))
    assert found is not None
    assert found.access.role_row is None
    assert found.access.role is None
    # A role-less user reads the public's rows.
    assert found.permissions == ()
    async with services.db.write() as session:
        session.add(Permission(role=None, collection="directus_roles", action="read"))
    found = await services.db.run_reads(AccessQuery(user_id=user.id))
    assert found is not None
    assert found.permissions is not None
    assert [(p.role, p.collection, p.action) for p in found.permissions] == [
        (None, "directus_roles", "read")
    ]


async def test_a_login_reads_its_user_by_email_and_its_role_without_permissions(
    services: Services,
) -> None:
    user, role, _ = await _seed(services)
    by_email = await services.db.run_reads(
        lambda connection: user_by_email(connection, "READS@example.com")
    )
    assert by_email is not None
    assert by_email.model_dump() == (await _orm_user(services, user.id)).model_dump()
    assert inspect(by_email).detached
    assert (
        await services.db.run_reads(
            lambda connection: user_by_email(connection, "nobody@example.com")
        )
        is None
    )
    owner = await services.db.run_reads(AccessQuery(user_id=user.id, permissions=False))
    assert owner is not None
    assert owner.permissions is None
    assert owner.access.role == role.id
    assert owner.access.enforce_tfa
    assert owner.access.role_row is not None
    assert owner.access.role_row.name == "Editors"
    assert await services.db.run_reads(AccessQuery(user_id=new_id(), permissions=False)) is None
