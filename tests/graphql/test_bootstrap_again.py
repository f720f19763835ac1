"""`bootstrap` on a database that has users: nothing changes, and an ADMIN_PASSWORD that is
not the admin's is reported as ignored (the CLI says so), on SQLite and PostgreSQL."""

from __future__ import annotations

from app.repositories import users as users_repo
from app.services.bootstrap import bootstrap
from app.services.container import Services
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD


async def test_the_admins_own_password_is_not_reported(services: Services) -> None:
    report = await bootstrap(services.db, services.hasher, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert not report.admin_created
    assert not report.admin_password_ignored


async def test_no_admin_password_is_not_reported(services: Services) -> None:
    report = await bootstrap(services.db, services.hasher, ADMIN_EMAIL, None)
    assert not report.admin_password_ignored


async def test_another_password_is_ignored_and_reported(services: Services) -> None:
    report = await bootstrap(services.db, services.hasher, ADMIN_EMAIL, "not-the-password-9")
    assert not report.admin_created
    assert report.admin_password_ignored
    user_id = await services.users.id_by_email(ADMIN_EMAIL)
    assert user_id is not None
    assert await services.hasher.verify(ADMIN_PASSWORD, await _hash_of(services, ADMIN_EMAIL))


async def test_an_unknown_admin_email_is_reported(services: Services) -> None:
    report = await bootstrap(services.db, services.hasher, "other@example.com", ADMIN_PASSWORD)
    assert report.admin_password_ignored
    assert await services.users.id_by_email("other@example.com") is None


async def _hash_of(services: Services, email: str) -> str:
    async with services.db.read() as session:
        user = await users_repo.get_by_email(session, email)
    assert user is not None
    assert user.password is not None
    return user.password
