"""Directus error codes: one class each, with its message, HTTP status and the extensions
Directus sends beside `code` (every surface reads them from here, so they all agree)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def _reason(reason: str | None) -> str | None:
    """Directus's `reason`: the client-facing cause, without a closing period."""
    return reason.rstrip(".") if reason else None


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

    def __init__(self, message: str | None = None, extensions: Mapping[str, Any] | None = None):
        self.message = message or self.default_message
        self.extensions: dict[str, Any] = dict(extensions or {})
        super().__init__(self.message)

    def formatted_extensions(self) -> dict[str, Any]:
        """`extensions` as a client receives them: the code first, then the rest."""
        return {"code": self.code, **self.extensions}


class _ReasonedError(DirectusError):
    """Errors whose message is a fixed prefix plus a reason, sent as `reason` too."""

    def __init__(self, reason: str | None = None) -> None:
        cause = _reason(reason)
        super().__init__(
            _sentence(self.default_message, cause), {"reason": cause} if cause else None
        )


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
    """Directus's message is the reason itself, when there is one."""

    code, status = "FORBIDDEN", 403
    default_message = "You don't have permission to access this."

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(reason, {"reason": reason} if reason else None)

    @classmethod
    def field(cls, field: str, collection: str, queried: str | None = None) -> ForbiddenError:
        """A field the caller may not read, or that does not exist: the two look alike.
        `queried`: where in a REST `fields` list it was asked ("root", or a relation)."""
        where = f" Queried in {queried}." if queried else ""
        return cls(
            f'You don\'t have permission to access field "{field}" in collection '
            f'"{collection}" or it does not exist.{where}'
        )

    @classmethod
    def fields(cls, action: str, fields: Sequence[str], collection: str) -> ForbiddenError:
        """A write of fields the caller may not write (here, or on these items), as Directus
        words it."""
        names = ", ".join(f'"{name}"' for name in fields)
        return cls(
            f'You don\'t have permissions to perform "{action}" for the field(s) {names} in '
            f'collection "{collection}" or it does not exist.'
        )


class InvalidPayloadError(_ReasonedError):
    code, status, default_message = "INVALID_PAYLOAD", 400, "Invalid payload."


class InvalidQueryError(_ReasonedError):
    code, status, default_message = "INVALID_QUERY", 400, "Invalid query."


class UnprocessableContentError(_ReasonedError):
    code, status, default_message = "UNPROCESSABLE_CONTENT", 422, "Can't process content."


class RecordNotUniqueError(DirectusError):
    """`value` only when it may be shown: never a secret (a static token), so callers
    pass it only for fields whose value is not concealed."""

    code, status = "RECORD_NOT_UNIQUE", 400

    def __init__(
        self,
        field: str = "email",
        collection: str = "directus_users",
        value: str | None = None,
    ) -> None:
        quoted = f'"{value}" ' if value is not None else ""
        extensions: dict[str, Any] = {"collection": collection, "field": field}
        if value is not None:
            extensions["value"] = value
        super().__init__(
            f'Value {quoted}for field "{field}" in collection "{collection}" has to be unique.',
            extensions,
        )


class InvalidForeignKeyError(DirectusError):
    code, status = "INVALID_FOREIGN_KEY", 400

    def __init__(self, field: str | None = None, collection: str | None = None) -> None:
        # Directus 12's words (as measured); the field and collection go in `extensions`.
        super().__init__("Invalid foreign key.", {"collection": collection, "field": field})


class FailedValidationError(DirectusError):
    """`kind` is Directus's `type`: the filter operator the value failed ("lte", "in",
    "nnull" …) or "required", "email", "regex"; `extra` its `valid`/`invalid`/`substring`.
    Never put a secret (a password) in `extra`."""

    code, status = "FAILED_VALIDATION", 400

    def __init__(
        self,
        field: str,
        reason: str,
        kind: str = "regex",
        *,
        path: Sequence[str | int] = (),
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        extensions = {"field": field, "type": kind, "path": list(path), **(extra or {})}
        super().__init__(f'Validation failed for field "{field}". {reason}', extensions)


class InvalidInviteError(DirectusError):
    code, status, default_message = "INVALID_INVITE", 400, "This invite is no longer valid."


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

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, {"reason": "Payload too large"})


class MethodNotAllowedError(DirectusError):
    """Directus's refusal of a method, naming the ones that would do (the Allow header)."""

    code, status = "METHOD_NOT_ALLOWED", 405

    def __init__(self, current: str, allowed: Sequence[str] = ("POST",)) -> None:
        self.current = current
        self.allowed = list(allowed)
        choices = ", ".join(f'"{method}"' for method in self.allowed)
        super().__init__(
            f'Invalid method "{current}" used. Should be one of {choices}.',
            {"allowed": list(self.allowed), "current": current},
        )


class InvalidProviderError(DirectusError):
    code, status, default_message = "INVALID_PROVIDER", 403, "Invalid provider."


class ServiceUnavailableError(DirectusError):
    code, status, default_message = "SERVICE_UNAVAILABLE", 503, "Service unavailable."


class InternalServerError(DirectusError):
    """The masked form of every unexpected exception."""
