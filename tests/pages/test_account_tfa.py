"""Two-factor set-up on /admin/account and /admin/tfa-setup: the same TfaService calls as
users_me_tfa_generate / enable / disable, a QR code drawn on the server, wrong and right codes."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import httpx
import pyotp

from app.clock import SettableClock
from app.db.models import Permission, Role
from app.pages.qr import qr_svg
from app.repositories import policies as policies_repo
from app.services.container import Services
from tests.conftest import create_user, gql
from tests.graphql.mutation_seed import stored_user
from tests.pages.account_helpers import ACCOUNT, form_secret, next_page, sign_in, submit
from tests.pages.page_forms import hidden, script_sources

PASSWORD = "user-password-1"
TFA = ACCOUNT + "/tfa"
SETUP = "/admin/tfa-setup"


def _code(secret: str, clock: SettableClock) -> str:
    return pyotp.TOTP(secret).at(clock.now())


def _shown_url(html: str) -> str:
    start = html.index('id="tfa-otpauth-url">') + len('id="tfa-otpauth-url">')
    return unescape(html[start : html.index("</code>", start)])


async def test_generate_needs_the_password_then_shows_the_qr_code(
    client: httpx.AsyncClient, services: Services
) -> None:
    await create_user(services, "qr@example.com", PASSWORD)
    await sign_in(client, "qr@example.com", PASSWORD)
    wrong = await submit(client, TFA + "/generate", {"password": "not-it"})
    assert wrong.status_code == 401
    assert 'id="tfa-error"' in wrong.text
    assert "Invalid user credentials." in wrong.text
    assert "<svg" not in wrong.text

    shown = await submit(client, TFA + "/generate", {"password": PASSWORD})
    assert shown.status_code == 200
    secret = form_secret(shown.text)
    url = _shown_url(shown.text)
    assert url == pyotp.TOTP(secret).provisioning_uri(name="qr@example.com", issuer_name="Directus")
    assert f'<code class="secret" id="tfa-secret">{secret}</code>' in shown.text
    # The QR code is inline SVG of exactly that URL (segno's encoding), no script, no style.
    # (The page's one script is passkeys.js, a file of ours.)
    assert str(qr_svg(url)) in shown.text
    assert '<svg role="img" aria-label="QR code for your authenticator app"' in shown.text
    assert script_sources(shown.text) == ["/admin/assets/passkeys.js"]
    assert "style=" not in shown.text
    assert "autofocus" in shown.text.split('id="tfa-enable-otp"')[1].split(">")[0]
    # Nothing is stored until a code confirms the secret.
    me = await gql(client, "{ users_me { tfa_secret } }")
    assert me.data == {"users_me": {"tfa_secret": None}}


async def test_enable_with_a_wrong_then_a_right_code(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    user = await create_user(services, "on@example.com", PASSWORD)
    await sign_in(client, "on@example.com", PASSWORD)
    shown = await submit(client, TFA + "/generate", {"password": PASSWORD})
    secret = form_secret(shown.text)
    wrong = await submit(client, TFA + "/enable", {"secret": secret, "otp": "000000"})
    assert wrong.status_code == 400
    assert '"otp" is invalid' in unescape(wrong.text)
    # The same secret and its QR code stay on the page for the next try.
    assert form_secret(wrong.text) == secret
    assert str(qr_svg(_shown_url(wrong.text))) in wrong.text
    assert (await stored_user(services, user.id)).tfa_secret is None

    right = await submit(client, TFA + "/enable", {"secret": secret, "otp": _code(secret, clock)})
    # The answer is the account page itself: it shows the recovery codes, kept nowhere else.
    assert right.status_code == 200
    assert (await stored_user(services, user.id)).tfa_secret == secret
    assert "Two-factor authentication is on." in right.text
    assert 'id="tfa-recovery-codes"' in right.text
    assert 'id="tfa-disable-otp"' in right.text
    page = await client.get(ACCOUNT)
    assert 'id="tfa-disable-otp"' in page.text
    assert 'id="tfa-recovery-codes"' not in page.text


async def test_a_tampered_secret_is_refused(client: httpx.AsyncClient, services: Services) -> None:
    user = await create_user(services, "tamper@example.com", PASSWORD)
    await sign_in(client, "tamper@example.com", PASSWORD)
    for secret in ("", "not base32!", "A" * 500, "JBSWY3DPEHPK3PXP"):
        answer = await submit(client, TFA + "/enable", {"secret": secret, "otp": "123456"})
        assert answer.status_code == 400, secret
        assert '"secret" is invalid' in unescape(answer.text)
    assert (await stored_user(services, user.id)).tfa_secret is None


async def test_disable_with_a_wrong_then_a_right_code(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    secret = pyotp.random_base32()
    user = await create_user(services, "off@example.com", PASSWORD, tfa_secret=secret)
    # The login page asks for the code.
    await sign_in_with_code(client, "off@example.com", secret, clock)
    page = await client.get(ACCOUNT)
    assert "Two-factor authentication is <strong>on</strong>" in page.text
    wrong = await submit(client, TFA + "/disable", {"otp": "000000"})
    assert wrong.status_code == 400
    assert '"otp" is invalid' in unescape(wrong.text)
    assert (await stored_user(services, user.id)).tfa_secret == secret
    clock.advance(timedelta(seconds=30))  # the login used this step's code
    right = await submit(client, TFA + "/disable", {"otp": _code(secret, clock)})
    assert next_page(right) == ACCOUNT + "?done=tfa-off"
    assert (await stored_user(services, user.id)).tfa_secret is None
    shown = await client.get(right.headers["location"])
    assert "Two-factor authentication is off." in shown.text


async def sign_in_with_code(
    client: httpx.AsyncClient, email: str, secret: str, clock: SettableClock
) -> None:
    first = await submit(
        client, "/admin/login", {"email": email, "password": PASSWORD}, page="/admin/login"
    )
    assert first.status_code == 200
    fields = {name: hidden(first.text, name) for name in ("email", "password", "redirect")}
    answer = await submit(
        client, "/admin/login", {**fields, "otp": _code(secret, clock)}, page="/admin/login"
    )
    assert next_page(answer) == ACCOUNT


async def test_without_a_grant_on_the_secret_tfa_cannot_be_enabled(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    user = await create_user(services, "nogrant@example.com", PASSWORD, app_access=False)
    async with services.db.write() as session:
        session.add(
            Permission(
                policy=policies_repo.policy_of(user.role),
                collection="directus_users",
                action="read",
                fields=["*"],
                permissions={"id": {"_eq": "$CURRENT_USER"}},
            )
        )
    await sign_in(client, "nogrant@example.com", PASSWORD)
    page = await client.get(ACCOUNT)
    assert "do not let you set up two-factor" in page.text
    # A crafted post goes through the same permission check as users_me_tfa_enable.
    secret = pyotp.random_base32()
    answer = await submit(client, TFA + "/enable", {"secret": secret, "otp": _code(secret, clock)})
    assert answer.status_code == 403
    assert (await stored_user(services, user.id)).tfa_secret is None


async def _enforcing_user(services: Services, email: str) -> None:
    user = await create_user(services, email, PASSWORD)
    async with services.db.write() as session:
        role = await policies_repo.add_role(
            session, Role(name=f"Enforcing {email}"), {"app_access": True, "enforce_tfa": True}
        )
        stored = await session.get(type(user), user.id)
        assert stored is not None
        stored.role = role.id


async def test_an_enforced_user_sets_tfa_up_on_its_own_page(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    await _enforcing_user(services, "must@example.com")
    token = await submit(
        client,
        "/admin/login",
        {"email": "must@example.com", "password": PASSWORD},
        page="/admin/login",
    )
    assert next_page(token) == SETUP
    setup = await client.get(SETUP)
    assert setup.status_code == 200
    assert "Your role requires two-factor authentication" in setup.text
    assert 'action="/admin/tfa-setup/generate"' in setup.text
    assert 'action="/admin/logout"' in setup.text
    # The API refuses such a user nothing, so the account page stays open, and says so.
    account = await client.get(ACCOUNT)
    assert account.status_code == 200
    assert 'role="alert">Your role requires two-factor authentication.' in account.text
    me = await gql(client, "{ users_me { email } }")
    assert me.data == {"users_me": {"email": "must@example.com"}}

    shown = await submit(client, SETUP + "/generate", {"password": PASSWORD}, page=SETUP)
    assert shown.status_code == 200
    assert 'action="/admin/tfa-setup/enable"' in shown.text
    secret = form_secret(shown.text)
    wrong = await submit(client, SETUP + "/enable", {"secret": secret, "otp": "1"}, page=SETUP)
    assert wrong.status_code == 400
    assert 'action="/admin/tfa-setup/enable"' in wrong.text
    right = await submit(
        client, SETUP + "/enable", {"secret": secret, "otp": _code(secret, clock)}, page=SETUP
    )
    assert right.status_code == 200
    assert 'id="tfa-recovery-codes"' in right.text
    assert "Your role requires" not in right.text
    done = await client.get(ACCOUNT)
    assert "Your role requires" not in done.text
    # Set up, the set-up page sends the user on.
    assert next_page(await client.get(SETUP)) == ACCOUNT


async def test_without_a_grant_on_the_secret_tfa_cannot_be_turned_off(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    secret = pyotp.random_base32()
    user = await create_user(
        services, "kept@example.com", PASSWORD, app_access=False, tfa_secret=secret
    )
    async with services.db.write() as session:
        session.add(
            Permission(
                policy=policies_repo.policy_of(user.role),
                collection="directus_users",
                action="read",
                fields=["*"],
                permissions={"id": {"_eq": "$CURRENT_USER"}},
            )
        )
    await sign_in_with_code(client, "kept@example.com", secret, clock)
    page = await client.get(ACCOUNT)
    assert "Two-factor authentication is <strong>on</strong>" in page.text
    assert "do not let you turn it off" in page.text
    assert 'id="tfa-disable-otp"' not in page.text
    clock.advance(timedelta(seconds=30))
    answer = await submit(client, TFA + "/disable", {"otp": _code(secret, clock)})
    assert answer.status_code == 403
    assert (await stored_user(services, user.id)).tfa_secret == secret
