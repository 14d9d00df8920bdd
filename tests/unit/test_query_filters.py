"""Pure logic of the explore queries: cursors, search tokens, filter → SQL conditions (values always bound)."""

from __future__ import annotations

import pytest

from cluster.query.cursor import Cursor, CursorError
from cluster.query.filters import TraceFilter, conditions, search_tokens


@pytest.mark.parametrize("value", [1_764_590_000_123_456_789, 0, 12.5, 0.000123456, -3])
def test_cursor_round_trips(value):
    cursor = Cursor(value, "a" * 32)
    assert Cursor.decode(cursor.encode()) == cursor


@pytest.mark.parametrize("text", ["", "abc", "1~" + "g" * 32, "1.5e3~" + "a" * 32, "1~" + "a" * 31])
def test_malformed_cursors_are_refused(text):
    with pytest.raises(CursorError):
        Cursor.decode(text)


def test_a_cursor_past_int64_is_clamped():
    assert Cursor.decode("9999999999999999999~" + "a" * 32).value == 2**63 - 1


def test_search_tokens_split_like_clickhouse_and_lower_case():
    assert search_tokens("Где мой ЗАКАЗ? order-42") == ["где", "мой", "заказ", "order", "42"]
    assert search_tokens("!!! ...") == []
    assert search_tokens("café_au lait") == ["café", "au", "lait"]


def test_every_value_is_a_bound_parameter():
    evil = "x'); DROP TABLE spans; --"
    f = TraceFilter(project_id=evil, start_ns=0, end_ns=1, names=(evil,), models=(evil,), user_id=evil,
                    session_id=evil, tags=(evil,), attrs=((evil, evil),), q_tokens=("drop",), severity="HIGH")
    where, having, params = conditions(f)
    assert evil not in " ".join(where + having)
    assert params["sev"] == ["HIGH", "CRITICAL"]
