"""Opaque keyset cursors for trace lists: stable under concurrent inserts (no OFFSET shifting)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass


class CursorError(ValueError):
    """A cursor that is not one this API handed out (or was made for another sort)."""


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: the last row's sort value and trace id, plus the list's frozen window."""

    sort: str
    order: str
    value: float | int
    trace_id: str
    end_ns: int

    def encode(self) -> str:
        raw = json.dumps([self.sort, self.order, self.value, self.trace_id, self.end_ns], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            sort, order, value, trace_id, end_ns = json.loads(raw)
        except (ValueError, TypeError) as exc:
            raise CursorError("cursor is not one this API returned; pass next_cursor from the previous page as is") from exc
        if not (isinstance(sort, str) and isinstance(order, str) and isinstance(trace_id, str)
                and isinstance(value, (int, float)) and not isinstance(value, bool) and isinstance(end_ns, int)):
            raise CursorError("cursor is not one this API returned; pass next_cursor from the previous page as is")
        return cls(sort, order, value, trace_id, end_ns)
