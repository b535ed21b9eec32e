"""One error shape for the whole API: ``{"error": {"code", "message", "field"}}``."""

from __future__ import annotations

from typing import Any

NUL_MESSAGE = "text may not contain the NUL character (\\u0000)"
"""PostgreSQL cannot store NUL in text: every way in refuses it with this message."""


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


def _field_of(location: list[Any]) -> str | None:
    parts = [str(part) for part in location
             if part not in ("body", "query", "path", "header")
             and not (isinstance(part, str) and ("function-" in part or "[" in part))]
    return ".".join(parts) or None


def validation_failed_from(errors: list[dict[str, Any]], prefix: str | None = None) -> ValidationFailed:
    """One ValidationFailed from Pydantic's error list: the first error names the field; all are
    in ``details`` when there are several."""
    details = []
    for error in errors:
        field = _field_of(list(error.get("loc", ())))
        if prefix:
            field = f"{prefix}.{field}" if field else prefix
        details.append({"field": field, "message": str(error.get("msg", "invalid")).removeprefix("Value error, ")})
    first = details[0] if details else {"field": prefix, "message": "invalid"}
    message = first["message"] if first["field"] is None else f"{first['field']}: {first['message']}"
    return ValidationFailed(message, field=first["field"], details=details if len(details) > 1 else None)
