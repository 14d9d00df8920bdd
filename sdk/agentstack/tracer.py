"""The :class:`Tracer` (span factory + export hook) and the process-wide tracer behind the module API.

The module functions (:func:`start_span`, :func:`flush`, :func:`shutdown`, :func:`stats`, ``@observe``)
use one global tracer. It is built lazily from the environment on first use, or explicitly by
:func:`configure`, which is what applications should call once at start-up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Unpack

from agentstack import context
from agentstack.config import Settings, SettingsOverrides, resolve_settings
from agentstack.exporter import BatchExporter, SpanExporter
from agentstack.span import Span, SpanKind, SpanRecord, new_span

if TYPE_CHECKING:
    from agentstack.sanitizer import Sanitizer

__all__ = [
    "Tracer",
    "configure",
    "init",
    "get_tracer",
    "set_tracer",
    "start_span",
    "set_llm",
    "flush",
    "shutdown",
    "stats",
    "DEFAULT_FLUSH_TIMEOUT",
    "count_internal_error",
]

logger = logging.getLogger(__name__)

DEFAULT_FLUSH_TIMEOUT = 30.0
_EMPTY_STATS = {"queued": 0, "sent": 0, "dropped": 0, "failed": 0, "stored_offline": 0}
_warned_local_mode = False


class Tracer:
    """Creates spans and hands finished ones to an exporter.

    Args:
        settings: SDK settings; resolved from the environment when omitted.
        exporter: where finished spans go. By default a :class:`~agentstack.exporter.BatchExporter`
            posting to the collector, or saving to the local store when no API key is set (local
            mode); none at all when ``settings.enabled`` is false (spans are then still created, so
            context and ids work, but not exported).
        sanitizer: scrubs captured content before export; by default the built-in
            :class:`~agentstack.sanitizer.Sanitizer` when ``settings.sanitize`` is on.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        exporter: SpanExporter | None = None,
        sanitizer: Sanitizer | None = None,
    ) -> None:
        self.settings = settings if settings is not None else resolve_settings()
        sdk_logger = logging.getLogger("agentstack")
        if self.settings.log_level != "WARNING" or sdk_logger.level == logging.NOTSET:  # keep an app's own choice
            sdk_logger.setLevel(self.settings.log_level)
        if not self.settings.enabled:
            exporter = None
        elif exporter is None:
            exporter = BatchExporter(self.settings)
            if self.settings.local_mode:
                _announce_local_mode_once(self.settings)
        self.exporter: SpanExporter | None = exporter
        if sanitizer is None and self.settings.sanitize:
            from agentstack.sanitizer import Sanitizer  # compiled on first use, not at import

            sanitizer = Sanitizer()
        self.sanitizer = sanitizer
        # Read on every span: plain attributes, so the hot path does no lookups through settings.
        self._on_end_hook = exporter.export if exporter is not None else None
        # ``@observe`` hands a plain ended span to a BatchExporter as a SpanRecord (a tuple the garbage collector
        # soon stops tracking, see agentstack.span); an exporter of any other kind always gets the Span.
        self._record_hook: Callable[[SpanRecord], None] | None = None
        if isinstance(exporter, BatchExporter) and type(exporter).export is BatchExporter.export:
            self._record_hook = exporter.export
        self._scrub = self.sanitizer
        self._service_name = self.settings.service_name
        self._capture = self.settings.capture_content
        self._threshold = min(1 << 64, int(self.settings.sample_rate * (1 << 64)))
        self._internal_errors_before = _internal_errors[0]  # stats() counts this tracer's share

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
            service_name=self._service_name,
            on_end=self._on_end_hook,
            sample_threshold=self._threshold,
            scrub=self._scrub,
        )

    def _start(self, name: str, kind: str, parent: Span | None) -> Span:
        """Start a span from a validated name and kind (``@observe``'s hot path)."""
        return new_span(name, kind, parent, self._service_name, self._on_end_hook, self._threshold, self._scrub)

    def start_trace(self, name: str, kind: SpanKind | str = SpanKind.AGENT, attributes: Mapping[str, Any] | None = None) -> Span:
        """Start the root span of a new trace, whatever span is current."""
        return self.start_span(name, kind, attributes, root=True)

    def flush(self, timeout: float | None = DEFAULT_FLUSH_TIMEOUT) -> bool:
        """Block until every span ended so far was exported; ``False`` if some were not (or time ran out)."""
        return self.exporter.flush(timeout) if self.exporter is not None else True

    def shutdown(self, timeout: float | None = DEFAULT_FLUSH_TIMEOUT) -> bool:
        """Flush, then stop exporting; spans ended afterwards are dropped."""
        return self.exporter.shutdown(timeout) if self.exporter is not None else True

    def stats(self) -> dict[str, int]:
        """Export counters: ``queued`` (waiting or in flight), ``sent``, ``dropped``, ``failed``, ``stored_offline``.

        ``dropped`` also counts spans lost to the SDK's own errors (see :func:`count_internal_error`).
        """
        counts = self.exporter.stats() if self.exporter is not None else dict(_EMPTY_STATS)
        counts["dropped"] = counts.get("dropped", 0) + _internal_errors[0] - self._internal_errors_before
        return counts


_internal_errors = [0]  # process-wide; a list so the increment needs no `global`


def count_internal_error() -> None:
    """Count a span lost to an error inside the SDK or an integration (shown in ``stats()["dropped"]``)."""
    _internal_errors[0] += 1


def _announce_local_mode_once(settings: Settings) -> None:
    global _warned_local_mode
    if not _warned_local_mode:
        _warned_local_mode = True
        logger.warning(
            "AgentStack: no API key set (AGENTSTACK_API_KEY), so spans are kept locally in %s; "
            "see them with `agentstack traces`. Set the project key shown in AgentStack to send them.",
            settings.store_file,
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


def configure(
    *,
    exporter: SpanExporter | None = None,
    sanitizer: Sanitizer | None = None,
    **overrides: Unpack[SettingsOverrides],
) -> Tracer:
    """Configure the SDK: build the process-wide tracer from arguments, then env vars, then defaults.

    A previously configured tracer is flushed and shut down.

    Args:
        exporter: send spans here instead of the collector (e.g. ``agentstack.testing.InMemoryExporter``).
        sanitizer: a custom :class:`~agentstack.sanitizer.Sanitizer` (extra rules, some disabled).
        **overrides: any :class:`~agentstack.config.Settings` field, e.g. ``api_key``, ``service_name``.

    Returns:
        The new tracer.

    Raises:
        ValueError: a setting with a bad value, naming it.
    """
    tracer = Tracer(resolve_settings(**overrides), exporter=exporter, sanitizer=sanitizer)
    previous = set_tracer(tracer)
    if previous is not None:
        previous.shutdown(timeout=previous.settings.timeout)
    return tracer


#: Same as `configure` (the name other tracing SDKs use).
init = configure


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
    """The process-wide exporter's counters: ``queued``, ``sent``, ``dropped``, ``failed``, ``stored_offline``."""
    return get_tracer().stats()
