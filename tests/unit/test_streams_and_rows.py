"""Partitioning, pool partition assignment, writer rows and API key helpers (pure logic)."""

from __future__ import annotations

import json

import pytest

from actors.writer import span_row
from cluster.metadata import check_key_format, generate_api_key, key_digest
from cluster.migrations import SPAN_COLUMNS
from cluster.streams import ingest_stream, partition_for, partitions_of_member
from cluster.settings import PlatformSettings


def test_partition_is_stable_and_in_range():
    tid = "0123456789abcdef0123456789abcdef"
    assert partition_for(tid, 8) == partition_for(tid, 8)
    assert all(0 <= partition_for(f"{i:032x}", 5) < 5 for i in range(200))
    assert len({partition_for(f"{i:032x}", 4) for i in range(200)}) == 4
    assert ingest_stream(3) == "spans.ingest.3"


def test_pool_members_cover_every_partition_once():
    owned = [p for m in range(3) for p in partitions_of_member(m, 3, 8)]
    assert sorted(owned) == list(range(8))
    with pytest.raises(ValueError):
        partitions_of_member(3, 3, 8)


def test_span_row_matches_columns():
    span = {
        "project_id": "p", "trace_id": "t" * 32, "span_id": "s" * 16, "parent_span_id": None,
        "name": "n", "kind": "llm", "service_name": "svc", "start_time": 1_000_000, "end_time": 3_500_000,
        "status": "ERROR", "status_message": "boom", "attributes": {"a": 1, "b": "x", "c": True},
        "events": [{"name": "exception", "timestamp": 2, "attributes": {}}], "input": None, "output": "out",
    }
    row = dict(zip(SPAN_COLUMNS, span_row(span)))
    assert len(row) == len(SPAN_COLUMNS)
    assert row["parent_span_id"] == "" and row["input"] == ""
    assert row["duration_ms"] == 2.5
    assert row["attributes"] == {"a": "1", "b": "x", "c": "true"}
    assert json.loads(row["events"])[0]["name"] == "exception"


def test_api_keys():
    key = generate_api_key()
    assert key.startswith("ak_") and len(key) > 40
    assert key_digest(key) == key_digest(key) and len(key_digest(key)) == 64
    check_key_format(key)
    for bad in ("sk_abcdefghijklmnopqrstuvwxyz", "ak_short", "ak_has a space in it 12345"):
        with pytest.raises(ValueError):
            check_key_format(bad)


def test_settings_env_and_external_urls(monkeypatch, tmp_path):
    monkeypatch.setenv("AGENTSTACK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("AGENTSTACK_PARTITIONS", "8")
    monkeypatch.delenv("REDIS_URL", raising=False)
    s = PlatformSettings()
    assert s.partitions == 8 and s.embedded_redis and s.embedded_clickhouse
    assert s.effective_redis_url == f"redis://127.0.0.1:{s.valkey_port}/0"
    monkeypatch.setenv("REDIS_URL", "redis://example:6379/2")
    monkeypatch.setenv("CLICKHOUSE_URL", "http://ch:8123")
    s = PlatformSettings()
    assert s.effective_redis_url == "redis://example:6379/2" and not s.embedded_clickhouse
    monkeypatch.setenv("AGENTSTACK_PARTITIONS", "zero")
    with pytest.raises(ValueError):
        PlatformSettings()


def test_usage_item_reads_usage_as_extract_usage_does():
    """The bus's usage item (a shortcut for plain int counts and text models) says what extract_usage says."""
    import random

    from agentstack import genai
    from cluster.bus import usage_item
    from cluster.usage import extract_usage

    keys = [*genai.MODEL_KEYS, genai.PROVIDER_NAME, genai.USAGE_INPUT_TOKENS, genai.USAGE_OUTPUT_TOKENS,
            genai.USAGE_CACHE_READ_TOKENS, genai.USAGE_CACHE_WRITE_TOKENS, genai.USAGE_REASONING_TOKENS, "other"]
    values = ["gpt-4o", " Claude-3 ", "", "   ", "OpenAI", "12", "7.0", "x", 0, 5, 120, -4, 3.5, 2.0, True, None, [1]]
    rng = random.Random(5)
    shortcut = 0
    for i in range(5000):
        attrs = {key: rng.choice(values) for key in rng.sample(keys, rng.randint(0, len(keys)))}
        if i % 2:  # mostly the common shape: text models, int counts
            attrs = {k: v for k, v in attrs.items() if type(v) is int or (k in genai.MODEL_KEYS and isinstance(v, str))}
        span = {"project_id": "p", "trace_id": "t" * 32, "span_id": "s" * 16, "start_time": 1, "attributes": attrs}
        usage = extract_usage(attrs)
        expected = None if usage is None else ["p", "t" * 32, "s" * 16, 1, usage.model, usage.provider, usage.input,
                                               usage.output, usage.cache_read, usage.cache_write, usage.reasoning]
        got = usage_item(span)
        assert got == expected and [type(v) for v in got or []] == [type(v) for v in expected or []], attrs
        shortcut += got is not None
    assert shortcut > 1000


def test_a_packed_row_minus_its_header_is_its_block():
    """entry_fields cuts ROW_HEADER_BYTES off each packed row instead of calling pack_block."""
    import msgpack

    from cluster.rows import ROW_HEADER_BYTES, ROW_VALUES
    from cluster.store import pack_block

    span = {"project_id": "p", "trace_id": "t" * 32, "span_id": "s" * 16, "name": "n", "start_time": 1, "end_time": 2,
            "attributes": {"a": "é" * 40}, "input": "x" * 70_000}
    row = span_row(span)
    assert len(row) == ROW_VALUES == len(SPAN_COLUMNS)
    assert msgpack.packb(row, use_bin_type=True)[ROW_HEADER_BYTES:] == pack_block(row)
