"""AutoGen (AgentChat ≥ 0.4) integration: agent runs, team runs and each agent's turn become spans.

Usage::

    from agentstack.integrations.autogen import instrument_autogen
    instrument_autogen()   # also traces the OpenAI client AutoGen's OpenAI model client uses

- ``agent.run()`` / ``agent.run_stream()``: an ``agent`` span named after the agent;
- ``team.run()`` / ``team.run_stream()`` (round-robin, selector, swarm, …): a ``chain`` span named
  after the team class, with one ``message`` event per agent message (source, type, text, the
  model usage AutoGen reports as ``autogen.usage.*``);
- each agent's turn inside a team: an ``agent`` span (a child of the team's span) with the
  messages it received as input and what it answered as output;
- LLM calls made during a turn are ``llm`` spans below it (via the OpenAI integration), where the
  token usage is recorded with GenAI names (the message events' ``autogen.usage.*`` are not priced,
  so nothing is counted twice).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from typing import Any

from autogen_agentchat.agents import BaseChatAgent
from autogen_agentchat.teams import BaseGroupChat
from autogen_agentchat.teams._group_chat._chat_agent_container import ChatAgentContainer

from agentstack import context
from agentstack.integrations._patching import acall_in_span, close_span, guarded, open_span, patch, unpatch
from agentstack.span import Span
from agentstack.tracer import get_tracer

__all__ = ["instrument_autogen", "uninstrument_autogen"]


def instrument_autogen(*, openai: bool = True) -> None:
    """Trace AutoGen AgentChat agents and teams (idempotent).

    Args:
        openai: also trace the OpenAI client (the LLM calls of ``OpenAIChatCompletionClient``).
    """
    patch(BaseChatAgent, "run", _traced_run(lambda agent: str(agent.name), "agent"))
    patch(BaseChatAgent, "run_stream", _traced_stream(lambda agent: str(agent.name), "agent"))
    patch(BaseGroupChat, "run_stream", _traced_stream(lambda team: type(team).__name__, "chain"))
    patch(ChatAgentContainer, "handle_request", _traced_turn)
    if openai:
        try:
            from agentstack.integrations.openai import instrument_openai
        except ImportError:  # AutoGen without the openai package: agents and teams only
            return
        instrument_openai()


def uninstrument_autogen() -> None:
    """Undo :func:`instrument_autogen` (the OpenAI integration stays; see ``uninstrument_openai``)."""
    for cls, name in ((BaseChatAgent, "run"), (BaseChatAgent, "run_stream"), (BaseGroupChat, "run_stream"), (ChatAgentContainer, "handle_request")):
        unpatch(cls, name)


def _start(name: str, kind: str, task: Any, attributes: dict[str, Any]) -> Span | None:
    value = guarded("reading an AutoGen task", _text, task) if task is not None else None
    return open_span("AutoGen", name, kind, attributes, value)


def _finish(span: Span, output: Any, exc: BaseException | None) -> None:
    close_span("AutoGen", span, output, exc)


def _traced_run(name_of: Callable[[Any], str], kind: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        async def run(self: Any, *args: Any, **kwargs: Any) -> Any:
            span = _start(name_of(self), kind, kwargs.get("task"), {"autogen.agent.name": name_of(self)})
            if span is None:
                return await original(self, *args, **kwargs)

            def output_of(result: Any) -> Any:
                guarded("recording AutoGen messages", _record_result, span, result)
                return _result_text(result)

            return await acall_in_span("AutoGen", span, original, (self, *args), kwargs, output_of)

        return run

    return make


def _traced_stream(name_of: Callable[[Any], str], kind: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        async def run_stream(self: Any, *args: Any, **kwargs: Any) -> AsyncGenerator[Any, None]:
            span = _start(name_of(self), kind, kwargs.get("task"), {"autogen.name": name_of(self)})
            if span is None:
                async for item in original(self, *args, **kwargs):
                    yield item
                return
            stream = context.StreamContext(span)  # the span is current while the team works
            generator = original(self, *args, **kwargs)
            output: Any = None
            try:
                while True:
                    with stream:
                        item = await generator.__anext__()
                    if _is_result(item):
                        output = _result_text(item)
                    else:
                        guarded("recording an AutoGen message", _record_message, span, item)
                    yield item
            except StopAsyncIteration:
                _finish(span, output, None)
            except GeneratorExit:
                with stream:
                    await generator.aclose()
                _finish(span, output, None)
                raise
            except BaseException as exc:
                _finish(span, None, exc)
                raise

        return run_stream

    return make


def _traced_turn(original: Callable[..., Any]) -> Callable[..., Any]:
    async def handle_request(self: Any, message: Any, ctx: Any) -> Any:
        agent = getattr(self, "_agent", None)
        name = str(getattr(agent, "name", "agent"))
        buffered = list(getattr(self, "_message_buffer", []) or [])
        span = _start(name, "agent", [_message_dict(m) for m in buffered] or None, {"autogen.agent.name": name})
        if span is None:
            return await original(self, message, ctx)
        return await acall_in_span("AutoGen", span, original, (self, message, ctx), {}, lambda result: None)

    return handle_request


def _is_result(item: Any) -> bool:
    return type(item).__name__ in ("TaskResult", "Response")


def _text(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_message_dict(m) for m in value]
    return _message_dict(value) if hasattr(value, "source") else value


def _message_dict(message: Any) -> Any:
    if not hasattr(message, "source"):
        return message
    to_text = getattr(message, "to_text", None)
    return {"source": message.source, "type": type(message).__name__, "content": to_text() if callable(to_text) else str(message)}


def _result_text(result: Any) -> Any:
    messages = getattr(result, "messages", None)
    if messages is None and hasattr(result, "chat_message"):
        messages = [result.chat_message]
    return [_message_dict(m) for m in messages or []] or None


def _record_result(span: Span, result: Any) -> None:
    for message in getattr(result, "messages", None) or []:
        _record_message(span, message)


def _record_message(span: Span, message: Any) -> None:
    if not hasattr(message, "source"):
        return
    attributes: dict[str, Any] = {"autogen.source": message.source, "autogen.type": type(message).__name__}
    if get_tracer().settings.capture_content:
        attributes["autogen.content"] = _message_dict(message)["content"]
    usage = getattr(message, "models_usage", None)
    if usage is not None:
        attributes["autogen.usage.prompt_tokens"] = getattr(usage, "prompt_tokens", None)
        attributes["autogen.usage.completion_tokens"] = getattr(usage, "completion_tokens", None)
    span.add_event("message", attributes)
