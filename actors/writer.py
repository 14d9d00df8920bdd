"""The ClickHouse writer's logic: wire spans → rows of the `spans` table → one batched insert.

Each row also carries the span's LLM usage (`actors.usage`) and its cost, priced per batch with the
shared `PriceBook`, so trace views and summaries never need a join.
"""

from __future__ import annotations

import json
from typing import Any

from actors.pricing import PriceBook
from actors.usage import LlmUsage, extract_usage
from cluster.migrations import SPAN_COLUMNS, SPAN_USAGE_COLUMNS
from cluster.store import StoreClient

#: Columns of one insert: the base span columns, then the usage and cost columns.
WRITE_COLUMNS: tuple[str, ...] = SPAN_COLUMNS + SPAN_USAGE_COLUMNS


def _text(value: Any) -> str:
    """An attribute value as the `Map(String, String)` stores it (JSON text for non-strings)."""
    if isinstance(value, str):
        return value
    kind = type(value)
    if kind is int:
        return str(value)  # what json.dumps gives, 10× cheaper
    if kind is bool:
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)


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
        json.dumps(events, ensure_ascii=False) if (events := span.get("events")) else "[]",
        span.get("input") or "",
        span.get("output") or "",
        span.get("span_kind") or "",
        json.dumps(span.get("links") or [], ensure_ascii=False),
        {key: _text(value) for key, value in (span.get("resource") or {}).items()},
        (span.get("scope") or {}).get("name") or "",
        (span.get("scope") or {}).get("version") or "",
    )


def usage_columns(usage: LlmUsage | None, cost: float, priced: bool) -> tuple[Any, ...]:
    """The `SPAN_USAGE_COLUMNS` values of one span."""
    if usage is None:
        return ("", "", 0, 0, 0, 0, 0, 0.0, "")
    return (
        usage.model,
        usage.provider,
        usage.input,
        usage.output,
        usage.cache_read,
        usage.cache_write,
        usage.reasoning,
        float(cost),
        "priced" if priced else "unpriced",
    )


class SpanWriter:
    """Writes batches of spans to the `spans` table; an insert either lands whole or raises."""

    def __init__(self, store: StoreClient, prices: PriceBook | None = None) -> None:
        self._store = store
        self._prices = prices or PriceBook()
        self.rows_written = 0

    def rows(self, spans: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """The insert rows of a batch (base columns + usage and cost)."""
        usages = [extract_usage(span.get("attributes")) for span in spans]
        costs = self._prices.price(usages)
        cost_list, priced = costs.cost_usd.tolist(), costs.priced.tolist()
        return [
            span_row(span) + usage_columns(usage, cost_list[i], priced[i])
            for i, (span, usage) in enumerate(zip(spans, usages))
        ]

    async def write(self, spans: list[dict[str, Any]]) -> int:
        written = await self._store.insert("spans", self.rows(spans), WRITE_COLUMNS)
        self.rows_written += written
        return written
