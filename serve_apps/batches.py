"""Turning a request body into validated spans grouped per partition (no HTTP, no Redis here)."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from typing import Any

import msgpack

from agentstack.schema import (
    MAX_VALUE_CHARS,
    TRUNCATION_MARKER,
    BatchError,
    SpanValidationError,
    spans_from_payload,
    validate_span,
)
from cluster.streams import partition_for
from serve_apps.conventions import normalise

JSON_TYPES = ("application/json", "text/json")
MSGPACK_TYPES = ("application/msgpack", "application/x-msgpack", "application/vnd.msgpack")


class BodyError(Exception):
    """A body that cannot be taken: HTTP status, code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def inflate(body: bytes, encoding: str, limit: int) -> bytes:
    """Undo `Content-Encoding`, stopping as soon as the output passes `limit` (gzip bombs)."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "x-gzip"):
        raise BodyError(415, "unsupported_encoding", f"Content-Encoding {encoding!r} is not supported; use gzip or none")
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise BodyError(400, "bad_gzip", f"the body is not valid gzip: {exc}") from exc
    if len(out) > limit or inflater.unconsumed_tail:
        raise BodyError(413, "payload_too_large", f"the body inflates past {limit} bytes; send smaller batches")
    if not inflater.eof:
        raise BodyError(400, "bad_gzip", "the gzip body is truncated")
    return out


def decode(body: bytes, content_type: str) -> Any:
    """Parse the body by its media type (JSON or msgpack)."""
    media = content_type.split(";")[0].strip().lower()
    if media in JSON_TYPES or media == "":
        try:
            return json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BodyError(400, "bad_json", f"the body is not valid JSON: {exc}") from exc
        except RecursionError as exc:
            raise BodyError(400, "bad_json", "the JSON body is nested too deeply") from exc
    if media in MSGPACK_TYPES:
        try:
            return msgpack.unpackb(body, raw=False)
        except Exception as exc:  # noqa: BLE001 - msgpack raises several unrelated types
            raise BodyError(400, "bad_msgpack", f"the body is not valid msgpack: {exc}") from exc
    raise BodyError(
        415,
        "unsupported_media_type",
        f"Content-Type {media!r} is not supported; send application/json or application/msgpack",
    )


@dataclass
class Batch:
    """The accepted spans of one request, grouped by partition, and the rejected ones with reasons."""

    by_partition: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    accepted: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    truncated: int = 0  # attribute values and input/output texts cut to the schema's caps


def build_batch(payload: Any, project_id: str, partitions: int) -> Batch:
    """Validate every span of a decoded payload; one bad span is rejected, the rest kept.

    Raises:
        BodyError: 422 when the payload is not a batch of spans at all.
    """
    try:
        raw_spans = spans_from_payload(payload)
    except BatchError as exc:
        raise BodyError(422, "invalid_batch", str(exc)) from exc
    return collect(raw_spans, project_id, partitions)


def count_truncated(span: dict[str, Any]) -> int:
    """How many attribute values and input/output texts of a validated span carry the truncation marker."""
    count = 0
    for value in span["attributes"].values():
        if type(value) is str and value.endswith(TRUNCATION_MARKER):
            count += 1
    for value in (span["input"], span["output"]):
        if value is not None and value.endswith(TRUNCATION_MARKER):
            count += 1
    return count


def collect(
    raw_spans: list[Any],
    project_id: str,
    partitions: int,
    body_bytes: int | None = None,
    validated: list[bool] | None = None,
    marker_free: bool = False,
) -> Batch:
    """Validate and normalise raw spans, grouping the good ones per partition and listing the bad ones.

    Args:
        raw_spans: decoded spans, not yet validated.
        project_id: the project of the request's API key (never taken from the payload).
        partitions: P, the number of span streams.
        body_bytes: the decoded body's size; below the smallest cap nothing can have been truncated,
            so small bodies skip counting truncations.
        validated: per span, True when it is already in validated form (its validation is skipped).
        marker_free: the body cannot hold the truncation marker (:func:`marker_free`), so the
            already-validated spans, which nothing truncated, are not searched for it.
    """
    batch = Batch()
    by_partition = batch.by_partition
    check_truncation = body_bytes is None or body_bytes > MAX_VALUE_CHARS
    accepted = truncated = 0
    for index, raw in enumerate(raw_spans):
        fast = validated is not None and validated[index]
        try:
            span = normalise(raw if fast else validate_span(raw))
        except SpanValidationError as exc:
            span_id = raw.get("span_id") if isinstance(raw, dict) else None
            batch.rejected.append({"index": index, "span_id": span_id, "field": exc.field, "error": exc.reason})
            continue
        span["project_id"] = project_id
        if check_truncation and not (fast and marker_free):
            truncated += count_truncated(span)
        partition = partition_for(span["trace_id"], partitions)
        group = by_partition.get(partition)
        if group is None:
            by_partition[partition] = [span]
        else:
            group.append(span)
        accepted += 1
    batch.accepted, batch.truncated = accepted, truncated
    return batch


#: The marker's ASCII tail: a value ending with the marker holds these bytes in a UTF-8 body.
_MARKER_TAIL = TRUNCATION_MARKER[1:].encode()


def marker_free(body: bytes) -> bool:
    """True when no value decoded from this protobuf body can end with the truncation marker.

    Protobuf strings are raw UTF-8, so such a value puts the marker's tail in the body's bytes; a
    value normalisation parses out of a JSON attribute could spell it with `\\u` escapes, so a body
    holding any `\\u` is not called free either. Both checks run in C over the whole body at once.
    """
    return _MARKER_TAIL not in body and b"\\u" not in body
