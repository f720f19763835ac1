"""Reading the account pages as a browser would: their forms' hidden fields, and posting them."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import httpx

FORM = {"content-type": "application/x-www-form-urlencoded"}


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "input":
            self.inputs.append(dict(attrs))


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str | None] = []
        self.inline = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.sources.append(dict(attrs).get("src"))

    def handle_data(self, data: str) -> None:
        if self.lasttag == "script":
            self.inline += data.strip()


def script_sources(html: str) -> list[str | None]:
    """The `src` of every script of the page; a script with code inline fails the test (the
    pages' CSP would refuse to run it)."""
    parser = _Scripts()
    parser.feed(html)
    assert parser.inline == "", parser.inline
    return parser.sources


def inputs(html: str) -> list[dict[str, str | None]]:
    parser = _Inputs()
    parser.feed(html)
    return parser.inputs


def hidden(html: str, name: str) -> str:
    """The value of the page's hidden input `name` (the first form that has one)."""
    for field in inputs(html):
        if field.get("type") == "hidden" and field.get("name") == name:
            return field.get("value") or ""
    raise AssertionError(f"no hidden input {name!r} in the page")


async def csrf_token(client: httpx.AsyncClient, path: str) -> str:
    """Opens the page (which sets the browser's CSRF cookie) and reads its form token."""
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return hidden(page.text, "csrf_token")


async def post_form(
    client: httpx.AsyncClient, path: str, fields: dict[str, Any], **kwargs: Any
) -> httpx.Response:
    return await client.post(path, data=fields, headers={**FORM, **kwargs.pop("headers", {})})


async def post_new_password(
    client: httpx.AsyncClient,
    path: str,
    page: httpx.Response,
    password: str,
    again: str | None = None,
) -> httpx.Response:
    """Submits a mailed link's set-a-password form (reset, invitation) as the browser fills
    it: its CSRF and link tokens, the password and its confirmation (`again`, if given)."""
    fields = {
        "csrf_token": hidden(page.text, "csrf_token"),
        "token": hidden(page.text, "token"),
        "password": password,
        "password_confirm": password if again is None else again,
    }
    return await post_form(client, path, fields)
