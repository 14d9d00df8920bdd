"""OpenAI and Anthropic client integrations against the real client libraries and a local stub API."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import anthropic
import openai
import pytest

import agentstack
from agentstack.testing import InMemoryExporter
from tests.unit.llm_stub import REPLY, StubLLM, stub_llm

from agentstack.integrations.anthropic import instrument_anthropic, uninstrument_anthropic
from agentstack.integrations.openai import instrument_openai, uninstrument_openai

MESSAGES = [{"role": "user", "content": "Weather in Paris? I'm jane@example.com"}]


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[StubLLM]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with stub_llm() as server:
        instrument_openai()
        instrument_anthropic()
        instrument_openai()  # idempotent: still one span per call
        try:
            yield server
        finally:
            uninstrument_openai()
            uninstrument_anthropic()


def llm_span(memory: InMemoryExporter) -> dict[str, Any]:
    (span,) = [s for s in memory.spans if s["kind"] == "llm"]
    return span




def check_openai_span(span: dict[str, Any], parent: agentstack.Span, *, usage: bool = True) -> None:
    assert span["name"] == "chat gpt-4o" and span["parent_span_id"] == parent.span_id
    attributes = span["attributes"]
    assert attributes["gen_ai.provider.name"] == "openai" and attributes["gen_ai.request.model"] == "gpt-4o"
    assert attributes["gen_ai.response.model"] == "gpt-4o-2024-08-06"
    assert attributes["gen_ai.request.temperature"] == 0.2
    assert json.loads(attributes["gen_ai.response.finish_reasons"]) == ["stop"]
    if usage:
        assert attributes["gen_ai.usage.input_tokens"] == 42 and attributes["gen_ai.usage.output_tokens"] == 7
        assert attributes["gen_ai.usage.cache_read.input_tokens"] == 32
        assert attributes["gen_ai.usage.reasoning.output_tokens"] == 3
    assert span["status"] == "OK" and json.loads(span["output"]) == REPLY
    assert "Weather in Paris" in span["input"] and "jane@example.com" not in span["input"]  # sanitised
    assert span["end_time"] > span["start_time"]


def test_openai_sync_and_streaming(memory: InMemoryExporter, stub: StubLLM) -> None:
    client = openai.OpenAI(api_key="sk-test", base_url=stub.base_url, max_retries=0)
    with agentstack.start_span("agent", kind="agent") as parent:
        answer = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, temperature=0.2)
    assert answer.choices[0].message.content == REPLY
    check_openai_span(llm_span(memory), parent)

    memory.clear()
    with agentstack.start_span("agent", kind="agent") as parent:
        stream = client.chat.completions.create(
            model="gpt-4o", messages=MESSAGES, temperature=0.2, stream=True, stream_options={"include_usage": True}
        )
        assert not [s for s in memory.spans if s["kind"] == "llm"]  # open while the stream is consumed
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == REPLY
    check_openai_span(llm_span(memory), parent)

    memory.clear()
    with client.chat.completions.create(model="gpt-4o", messages=MESSAGES, temperature=0.2, stream=True) as stream:
        next(iter(stream))  # closed early by the with block
    span = llm_span(memory)
    assert span["status"] == "OK" and json.loads(span["output"]) == "Paris "


def test_openai_async_and_async_streaming(memory: InMemoryExporter, stub: StubLLM) -> None:
    async def run() -> tuple[agentstack.Span, str, str]:
        client = openai.AsyncOpenAI(api_key="sk-test", base_url=stub.base_url, max_retries=0)
        async with agentstack.start_span("agent", kind="agent") as parent:
            answer = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES, temperature=0.2)
            stream = await client.chat.completions.create(
                model="gpt-4o", messages=MESSAGES, temperature=0.2, stream=True, stream_options={"include_usage": True}
            )
            text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
        await client.close()
        return parent, answer.choices[0].message.content or "", text

    parent, answer, text = asyncio.run(run())
    assert answer == text == REPLY
    spans = [s for s in memory.spans if s["kind"] == "llm"]
    assert len(spans) == 2
    for span in spans:
        check_openai_span(span, parent)


def test_openai_error_is_recorded_and_reraised(memory: InMemoryExporter, stub: StubLLM) -> None:
    client = openai.OpenAI(api_key="sk-test", base_url=stub.base_url, max_retries=0)
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="bad-model", messages=MESSAGES)
    span = llm_span(memory)
    assert span["status"] == "ERROR" and "bad-model does not exist" in span["status_message"]
    assert span["events"][0]["attributes"]["exception.type"] == "openai.BadRequestError"


def check_anthropic_span(span: dict[str, Any], parent: agentstack.Span) -> None:
    attributes = span["attributes"]
    assert span["name"] == "chat claude-sonnet-4" and span["parent_span_id"] == parent.span_id
    assert attributes["gen_ai.provider.name"] == "anthropic"
    assert attributes["gen_ai.request.max_tokens"] == 256
    assert attributes["gen_ai.usage.input_tokens"] == 130  # 10 uncached + 100 read + 20 written
    assert attributes["gen_ai.usage.cache_read.input_tokens"] == 100
    assert attributes["gen_ai.usage.cache_creation.input_tokens"] == 20
    assert attributes["gen_ai.usage.output_tokens"] == 7
    assert json.loads(attributes["gen_ai.response.finish_reasons"]) == ["end_turn"]
    assert span["status"] == "OK" and json.loads(span["output"]) == REPLY
    assert "Be brief" in span["input"]


def test_anthropic_sync_streaming_and_async(memory: InMemoryExporter, stub: StubLLM) -> None:
    client = anthropic.Anthropic(api_key="sk-ant-test", base_url=stub.anthropic_url, max_retries=0)
    params: dict[str, Any] = {"model": "claude-sonnet-4", "max_tokens": 256, "system": "Be brief", "messages": MESSAGES}
    with agentstack.start_span("agent", kind="agent") as parent:
        message = client.messages.create(**params)
        stream = client.messages.create(**params, stream=True)
        streamed = "".join(e.delta.text for e in stream if e.type == "content_block_delta")
    assert message.content[0].text == streamed == REPLY

    async def run() -> agentstack.Span:
        aclient = anthropic.AsyncAnthropic(api_key="sk-ant-test", base_url=stub.anthropic_url, max_retries=0)
        async with agentstack.start_span("agent", kind="agent") as aparent:
            await aclient.messages.create(**params)
            astream = await aclient.messages.create(**params, stream=True)
            async for _ in astream:
                pass
        await aclient.close()
        return aparent

    aparent = asyncio.run(run())
    spans = [s for s in memory.spans if s["kind"] == "llm"]
    assert len(spans) == 4
    for span, expected_parent in zip(spans, [parent, parent, aparent, aparent]):
        check_anthropic_span(span, expected_parent)

    memory.clear()
    with pytest.raises(anthropic.BadRequestError):
        client.messages.create(**{**params, "model": "bad-model"})
    assert llm_span(memory)["status"] == "ERROR"


def test_an_integration_bug_never_breaks_the_call(memory: InMemoryExporter, stub: StubLLM, monkeypatch: pytest.MonkeyPatch) -> None:
    from agentstack.integrations import openai as integration

    def broken(call: Any, response: Any) -> None:
        raise KeyError("integration bug")

    monkeypatch.setattr(integration, "_read_response", broken)
    uninstrument_openai()
    instrument_openai()
    client = openai.OpenAI(api_key="sk-test", base_url=stub.base_url, max_retries=0)
    dropped = agentstack.stats()["dropped"]
    answer = client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert answer.choices[0].message.content == REPLY
    assert llm_span(memory)["status"] == "OK"  # the span still ends, without usage
    assert agentstack.stats()["dropped"] == dropped + 1  # the integration's error is counted
