"""Review (helper 7): a GET to any account page with a bogus `?access_token=` clears the
browser's live session cookie (the page wrapper reads the failed authentication as a dead
cookie). Any site can send a browser there with a top-level link or redirect, so a GET
signs the user out of the browser, which POST /admin/logout (CSRF-checked, never a GET)
exists to prevent. A token the request itself carries in its URL is no cookie of the
browser's: its failure must not clear the cookie.
"""

from __future__ import annotations

import httpx

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, gql
from tests.pages.page_forms import csrf_token, post_form

LOGIN = "/admin/login"
SESSION_COOKIE = "directus_session_token"


async def _sign_in(client: httpx.AsyncClient) -> None:
    token = await csrf_token(client, LOGIN)
    answer = await post_form(
        client, LOGIN, {"csrf_token": token, "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    assert answer.status_code == 303, answer.text
    assert client.cookies.get(SESSION_COOKIE)


async def test_a_bogus_access_token_in_the_url_does_not_clear_the_session_cookie(
    client: httpx.AsyncClient,
) -> None:
    await _sign_in(client)
    answer = await client.get("/admin/login?access_token=not-a-token")
    cleared = [
        header
        for header in answer.headers.get_list("set-cookie")
        if header.startswith(f"{SESSION_COOKIE}=;")
    ]
    assert cleared == [], cleared
    # Still signed in, in the page and for the API.
    me = await gql(client, "{ users_me { email } }")
    assert me.data["users_me"]["email"] == ADMIN_EMAIL
    page = await client.get("/admin/account")
    assert page.status_code == 200, page.headers
