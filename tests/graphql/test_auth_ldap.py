"""LDAP logins against a real slapd: REST POST /auth/login/:provider with the directory's
identifier, and GraphQL auth_login for users whose provider is the LDAP one. The directory
decides the password; groups decide the role; the local rules (lockout, TFA, status) still hold.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pyotp
import pytest
from sqlmodel import col, select

from app.db.models import Activity, User
from app.errors import ServiceUnavailableError
from app.services.container import Services
from app.sso.ldap import LdapDirectory
from tests.conftest import LOGIN, create_role, gql
from tests.ldap_server import (
    ADA,
    GRACE,
    GROUP_NAME,
    POSIX_GROUP_NAME,
    RunningSlapd,
    ldap_provider_settings,
    running_slapd,
)

PROVIDER = "corp"
EDITORS_ROLE = "6a1a4b1e-0000-4000-8000-00000000ed17"
DEFAULT_ROLE = "6a1a4b1e-0000-4000-8000-0000000def00"
OTHER_NAME_ROLE = "6a1a4b1e-0000-4000-8000-000000000077"
AUDITORS_ROLE = "6a1a4b1e-0000-4000-8000-0000000a0d17"


@pytest.fixture(scope="module")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSlapd]:
    with running_slapd(tmp_path_factory.mktemp("slapd")) as server:
        yield server


@pytest.fixture
def settings_overrides(slapd: RunningSlapd) -> dict[str, Any]:
    return {
        "auth_providers": f"{PROVIDER.upper()},down,posix",
        **ldap_provider_settings(PROVIDER, slapd, default_role_id=DEFAULT_ROLE),
        # A second LDAP provider whose directory is not there.
        **ldap_provider_settings("down", RunningSlapd("ldap://127.0.0.1:9", 9, slapd.workdir)),
        # The same directory, groups read through memberUid.
        **ldap_provider_settings("posix", slapd, group_attribute="memberUid"),
        "auth_lockout_threshold": 3,
    }


@pytest.fixture
async def roles(services: Services) -> None:
    await create_role(services, EDITORS_ROLE, GROUP_NAME.lower())  # names match case-insensitively
    await create_role(services, DEFAULT_ROLE, "Directory users")
    await create_role(services, OTHER_NAME_ROLE, "Viewers")
    await create_role(services, AUDITORS_ROLE, POSIX_GROUP_NAME)


async def provider_login(
    client: httpx.AsyncClient, identifier: str, password: str, **extra: Any
) -> httpx.Response:
    return await client.post(
        f"/auth/login/{PROVIDER}",
        json={"identifier": identifier, "password": password, **extra},
    )


async def local_user(services: Services, dn: str) -> User | None:
    async with services.db.read() as session:
        statement = select(User).where(col(User.external_identifier) == dn)
        return (await session.exec(statement)).first()


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code


@pytest.mark.usefixtures("roles")
async def test_first_login_creates_the_user_from_the_directory_with_the_group_role(
    client: httpx.AsyncClient, services: Services
) -> None:
    response = await provider_login(client, ADA.uid, ADA.password)
    assert response.status_code == 200, response.text
    tokens = response.json()["data"]
    assert tokens["access_token"]
    assert tokens["refresh_token"]
    user = await local_user(services, ADA.dn)
    assert user is not None
    assert (user.provider, user.email, user.first_name, user.last_name) == (
        PROVIDER,
        ADA.mail,
        ADA.given_name,
        ADA.surname,
    )
    assert user.password is None
    assert user.status == "active"
    assert user.role == EDITORS_ROLE
    me = await client.get(
        "/users/me",
        params={"fields": "email,role.id"},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert me.json()["data"] == {"email": ADA.mail, "role": {"id": EDITORS_ROLE}}


@pytest.mark.usefixtures("roles")
async def test_a_user_in_no_group_gets_the_default_role_and_logins_link_the_same_user(
    client: httpx.AsyncClient, services: Services
) -> None:
    first = await provider_login(client, GRACE.uid, GRACE.password)
    assert first.status_code == 200, first.text
    created = await local_user(services, GRACE.dn)
    assert created is not None
    assert created.role == DEFAULT_ROLE
    second = await provider_login(client, GRACE.uid.upper(), GRACE.password)
    assert second.status_code == 200, second.text
    again = await local_user(services, GRACE.dn)
    assert again is not None
    assert again.id == created.id
    async with services.db.read() as session:
        rows = (await session.exec(select(User).where(col(User.provider) == PROVIDER))).all()
    assert len(rows) == 1


@pytest.mark.usefixtures("roles")
async def test_groups_that_list_members_by_uid_map_to_roles_too(
    client: httpx.AsyncClient, services: Services
) -> None:
    grace = await client.post(
        "/auth/login/posix", json={"identifier": GRACE.uid, "password": GRACE.password}
    )
    assert grace.status_code == 200, grace.text
    user = await local_user(services, GRACE.dn)
    assert user is not None
    assert (user.provider, user.role) == ("posix", AUDITORS_ROLE)


@pytest.mark.usefixtures("roles")
async def test_the_role_follows_the_groups_on_every_login(
    client: httpx.AsyncClient, services: Services
) -> None:
    assert (await provider_login(client, ADA.uid, ADA.password)).status_code == 200
    user = await local_user(services, ADA.dn)
    assert user is not None
    async with services.db.write() as session:
        row = await session.get(User, user.id)
        assert row is not None
        row.role = OTHER_NAME_ROLE  # changed here; the directory still says Editors
    assert (await provider_login(client, ADA.uid, ADA.password)).status_code == 200
    user = await local_user(services, ADA.dn)
    assert user is not None
    assert user.role == EDITORS_ROLE


@pytest.mark.usefixtures("roles")
@pytest.mark.parametrize(
    ("identifier", "password"),
    [
        (ADA.uid, "not-her-password"),
        (ADA.uid, ""),  # an empty password would be an anonymous bind: never a login
        ("nobody", ADA.password),
        ("*", ADA.password),  # a filter wildcard, escaped: no such uid
        ("ada)(uid=*", ADA.password),
        ("a*", ADA.password),
        ("x" * 300, ADA.password),
    ],
    ids=["wrong-password", "empty-password", "unknown", "star", "injection", "prefix", "long"],
)
async def test_wrong_credentials_are_invalid_credentials_and_create_nobody(
    client: httpx.AsyncClient, services: Services, identifier: str, password: str
) -> None:
    response = await provider_login(client, identifier, password)
    assert response.status_code == 401, response.text
    assert error_code(response) == "INVALID_CREDENTIALS"
    assert await local_user(services, ADA.dn) is None
    async with services.db.read() as session:
        failures = (
            await session.exec(select(Activity).where(col(Activity.action) == "login.failed"))
        ).all()
    assert len(failures) == 1


@pytest.mark.usefixtures("roles")
async def test_graphql_auth_login_works_for_a_directory_user_by_email(
    client: httpx.AsyncClient, services: Services
) -> None:
    assert (await provider_login(client, ADA.uid, ADA.password)).status_code == 200
    reply = await gql(client, LOGIN, {"email": ADA.mail.upper(), "password": ADA.password})
    assert reply.codes == [], reply.body
    assert reply.data["auth_login"]["access_token"]
    wrong = await gql(client, LOGIN, {"email": ADA.mail, "password": "wrong-password"})
    assert wrong.codes == ["INVALID_CREDENTIALS"]
    assert "data" not in wrong.body


@pytest.mark.usefixtures("roles")
async def test_failed_directory_logins_count_and_lock_like_local_ones(
    client: httpx.AsyncClient, services: Services
) -> None:
    assert (await provider_login(client, ADA.uid, ADA.password)).status_code == 200
    for _ in range(3):  # AUTH_LOCKOUT_THRESHOLD
        assert error_code(await provider_login(client, ADA.uid, "wrong")) == "INVALID_CREDENTIALS"
    locked = await provider_login(client, ADA.uid, ADA.password)
    assert locked.status_code == 401
    assert error_code(locked) == "INVALID_CREDENTIALS"
    by_email = await gql(client, LOGIN, {"email": ADA.mail, "password": ADA.password})
    assert by_email.codes == ["INVALID_CREDENTIALS"]
    user = await local_user(services, ADA.dn)
    assert user is not None
    assert user.failed_login_attempts == 3
    assert user.locked_until is not None


@pytest.mark.usefixtures("roles")
async def test_passwords_the_directory_cannot_receive_are_wrong_ones_and_count(
    client: httpx.AsyncClient, services: Services
) -> None:
    """ldap3 refuses to send a password its SASLprep rejects (private use, bidi mix,
    left-to-right mark): that is a wrong password, counted toward the lock, not a directory
    failure that left the attempt's claim in flight (each used to answer 503 and hold one of
    the account's slots, so a few requests kept the owner out)."""
    assert (await provider_login(client, ADA.uid, ADA.password)).status_code == 200
    for password in ("\ue000", "a\u05d0", "\u200e"):
        response = await provider_login(client, ADA.uid, password)
        assert response.status_code == 401
        assert error_code(response) == "INVALID_CREDENTIALS"
    user = await local_user(services, ADA.dn)
    assert user is not None
    assert user.failed_login_attempts == 3
    assert user.login_claims == 0
    assert user.locked_until is not None


@pytest.mark.usefixtures("roles")
async def test_a_directory_failure_during_the_bind_frees_the_claim(
    client: httpx.AsyncClient, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The directory fails after the attempt was claimed: 503, nothing counted, and the
    claim no longer in flight, so the owner's next login gets in at once."""
    assert (await provider_login(client, ADA.uid, ADA.password)).status_code == 200

    async def down(*_: object) -> bool:
        raise ServiceUnavailableError()

    with monkeypatch.context() as patch:
        patch.setattr(LdapDirectory, "verify", down)
        for _ in range(3):  # AUTH_LOCKOUT_THRESHOLD
            assert (await provider_login(client, ADA.uid, ADA.password)).status_code == 503
    user = await local_user(services, ADA.dn)
    assert user is not None
    assert (user.login_claims, user.failed_login_attempts) == (0, 0)
    assert (await provider_login(client, ADA.uid, ADA.password)).status_code == 200


@pytest.mark.usefixtures("roles")
async def test_tfa_still_applies_and_a_suspended_user_stays_out(
    client: httpx.AsyncClient, services: Services
) -> None:
    assert (await provider_login(client, ADA.uid, ADA.password)).status_code == 200
    user = await local_user(services, ADA.dn)
    assert user is not None
    secret = pyotp.random_base32()
    async with services.db.write() as session:
        row = await session.get(User, user.id)
        assert row is not None
        row.tfa_secret = secret
    without = await provider_login(client, ADA.uid, ADA.password)
    assert error_code(without) == "INVALID_OTP"
    with_otp = await provider_login(client, ADA.uid, ADA.password, otp=pyotp.TOTP(secret).now())
    assert with_otp.status_code == 200, with_otp.text
    async with services.db.write() as session:
        row = await session.get(User, user.id)
        assert row is not None
        row.status = "suspended"
    suspended = await provider_login(client, ADA.uid, ADA.password)
    assert error_code(suspended) == "INVALID_CREDENTIALS"


@pytest.mark.usefixtures("roles")
async def test_cookie_and_session_modes_work_as_for_password_logins(
    client: httpx.AsyncClient,
) -> None:
    cookie = await provider_login(client, ADA.uid, ADA.password, mode="cookie")
    assert cookie.status_code == 200
    assert "refresh_token" not in cookie.json()["data"]
    assert "directus_refresh_token=" in cookie.headers["set-cookie"]
    session = await provider_login(client, ADA.uid, ADA.password, mode="session")
    assert session.status_code == 200
    assert set(session.json()["data"]) == {"expires"}
    assert "directus_session_token=" in session.headers["set-cookie"]


async def test_a_directory_that_is_down_is_service_unavailable_without_details(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/auth/login/down", json={"identifier": ADA.uid, "password": ADA.password}
    )
    assert response.status_code == 503
    assert response.json() == {
        "errors": [
            {"message": "Service unavailable.", "extensions": {"code": "SERVICE_UNAVAILABLE"}}
        ]
    }


async def test_an_unknown_or_non_ldap_provider_is_invalid_provider(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/auth/login/nosuch", json={"identifier": ADA.uid, "password": ADA.password}
    )
    assert response.status_code == 403
    assert error_code(response) == "INVALID_PROVIDER"


async def test_the_body_is_checked_like_the_password_login(client: httpx.AsyncClient) -> None:
    response = await client.post(f"/auth/login/{PROVIDER}", json={"password": ADA.password})
    assert response.status_code == 400
    assert error_code(response) == "INVALID_PAYLOAD"


TFA_GENERATE = """
mutation Generate($password: String!) {
  users_me_tfa_generate(password: $password) { secret }
}
"""


@pytest.mark.usefixtures("roles")
async def test_tfa_generate_asks_the_directory_for_an_ldap_users_password(
    client: httpx.AsyncClient,
) -> None:
    token = (await provider_login(client, ADA.uid, ADA.password)).json()["data"]["access_token"]
    wrong = await gql(client, TFA_GENERATE, {"password": "not-her-password"}, token=token)
    assert wrong.codes == ["INVALID_CREDENTIALS"]
    right = await gql(client, TFA_GENERATE, {"password": ADA.password}, token=token)
    assert right.codes == [], right.body
    assert right.data["users_me_tfa_generate"]["secret"]


async def test_directory_logins_are_logged_with_their_outcome(
    client: httpx.AsyncClient, roles: None, caplog: pytest.LogCaptureFixture
) -> None:
    """The directory's verdicts get the same reason classes as local passwords."""
    assert (await provider_login(client, "nobody-here", "whatever-pass-1")).status_code == 401
    assert (await provider_login(client, ADA.uid, "not-adas-password")).status_code == 401
    assert (await provider_login(client, ADA.uid, ADA.password)).status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "app.access"]
    assert [line.split(" ip=203.0.113.7", 1)[1] for line in lines] == [
        " login=failed reason=unknown_user",
        " login=failed reason=wrong_password",
        " login=ok",
    ]
    assert ADA.password not in caplog.text
    assert "not-adas-password" not in caplog.text
