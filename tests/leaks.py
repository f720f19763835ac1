"""Every response the suite receives is checked: no traceback, SQL, file path or library name.

Installed as an httpx response hook on the test client (and used by the e2e tests), so a
leak anywhere in the suite fails the test that provoked it.
"""

from __future__ import annotations

import re

import httpx

LEAKS = re.compile(
    r"Traceback \(most recent call last\)"
    r"|File \"[^\"]+\", line \d+"
    r"|\.py\b"
    r"|site-packages"
    r"|/work/|/usr/lib|/root/|/tmp/"
    r"|\b(?:SELECT|INSERT INTO|UPDATE|DELETE FROM)\b.*\b(?:FROM|SET|VALUES|WHERE)\b"
    r"|sqlalchemy|asyncpg|aiosqlite|sqlite3\.|psycopg"
    r"|IntegrityError|OperationalError|ProgrammingError"
    r"|strawberry\.|graphql\.error|starlette\."
)


def leak_in(text: str) -> str | None:
    match = LEAKS.search(text)
    return None if match is None else match.group(0)


async def assert_no_leak(response: httpx.Response) -> None:
    if "text/html" in response.headers.get("content-type", ""):
        return  # GraphiQL's page is code by nature
    body = (await response.aread()).decode("utf-8", errors="replace")
    leak = leak_in(body)
    assert leak is None, f"response leaks {leak!r}: {body[:500]}"
