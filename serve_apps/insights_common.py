"""What the Insights routers (security, analytics, notifications, overview) share: the time window
parameters, role checks on a read-authorised project, and turning store outages into 503s."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any, TypeVar

from fastapi import Query

from cluster.metadata.projects import at_least
from cluster.query.windows import TimeWindow, parse_window
from cluster.store import StoreUnavailable
from serve_apps.access import ProjectAccess
from serve_apps.errors import ApiError
from serve_apps.traces import IsoDateTime

_T = TypeVar("_T")


#: The instants the store can hold (ClickHouse DateTime64 and Int64 nanoseconds): bounds outside are clamped.
_EARLIEST, _LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(2262, 4, 11, tzinfo=UTC)


def _representable(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return min(max(value, _EARLIEST), _LATEST)


def window_params(
    start: IsoDateTime | None = Query(None, description="window start (ISO 8601; default: end minus 24 h)"),
    end: IsoDateTime | None = Query(None, description="window end, exclusive (ISO 8601; default: now)"),
) -> TimeWindow:
    """Dependency: the `[start, end)` window of a read: ISO 8601 only (a number is 422 naming it), bounds
    clamped to what the store can hold. A window that ends before it starts is empty, as in the trace
    list (a schema cannot declare `start < end`, so refusing it would refuse requests the schema allows)."""
    start, end = _representable(start), _representable(end)
    if start is not None and end is not None and start >= end:
        return TimeWindow(start, start)
    try:
        return parse_window(start, end)
    except ValueError as exc:  # only `start`, later than now: the window ends now
        now = datetime.now(UTC)
        if start is not None and start >= now:
            return TimeWindow(start, start)
        raise ApiError(422, "invalid_window", str(exc), field="start") from None


def who(access: ProjectAccess) -> str:
    """How a change is attributed: the user's email (keys cannot change anything)."""
    user = access.caller.user
    return user.email if user is not None else "api-key"


def require_role(access: ProjectAccess, needed: str) -> ProjectAccess:
    """403 unless a logged-in user with at least `needed` on the project (read keys only read)."""
    if access.caller.user is None:
        raise ApiError(403, "insufficient_scope", "API keys only read; log in as a project member to change this")
    if not at_least(access.role, needed):
        raise ApiError(403, "forbidden_role", f"this needs the {needed} role or higher on the project; you are {access.role}")
    return access


async def guarded(awaitable: Awaitable[_T], retry_after_s: int) -> _T:
    """Await a store read; a store that cannot answer is a 503 with Retry-After."""
    try:
        return await awaitable
    except StoreUnavailable as exc:
        raise ApiError(503, "store_unavailable", str(exc), headers={"Retry-After": str(retry_after_s)}) from exc


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def as_list(values: Any) -> list[str] | None:
    return list(values) if values else None
