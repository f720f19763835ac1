"""The mail queue across real server processes: a reset answered just before a kill -9 is
sent after the restart; a SIGTERM hands back the message being sent; three instances on
one PostgreSQL database send every message exactly once."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.e2e.instances import CHEAP, cluster_env, gql, running_instances, shared_backends
from tests.e2e.server_process import RunningServer, free_port, run_dauth, running_server
from tests.graphql_reply import post_graphql
from tests.mail_server import Inbox

pytestmark = pytest.mark.e2e

ADMIN_EMAIL = "owner@example.com"
REQUEST = "mutation Request($email: String!) { auth_password_request(email: $email) }"
ANSWER = {"data": {"auth_password_request": True}}


def mail_env(smtp_port: int, **extra: str) -> dict[str, str]:
    """Mail to loopback `smtp_port`, retried quickly, looked for often."""
    return {
        "EMAIL_TRANSPORT": "smtp",
        "EMAIL_SMTP_HOST": "127.0.0.1",
        "EMAIL_SMTP_PORT": str(smtp_port),
        "EMAIL_SMTP_TIMEOUT": "1s",
        "EMAIL_RETRY_BACKOFF": "200ms",
        "EMAIL_RETRY_BACKOFF_MAX": "500ms",
        "EMAIL_QUEUE_POLL_INTERVAL": "100ms",
        # Every request below mails the one admin address.
        "RATE_LIMITER_EMAIL_ENABLED": "false",
        **extra,
    }


def single_env(smtp_port: int, **extra: str) -> dict[str, str]:
    return {
        "SECRET": "mail-queue-e2e-secret-0123456789abcdefghij",
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": "owner-password-1",
        **CHEAP,
        **mail_env(smtp_port, **extra),
    }


@contextmanager
def smtp_on(port: int) -> Iterator[Inbox]:
    """A real SMTP server (aiosmtpd) on `port`, from now on."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def request_reset(server: RunningServer) -> None:
    reply = post_graphql(server.url, REQUEST, {"email": ADMIN_EMAIL})
    assert reply.status == 200
    assert reply.body == ANSWER


def mail_list(workdir: Path, env: Mapping[str, str]) -> str:
    listed = run_dauth(workdir, env, "mail", "list")
    assert listed.returncode == 0, listed.stderr
    return listed.stdout


def wait_until_listed(workdir: Path, env: Mapping[str, str], done: Callable[[str], bool]) -> None:
    """Until `dauth mail list` prints what `done` accepts (at most 30 s)."""
    deadline = time.monotonic() + 30
    while not done(listed := mail_list(workdir, env)):
        assert time.monotonic() < deadline, listed
        time.sleep(0.2)


def wait_until_all_sent(workdir: Path, env: Mapping[str, str]) -> None:
    wait_until_listed(workdir, env, lambda listed: listed == "No queued or failed mail.\n")


async def test_a_reset_answered_before_a_kill_9_is_sent_once_after_the_restart(
    tmp_path: Path,
) -> None:
    port = free_port()  # no SMTP server yet: the mail cannot leave before the kill
    env = single_env(port)
    with running_server(tmp_path, env) as server:
        request_reset(server)
        server.process.kill()
        server.process.wait()
    assert "1 message not sent." in mail_list(tmp_path, env)

    with smtp_on(port) as inbox, running_server(tmp_path, env, bootstrap=False):
        [message] = await inbox.wait_for(1, seconds=30)
        assert message["To"] == ADMIN_EMAIL
        assert message["Subject"] == "Password Reset Request"
        wait_until_all_sent(tmp_path, env)
        assert len(inbox.messages) == 1


@contextmanager
def silent_smtp(port: int) -> Iterator[None]:
    """A server that accepts connections on `port` and never greets: a send hangs."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(8)
        yield


async def test_sigterm_hands_back_the_message_being_sent(tmp_path: Path) -> None:
    port = free_port()
    # A send would wait a minute for the greeting; the shutdown does not.
    env = single_env(port, EMAIL_SMTP_TIMEOUT="60s")
    with silent_smtp(port), running_server(tmp_path, env) as server:
        request_reset(server)
        wait_until_listed(tmp_path, env, lambda listed: "  sending  " in listed)
        server.process.terminate()
        server.process.wait(timeout=30)
    listed = mail_list(tmp_path, env)
    assert " queued " in listed, listed  # handed back: due at once, not after its lease

    with smtp_on(port) as inbox, running_server(tmp_path, env, bootstrap=False):
        [message] = await inbox.wait_for(1, seconds=15)
        assert message["To"] == ADMIN_EMAIL
        wait_until_all_sent(tmp_path, env)
        assert len(inbox.messages) == 1


@pytest.mark.services
async def test_three_instances_on_one_postgresql_send_each_message_once(
    tmp_path: Path,
) -> None:
    port = free_port()
    with shared_backends() as backends:
        env = cluster_env(backends, mail_env(port))
        with running_instances(tmp_path, env) as servers:
            instances = list(servers.values())
            # Queued while the SMTP server is down, then sent by whichever instance claims
            # each first; then more, sent while it is up.
            for index in range(12):
                reply = gql(instances[index % 3], REQUEST, {"email": ADMIN_EMAIL})
                assert reply.body == ANSWER
            with smtp_on(port) as inbox:
                for index in range(12):
                    reply = gql(instances[index % 3], REQUEST, {"email": ADMIN_EMAIL})
                    assert reply.body == ANSWER
                messages = await inbox.wait_for(24, seconds=60)
                wait_until_all_sent(tmp_path, env)
                assert len(inbox.messages) == 24
        ids = {str(message["Message-ID"]) for message in messages}
        assert len(ids) == 24
