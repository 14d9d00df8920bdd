"""Custom Ray metrics (`ray.util.metrics`): shown as `ray_agentstack_*` on the metrics port and dashboard."""

from __future__ import annotations

import logging
import time
from typing import Any

logger = logging.getLogger(__name__)


def _metrics() -> Any:
    try:
        from ray.util import metrics

        return metrics
    except Exception:  # noqa: BLE001 - metrics are optional outside a Ray worker
        return None


class ActorMetrics:
    """Per-actor counters: spans processed (and per second), batch latency, dead-lettered entries."""

    def __init__(self, pool: str, actor: str) -> None:
        self._tags = {"pool": pool, "actor": actor}
        self._window_start = time.monotonic()
        self._window_spans = 0
        m = _metrics()
        self._ok = m is not None
        if not self._ok:
            return
        keys = ("pool", "actor")
        self._processed = m.Counter("agentstack_spans_processed", "Spans handled and acknowledged", tag_keys=keys)
        self._rate = m.Gauge("agentstack_spans_per_second", "Spans handled per second (10 s window)", tag_keys=keys)
        self._latency = m.Histogram(
            "agentstack_batch_latency_seconds",
            "Time to fill, handle and acknowledge one batch",
            boundaries=[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
            tag_keys=keys,
        )
        self._dead = m.Counter("agentstack_dead_lettered", "Entries moved to the dead-letter stream", tag_keys=keys)

    def batch(self, spans: int, seconds: float, dead_lettered: int) -> None:
        if not self._ok:
            return
        try:
            if spans:
                self._processed.inc(spans, tags=self._tags)
                self._latency.observe(seconds, tags=self._tags)
            if dead_lettered:
                self._dead.inc(dead_lettered, tags=self._tags)
            self._window_spans += spans
            elapsed = time.monotonic() - self._window_start
            if elapsed >= 10:
                self._rate.set(self._window_spans / elapsed, tags=self._tags)
                self._window_start, self._window_spans = time.monotonic(), 0
        except Exception:  # noqa: BLE001 - metrics never break consumption
            logger.debug("metric update failed", exc_info=True)


class PoolMetrics:
    """Per-pool gauges: pool size and backlog (lag + pending) per group and partition."""

    def __init__(self) -> None:
        m = _metrics()
        self._ok = m is not None
        if not self._ok:
            return
        self._size = m.Gauge("agentstack_pool_size", "Actors in a consumer pool", tag_keys=("pool",))
        self._lag = m.Gauge(
            "agentstack_group_lag", "Stream entries not yet acknowledged by a group", tag_keys=("group", "partition")
        )

    def observe(self, pool: str, size: int, backlog: dict[int, int]) -> None:
        if not self._ok:
            return
        try:
            self._size.set(size, tags={"pool": pool})
            for partition, value in backlog.items():
                self._lag.set(value, tags={"group": pool, "partition": str(partition)})
        except Exception:  # noqa: BLE001 - metrics never break supervision
            logger.debug("metric update failed", exc_info=True)
