"""The cost pool's vectorised rows and batch token equal a plain span-by-span reference on random batches."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path
from typing import Any

import pytest

from actors.cost import CostCalculator, UsageItem, batch_token
from actors.pricing import PriceBook
from actors.usage import LlmUsage

ROOT = Path(__file__).resolve().parents[2]
PRICING = ROOT / "configs" / "pricing.yaml"
_NS_PER_MINUTE = 60 * 10**9
MODELS = [("openai", "gpt-4o"), ("anthropic", "claude-sonnet-4-20250514"), ("openai", "o3"), ("", "mystery-model"),
          ("self-hosted", "agentstack-selfhosted-llama-70b"), ("openai", "GPT-4o")]


def reference_rows(prices: PriceBook, items: list[UsageItem]) -> list[tuple[Any, ...]]:
    """The cost pool's rows computed one span at a time (the implementation before vectorising)."""
    llm = [item for item in items if item is not None]
    usages = [LlmUsage(*item[4:11]) for item in llm]
    costs = prices.price(usages)
    cost_list, unpriced = costs.cost_usd.tolist(), costs.unpriced.tolist()
    groups: dict[tuple[str, int, str, str], list[Any]] = {}
    for i, usage in enumerate(usages):
        item = llm[i]
        minute = int(item[3]) // _NS_PER_MINUTE * 60
        acc = groups.setdefault((item[0], minute, usage.provider, usage.model), [0, 0, 0, 0, 0, 0, 0, 0.0])
        for j, value in enumerate((1, 1 if unpriced[i] else 0, usage.input, usage.output, usage.cache_read,
                                   usage.cache_write, usage.reasoning, cost_list[i])):
            acc[j] += value
    return [(*key, *acc) for key, acc in groups.items()]


def reference_token(items: list[UsageItem]) -> str:
    digest = hashlib.sha256()
    for key in sorted(f"{i[0]}/{i[1]}/{i[2]}" for i in items if i is not None):
        digest.update(key.encode())
        digest.update(b"\n")
    return "cost-" + digest.hexdigest()


def random_items(rng: random.Random, n: int) -> list[UsageItem]:
    t0 = 1_763_763_000_000_000_000 + rng.randrange(10**12)
    items: list[UsageItem] = []
    for i in range(n):
        if rng.random() < 0.4:
            items.append(None)
            continue
        provider, model = rng.choice(MODELS)
        cache_read, cache_write, reasoning = rng.randrange(500), rng.choice((0, rng.randrange(300))), rng.randrange(60)
        items.append([rng.choice(("proj-a", "proj-b", "p/c")), f"{rng.getrandbits(128):032x}", f"{i + 1:016x}",
                      t0 + rng.randrange(5 * _NS_PER_MINUTE), model, provider,
                      cache_read + cache_write + rng.randrange(4000), reasoning + rng.randrange(900),
                      cache_read, cache_write, reasoning])
    return items


@pytest.mark.parametrize("seed", range(12))
def test_vectorised_rows_equal_the_span_by_span_reference(seed: int) -> None:
    rng = random.Random(seed)
    items = random_items(rng, rng.choice((1, 7, 300, 5000)))
    calc = CostCalculator(None, PriceBook.from_config(PRICING))  # type: ignore[arg-type]  # rows need no store
    rows = calc.rows_of(items)
    expected = reference_rows(PriceBook.from_config(PRICING), items)
    assert rows == expected  # same groups in the same (first-seen) order, same int sums, same float cost sums
    assert all(type(value) is type(want) for row, ref in zip(rows, expected) for value, want in zip(row, ref))
    assert batch_token(items) == reference_token(items)
    assert sum(row[4] for row in rows) == sum(1 for item in items if item is not None)


def test_a_batch_without_llm_spans_has_no_rows_and_the_empty_token() -> None:
    calc = CostCalculator(None, PriceBook.from_config(PRICING))  # type: ignore[arg-type]
    assert calc.rows_of([None, None]) == [] and calc.rows_of([]) == []
    assert batch_token([None]) == reference_token([None]) == batch_token([])


def test_unpriced_spans_are_counted_and_cost_nothing() -> None:
    items: list[UsageItem] = [["p", "t", f"{i:016x}", 0, "mystery-model", "", 100, 10, 0, 0, 0] for i in range(3)]
    calc = CostCalculator(None, PriceBook.from_config(PRICING))  # type: ignore[arg-type]
    assert calc.rows_of(items) == [("p", 0, "", "mystery-model", 3, 3, 300, 30, 0, 0, 0, 0.0)]
