"""A validated wire span as a row of the `spans` table (the base columns, `SPAN_COLUMNS` order).

Ingest encodes each span's row once (:mod:`cluster.bus`), so the writer hands the rows to the store
without touching the spans again; the writer uses the same function for entries that carry no rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def _json_encoder() -> Callable[[Any], str]:
    """`json.dumps(value, ensure_ascii=False)`, with CPython's C encoder built once instead of per call.

    `JSONEncoder.encode` builds a new C encoder on every call (≈ 40 % of encoding one span's events);
    this one is built once, without the cycle check (values here come from decoded JSON or protobuf,
    which cannot hold cycles).
    """
    plain = json.JSONEncoder(ensure_ascii=False)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # an interpreter without the C accelerator
        return plain.encode
    iterencode = make(None, plain.default, json.encoder.encode_basestring, None, ": ", ", ", False, False, True)
    return lambda value: "".join(iterencode(value, 0))


#: One encoder for every span (see `_json_encoder`).
_JSON = _json_encoder()
_NO_SCOPE: dict[str, str] = {}


def _text(value: Any) -> str:
    """An attribute value as the `Map(String, String)` stores it (JSON text for non-strings)."""
    if isinstance(value, str):
        return value
    kind = type(value)
    if kind is int:
        return str(value)  # what json.dumps gives, 10× cheaper
    if kind is bool:
        return "true" if value else "false"
    return _JSON(value)


def _texts(values: dict[str, Any] | None) -> dict[str, str]:
    """An attribute map as `Map(String, String)` values; the common all-strings map is passed through."""
    if not values:
        return {}
    for value in values.values():
        if type(value) is not str:
            return {key: value if type(value) is str else _text(value) for key, value in values.items()}
    return values


#: Values in one `spans` row (`SPAN_COLUMNS`; a test checks they agree).
ROW_VALUES = 21
#: Bytes of the msgpack array header of one packed row tuple (array16: 16 ≤ ROW_VALUES < 65536): cutting
#: them off a packed row gives its `cluster.store.pack_block` form without packing it twice.
ROW_HEADER_BYTES = 3


def span_row(span: dict[str, Any]) -> tuple[Any, ...]:
    """One `spans` row (in `SPAN_COLUMNS` order) from a validated wire span carrying `project_id`."""
    get = span.get
    start, end = span["start_time"], span["end_time"]
    scope = get("scope") or _NO_SCOPE
    links = get("links")
    events = get("events")
    return (
        span["project_id"],
        span["trace_id"],
        span["span_id"],
        get("parent_span_id") or "",
        span["name"],
        get("kind") or "span",
        get("service_name") or "default",
        start,
        end,
        (end - start) / 1e6,
        get("status") or "UNSET",
        get("status_message") or "",
        _texts(get("attributes")),
        _JSON(events) if events else "[]",
        get("input") or "",
        get("output") or "",
        get("span_kind") or "",
        _JSON(links) if links else "[]",
        _texts(get("resource")),
        scope.get("name") or "",
        scope.get("version") or "",
    )
