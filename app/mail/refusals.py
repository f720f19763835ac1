"""Which SMTP failures are the message's own: a 5xx reply refusing its sender, its
recipient or its content. Another attempt gets the same answer, so the queue gives such a
message up at once; a 4xx, a timeout or a server that does not answer is retried."""

from __future__ import annotations

import aiosmtplib

# Refusals of this message (MAIL FROM, RCPT TO, DATA). A 5xx greeting, HELO or AUTH reply
# is the server's or its settings' problem, not the message's: those are retried.
_MESSAGE_REFUSALS = (
    aiosmtplib.SMTPSenderRefused,
    aiosmtplib.SMTPRecipientRefused,
    aiosmtplib.SMTPDataError,
)


def smtp_code(error: BaseException) -> int | None:
    """The SMTP reply code of a refusal (the lowest of the refused recipients'), if any."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [refusal.code for refusal in error.recipients]
        return min(codes) if codes else None
    code = getattr(error, "code", None)
    return code if isinstance(code, int) else None


def is_permanent(error: BaseException) -> bool:
    """A 5xx refusal of the message itself (every recipient's, when several are refused)."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(r.code >= 500 for r in error.recipients)
    return isinstance(error, _MESSAGE_REFUSALS) and error.code >= 500
