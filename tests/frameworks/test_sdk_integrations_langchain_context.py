"""The LangChain handler's spans are current while their run works: what a run calls nests under it."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from langchain_core.messages import HumanMessage
from langchain_core.runnables import RunnableLambda
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI

import agentstack
from agentstack.integrations.langchain import AgentStackCallbackHandler
from agentstack.integrations.openai import instrument_openai, uninstrument_openai
from agentstack.testing import InMemoryExporter
from tests.unit.llm_stub import REPLY, StubLLM, stub_llm


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[StubLLM]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with stub_llm() as server:
        instrument_openai()
        try:
            yield server
        finally:
            uninstrument_openai()


@agentstack.observe(kind="tool")
def lookup(city: str) -> str:
    return f"sunny in {city}"


@agentstack.observe(kind="tool")
async def alookup(city: str) -> str:
    await asyncio.sleep(0)
    return f"sunny in {city}"


@tool
def weather(city: str) -> str:
    """The weather in a city, from an @observe function."""
    return lookup(city)


@tool
async def aweather(city: str) -> str:
    """The weather in a city, from an async @observe function."""
    return await alookup(city)


def parent_of(memory: InMemoryExporter, name: str) -> dict[str, Any]:
    by_id = {s["span_id"]: s for s in memory.spans}
    return by_id[memory.by_name(name)["parent_span_id"]]


def check_tree(memory: InMemoryExporter, tool_name: str, observed: str) -> None:
    assert parent_of(memory, observed)["name"] == tool_name  # the @observe span nests under the tool's
    assert parent_of(memory, tool_name)["name"] == "pipeline"  # the tool under the chain that ran it
    assert parent_of(memory, "pipeline")["name"] == "agent"
    assert len({s["trace_id"] for s in memory.spans}) == 1


def test_observe_function_in_a_tool_nests_under_it_sync(memory: InMemoryExporter) -> None:
    handler = AgentStackCallbackHandler()
    chain = RunnableLambda(lambda city: weather.invoke({"city": city})).with_config(run_name="pipeline")
    with agentstack.start_span("agent", kind="agent") as agent:
        assert chain.invoke("Paris", config={"callbacks": [handler]}) == "sunny in Paris"
        assert agentstack.get_current_span() is agent  # every run's span stopped being current
    check_tree(memory, "weather", "lookup")
    assert not handler._tokens and not handler._orphans


def test_observe_function_in_a_tool_nests_under_it_async(memory: InMemoryExporter) -> None:
    handler = AgentStackCallbackHandler()

    async def both(city: str) -> list[str]:
        # an async tool awaited in this task, and a sync tool LangChain runs in its thread pool
        return [await aweather.ainvoke({"city": city}), await weather.ainvoke({"city": city})]

    async def run() -> list[str]:
        async with agentstack.start_span("agent", kind="agent") as agent:
            result = await RunnableLambda(both).with_config(run_name="pipeline").ainvoke("Paris", config={"callbacks": [handler]})
            assert agentstack.get_current_span() is agent
        return result

    assert asyncio.run(run()) == ["sunny in Paris", "sunny in Paris"]
    check_tree(memory, "aweather", "alookup")
    check_tree(memory, "weather", "lookup")
    assert not handler._tokens and not handler._orphans


def test_openai_call_in_a_tool_nests_and_a_chat_model_makes_one_llm_span(memory: InMemoryExporter, stub: StubLLM) -> None:
    client = openai.OpenAI(api_key="sk-test", base_url=stub.base_url, max_retries=0)
    model = ChatOpenAI(model="gpt-4o", base_url=stub.base_url, api_key="sk-test", max_retries=0)  # type: ignore[arg-type]

    @tool
    def ask(question: str) -> str:
        """Ask the model directly."""
        return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}]).choices[0].message.content or ""

    def pipeline(question: str) -> list[str]:
        return [ask.invoke({"question": question}), str(model.invoke(question).content)]

    handler = AgentStackCallbackHandler()
    with agentstack.start_span("agent", kind="agent"):
        assert RunnableLambda(pipeline).invoke("weather?", config={"callbacks": [handler], "run_name": "pipeline"}) == [REPLY, REPLY]
    llm_spans = [s for s in memory.spans if s["kind"] == "llm"]
    assert len(llm_spans) == 2 and len(stub.requests) == 2  # one span per request, not two
    by_id = {s["span_id"]: s for s in memory.spans}
    direct = next(s for s in llm_spans if by_id[s["parent_span_id"]]["name"] == "ask")  # instrument_openai's
    langchain = next(s for s in llm_spans if s is not direct)  # the handler's, under the chain
    assert by_id[langchain["parent_span_id"]]["name"] == "pipeline" and "langchain.run_id" in langchain["attributes"]
    for span in (direct, langchain):
        assert span["attributes"]["gen_ai.usage.input_tokens"] == 42 and span["attributes"]["gen_ai.usage.output_tokens"] == 7


def test_async_and_batched_chat_model_runs_make_one_llm_span_each(memory: InMemoryExporter, stub: StubLLM) -> None:
    model = ChatOpenAI(model="gpt-4o", base_url=stub.base_url, api_key="sk-test", max_retries=0)  # type: ignore[arg-type]
    handler = AgentStackCallbackHandler()

    async def run() -> None:
        async with agentstack.start_span("agent", kind="agent") as agent:
            await model.ainvoke("a", config={"callbacks": [handler]})
            assert agentstack.get_current_span() is agent
        client = openai.AsyncOpenAI(api_key="sk-test", base_url=stub.base_url, max_retries=0)
        await client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "after"}])
        await client.close()

    asyncio.run(run())
    with agentstack.start_span("agent", kind="agent") as agent:
        results = model.generate([[HumanMessage("b")], [HumanMessage("c")]], callbacks=[handler])
        assert agentstack.get_current_span() is agent
    assert len(results.generations) == 2 and len(stub.requests) == 4
    llm_spans = [s for s in memory.spans if s["kind"] == "llm"]
    assert len(llm_spans) == 4  # one per request: 3 from LangChain's runs, 1 from the direct call after the run
    assert sum("langchain.run_id" in s["attributes"] for s in llm_spans) == 3
    assert all(s["attributes"]["gen_ai.usage.input_tokens"] == 42 for s in llm_spans)
    assert not handler._tokens and not handler._orphans


def test_runs_ended_out_of_order_or_in_another_context_never_leak(memory: InMemoryExporter, caplog: pytest.LogCaptureFixture) -> None:
    handler = AgentStackCallbackHandler()
    first, second = uuid.uuid4(), uuid.uuid4()
    handler.on_chain_start({}, {}, run_id=first, name="first")
    handler.on_chain_start({}, {}, run_id=second, name="second")  # a sibling started in the same context
    handler.on_chain_end({}, run_id=first)  # ends first: resetting now would bring back nothing over "second"
    assert agentstack.get_current_span() is not None and agentstack.get_current_span().name == "second"  # type: ignore[union-attr]
    handler.on_chain_end({}, run_id=second)
    assert agentstack.get_current_span() is None and not handler._orphans  # "first" unwound with it

    # Started in a thread's context, ended in this one: nothing to reset here, no error, no warning.
    third = uuid.uuid4()
    thread = threading.Thread(target=contextvars.copy_context().run, args=(handler.on_tool_start, {"name": "t"}, "x"), kwargs={"run_id": third})
    thread.start()
    thread.join()
    handler.on_tool_end("done", run_id=third)
    assert agentstack.get_current_span() is None
    assert not [r for r in caplog.records if r.levelname in ("WARNING", "ERROR")]
    assert [s["status"] for s in memory.spans] == ["OK", "OK", "OK"]
