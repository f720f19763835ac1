"""The reads every authenticated request makes: Core rows built into detached models.

They bypass the ORM for speed, so each row must come back exactly as an ORM query
would have loaded it (same values, same Python types), on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect
from sqlmodel import col, select

from app.db.models import (
    PUBLIC_POLICY_ID,
    Permission,
    Policy,
    PolicyAccess,
    Role,
    Session,
    User,
    new_id,
)
from app.repositories import policies as policies_repo
from app.repositories.sync import sessions as sessions_sync
from app.repositories.sync.callers import AccessQuery, user_by_email
from app.repositories.users import UserAccess
from app.security.tokens import hash_token
from app.services.container import Services

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
# Inside the Editors policy's ip_access.
INSIDE = "10.1.2.3"


async def _seed(services: Services, *, admin: bool = False) -> tuple[User, Role, Session]:
    role = Role(name="Editors")
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
        await policies_repo.add_role(
            session,
            role,
            {"admin_access": admin, "ip_access": ["10.0.0.0/8"], "enforce_tfa": True},
        )
        session.add(user)
        await session.flush()
        session.add(login)
        session.add(
            Permission(
                policy=role.id,
                collection="directus_users",
                action="read",
                permissions={"id": {"_eq": "$CURRENT_USER"}},
                fields=["id", "email"],
            )
        )
        await session.flush()
        session.add(Permission(policy=role.id, collection="directus_users", action="update"))
        session.add(Permission(policy=PUBLIC_POLICY_ID, collection="directus_roles", action="read"))
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
    built, orm = found.user_row, await _orm_user(services, user.id)
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
    assert found.role_row is not None
    # The role's Directus 10 flags, from its own policy, as an ORM read shows them.
    assert found.role_row.ip_access == ["10.0.0.0/8"]
    assert (found.role_row.enforce_tfa, found.role_row.admin_access) == (True, False)
    inside = found.at(INSIDE)
    assert inside.enforce_tfa
    assert not inside.admin
    # The role's rows in id order; not the public's (they reach requests with no user only).
    assert [(p.collection, p.action, p.fields) for p in inside.permissions] == [
        ("directus_users", "read", ["id", "email"]),
        ("directus_users", "update", None),
    ]
    assert inside.permissions[0].permissions == {"id": {"_eq": "$CURRENT_USER"}}
    # Outside the role policy's networks nothing applies (as Directus 11/12).
    outside = found.at("192.0.2.1")
    assert (outside.enforce_tfa, outside.app) == (False, False)
    assert outside.permissions == ()


async def test_by_static_token_and_missing(services: Services) -> None:
    user, _, _ = await _seed(services)
    found = await services.db.run_reads(AccessQuery(token_hash=hash_token("static-token-of-ada")))
    assert found is not None
    assert found.user_id == user.id
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
    assert found.at(INSIDE).admin
    async with services.db.write() as session:
        row = await session.get(User, user.id)
        assert row is not None
        row.status = "suspended"
    found = await services.db.run_reads(AccessQuery(user_id=user.id))
    assert found is not None
    assert found.status == "suspended"
    assert found.policies == ()


async def test_a_user_without_role(services: Services) -> None:
    user = User(email="loner@example.com")
    async with services.db.write() as session:
        session.add(user)
    found = await services.db.run_reads(AccessQuery(user_id=user.id))
    assert found is not None
    assert found.role_row is None
    assert found.role is None
    assert found.at(None).permissions == ()
    # Not even the public's: those reach requests with no user only (Directus 11/12).
    async with services.db.write() as session:
        session.add(Permission(policy=PUBLIC_POLICY_ID, collection="directus_roles", action="read"))
    found = await services.db.run_reads(AccessQuery(user_id=user.id))
    assert found is not None
    assert found.at(None).permissions == ()


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
    assert all(not policy.permissions for policy in owner.policies)
    assert owner.role == role.id
    assert owner.at(INSIDE).enforce_tfa
    assert owner.role_row is not None
    assert owner.role_row.name == "Editors"
    assert await services.db.run_reads(AccessQuery(user_id=new_id(), permissions=False)) is None


async def test_a_refresh_reads_the_access_a_login_reads(services: Services) -> None:
    """A refresh reads its session's owner through a slimmer statement (no user or role
    row); what it signs from must be what the general read gives: the same policies
    through nested roles and the user's own access rows, the same flags at every address,
    nothing for a suspended user."""
    user, role, login = await _seed(services)
    parent = Role(name="Staff")
    grand = Role(name="Everyone")
    on_user = Policy(name="Own", admin_access=True, ip_access=["192.0.2.0/24"])
    on_grand = Policy(name="Grand", app_access=True)
    async with services.db.write() as session:
        session.add(grand)
        await session.flush()
        parent.parent = grand.id
        session.add(parent)
        session.add_all([on_user, on_grand])
        await session.flush()
        row = await session.get(Role, role.id)
        assert row is not None
        row.parent = parent.id
        session.add(PolicyAccess(user=user.id, policy=on_user.id))
        session.add(PolicyAccess(role=grand.id, policy=on_grand.id))
        stored = await session.get(User, user.id)
        assert stored is not None
        stored.tfa_secret = "JBSWY3DPEHPK3PXP"

    async def both() -> tuple[UserAccess, UserAccess]:
        general = await services.db.run_reads(AccessQuery(user_id=user.id, permissions=False))
        found = await services.db.run_reads(
            lambda connection: sessions_sync.find_with_owner(
                connection, token_hash=hash_token("refresh")
            )
        )
        assert general is not None
        assert found is not None
        assert found.session.id == login.id
        return general, found.owner

    general, slim = await both()
    assert len(slim.policies) == 3  # the role's own, the user's, the grandparent role's
    for field in ("user_id", "status", "role", "has_tfa"):
        assert getattr(slim, field) == getattr(general, field)
    assert slim.has_tfa
    assert sorted(slim.policies, key=lambda p: p.id) == sorted(general.policies, key=lambda p: p.id)
    for ip in (None, INSIDE, "192.0.2.7", "198.51.100.1"):
        assert slim.at(ip) == general.at(ip)
    assert slim.at("192.0.2.7").admin
    assert not slim.at(INSIDE).admin
    async with services.db.write() as session:
        stored = await session.get(User, user.id)
        assert stored is not None
        stored.status = "suspended"
    general, slim = await both()
    assert (slim.status, slim.policies) == ("suspended", ()) == (general.status, general.policies)
