"""Request body → raw spans, whatever the format: OTLP protobuf, OTLP/JSON, native JSON or msgpack."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agentstack.schema import BatchError, spans_from_payload
from serve_apps import otlp
from serve_apps.batches import JSON_TYPES, MSGPACK_TYPES, BodyError, decode, marker_free


@dataclass
class Payload:
    """The raw spans of one body and how to answer: `otlp` is "protobuf", "json" or None (native).

    `validated[i]` is True when `raw_spans[i]` is already in validated form (:func:`serve_apps.otlp.checked_spans`);
    `marker_free` when the body cannot hold the truncation marker (:func:`serve_apps.batches.marker_free`).
    """

    raw_spans: list[Any]
    otlp: str | None
    body_bytes: int = 0
    validated: list[bool] | None = None
    marker_free: bool = False


def media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def check_media_type(content_type: str) -> None:
    """Raise 415 before reading the body when the media type is none we take."""
    media = media_type(content_type)
    if media not in (*JSON_TYPES, *MSGPACK_TYPES, *otlp.PROTOBUF_TYPES, ""):
        raise BodyError(
            415,
            "unsupported_media_type",
            f"Content-Type {media!r} is not supported; send application/x-protobuf or application/json (OTLP), "
            "or application/json / application/msgpack (AgentStack batches)",
        )


def check_encoding(encoding: str) -> None:
    """Raise 415 before reading the body for a `Content-Encoding` other than gzip or none."""
    if encoding.strip().lower() not in ("", "identity", "gzip", "x-gzip"):
        raise BodyError(415, "unsupported_encoding", f"Content-Encoding {encoding!r} is not supported; use gzip or none")


def parse(raw: bytes, content_type: str) -> Payload:
    """Decode an (already inflated) body into raw spans.

    Raises:
        BodyError: 400 undecodable, 415 unknown media type, 422 a native body that is not a batch.
    """
    if media_type(content_type) in otlp.PROTOBUF_TYPES:
        spans, validated = otlp.checked_spans(otlp.decode_protobuf(raw))
        return Payload(spans, "protobuf", len(raw), validated, marker_free(raw))
    decoded = decode(raw, content_type)
    if otlp.is_otlp_json(decoded):
        return Payload(otlp.raw_spans(otlp.decode_json(decoded)), "json", len(raw))
    try:
        return Payload(spans_from_payload(decoded), None, len(raw))
    except BatchError as exc:
        raise BodyError(422, "invalid_batch", str(exc)) from exc
