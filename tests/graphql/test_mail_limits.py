"""RATE_LIMITER_EMAIL_*: at most POINTS mails to one inbox per DURATION, whoever asks.

Password-reset requests beyond the share still answer `true` (no mail, the same answer as
for an unknown address, so nothing tells which addresses have accounts); an invitation
re-send beyond it is refused with REQUESTS_EXCEEDED (the inviter may see the users) and
changes nothing; a verification mail beyond it is not sent.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import redis.asyncio

from app.db.models import new_id
from app.services.container import Services
from tests.conftest import REDIS, create_role, create_user, gql
from tests.databases import worker_redis_db
from tests.graphql.helpers import delete_user
from tests.graphql.test_invites import INVITE, USER_BY_EMAIL
from tests.graphql.test_registration import REGISTER, enable_registration, user_rows
from tests.mail_links import delivered, smtp_settings
from tests.mail_server import Inbox

USER_EMAIL = "reader@example.com"
OTHER_EMAIL = "other-reader@example.com"
GUEST = "guest@example.com"
POINTS = 2
REQUEST = "mutation Request($email: String!) { auth_password_request(email: $email) }"
ANSWERED = {"data": {"auth_password_request": True}}


def limited_settings(port: int, **extra: Any) -> dict[str, Any]:
    return smtp_settings(
        port, rate_limiter_email_points=POINTS, rate_limiter_email_duration=60, **extra
    )


@pytest.fixture
def settings_overrides(smtp: tuple[int, Inbox]) -> dict[str, Any]:
    return limited_settings(smtp[0])


@pytest.fixture
async def reader(services: Services) -> str:
    return (await create_user(services, USER_EMAIL)).id


async def request_reset(client: httpx.AsyncClient, email: str) -> None:
    """Every request gets the same answer, mail or not."""
    reply = await gql(client, REQUEST, {"email": email})
    assert reply.status == 200, reply.body
    assert reply.body == ANSWERED


async def test_reset_mails_stop_at_the_share_and_the_answer_never_changes(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, reader: str
) -> None:
    for _ in range(POINTS + 2):
        await request_reset(client, USER_EMAIL)
        await request_reset(client, "nobody@example.com")
    await delivered(services, inbox)
    assert len(inbox.to(USER_EMAIL)) == POINTS
    assert len(inbox.messages) == POINTS


async def test_the_share_is_per_inbox_whatever_the_case(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, reader: str
) -> None:
    await create_user(services, OTHER_EMAIL)
    await request_reset(client, USER_EMAIL)
    await request_reset(client, USER_EMAIL.upper())
    await request_reset(client, "Reader@Example.com")
    await request_reset(client, OTHER_EMAIL)
    await delivered(services, inbox)
    assert len(inbox.to(USER_EMAIL)) == POINTS
    assert len(inbox.to(OTHER_EMAIL)) == 1


async def test_an_invitation_resend_past_the_share_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str
) -> None:
    roles = [new_id() for _ in range(POINTS + 1)]
    for index, role_id in enumerate(roles):
        await create_role(services, role_id, f"Role {index}")
    for role_id in roles[:POINTS]:
        sent = await gql(client, INVITE, {"email": GUEST, "role": role_id}, token=admin_token)
        assert sent.body == {"data": {"users_invite": True}}, sent.body

    refused = await gql(client, INVITE, {"email": GUEST, "role": roles[-1]}, token=admin_token)
    assert refused.status == 429, refused.body
    assert refused.codes == ["REQUESTS_EXCEEDED"], refused.body
    assert refused.response.headers["retry-after"].isdigit()
    (row,) = (await gql(client, USER_BY_EMAIL, {"email": GUEST}, token=admin_token)).data["users"]
    assert row["role"] == {"id": roles[POINTS - 1]}
    assert row["status"] == "invited"
    await delivered(services, inbox)
    assert len(inbox.to(GUEST)) == POINTS


async def test_a_verification_mail_past_the_share_is_not_sent(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, reader: str
) -> None:
    """The inbox had its share from reset mails (to an account since deleted): registering
    the address answers `true` and creates the user, and no third mail goes out."""
    for _ in range(POINTS):
        await request_reset(client, USER_EMAIL)
    await delete_user(services, reader)
    role_id = new_id()
    await create_role(services, role_id, "Members")
    await enable_registration(client, admin_token, role_id)

    reply = await gql(client, REGISTER, {"email": USER_EMAIL, "password": "newcomer-password-1"})
    assert reply.body == {"data": {"users_register": True}}, reply.body
    (row,) = await user_rows(client, admin_token, USER_EMAIL)
    assert row["status"] == "unverified"
    await delivered(services, inbox)
    assert [message["Subject"] for message in inbox.to(USER_EMAIL)] == [
        "Password Reset Request"
    ] * POINTS


class TestSwitchedOff:
    @pytest.fixture
    def settings_overrides(self, smtp: tuple[int, Inbox]) -> dict[str, Any]:
        return limited_settings(smtp[0], rate_limiter_email_enabled=False)

    async def test_every_request_is_mailed(
        self, client: httpx.AsyncClient, services: Services, inbox: Inbox, reader: str
    ) -> None:
        for _ in range(POINTS + 2):
            await request_reset(client, USER_EMAIL)
        await delivered(services, inbox)
        assert len(inbox.to(USER_EMAIL)) == POINTS + 2


async def redis_keys(database: int) -> list[str]:
    probe = redis.asyncio.Redis(host=REDIS[0], port=REDIS[1], db=database, decode_responses=True)
    try:
        return [str(key) for key in await probe.keys("*")]
    finally:
        await probe.aclose()


class TestRedisStore:
    @pytest.fixture
    def settings_overrides(self, smtp: tuple[int, Inbox], require_redis: None) -> dict[str, Any]:
        return limited_settings(
            smtp[0],
            rate_limiter_store="redis",
            # A database of this worker's own: these tests reset every counter in it.
            rate_limiter_redis=f"redis://{REDIS[0]}:{REDIS[1]}/{worker_redis_db()}",
        )

    @pytest.fixture
    async def fresh_limits(self, services: Services) -> None:
        await services.rate_limits.reset()

    async def test_the_share_holds_and_redis_never_sees_the_address(
        self,
        client: httpx.AsyncClient,
        services: Services,
        inbox: Inbox,
        reader: str,
        fresh_limits: None,
    ) -> None:
        for _ in range(POINTS + 1):
            await request_reset(client, USER_EMAIL)
        await delivered(services, inbox)
        assert len(inbox.to(USER_EMAIL)) == POINTS
        keys = await redis_keys(worker_redis_db())
        assert any("mail" in key for key in keys), keys
        assert not any("reader" in key.lower() for key in keys), keys
