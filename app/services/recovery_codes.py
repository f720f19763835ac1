"""TFA recovery codes: ten single-use codes that stand in for a TOTP code at a login.

Shown once (by users_me_tfa_generate, derived from the secret being set up, and by
regenerate), stored as keyed hashes only (app.security.recovery_codes), honoured only while
the user has TFA on. Using one is spent in the login's own transaction, audited, and mailed
to the user with how many are left. TfaService decides when a set is made or replaced."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage

from app.accountability import ClientInfo
from app.clock import Clock
from app.db.engine import Database
from app.db.models import User
from app.db.types import Connection
from app.mail.mailer import MailComposer
from app.observability import auth_events
from app.repositories import project_settings as settings_repo
from app.repositories.sync import recovery_codes as codes_sync
from app.security import recovery_codes
from app.services.audit import AuditAction, AuditLog
from app.services.mail_queue import MailQueue
from app.services.project_face import ProjectFace, face_of_row

USED_MAIL_TEMPLATE = "tfa-recovery-code-used"
USED_MAIL_SUBJECT = "A recovery code was used"


class RecoveryCodes:
    def __init__(
        self,
        db: Database,
        server_secret: str,
        clock: Clock,
        audit: AuditLog,
        composer: MailComposer,
        queue: MailQueue,
    ) -> None:
        self._db = db
        self._secret = server_secret
        self._clock = clock
        self._audit = audit
        self._composer = composer
        self._queue = queue

    def for_secret(self, tfa_secret: str, user_id: str) -> list[str]:
        """The set the user enabling `tfa_secret` will store, as shown (XXXX-XXXX-XXXX-XXXX)."""
        return [
            recovery_codes.shown(code)
            for code in recovery_codes.derived_set(self._secret, user_id, tfa_secret)
        ]

    def store_for_secret(self, connection: Connection, user_id: str, tfa_secret: str) -> list[str]:
        """In the enabling transaction: the set `for_secret` showed replaces any other, as
        shown. A secret this user had turned TFA on with before stores none (empty list):
        its set was shown once, and some of it may have been used or replaced since."""
        mark = recovery_codes.secret_mark(self._secret, user_id, tfa_secret)
        if not codes_sync.mark_enabled(connection, user_id, mark, self._clock.now()):
            codes_sync.delete_for(connection, [user_id])
            return []
        codes = recovery_codes.derived_set(self._secret, user_id, tfa_secret)
        self._store(connection, user_id, codes)
        return [recovery_codes.shown(code) for code in codes]

    def store_new(self, connection: Connection, user_id: str) -> list[str]:
        """In the regenerating transaction: a fresh random set replaces the user's; the
        codes as shown (they are not kept)."""
        codes = recovery_codes.random_set()
        self._store(connection, user_id, codes)
        return [recovery_codes.shown(code) for code in codes]

    def _store(self, connection: Connection, user_id: str, codes: list[str]) -> None:
        hashes = [recovery_codes.code_hash(self._secret, user_id, code) for code in codes]
        codes_sync.replace(connection, user_id, hashes, self._clock.now())

    @staticmethod
    def clear(connection: Connection, user_ids: list[str]) -> None:
        """TFA turned off (by its user, or an administrator clearing `tfa_secret`)."""
        codes_sync.delete_for(connection, user_ids)

    async def left(self, user_id: str) -> int:
        """How many unused codes the user has (0 without TFA: none are honoured then)."""

        def read(connection: Connection) -> int:
            return codes_sync.left(connection, user_id)

        return await self._db.run_reads(read)

    async def matching(self, user: User, otp: str, client: ClientInfo) -> RecoveryCodeUse | None:
        """The unused code of this TFA user that `otp` is, for the login to spend; None when
        it is not one (a TOTP code never is: no database read for those)."""
        code = recovery_codes.normalised(otp)
        if code is None or not user.tfa_secret:
            return None
        digest = recovery_codes.code_hash(self._secret, user.id, code)

        def read(connection: Connection) -> str | None:
            return codes_sync.find_unused(connection, user.id, digest)

        code_id = await self._db.run_reads(read)
        if code_id is None:
            return None
        async with self._db.read() as session:
            project = face_of_row(await settings_repo.get(session))
        return RecoveryCodeUse(self, user, code_id, client, project)

    def spend(self, connection: Connection, use: RecoveryCodeUse) -> bool:
        """In the login's transaction: the code marked used (false if a parallel login
        spent it first), the audit entry, and the mail to the user with how many are left."""
        user = use.user
        if not codes_sync.spend(connection, use.code_id, self._clock.now()):
            return False
        left = use.left = codes_sync.left(connection, user.id)
        comment = f"{left} recovery codes left"
        entry = self._audit.entry(
            AuditAction.TFA_RECOVERY_CODE_USED, use.client, user=user.id, comment=comment
        )
        self._audit.record_on(connection, entry)
        if user.email:
            self._queue.enqueue_on(connection, self._used_mail(user.email, left, use.project))
        return True

    def committed(self, use: RecoveryCodeUse) -> None:
        """A login that spent a code has committed: its mail may leave now, and the
        operator's log line and metric say so."""
        self._queue.wake()
        auth_events.recovery_code_used(use.user.id, use.client.ip, use.left)

    def _used_mail(self, email: str, left: int, project: ProjectFace) -> EmailMessage:
        return self._composer.compose(
            to=email,
            subject=USED_MAIL_SUBJECT,
            template=USED_MAIL_TEMPLATE,
            values={
                "email": email,
                "project_name": project.name,
                "project_color": project.color,
                "remaining": str(left),
            },
        )


@dataclass
class RecoveryCodeUse:
    """A login's second factor that was a recovery code (a TfaProof): spent, audited and
    mailed in the login's transaction; the mail's sender woken once that commits."""

    codes: RecoveryCodes
    user: User
    code_id: str
    client: ClientInfo
    project: ProjectFace
    # Unused codes after this one was spent (set by `spend`).
    left: int = 0

    def spend(self, connection: Connection) -> bool:
        return self.codes.spend(connection, self)

    def committed(self) -> None:
        self.codes.committed(self)
