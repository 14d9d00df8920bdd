"""``@observe``: trace a function call as a span, for sync, async, generator and async generator functions.

All four wrappers share one before/after pair, :class:`_Call`: it opens the span and captures the
input, then closes it with the output (status OK) or the exception (recorded, status ERROR). The
wrappers differ only in how they run the function. A generator's span stays open while the stream
is consumed and ends when it is exhausted, closed early, or fails.
"""

from __future__ import annotations

import functools
import inspect
import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar, cast, overload

from agentstack import _ids
from agentstack import capture as capture_module
from agentstack import context
from agentstack import tracer as tracer_module
from agentstack.capture import to_json_text
from agentstack.span import Span, SpanKind, check_kind
from agentstack.tracer import get_tracer
from agentstack.values import attribute_value as _attribute_value

__all__ = ["observe"]

P = ParamSpec("P")
R = TypeVar("R")

_MAX_STREAM_ITEMS = 1000  # items of a stream kept for the captured output
_SKIPPED_PARAMETERS = ("self", "cls")
_CURRENT = context._CURRENT_SPAN
_perf = time.perf_counter_ns
_new = object.__new__
_bits = _ids.random_bits  # the same generator object for the life of the process (reseeded in place)
_MASK64 = (1 << 64) - 1
_ALL = 1 << 64  # a sampling threshold that keeps every trace
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Options:
    name: str
    kind: str
    attributes: Mapping[str, Any]  # already coerced to wire values
    capture_input: bool | None
    capture_output: bool | None
    parameters: capture_module.Parameters
    skip_first: bool  # the first parameter is self/cls: not captured


# -- the one before/after pair shared by every wrapper --------------------------------------------
def _begin(options: _Options, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Span, bool]:
    """Start the call's span (child of the current one) and capture its input; returns (span, capture output?)."""
    tracer = tracer_module._global_tracer or get_tracer()
    span = tracer._start(options.name, options.kind, _CURRENT.get())
    if options.attributes:
        span._attributes = dict(options.attributes)
    capture = tracer._capture and span.sampled  # an unsampled span is never exported: capture nothing
    if capture if options.capture_input is None else options.capture_input and span.sampled:
        plain = capture_module.plain_arguments(args[1:] if options.skip_first else args, kwargs)
        if plain:  # scalars only: bind and serialise later, on the export thread
            span._input = capture_module.DeferredArguments(options.parameters, args, kwargs, options.skip_first)
        else:
            copies = capture_module.snapshot_arguments(args, kwargs, options.skip_first)
            if copies is not None:  # small containers of scalars: copied now, serialised later
                span._input = capture_module.DeferredArguments(options.parameters, *copies, options.skip_first)
            else:  # anything else is serialised now, while it is as the function saw it
                span._input = to_json_text(
                    capture_module.bind_arguments(options.parameters, args, kwargs, options.skip_first)
                )
    return span, capture if options.capture_output is None else options.capture_output and span.sampled


def _succeed(span: Span, capture_output: bool, result: Any) -> None:
    """End the span with status OK (unless the function set one) and the captured output."""
    if capture_output:
        span._output = capture_module.snapshot(result) or to_json_text(result)
    if span.status == "UNSET":
        span.status = "OK"
    span.end()


def _fail(span: Span, exc: BaseException) -> None:
    """End the span with the exception recorded and status ERROR."""
    span.set_error(exc)
    span.end()


def _internal_error(where: str) -> None:
    tracer_module.count_internal_error()
    logger.exception("AgentStack: internal error %s; the call itself is unaffected", where)


class _Call:
    """One invocation of an observed generator: the shared before/after plus the items it yielded."""

    __slots__ = ("span", "_capture_output", "_items", "_more_items")

    def __init__(self, options: _Options, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.span, self._capture_output = _begin(options, args, kwargs)
        self._items: list[Any] = []
        self._more_items = False

    def collect(self, item: Any) -> None:
        """Remember one item a stream yielded, for the output."""
        if not self._capture_output:
            return
        if len(self._items) < _MAX_STREAM_ITEMS:
            self._items.append(item)
        else:
            self._more_items = True

    def succeed(self) -> None:
        """The stream ended (exhausted or closed early): status OK and the items as output."""
        if self._capture_output:  # output first: an ended span ignores changes
            self.span._output = to_json_text(self._stream_output())
        _succeed(self.span, False, None)

    def fail(self, exc: BaseException) -> None:
        """The stream failed: items so far as output, the exception recorded, status ERROR."""
        if self._capture_output and self._items:
            self.span._output = to_json_text(self._stream_output())
        _fail(self.span, exc)

    def _stream_output(self) -> Any:
        # Text streams (LLM tokens) read best joined; anything else is shown as the list of items.
        if self._items and all(isinstance(item, str) for item in self._items):
            return "".join(self._items) + ("…" if self._more_items else "")
        return self._items + (["…"] if self._more_items else [])


def _signature(func: Callable[..., Any]) -> inspect.Signature | None:
    try:
        return inspect.signature(func)
    except (TypeError, ValueError):  # some builtins and C callables have none
        return None


def _wrap(func: Callable[P, R], options: _Options) -> Callable[P, R]:
    if inspect.isasyncgenfunction(func):
        wrapper: Callable[..., Any] = _wrap_async_generator(func, options)
    elif inspect.isgeneratorfunction(func):
        wrapper = _wrap_generator(func, options)
    elif inspect.iscoroutinefunction(func):
        wrapper = _wrap_coroutine(func, options)
    else:
        wrapper = _wrap_function(func, options)
    return cast(Callable[P, R], functools.wraps(func)(wrapper))


# The plain and async wrappers are written out (rather than built from the generator machinery)
# because they are the hot path: one span, one context switch, no per-call helper objects. A
# failure inside the SDK's own before/after never reaches the caller.
def _wrap_function(func: Callable[..., Any], options: _Options) -> Callable[..., Any]:
    name, kind = options.name, options.kind
    # Nothing to capture and no attributes to copy (capture switched off on the decorator): the span is
    # started and ended right here, without the shared before/after helpers (the cheapest observed call).
    plain = options.capture_input is False and options.capture_output is False and not options.attributes
    get, set_, reset = _CURRENT.get, _CURRENT.set, _CURRENT.reset

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        tracer = tracer_module._global_tracer
        if plain and tracer is not None:
            try:  # new_span() written out: the ids and the start stay in locals for the SpanRecord
                span = _new(Span)
                parent = get()
                if parent is not None:
                    span._tid = tid = parent._tid
                    span._pid = pid = parent._sid
                    span.sampled = sampled = parent.sampled
                    span._sid = sid = _bits(64) or 1
                else:
                    bits = _bits(192)
                    span._tid = tid = bits >> 64 or 1
                    span._sid = sid = bits & _MASK64 or 1
                    span._pid = pid = 0
                    threshold = tracer._threshold
                    span.sampled = sampled = threshold >= _ALL or (tid & _MASK64) < threshold
                span.name = name
                span.kind = kind
                span.service_name = service_name = tracer._service_name
                span.start_time = start = _perf() + _ids.clock_offset
                span.end_time = None
                span.status = "UNSET"
                span.status_message = ""
                span._input = None
                span._output = None
                span._attributes = None
                span._events = None
                span._dropped = 0
                span._on_end = on_end = tracer._on_end_hook
                span._tokens = None
                span._scrub = tracer._scrub
            except Exception:
                _internal_error("starting a span")
                return func(*args, **kwargs)
            token = set_(span)
            try:
                result = func(*args, **kwargs)
            except BaseException as exc:
                reset(token)
                try:
                    _fail(span, exc)
                except Exception:
                    _internal_error("recording an exception")
                raise
            reset(token)
            if span.status == "UNSET":
                span.status = "OK"
            if span.end_time is None:  # Span.end() written out (the function may have ended its span itself)
                now = _perf() + _ids.clock_offset
                end = span.end_time = now if now > start else start
                if on_end is not None and sampled:
                    record = tracer._record_hook
                    try:
                        if (record is not None and span._attributes is None and span._events is None
                                and span._input is None and span._output is None and not span.status_message):
                            # still plain (the function did not write to its span): queued as a SpanRecord
                            record((tid, sid, pid, name, kind, start, end, span.status, service_name))
                        else:
                            on_end(span)
                    except Exception:  # telemetry never raises into user code
                        logger.exception("AgentStack: failed to hand span %r to the exporter", span.name)
            return result
        try:
            span, capture_output = _begin(options, args, kwargs)
        except Exception:
            _internal_error("starting a span")
            return func(*args, **kwargs)
        token = _CURRENT.set(span)
        try:
            result = func(*args, **kwargs)
        except BaseException as exc:
            _CURRENT.reset(token)
            try:
                _fail(span, exc)
            except Exception:
                _internal_error("recording an exception")
            raise
        _CURRENT.reset(token)
        try:
            _succeed(span, capture_output, result)
        except Exception:
            _internal_error("ending a span")
        return result

    return wrapper


def _wrap_coroutine(func: Callable[..., Any], options: _Options) -> Callable[..., Any]:
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            span, capture_output = _begin(options, args, kwargs)
        except Exception:
            _internal_error("starting a span")
            return await func(*args, **kwargs)
        token = _CURRENT.set(span)
        try:
            result = await func(*args, **kwargs)
        except BaseException as exc:
            context.detach(token)
            try:
                _fail(span, exc)
            except Exception:
                _internal_error("recording an exception")
            raise
        context.detach(token)
        try:
            _succeed(span, capture_output, result)
        except Exception:
            _internal_error("ending a span")
        return result

    return wrapper


# The generator wrappers drive the inner generator by hand rather than with ``yield from`` so that
# each step runs with the stream's span current (see context.StreamContext), and forward what the
# consumer sends, throws or closes.
def _wrap_generator(func: Callable[..., Generator[Any, Any, Any]], options: _Options) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
        try:
            call = _Call(options, args, kwargs)
        except Exception:
            _internal_error("starting a span")
            return (yield from func(*args, **kwargs))
        stream = context.StreamContext(call.span)
        try:
            generator = func(*args, **kwargs)
            step: Callable[[], Any] = generator.__next__
            while True:
                with stream:
                    item = step()
                call.collect(item)
                try:
                    sent = yield item
                except GeneratorExit:
                    with stream:
                        generator.close()
                    call.succeed()  # the consumer stopped early: not an error
                    raise
                except BaseException as thrown:
                    step = functools.partial(generator.throw, thrown)
                else:
                    step = functools.partial(generator.send, sent)
        except StopIteration as stop:
            call.succeed()
            return stop.value
        except GeneratorExit:
            raise  # already handled above
        except BaseException as exc:
            call.fail(exc)
            raise

    return wrapper


def _wrap_async_generator(func: Callable[..., AsyncGenerator[Any, Any]], options: _Options) -> Callable[..., Any]:
    async def wrapper(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, Any]:
        try:
            call = _Call(options, args, kwargs)
        except Exception:
            _internal_error("starting a span")
            generator = func(*args, **kwargs)
            sent = None
            while True:  # no `yield from` in async generators: forward by hand, untraced
                try:
                    item = await generator.asend(sent)
                except StopAsyncIteration:
                    return
                sent = yield item
        stream = context.StreamContext(call.span)
        try:
            generator = func(*args, **kwargs)
            step: Callable[[], Awaitable[Any]] = generator.__anext__
            while True:
                with stream:
                    item = await step()
                call.collect(item)
                try:
                    sent = yield item
                except GeneratorExit:
                    with stream:
                        await generator.aclose()
                    call.succeed()
                    raise
                except BaseException as thrown:
                    step = functools.partial(generator.athrow, thrown)
                else:
                    step = functools.partial(generator.asend, sent)
        except StopAsyncIteration:
            call.succeed()
        except GeneratorExit:
            raise
        except BaseException as exc:
            call.fail(exc)
            raise

    return wrapper


@overload
def observe(func: Callable[P, R], /) -> Callable[P, R]: ...


@overload
def observe(
    func: None = None,
    /,
    *,
    name: str | None = None,
    kind: SpanKind | str = SpanKind.SPAN,
    attributes: Mapping[str, Any] | None = None,
    capture_input: bool | None = None,
    capture_output: bool | None = None,
) -> Callable[[Callable[P, R]], Callable[P, R]]: ...


def observe(
    func: Callable[P, R] | None = None,
    /,
    *,
    name: str | None = None,
    kind: SpanKind | str = SpanKind.SPAN,
    attributes: Mapping[str, Any] | None = None,
    capture_input: bool | None = None,
    capture_output: bool | None = None,
) -> Callable[P, R] | Callable[[Callable[P, R]], Callable[P, R]]:
    """Trace every call of the decorated function as a span.

    Works as ``@observe`` and as ``@observe(...)``, on plain, async, generator and async generator
    functions (and methods). The span is current while the function runs, so spans opened inside
    become its children. It ends with status OK and the return value as output, or, if the function
    raises, with the exception recorded (type, message, stack trace) and status ERROR, and the
    exception propagates unchanged. A generator's span ends when the stream is exhausted, closed, or
    fails; its output is the yielded items (text items joined).

    Args:
        func: the function, when used as a bare ``@observe``.
        name: the span name; defaults to the function's ``__qualname__``.
        kind: a :class:`SpanKind` such as ``"agent"``, ``"llm"``, ``"tool"``, ``"memory"``.
        attributes: attributes set on every span of this function.
        capture_input: record the call's arguments (without ``self``/``cls``) as JSON, ≤ 16 KB;
            defaults to the ``capture_content`` setting.
        capture_output: record the return value likewise; defaults to ``capture_content``.

    Returns:
        The wrapped function (same signature), or a decorator when called with options.

    Raises:
        ValueError: an empty name or an invalid kind (at decoration time).
    """
    kind_value = check_kind(kind)
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise ValueError(f"name must be a non-empty string, got {name!r}")

    def decorate(target: Callable[P, R]) -> Callable[P, R]:
        if isinstance(target, (classmethod, staticmethod)):  # @observe placed above @classmethod
            return cast(Callable[P, R], type(target)(decorate(target.__func__)))
        signature = _signature(target)
        first = next(iter(signature.parameters), None) if signature is not None else None
        options = _Options(
            name=name or str(getattr(target, "__qualname__", None) or getattr(target, "__name__", "function")),
            kind=kind_value,
            attributes={str(k): _attribute_value(v) for k, v in (attributes or {}).items() if v is not None},
            capture_input=capture_input,
            capture_output=capture_output,
            parameters=capture_module.Parameters(signature),
            skip_first=first in _SKIPPED_PARAMETERS,
        )
        return _wrap(target, options)

    return decorate(func) if func is not None else decorate
