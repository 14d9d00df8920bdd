"""Helpers for testing code instrumented with AgentStack, without a collector.

Example::

    exporter = InMemoryExporter()
    agentstack.configure(exporter=exporter)
    run_my_agent()
    assert [s["name"] for s in exporter.spans] == ["plan", "run_agent"]
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["InMemoryExporter"]


class InMemoryExporter:
    """A :class:`~agentstack.exporter.SpanExporter` that keeps finished spans (wire dicts) in a list."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spans: list[dict[str, Any]] = []
        self._closed = False
        self._dropped = 0

    @property
    def spans(self) -> list[dict[str, Any]]:
        """The spans exported so far, in the order they ended."""
        with self._lock:
            return list(self._spans)

    def by_name(self, name: str) -> dict[str, Any]:
        """The last exported span called ``name``.

        Raises:
            KeyError: no span has that name.
        """
        spans = self.spans
        matches = [span for span in spans if span["name"] == name]
        if matches:
            return matches[-1]
        raise KeyError(f"no span named {name!r}; have {[span['name'] for span in spans]}")

    def clear(self) -> None:
        """Forget the spans exported so far."""
        with self._lock:
            self._spans.clear()

    def export(self, span: Any) -> None:
        """Keep the span's wire dict (a :class:`~agentstack.span.Span` is converted, content scrubbed)."""
        if not isinstance(span, dict):
            span = span.to_wire()
        with self._lock:
            if self._closed:
                self._dropped += 1
            else:
                self._spans.append(span)

    def flush(self, timeout: float | None = None) -> bool:
        """Nothing is queued: always True."""
        return True

    def shutdown(self, timeout: float | None = None) -> bool:
        """Stop keeping spans: later exports are counted as dropped."""
        with self._lock:
            self._closed = True
        return True

    def stats(self) -> dict[str, int]:
        """The exporter counters in the shape of `agentstack.stats()` (kept spans count as sent)."""
        with self._lock:
            return {"queued": 0, "sent": len(self._spans), "dropped": self._dropped, "failed": 0, "stored_offline": 0}
