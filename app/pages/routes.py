"""The account pages' routes, at Directus's Data Studio paths; none when ACCOUNT_PAGES_ENABLED
is false (a server behind its own front end).

They come before the REST routes: the verification link's GET is answered here for
browsers (the page route hands JSON clients to the REST handler)."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from app.config import Settings
from app.pages import (
    accept_invite,
    account,
    login,
    logout,
    passkeys,
    reset_password,
    sessions,
    tfa,
    tfa_setup,
    verify_email,
)
from app.pages.redirects import ACCOUNT, TFA_SETUP
from app.pages.rendering import ASSETS_PATH, STATIC, theme
from app.services.flow_links import INVITE_PATH, RESET_PATH, VERIFY_PATH


def _tfa_routes(base: str, surface: tfa.Surface, page_path: str) -> list[BaseRoute]:
    return [
        Route(f"{base}/generate", tfa.generate(surface, page_path), methods=["POST"]),
        Route(f"{base}/enable", tfa.enable(surface, page_path), methods=["POST"]),
    ]


def page_routes(settings: Settings) -> list[BaseRoute]:
    if not settings.account_pages_enabled:
        return []
    return [
        Mount(ASSETS_PATH, StaticFiles(directory=STATIC)),
        Route("/admin/theme.css", theme, methods=["GET"]),
        Route("/admin", account.admin_root, methods=["GET"]),
        Route("/admin/login", login.login_page, methods=["GET"]),
        Route("/admin/login", login.login_submit, methods=["POST"]),
        Route("/admin/login/passkey", login.passkey_submit, methods=["POST"]),
        Route(RESET_PATH, reset_password.reset_page, methods=["GET"]),
        Route(RESET_PATH, reset_password.reset_submit, methods=["POST"]),
        Route(INVITE_PATH, accept_invite.invite_page, methods=["GET"]),
        Route(INVITE_PATH, accept_invite.invite_submit, methods=["POST"]),
        Route(VERIFY_PATH, verify_email.verify_email, methods=["GET"]),
        Route("/admin/users/{id}", verify_email.user_page, methods=["GET"]),
        Route("/admin/logout", logout.logout_submit, methods=["POST"]),
        Route(ACCOUNT, account.account_page, methods=["GET"]),
        Route(f"{ACCOUNT}/profile", account.profile_submit, methods=["POST"]),
        Route(f"{ACCOUNT}/password", account.password_submit, methods=["POST"]),
        *_tfa_routes(f"{ACCOUNT}/tfa", tfa.on_account, ACCOUNT),
        Route(f"{ACCOUNT}/tfa/disable", tfa.disable(tfa.on_account, ACCOUNT), methods=["POST"]),
        Route(f"{ACCOUNT}/tfa/recovery-codes", tfa.regenerate_recovery_codes, methods=["POST"]),
        Route(f"{ACCOUNT}/passkeys/add", passkeys.add_submit, methods=["POST"]),
        Route(f"{ACCOUNT}/passkeys/rename", passkeys.rename_submit, methods=["POST"]),
        Route(f"{ACCOUNT}/passkeys/delete", passkeys.delete_submit, methods=["POST"]),
        Route(f"{ACCOUNT}/sessions/revoke", sessions.revoke_submit, methods=["POST"]),
        Route(f"{ACCOUNT}/sessions/others", sessions.others_submit, methods=["POST"]),
        Route(TFA_SETUP, tfa_setup.setup_page, methods=["GET"]),
        *_tfa_routes(TFA_SETUP, tfa_setup.on_setup_page, TFA_SETUP),
    ]
