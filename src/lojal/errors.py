"""One error shape for the whole API: ``{"error": {"code", "message", "field"}}``."""

from __future__ import annotations

from typing import Any


class LojalError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        status_code: int | None = None,
        code: str | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details
        if status_code is not None:
            self.status_code = status_code
        if code is not None:
            self.code = code

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message, "field": self.field}
        if self.details is not None:
            body["details"] = self.details
        return {"error": body}


class ValidationFailed(LojalError):
    status_code = 422
    code = "validation_error"


class NotFound(LojalError):
    status_code = 404
    code = "not_found"


class Conflict(LojalError):
    status_code = 409
    code = "conflict"


class Unauthorized(LojalError):
    status_code = 401
    code = "unauthorized"


class Forbidden(LojalError):
    status_code = 403
    code = "forbidden"


class TooManyRequests(LojalError):
    status_code = 429
    code = "too_many_requests"
