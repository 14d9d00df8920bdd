"""The span bus on Redis Streams: publishing batches of spans to their partitions."""

from __future__ import annotations

from typing import Any

import msgpack
import redis.asyncio as aioredis

from cluster.rows import ROW_HEADER_BYTES, span_row
from cluster.streams import ENTRY_COUNT, ENTRY_ROWS, ENTRY_SPANS, ENTRY_USAGE, ingest_stream
from agentstack import genai
from cluster.usage import ALL_KEYS, extract_usage

#: One span's entry in the `usage` field (see `cluster.streams`).
UsageItem = list[Any]


_MODEL_KEYS = genai.MODEL_KEYS
_COUNT_KEYS = (genai.USAGE_INPUT_TOKENS, genai.USAGE_OUTPUT_TOKENS, genai.USAGE_CACHE_READ_TOKENS,
               genai.USAGE_CACHE_WRITE_TOKENS, genai.USAGE_REASONING_TOKENS)


#: `_plain_usage`'s answer for attributes that name no model and no tokens.
_NO_USAGE: tuple[Any, ...] = ()


def _plain_usage(attributes: dict[str, Any]) -> tuple[Any, ...] | None:
    """`extract_usage`'s answer for the common shape (counts absent or plain ints, model/provider text),
    read with one lookup per key; None when any value needs its general rules (the caller then asks it)."""
    get = attributes.get
    counts = []
    for key in _COUNT_KEYS:
        value = get(key)
        if value is None:
            counts.append(0)
        elif type(value) is int:
            counts.append(value if value > 0 else 0)
        else:
            return None
    model = ""
    for key in _MODEL_KEYS:
        value = get(key)
        if value is not None:
            if type(value) is not str:
                return None
            value = value.strip()
            if value:
                model = value
                break
    provider = get(genai.PROVIDER_NAME)
    if provider is None:
        provider = ""
    elif type(provider) is str:
        provider = provider.strip().lower()
    else:
        return None
    inp, out, cache_read, cache_write, reasoning = counts
    if not model and not (inp or out or cache_read or cache_write or reasoning):
        return _NO_USAGE
    if inp < cache_read + cache_write:  # the rules of extract_usage, in the same order
        inp += cache_read + cache_write
    return (model, provider, inp, max(out, reasoning), cache_read, cache_write, reasoning)


def usage_item(span: dict[str, Any]) -> UsageItem | None:
    """The `usage` field's item of one span: None for a span that is no LLM call (`extract_usage`'s reading)."""
    attributes = span.get("attributes")
    if not attributes or attributes.keys().isdisjoint(ALL_KEYS):
        return None
    plain = _plain_usage(attributes)
    if plain is None:
        usage = extract_usage(attributes)
        if usage is None:
            return None
        plain = (usage.model, usage.provider, usage.input, usage.output, usage.cache_read, usage.cache_write,
                 usage.reasoning)
    elif plain is _NO_USAGE:
        return None
    return [span["project_id"], span["trace_id"], span["span_id"], span["start_time"], *plain]


def entry_fields(spans: list[dict[str, Any]]) -> dict[bytes, bytes | int]:
    """One stream entry for validated spans carrying `project_id`: the spans, and what the writer and the
    cost pool read instead of them (each span's encoded row and its usage), computed once here.

    One `Packer` for the whole entry: `msgpack.packb` builds a packer (and its 256 KiB buffer) per
    call, which cost more than packing a span's row itself. The bytes are `packb`'s.
    """
    pack = msgpack.Packer(use_bin_type=True).pack
    cut = ROW_HEADER_BYTES
    return {
        ENTRY_SPANS: pack(spans),
        ENTRY_COUNT: len(spans),
        ENTRY_ROWS: pack([pack(span_row(span))[cut:] for span in spans]),  # = pack_block(span_row(span))
        ENTRY_USAGE: pack([usage_item(span) for span in spans]),
    }


def connect_redis(url: str) -> aioredis.Redis:
    """An asyncio Redis client for `url` (bytes responses; streams carry msgpack)."""
    return aioredis.from_url(url, socket_connect_timeout=2, socket_timeout=10, health_check_interval=30)


async def publish_spans(redis: aioredis.Redis, by_partition: dict[int, list[dict[str, Any]]]) -> int:
    """XADD one entry per partition carrying that partition's spans, in one pipelined round trip.

    Entries carrying many spans are 4–5× cheaper than one entry per span (see ARCHITECTURE.md).
    Returns the number of spans published.
    """
    if not by_partition:
        return 0
    pipe = redis.pipeline(transaction=False)
    for partition, spans in by_partition.items():
        pipe.xadd(ingest_stream(partition), entry_fields(spans))  # type: ignore[arg-type]  # redis-py's invariant dict type
    await pipe.execute()
    return sum(len(spans) for spans in by_partition.values())
