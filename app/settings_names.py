"""Environment variables that look like ours but are not: a close match to a setting's name
(`SECERT`), or an unknown name under one of our prefixes (`AUTH_LOKCOUT_THRESHOLD`). Each
gets one start-up warning naming the variable it likely meant; none is ever an error, since
the environment is shared with other programs."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from app.sso.config import PROVIDER_KEYS

# Prefixes only dauth (and Directus) use; generic ones (LOG_, USER_, MAX_) are left alone.
PREFIXES = (
    "ACCOUNT_PAGES_",
    "ADMIN_",
    "AUTH_",
    "CORS_",
    "DB_",
    "EMAIL_",
    "GRAPHQL_",
    "HASH_",
    "MESSENGER_",
    "PASSWORD_RESET_",
    "RATE_LIMITER_",
    "REFRESH_TOKEN_",
    "SESSION_COOKIE_",
    "WEBAUTHN_",
    "WEBSOCKETS_",
)


def _distance(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap two neighbours) from a to b."""
    rows = [list(range(len(b) + 1))]
    for i, char_a in enumerate(a, 1):
        row = [i]
        for j, char_b in enumerate(b, 1):
            cost = 0 if char_a == char_b else 1
            best = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                best = min(best, rows[-2][j - 2] + 1)
            row.append(best)
        rows.append(row)
    return rows[-1][-1]


def _close_to(name: str, known: Iterable[str]) -> str | None:
    """A known name one typo away (two for longer names), the nearest first."""
    limit = 1 if len(name) <= 6 else 2
    scored = sorted((_distance(name, other), other) for other in known)
    return scored[0][1] if scored and scored[0][0] <= limit else None


def _provider_variable(name: str, providers: Iterable[str]) -> bool:
    for provider in providers:
        prefix = f"AUTH_{provider.upper()}_"
        if name.startswith(prefix) and name[len(prefix) :] in PROVIDER_KEYS:
            return True
    return False


def _provider_guess(name: str, providers: Iterable[str]) -> str | None:
    """AUTH_CORP_CLEINT_ID → AUTH_CORP_CLIENT_ID, for a provider in AUTH_PROVIDERS."""
    for provider in providers:
        prefix = f"AUTH_{provider.upper()}_"
        if name.startswith(prefix):
            key = _close_to(name[len(prefix) :], PROVIDER_KEYS)
            return prefix + key if key else None
    return None


def unknown_variables(
    names: Iterable[str], known: Iterable[str], providers: Iterable[str]
) -> list[str]:
    """One warning per variable that is likely a mistyped setting."""
    known_set = {name.upper() for name in known}
    providers = list(providers)
    warnings: list[str] = []
    for name in sorted({name.upper() for name in names}):
        if name in known_set or _provider_variable(name, providers):
            continue
        guess = _close_to(name, known_set) or _provider_guess(name, providers)
        ours = name.startswith(PREFIXES)
        if guess is None and ours:
            guess = next(iter(difflib.get_close_matches(name, known_set, n=1, cutoff=0.75)), None)
        if guess is not None:
            warnings.append(f"{name} is not a dauth setting (ignored); did you mean {guess}?")
        elif (
            ours
            and name.startswith("AUTH_")
            and name.count("_") >= 2
            and not any(name.startswith(f"AUTH_{provider.upper()}_") for provider in providers)
        ):
            provider = name.split("_")[1]
            warnings.append(
                f"{name} is not a dauth setting (ignored): {provider} is not in AUTH_PROVIDERS"
            )
        elif ours:
            warnings.append(f"{name} is not a dauth setting (ignored)")
    return warnings
