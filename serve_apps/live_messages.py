"""The live feed's messages: filters, cursors, and turning stream entries into JSON messages.

Pure logic (no sockets, no Redis), shared by the hub (`serve_apps.live_hub`) and its tests. Messages are
encoded once per stream entry and shared by every client that receives them; a client's frame is the
join of the encoded messages it was given.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgpack

from actors.security.alerts import SEVERITIES
from cluster.streams import ALERT_FIELD, LIVE_SUMMARIES, LIVE_WRITTEN_MS

STATUSES = frozenset({"OK", "ERROR", "UNSET"})
_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
_STREAM_ID = re.compile(r"^\d{1,20}-\d{1,20}$")
_KIND = re.compile(r"^[a-z_]{1,32}$")


class FilterError(ValueError):
    """A subscription parameter is malformed; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _names(value: Any, field: str) -> list[str]:
    """A list of names from a list or a comma-separated string."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [item.strip() for item in value if item.strip()]
    raise FilterError(field, "expected a list of names or a comma-separated string")


@dataclass(frozen=True)
class LiveFilters:
    """What one client wants: one trace (optional), span kinds and statuses, alert severities (empty: all)."""

    trace_id: str | None = None
    kinds: frozenset[str] = frozenset()
    statuses: frozenset[str] = frozenset()
    severities: frozenset[str] = frozenset()

    @property
    def everything(self) -> bool:
        return not (self.trace_id or self.kinds or self.statuses or self.severities)

    @classmethod
    def parse(cls, params: Mapping[str, Any]) -> LiveFilters:
        """Filters from query parameters or a subscribe message.

        Raises:
            FilterError: a malformed value (its parameter named).
        """
        trace_id = params.get("trace_id") or None
        if trace_id is not None and (not isinstance(trace_id, str) or not _TRACE_ID.match(trace_id)):
            raise FilterError("trace_id", f"{str(trace_id)[:40]!r} is not a trace id (32 lowercase hex digits)")
        kinds = _names(params.get("kinds"), "kinds")
        if bad := [k for k in kinds if not _KIND.match(k)]:
            raise FilterError("kinds", f"{bad[0][:32]!r} is not a span kind (e.g. llm, tool, agent)")
        statuses = [s.upper() for s in _names(params.get("statuses"), "statuses")]
        if bad := [s for s in statuses if s not in STATUSES]:
            raise FilterError("statuses", f"{bad[0][:32]!r} is not one of {sorted(STATUSES)}")
        severities = [s.upper() for s in _names(params.get("severities"), "severities")]
        if bad := [s for s in severities if s not in SEVERITIES]:
            raise FilterError("severities", f"{bad[0][:32]!r} is not one of {list(SEVERITIES)}")
        return cls(trace_id, frozenset(kinds), frozenset(statuses), frozenset(severities))

    def to_dict(self) -> dict[str, Any]:
        return {
            "trace_id": self.trace_id,
            "kinds": sorted(self.kinds),
            "statuses": sorted(self.statuses),
            "severities": sorted(self.severities),
        }

    def accepts_span(self, summary: Mapping[str, Any]) -> bool:
        return (
            (self.trace_id is None or summary["trace_id"] == self.trace_id)
            and (not self.kinds or summary["kind"] in self.kinds)
            and (not self.statuses or summary["status"] in self.statuses)
        )

    def accepts_trace(self, trace_id: str) -> bool:
        return self.trace_id is None or trace_id == self.trace_id

    def accepts_alert(self, alert: Mapping[str, Any]) -> bool:
        return (self.trace_id is None or alert.get("trace_id") == self.trace_id) and (
            not self.severities or alert.get("severity") in self.severities
        )


# --- cursors: the last stream ids a client has been sent -----------------------------------------------

StreamId = tuple[int, int]


def parse_stream_id(value: str) -> StreamId:
    """`"1733000000000-3"` → (1733000000000, 3).

    Raises:
        ValueError: not a stream id.
    """
    if not _STREAM_ID.match(value):
        raise ValueError(f"{value[:40]!r} is not a stream id (ms-seq)")
    ms, _, seq = value.partition("-")
    return int(ms), int(seq)


def format_cursor(spans_id: str, alerts_id: str) -> str:
    """The opaque resume cursor a client sends back: `<spans.live id>,<alerts.live id>`."""
    return f"{spans_id},{alerts_id}"


def parse_cursor(value: str) -> tuple[str, str]:
    """The two stream ids of a cursor.

    Raises:
        ValueError: malformed.
    """
    spans_id, sep, alerts_id = value.partition(",")
    if not sep:
        raise ValueError(f"cursor {value[:60]!r} is not '<spans id>,<alerts id>'")
    parse_stream_id(spans_id)
    parse_stream_id(alerts_id)
    return spans_id, alerts_id


# --- stream entries → encoded messages -------------------------------------------------------------------


def _dumps(message: Mapping[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"), default=str)


#: The columns of a span row inside a compact `trace` message (`format=compact`): `start` and `duration` are
#: nanoseconds after the message's `start_time` and from start to end; trailing empty columns are left out.
SPAN_COLUMNS = ("span_id", "parent_span_id", "name", "kind", "status", "service_name", "start", "duration",
                "model", "input_tokens", "output_tokens", "cost_usd")
FORMATS = ("full", "compact")


def span_row(s: Mapping[str, Any], t0: int) -> list[Any]:
    """One span summary as a compact row (SPAN_COLUMNS), relative to its trace message's `start_time`."""
    row = [s["span_id"], s.get("parent_span_id"), s["name"], s["kind"], s["status"], s.get("service_name"),
           s["start_time"] - t0, s["end_time"] - s["start_time"]]
    if "model" in s:
        row += [s["model"], s.get("input_tokens", 0), s.get("output_tokens", 0), s.get("cost_usd", 0.0)]
    return row


@dataclass
class ProjectSlice:
    """One stream entry's messages for one project, encoded on first demand per format and filters, then
    shared by every client that receives them."""

    spans: list[dict[str, Any]] = field(default_factory=list)  # span summaries (without project_id)
    alerts: list[tuple[dict[str, Any], str]] = field(default_factory=list)  # (alert, encoded alert message)
    written_ms: int = 0  # when the writer published it (0: unknown)
    ended_ms: int = 0  # the earliest span end in it (ns → ms; 0: none)
    _traces: dict[str, dict[str, Any]] | None = None
    _everything: dict[bool, list[str]] = field(default_factory=dict)

    @property
    def traces(self) -> dict[str, dict[str, Any]]:
        if self._traces is None:
            self._traces = trace_updates(self.spans)
        return self._traces

    def messages(self, filters: LiveFilters, compact: bool = False) -> list[str]:
        """The encoded messages of this slice a client with `filters` receives.

        Full: a `span` message per span, then a `trace` message per trace (what the entry adds to it).
        Compact: the `trace` messages only, each carrying its accepted spans as rows (`spans`, SPAN_COLUMNS)."""
        if filters.everything and compact in self._everything:
            return self._everything[compact]
        spans = self.spans if filters.everything else [s for s in self.spans if filters.accepts_span(s)]
        traces = [t for tid, t in self.traces.items() if filters.accepts_trace(tid)]
        if compact:
            rows: dict[str, list[list[Any]]] = {}
            for s in spans:
                rows.setdefault(s["trace_id"], []).append(span_row(s, self.traces[s["trace_id"]]["start_time"]))
            out = [_dumps({**t, "spans": rows.get(t["trace_id"], [])}) for t in traces]
        else:
            out = [_dumps({"type": "span", **s}) for s in spans] + [_dumps(t) for t in traces]
        out += [m for a, m in self.alerts if filters.accepts_alert(a)]
        if filters.everything:
            self._everything[compact] = out
        return out


def trace_updates(summaries: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per trace, what this group of spans adds to its summary (counts and sums are increments)."""
    traces: dict[str, dict[str, Any]] = {}
    for s in summaries:
        t = traces.get(s["trace_id"])
        if t is None:
            t = traces[s["trace_id"]] = {
                "type": "trace", "trace_id": s["trace_id"], "new_spans": 0, "new_errors": 0,
                "start_time": s["start_time"], "end_time": s["end_time"], "cost_usd": 0.0, "tokens": 0,
            }
        t["new_spans"] += 1
        t["new_errors"] += s["status"] == "ERROR"
        t["start_time"] = min(t["start_time"], s["start_time"])
        t["end_time"] = max(t["end_time"], s["end_time"])
        t["cost_usd"] = round(t["cost_usd"] + s.get("cost_usd", 0.0), 8)
        t["tokens"] += s.get("input_tokens", 0) + s.get("output_tokens", 0)
        if not s.get("parent_span_id"):
            t.update(root_span_id=s["span_id"], root_name=s["name"], service_name=s.get("service_name"), status=s["status"])
    return traces


def span_slices(fields: Mapping[bytes, bytes], projects: set[str] | None = None) -> dict[str, ProjectSlice]:
    """A `spans.live` entry's messages per project (only `projects`, when given: no one else listens)."""
    summaries = msgpack.unpackb(fields[LIVE_SUMMARIES], raw=False)
    written = int(fields.get(LIVE_WRITTEN_MS, b"0") or 0)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for s in summaries:
        pid = s.get("project_id")
        if projects is None or pid in projects:
            grouped.setdefault(pid, []).append(s)
    slices: dict[str, ProjectSlice] = {}
    for pid, group in grouped.items():
        for s in group:
            del s["project_id"]
        slices[pid] = ProjectSlice(group, written_ms=written, ended_ms=min(s["end_time"] for s in group) // 1_000_000)
    return slices


def alert_slices(fields: Mapping[bytes, bytes], entry_ms: int, projects: set[str] | None = None) -> dict[str, ProjectSlice]:
    """An `alerts.live` entry (one redacted alert, JSON) as a slice of its project."""
    alert = json.loads(fields[ALERT_FIELD])
    pid = alert.get("project_id")
    if not isinstance(pid, str) or (projects is not None and pid not in projects):
        return {}
    message = {"type": "alert", **{k: v for k, v in alert.items() if k != "project_id"}}
    return {pid: ProjectSlice(alerts=[(alert, _dumps(message))], written_ms=entry_ms)}


def control(kind: str, **fields: Any) -> str:
    """An encoded control message (`hello`, `ping`, `pong`, `reset`, `subscribed`, `error`)."""
    return _dumps({"type": kind, **fields})


def batch_frame(cursor: str, messages: list[str]) -> str:
    """One coalesced frame: `{"type":"batch","cursor":…,"messages":[…]}` from already encoded messages."""
    return '{"type":"batch","cursor":' + json.dumps(cursor) + ',"messages":[' + ",".join(messages) + "]}"
