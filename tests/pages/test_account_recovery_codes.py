"""TFA recovery codes on the pages: shown once by the answer that turns TFA on, counted on the
account page, replaced by its form (a current TOTP code), and taken by the login page's
code step in place of a TOTP code."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import httpx
from starlette.applications import Starlette

from app.clock import SettableClock
from app.services.container import Services
from tests.conftest import app_client, create_user
from tests.graphql.helpers import totp
from tests.graphql.recovery_helpers import SHOWN, loosely_typed
from tests.pages.account_helpers import ACCOUNT, form_secret, next_page, sign_in, submit
from tests.pages.page_forms import hidden

EMAIL = "pages.recovery@example.com"
PASSWORD = "pages-recovery-password-1"
TFA = ACCOUNT + "/tfa"
REGENERATE = TFA + "/recovery-codes"
WINDOW = timedelta(seconds=30)


def shown_codes(html: str) -> list[str]:
    start = html.index('id="tfa-recovery-codes"')
    return SHOWN.findall(html[start : html.index("</ul>", start)])


def left_on(html: str) -> str:
    """The count line's text, markup dropped."""
    start = html.index('id="tfa-recovery-left">') + len('id="tfa-recovery-left">')
    text = re.sub(r"<[^>]+>", "", html[start : html.index("</p>", start)])
    return " ".join(unescape(text).split())


async def turn_on(client: httpx.AsyncClient, clock: SettableClock) -> tuple[str, list[str]]:
    shown = await submit(client, TFA + "/generate", {"password": PASSWORD})
    secret = form_secret(shown.text)
    enabled = await submit(client, TFA + "/enable", {"secret": secret, "otp": totp(secret, clock)})
    assert enabled.status_code == 200, enabled.text
    clock.advance(WINDOW)
    return secret, shown_codes(enabled.text)


async def sign_in_with(client: httpx.AsyncClient, otp: str) -> httpx.Response:
    """The login page's two steps: the password, then `otp` in the code field."""
    first = await submit(
        client, "/admin/login", {"email": EMAIL, "password": PASSWORD}, page="/admin/login"
    )
    assert first.status_code == 200
    assert "one of your recovery codes" in first.text
    fields = {name: hidden(first.text, name) for name in ("email", "password", "redirect")}
    return await submit(client, "/admin/login", {**fields, "otp": otp}, page="/admin/login")


async def test_enable_shows_the_codes_once_and_the_page_counts_them(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    await create_user(services, EMAIL, PASSWORD)
    await sign_in(client, EMAIL, PASSWORD)
    _, codes = await turn_on(client, clock)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    page = await client.get(ACCOUNT)
    assert 'id="tfa-recovery-codes"' not in page.text
    assert not set(SHOWN.findall(page.text)) & set(codes)
    assert left_on(page.text).startswith("Recovery codes left: 10 of 10")
    assert 'action="/admin/account/tfa/recovery-codes"' in page.text


async def test_the_login_page_takes_a_recovery_code_once(
    app: Starlette, client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    await create_user(services, EMAIL, PASSWORD)
    await sign_in(client, EMAIL, PASSWORD)
    _, codes = await turn_on(client, clock)

    async with app_client(app) as browser:
        signed_in = await sign_in_with(browser, loosely_typed(codes[0]))
        assert next_page(signed_in) == ACCOUNT
        page = await browser.get(ACCOUNT)
        assert left_on(page.text).startswith("Recovery codes left: 9 of 10")
    async with app_client(app) as browser:
        refused = await sign_in_with(browser, codes[0])
        assert refused.status_code == 401
        assert "Invalid user OTP." in refused.text


async def test_regenerate_needs_a_current_code_and_replaces_the_set(
    app: Starlette, client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    await create_user(services, EMAIL, PASSWORD)
    await sign_in(client, EMAIL, PASSWORD)
    secret, old = await turn_on(client, clock)

    wrong = await submit(client, REGENERATE, {"otp": "000000"})
    assert wrong.status_code == 400
    assert 'id="recovery-error"' in wrong.text
    assert '"otp" is invalid' in unescape(wrong.text)
    assert 'id="tfa-recovery-codes"' not in wrong.text

    made = await submit(client, REGENERATE, {"otp": totp(secret, clock)})
    assert made.status_code == 200
    assert "You have new recovery codes." in made.text
    new = shown_codes(made.text)
    assert len(new) == 10
    assert not set(new) & set(old)
    async with app_client(app) as browser:
        assert (await sign_in_with(browser, old[1])).status_code == 401
    async with app_client(app) as browser:
        assert next_page(await sign_in_with(browser, new[1])) == ACCOUNT
