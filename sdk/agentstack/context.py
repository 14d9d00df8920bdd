"""The current span, held in a :mod:`contextvars` variable.

Each thread and each asyncio task sees its own value: a task copies its creator's context, so tasks
started by ``asyncio.gather`` inside a span all see that span as their parent, while spans they open
stay invisible to their siblings.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agentstack.span import Span

__all__ = ["get_current_span", "get_current_trace_id", "use_span", "attach", "detach", "try_detach", "StreamContext"]

logger = logging.getLogger(__name__)

_CURRENT_SPAN: contextvars.ContextVar[Span | None] = contextvars.ContextVar(
    "agentstack_current_span", default=None
)


def get_current_span() -> Span | None:
    """Return the span that is current in this thread or task, or ``None`` outside any span."""
    return _CURRENT_SPAN.get()


def get_current_trace_id() -> str | None:
    """Return the trace id (32 hex characters) of the current span, or ``None`` outside any span."""
    span = _CURRENT_SPAN.get()
    return span.trace_id if span is not None else None


def attach(span: Span | None) -> contextvars.Token[Span | None]:
    """Make ``span`` current; pass the returned token to :func:`detach` to undo it."""
    return _CURRENT_SPAN.set(span)


def detach(token: contextvars.Token[Span | None]) -> None:
    """Restore the span that was current before the matching :func:`attach`.

    Never raises: a token reset from another context (a span entered in one task and exited in
    another) is logged, because telemetry must not break the caller.
    """
    try:
        _CURRENT_SPAN.reset(token)
    except (ValueError, RuntimeError):
        logger.warning("AgentStack: a span was exited in a different context than it was entered in")


def try_detach(token: contextvars.Token[Span | None]) -> bool:
    """Like :func:`detach`, but quietly return ``False`` for a token of another context or already used.

    For callers that cannot know which context their end callback runs in (framework callbacks).
    """
    try:
        _CURRENT_SPAN.reset(token)
    except (ValueError, RuntimeError):
        return False
    return True


@contextmanager
def use_span(span: Span | None) -> Iterator[Span | None]:
    """Make ``span`` current inside the ``with`` block without ending it."""
    token = attach(span)
    try:
        yield span
    finally:
        detach(token)


class StreamContext:
    """Keeps a generator's own current span across its suspensions.

    A generator's body runs in whichever context calls ``next()``. Wrapping each step in
    ``with stream:`` makes the generator's span current for the step, and afterwards remembers what
    the body left current (a span it opened across a ``yield``) while restoring the consumer's span
    between steps. Everything stays in the consumer's task, so task-bound objects used across
    ``yield`` (cancel scopes, locks) keep working. Not re-entrant, as generator steps never are.
    """

    __slots__ = ("_inner", "_token")

    def __init__(self, span: Span) -> None:
        self._inner: Span | None = span
        self._token: contextvars.Token[Span | None] | None = None

    def __enter__(self) -> None:
        self._token = attach(self._inner)

    def __exit__(self, *exc_info: object) -> None:
        self._inner = _CURRENT_SPAN.get()
        if self._token is not None:
            detach(self._token)
            self._token = None
