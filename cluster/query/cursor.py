"""Keyset cursors for trace lists: stable under concurrent inserts (no OFFSET shifting).

A cursor is `<last row's sort value>~<last row's trace id>`: clients pass it back as is (it is
opaque to them). Every text matching :data:`CURSOR_PATTERN` is a cursor this API can continue
from, so a well-formed cursor is never refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CURSOR_PATTERN = r"^-?[0-9]{1,19}(\.[0-9]{1,17})?~[0-9a-f]{32}$"
_INT64 = (-(2**63), 2**63 - 1)


class CursorError(ValueError):
    """A cursor that is not one this API hands out."""


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after this sort value and trace id."""

    value: float | int
    trace_id: str

    def encode(self) -> str:
        value = format(self.value, ".17f") if isinstance(self.value, float) else str(int(self.value))
        return f"{value}~{self.trace_id}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        if not re.fullmatch(CURSOR_PATTERN, text):
            raise CursorError("cursor is not one this API returned; pass next_cursor from the previous page as is")
        value, _, trace_id = text.partition("~")
        if "." in value:
            return cls(float(value), trace_id)
        return cls(min(max(int(value), _INT64[0]), _INT64[1]), trace_id)  # 19 digits may pass Int64: clamp
