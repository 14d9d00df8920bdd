"""The writer's insert block: each span's encoded row followed by its usage and cost, priced as columns."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import msgpack
import pytest

from actors.pricing import PriceBook
from actors.usage import LlmUsage
from actors.writer import SpanWriter
from cluster.migrations import SPAN_USAGE_COLUMNS
from cluster.store import pack_block

ROOT = Path(__file__).resolve().parents[2]
PRICING = ROOT / "configs" / "pricing.yaml"
MODELS = [("openai", "gpt-4o"), ("anthropic", "claude-sonnet-4-20250514"), ("openai", "o3"), ("", "mystery-model"),
          ("openai", "GPT-4o")]
ROW_VALUES = 3  # a stand-in base row: three values (the block only appends to what ingest encoded)


def items_of(rng: random.Random, n: int, llm_share: float) -> list[tuple[bytes, list[Any] | None]]:
    items = []
    for i in range(n):
        row = pack_block((f"trace-{i}", f"span-{i}", i))
        usage = None
        if rng.random() < llm_share:
            provider, model = rng.choice(MODELS)
            tokens = [rng.randint(0, 5000), rng.randint(0, 2000), rng.randint(0, 800), rng.randint(0, 300),
                      rng.randint(0, 200)]
            usage = ["p", f"t{i}", f"s{i}", 10**18 + i, model, provider, *tokens]
        items.append((row, usage))
    return items


def decoded(block: bytes, n: int) -> list[list[Any]]:
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(block)
    width = ROW_VALUES + len(SPAN_USAGE_COLUMNS)
    rows = [[unpacker.unpack() for _ in range(width)] for _ in range(n)]
    with pytest.raises(msgpack.OutOfData):
        unpacker.unpack()  # nothing left over: exactly n rows
    return rows


@pytest.mark.parametrize("llm_share", [0.0, 0.3, 1.0])
def test_each_row_carries_its_own_usage_and_the_cost_priced_span_by_span(llm_share: float) -> None:
    prices = PriceBook.from_config(PRICING)
    items = items_of(random.Random(int(llm_share * 10)), 400, llm_share)
    rows = decoded(SpanWriter(None, prices).block_of(items), len(items))  # type: ignore[arg-type]  # no store needed
    usages = [None if usage is None else LlmUsage(*usage[4:11]) for _, usage in items]
    reference = prices.price(usages)  # the span-by-span pricing the writer used before
    for i, (row, (_, usage)) in enumerate(zip(rows, items)):
        assert row[:ROW_VALUES] == [f"trace-{i}", f"span-{i}", i]
        if usage is None:
            assert row[ROW_VALUES:] == ["", "", 0, 0, 0, 0, 0, 0.0, ""]
            continue
        status = "priced" if reference.priced[i] else "unpriced"
        assert row[ROW_VALUES:] == [usage[4], usage[5], *usage[6:11], float(reference.cost_usd[i]), status]
    if llm_share:
        assert any(row[-1] == "unpriced" for row in rows) and any(row[-1] == "priced" for row in rows)


def test_an_empty_batch_is_an_empty_block() -> None:
    assert SpanWriter(None, PriceBook()).block_of([]) == b""  # type: ignore[arg-type]
