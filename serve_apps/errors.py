"""One JSON error envelope for every HTTP answer that is not a success.

`{"error": {"code": "unauthorized", "message": "…what was wrong and how to fix it…", ...}}`
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """An error answer: HTTP status, a stable machine code and a message a person can act on."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        self.extra = extra


class ErrorDetail(BaseModel):
    """What went wrong: a stable code, a message a person can act on, the request field at fault."""

    code: str
    message: str
    field: str | None = None


class ErrorBody(BaseModel):
    """The body of every error answer."""

    error: ErrorDetail


_STATUS_TEXT = {
    400: "Bad request", 401: "Not authenticated (log in again)", 403: "Not allowed (scope, role or CSRF Origin)",
    404: "Not found (or not yours)", 409: "Conflict", 413: "Body too large", 415: "Unsupported media type",
    422: "Invalid input (the field is named)", 429: "Too many requests (see Retry-After)", 503: "Unavailable (see Retry-After)",
}


def error_docs(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries declaring the error envelope for these statuses."""
    return {status: {"model": ErrorBody, "description": _STATUS_TEXT.get(status, "Error")} for status in statuses}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **extra}}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Route ApiError, FastAPI's own 404/405/422 and unexpected exceptions through the envelope."""

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.headers, **exc.extra)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail), getattr(exc, "headers", None))  # e.g. 405's Allow

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            f"{'.'.join(str(p) for p in err.get('loc', ()))}: {err.get('msg')}" for err in exc.errors()
        ]
        first = [str(p) for p in (exc.errors() or [{}])[0].get("loc", ()) if p not in ("body", "query", "path", "header")]
        extra = {"field": ".".join(first)} if first else {}
        return error_response(422, "invalid_request", "; ".join(problems) or "invalid request", **extra)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", f"internal error ({type(exc).__name__}); see the server log")
