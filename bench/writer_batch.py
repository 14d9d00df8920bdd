"""Microbenchmark: CPU per span of the writer's batch handling, live-feed summaries included (no I/O).

    .venv/bin/python bench/writer_batch.py [--spans 50000] [--batch 500] [--repeat 5]

Per batch, what a writer pool member does on its CPU between reading entries and the network calls:
the entries' rows and usage fields decoded (`SpanWriter.decode_entry`), the priced insert block built,
the live summaries made and packed into the `spans.live` chunks. Two variants in the same run:

* before: the live feed as it was — the batch priced a second time (one `LlmUsage` per LLM span and
  `PriceBook.price`) and one msgpack `Unpacker` per row for its leading columns;
* now: the summaries take the costs the block was written with and read the leading columns with
  one `unpackb` call per row.

CPU time of this process (best of `--repeat`), with the load average; the summaries of both are checked equal.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import msgpack  # noqa: E402

from actors.live_feed import _SUMMARY_FIELDS, CHUNK, item_summaries  # noqa: E402
from actors.pricing import PriceBook  # noqa: E402
from actors.usage import LlmUsage  # noqa: E402
from actors.writer import SpanWriter, WriteItem  # noqa: E402
from bench.pipeline import PRICING, make_spans  # noqa: E402
from cluster.bus import entry_fields  # noqa: E402


def before_summaries(items: list[WriteItem], prices: PriceBook) -> list[dict[str, Any]]:
    """`item_summaries` as it was before this change (kept here as the same-run baseline)."""
    usages = [None if usage is None else LlmUsage(*usage[4:11]) for _, usage in items]
    costs = prices.price(usages).cost_usd.tolist()
    out: list[dict[str, Any]] = []
    n = len(_SUMMARY_FIELDS)
    for (row, _), usage, cost in zip(items, usages, costs):
        unpacker = msgpack.Unpacker(raw=False)
        unpacker.feed(row)
        values = [unpacker.unpack() for _ in range(n)]
        summary = dict(zip(_SUMMARY_FIELDS, values))
        del summary["duration_ms"]
        summary["parent_span_id"] = summary["parent_span_id"] or None
        if usage is not None:
            summary.update(
                model=usage.model, input_tokens=usage.input, output_tokens=usage.output, cost_usd=round(float(cost), 8)
            )
        out.append(summary)
    return out


def pack_chunks(summaries: list[dict[str, Any]]) -> list[bytes]:
    return [msgpack.packb(summaries[i : i + CHUNK], use_bin_type=True) for i in range(0, len(summaries), CHUNK)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spans", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=500, help="spans per writer batch")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    prices = PriceBook.from_config(PRICING)
    writer = SpanWriter(None, prices)  # type: ignore[arg-type]  # no store: CPU only
    spans = make_spans(args.spans)
    entries = [entry_fields(spans[i : i + 100]) for i in range(0, len(spans), 100)]  # as ingest publishes them
    raw = [{k: v if isinstance(v, bytes) else str(v).encode() for k, v in e.items()} for e in entries]
    per_batch = max(1, args.batch // 100)
    batches = [raw[i : i + per_batch] for i in range(0, len(raw), per_batch)]

    def before() -> None:
        for batch in batches:
            items = [item for fields in batch for item in writer.decode_entry(fields)]
            writer.block_of(items)
            pack_chunks(before_summaries(items, prices))

    def now() -> None:
        for batch in batches:
            items = [item for fields in batch for item in writer.decode_entry(fields)]
            _, costs = writer.priced_block(items)
            pack_chunks(item_summaries(items, prices, costs))

    def decode_and_block() -> None:
        for batch in batches:
            items = [item for fields in batch for item in writer.decode_entry(fields)]
            writer.priced_block(items)

    check = [item for fields in batches[0] for item in writer.decode_entry(fields)]
    assert item_summaries(check, prices, writer.priced_block(check)[1]) == before_summaries(check, prices)

    def best(fn: Any) -> float:
        cpu = float("inf")
        for _ in range(args.repeat):
            t0 = time.process_time()
            fn()
            cpu = min(cpu, time.process_time() - t0)
        return cpu / len(spans) * 1e6

    results = []
    for _ in range(2):  # interleaved twice: both variants see the same load
        results.append((best(before), best(now), best(decode_and_block)))
    b, n, floor = (min(r[i] for r in results) for i in range(3))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nwriter batch handling, {len(spans):,} spans (~1 KB, half LLM calls), {args.batch} spans/batch, CPU µs per span "
          f"(best of {args.repeat}×2); load average {load}\n")
    print(f"{'variant':<64} {'µs/span':>8} {'spans/CPU-s':>12}")
    print("-" * 86)
    print(f"{'decode entries + priced block (no live feed): floor':<64} {floor:8.2f} {1e6 / floor:12,.0f}")
    print(f"{'before: + summaries priced again, Unpacker per row, packed':<64} {b:8.2f} {1e6 / b:12,.0f}")
    print(f"{'now: + summaries with the block costs, unpackb per row, packed':<64} {n:8.2f} {1e6 / n:12,.0f}")
    print(f"\nlive-feed share: before {b - floor:.2f} µs/span, now {n - floor:.2f} µs/span "
          f"({(1 - (n - floor) / (b - floor)) * 100:.0f} % less); whole batch handling {(1 - n / b) * 100:.0f} % less")


if __name__ == "__main__":
    main()
