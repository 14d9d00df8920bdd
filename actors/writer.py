"""The ClickHouse writer's logic: wire spans → rows of the `spans` table → one batched insert."""

from __future__ import annotations

import json
from typing import Any

from cluster.migrations import SPAN_COLUMNS
from cluster.store import StoreClient


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def span_row(span: dict[str, Any]) -> tuple[Any, ...]:
    """One `spans` row (in `SPAN_COLUMNS` order) from a validated wire span carrying `project_id`."""
    start, end = span["start_time"], span["end_time"]
    return (
        span["project_id"],
        span["trace_id"],
        span["span_id"],
        span.get("parent_span_id") or "",
        span["name"],
        span.get("kind") or "span",
        span.get("service_name") or "default",
        start,
        end,
        (end - start) / 1e6,
        span.get("status") or "UNSET",
        span.get("status_message") or "",
        {key: _text(value) for key, value in (span.get("attributes") or {}).items()},
        json.dumps(span.get("events") or [], ensure_ascii=False),
        span.get("input") or "",
        span.get("output") or "",
        span.get("span_kind") or "",
        json.dumps(span.get("links") or [], ensure_ascii=False),
        {key: _text(value) for key, value in (span.get("resource") or {}).items()},
        (span.get("scope") or {}).get("name") or "",
        (span.get("scope") or {}).get("version") or "",
    )


class SpanWriter:
    """Writes batches of spans to the `spans` table; an insert either lands whole or raises."""

    def __init__(self, store: StoreClient) -> None:
        self._store = store
        self.rows_written = 0

    async def write(self, spans: list[dict[str, Any]]) -> int:
        rows = [span_row(span) for span in spans]
        written = await self._store.insert("spans", rows, SPAN_COLUMNS)
        self.rows_written += written
        return written
