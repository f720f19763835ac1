"""dauth_passkeys and dauth_passkey_challenges: users' WebAuthn credentials, and the
challenges handed out and not used yet."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Passkey, PasskeyChallenge, User


async def of_user(session: AsyncSession, user_id: str) -> Sequence[Passkey]:
    """A user's passkeys, oldest first."""
    statement = (
        select(Passkey)
        .where(col(Passkey.user) == user_id)
        .order_by(col(Passkey.date_created), col(Passkey.id))
    )
    return (await session.exec(statement)).all()


async def own(session: AsyncSession, user_id: str, passkey_id: str) -> Passkey | None:
    """One of the user's passkeys (None for another user's, or none)."""
    statement = select(Passkey).where(col(Passkey.id) == passkey_id, col(Passkey.user) == user_id)
    return (await session.exec(statement)).first()


async def by_credential(session: AsyncSession, credential_id: str) -> Passkey | None:
    statement = select(Passkey).where(col(Passkey.credential_id) == credential_id)
    return (await session.exec(statement)).first()


async def with_owner(session: AsyncSession, credential_id: str) -> tuple[Passkey, User] | None:
    """The passkey a login presents, with its user."""
    statement = (
        select(Passkey, User)
        .join(User, col(User.id) == col(Passkey.user))
        .where(col(Passkey.credential_id) == credential_id)
    )
    row = (await session.exec(statement)).first()
    return None if row is None else (row[0], row[1])


async def add(session: AsyncSession, passkey: Passkey) -> None:
    session.add(passkey)
    await session.flush()


async def update_own(session: AsyncSession, user_id: str, passkey_id: str, **values: Any) -> bool:
    statement = (
        update(Passkey)
        .where(col(Passkey.id) == passkey_id, col(Passkey.user) == user_id)
        .values(**values)
    )
    return bool((await session.exec(statement)).rowcount == 1)


async def delete_own(session: AsyncSession, user_id: str, passkey_id: str) -> bool:
    statement = delete(Passkey).where(col(Passkey.id) == passkey_id, col(Passkey.user) == user_id)
    return bool((await session.exec(statement)).rowcount == 1)


async def record_use(
    session: AsyncSession, passkey_id: str, expected_count: int, count: int, now: datetime
) -> bool:
    """A login's new sign count and time, only while the count is still the one checked
    (false when another login moved it meanwhile)."""
    statement = (
        update(Passkey)
        .where(col(Passkey.id) == passkey_id, col(Passkey.sign_count) == expected_count)
        .values(sign_count=count, last_used=now)
    )
    return bool((await session.exec(statement)).rowcount == 1)


async def add_challenge(session: AsyncSession, challenge: PasskeyChallenge, now: datetime) -> None:
    """A new challenge; the expired ones go at the same time, so the table stays small."""
    await session.exec(delete(PasskeyChallenge).where(col(PasskeyChallenge.expires) <= now))
    session.add(challenge)
    await session.flush()


async def take_challenge(
    session: AsyncSession, challenge: str, purpose: str, now: datetime
) -> PasskeyChallenge | None:
    """The challenge, deleted (used once, whatever the ceremony's outcome); None when
    unknown, used already, expired or handed out for another ceremony."""
    found = await session.get(PasskeyChallenge, challenge)
    if found is None:
        return None
    gone = await session.exec(
        delete(PasskeyChallenge).where(col(PasskeyChallenge.challenge) == challenge)
    )
    if gone.rowcount != 1 or found.purpose != purpose or found.expires <= now:
        return None
    return found
