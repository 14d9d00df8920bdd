"""AgentStack SDK: trace LLM agents (LLM calls, tool calls, memory) and send the spans to AgentStack.

Quick start::

    import agentstack
    from agentstack import observe

    agentstack.configure(api_key="ak_...", service_name="my-agent")  # or AGENTSTACK_* env vars

    @observe(kind="tool")
    def web_search(query: str) -> list[str]: ...

    @observe(kind="agent")
    def run(question: str) -> str:
        hits = web_search(question)
        with agentstack.start_span("llm.chat", kind="llm") as span:
            span.set_llm(model="gpt-4o", provider="openai", input_tokens=812, output_tokens=96)
            ...

Everything importable from this module is the public API; other modules are internal, except
``agentstack.sanitizer`` (custom scrubbing rules), ``agentstack.genai`` (attribute names),
``agentstack.testing`` and ``agentstack.integrations.*`` (framework integrations, imported on demand).
"""

from __future__ import annotations

from agentstack._version import __version__
from agentstack.config import Settings, resolve_settings
from agentstack.context import get_current_span, get_current_trace_id
from agentstack.decorator import observe
from agentstack.span import Span, SpanKind
from agentstack.threads import ContextThreadPoolExecutor, with_context
from agentstack.tracer import Tracer, configure, flush, init, set_llm, shutdown, start_span, stats

__all__ = [
    "__version__",
    "observe",
    "start_span",
    "get_current_span",
    "get_current_trace_id",
    "set_llm",
    "configure",
    "init",
    "flush",
    "shutdown",
    "stats",
    "Span",
    "SpanKind",
    "Tracer",
    "Settings",
    "resolve_settings",
    "ContextThreadPoolExecutor",
    "with_context",
]
