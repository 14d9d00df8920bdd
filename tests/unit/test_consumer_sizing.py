"""Read sizing of the consumer base (pure logic: no Redis is contacted)."""

from __future__ import annotations

import pytest

from actors.consumer import StreamConsumer


async def _noop(spans):
    return None


def test_reads_are_sized_so_a_batch_lands_near_max_spans():
    consumer = StreamConsumer(None, "writer", "w0", ["s.0", "s.1"], _noop, count=100, max_spans=1000)  # type: ignore[arg-type]
    consumer._spans_per_entry = 250.0  # entries from ingest carry a request's spans each
    assert consumer._read_count(0) == 2  # 2 streams × 2 entries × 250 spans ≈ 1000
    assert consumer._read_count(900) == 1
    consumer._spans_per_entry = 1.0
    assert consumer._read_count(0) == 100  # never above `count`
    unbounded = StreamConsumer(None, "writer", "w0", ["s.0"], _noop, count=7)  # type: ignore[arg-type]
    assert unbounded._read_count(10**6) == 7


def test_bad_arguments_are_refused_with_the_value():
    with pytest.raises(ValueError, match="max_deliveries \\(0\\)"):
        StreamConsumer(None, "writer", "w0", ["s.0"], _noop, max_deliveries=0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="given no streams"):
        StreamConsumer(None, "writer", "w0", [], _noop)  # type: ignore[arg-type]
