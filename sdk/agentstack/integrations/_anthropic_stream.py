"""Tracing for Anthropic's ``messages.stream(...)`` helper, which posts the request itself (not via ``create``).

The helper returns a stream manager; the request is sent when its ``with`` block is entered. The
traced manager opens the span there, and puts a stream proxy (see :mod:`._llm`) between the helper's
``MessageStream`` and the raw event stream it reads, so the span sees every raw event (usage, text,
stop reason) and ends when the events run out or the helper closes the stream, which its ``with``
block always does. Should a future SDK keep the raw stream elsewhere, the span instead ends when the
block exits, read from the helper's public ``current_message_snapshot``.
"""

from __future__ import annotations

import functools
from typing import Any

from agentstack.integrations._llm import (
    AsyncStreamProxy,
    LLMCall,
    OnChunk,
    ReadResponse,
    SyncStreamProxy,
    start_call,
)
from agentstack.integrations._patching import guarded, patch, unpatch

__all__ = ["patch_stream_helper", "unpatch_stream_helper"]


def patch_stream_helper(sync_cls: type, async_cls: type, read: ReadResponse, on_event: OnChunk) -> None:
    """Replace ``stream`` on Anthropic's ``Messages`` and ``AsyncMessages`` with traced versions; idempotent."""
    managers: tuple[tuple[type, type[_ManagerBase]], ...] = ((sync_cls, _TracedManager), (async_cls, _AsyncTracedManager))
    for cls, manager_cls in managers:
        patch(cls, "stream", functools.partial(_traced_stream, manager_cls=manager_cls, read=read, on_event=on_event))


def unpatch_stream_helper(sync_cls: type, async_cls: type) -> None:
    """Undo :func:`patch_stream_helper`."""
    for cls in (sync_cls, async_cls):
        unpatch(cls, "stream")


def _traced_stream(original: Any, manager_cls: type[_ManagerBase], read: ReadResponse, on_event: OnChunk) -> Any:
    def stream(self: Any, *args: Any, **kwargs: Any) -> Any:
        manager = original(self, *args, **kwargs)
        traced = guarded("wrapping a message stream", manager_cls, manager, kwargs, read, on_event)
        return traced if traced is not None else manager

    return stream


class _ManagerBase:
    """What the sync and async traced managers share: delegation, and wiring the span to the stream."""

    def __init__(self, manager: Any, params: dict[str, Any], read: ReadResponse, on_event: OnChunk) -> None:
        self._manager = manager
        self._params = params
        self._read = read
        self._on_event = on_event
        self._call: LLMCall | None = None
        self._stream: Any = None
        self._wrapped = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._manager, name)

    def _opened(self, stream: Any, proxy_cls: type[SyncStreamProxy] | type[AsyncStreamProxy]) -> None:
        call = self._call
        if call is None:
            return
        call.detach()  # the stream is consumed in the caller's own context, like create(stream=True)
        self._stream = stream
        raw = getattr(stream, "_raw_stream", None)
        if raw is not None:
            stream._raw_stream = proxy_cls(raw, call)
            self._wrapped = True

    def _failed(self, exc: BaseException) -> None:
        if self._call is not None:
            guarded("recording an LLM error", self._call.fail, exc)

    def _closed(self) -> None:
        call = self._call
        if call is None or self._wrapped or call.span.end_time is not None:
            return
        guarded("reading a message stream", lambda: self._read(call, self._stream.current_message_snapshot))
        guarded("ending a streamed LLM span", call.succeed)


class _TracedManager(_ManagerBase):
    """``client.messages.stream(...)``: same ``with`` block, span from request to stream end."""

    def __enter__(self) -> Any:
        self._call = start_call("anthropic", "chat", self._params, self._on_event)
        try:
            stream = self._manager.__enter__()
        except BaseException as exc:
            self._failed(exc)
            raise
        guarded("tracing a message stream", self._opened, stream, SyncStreamProxy)
        return stream

    def __exit__(self, *exc_info: Any) -> Any:
        try:
            return self._manager.__exit__(*exc_info)
        finally:
            guarded("ending a message stream span", self._closed)


class _AsyncTracedManager(_ManagerBase):
    """``async with client.messages.stream(...)``: same block, span from request to stream end."""

    async def __aenter__(self) -> Any:
        self._call = start_call("anthropic", "chat", self._params, self._on_event)
        try:
            stream = await self._manager.__aenter__()
        except BaseException as exc:
            self._failed(exc)
            raise
        guarded("tracing a message stream", self._opened, stream, AsyncStreamProxy)
        return stream

    async def __aexit__(self, *exc_info: Any) -> Any:
        try:
            return await self._manager.__aexit__(*exc_info)
        finally:
            guarded("ending a message stream span", self._closed)
