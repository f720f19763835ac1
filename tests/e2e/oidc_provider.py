"""A real OpenID Connect provider on loopback for the SSO tests, and a browser stand-in for it.

The provider is the npm package oidc-provider (pinned in tests/e2e/oidc/package.json, installed
once into .cache/npm-oidc-provider) run by tests/e2e/oidc/server.mjs: discovery, JWKS,
authorization code with PKCE (S256, required by default), token, userinfo, and login and consent
pages of its own that check the password. It listens on 127.0.0.1 on a port the OS picks, so no
two providers race for one.

Use it from a test module with the `start_oidc_provider` fixture (import it into the module; one
provider per call, all stopped when the module ends) or, outside pytest fixtures, with the
`running_oidc_provider` context manager. `complete_oidc_login` then plays the browser: from the
authorization URL the app redirects to, through the login (and consent) forms, up to the app's
callback URL, which it returns without requesting it.

Without Node or npm the tests are skipped, except under CI=true, where they fail.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from tests.e2e.npm_tools import npm_tools

REPO = Path(__file__).resolve().parents[2]
HELPERS = Path(__file__).with_name("oidc")
SERVER_SCRIPT = HELPERS / "server.mjs"
NPM_DIR = REPO / ".cache" / "npm-oidc-provider"

START_SECONDS = 30.0
STOP_SECONDS = 10.0
READY = re.compile(rb"^READY (\d+)$", re.MULTILINE)

VOID_ELEMENTS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"}
)

AuthMethod = Literal["client_secret_basic", "client_secret_post"]


@dataclass(frozen=True)
class OidcClient:
    """A relying party registered at the provider (the app under test, or a test's own)."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    token_endpoint_auth_method: AuthMethod = "client_secret_basic"


@dataclass(frozen=True)
class OidcAccount:
    """A user of the provider; the login form takes the email or the sub, and the password.

    `email=None` makes an account without an email claim (for the app's "no email" path).
    """

    sub: str
    email: str | None
    password: str
    given_name: str | None = None
    family_name: str | None = None
    email_verified: bool = True


@dataclass
class RunningOidcProvider:
    """A started provider; `stop()` ends it (idempotent) and returns its exit code."""

    issuer: str
    port: int
    clients: tuple[OidcClient, ...]
    accounts: tuple[OidcAccount, ...]
    process: subprocess.Popen[bytes] = field(repr=False)
    stdout_log: Path
    stderr_log: Path

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def output(self) -> str:
        """What the provider printed, for failure messages."""
        out, err = self.stdout_log, self.stderr_log
        return out.read_text(errors="replace") + err.read_text(errors="replace")

    def stop(self) -> int:
        _stop(self.process)
        return self.process.returncode


def _config(
    clients: Sequence[OidcClient],
    accounts: Sequence[OidcAccount],
    *,
    port: int,
    pkce_required: bool,
    auto_consent: bool,
) -> str:
    def account(item: OidcAccount) -> dict[str, object]:
        fields = {
            "sub": item.sub,
            "email": item.email,
            "email_verified": item.email_verified,
            "password": item.password,
            "given_name": item.given_name,
            "family_name": item.family_name,
        }
        return {key: value for key, value in fields.items() if value is not None}

    return json.dumps(
        {
            "npm_dir": str(NPM_DIR),
            "host": "127.0.0.1",
            "port": port,
            "pkce_required": pkce_required,
            "auto_consent": auto_consent,
            "exit_on_stdin_eof": True,
            "clients": [
                {
                    "client_id": item.client_id,
                    "client_secret": item.client_secret,
                    "redirect_uris": list(item.redirect_uris),
                    "token_endpoint_auth_method": item.token_endpoint_auth_method,
                }
                for item in clients
            ],
            "accounts": [account(item) for item in accounts],
        }
    )


@contextmanager
def running_oidc_provider(
    workdir: Path,
    clients: Sequence[OidcClient],
    accounts: Sequence[OidcAccount],
    *,
    port: int = 0,
    pkce_required: bool = True,
    auto_consent: bool = False,
) -> Iterator[RunningOidcProvider]:
    """Starts a provider (installing the npm package on first use) and stops it on exit.

    `port=0` lets the OS choose; pass tests.e2e.server_process.free_port() when the issuer has
    to be known before the provider starts. `auto_consent` skips the consent page.
    """
    node = npm_tools(HELPERS, NPM_DIR)
    workdir.mkdir(parents=True, exist_ok=True)
    stdout_log, stderr_log = workdir / "oidc-provider.out", workdir / "oidc-provider.err"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "OIDC_PROVIDER_CONFIG": _config(
            clients, accounts, port=port, pkce_required=pkce_required, auto_consent=auto_consent
        ),
    }
    with stdout_log.open("wb") as out, stderr_log.open("wb") as err:
        process = subprocess.Popen(
            [node, str(SERVER_SCRIPT)],
            cwd=workdir,
            env=env,
            stdin=subprocess.PIPE,  # never written; closes when this process ends
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
    try:
        ready = _wait_for_ready(process, stdout_log, stderr_log)
        yield RunningOidcProvider(
            issuer=f"http://127.0.0.1:{ready}",
            port=ready,
            clients=tuple(clients),
            accounts=tuple(accounts),
            process=process,
            stdout_log=stdout_log,
            stderr_log=stderr_log,
        )
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL for the group if it lingers; idempotent."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if process.stdin is not None and not process.stdin.closed:
        process.stdin.close()


def _wait_for_ready(process: subprocess.Popen[bytes], stdout_log: Path, stderr_log: Path) -> int:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        match = READY.search(stdout_log.read_bytes())
        if match:
            return int(match.group(1))
        if process.poll() is not None:
            break
        time.sleep(0.05)
    state = "did not start" if process.poll() is None else f"exited with {process.returncode}"
    raise RuntimeError(
        f"the OpenID provider {state} within {START_SECONDS}s:\n"
        f"{stdout_log.read_text(errors='replace')}{stderr_log.read_text(errors='replace')}"
    )


class StartOidcProvider(Protocol):
    def __call__(
        self,
        clients: Sequence[OidcClient],
        accounts: Sequence[OidcAccount],
        *,
        port: int = 0,
        pkce_required: bool = True,
        auto_consent: bool = False,
    ) -> RunningOidcProvider: ...


@pytest.fixture(scope="module")
def start_oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartOidcProvider]:
    """A factory of running providers; every one it started is stopped when the module ends."""
    with ExitStack() as stack:

        def start(
            clients: Sequence[OidcClient],
            accounts: Sequence[OidcAccount],
            *,
            port: int = 0,
            pkce_required: bool = True,
            auto_consent: bool = False,
        ) -> RunningOidcProvider:
            return stack.enter_context(
                running_oidc_provider(
                    tmp_path_factory.mktemp("oidc-provider"),
                    clients,
                    accounts,
                    port=port,
                    pkce_required=pkce_required,
                    auto_consent=auto_consent,
                )
            )

        yield start


# The browser's part ---------------------------------------------------------------------------


class OidcFlowError(AssertionError):
    """The flow stopped somewhere other than the callback: an error page, an unknown page."""

    def __init__(self, message: str, *, url: str, status: int, page: str) -> None:
        super().__init__(f"{message} (HTTP {status} at {url}): {page[:1000]}")
        self.url = url
        self.status = status
        self.page = page


class OidcLoginRejectedError(OidcFlowError):
    """The provider showed its login form again after the password: the login failed.

    `error` is the message the page showed (e.g. "Invalid email or password.").
    """

    def __init__(self, error: str, *, url: str, status: int, page: str) -> None:
        super().__init__(f"login rejected: {error}", url=url, status=status, page=page)
        self.error = error


@dataclass
class HtmlForm:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    input_types: dict[str, str] = field(default_factory=dict)

    @property
    def has_password(self) -> bool:
        return "password" in self.input_types.values()


class _FormParser(HTMLParser):
    """Collects a page's forms (action, method, named inputs) and its `class="error"` text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[HtmlForm] = []
        self.errors: list[str] = []
        self._current: HtmlForm | None = None
        self._error_depth = 0
        self._error_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag not in VOID_ELEMENTS:
            if self._error_depth:
                self._error_depth += 1
            elif "error" in values.get("class", "").split():
                self._error_depth = 1
                self._error_text = []
        if tag == "form":
            self._current = HtmlForm(
                action=values.get("action", ""), method=values.get("method", "get").lower()
            )
            self.forms.append(self._current)
        elif tag in {"input", "button"} and self._current is not None and values.get("name"):
            kind = values.get("type", "text" if tag == "input" else "submit").lower()
            if kind in {"submit", "button", "checkbox", "radio"}:
                return  # only sent when clicked or checked; our forms do not need them
            self._current.fields[values["name"]] = values.get("value", "")
            self._current.input_types[values["name"]] = kind

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None
        if self._error_depth and tag not in VOID_ELEMENTS:
            self._error_depth -= 1
            if not self._error_depth:
                self.errors.append(" ".join("".join(self._error_text).split()))

    def handle_data(self, data: str) -> None:
        if self._error_depth:
            self._error_text.append(data)


def parse_forms(page: str) -> tuple[list[HtmlForm], list[str]]:
    """The forms of an HTML page and the texts of its error elements."""
    parser = _FormParser()
    parser.feed(page)
    parser.close()
    return parser.forms, parser.errors


async def complete_oidc_login(
    client: httpx.AsyncClient,
    authorization_url: str,
    *,
    login: str,
    password: str,
    callback_prefix: str,
    consent: bool = True,
    max_steps: int = 20,
) -> str:
    """Plays the browser from `authorization_url` to the first URL starting with `callback_prefix`.

    Follows redirects itself, fills the login form (login = email or sub), submits consent when
    asked (`consent=False` presses Cancel instead, so the callback gets error=access_denied) and
    returns the callback URL (with `code` and `state`) without requesting it, so the test can hand
    it to the app. `client` keeps the provider's cookies, as a browser would. Raises
    OidcLoginRejectedError when the login form comes back after the password (wrong password), and
    OidcFlowError on any other page that is not a redirect, a login or a consent form.
    """
    url, method, data = authorization_url, "GET", None
    logged_in = False
    for _ in range(max_steps):
        if url.startswith(callback_prefix):
            return url
        response = await client.request(method, url, data=data, follow_redirects=False)
        page = response.text
        if response.is_redirect:
            location = response.headers["location"]
            url, method, data = urljoin(str(response.url), location), "GET", None
            continue
        here = str(response.url)
        forms, errors = parse_forms(page) if response.status_code == httpx.codes.OK else ([], [])
        login_form = next((form for form in forms if form.has_password), None)
        if login_form is not None:
            if logged_in:
                raise OidcLoginRejectedError(
                    errors[0] if errors else "the login form came back",
                    url=here,
                    status=response.status_code,
                    page=page,
                )
            kinds = login_form.input_types
            users = [name for name, kind in kinds.items() if kind in {"text", "email"}]
            if not users:
                raise OidcFlowError(
                    "the login form has no text field", url=here, status=200, page=page
                )
            secret = next(name for name, kind in kinds.items() if kind == "password")
            data = {**login_form.fields, users[0]: login, secret: password}
            url, method, logged_in = urljoin(here, login_form.action), "POST", True
            continue
        chosen = _consent_form(forms, approve=consent)
        if chosen is None:
            message = errors[0] if errors else "not a redirect, login or consent page"
            raise OidcFlowError(message, url=here, status=response.status_code, page=page)
        url, method, data = urljoin(here, chosen.action), chosen.method.upper(), chosen.fields
    raise OidcFlowError(
        f"no callback after {max_steps} steps", url=url, status=0, page=f"last: {method} {url}"
    )


def _consent_form(forms: Sequence[HtmlForm], *, approve: bool) -> HtmlForm | None:
    posting = [form for form in forms if form.method == "post"]
    cancel = [form for form in posting if urlsplit(form.action).path.endswith("/abort")]
    if not approve:
        return cancel[0] if cancel else None
    confirm = [form for form in posting if form not in cancel]
    return confirm[0] if confirm else None
