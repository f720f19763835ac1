"""Directus error codes: one class each, with its message and HTTP status."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def _sentence(prefix: str, reason: str | None) -> str | None:
    """Directus's "<prefix> <reason>." with exactly one closing period."""
    if not reason:
        return None
    return f"{prefix} {reason.rstrip('.')}."


class DirectusError(Exception):
    """An expected, coded failure that reaches the client as-is."""

    code = "INTERNAL_SERVER_ERROR"
    status = 500
    default_message = "An unexpected error occurred."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)

    @property
    def extensions(self) -> dict[str, Any]:
        """What Directus sends beside `code` in `extensions` (most errors: nothing)."""
        return {}


class InvalidCredentialsError(DirectusError):
    code, status, default_message = "INVALID_CREDENTIALS", 401, "Invalid user credentials."


class InvalidOtpError(DirectusError):
    code, status, default_message = "INVALID_OTP", 401, "Invalid user OTP."


class UserSuspendedError(DirectusError):
    code, status, default_message = "USER_SUSPENDED", 401, "User suspended."


class TokenExpiredError(DirectusError):
    code, status, default_message = "TOKEN_EXPIRED", 401, "Token expired."


class InvalidTokenError(DirectusError):
    code, status, default_message = "INVALID_TOKEN", 403, "Invalid token."


class ForbiddenError(DirectusError):
    code, status = "FORBIDDEN", 403
    default_message = "You don't have permission to access this."


class InvalidPayloadError(DirectusError):
    code, status, default_message = "INVALID_PAYLOAD", 400, "Invalid payload."

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(_sentence("Invalid payload.", reason))


class InvalidQueryError(DirectusError):
    code, status, default_message = "INVALID_QUERY", 400, "Invalid query."

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(_sentence("Invalid query.", reason))


class RecordNotUniqueError(DirectusError):
    code, status = "RECORD_NOT_UNIQUE", 400

    def __init__(self, field: str = "email", collection: str = "directus_users") -> None:
        super().__init__(
            f'Value for field "{field}" in collection "{collection}" has to be unique.'
        )


class FailedValidationError(DirectusError):
    code, status = "FAILED_VALIDATION", 400

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f'Validation failed for field "{field}". {reason}')


class InvalidInviteError(DirectusError):
    code, status, default_message = "INVALID_INVITE", 400, "This invite is no longer valid."


class UnprocessableContentError(DirectusError):
    code, status, default_message = "UNPROCESSABLE_CONTENT", 422, "Can't process content."

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(_sentence("Can't process content.", reason))


class RequestsExceededError(DirectusError):
    code, status = "REQUESTS_EXCEEDED", 429

    def __init__(self, retry_after_ms: int) -> None:
        self.retry_after_ms = retry_after_ms
        super().__init__(f"Too many requests, retry after {retry_after_ms}ms.")

    @property
    def retry_after(self) -> str:
        """The Retry-After header: whole seconds, rounded up, at least one."""
        return str(max(1, -(-self.retry_after_ms // 1000)))


class PayloadTooLargeError(DirectusError):
    code, status, default_message = "INVALID_PAYLOAD", 413, "Invalid payload. Payload too large."


class MethodNotAllowedError(DirectusError):
    """Directus's refusal of a method, naming the ones that would do (the Allow header)."""

    code, status = "METHOD_NOT_ALLOWED", 405

    def __init__(self, current: str, allowed: Sequence[str] = ("POST",)) -> None:
        self.current = current
        self.allowed = list(allowed)
        choices = ", ".join(f'"{method}"' for method in self.allowed)
        super().__init__(f'Invalid method "{current}" used. Should be one of {choices}.')

    @property
    def extensions(self) -> dict[str, Any]:
        return {"allowed": list(self.allowed), "current": self.current}


class InvalidProviderError(DirectusError):
    code, status, default_message = "INVALID_PROVIDER", 403, "Invalid provider."


class ServiceUnavailableError(DirectusError):
    code, status, default_message = "SERVICE_UNAVAILABLE", 503, "Service unavailable."


class InternalServerError(DirectusError):
    """The masked form of every unexpected exception."""
