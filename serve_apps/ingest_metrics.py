"""Ingest metrics: `ray.util.metrics` when running inside Ray (they show in the Ray dashboard as
`ray_agentstack_ingest_*`), plain counters always (tests and benchmarks read those)."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

logger = logging.getLogger(__name__)

LATENCY_BOUNDARIES_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000]


class IngestMetrics:
    """Spans accepted / rejected by reason / buffered, 429s and request latency."""

    def __init__(self, use_ray: bool | None = None) -> None:
        self.counts: Counter[str] = Counter()
        self._ray: dict[str, Any] = {}
        self._buffer_level: int | None = None  # the gauge's last value (set again only when it changes)
        if use_ray is None:
            try:
                import ray

                use_ray = ray.is_initialized()
            except ImportError:
                use_ray = False
        if use_ray:
            self._ray = self._ray_metrics()

    @staticmethod
    def _ray_metrics() -> dict[str, Any]:
        from ray.util import metrics

        return {
            "accepted": metrics.Counter("agentstack_ingest_spans_accepted", "Spans accepted (202/200).", tag_keys=("format",)),
            "rejected": metrics.Counter("agentstack_ingest_spans_rejected", "Spans rejected, by reason.", tag_keys=("reason",)),
            "truncated": metrics.Counter(
                "agentstack_ingest_values_truncated", "Attribute values / input / output cut to the schema caps."
            ),
            "buffered": metrics.Counter("agentstack_ingest_spans_buffered", "Spans put in the replica buffer (Redis away)."),
            "buffer_size": metrics.Gauge("agentstack_ingest_buffer_spans", "Spans waiting in the replica buffer."),
            "throttled": metrics.Counter("agentstack_ingest_throttled", "Requests answered 429, by reason.", tag_keys=("reason",)),
            "errors": metrics.Counter("agentstack_ingest_request_errors", "Requests answered 4xx/5xx, by code.", tag_keys=("code",)),
            "latency": metrics.Histogram(
                "agentstack_ingest_request_latency_ms", "POST /v1/traces latency (ms).", boundaries=LATENCY_BOUNDARIES_MS
            ),
        }

    def _emit(self, name: str, method: str, value: float, tags: dict[str, str] | None = None) -> None:
        metric = self._ray.get(name)
        if metric is None:
            return
        try:
            getattr(metric, method)(value, tags=tags)
        except Exception:  # noqa: BLE001 - telemetry never breaks ingestion
            logger.debug("metric %s failed", name, exc_info=True)

    def accepted(self, n: int, fmt: str) -> None:
        self.counts["accepted"] += n
        self._emit("accepted", "inc", n, {"format": fmt})

    def rejected(self, reasons: list[str]) -> None:
        for reason in reasons:
            self.counts[f"rejected:{reason}"] += 1
            self._emit("rejected", "inc", 1, {"reason": reason})

    def truncated(self, n: int) -> None:
        self.counts["truncated"] += n
        self._emit("truncated", "inc", n)

    def buffered(self, n: int) -> None:
        self.counts["buffered"] += n
        self._emit("buffered", "inc", n)

    def buffer_level(self, spans: int) -> None:
        if spans != self._buffer_level:  # called per request; a gauge keeps its value between sets
            self._buffer_level = spans
            self._emit("buffer_size", "set", spans)

    def throttled(self, reason: str) -> None:
        self.counts[f"429:{reason}"] += 1
        self._emit("throttled", "inc", 1, {"reason": reason})

    def error(self, code: str) -> None:
        self.counts[f"error:{code}"] += 1
        self._emit("errors", "inc", 1, {"code": code})

    def latency(self, ms: float) -> None:
        self._emit("latency", "observe", ms)
