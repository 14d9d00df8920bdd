"""One JSON error envelope for every HTTP answer that is not a success.

`{"error": {"code": "unauthorized", "message": "…what was wrong and how to fix it…", ...}}`
"""

from __future__ import annotations

import logging
import re
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


_BODY_PARSE_ERROR = "There was an error parsing the body"


def _documented_paths(app: Any) -> list[tuple[re.Pattern[str], int, list[str]]]:
    """(path regex, literal segments, methods) of every path in the app's OpenAPI document, built once per app."""
    cached = getattr(app.state, "documented_paths", None)
    if cached is None:
        cached = []
        for template, operations in app.openapi().get("paths", {}).items():
            pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
            literal = sum(1 for part in template.split("/") if part and not part.startswith("{"))
            cached.append((re.compile(f"^{pattern}$"), literal, sorted(m.upper() for m in operations)))
        app.state.documented_paths = cached
    return cached


def allowed_methods(request: Request) -> list[str]:
    """The methods the OpenAPI document lists for this request's path: every route of the path, not only the
    first (Starlette's `Allow`); of overlapping templates the most literal one (`/alerts/bulk-status`, not
    `/alerts/{alert_id}`)."""
    path = request.url.path
    found = [(literal, methods) for pattern, literal, methods in _documented_paths(request.app) if pattern.match(path)]
    best = max((literal for literal, _ in found), default=0)
    return sorted({m for literal, methods in found if literal == best for m in methods})


def method_not_allowed(request: Request) -> JSONResponse:
    """405 with an `Allow` header listing every method of the path (Starlette lists only its first route's)."""
    allowed = allowed_methods(request)
    if not allowed:  # the path is not in the API at all
        return error_response(404, "not_found", f"no route {request.url.path}")
    return error_response(
        405, "method_not_allowed", f"{request.method} is not allowed on {request.url.path}; allowed: {', '.join(allowed)}",
        {"Allow": ", ".join(allowed)},
    )


def install_error_handlers(app: FastAPI) -> None:
    """Route ApiError, FastAPI's own 404/405/422 and unexpected exceptions through the envelope."""

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.headers, **exc.extra)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 405:
            return method_not_allowed(request)
        if exc.status_code == 400 and exc.detail == _BODY_PARSE_ERROR:
            # FastAPI's answer to a body it cannot decode (e.g. not UTF-8): an invalid request like any other.
            return error_response(422, "invalid_request", "the request body is not valid JSON", field="body")
        code = {404: "not_found"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail), getattr(exc, "headers", None))

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
