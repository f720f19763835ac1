"""Signing a test browser in through /admin/login and posting the account page's forms."""

from __future__ import annotations

from typing import Any

import httpx

from tests.pages.page_forms import csrf_token, hidden, post_form

ACCOUNT = "/admin/account"


async def sign_in(client: httpx.AsyncClient, email: str, password: str) -> str:
    """Signs in on the login page; returns the session cookie's value."""
    token = await csrf_token(client, "/admin/login")
    answer = await post_form(
        client, "/admin/login", {"csrf_token": token, "email": email, "password": password}
    )
    assert answer.status_code == 303, answer.text
    cookie = client.cookies.get("directus_session_token")
    assert cookie
    return cookie


async def submit(
    client: httpx.AsyncClient, path: str, fields: dict[str, Any], page: str = ACCOUNT
) -> httpx.Response:
    """Opens `page` (for its form token) and posts `fields` to `path`, as the browser does."""
    token = await csrf_token(client, page)
    return await post_form(client, path, {"csrf_token": token, **fields})


def next_page(answer: httpx.Response) -> str:
    assert answer.status_code == 303, answer.text
    location: str = answer.headers["location"]
    return location


def form_secret(html: str) -> str:
    return hidden(html, "secret")
