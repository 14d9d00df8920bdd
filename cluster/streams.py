"""Stream topology: the one definition of stream names, consumer groups and partitioning."""

from __future__ import annotations

from cluster.partitions import partition_for  # noqa: F401 - re-exported: the one definition lives there

INGEST_STREAM_PREFIX = "spans.ingest"
ALERTS_STREAM = "alerts.live"
DEAD_LETTER_STREAM = "spans.deadletter"

WRITER_GROUP = "writer"
SECURITY_GROUP = "security"
COST_GROUP = "cost"

#: Field names inside one stream entry (encoded once by ingest, see `cluster.bus.entry_fields`):
#: `spans`: a msgpack list of wire spans (each with project_id), what every consumer can read;
#: `n`: their number;
#: `rows`: a msgpack list, per span, of its `spans` table row already encoded for ClickHouse's MsgPack
#: input format (what the writer inserts without decoding the spans);
#: `usage`: a msgpack list, per span, of nil or its LLM usage as
#: [project_id, trace_id, span_id, start_time, model, provider, input, output, cache_read, cache_write, reasoning]
#: (what the writer prices and the cost pool sums, again without decoding the spans).
#: `rows` and `usage` are optional: an entry without them is read from `spans`.
ENTRY_SPANS = b"spans"
ENTRY_COUNT = b"n"
ENTRY_ROWS = b"rows"
ENTRY_USAGE = b"usage"


def ingest_stream(partition: int) -> str:
    """Name of the ingest stream for one partition, e.g. ``spans.ingest.3``."""
    return f"{INGEST_STREAM_PREFIX}.{partition}"


def partitions_of_member(member: int, members: int, partitions: int) -> list[int]:
    """The partitions a pool member owns when a pool of `members` actors shares `partitions` streams."""
    if not 0 <= member < members:
        raise ValueError(f"member ({member}) must be in [0, {members})")
    return [p for p in range(partitions) if p % members == member]

#: Field of one `alerts.live` entry: the alert as JSON (see actors.security.alerts.Alert.to_dict).
ALERT_FIELD = b"alert"

#: The live feed (serve_apps/live.py): compact summaries of spans the writer has durably stored, and alerts.
LIVE_SPANS_STREAM = "spans.live"
#: Fields of one `spans.live` entry: a msgpack list of span summaries, and when the writer published them (ms).
LIVE_SUMMARIES = b"s"
LIVE_WRITTEN_MS = b"t"
