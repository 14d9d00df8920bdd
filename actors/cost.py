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

import msgpack

from actors.consumer import decode_entry
from actors.pricing import PriceBook
from actors.usage import LlmUsage
from cluster.bus import usage_item
from cluster.migrations import COST_METRIC_COLUMNS
from cluster.store import StoreClient
from cluster.streams import ENTRY_USAGE

#: What the cost pool takes per span: its `usage` item (see `cluster.streams`), None for no LLM call.
UsageItem = list[Any] | None

_NS_PER_MINUTE = 60 * 10**9


@dataclass
class CostTotals:
    """What the calculator has seen since it started (for status and metrics)."""

    spans: int = 0
    llm_spans: int = 0
    unpriced_spans: int = 0
    cost_usd: float = 0.0


def batch_token(items: list[UsageItem]) -> str:
    """A deterministic id of a batch's content: the sorted (project, trace, span) keys of its LLM spans, hashed.

    Only LLM spans make rows, so two batches with the same LLM spans write the same sums.
    """
    digest = hashlib.sha256()
    for key in sorted(f"{i[0]}/{i[1]}/{i[2]}" for i in items if i is not None):
        digest.update(key.encode())
        digest.update(b"\n")
    return "cost-" + digest.hexdigest()


class CostCalculator:
    """Prices spans with a `PriceBook` and writes their sums to `cost_metrics`."""

    def __init__(self, store: StoreClient, prices: PriceBook) -> None:
        self._store = store
        self._prices = prices
        self.totals = CostTotals()

    @staticmethod
    def decode_entry(fields: dict[bytes, bytes]) -> list[UsageItem]:
        """The cost pool's items of one stream entry: its `usage` field, else computed from its spans."""
        if ENTRY_USAGE in fields:
            items = msgpack.unpackb(fields[ENTRY_USAGE], raw=False)
            if not isinstance(items, list):
                raise ValueError(f"entry's usage field carries {type(items).__name__}, expected a list")
            return items
        return CostCalculator.items(decode_entry(fields))

    @staticmethod
    def items(spans: list[dict[str, Any]]) -> list[UsageItem]:
        """The cost pool's items of validated wire spans (what ingest puts in the entry's `usage` field)."""
        return [usage_item(span) for span in spans]

    def rows(self, spans: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """`cost_metrics` rows (in `COST_METRIC_COLUMNS` order) for the LLM spans of a batch."""
        return self.rows_of(self.items(spans))

    def rows_of(self, items: list[UsageItem]) -> list[tuple[Any, ...]]:
        """`cost_metrics` rows for a batch of usage items."""
        llm = [item for item in items if item is not None]
        usages = [LlmUsage(*item[4:11]) for item in llm]
        costs = self._prices.price(usages)
        cost_list, unpriced = costs.cost_usd.tolist(), costs.unpriced.tolist()
        groups: dict[tuple[str, int, str, str], list[Any]] = {}
        for i, usage in enumerate(usages):
            item = llm[i]
            minute = int(item[3]) // _NS_PER_MINUTE * 60
            key = (item[0], minute, usage.provider, usage.model)
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
        """Insert the sums of validated wire spans (deduplicated by batch content); returns rows written."""
        return await self.write_items(self.items(spans))

    async def write_items(self, items: list[UsageItem]) -> int:
        """Insert a batch's sums (deduplicated by batch content); returns rows written."""
        rows = self.rows_of(items)
        written = 0
        if rows:
            written = await self._store.insert(
                "cost_metrics", rows, COST_METRIC_COLUMNS, settings={"insert_deduplication_token": batch_token(items)}
            )
        self.totals.spans += len(items)
        self.totals.llm_spans += sum(row[4] for row in rows)
        self.totals.unpriced_spans += sum(row[5] for row in rows)
        self.totals.cost_usd += sum(row[11] for row in rows)
        return written
