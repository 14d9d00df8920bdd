"""LangChain / LangGraph integration: a callback handler that turns runs into spans.

Usage::

    from agentstack.integrations.langchain import AgentStackCallbackHandler
    handler = AgentStackCallbackHandler()
    graph.invoke(inputs, config={"callbacks": [handler]})

Chains and LangGraph nodes become ``chain`` spans (a node's span is named after the node and
carries ``langgraph.node``), chat models and LLMs ``llm`` spans with model, provider and token usage
(GenAI names, cache and reasoning tokens included), tools ``tool`` spans and retrievers
``retriever`` spans. Parent links follow LangChain's run ids; a run with no parent hangs under the
span current when it started (e.g. an ``@observe`` function that invoked the graph).

While a run works, its span is the current span where that is safe, so what the run calls nests
under it: an ``@observe`` function, or an OpenAI / Anthropic call (``instrument_openai()``), inside a
tool, chain, retriever or graph node. The handler is ``run_inline``, so LangChain calls it in the
run's own thread or task, and copies that context (span included) into the thread or task doing
the work. Where:

- tools, sync or async: always (LangChain calls their start and end callbacks in one context);
- chains, graph nodes and retrievers: in sync runs. In async runs LangChain calls their end
  callbacks in a copy of the context (``asyncio.shield``), from which the span could not be made
  un-current again, so there they are not made current; code they run directly nests under the
  nearest tool or ``@observe`` span instead (their LangChain children still nest by run id);
- during ``.stream()`` a chain's span is also current in the consumer's loop between chunks.

A span stops being current when its run ends or fails. It is never reset from a foreign context,
and one ended out of order is unwound when the run above it ends, so nothing stays current after
a run.

No double LLM spans: with ``instrument_openai()`` / ``instrument_anthropic()`` also on, the provider
call that a LangChain chat model makes runs while the handler's ``llm`` run is open, and the client
integration then opens no span of its own (see ``_llm.claim_llm_call``; sync and async, batches
too). The handler's span is the one kept: it sits in the LangChain tree and carries the usage
LangChain reports (``usage_metadata``, with cache and reasoning tokens), so each call's tokens, and
cost, are counted once. An OpenAI call a *tool* makes is not a chat-model run and keeps its span.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from typing import Any
from uuid import UUID

from langchain_core.callbacks.base import BaseCallbackHandler

from agentstack import context
from agentstack.integrations._llm import claim_llm_call, release_llm_call, usage_int
from agentstack.integrations._patching import guarded
from agentstack.span import Span
from agentstack.tracer import get_tracer

__all__ = ["AgentStackCallbackHandler"]


class AgentStackCallbackHandler(BaseCallbackHandler):
    """Records LangChain / LangGraph runs as AgentStack spans. Safe to share between threads."""

    raise_error = False  # LangChain's flag: a failing handler must never fail the run
    run_inline = True  # called in the run's own thread/task, so the current span is the right parent

    _MAX_ORPHANS = 1024

    def __init__(self) -> None:
        self._spans: dict[UUID, Span] = {}
        self._tokens: dict[UUID, contextvars.Token[Span | None]] = {}  # runs made current, or LLM runs' claims
        self._orphans: dict[Span, contextvars.Token[Span | None]] = {}  # ended out of order, still current below
        self._lock = threading.Lock()

    # -- shared start / end ----------------------------------------------------------------------
    def _start(self, run_id: UUID, parent_run_id: UUID | None, name: str, kind: str, inputs: Any, metadata: dict[str, Any] | None, attributes: dict[str, Any] | None = None) -> Span | None:
        def start() -> Span:
            with self._lock:
                parent = self._spans.get(parent_run_id) if parent_run_id is not None else None
            if parent is None:
                parent = context.get_current_span()
            tracer = get_tracer()
            node = (metadata or {}).get("langgraph_node")  # inherited by every run inside the node
            span = tracer.start_span(str(name or kind), kind=kind, parent=parent, root=parent is None)
            span.set_attribute("langchain.run_id", str(run_id))
            if node and kind == "chain" and name == node:
                span.set_attribute("langgraph.node", str(node))
                span.set_attribute("langgraph.step", (metadata or {}).get("langgraph_step"))
            if attributes:
                span.set_attributes(attributes)
            if tracer.settings.capture_content and inputs is not None:
                span.set_input(_plain(inputs))
            with self._lock:
                self._spans[run_id] = span
            token = claim_llm_call(span) if kind == "llm" else context.attach(span) if _may_attach(kind) else None
            if token is not None:
                with self._lock:
                    self._tokens[run_id] = token
            return span

        result = guarded(f"starting a LangChain {kind} span", start)
        return result if isinstance(result, Span) else None

    def _end(self, run_id: UUID, output: Any = None, error: BaseException | None = None, attributes: dict[str, Any] | None = None) -> None:
        def end() -> None:
            with self._lock:
                span = self._spans.pop(run_id, None)
                token = self._tokens.pop(run_id, None)
            if span is None:
                return
            if token is not None and span.kind == "llm":
                release_llm_call(token)
            elif token is not None:
                self._release(span, token)
            if attributes:
                span.set_attributes(attributes)
            if error is not None:
                span.set_error(error)
            else:
                if output is not None and get_tracer().settings.capture_content:
                    span.set_output(_plain(output))
                if span.status == "UNSET":
                    span.set_status("OK")
            span.end()

        guarded("ending a LangChain span", end)

    def _release(self, span: Span, token: contextvars.Token[Span | None]) -> None:
        """Stop ``span`` being current, here and only if that restores the right span."""
        if context.get_current_span() is not span:
            # Ended out of order (or in another context): resetting now would bring back whatever was
            # current when it started over a newer run's span. Unwound when it surfaces again.
            with self._lock:
                self._orphans[span] = token
                if len(self._orphans) > self._MAX_ORPHANS:
                    self._orphans.pop(next(iter(self._orphans)))
            return
        if not context.try_detach(token):
            return  # a copy of the context that started the run: the original is not ours to change
        while (current := context.get_current_span()) is not None:
            with self._lock:
                orphan = self._orphans.pop(current, None)
            if orphan is None or not context.try_detach(orphan):
                return

    # -- chains and graph nodes ---------------------------------------------------------------------
    def on_chain_start(self, serialized: dict[str, Any], inputs: Any, *, run_id: UUID, parent_run_id: UUID | None = None, tags: list[str] | None = None, metadata: dict[str, Any] | None = None, **kwargs: Any) -> None:
        """A chain (or graph node) started: open a `chain` span under its parent run."""
        self._start(run_id, parent_run_id, _name(serialized, kwargs, "chain"), "chain", inputs, metadata)

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """The chain finished: record its outputs and end its span."""
        self._end(run_id, outputs)

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """The chain failed: record the error on its span and end it."""
        if type(error).__name__ == "GraphBubbleUp" or type(error).__name__ == "GraphInterrupt":
            self._end(run_id, None)  # LangGraph control flow (interrupts), not a failure
        else:
            self._end(run_id, error=error)

    # -- models ---------------------------------------------------------------------------------------
    def on_chat_model_start(self, serialized: dict[str, Any], messages: list[list[Any]], *, run_id: UUID, parent_run_id: UUID | None = None, tags: list[str] | None = None, metadata: dict[str, Any] | None = None, **kwargs: Any) -> None:
        """A chat model call started: open an `llm` span with the messages as input."""
        self._start_llm(serialized, [[_message(m) for m in batch] for batch in messages], run_id, parent_run_id, metadata, kwargs)

    def on_llm_start(self, serialized: dict[str, Any], prompts: list[str], *, run_id: UUID, parent_run_id: UUID | None = None, tags: list[str] | None = None, metadata: dict[str, Any] | None = None, **kwargs: Any) -> None:
        """A completion-style LLM call started: open an `llm` span with the prompts as input."""
        self._start_llm(serialized, prompts, run_id, parent_run_id, metadata, kwargs)

    def _start_llm(self, serialized: dict[str, Any], inputs: Any, run_id: UUID, parent_run_id: UUID | None, metadata: dict[str, Any] | None, kwargs: dict[str, Any]) -> None:
        params = kwargs.get("invocation_params") or {}
        meta = metadata or {}
        model = params.get("model") or params.get("model_name") or meta.get("ls_model_name")
        attributes: dict[str, Any] = {
            "gen_ai.request.model": model,
            "gen_ai.provider.name": meta.get("ls_provider"),
            "gen_ai.system": meta.get("ls_provider"),
            "gen_ai.operation.name": "chat",
            "gen_ai.request.temperature": params.get("temperature", meta.get("ls_temperature")),
            "gen_ai.request.max_tokens": params.get("max_tokens", meta.get("ls_max_tokens")),
        }
        name = f"chat {model}" if model else _name(serialized, kwargs, "llm")
        self._start(run_id, parent_run_id, name, "llm", inputs, metadata, {k: v for k, v in attributes.items() if v is not None})

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """The LLM call finished: record the output, model and token usage, and end its span."""
        attributes = guarded("reading LangChain token usage", _llm_result_attributes, response) or {}
        texts = [getattr(g, "text", "") for batch in getattr(response, "generations", []) for g in batch]
        self._end(run_id, texts[0] if len(texts) == 1 else texts, attributes=attributes)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """The LLM call failed: record the error on its span and end it."""
        self._end(run_id, error=error)

    # -- tools and retrievers -------------------------------------------------------------------------
    def on_tool_start(self, serialized: dict[str, Any], input_str: str, *, run_id: UUID, parent_run_id: UUID | None = None, tags: list[str] | None = None, metadata: dict[str, Any] | None = None, inputs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        """A tool started: open a `tool` span, current while the tool runs."""
        name = _name(serialized, kwargs, "tool")
        self._start(run_id, parent_run_id, name, "tool", inputs if inputs is not None else input_str, metadata, {"tool.name": name})

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """The tool finished: record its output and end its span."""
        self._end(run_id, getattr(output, "content", output))

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """The tool failed: record the error on its span and end it."""
        self._end(run_id, error=error)

    def on_retriever_start(self, serialized: dict[str, Any], query: str, *, run_id: UUID, parent_run_id: UUID | None = None, tags: list[str] | None = None, metadata: dict[str, Any] | None = None, **kwargs: Any) -> None:
        """A retriever started: open a `retriever` span with the query as input."""
        self._start(run_id, parent_run_id, _name(serialized, kwargs, "retriever"), "retriever", query, metadata)

    def on_retriever_end(self, documents: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """The retriever finished: record the documents it returned and end its span."""
        docs = [{"page_content": getattr(d, "page_content", str(d)), "metadata": getattr(d, "metadata", {})} for d in documents]
        self._end(run_id, docs, attributes={"retriever.documents": len(docs)})

    def on_retriever_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """The retriever failed: record the error on its span and end it."""
        self._end(run_id, error=error)


def _may_attach(kind: str) -> bool:
    """Whether a run's span can be made current where its start callback runs.

    Tools: always (LangChain calls a tool's start and end callbacks in the same context, sync or
    async). Chains and retrievers: only outside an event loop, because LangChain's async run
    managers call their end callbacks in a copy of the context (``asyncio.shield``), where the
    original context cannot be restored: the span would stay current there after the run.
    """
    if kind == "tool":
        return True
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return True
    return False


def _name(serialized: dict[str, Any] | None, kwargs: dict[str, Any], default: str) -> str:
    if kwargs.get("name"):
        return str(kwargs["name"])
    if serialized:
        if serialized.get("name"):
            return str(serialized["name"])
        ids = serialized.get("id")
        if isinstance(ids, list) and ids:
            return str(ids[-1])
    return default


def _message(message: Any) -> dict[str, Any]:
    return {"role": getattr(message, "type", "message"), "content": getattr(message, "content", message)}


def _plain(value: Any) -> Any:
    """LangChain messages as role/content dicts; other values as they are (capture serialises them)."""
    if hasattr(value, "content") and hasattr(value, "type"):
        return _message(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _llm_result_attributes(response: Any) -> dict[str, Any]:
    """GenAI usage attributes from an ``LLMResult``: the message's ``usage_metadata``, else ``llm_output``."""
    attributes: dict[str, Any] = {}
    for batch in getattr(response, "generations", []):
        for generation in batch:
            message = getattr(generation, "message", None)
            usage = getattr(message, "usage_metadata", None)
            meta = getattr(message, "response_metadata", None) or {}
            if meta.get("model_name"):
                attributes["gen_ai.response.model"] = meta["model_name"]
            if meta.get("finish_reason"):
                attributes["gen_ai.response.finish_reasons"] = f'["{meta["finish_reason"]}"]'
            if usage:
                inputs, outputs = usage.get("input_token_details") or {}, usage.get("output_token_details") or {}
                attributes.update({
                    "gen_ai.usage.input_tokens": usage_int(usage.get("input_tokens")),
                    "gen_ai.usage.output_tokens": usage_int(usage.get("output_tokens")),
                    "gen_ai.usage.cache_read.input_tokens": usage_int(inputs.get("cache_read")),
                    "gen_ai.usage.cache_creation.input_tokens": usage_int(inputs.get("cache_creation")),
                    "gen_ai.usage.reasoning.output_tokens": usage_int(outputs.get("reasoning")),
                })  # fmt: skip
                return {k: v for k, v in attributes.items() if v is not None}
    token_usage = (getattr(response, "llm_output", None) or {}).get("token_usage") or {}
    attributes["gen_ai.usage.input_tokens"] = usage_int(token_usage.get("prompt_tokens"))
    attributes["gen_ai.usage.output_tokens"] = usage_int(token_usage.get("completion_tokens"))
    return {k: v for k, v in attributes.items() if v is not None}
