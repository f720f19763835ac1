"""The REST routes, by path."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from app.http.rest import auth, passkeys, server, sessions, settings, sso, users
from app.http.rest.access import access_routes


def rest_routes() -> list[BaseRoute]:
    return [
        Route("/auth", sso.providers, methods=["GET"]),
        Route("/auth/login", auth.login, methods=["POST"]),
        Route("/auth/passkey/options", passkeys.login_options, methods=["GET", "POST"]),
        Route("/auth/passkey/login", passkeys.login, methods=["POST"]),
        Route("/auth/login/{provider}", sso.login_start, methods=["GET"]),
        Route("/auth/login/{provider}", sso.login_with_provider, methods=["POST"]),
        Route("/auth/login/{provider}/callback", sso.login_callback, methods=["GET"]),
        Route("/auth/refresh", auth.refresh, methods=["POST"]),
        Route("/auth/logout", auth.logout, methods=["POST"]),
        Route("/auth/password/request", auth.password_request, methods=["POST"]),
        Route("/auth/password/reset", auth.password_reset, methods=["POST"]),
        Route("/users/me", users.read_me, methods=["GET"]),
        Route("/users/me", users.update_me, methods=["PATCH"]),
        Route("/users/me/tfa/generate", users.tfa_generate, methods=["POST"]),
        Route("/users/me/tfa/enable", users.tfa_enable, methods=["POST"]),
        Route("/users/me/tfa/disable", users.tfa_disable, methods=["POST"]),
        Route("/users/me/passkeys", passkeys.my_passkeys, methods=["GET"]),
        Route("/users/me/passkeys", passkeys.register, methods=["POST"]),
        Route("/users/me/passkeys/options", passkeys.register_options, methods=["POST"]),
        Route("/users/me/passkeys/{id}", passkeys.rename, methods=["PATCH"]),
        Route("/users/me/passkeys/{id}", passkeys.delete, methods=["DELETE"]),
        Route("/users/me/sessions", sessions.my_sessions, methods=["GET"]),
        Route("/users/me/sessions/{session}", sessions.revoke_my_session, methods=["DELETE"]),
        Route("/users/invite", users.invite, methods=["POST"]),
        Route("/users/invite/accept", users.accept_invite, methods=["POST"]),
        Route("/users/register", users.register, methods=["POST"]),
        Route("/users/register/verify", users.verify_registration, methods=["POST"]),
        Route("/users/register/verify-email", users.verify_registration, methods=["GET"]),
        Route("/users", users.list_users, methods=["GET"]),
        Route("/users", users.search_users, methods=["SEARCH"]),
        Route("/users", users.create_users, methods=["POST"]),
        Route("/users", users.update_users, methods=["PATCH"]),
        Route("/users", users.delete_users, methods=["DELETE"]),
        Route("/users/{id}/sessions", sessions.user_sessions, methods=["GET"]),
        Route("/users/{id}/sessions/{session}", sessions.revoke_user_session, methods=["DELETE"]),
        Route("/users/{id}", users.read_user, methods=["GET"]),
        Route("/users/{id}", users.update_user, methods=["PATCH"]),
        Route("/users/{id}", users.delete_user, methods=["DELETE"]),
        Route("/server/ping", server.ping, methods=["GET"]),
        Route("/server/health", server.health, methods=["GET"]),
        Route("/server/info", server.info, methods=["GET"]),
        *access_routes(),
        Route("/settings", settings.read_settings, methods=["GET"]),
        Route("/settings", settings.update_settings, methods=["PATCH"]),
    ]
