"""Every error leaves the API as ``{"error": {"code", "message", "field"}}``; never a bare 500."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from lojal.errors import LojalError, validation_failed_from

logger = logging.getLogger("lojal.api")


def validation_response(errors: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse(validation_failed_from(errors).to_dict(), status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LojalError)
    async def lojal_error(request: Request, error: LojalError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if error.status_code == 401 else None
        return JSONResponse(error.to_dict(), status_code=error.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def request_validation(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = list(error.errors())
        if errors and errors[0].get("type") == "json_invalid":
            return JSONResponse(LojalError(f"the body is not valid JSON: {errors[0].get('ctx', {}).get('error', '')}".rstrip(": "),
                                           field="body", status_code=400, code="malformed_json").to_dict(), status_code=400)
        return validation_response(errors)

    @app.exception_handler(ValidationError)
    async def model_validation(request: Request, error: ValidationError) -> JSONResponse:
        return validation_response(list(error.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return JSONResponse(LojalError(str(error.detail), status_code=error.status_code, code=code).to_dict(),
                            status_code=error.status_code, headers=getattr(error, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        logger.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(LojalError("an unexpected error happened; it has been logged", status_code=500,
                                       code="internal_error").to_dict(), status_code=500)
