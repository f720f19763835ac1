"""The second-factor check at the end of a login, shared by whoever composes one
(AuthService for passwords, SsoService for providers): the login drivers prove the first
factor only. A TOTP code, or in its place one of the user's recovery codes."""

from __future__ import annotations

from app.accountability import ClientInfo
from app.clock import Clock
from app.db.models import User
from app.errors import InvalidOtpError
from app.observability.auth_events import LoginRefusal, refused
from app.security import totp
from app.services.login_guard import LoginClaim, LoginGuard
from app.services.recovery_codes import RecoveryCodes
from app.services.tfa_proofs import TfaProof, TotpStep


class SecondFactor:
    def __init__(self, guard: LoginGuard, clock: Clock, recovery: RecoveryCodes) -> None:
        self._guard = guard
        self._clock = clock
        self._recovery = recovery

    async def check(
        self, user: User, otp: str | None, client: ClientInfo, claim: LoginClaim
    ) -> TfaProof | None:
        """What a TFA user's code proves (a TOTP step, or an unused recovery code), checked
        under the login's claim (a failure counts as a failed login); the session's
        transaction spends it."""
        if not user.tfa_secret:
            return None
        step = totp.matching_step(user.tfa_secret, otp or "", self._clock.now(), stored=True)
        if step is not None:
            return TotpStep(user.id, step)
        use = await self._recovery.matching(user, otp or "", client)
        if use is not None:
            return use
        refused(LoginRefusal.TFA)
        await self._guard.failed(claim, client)
        raise InvalidOtpError()

    async def release(self, claim: LoginClaim | None) -> None:
        """A login that ends before its session without a verdict frees its claim (one
        already settled, by a wrong code, is left alone)."""
        await self._guard.released(claim)

    async def claimed(
        self, user: User, otp: str | None, client: ClientInfo
    ) -> tuple[TfaProof | None, LoginClaim | None]:
        """For a login whose first factor took no claim (SSO, a directory user linked on this
        login): the proof, under a claim of its own, returned for `open_session` to settle."""
        if not user.tfa_secret:
            return None, None
        claim = await self._guard.claim(user, client)
        if claim is None:
            raise InvalidOtpError()
        try:
            return await self.check(user, otp, client, claim), claim
        except BaseException:
            await self._guard.released(claim)  # a wrong code settled it already
            raise
