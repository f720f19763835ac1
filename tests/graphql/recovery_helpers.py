"""What the recovery-code tests (GraphQL, REST, pages) read: the stored rows, the mail the
server wrote to its outbox folder, and how a code may be typed."""

from __future__ import annotations

import re
from email.message import EmailMessage
from pathlib import Path

from sqlmodel import col, select

from app.db.models import TfaRecoveryCode
from app.services.container import Services
from tests.mail_links import read_eml
from tests.mail_server import text_of

SHOWN = re.compile(r"[A-Z2-7]{4}(?:-[A-Z2-7]{4}){3}")
USED_SUBJECT = "A recovery code was used"


async def stored_codes(services: Services, user_id: str) -> list[TfaRecoveryCode]:
    """The user's rows of dauth_tfa_recovery_codes, read from the table itself."""
    async with services.db.read() as session:
        statement = select(TfaRecoveryCode).where(col(TfaRecoveryCode.user) == user_id)
        return list((await session.exec(statement)).all())


def assert_hashes_only(rows: list[TfaRecoveryCode], codes: list[str]) -> None:
    """No row holds a code in any form it may be typed in; each holds a 64-hex hash."""
    forms = {form for code in codes for form in typed_forms(code)}
    for row in rows:
        assert re.fullmatch(r"[0-9a-f]{64}", row.code_hash), row.code_hash
        assert not any(form.lower() in row.code_hash.lower() for form in forms)


def typed_forms(code: str) -> list[str]:
    bare = code.replace("-", "")
    return [code, bare, bare.lower(), code.lower()]


def loosely_typed(code: str) -> str:
    """A shown code as someone might type it: lower case, spaces for dashes."""
    return code.lower().replace("-", " ")


async def used_mails(services: Services, outbox: Path) -> list[EmailMessage]:
    """The "a recovery code was used" messages sent so far (the outbox transport)."""
    await services.mailer.drain()
    found = [read_eml(path) for path in written(outbox)]
    return [message for message in found if message["Subject"] == USED_SUBJECT]


def written(outbox: Path) -> list[Path]:
    return sorted(outbox.glob("*")) if outbox.exists() else []


def body_of(message: EmailMessage) -> str:
    return text_of(message)
