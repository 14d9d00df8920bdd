"""Carrying the current span into threads: a context-propagating executor and a wrapper.

``contextvars`` are per thread, and a worker thread of :class:`concurrent.futures.ThreadPoolExecutor`
does not see the submitter's context, so spans opened in a task would start new traces. Use
:class:`ContextThreadPoolExecutor` (a drop-in replacement) or wrap a callable with
:func:`with_context` to run it in a copy of the caller's context.
"""

from __future__ import annotations

import concurrent.futures
import contextvars
import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

__all__ = ["ContextThreadPoolExecutor", "with_context"]

P = ParamSpec("P")
R = TypeVar("R")


def with_context(func: Callable[P, R]) -> Callable[P, R]:
    """Bind ``func`` to a copy of the current context (current span included), to run in another thread.

    Example::

        threading.Thread(target=agentstack.with_context(worker)).start()
    """
    ctx = contextvars.copy_context()

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        # A context can be entered by one thread at a time: copy again, so the wrapper can be
        # called concurrently (e.g. mapped over many items).
        return ctx.copy().run(func, *args, **kwargs)

    return run


class ContextThreadPoolExecutor(concurrent.futures.ThreadPoolExecutor):
    """A :class:`~concurrent.futures.ThreadPoolExecutor` whose tasks run in the submitter's context.

    Spans opened inside a submitted function are children of the span that was current at
    ``submit()`` / ``map()`` time.
    """

    def submit(self, fn: Callable[..., R], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[R]:
        """Schedule ``fn(*args, **kwargs)`` in a copy of the current context."""
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)
