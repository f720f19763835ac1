"""Security events the services report where they decide them: a login's outcome and the
reason class of a failure, lockouts, suspensions, refresh rotations and reuse detections.

Each goes to the metrics, to the request's access-log line (`request_notes`), and — lockouts,
suspensions and reuse, which an operator must see — to a WARNING line of its own. Never a
password, token or code: only ids, addresses and reason classes.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from app.observability import metrics
from app.observability.request_notes import note

logger = logging.getLogger("app.security")


class LoginRefusal(enum.StrEnum):
    """Why a login failed, as an operator reads it (the client is told only
    INVALID_CREDENTIALS / INVALID_OTP, so that it learns nothing)."""

    UNKNOWN_USER = "unknown_user"
    WRONG_PASSWORD = "wrong_password"
    LOCKED = "locked"
    INACTIVE = "inactive"
    TFA = "tfa"
    # A passkey assertion that does not verify, or whose challenge is unknown or expired.
    PASSKEY = "passkey"
    # A passkey whose sign count went backwards: a cloned authenticator.
    CLONED = "cloned"


@dataclass
class _Attempt:
    reason: LoginRefusal | None = None


_attempt: ContextVar[_Attempt | None] = ContextVar("dauth_login_attempt", default=None)


@contextmanager
def login_attempt(unexplained: str = "error") -> Iterator[None]:
    """Around one login: counted as a success, or as a failure of the reason the code inside
    reported first (`refused`), `unexplained` when it reported none."""
    attempt = _Attempt()
    token = _attempt.set(attempt)
    try:
        yield
    except Exception:
        reason = str(attempt.reason) if attempt.reason else unexplained
        metrics.LOGINS.labels(outcome=reason).inc()
        note(f"login=failed reason={reason}")
        raise
    finally:
        _attempt.reset(token)
    metrics.LOGINS.labels(outcome="success").inc()
    note("login=ok")


def refused(reason: LoginRefusal) -> None:
    """The login in progress (if any: a password confirmation is no login) fails for this."""
    attempt = _attempt.get()
    if attempt is not None and attempt.reason is None:
        attempt.reason = reason


def account_locked(user: str, ip: str | None, until: str) -> None:
    metrics.LOCKOUTS.inc()
    note("lockout")
    logger.warning("Account locked after failed logins: user=%s ip=%s until=%s", user, ip, until)


def account_suspended(user: str, ip: str | None) -> None:
    metrics.SUSPENSIONS.inc()
    note("suspended")
    logger.warning("Account suspended after failed logins: user=%s ip=%s", user, ip)


def refresh_rotated() -> None:
    metrics.REFRESH_ROTATIONS.inc()
    note("refresh=rotated")


def refresh_reused(user: str | None, ip: str | None) -> None:
    metrics.REFRESH_REUSE.inc()
    note("refresh=reused")
    logger.warning("Refresh token reuse detected, its login was ended: user=%s ip=%s", user, ip)


def recovery_code_used(user: str, ip: str | None, left: int) -> None:
    """A login's second factor was a recovery code (the user is mailed too)."""
    metrics.RECOVERY_CODES_USED.inc()
    note("tfa=recovery_code")
    logger.warning("TFA recovery code used: user=%s ip=%s left=%d", user, ip, left)
