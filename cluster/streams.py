"""Stream topology: the one definition of stream names, consumer groups and partitioning."""

from __future__ import annotations

from cluster.partitions import partition_for  # noqa: F401 - re-exported: the one definition lives there

INGEST_STREAM_PREFIX = "spans.ingest"
ALERTS_STREAM = "alerts.live"
DEAD_LETTER_STREAM = "spans.deadletter"

WRITER_GROUP = "writer"
SECURITY_GROUP = "security"
COST_GROUP = "cost"

#: Field names inside one stream entry: a msgpack list of wire spans (each with project_id) and its size.
ENTRY_SPANS = b"spans"
ENTRY_COUNT = b"n"


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
