"""The password policy (settings.auth_password_policy), wherever a password is set."""

from __future__ import annotations

import re
from typing import Any

from app.db.engine import Database
from app.errors import FailedValidationError
from app.repositories import project_settings as settings_repo


def matches_policy(policy: str, password: str) -> bool:
    """Directus stores the policy as a JS regex literal (/…/flags) or a bare pattern."""
    pattern, flags = policy, 0
    if policy.startswith("/") and policy.rfind("/") > 0:
        end = policy.rfind("/")
        pattern = policy[1:end]
        flags = re.IGNORECASE if "i" in policy[end + 1 :] else 0
    try:
        return re.search(pattern, password, flags) is not None
    except re.error:
        return False


def is_encodable(text: str) -> bool:
    """JSON can carry a lone surrogate (\\ud800), which no byte encoding can, nor hash."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


async def check_password_policy(db: Database, password: Any) -> None:
    if not isinstance(password, str) or not password:
        raise FailedValidationError("password", "Value has to be a non-empty string.", "nempty")
    if not is_encodable(password):
        raise FailedValidationError("password", "Value has to be valid Unicode text.")
    async with db.read() as session:
        row = await settings_repo.get(session)
    policy = row.auth_password_policy if row else None
    if policy and not matches_policy(policy, password):
        # Directus's type; unlike Directus, the password is not echoed as `invalid`.
        raise FailedValidationError("password", "Value doesn't have the correct format.", "regex")
