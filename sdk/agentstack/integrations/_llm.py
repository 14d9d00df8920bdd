"""What the LLM client integrations share: one :class:`LLMCall` per request, and stream proxies.

An :class:`LLMCall` opens an ``llm`` (or ``embedding``) span, a child of the current span, with the
GenAI request attributes, is current while the request runs, and ends with the usage, the response
model and the finish reasons, or with the error. A streamed response is wrapped in a proxy that feeds
each chunk to the call and ends the span when the stream is exhausted, closed (also through its HTTP
response, as the SDKs' ``.stream()`` helpers do) or fails. A raw response (``with_raw_response``) ends
the span when it is parsed. Every step of the integration's own work is guarded: a bug here is
logged, never raised into the caller.

No second span for one call: while a framework's own ``llm`` run is open and records the provider
call's usage itself (the LangChain handler's chat-model runs, see :func:`claim_llm_call`), the
client integrations open no span of their own for that call, so its tokens are counted once.
"""

from __future__ import annotations

import contextvars
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from agentstack import context
from agentstack.span import Span
from agentstack.integrations._patching import guarded, patch, unpatch
from agentstack.tracer import get_tracer

__all__ = ["LLMCall", "SyncStreamProxy", "AsyncStreamProxy", "claim_llm_call", "release_llm_call", "patch_method", "unpatch_method"]

# The LLM span of a framework that records the provider call's usage itself, while its run is open
# in this context. A value left behind in a context the framework could not reset it in (LangChain
# ends async runs in a copy of the context) is inert: it only counts while that span is not ended.
_FRAMEWORK_LLM: contextvars.ContextVar[Span | None] = contextvars.ContextVar("agentstack_framework_llm", default=None)
CHAT_INPUTS = ("system", "messages", "tools")


def claim_llm_call(span: Span) -> contextvars.Token[Span | None]:
    """Say that ``span``, a framework's open ``llm`` run, records the provider call made under it.

    Until :func:`release_llm_call` (or the span's end), the client integrations open no span of
    their own in this context and in contexts copied from it.
    """
    return _FRAMEWORK_LLM.set(span)


def release_llm_call(token: contextvars.Token[Span | None]) -> None:
    """Undo :func:`claim_llm_call`; from another context this does nothing (the span's end disarms it)."""
    try:
        _FRAMEWORK_LLM.reset(token)
    except (ValueError, RuntimeError):
        pass


class LLMCall:
    """One LLM request traced as a span.

    Args:
        provider: ``gen_ai.provider.name``, e.g. ``"openai"``.
        operation: ``gen_ai.operation.name``, e.g. ``"chat"``, ``"embeddings"``.
        params: the request's keyword arguments (``model``, ``messages``, ``temperature``, …).
        on_chunk: called with each streamed chunk and this call, to accumulate text and usage.
        kind: the span's kind, ``"llm"`` or ``"embedding"``.
        inputs: which request parameters are the captured input (when content capture is on).
    """

    def __init__(
        self,
        provider: str,
        operation: str,
        params: dict[str, Any],
        on_chunk: Callable[[LLMCall, Any], None],
        kind: str = "llm",
        inputs: tuple[str, ...] = CHAT_INPUTS,
    ) -> None:
        tracer = get_tracer()
        model = params.get("model")
        self.span: Span = tracer.start_span(f"{operation} {model}" if model else operation, kind=kind)
        self.span.set_llm(
            model=str(model) if model else None,
            provider=provider,
            operation=operation,
            temperature=_number(params.get("temperature")),
            max_tokens=_int(params.get("max_tokens") or params.get("max_completion_tokens") or params.get("max_output_tokens")),
        )
        if tracer.settings.capture_content:
            request = {k: params[k] for k in inputs if _given(params.get(k))}
            self.span.set_input(request)
        self.capture = tracer.settings.capture_content
        self.on_chunk = on_chunk
        self.output: Any = None  # what the span's output is, when not the accumulated text
        self.text: list[str] = []
        self.finish_reasons: list[str] = []
        self.usage: dict[str, int | None] = {}
        self.response_model: str | None = None
        self._token: contextvars.Token[Span | None] | None = context.attach(self.span)

    def detach(self) -> None:
        """Stop being the current span (the request returned; a stream may still be open)."""
        if self._token is not None:
            context.detach(self._token)
            self._token = None

    def fail(self, exc: BaseException) -> None:
        """The request or the stream failed: record the error and end the span."""
        self.detach()
        self._record()
        self.span.set_error(exc)
        self.span.end()

    def succeed(self, output: Any = None) -> None:
        """The response is complete: record usage and output and end the span."""
        self.detach()
        if output is None:
            output = self.output
        if self.capture:
            self.span.set_output(output if output is not None else "".join(self.text))
        self._record()
        if self.span.status == "UNSET":
            self.span.set_status("OK")
        self.span.end()

    def _record(self) -> None:
        self.span.set_llm(
            response_model=self.response_model,
            finish_reasons=self.finish_reasons or None,
            **{k: v for k, v in self.usage.items() if v is not None},
        )

    def chunk(self, item: Any) -> None:
        """Feed one streamed chunk to the provider's accumulator (guarded)."""
        guarded("reading a stream chunk", self.on_chunk, self, item)


class _StreamProxy:
    """What the sync and async stream proxies share: delegation and ending the span exactly once."""

    def __init__(self, stream: Any, call: LLMCall) -> None:
        self._stream = stream
        self._call = call
        self._done = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    @property
    def response(self) -> Any:
        """The HTTP response; closing it (as the SDKs' ``.stream()`` helpers do) ends the span."""
        return _ClosingResponse(self._stream.response, self)

    def _finish(self, exc: BaseException | None) -> None:
        if self._done:
            return
        self._done = True
        if exc is None:
            guarded("ending a streamed LLM span", self._call.succeed)
        else:
            guarded("recording a stream error", self._call.fail, exc)


class SyncStreamProxy(_StreamProxy):
    """Wraps a provider's sync stream: same iteration and context manager, span ended at the end."""


    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        try:
            item = next(self._stream)
        except StopIteration:
            self._finish(None)
            raise
        except BaseException as exc:
            self._finish(exc)
            raise
        self._call.chunk(item)
        return item

    def __enter__(self) -> SyncStreamProxy:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        """Close the underlying stream; a stream closed early still ends its span (status OK)."""
        try:
            self._stream.close()
        finally:
            self._finish(None)


class AsyncStreamProxy(_StreamProxy):
    """Wraps a provider's async stream: same iteration and context manager, span ended at the end."""

    def __aiter__(self) -> AsyncIterator[Any]:
        return self

    async def __anext__(self) -> Any:
        try:
            item = await self._stream.__anext__()
        except StopAsyncIteration:
            self._finish(None)
            raise
        except BaseException as exc:
            self._finish(exc)
            raise
        self._call.chunk(item)
        return item

    async def __aenter__(self) -> AsyncStreamProxy:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the underlying stream; a stream closed early still ends its span (status OK)."""
        try:
            await self._stream.close()
        finally:
            self._finish(None)



class _ClosingResponse:
    """A stream's HTTP response: everything delegated; ``close``/``aclose`` also end the stream's span."""

    def __init__(self, response: Any, proxy: _StreamProxy) -> None:
        self._response = response
        self._proxy = proxy

    def __getattr__(self, name: str) -> Any:
        return getattr(self._response, name)

    def close(self) -> None:
        try:
            self._response.close()
        finally:
            self._proxy._finish(None)

    async def aclose(self) -> None:
        try:
            await self._response.aclose()
        finally:
            self._proxy._finish(None)


def start_call(
    provider: str,
    operation: str,
    params: dict[str, Any],
    on_chunk: Callable[[LLMCall, Any], None],
    kind: str = "llm",
    inputs: tuple[str, ...] = CHAT_INPUTS,
) -> LLMCall | None:
    """A new :class:`LLMCall`, or ``None``: a framework's span already records this call, or even starting failed."""
    claimed = _FRAMEWORK_LLM.get()
    if claimed is not None and claimed.end_time is None:
        return None
    result = guarded("starting an LLM span", LLMCall, provider, operation, params, on_chunk, kind, inputs)
    return result if isinstance(result, LLMCall) else None


def _given(value: Any) -> bool:
    """Not ``None`` nor the SDKs' "not given" sentinels (``openai.Omit``, ``NotGiven``), which helpers pass on."""
    return value is not None and type(value).__name__ not in ("Omit", "NotGiven")


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def usage_int(value: Any) -> int | None:
    """A token count from a provider's usage object, or ``None`` when absent or not a count."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


ReadResponse = Callable[[LLMCall, Any], None]
OnChunk = Callable[[LLMCall, Any], None]


def patch_method(
    cls: type,
    name: str,
    provider: str,
    operation: str,
    read: ReadResponse,
    on_chunk: OnChunk,
    *,
    is_async: bool,
    kind: str = "llm",
    inputs: tuple[str, ...] = CHAT_INPUTS,
) -> None:
    """Replace ``cls.name`` (a client's create method) with a traced version; idempotent.

    ``kind`` and ``inputs`` are passed to :class:`LLMCall`.
    """
    patch(cls, name, lambda original: _traced_create(original, provider, operation, read, on_chunk, is_async, kind, inputs))


def _traced_create(
    original: Callable[..., Any],
    provider: str,
    operation: str,
    read: ReadResponse,
    on_chunk: OnChunk,
    is_async: bool,
    kind: str,
    inputs: tuple[str, ...],
) -> Callable[..., Any]:
    if is_async:

        async def traced_async(self: Any, *args: Any, **kwargs: Any) -> Any:
            call = start_call(provider, operation, kwargs, on_chunk, kind, inputs)
            if call is None:
                return await original(self, *args, **kwargs)
            try:
                result = await original(self, *args, **kwargs)
            except BaseException as exc:
                guarded("recording an LLM error", call.fail, exc)
                raise
            return _after(call, result, kwargs, read, AsyncStreamProxy)

        wrapper: Callable[..., Any] = traced_async
    else:

        def traced(self: Any, *args: Any, **kwargs: Any) -> Any:
            call = start_call(provider, operation, kwargs, on_chunk, kind, inputs)
            if call is None:
                return original(self, *args, **kwargs)
            try:
                result = original(self, *args, **kwargs)
            except BaseException as exc:
                guarded("recording an LLM error", call.fail, exc)
                raise
            return _after(call, result, kwargs, read, SyncStreamProxy)

        wrapper = traced
    return wrapper


unpatch_method = unpatch  # undoes patch_method


def _after(call: LLMCall, result: Any, params: dict[str, Any], read: ReadResponse, proxy: Callable[[Any, LLMCall], Any]) -> Any:
    if _RAW_HEADER in (params.get("extra_headers") or {}):
        call.detach()  # with_raw_response / with_streaming_response: the body is parsed later
        return RawResponseProxy(result, call, bool(params.get("stream")), read, proxy)
    if params.get("stream"):
        call.detach()  # the stream is consumed later, outside this request's context
        return proxy(result, call)
    guarded("reading an LLM response", read, call, result)
    guarded("ending an LLM span", call.succeed)
    return result


_RAW_HEADER = "X-Stainless-Raw-Response"  # set by the OpenAI and Anthropic SDKs' raw-response wrappers


class RawResponseProxy:
    """A raw response (``with_raw_response.create``): the span is read and ended when it is parsed.

    ``parse()`` returns the parsed object (or, for a stream, a stream proxy); it may be a coroutine
    (``with_streaming_response`` on an async client). A raw response never parsed leaves the span
    unended, as the call's outcome is then unknown.
    """

    def __init__(self, raw: Any, call: LLMCall, stream: bool, read: ReadResponse, proxy: Callable[[Any, LLMCall], Any]) -> None:
        self._raw, self._call, self._stream, self._read, self._proxy = raw, call, stream, read, proxy

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)

    def parse(self, *args: Any, **kwargs: Any) -> Any:
        parsed = self._raw.parse(*args, **kwargs)
        if inspect.isawaitable(parsed):
            return self._parsed_later(parsed)
        return self._parsed(parsed)

    async def _parsed_later(self, parsed: Any) -> Any:
        try:
            value = await parsed
        except BaseException as exc:
            guarded("recording an LLM error", self._call.fail, exc)
            raise
        return self._parsed(value)

    def _parsed(self, parsed: Any) -> Any:
        if self._stream:
            return self._proxy(parsed, self._call)
        if self._call.span.end_time is None:
            guarded("reading an LLM response", self._read, self._call, parsed)
            guarded("ending an LLM span", self._call.succeed)
        return parsed
