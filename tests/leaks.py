"""Every response the suite receives is checked: no traceback, SQL, file path or library name,
and no concealed value in clear.

Installed as an httpx response hook on the test client (and used by the e2e tests), so a
leak anywhere in the suite fails the test that provoked it.

Concealed values are caught two ways: by their shape (an argon2 or bcrypt hash, a bare
sha256 digest as static and refresh tokens are stored) and by a registry of the secrets the
test itself stored (TOTP secrets, static tokens and their hashes: `remember_concealed`,
called by the seed helpers and cleared before each test). A TOTP secret handed out by
`users_me_tfa_generate` (GraphQL or REST) is legitimately in that one answer; the hook
remembers it afterwards, so no later answer may carry it.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any
from urllib.parse import unquote_plus

import httpx

LEAKS = re.compile(
    r"Traceback \(most recent call last\)"
    r"|File \"[^\"]+\", line \d+"
    r"|\.py(?![\w-])"  # a file name, not a base64url token segment such as a JWT's ".py-0K…"
    r"|site-packages"
    r"|/work/|/usr/lib|/root/|/tmp/"
    r"|\b(?:SELECT|INSERT INTO|UPDATE|DELETE FROM)\b.*\b(?:FROM|SET|VALUES|WHERE)\b"
    r"|sqlalchemy|asyncpg|aiosqlite|sqlite3\.|psycopg"
    r"|IntegrityError|OperationalError|ProgrammingError"
    r"|strawberry\.|graphql\.error|starlette\."
)

# Stored forms that never leave the server, whatever test stored them.
CONCEALED_SHAPES = re.compile(
    r"\$argon2(?:id|i|d)\$"  # a password hash (PHC string)
    r"|\$2[aby]?\$\d\d\$"  # a bcrypt hash, as imported Directus databases may hold
    r"|(?<![0-9A-Za-z_-])[0-9a-f]{64}(?![0-9A-Za-z_-])"  # a sha256 digest: a stored token
)

_REMEMBERED: set[str] = set()


def remember_concealed(*values: str | None) -> None:
    """Secrets this test stored: no response may carry them from now on."""
    _REMEMBERED.update(value for value in values if value)


def remember_static_token(token: str | None) -> None:
    """A static token and the sha256 it is stored as."""
    if token:
        remember_concealed(token, hashlib.sha256(token.encode("utf-8")).hexdigest())


def forget_concealed() -> None:
    _REMEMBERED.clear()


def leak_in(text: str, sent: str = "") -> str | None:
    """The first leak in `text`; a concealed value the client `sent` itself (echoed back in
    a validation message, say) discloses nothing and is not one."""
    match = LEAKS.search(text)
    if match is not None:
        return match.group(0)
    for shape in CONCEALED_SHAPES.finditer(text):
        if shape.group(0) not in sent:
            return shape.group(0)
    return next((value for value in _REMEMBERED if value in text and value not in sent), None)


def _sent(request: httpx.Request) -> str:
    """What the client itself put in the request: URL, headers and body."""
    try:
        body = request.content.decode("utf-8", errors="replace")
    except httpx.RequestNotRead:
        body = ""
    headers = " ".join(request.headers.values())
    return f"{unquote_plus(str(request.url))} {headers} {body}"


def _handed_out_tfa_secrets(body: str) -> list[str]:
    """The secret of a users_me_tfa_generate answer (GraphQL or REST), if this is one."""
    try:
        data: Any = json.loads(body).get("data")
    except (ValueError, AttributeError):
        return []
    if isinstance(data, dict):
        generated = data.get("users_me_tfa_generate", data)
        if isinstance(generated, dict) and isinstance(generated.get("secret"), str):
            return [generated["secret"]]
    return []


async def assert_no_leak(response: httpx.Response) -> None:
    if "text/html" in response.headers.get("content-type", ""):
        return  # GraphiQL's page is code by nature
    body = (await response.aread()).decode("utf-8", errors="replace")
    leak = leak_in(body, _sent(response.request))
    assert leak is None, f"response leaks {leak!r}: {body[:500]}"
    remember_concealed(*_handed_out_tfa_secrets(body))
