"""AutoGen AgentChat integration against the real library; the model's HTTP API is a local stub."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.conditions import MaxMessageTermination
from autogen_agentchat.teams import RoundRobinGroupChat
from autogen_ext.models.openai import OpenAIChatCompletionClient

from agentstack.integrations.autogen import instrument_autogen, uninstrument_autogen
from agentstack.integrations.openai import uninstrument_openai
from agentstack.testing import InMemoryExporter
from tests.unit.llm_stub import REPLY, StubLLM, stub_llm


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[StubLLM]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with stub_llm() as server:
        instrument_autogen()
        instrument_autogen()  # idempotent
        try:
            yield server
        finally:
            uninstrument_autogen()
            uninstrument_openai()


def model(stub: StubLLM) -> OpenAIChatCompletionClient:
    return OpenAIChatCompletionClient(model="gpt-4o", base_url=stub.base_url, api_key="sk-test", max_retries=0)


def test_single_agent_run_with_its_llm_call(memory: InMemoryExporter, stub: StubLLM) -> None:
    async def run() -> Any:
        agent = AssistantAgent("forecaster", model_client=model(stub))
        return await agent.run(task="Weather in Paris?")

    result = asyncio.run(run())
    assert result.messages[-1].content == REPLY
    agent = memory.by_name("forecaster")
    llm = memory.by_name("chat gpt-4o")
    assert agent["kind"] == "agent" and agent["status"] == "OK" and "Weather in Paris?" in agent["input"]
    assert REPLY in agent["output"]
    assert llm["parent_span_id"] == agent["span_id"] and llm["trace_id"] == agent["trace_id"]
    assert llm["attributes"]["gen_ai.usage.input_tokens"] == 42
    events = [e["attributes"] for e in agent["events"] if e["name"] == "message"]
    assert [e["autogen.source"] for e in events] == ["user", "forecaster"]
    assert events[1]["autogen.usage.prompt_tokens"] == 42


def test_team_run_has_one_span_per_turn_with_messages(memory: InMemoryExporter, stub: StubLLM) -> None:
    async def run() -> Any:
        team = RoundRobinGroupChat(
            [AssistantAgent("planner", model_client=model(stub)), AssistantAgent("writer", model_client=model(stub))],
            termination_condition=MaxMessageTermination(3),
        )
        return await team.run(task="Plan a trip")

    result = asyncio.run(run())
    assert [m.source for m in result.messages] == ["user", "planner", "writer"]
    team = memory.by_name("RoundRobinGroupChat")
    assert team["kind"] == "chain" and team["status"] == "OK"
    turns = [s for s in memory.spans if s["name"] in ("planner", "writer")]
    assert sorted(s["name"] for s in turns) == ["planner", "writer"]
    assert {s["parent_span_id"] for s in turns} == {team["span_id"]}
    llms = [s for s in memory.spans if s["kind"] == "llm"]
    assert sorted(s["parent_span_id"] for s in llms) == sorted(s["span_id"] for s in turns)
    assert {s["trace_id"] for s in memory.spans} == {team["trace_id"]}
    sources = [e["attributes"]["autogen.source"] for e in team["events"] if e["name"] == "message"]
    assert sources == ["user", "planner", "writer"]


def test_a_failing_model_call_is_an_error_on_the_agent_span(memory: InMemoryExporter, stub: StubLLM) -> None:
    async def run() -> None:
        client = OpenAIChatCompletionClient(
            model="bad-model", base_url=stub.base_url, api_key="sk-test", max_retries=0,
            model_info={"vision": False, "function_calling": False, "json_output": False, "family": "unknown", "structured_output": False},
        )  # fmt: skip
        await AssistantAgent("broken", model_client=client).run(task="hi")

    with pytest.raises(Exception, match="bad-model"):
        asyncio.run(run())
    assert memory.by_name("broken")["status"] == "ERROR"
    assert memory.by_name("chat bad-model")["status"] == "ERROR"
