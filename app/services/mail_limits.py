"""RATE_LIMITER_EMAIL_*: how many mails one inbox gets, whoever asks for them.

Every flow that mails an address (password reset, invitation, registration and their
re-sends) asks here first, so a flood of requests for one address never becomes a flood
of mail in that inbox. The count is per address (lower-cased), not per client: a botnet
asking for the same victim's reset shares one budget.
"""

from __future__ import annotations

import logging

from app.errors import RequestsExceededError
from app.security.rate_limits import RateLimits

logger = logging.getLogger(__name__)


class MailLimiter:
    def __init__(self, rate_limits: RateLimits) -> None:
        self._rate_limits = rate_limits

    async def take(self, address: str) -> None:
        """Spends one mail of `address`'s budget; RequestsExceededError when none is left.
        For callers who may say so (an invitation: the inviter sees the users anyway)."""
        await self._rate_limits.hit_mail(address)

    async def allow(self, address: str) -> bool:
        """Spends one mail of `address`'s budget; False, and nothing said to the client,
        when none is left. For anonymous flows, whose answer must not depend on whether
        a mail went out (that would tell which addresses have accounts)."""
        try:
            await self.take(address)
        except RequestsExceededError:
            logger.warning("mail not sent: the address had its share (RATE_LIMITER_EMAIL_*)")
            return False
        return True
