"""The project's errors, each with its HTTP status and problem type.

Handlers raise these; the HTTP middleware renders them as RFC 7807
``application/problem+json`` and the Socket.IO helpers as ``{ok: false, error}``
acks. No handler builds an error response by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

PROBLEM_BASE = "https://coview.dev/problems/"


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass
class CoviewError(Exception):
    """Base of every error a client may see."""

    detail: str = ""
    errors: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal"
    title: ClassVar[str] = "Internal server error"

    def __post_init__(self) -> None:
        super().__init__(self.detail or self.title)

    @property
    def type(self) -> str:
        return PROBLEM_BASE + self.code

    def problem(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail or self.title,
        }
        if self.errors:
            body["errors"] = [{"field": e.field, "message": e.message} for e in self.errors]
        return body

    def ack(self) -> dict[str, Any]:
        """The Socket.IO form: ``{ok: false, error: {code, message}}``."""
        return {"ok": False, "error": {"code": self.code, "message": self.detail or self.title}}


class BadRequest(CoviewError):
    status = 400
    code = "bad-request"
    title = "Malformed request"


class Unauthorized(CoviewError):
    status = 401
    code = "unauthorized"
    title = "Missing or invalid credentials"

    def __post_init__(self) -> None:
        super().__post_init__()
        self.headers.setdefault("WWW-Authenticate", "Bearer")


class Forbidden(CoviewError):
    status = 403
    code = "forbidden"
    title = "Not allowed"


class NotFound(CoviewError):
    status = 404
    code = "not-found"
    title = "Not found"


class MethodNotAllowed(CoviewError):
    status = 405
    code = "method-not-allowed"
    title = "Method not allowed"


class Conflict(CoviewError):
    status = 409
    code = "conflict"
    title = "Conflicting state"


class PayloadTooLarge(CoviewError):
    status = 413
    code = "payload-too-large"
    title = "Payload too large"


class Unprocessable(CoviewError):
    status = 422
    code = "validation"
    title = "Invalid request"


class RateLimited(CoviewError):
    status = 429
    code = "rate-limited"
    title = "Too many requests"


class Unavailable(CoviewError):
    status = 503
    code = "unavailable"
    title = "Service unavailable"


class StoreUnavailable(Unavailable):
    """The shared store (Redis) cannot answer now (down, restarting, failing over). Each
    store write is atomic, so the request took effect whole or not at all (unknown when
    the connection broke mid-write: retry with the same ``Idempotency-Key``); the same
    request may succeed after ``Retry-After``."""

    retry_after_s: ClassVar[int] = 2

    def __post_init__(self) -> None:
        super().__post_init__()
        self.headers.setdefault("Retry-After", str(self.retry_after_s))

    @classmethod
    def caused_by(cls, exc: BaseException) -> StoreUnavailable:
        return cls(f"the shared store is unreachable ({type(exc).__name__}); retry shortly")


class InternalError(CoviewError):
    pass


_BY_STATUS: dict[int, type[CoviewError]] = {
    cls.status: cls
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        Conflict,
        PayloadTooLarge,
        Unprocessable,
        RateLimited,
        Unavailable,
    )
}


def error_for_status(status: int, detail: str = "") -> CoviewError:
    """The project error matching an HTTP status raised by aiohttp itself."""
    cls = _BY_STATUS.get(status)
    if cls is None:
        err: CoviewError = InternalError(detail)
        return err
    return cls(detail)
