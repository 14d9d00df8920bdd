"""What every integration shares: replacing a library's method with a traced one (and back), and
opening / closing a span so that a bug in the integration never reaches the call it observes.

A patched method carries its original under :data:`ORIGINAL`, which makes patching idempotent and
undoable. Only a class's own attribute is patched (never one it inherits), so patching a base class
and its subclasses never wraps one method twice.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any

from agentstack import context
from agentstack.span import Span
from agentstack.tracer import count_internal_error, get_tracer

__all__ = ["ORIGINAL", "guarded", "patch", "unpatch", "original_of", "open_span", "close_span", "call_in_span", "acall_in_span"]

ORIGINAL = "__agentstack_original__"
logger = logging.getLogger("agentstack.integrations")


def guarded(what: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run integration code; an exception is logged (naming ``what``), counted as a drop, and ``None`` returned."""
    try:
        return func(*args, **kwargs)
    except Exception:
        count_internal_error()
        logger.exception("AgentStack: integration error while %s; the call itself is unaffected", what)
        return None


def original_of(value: Any) -> Any:
    """The original behind a patched method, or ``None`` if ``value`` is not one of ours."""
    return getattr(value, ORIGINAL, None)


def patch(cls: type, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    """Replace ``cls.name`` with ``make(original)``; does nothing if it is missing or already patched.

    The wrapper takes the original's name, docstring and attributes (``functools.wraps``; some
    libraries mark their handlers with attributes).
    """
    original = cls.__dict__.get(name)
    if original is None or original_of(original) is not None:
        return
    wrapper = functools.wraps(original)(make(original))
    setattr(wrapper, ORIGINAL, original)
    setattr(cls, name, wrapper)


def unpatch(cls: type, name: str) -> None:
    """Undo :func:`patch` for ``cls.name`` (nothing happens if it is not patched)."""
    original = original_of(cls.__dict__.get(name))
    if original is not None:
        setattr(cls, name, original)


def open_span(what: str, name: str, kind: str, attributes: Mapping[str, Any], value: Any = None) -> Span | None:
    """Start a span (a child of the current one) with ``value`` as its input when content capture is on.

    Attributes that are ``None`` are left out. Returns ``None`` if starting failed (logged, counted).
    """

    def start() -> Span:
        tracer = get_tracer()
        span = tracer.start_span(name, kind=kind, attributes={k: v for k, v in attributes.items() if v is not None})
        if value is not None and tracer.settings.capture_content:
            span.set_input(value)
        return span

    result = guarded(f"starting a {what} span", start)
    return result if isinstance(result, Span) else None


def close_span(what: str, span: Span, output: Any, exc: BaseException | None) -> None:
    """End ``span``: with ``exc`` recorded (status ERROR), else with ``output`` and status OK unless one was set."""

    def finish() -> None:
        if exc is not None:
            span.set_error(exc)
        else:
            if output is not None and get_tracer().settings.capture_content:
                span.set_output(output)
            if span.status == "UNSET":
                span.set_status("OK")
        span.end()

    guarded(f"ending a {what} span", finish)


def call_in_span(what: str, span: Span, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], output_of: Callable[[Any], Any]) -> Any:
    """Run ``func(*args, **kwargs)`` with ``span`` current, then close the span with ``output_of(result)`` or the error.

    The error is re-raised unchanged; a failure of ``output_of`` is logged and the span closed without output.
    """
    token = context.attach(span)
    try:
        result = func(*args, **kwargs)
    except BaseException as exc:
        context.detach(token)
        close_span(what, span, None, exc)
        raise
    context.detach(token)
    close_span(what, span, guarded(f"reading a {what} result", output_of, result), None)
    return result


async def acall_in_span(what: str, span: Span, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], output_of: Callable[[Any], Any]) -> Any:
    """:func:`call_in_span` for a coroutine function."""
    token = context.attach(span)
    try:
        result = await func(*args, **kwargs)
    except BaseException as exc:
        context.detach(token)
        close_span(what, span, None, exc)
        raise
    context.detach(token)
    close_span(what, span, guarded(f"reading a {what} result", output_of, result), None)
    return result
