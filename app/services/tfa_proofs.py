"""What a login's second factor proved, spent in the transaction that opens its session (so
a code works once even when two logins race with it): a TOTP step, or a recovery code
(app/services/recovery_codes.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from app.db.types import Connection
from app.repositories.sync import users as users_sync


class TfaProof(Protocol):
    def spend(self, connection: Connection) -> bool:
        """In the login's transaction: false when the code was spent meanwhile (a replay)."""
        ...

    def committed(self) -> None:
        """After the login's transaction has committed."""
        ...


@dataclass(frozen=True)
class TotpStep:
    """A TOTP code's time step: a code is refused if its step (or a later one) was used."""

    user_id: str
    step: int

    def spend(self, connection: Connection) -> bool:
        return users_sync.claim_tfa_step(connection, self.user_id, self.step)

    def committed(self) -> None:
        return None
