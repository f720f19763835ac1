"""Whether the SMTP server of the settings answers (connect, greeting, EHLO, login when a
user is set), for `dauth check`: mail is sent in the background, so a wrong host would
otherwise only show as mails that never arrive."""

from __future__ import annotations

import aiosmtplib

from app.config import Settings


async def smtp_problem(settings: Settings) -> str | None:
    """None when the server answers; else one line naming the variables and the cause."""
    where = f"{settings.email_smtp_host}:{settings.email_smtp_port}"
    client = aiosmtplib.SMTP(
        hostname=settings.email_smtp_host,
        port=settings.email_smtp_port,
        use_tls=settings.email_smtp_secure,
        start_tls=False if settings.email_smtp_ignore_tls else None,
        timeout=settings.email_smtp_timeout / 1000,
    )
    try:
        await client.connect()
        if settings.email_smtp_user:
            await client.login(settings.email_smtp_user, settings.email_smtp_password or "")
        await client.quit()
    except aiosmtplib.SMTPAuthenticationError as error:
        return f"EMAIL_SMTP_USER/EMAIL_SMTP_PASSWORD ({where}): login refused ({error.code})"
    except (aiosmtplib.SMTPException, OSError) as error:
        cause = error.strerror if isinstance(error, OSError) and error.strerror else error
        return f"EMAIL_SMTP_HOST/EMAIL_SMTP_PORT ({where}): {cause}"
    return None
