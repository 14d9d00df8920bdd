"""The cost pool's logic: a batch of spans → per (project, minute, provider, model) rows of `cost_metrics`.

`cost_metrics` is a SummingMergeTree, so a batch delivered twice (at-least-once) must not be added
twice: every insert carries an `insert_deduplication_token` derived from the batch's span keys, and
ClickHouse drops a block it has already seen with that token. A replay after a crash re-reads the
same pending entries and so builds the same token.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgpack
import numpy as np

from actors.consumer import decode_entry
from actors.pricing import PriceBook
from cluster.bus import usage_item
from cluster.migrations import COST_METRIC_COLUMNS
from cluster.store import StoreClient
from cluster.streams import ENTRY_USAGE

#: What the cost pool takes per span: its `usage` item (see `cluster.streams`; a tuple when read from an entry),
#: None for no LLM call.
UsageItem = Sequence[Any] | None

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
    llm = [item for item in items if item is not None]
    return _token(list(zip(*llm)) if llm else [])


def _token(columns: list[tuple[Any, ...]]) -> str:
    """`batch_token` from the LLM items' columns: the sha256 of each sorted key followed by a newline."""
    if not columns:
        return "cost-" + hashlib.sha256().hexdigest()
    try:
        keys = sorted(map("/".join, zip(columns[0], columns[1], columns[2])))
    except TypeError:  # a key part that is not text (not what ingest writes): format each one
        keys = sorted(f"{p}/{t}/{s}" for p, t, s in zip(columns[0], columns[1], columns[2]))
    keys.append("")
    return "cost-" + hashlib.sha256("\n".join(keys).encode()).hexdigest()


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
            # Tuples, not lists: the garbage collector stops tracking a tuple of scalars, so the many small items
            # of a batch are not traversed again by every later collection (2× cheaper decode + columns, measured).
            items = msgpack.unpackb(fields[ENTRY_USAGE], raw=False, use_list=False)
            if not isinstance(items, tuple):
                raise ValueError(f"entry's usage field carries {type(items).__name__}, expected a list")
            return list(items)
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
        return self._rows(self._columns(items))

    @staticmethod
    def _columns(items: list[UsageItem]) -> list[tuple[Any, ...]]:
        """The LLM items transposed: one tuple per item position (see `cluster.bus.usage_item`); [] for none."""
        llm = [item for item in items if item is not None]
        return list(zip(*llm)) if llm else []

    def _rows(self, columns: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """The rows of a batch's LLM columns, vectorised: each (provider, model) is priced once per batch and
        the sums per (project, minute, provider, model) are numpy reductions in span order (the same float sums
        as adding span by span)."""
        if not columns:
            return []
        projects, starts, models, providers = columns[0], columns[3], columns[4], columns[5]
        # One code per (project, provider, model): distinct keys in first-seen order, then a C-level lookup per span.
        triples = list(zip(projects, providers, models))
        distinct = list(dict.fromkeys(triples))
        code_of = {key: i for i, key in enumerate(distinct)}
        codes = np.fromiter(map(code_of.__getitem__, triples), dtype=np.int64, count=len(triples))
        pairs = list(dict.fromkeys((provider, model) for _, provider, model in distinct))
        pair_of = {pair: i for i, pair in enumerate(pairs)}
        rate_rows, unpriced_pairs = self._prices.rate_table(pairs)
        code_pair = np.array([pair_of[(provider, model)] for _, provider, model in distinct], dtype=np.int64)
        span_pair = code_pair[codes]

        minutes = np.array(starts, dtype=np.int64) // _NS_PER_MINUTE
        first_minute = int(minutes.min())
        group_key = codes * (int(minutes.max()) - first_minute + 1) + (minutes - first_minute)
        keys, first, inverse = np.unique(group_key, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")  # groups in first-seen order, as span-by-span accumulation makes
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        inverse = rank[inverse.reshape(-1)]
        groups = len(keys)

        counts = np.array(columns[6:11], dtype=np.int64)  # input, output, cache_read, cache_write, reasoning
        tokens = np.empty((counts.shape[1], 5), dtype=np.float64)  # in TOKEN_KINDS order, as PriceBook.price builds it
        tokens[:, 0] = np.maximum(counts[0] - counts[2] - counts[3], 0)
        tokens[:, 1] = counts[2]
        tokens[:, 2] = counts[3]
        tokens[:, 3] = np.maximum(counts[1] - counts[4], 0)
        tokens[:, 4] = counts[4]
        cost = np.einsum("ij,ij->i", tokens, rate_rows[span_pair])

        sums = [np.bincount(inverse, minlength=groups).tolist(),
                np.bincount(inverse, weights=unpriced_pairs[span_pair], minlength=groups).astype(np.int64).tolist()]
        sums += [np.bincount(inverse, weights=column, minlength=groups).astype(np.int64).tolist() for column in counts]
        sums.append(np.bincount(inverse, weights=cost, minlength=groups).tolist())
        group_code = codes[first[order]].tolist()
        group_minute = (minutes[first[order]] * 60).tolist()
        rows = []
        for g, (code, minute) in enumerate(zip(group_code, group_minute)):
            project, provider, model = distinct[code]
            rows.append((project, minute, provider, model, *(column[g] for column in sums)))
        return rows

    async def write(self, spans: list[dict[str, Any]]) -> int:
        """Insert the sums of validated wire spans (deduplicated by batch content); returns rows written."""
        return await self.write_items(self.items(spans))

    async def write_items(self, items: list[UsageItem]) -> int:
        """Insert a batch's sums (deduplicated by batch content); returns rows written."""
        columns = self._columns(items)
        rows = self._rows(columns)
        written = 0
        if rows:
            written = await self._store.insert(
                "cost_metrics", rows, COST_METRIC_COLUMNS, settings={"insert_deduplication_token": _token(columns)}
            )
        self.totals.spans += len(items)
        self.totals.llm_spans += sum(row[4] for row in rows)
        self.totals.unpriced_spans += sum(row[5] for row in rows)
        self.totals.cost_usd += sum(row[11] for row in rows)
        return written
