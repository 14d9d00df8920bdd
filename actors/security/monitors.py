"""Per-trace loop / runaway detection and per-operation anomaly detection (online).

A trace always lands in one partition, so one consumer sees all of a trace's spans. The working
state is in memory (bounded: the least recently seen traces are forgotten first), and every piece
a batch changed can be exported as JSON and loaded back (`export_dirty` / `load`):
`scanner.MonitorStateStore` keeps it in Redis with a TTL, so an actor restart or a partition
moving to another actor continues the counts instead of starting from zero.
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from actors.security.policy import ProjectRules
from actors.usage import extract_usage

_COST_ATTRIBUTES = ("gen_ai.usage.cost", "llm.cost.total", "llm.usage.cost_usd", "agentstack.cost_usd", "cost_usd")


@dataclass(frozen=True)
class Event:
    """Something a monitor noticed about one span: the rule, a subject (what repeated / what limit), a score."""

    rule: str
    subject: str
    score: float
    message: str
    details: dict[str, Any] = field(default_factory=dict)


def call_digest(span: dict[str, Any]) -> str:
    """Name + input digest of a call: two spans with the same digest made the same call.

    The input is the span's `input`, which ingest fills from any convention's input attribute.
    """
    payload = span.get("input") or ""
    digest = hashlib.blake2b(payload.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
    return f"{span.get('name', '')}#{digest}"


def span_cost(span: dict[str, Any]) -> float:
    attributes = span.get("attributes") or {}
    for key in _COST_ATTRIBUTES:
        value = attributes.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
    return 0.0


@dataclass
class _TraceState:
    calls: dict[str, int] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    spans: int = 0
    first_start: int = 0
    last_end: int = 0
    cost: float = 0.0
    fired: set[str] = field(default_factory=set)
    emitted: dict[str, list[Event]] = field(default_factory=dict)


def _event_json(event: Event) -> dict[str, Any]:
    return {"rule": event.rule, "subject": event.subject, "score": event.score, "message": event.message, "details": event.details}


class TraceMonitor:
    """Counts repeated calls and a trace's size, length and cost; fires each alert once per trace."""

    def __init__(self, max_traces: int = 100_000) -> None:
        self.max_traces = max_traces
        self._traces: OrderedDict[tuple[str, str], _TraceState] = OrderedDict()
        self.dirty: set[tuple[str, str]] = set()

    def has(self, key: tuple[str, str]) -> bool:
        return key in self._traces

    def export(self, key: tuple[str, str]) -> dict[str, Any] | None:
        """One trace's state as JSON-able data (None if unknown)."""
        state = self._traces.get(key)
        if state is None:
            return None
        return {
            "calls": state.calls, "seen": sorted(state.seen), "spans": state.spans, "first_start": state.first_start,
            "last_end": state.last_end, "cost": state.cost, "fired": sorted(state.fired),
            "emitted": {span: [_event_json(e) for e in events] for span, events in state.emitted.items()},
        }

    def load(self, key: tuple[str, str], data: dict[str, Any]) -> None:
        """Adopt a trace's state saved by `export` (by this actor before a restart, or by another)."""
        self._traces[key] = _TraceState(
            calls={k: int(v) for k, v in data["calls"].items()}, seen=set(data["seen"]), spans=int(data["spans"]),
            first_start=int(data["first_start"]), last_end=int(data["last_end"]), cost=float(data["cost"]),
            fired=set(data["fired"]), emitted={s: [Event(**e) for e in events] for s, events in data["emitted"].items()},
        )
        if len(self._traces) > self.max_traces:
            self._traces.popitem(last=False)

    def observe(self, span: dict[str, Any], rules: ProjectRules) -> list[Event]:
        key = (span.get("project_id", ""), span["trace_id"])
        self.dirty.add(key)
        state = self._traces.get(key)
        if state is None:
            state = self._traces[key] = _TraceState(first_start=span["start_time"], last_end=span["end_time"])
            if len(self._traces) > self.max_traces:
                self._traces.popitem(last=False)
        else:
            self._traces.move_to_end(key)
        if span["span_id"] in state.seen:
            # A replayed span (at-least-once delivery) must not count twice, but must raise the same
            # alerts again: the first attempt's alerts may never have been stored.
            return list(state.emitted.get(span["span_id"], ()))
        state.seen.add(span["span_id"])
        state.spans += 1
        state.first_start = min(state.first_start, span["start_time"])
        state.last_end = max(state.last_end, span["end_time"])
        state.cost += span_cost(span)
        events: list[Event] = []
        if span.get("kind") in ("tool", "llm", "retriever", "memory", "embedding") or span.get("input"):
            call = call_digest(span)
            count = state.calls[call] = state.calls.get(call, 0) + 1
            if count >= rules.loop_threshold and ("loop:" + call) not in state.fired:
                state.fired.add("loop:" + call)
                events.append(
                    Event("loop", call, 75.0, f"{span.get('name')!r} called {count} times with the same input in one trace",
                          {"name": span.get("name"), "count": count, "threshold": rules.loop_threshold})
                )
        limits = rules.runaway
        duration_s = (state.last_end - state.first_start) / 1e9
        for subject, value, limit in (
            ("spans", state.spans, limits.max_spans),
            ("duration_s", duration_s, limits.max_duration_s),
            ("cost_usd", state.cost, limits.max_cost_usd),
        ):
            if value >= limit and ("runaway:" + subject) not in state.fired:
                state.fired.add("runaway:" + subject)
                events.append(
                    Event("runaway_trace", subject, 70.0, f"trace {subject} reached {value:g} (limit {limit:g})",
                          {"metric": subject, "value": value, "limit": limit})
                )
        if events:
            state.emitted[span["span_id"]] = events
        return events


@dataclass
class _Welford:
    n: int = 0
    mean: float = 0.0
    m2: float = 0.0

    def add(self, value: float) -> None:
        self.n += 1
        delta = value - self.mean
        self.mean += delta / self.n
        self.m2 += delta * (value - self.mean)

    @property
    def std(self) -> float:
        return math.sqrt(self.m2 / (self.n - 1)) if self.n > 1 else 0.0


def span_tokens(span: dict[str, Any]) -> float | None:
    """Input + output tokens of an LLM span (its normalised `gen_ai.usage.*` counts), or None."""
    usage = extract_usage(span.get("attributes"))
    if usage is None or not (usage.input or usage.output):
        return None
    return float(usage.input + usage.output)


class AnomalyDetector:
    """Online mean / variance of duration and tokens per (project, operation); flags values > k·σ above the mean."""

    #: σ is floored at this fraction of the mean, so near-constant operations do not alert on jitter.
    MIN_RELATIVE_STD = 0.05

    def __init__(self, max_keys: int = 50_000) -> None:
        self.max_keys = max_keys
        self._stats: OrderedDict[tuple[str, str, str], _Welford] = OrderedDict()
        self.dirty: set[tuple[str, str, str]] = set()

    def has(self, key: tuple[str, str, str]) -> bool:
        return key in self._stats

    def export(self, key: tuple[str, str, str]) -> dict[str, Any] | None:
        stats = self._stats.get(key)
        return None if stats is None else {"n": stats.n, "mean": stats.mean, "m2": stats.m2}

    def load(self, key: tuple[str, str, str], data: dict[str, Any]) -> None:
        self._stats[key] = _Welford(int(data["n"]), float(data["mean"]), float(data["m2"]))
        if len(self._stats) > self.max_keys:
            self._stats.popitem(last=False)

    @staticmethod
    def keys_of(span: dict[str, Any]) -> list[tuple[str, str, str]]:
        return [(span.get("project_id", ""), span.get("name", ""), metric) for metric in ("duration_ms", "tokens")]

    def observe(self, span: dict[str, Any], rules: ProjectRules) -> list[Event]:
        events = []
        duration_ms = (span["end_time"] - span["start_time"]) / 1e6
        for metric, value in (("duration_ms", duration_ms), ("tokens", span_tokens(span))):
            if value is None:
                continue
            key = (span.get("project_id", ""), span.get("name", ""), metric)
            self.dirty.add(key)
            stats = self._stats.get(key)
            if stats is None:
                stats = self._stats[key] = _Welford()
                if len(self._stats) > self.max_keys:
                    self._stats.popitem(last=False)
            else:
                self._stats.move_to_end(key)
            if stats.n >= rules.anomaly_warmup:
                std = max(stats.std, abs(stats.mean) * self.MIN_RELATIVE_STD, 1e-9)
                sigmas = (value - stats.mean) / std
                if sigmas > rules.anomaly_sigma:
                    events.append(
                        Event("anomaly", metric, min(100.0, 30.0 + 5.0 * sigmas),
                              f"{span.get('name')!r} {metric} {value:g} is {sigmas:.1f}σ above its mean {stats.mean:g}",
                              {"metric": metric, "value": value, "mean": stats.mean, "std": stats.std, "sigmas": sigmas, "n": stats.n})
                    )
            stats.add(value)
        return events
