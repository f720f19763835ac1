"""The account page's sessions: the list (this browser marked), "sign out" per session and
"sign out everywhere else", through the sessions API's service."""

from __future__ import annotations

from html import unescape
from typing import Any

import httpx

from app.services.container import Services
from tests.conftest import app_client, create_user, gql, login
from tests.pages.account_helpers import ACCOUNT, next_page, sign_in, submit
from tests.pages.page_forms import csrf_token, inputs, post_form

PASSWORD = "user-password-1"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _session_ids(html: str) -> list[str]:
    return [
        field.get("value") or ""
        for field in inputs(html)
        if field.get("type") == "hidden" and field.get("name") == "session"
    ]


async def test_the_list_marks_this_browser_and_signs_another_out(
    app: Any, services: Services
) -> None:
    await create_user(services, "two@example.com", PASSWORD)
    async with app_client(app) as first, app_client(app) as second:
        second.headers["user-agent"] = FIREFOX
        await sign_in(first, "two@example.com", PASSWORD)
        await sign_in(second, "two@example.com", PASSWORD)
        page = await first.get(ACCOUNT)
        assert page.status_code == 200
        ids = _session_ids(page.text)
        assert len(ids) == 2
        assert page.text.count('<tr class="current">') == 1
        assert "(this browser)" in page.text
        assert "Firefox 128 on Linux" in page.text
        assert "Sign out everywhere else" in page.text
        mine = await gql(first, "{ users_me_sessions { id current } }")
        current = [row["id"] for row in mine.data["users_me_sessions"] if row["current"]]
        other = next(item for item in ids if item not in current)

        answer = await submit(first, ACCOUNT + "/sessions/revoke", {"session": other})
        assert next_page(answer) == ACCOUNT + "?done=session"
        after = await first.get(answer.headers["location"])
        assert "That session was signed out." in after.text
        assert _session_ids(after.text) == current
        # The other browser's next request is refused: its page sends it to sign in.
        refused = await second.get(ACCOUNT)
        assert next_page(refused).startswith("/admin/login")
        assert "directus_session_token=;" in refused.headers["set-cookie"]


async def test_signing_out_everywhere_else_keeps_this_browser(app: Any, services: Services) -> None:
    await create_user(services, "many@example.com", PASSWORD)
    async with app_client(app) as first, app_client(app) as second:
        refresh = (await login(first, "many@example.com", PASSWORD))["refresh_token"]
        await sign_in(second, "many@example.com", PASSWORD)
        await sign_in(first, "many@example.com", PASSWORD)
        assert len(_session_ids((await first.get(ACCOUNT)).text)) == 3
        answer = await submit(first, ACCOUNT + "/sessions/others", {})
        assert next_page(answer) == ACCOUNT + "?done=others"
        page = await first.get(answer.headers["location"])
        assert "Every other session of yours was signed out." in page.text
        assert len(_session_ids(page.text)) == 1
        assert "Sign out everywhere else" not in page.text
        assert next_page(await second.get(ACCOUNT)).startswith("/admin/login")
        reused = await gql(
            first,
            "mutation R($t: String) { auth_refresh(refresh_token: $t) { expires } }",
            {"t": refresh},
        )
        assert reused.codes == ["INVALID_CREDENTIALS"]


async def test_another_users_session_cannot_be_ended(
    client: httpx.AsyncClient, app: Any, services: Services
) -> None:
    await create_user(services, "mine@example.com", PASSWORD)
    await create_user(services, "theirs@example.com", PASSWORD)
    async with app_client(app) as victim:
        await sign_in(victim, "theirs@example.com", PASSWORD)
        theirs = _session_ids((await victim.get(ACCOUNT)).text)
        await sign_in(client, "mine@example.com", PASSWORD)
        for target in (*theirs, "not-a-session", ""):
            answer = await submit(client, ACCOUNT + "/sessions/revoke", {"session": target})
            assert answer.status_code == 403, target
            assert 'id="sessions-error"' in answer.text
            assert "You don't have permission to access this." in unescape(answer.text)
        assert (await victim.get(ACCOUNT)).status_code == 200


async def test_session_forms_need_the_form_token(
    client: httpx.AsyncClient, app: Any, services: Services
) -> None:
    await create_user(services, "csrf@example.com", PASSWORD)
    await sign_in(client, "csrf@example.com", PASSWORD)
    ids = _session_ids((await client.get(ACCOUNT)).text)
    for path, fields in (
        (ACCOUNT + "/sessions/revoke", {"session": ids[0]}),
        (ACCOUNT + "/sessions/others", {}),
    ):
        answer = await post_form(client, path, fields)
        assert answer.status_code == 403, path
    assert (await client.get(ACCOUNT)).status_code == 200
    # Anonymous posts (with a token of the login page) go to the login.
    async with app_client(app) as anon:
        token = await csrf_token(anon, "/admin/login")
        answer = await post_form(anon, ACCOUNT + "/sessions/others", {"csrf_token": token})
        assert next_page(answer).startswith("/admin/login")
