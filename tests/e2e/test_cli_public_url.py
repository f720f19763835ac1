"""PUBLIC_URL as a new operator meets it: unset, mailed links follow the port served."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.server_process import free_port, running_server
from tests.e2e.test_password_reset_outbox import REQUEST, post, wait_for_mail

pytestmark = pytest.mark.e2e

ENV = {
    "SECRET": "public-url-e2e-secret-0123456789abcdefgh",
    "ADMIN_EMAIL": "owner@example.com",
    "ADMIN_PASSWORD": "owner-password-1",
    "HASH_MEMORY_COST": "1024",
    "HASH_TIME_COST": "1",
    "HASH_PARALLELISM": "1",
}


def test_unset_public_url_mails_links_to_the_port_served(tmp_path: Path) -> None:
    with running_server(tmp_path, ENV) as server:
        post(server.url, REQUEST, {"email": "owner@example.com"})
        _path, _message, link = wait_for_mail(tmp_path / "data" / "outbox", server.log)
        assert link.startswith(f"{server.url}/admin/reset-password?token=")
        log = server.log.read_text()
        assert "PUBLIC_URL" not in log
        # The banner names the URLs served, on the port chosen.
        assert f"GraphQL API:   {server.url}/graphql/system" in log
        assert f"Account pages: {server.url}/admin/login" in log
        assert log.count("dauth listening on") == 1


def test_public_url_on_another_port_is_one_warning(tmp_path: Path) -> None:
    port = free_port()
    other = free_port()
    env = {**ENV, "PUBLIC_URL": f"http://127.0.0.1:{other}"}
    with running_server(tmp_path, env, port=port) as server:
        pass
    lines = [line for line in server.log.read_text().splitlines() if "PUBLIC_URL" in line]
    assert lines == [
        f"Warning: PUBLIC_URL=http://127.0.0.1:{other} names port {other} but the server "
        f"listens on HOST=127.0.0.1 PORT={port}: links in mails and redirects will not reach "
        "this server."
    ]
