"""CrewAI (≥ 1.10) integration: crews, tasks, agents, tools and LLM calls become one trace.

Usage::

    from agentstack.integrations.crewai import instrument_crewai
    instrument_crewai()
    crew.kickoff(inputs={"city": "Paris"})

- ``crew.kickoff()`` / ``kickoff_async()`` / ``akickoff()``: a ``chain`` span named after the crew,
  with the kickoff inputs as input and the final answer as output;
- each task: a ``task`` span named after the task (its name, else the start of its description),
  with ``crewai.task.description``, ``crewai.task.expected_output``, ``crewai.agent.role``;
- each agent's work on a task: an ``agent`` span named after the agent's role;
- each tool use: a ``tool`` span named after the tool, with its arguments and result;
- each LLM call, whatever the provider (CrewAI's own OpenAI, Anthropic, Gemini, … classes or
  LiteLLM): an ``llm`` span with model, provider and token usage under GenAI names.

Spans nest through the current context, so work of your own (``@observe``) inside a tool nests
under the tool's span, and tasks CrewAI runs in threads (``async_execution=True``) stay in the
crew's trace. The LLM spans come from CrewAI's LLM layer, so there is no need for
``instrument_openai()`` as well; if it is on too, it opens no span of its own for a request CrewAI's
span already records (see ``_llm.claim_llm_call``), so no token is counted twice.
"""

from __future__ import annotations

import contextvars
import inspect
from collections.abc import Callable
from typing import Any

from crewai import Agent, Crew, Task
from crewai.llms.base_llm import BaseLLM
from crewai.tools.base_tool import BaseTool, Tool
from crewai.tools.structured_tool import CrewStructuredTool
from crewai.types.usage_metrics import UsageMetrics

from agentstack import context
from agentstack.integrations._llm import claim_llm_call, release_llm_call
from agentstack.integrations._patching import ORIGINAL, acall_in_span, call_in_span, close_span, guarded, open_span, original_of, patch
from agentstack.span import Span
from agentstack.tracer import get_tracer

__all__ = ["instrument_crewai", "uninstrument_crewai"]

_NAME_CHARS = 60
# What a patched method's span looks like: (name, kind, attributes, input) from (self, args, kwargs).
Describe = Callable[[Any, tuple[Any, ...], dict[str, Any]], "tuple[str, str, dict[str, Any], Any] | None"]
Output = Callable[[Any], Any]


class _LLMCall:
    """The LLM call in progress in this context: CrewAI's usage and finish-reason hooks fill it."""

    __slots__ = ("finish_reasons", "llm", "span", "usage")

    def __init__(self, llm: Any, span: Span) -> None:
        self.llm = llm
        self.span = span
        self.usage: UsageMetrics | None = None
        self.finish_reasons: list[str] = []


_CURRENT_LLM: contextvars.ContextVar[_LLMCall | None] = contextvars.ContextVar("agentstack_crewai_llm", default=None)


def instrument_crewai() -> None:
    """Trace CrewAI crews, tasks, agents, tools and LLM calls (idempotent)."""
    patch(Crew, "kickoff", _traced(_describe_crew, _raw))
    patch(Crew, "akickoff", _traced(_describe_crew, _raw))
    for name in ("_execute_core", "_aexecute_core"):
        patch(Task, name, _traced(_describe_task, _raw))
    for name in ("execute_task", "aexecute_task"):
        patch(Agent, name, _traced(_describe_agent, _plain))
    tool_classes: tuple[type, ...] = (BaseTool, Tool)
    for tool_class in tool_classes:
        patch(tool_class, "run", _traced(_describe_tool_run, _plain))
        patch(tool_class, "arun", _traced(_describe_tool_run, _plain))
    patch(CrewStructuredTool, "invoke", _traced(_describe_tool_invoke, _plain))
    patch(CrewStructuredTool, "ainvoke", _traced(_describe_tool_invoke, _plain))
    patch(BaseLLM, "_track_token_usage_internal", _recording(_record_usage))
    patch(BaseLLM, "_emit_call_completed_event", _recording(_record_completion))
    for llm_class in _llm_classes(BaseLLM):
        _patch_llm_class(llm_class)
    _hook_new_llm_classes()


def uninstrument_crewai() -> None:
    """Undo :func:`instrument_crewai`."""
    original_hook = original_of(BaseLLM.__dict__["_wrap_call_method"].__func__)
    if original_hook is not None:
        BaseLLM._wrap_call_method = original_hook  # type: ignore[method-assign]
    classes: list[type] = [Crew, Task, Agent, BaseTool, Tool, CrewStructuredTool, BaseLLM, *_llm_classes(BaseLLM)]
    for cls in classes:
        for name, value in list(vars(cls).items()):
            original = original_of(value)
            if original is not None:
                setattr(cls, name, original)


def _llm_classes(cls: type) -> list[type]:
    found: list[type] = []
    sub: type
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_llm_classes(sub))
    return found


def _patch_llm_class(cls: type) -> None:
    patch(cls, "call", _traced_llm)
    patch(cls, "acall", _traced_llm)


def _hook_new_llm_classes() -> None:
    """Provider classes are imported on first use: trace each one as CrewAI sets it up."""
    hook = BaseLLM.__dict__["_wrap_call_method"]
    if original_of(hook.__func__) is not None:
        return
    original = hook.__func__

    def _wrap_call_method(cls: type, method_name: str) -> None:
        original(cls, method_name)
        guarded("tracing a CrewAI LLM class", _patch_llm_class, cls)

    setattr(_wrap_call_method, ORIGINAL, hook)
    BaseLLM._wrap_call_method = classmethod(_wrap_call_method)  # type: ignore[method-assign,assignment]


# Spans around methods ------------------------------------------------------------------------


def _start(what: str, describe: Describe, self: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Span | None:
    described = guarded(f"describing a CrewAI {what} span", describe, self, args, kwargs)
    if described is None:
        return None
    name, kind, attributes, value = described
    return open_span(f"CrewAI {what}", name, kind, attributes, value)


def _finish(span: Span, output: Any, exc: BaseException | None) -> None:
    close_span("CrewAI", span, output, exc)


def _traced(describe: Describe, output_of: Output) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A patch factory: the method runs inside a span that is current for its duration."""

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        what = original.__name__
        if inspect.iscoroutinefunction(original):

            async def traced_async(self: Any, *args: Any, **kwargs: Any) -> Any:
                span = _start(what, describe, self, args, kwargs)
                if span is None:
                    return await original(self, *args, **kwargs)
                return await acall_in_span("CrewAI", span, original, (self, *args), kwargs, output_of)

            return traced_async

        def traced(self: Any, *args: Any, **kwargs: Any) -> Any:
            span = _start(what, describe, self, args, kwargs)
            if span is None:
                return original(self, *args, **kwargs)
            return call_in_span("CrewAI", span, original, (self, *args), kwargs, output_of)

        return traced

    return make


def _arg(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, name: str) -> Any:
    return args[index] if len(args) > index else kwargs.get(name)


def _short(text: Any) -> str:
    line = str(text or "").strip().splitlines()[0] if str(text or "").strip() else ""
    return line if len(line) <= _NAME_CHARS else line[: _NAME_CHARS - 1].rstrip() + "…"


def _describe_crew(crew: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[str, str, dict[str, Any], Any] | None:
    if getattr(crew, "stream", False) or _arg(args, kwargs, 2, "from_checkpoint") is not None:
        return None  # the streaming wrapper and a restore both call kickoff again: that call is traced
    name = str(getattr(crew, "name", None) or "Crew")
    process = getattr(crew, "process", None)
    attributes = {
        "crewai.crew.name": name,
        "crewai.crew.id": str(getattr(crew, "id", "")) or None,
        "crewai.crew.process": str(getattr(process, "value", process)) if process is not None else None,
        "crewai.crew.tasks": len(getattr(crew, "tasks", None) or ()),
    }
    return name, "chain", attributes, _arg(args, kwargs, 0, "inputs")


def _describe_task(task: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[str, str, dict[str, Any], Any]:
    agent = _arg(args, kwargs, 0, "agent") or getattr(task, "agent", None)
    description = getattr(task, "description", "")
    attributes = {
        "crewai.task.id": str(getattr(task, "id", "")) or None,
        "crewai.task.name": getattr(task, "name", None),
        "crewai.task.description": description,
        "crewai.task.expected_output": getattr(task, "expected_output", None),
        "crewai.task.async_execution": bool(getattr(task, "async_execution", False)),
        "crewai.agent.role": getattr(agent, "role", None),
    }
    name = getattr(task, "name", None) or _short(description) or "Task"
    return str(name), "task", attributes, _arg(args, kwargs, 1, "context") or None


def _describe_agent(agent: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[str, str, dict[str, Any], Any]:
    task = _arg(args, kwargs, 0, "task")
    role = str(getattr(agent, "role", None) or "Agent").strip() or "Agent"
    llm = getattr(agent, "llm", None)
    attributes = {
        "crewai.agent.role": role,
        "crewai.agent.goal": getattr(agent, "goal", None),
        "crewai.agent.model": getattr(llm, "model", None) if llm is not None and not isinstance(llm, str) else llm,
        "crewai.task.description": getattr(task, "description", None),
    }
    value = {"task": getattr(task, "description", None), "context": _arg(args, kwargs, 1, "context")}
    return role, "agent", attributes, {k: v for k, v in value.items() if v}


def _describe_tool_run(tool: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[str, str, dict[str, Any], Any]:
    name = str(getattr(tool, "name", None) or type(tool).__name__)
    value: Any = kwargs if not args else {"args": list(args), **kwargs}
    return name, "tool", {"crewai.tool.name": name}, value


def _describe_tool_invoke(tool: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[str, str, dict[str, Any], Any]:
    name = str(getattr(tool, "name", None) or "tool")
    return name, "tool", {"crewai.tool.name": name}, _arg(args, kwargs, 0, "input")


def _raw(result: Any) -> Any:
    return getattr(result, "raw", result)


def _plain(result: Any) -> Any:
    return result


# LLM calls -----------------------------------------------------------------------------------


def _traced_llm(original: Callable[..., Any]) -> Callable[..., Any]:
    """``call`` / ``acall`` of an LLM class: an ``llm`` span, unless this LLM's call is already one."""

    def begin(llm: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> _LLMCall | None:
        active = _CURRENT_LLM.get()
        if active is not None and active.llm is llm:
            return None  # a subclass's call() calling super().call(): one call, one span
        result = guarded("starting a CrewAI LLM span", _start_llm, llm, args, kwargs)
        return result if isinstance(result, _LLMCall) else None

    if inspect.iscoroutinefunction(original):

        async def traced_async(self: Any, *args: Any, **kwargs: Any) -> Any:
            call = begin(self, args, kwargs)
            if call is None:
                return await original(self, *args, **kwargs)
            token = _CURRENT_LLM.set(call)
            span_token, claim = context.attach(call.span), claim_llm_call(call.span)
            try:
                result = await original(self, *args, **kwargs)
            except BaseException as exc:
                _end_llm(call, token, span_token, claim, None, exc)
                raise
            _end_llm(call, token, span_token, claim, result, None)
            return result

        return traced_async

    def traced(self: Any, *args: Any, **kwargs: Any) -> Any:
        call = begin(self, args, kwargs)
        if call is None:
            return original(self, *args, **kwargs)
        token = _CURRENT_LLM.set(call)
        span_token, claim = context.attach(call.span), claim_llm_call(call.span)
        try:
            result = original(self, *args, **kwargs)
        except BaseException as exc:
            _end_llm(call, token, span_token, claim, None, exc)
            raise
        _end_llm(call, token, span_token, claim, result, None)
        return result

    return traced


def _start_llm(llm: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> _LLMCall:
    tracer = get_tracer()
    model = str(getattr(llm, "model", "") or "") or None
    span = tracer.start_span(f"chat {model}" if model else "chat", kind="llm")
    max_tokens = getattr(llm, "max_tokens", None)
    temperature = getattr(llm, "temperature", None)
    span.set_llm(
        model=model,
        provider=str(getattr(llm, "provider", "") or "") or None,
        operation="chat",
        temperature=float(temperature) if isinstance(temperature, (int, float)) and not isinstance(temperature, bool) else None,
        max_tokens=max_tokens if isinstance(max_tokens, int) and not isinstance(max_tokens, bool) else None,
    )
    span.set_attribute("crewai.llm.class", type(llm).__name__)
    if tracer.settings.capture_content:
        messages = _arg(args, kwargs, 0, "messages")
        tools = _arg(args, kwargs, 1, "tools")
        span.set_input({k: v for k, v in (("messages", messages), ("tools", tools)) if v})
    return _LLMCall(llm, span)


def _end_llm(
    call: _LLMCall, token: contextvars.Token[_LLMCall | None], span_token: Any, claim: Any, result: Any, exc: BaseException | None
) -> None:
    release_llm_call(claim)
    context.detach(span_token)
    _CURRENT_LLM.reset(token)

    def record() -> None:
        usage = call.usage
        if usage is not None:
            call.span.set_llm(
                input_tokens=usage.prompt_tokens,
                output_tokens=usage.completion_tokens,
                cache_read_tokens=usage.cached_prompt_tokens or None,
                cache_write_tokens=usage.cache_creation_tokens or None,
                reasoning_tokens=usage.reasoning_tokens or None,
            )
        if call.finish_reasons:
            call.span.set_llm(finish_reasons=call.finish_reasons)

    guarded("recording CrewAI LLM usage", record)
    _finish(call.span, _llm_output(result) if exc is None else None, exc)


def _llm_output(result: Any) -> Any:
    if isinstance(result, (list, tuple)):  # tool calls handed back to the agent
        return [_tool_call(item) for item in result]
    return result


def _tool_call(item: Any) -> Any:
    function = getattr(item, "function", None)
    if function is None:
        return item
    return {"id": getattr(item, "id", None), "name": getattr(function, "name", None), "arguments": getattr(function, "arguments", None)}


def _recording(record: Callable[..., None]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A patch factory for CrewAI's own bookkeeping hooks: run them, then note what they saw."""

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def hook(self: Any, *args: Any, **kwargs: Any) -> Any:
            result = original(self, *args, **kwargs)
            call = _CURRENT_LLM.get()
            if call is not None and call.llm is self:
                guarded("reading CrewAI LLM details", record, call, args, kwargs)
            return result

        return hook

    return make


def _record_usage(call: _LLMCall, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    metrics = UsageMetrics.from_provider_dict(_arg(args, kwargs, 0, "usage_data"))
    if metrics is None:
        return
    if call.usage is None:
        call.usage = metrics
    else:  # a retried or multi-step request: the call costs the sum
        call.usage.add_usage_metrics(metrics)


def _record_completion(call: _LLMCall, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    reason = kwargs.get("finish_reason")
    if reason:
        call.finish_reasons.append(str(reason))
