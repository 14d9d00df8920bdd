"""The :class:`Tracer` (span factory + export hook) and the process-wide tracer behind the module API.

The module functions (:func:`start_span`, :func:`flush`, :func:`shutdown`, :func:`stats`, ``@observe``)
use one global tracer. It is built lazily from the environment on first use, or explicitly by
:func:`configure`, which is what applications should call once at start-up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any, Unpack

from agentstack import context
from agentstack.config import Settings, SettingsOverrides, env_var, resolve_settings
from agentstack.exporter import BatchExporter, SpanExporter
from agentstack.span import Span, SpanKind

__all__ = [
    "Tracer",
    "configure",
    "get_tracer",
    "set_tracer",
    "start_span",
    "set_llm",
    "flush",
    "shutdown",
    "stats",
    "DEFAULT_FLUSH_TIMEOUT",
]

logger = logging.getLogger(__name__)

DEFAULT_FLUSH_TIMEOUT = 30.0
_EMPTY_STATS = {"queued": 0, "sent": 0, "dropped": 0, "failed": 0}
_warned_missing_key = False


class Tracer:
    """Creates spans and hands finished ones to an exporter.

    Args:
        settings: SDK settings; resolved from the environment when omitted.
        exporter: where finished spans go. By default a :class:`~agentstack.exporter.BatchExporter`
            posting to the collector, or none at all when ``settings.enabled`` is false or no API key
            is set (spans are then still created, so context and ids work, but not exported).
    """

    def __init__(self, settings: Settings | None = None, *, exporter: SpanExporter | None = None) -> None:
        self.settings = settings if settings is not None else resolve_settings()
        if not self.settings.enabled:
            exporter = None
        elif exporter is None and self.settings.export_enabled:
            exporter = BatchExporter(self.settings)
        elif exporter is None:
            _warn_missing_key_once()
        self.exporter: SpanExporter | None = exporter

    def start_span(
        self,
        name: str,
        kind: SpanKind | str = SpanKind.SPAN,
        attributes: Mapping[str, Any] | None = None,
        *,
        parent: Span | None = None,
        root: bool = False,
    ) -> Span:
        """Start a span whose parent is ``parent``, else the current span (``root=True``: a new trace).

        Use the result as a context manager (``with``/``async with``) to make it current and end it on
        exit, or call :meth:`Span.end` yourself.

        Raises:
            ValueError: an empty name or an invalid kind.
        """
        if parent is None and not root:
            parent = context.get_current_span()
        return Span(
            name,
            kind=kind,
            attributes=attributes,
            parent=parent,
            service_name=self.settings.service_name,
            on_end=self._on_end,
        )

    def start_trace(self, name: str, kind: SpanKind | str = SpanKind.AGENT, attributes: Mapping[str, Any] | None = None) -> Span:
        """Start the root span of a new trace, whatever span is current."""
        return self.start_span(name, kind, attributes, root=True)

    def _on_end(self, span: Span) -> None:
        if self.exporter is not None:
            self.exporter.export(span.to_wire())

    def flush(self, timeout: float | None = DEFAULT_FLUSH_TIMEOUT) -> bool:
        """Block until every span ended so far was exported; ``False`` if some were not (or time ran out)."""
        return self.exporter.flush(timeout) if self.exporter is not None else True

    def shutdown(self, timeout: float | None = DEFAULT_FLUSH_TIMEOUT) -> bool:
        """Flush, then stop exporting; spans ended afterwards are dropped."""
        return self.exporter.shutdown(timeout) if self.exporter is not None else True

    def stats(self) -> dict[str, int]:
        """Export counters: ``queued`` (waiting or in flight), ``sent``, ``dropped``, ``failed``."""
        return self.exporter.stats() if self.exporter is not None else dict(_EMPTY_STATS)


def _warn_missing_key_once() -> None:
    global _warned_missing_key
    if not _warned_missing_key:
        _warned_missing_key = True
        logger.warning(
            "AgentStack: no API key set, so spans are not exported. Set %s (or configure(api_key=...)) "
            "to the project key shown in AgentStack.",
            env_var("api_key"),
        )


_global_tracer: Tracer | None = None
_global_lock = threading.Lock()


def get_tracer() -> Tracer:
    """Return the process-wide tracer, creating it from the environment on first use."""
    global _global_tracer
    tracer = _global_tracer
    if tracer is None:
        with _global_lock:
            if _global_tracer is None:
                _global_tracer = Tracer()
            tracer = _global_tracer
    return tracer


def set_tracer(tracer: Tracer | None) -> Tracer | None:
    """Replace the process-wide tracer (``None``: rebuild from the environment on next use).

    Returns:
        The previous tracer, which is *not* shut down.
    """
    global _global_tracer
    with _global_lock:
        previous, _global_tracer = _global_tracer, tracer
    return previous


def configure(*, exporter: SpanExporter | None = None, **overrides: Unpack[SettingsOverrides]) -> Tracer:
    """Configure the SDK: build the process-wide tracer from arguments, then env vars, then defaults.

    A previously configured tracer is flushed and shut down.

    Args:
        exporter: send spans here instead of the collector (e.g. ``agentstack.testing.InMemoryExporter``).
        **overrides: any :class:`~agentstack.config.Settings` field, e.g. ``api_key``, ``service_name``.

    Returns:
        The new tracer.

    Raises:
        ValueError: a setting with a bad value, naming it.
    """
    tracer = Tracer(resolve_settings(**overrides), exporter=exporter)
    previous = set_tracer(tracer)
    if previous is not None:
        previous.shutdown(timeout=previous.settings.timeout)
    return tracer


def start_span(
    name: str,
    kind: SpanKind | str = SpanKind.SPAN,
    attributes: Mapping[str, Any] | None = None,
    *,
    parent: Span | None = None,
    root: bool = False,
) -> Span:
    """Start a span on the process-wide tracer; see :meth:`Tracer.start_span`.

    Example::

        with start_span("retrieve", kind="retriever", attributes={"k": 5}) as span:
            span.set_output(docs)
    """
    return get_tracer().start_span(name, kind, attributes, parent=parent, root=root)


def set_llm(*, span: Span | None = None, **usage: Any) -> Span | None:
    """Record LLM usage (:meth:`Span.set_llm`) on ``span``, or on the current span.

    Returns:
        The span written to, or ``None`` when there was no current span (nothing is recorded).
    """
    target = span if span is not None else context.get_current_span()
    if target is None:
        logger.debug("AgentStack: set_llm() called outside any span; nothing recorded")
        return None
    target.set_llm(**usage)
    return target


def flush(timeout: float | None = DEFAULT_FLUSH_TIMEOUT) -> bool:
    """Send every span ended so far; ``True`` when all were accepted within ``timeout`` seconds."""
    return get_tracer().flush(timeout)


def shutdown(timeout: float | None = DEFAULT_FLUSH_TIMEOUT) -> bool:
    """Flush and stop the process-wide tracer's exporter (also done automatically at exit)."""
    return get_tracer().shutdown(timeout)


def stats() -> dict[str, int]:
    """The process-wide exporter's counters: ``queued``, ``sent``, ``dropped``, ``failed``."""
    return get_tracer().stats()
