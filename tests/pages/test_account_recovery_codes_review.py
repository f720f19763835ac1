"""TFA recovery codes on the pages, from an attacker's review: the form that makes a new set
is refused without the page's CSRF token (nothing replaced, no code spent), the answers that
show codes are never cached, and enabling a secret posted again shows no codes it did not
store."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from app.clock import SettableClock
from app.services.container import Services
from tests.conftest import app_client, create_user
from tests.graphql.helpers import totp
from tests.pages.account_helpers import ACCOUNT, next_page, sign_in, submit
from tests.pages.page_forms import post_form
from tests.pages.test_account_recovery_codes import (
    EMAIL,
    PASSWORD,
    REGENERATE,
    TFA,
    WINDOW,
    left_on,
    shown_codes,
    sign_in_with,
    turn_on,
)


async def test_a_cross_site_regenerate_is_refused_and_replaces_nothing(
    app: Starlette, client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    await create_user(services, EMAIL, PASSWORD)
    await sign_in(client, EMAIL, PASSWORD)
    secret, codes = await turn_on(client, clock)
    code = totp(secret, clock)
    forged = await post_form(client, REGENERATE, {"otp": code})
    assert forged.status_code == 403
    assert 'id="tfa-recovery-codes"' not in forged.text
    wrong_token = await post_form(client, REGENERATE, {"otp": code, "csrf_token": "x" * 40})
    assert wrong_token.status_code == 403
    page = await client.get(ACCOUNT)
    assert left_on(page.text).startswith("Recovery codes left: 10 of 10")
    # The TOTP code was not spent by the refused posts: the real form still takes it.
    made = await submit(client, REGENERATE, {"otp": code})
    assert made.status_code == 200
    assert made.headers["cache-control"] == "no-store"
    assert len(shown_codes(made.text)) == 10
    async with app_client(app) as browser:
        assert (await sign_in_with(browser, codes[0])).status_code == 401


async def test_the_answer_that_turns_tfa_on_is_not_cached_and_a_replayed_secret_shows_none(
    app: Starlette, client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    await create_user(services, EMAIL, PASSWORD)
    await sign_in(client, EMAIL, PASSWORD)
    shown = await submit(client, TFA + "/generate", {"password": PASSWORD})
    assert shown.headers["cache-control"] == "no-store"
    secret, codes = await turn_on(client, clock)
    async with app_client(app) as browser:
        assert next_page(await sign_in_with(browser, codes[0])) == ACCOUNT
    off = await submit(client, TFA + "/disable", {"otp": totp(secret, clock)})
    assert off.status_code in (200, 303)
    clock.advance(WINDOW)
    # The old secret posted to the enable form again (it takes any well-formed secret).
    again = await submit(client, TFA + "/enable", {"secret": secret, "otp": totp(secret, clock)})
    assert again.status_code == 200, again.text
    assert again.headers["cache-control"] == "no-store"
    assert 'id="tfa-recovery-codes"' not in again.text
    assert left_on(again.text).startswith("Recovery codes left: 0 of 10")
    async with app_client(app) as browser:
        assert (await sign_in_with(browser, codes[0])).status_code == 401
    async with app_client(app) as browser:
        assert (await sign_in_with(browser, codes[1])).status_code == 401
