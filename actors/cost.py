"""The cost pool's logic: a batch of spans → per (project, minute, provider, model) rows of `cost_metrics`.

`cost_metrics` is a SummingMergeTree, so a batch delivered twice (at-least-once) must not be added
twice: every insert carries an `insert_deduplication_token` derived from the batch's span keys, and
ClickHouse drops a block it has already seen with that token. A replay after a crash re-reads the
same pending entries and so builds the same token.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from actors.pricing import PriceBook
from actors.usage import extract_usage
from cluster.migrations import COST_METRIC_COLUMNS
from cluster.store import StoreClient

_NS_PER_MINUTE = 60 * 10**9


@dataclass
class CostTotals:
    """What the calculator has seen since it started (for status and metrics)."""

    spans: int = 0
    llm_spans: int = 0
    unpriced_spans: int = 0
    cost_usd: float = 0.0


def batch_token(spans: list[dict[str, Any]]) -> str:
    """A deterministic id of a batch's content: the sorted (project, trace, span) keys, hashed."""
    digest = hashlib.sha256()
    for key in sorted(f"{s.get('project_id')}/{s.get('trace_id')}/{s.get('span_id')}" for s in spans):
        digest.update(key.encode())
        digest.update(b"\n")
    return "cost-" + digest.hexdigest()


class CostCalculator:
    """Prices spans with a `PriceBook` and writes their sums to `cost_metrics`."""

    def __init__(self, store: StoreClient, prices: PriceBook) -> None:
        self._store = store
        self._prices = prices
        self.totals = CostTotals()

    def rows(self, spans: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """`cost_metrics` rows (in `COST_METRIC_COLUMNS` order) for the LLM spans of a batch."""
        usages = [extract_usage(span.get("attributes")) for span in spans]
        costs = self._prices.price(usages)
        cost_list, unpriced = costs.cost_usd.tolist(), costs.unpriced.tolist()
        groups: dict[tuple[str, int, str, str], list[Any]] = {}
        for i, usage in enumerate(usages):
            if usage is None:
                continue
            span = spans[i]
            minute = int(span["start_time"]) // _NS_PER_MINUTE * 60
            key = (span["project_id"], minute, usage.provider, usage.model)
            acc = groups.setdefault(key, [0, 0, 0, 0, 0, 0, 0, 0.0])
            acc[0] += 1
            acc[1] += 1 if unpriced[i] else 0
            acc[2] += usage.input
            acc[3] += usage.output
            acc[4] += usage.cache_read
            acc[5] += usage.cache_write
            acc[6] += usage.reasoning
            acc[7] += cost_list[i]
        return [(project, minute, provider, model, *acc) for (project, minute, provider, model), acc in groups.items()]

    async def write(self, spans: list[dict[str, Any]]) -> int:
        """Insert the batch's sums (deduplicated by batch content); returns rows written."""
        rows = self.rows(spans)
        written = 0
        if rows:
            written = await self._store.insert(
                "cost_metrics", rows, COST_METRIC_COLUMNS, settings={"insert_deduplication_token": batch_token(spans)}
            )
        self.totals.spans += len(spans)
        self.totals.llm_spans += sum(row[4] for row in rows)
        self.totals.unpriced_spans += sum(row[5] for row in rows)
        self.totals.cost_usd += sum(row[11] for row in rows)
        return written
