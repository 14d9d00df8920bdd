"""OpenAI Responses API, embeddings and stream helpers, and Anthropic's ``messages.stream``: real clients, local stub API."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import anthropic
import openai
import pytest

import agentstack
from agentstack.integrations.anthropic import instrument_anthropic, uninstrument_anthropic
from agentstack.integrations.openai import instrument_openai, uninstrument_openai
from agentstack.testing import InMemoryExporter
from tests.unit.llm_stub import EMBEDDING_DIMENSIONS, REPLY, StubLLM, stub_llm

MESSAGES = [{"role": "user", "content": "Weather in Paris?"}]
ANTHROPIC = {"model": "claude-sonnet-4", "max_tokens": 256, "system": "Be brief", "messages": MESSAGES}


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[StubLLM]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with stub_llm() as server:
        instrument_openai()
        instrument_anthropic()
        instrument_anthropic()  # idempotent
        try:
            yield server
        finally:
            uninstrument_openai()
            uninstrument_anthropic()


def spans_of(memory: InMemoryExporter, kind: str = "llm") -> list[dict[str, Any]]:
    return [s for s in memory.spans if s["kind"] == kind]


def check_responses_span(span: dict[str, Any], parent: agentstack.Span, output: str = REPLY) -> None:
    attributes = span["attributes"]
    assert span["name"] == "chat gpt-4.1" and span["parent_span_id"] == parent.span_id
    assert attributes["gen_ai.operation.name"] == "chat" and attributes["gen_ai.provider.name"] == "openai"
    assert attributes["gen_ai.request.model"] == "gpt-4.1" and attributes["gen_ai.response.model"] == "gpt-4.1-2025-04-14"
    assert attributes["gen_ai.request.max_tokens"] == 100 and attributes["gen_ai.request.temperature"] == 0.3
    assert attributes["gen_ai.usage.input_tokens"] == 50 and attributes["gen_ai.usage.output_tokens"] == 9
    assert attributes["gen_ai.usage.cache_read.input_tokens"] == 16
    assert attributes["gen_ai.usage.reasoning.output_tokens"] == 2
    assert json.loads(attributes["gen_ai.response.finish_reasons"]) == ["stop"]
    assert span["status"] == "OK" and json.loads(span["output"]) == output
    assert json.loads(span["input"]) == {"instructions": "Be brief", "input": "Weather in Paris?"}


RESPONSES: dict[str, Any] = {"model": "gpt-4.1", "input": "Weather in Paris?", "instructions": "Be brief", "max_output_tokens": 100, "temperature": 0.3}


def test_responses_api_sync_streaming_and_stream_helper(memory: InMemoryExporter, stub: StubLLM) -> None:
    client = openai.OpenAI(api_key="sk-test", base_url=stub.base_url, max_retries=0)
    with agentstack.start_span("agent", kind="agent") as parent:
        response = client.responses.create(**RESPONSES)
        stream = client.responses.create(**RESPONSES, stream=True)
        assert len(spans_of(memory)) == 1  # the streamed call's span stays open while it is consumed
        deltas = "".join(e.delta for e in stream if e.type == "response.output_text.delta")
        with client.responses.stream(**RESPONSES) as helper:  # goes through the patched create
            final = helper.get_final_response()
    assert response.output[0].content[0].text == deltas == final.output[0].content[0].text == REPLY  # type: ignore[union-attr]
    spans = spans_of(memory)
    assert len(spans) == 3
    for span in spans:
        check_responses_span(span, parent)
    assert [r["path"] for r in stub.requests] == ["/v1/responses"] * 3


def test_responses_stream_closed_early_still_ends_its_span(memory: InMemoryExporter, stub: StubLLM) -> None:
    client = openai.OpenAI(api_key="sk-test", base_url=stub.base_url, max_retries=0)
    with agentstack.start_span("agent", kind="agent") as parent:
        with client.responses.create(**RESPONSES, stream=True) as stream:
            for event in stream:
                if event.type == "response.output_text.delta":
                    break  # the with block closes the stream: no usage arrived, the text so far is kept
        with client.responses.stream(**RESPONSES) as helper:  # the helper closes the HTTP response itself
            for event in helper:
                if event.type == "response.output_text.delta":
                    break
    first, second = spans_of(memory)
    for span in (first, second):
        assert span["parent_span_id"] == parent.span_id and span["status"] == "OK"
        assert json.loads(span["output"]) == "Paris " and "gen_ai.usage.input_tokens" not in span["attributes"]


def test_responses_api_async_and_async_stream(memory: InMemoryExporter, stub: StubLLM) -> None:
    async def run() -> tuple[agentstack.Span, str]:
        client = openai.AsyncOpenAI(api_key="sk-test", base_url=stub.base_url, max_retries=0)
        async with agentstack.start_span("agent", kind="agent") as parent:
            await client.responses.create(**RESPONSES)
            stream = await client.responses.create(**RESPONSES, stream=True)
            text = "".join([e.delta async for e in stream if e.type == "response.output_text.delta"])
            async with client.responses.stream(**RESPONSES) as helper:
                await helper.get_final_response()
        await client.close()
        return parent, text

    parent, text = asyncio.run(run())
    assert text == REPLY
    spans = spans_of(memory)
    assert len(spans) == 3
    for span in spans:
        check_responses_span(span, parent)


def test_responses_api_error_is_recorded_and_reraised(memory: InMemoryExporter, stub: StubLLM) -> None:
    client = openai.OpenAI(api_key="sk-test", base_url=stub.base_url, max_retries=0)
    with pytest.raises(openai.BadRequestError) as raised:
        client.responses.create(**{**RESPONSES, "model": "bad-model"})
    assert raised.value.status_code == 400
    (span,) = spans_of(memory)
    assert span["status"] == "ERROR" and "bad-model does not exist" in span["status_message"]
    assert span["events"][0]["attributes"]["exception.type"] == "openai.BadRequestError"


@pytest.mark.parametrize("encoding_format", ["float", "base64"])
def test_embeddings_sync_and_async(memory: InMemoryExporter, stub: StubLLM, encoding_format: str) -> None:
    texts = ["Paris is sunny", "mail jane@example.com"]
    client = openai.OpenAI(api_key="sk-test", base_url=stub.base_url, max_retries=0)
    with agentstack.start_span("agent", kind="agent") as parent:
        result = client.embeddings.create(model="text-embedding-3-small", input=texts, encoding_format=encoding_format)  # type: ignore[arg-type]

    async def run() -> None:
        aclient = openai.AsyncOpenAI(api_key="sk-test", base_url=stub.base_url, max_retries=0)
        async with agentstack.start_span("agent", kind="agent"):
            await aclient.embeddings.create(model="text-embedding-3-small", input="one text")
        await aclient.close()

    asyncio.run(run())
    assert len(result.data) == 2  # base64 asked for by the caller comes back as text, else as floats
    assert len(result.data[0].embedding) == (24 if encoding_format == "base64" else EMBEDDING_DIMENSIONS)
    first, second = spans_of(memory, "embedding")
    assert not spans_of(memory, "llm")
    attributes = first["attributes"]
    assert first["name"] == "embeddings text-embedding-3-small" and first["parent_span_id"] == parent.span_id
    assert attributes["gen_ai.operation.name"] == "embeddings" and attributes["gen_ai.provider.name"] == "openai"
    assert attributes["gen_ai.request.model"] == attributes["gen_ai.response.model"] == "text-embedding-3-small"
    assert attributes["gen_ai.usage.input_tokens"] == 6 and "gen_ai.usage.output_tokens" not in attributes
    assert attributes["gen_ai.embeddings.dimension.count"] == EMBEDDING_DIMENSIONS
    assert json.loads(first["input"])["input"][0] == "Paris is sunny" and "jane@example.com" not in first["input"]
    assert json.loads(first["output"]) == {"embeddings": 2, "dimensions": EMBEDDING_DIMENSIONS}  # no vectors
    assert second["attributes"]["gen_ai.usage.input_tokens"] == 3 and json.loads(second["output"])["embeddings"] == 1
    assert first["status"] == second["status"] == "OK"

    memory.clear()
    with pytest.raises(openai.BadRequestError):
        client.embeddings.create(model="bad-model", input="x")
    (failed,) = spans_of(memory, "embedding")
    assert failed["status"] == "ERROR"


def test_raw_response_create_is_traced_and_ended_on_parse(memory: InMemoryExporter, stub: StubLLM) -> None:
    client = openai.OpenAI(api_key="sk-test", base_url=stub.base_url, max_retries=0)
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=MESSAGES)
    assert raw.headers["content-type"] == "application/json"
    assert raw.parse().choices[0].message.content == REPLY
    raw_stream = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=MESSAGES, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in raw_stream.parse() if c.choices) == REPLY
    first, second = spans_of(memory)
    assert first["attributes"]["gen_ai.usage.input_tokens"] == 42 and json.loads(first["output"]) == REPLY
    assert second["status"] == "OK" and json.loads(second["output"]) == REPLY


def check_anthropic_span(span: dict[str, Any], parent: agentstack.Span, output: str = REPLY) -> None:
    attributes = span["attributes"]
    assert span["name"] == "chat claude-sonnet-4" and span["parent_span_id"] == parent.span_id
    assert attributes["gen_ai.provider.name"] == "anthropic" and attributes["gen_ai.request.max_tokens"] == 256
    assert attributes["gen_ai.usage.input_tokens"] == 130  # 10 uncached + 100 read + 20 written
    assert attributes["gen_ai.usage.cache_read.input_tokens"] == 100
    assert attributes["gen_ai.usage.cache_creation.input_tokens"] == 20
    assert span["status"] == "OK" and json.loads(span["output"]) == output
    assert "Be brief" in span["input"]


def test_anthropic_stream_helper_sync(memory: InMemoryExporter, stub: StubLLM) -> None:
    client = anthropic.Anthropic(api_key="sk-ant-test", base_url=stub.anthropic_url, max_retries=0)
    with agentstack.start_span("agent", kind="agent") as parent:
        with client.messages.stream(**ANTHROPIC) as stream:
            text = "".join(stream.text_stream)
            (span,) = spans_of(memory)  # ended when the events ran out, before the block exits
        with client.messages.stream(**ANTHROPIC) as stream:
            message = stream.get_final_message()
        with client.messages.stream(**ANTHROPIC) as stream:
            next(iter(stream.text_stream))  # closed early by the with block
    assert text == REPLY and message.content[0].text == REPLY  # type: ignore[union-attr]
    spans = spans_of(memory)
    assert len(spans) == 3 and [r["path"] for r in stub.requests] == ["/v1/messages"] * 3
    for done in spans[:2]:
        check_anthropic_span(done, parent)
        assert done["attributes"]["gen_ai.usage.output_tokens"] == 7
        assert json.loads(done["attributes"]["gen_ai.response.finish_reasons"]) == ["end_turn"]
    check_anthropic_span(spans[2], parent, output="Paris ")
    assert spans[2]["attributes"]["gen_ai.usage.output_tokens"] == 1  # only message_start's count arrived

    memory.clear()
    with pytest.raises(anthropic.BadRequestError) as raised:
        with client.messages.stream(**{**ANTHROPIC, "model": "bad-model"}):
            pass
    assert raised.value.status_code == 400
    (failed,) = spans_of(memory)
    assert failed["status"] == "ERROR" and failed["events"][0]["attributes"]["exception.type"] == "anthropic.BadRequestError"


def test_anthropic_stream_helper_async(memory: InMemoryExporter, stub: StubLLM) -> None:
    async def run() -> tuple[agentstack.Span, str]:
        client = anthropic.AsyncAnthropic(api_key="sk-ant-test", base_url=stub.anthropic_url, max_retries=0)
        async with agentstack.start_span("agent", kind="agent") as parent:
            async with client.messages.stream(**ANTHROPIC) as stream:
                text = "".join([t async for t in stream.text_stream])
            async with client.messages.stream(**ANTHROPIC) as stream:
                async for _ in stream:
                    break
        with pytest.raises(anthropic.BadRequestError):
            async with client.messages.stream(**{**ANTHROPIC, "model": "bad-model"}):
                pass
        await client.close()
        return parent, text

    parent, text = asyncio.run(run())
    assert text == REPLY
    done, early, failed = spans_of(memory)
    check_anthropic_span(done, parent)
    assert done["attributes"]["gen_ai.usage.output_tokens"] == 7
    assert early["status"] == "OK" and early["end_time"] >= early["start_time"]
    assert failed["status"] == "ERROR" and failed["parent_span_id"] is None


def test_chat_completions_stream_helper_goes_through_the_traced_create(memory: InMemoryExporter, stub: StubLLM) -> None:
    client = openai.OpenAI(api_key="sk-test", base_url=stub.base_url, max_retries=0)
    params: dict[str, Any] = {"model": "gpt-4o", "messages": MESSAGES, "stream_options": {"include_usage": True}}
    with client.chat.completions.stream(**params) as stream:
        final = stream.get_final_completion()
    with client.chat.completions.stream(**params) as stream:
        next(iter(stream))  # closed early by the with block, through the HTTP response
    assert final.choices[0].message.content == REPLY
    done, early = spans_of(memory)
    assert done["attributes"]["gen_ai.usage.input_tokens"] == 42 and json.loads(done["output"]) == REPLY
    assert early["status"] == "OK" and "gen_ai.usage.input_tokens" not in early["attributes"]
