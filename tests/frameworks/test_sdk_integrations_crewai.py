"""CrewAI integration against the real library; the model's HTTP API is a local stub."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

import agentstack
from agentstack.testing import InMemoryExporter
from tests.unit.llm_stub import REPLY, StubLLM, stub_llm, tool_call_reply

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # CrewAI's own, about its own fields


@pytest.fixture(scope="module")
def cw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """CrewAI with its telemetry and tracing off, and every file it writes kept in a temporary home.

    CrewAI reads ``HOME`` when it is imported (settings, credentials) and later (the task-output
    database under ``XDG_DATA_HOME``), so it is imported here, inside the patched environment.
    """
    home = tmp_path_factory.mktemp("crewai-home")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "CREWAI_STORAGE_DIR": "agentstack-tests",
            "CREWAI_DISABLE_TELEMETRY": "true", "CREWAI_DISABLE_TRACKING": "true", "CREWAI_TRACING_ENABLED": "false",
            "CREWAI_TESTING": "true", "NO_PROXY": "127.0.0.1,localhost",
        }.items():  # fmt: skip
            patch.setenv(name, value)
        from crewai import LLM, Agent, Crew, Task
        from crewai.llms.base_llm import BaseLLM
        from crewai.tools import tool

        from agentstack.integrations import crewai as integration

        yield SimpleNamespace(LLM=LLM, Agent=Agent, Crew=Crew, Task=Task, BaseLLM=BaseLLM, tool=tool, integration=integration)
        integration.uninstrument_crewai()


@pytest.fixture
def stub(cw: SimpleNamespace) -> Iterator[StubLLM]:
    with stub_llm() as server:
        cw.integration.instrument_crewai()
        cw.integration.instrument_crewai()  # idempotent
        try:
            yield server
        finally:
            cw.integration.uninstrument_crewai()


def forecaster(cw: SimpleNamespace, stub: StubLLM, tools: list[Any], model: str = "gpt-4o") -> Any:
    llm = cw.LLM(model=model, base_url=stub.base_url, api_key="sk-test", max_retries=0)
    return cw.Agent(role="Forecaster", goal="Tell the weather", backstory="A meteorologist.", llm=llm, tools=tools, max_retry_limit=0)


def weather_crew(cw: SimpleNamespace, stub: StubLLM, weather: Any) -> Any:
    agent = forecaster(cw, stub, [weather])
    tasks = [
        cw.Task(description="Weather in {city}?", expected_output="a sentence", agent=agent),
        cw.Task(name="summary", description="Summarise the forecast for {city}", expected_output="one line", agent=agent),
    ]
    return cw.Crew(name="weather crew", agents=[agent], tasks=tasks)


def tree(memory: InMemoryExporter) -> list[tuple[int, str, str]]:
    """The spans as (depth, kind, name), parents before children, siblings in start order."""
    spans = sorted(memory.spans, key=lambda s: s["start_time"])
    lines: list[tuple[int, str, str]] = []

    def walk(parent: str | None, depth: int) -> None:
        for span in spans:
            if span["parent_span_id"] == parent:
                lines.append((depth, span["kind"], span["name"]))
                walk(span["span_id"], depth + 1)

    walk(None, 0)
    assert len(lines) == len(spans), "every span hangs off one root"
    return lines


def test_a_two_task_crew_with_a_tool_is_one_trace_of_crew_task_agent_llm_and_tool(cw: SimpleNamespace, memory: InMemoryExporter, stub: StubLLM) -> None:
    @cw.tool("weather")
    def weather(city: str) -> str:
        """Look up the weather in a city."""
        return f"sunny in {city}"

    stub.replies.append(tool_call_reply("weather", {"city": "Paris"}))
    result = weather_crew(cw, stub, weather).kickoff(inputs={"city": "Paris"})

    assert result.raw == REPLY and len(stub.requests) == 3
    assert tree(memory) == [
        (0, "chain", "weather crew"),
        (1, "task", "Weather in Paris?"),
        (2, "agent", "Forecaster"),
        (3, "llm", "chat gpt-4o"),
        (3, "tool", "weather"),
        (3, "llm", "chat gpt-4o"),
        (1, "task", "summary"),
        (2, "agent", "Forecaster"),
        (3, "llm", "chat gpt-4o"),
    ]
    assert len({s["trace_id"] for s in memory.spans}) == 1
    assert all(s["status"] == "OK" for s in memory.spans)
    crew = memory.by_name("weather crew")
    assert '"city": "Paris"' in crew["input"] and REPLY in crew["output"]
    assert crew["attributes"]["crewai.crew.process"] == "sequential"
    first = memory.by_name("Weather in Paris?")
    assert first["attributes"]["crewai.task.description"] == "Weather in Paris?"
    assert first["attributes"]["crewai.task.expected_output"] == "a sentence"
    assert first["attributes"]["crewai.agent.role"] == "Forecaster"
    assert REPLY in first["output"]
    assert memory.by_name("summary")["input"] == json.dumps(REPLY)  # the first task's answer is its context
    tool = memory.by_name("weather")
    assert '"city": "Paris"' in tool["input"] and "sunny in Paris" in tool["output"]
    llms = [s for s in memory.spans if s["kind"] == "llm"]
    for llm in llms:
        attributes = llm["attributes"]
        assert attributes["gen_ai.request.model"] == "gpt-4o" and attributes["gen_ai.provider.name"] == "openai"
        assert attributes["gen_ai.usage.input_tokens"] == 42 and attributes["gen_ai.usage.output_tokens"] == 7
        assert attributes["gen_ai.usage.cache_read.input_tokens"] == 32
        assert attributes["gen_ai.usage.reasoning.output_tokens"] == 3
    finish = sorted(str(s["attributes"]["gen_ai.response.finish_reasons"]) for s in llms)
    assert sum("tool_calls" in reason for reason in finish) == 1
    first_call = min(llms, key=lambda s: s["start_time"])
    assert "Weather in Paris?" in first_call["input"] and '"name": "weather"' in first_call["output"]


def test_a_users_observed_function_inside_a_tool_nests_under_the_tool_span(cw: SimpleNamespace, memory: InMemoryExporter, stub: StubLLM) -> None:
    @agentstack.observe(name="read_station", kind="retriever")
    def read_station(city: str) -> str:
        return f"18°C in {city}"

    @cw.tool("weather")
    def weather(city: str) -> str:
        """Look up the weather in a city."""
        return read_station(city)

    stub.replies.append(tool_call_reply("weather", {"city": "Oslo"}))
    agent = forecaster(cw, stub, [weather])
    cw.Crew(agents=[agent], tasks=[cw.Task(description="Weather in Oslo?", expected_output="a sentence", agent=agent)]).kickoff()

    station, tool = memory.by_name("read_station"), memory.by_name("weather")
    assert station["parent_span_id"] == tool["span_id"] and station["trace_id"] == tool["trace_id"]
    assert "18°C in Oslo" in tool["output"]


def test_a_failing_tool_is_an_error_on_its_span_and_the_crew_runs_as_it_does_untraced(cw: SimpleNamespace, memory: InMemoryExporter, stub: StubLLM) -> None:
    @cw.tool("weather")
    def weather(city: str) -> str:
        """Look up the weather in a city."""
        raise ConnectionError(f"station {city} is offline")

    def run() -> tuple[str, list[dict[str, Any]]]:
        stub.requests.clear()
        stub.replies.append(tool_call_reply("weather", {"city": "Lima"}))
        agent = forecaster(cw, stub, [weather])
        crew = cw.Crew(agents=[agent], tasks=[cw.Task(description="Weather in Lima?", expected_output="a sentence", agent=agent)])
        return crew.kickoff().raw, [r["body"] for r in stub.requests]

    cw.integration.uninstrument_crewai()
    untraced = run()
    assert memory.spans == []
    cw.integration.instrument_crewai()
    traced = run()

    assert traced == untraced  # same answer, and the model saw exactly the same conversation
    assert "station Lima is offline" in str(traced[1][-1]["messages"])
    tool = memory.by_name("weather")
    assert tool["status"] == "ERROR" and "station Lima is offline" in tool["status_message"]
    (event,) = [e for e in tool["events"] if e["name"] == "exception"]
    assert event["attributes"]["exception.type"] == "ConnectionError"
    assert memory.by_name("Forecaster")["status"] == "OK" and memory.by_name("crew")["status"] == "OK"


def test_a_failing_llm_call_is_an_error_up_to_the_crew_and_is_raised_unchanged(cw: SimpleNamespace, memory: InMemoryExporter, stub: StubLLM) -> None:
    agent = forecaster(cw, stub, [], model="bad-model")
    crew = cw.Crew(agents=[agent], tasks=[cw.Task(description="Weather in Rome?", expected_output="a sentence", agent=agent)])

    with pytest.raises(Exception, match="bad-model does not exist"):
        crew.kickoff()
    assert [(kind, memory.by_name(name)["status"]) for _, kind, name in tree(memory)] == [
        ("chain", "ERROR"), ("task", "ERROR"), ("agent", "ERROR"), ("llm", "ERROR"),
    ]  # fmt: skip
    assert "bad-model does not exist" in memory.by_name("chat bad-model")["status_message"]


@pytest.mark.parametrize("method", ["kickoff_async", "akickoff"])
def test_async_kickoffs_give_the_same_tree(cw: SimpleNamespace, memory: InMemoryExporter, stub: StubLLM, method: str) -> None:
    @cw.tool("weather")
    def weather(city: str) -> str:
        """Look up the weather in a city."""
        return f"sunny in {city}"

    stub.replies.append(tool_call_reply("weather", {"city": "Paris"}))
    result = asyncio.run(getattr(weather_crew(cw, stub, weather), method)(inputs={"city": "Paris"}))

    assert result.raw == REPLY
    assert [(depth, kind) for depth, kind, _ in tree(memory)] == [
        (0, "chain"), (1, "task"), (2, "agent"), (3, "llm"), (3, "tool"), (3, "llm"), (1, "task"), (2, "agent"), (3, "llm"),
    ]  # fmt: skip
    assert len({s["trace_id"] for s in memory.spans}) == 1


def test_a_task_run_in_a_thread_stays_in_the_crews_trace(cw: SimpleNamespace, memory: InMemoryExporter, stub: StubLLM) -> None:
    agent = forecaster(cw, stub, [])
    tasks = [
        cw.Task(name="background", description="Collect forecasts", expected_output="notes", agent=agent, async_execution=True),
        cw.Task(name="report", description="Write the report", expected_output="a report", agent=agent),
    ]
    cw.Crew(agents=[agent], tasks=tasks).kickoff()

    crew = memory.by_name("crew")
    for name in ("background", "report"):
        task = memory.by_name(name)
        assert task["parent_span_id"] == crew["span_id"]
        (agent_span,) = [s for s in memory.spans if s["kind"] == "agent" and s["parent_span_id"] == task["span_id"]]
        assert [s["kind"] for s in memory.spans if s["parent_span_id"] == agent_span["span_id"]] == ["llm"]
    assert memory.by_name("background")["attributes"]["crewai.task.async_execution"] is True
    assert len({s["trace_id"] for s in memory.spans}) == 1


def test_instrument_is_idempotent_uninstrument_restores_the_originals_and_new_llm_classes_are_traced(cw: SimpleNamespace, memory: InMemoryExporter) -> None:
    patched = [(cw.Crew, "kickoff"), (cw.Task, "_execute_core"), (cw.Agent, "execute_task"), (cw.BaseLLM, "_track_token_usage_internal")]
    cw.integration.uninstrument_crewai()
    originals = [vars(cls)[name] for cls, name in patched]
    hook = vars(cw.BaseLLM)["_wrap_call_method"]

    cw.integration.instrument_crewai()
    once = [vars(cls)[name] for cls, name in patched]
    cw.integration.instrument_crewai()
    assert [vars(cls)[name] for cls, name in patched] == once
    assert [m.__agentstack_original__ for m in once] == originals

    class CannedLLM(cw.BaseLLM):  # defined after instrumenting, as CrewAI's lazily imported providers are
        def call(self, messages: Any, *args: Any, **kwargs: Any) -> str:
            self._track_token_usage_internal({"input_tokens": 11, "output_tokens": 5})
            return "Final Answer: it is warm"

    try:
        agent = cw.Agent(role="Writer", goal="write", backstory="b", llm=CannedLLM(model="canned-1", provider="canned"))
        cw.Crew(agents=[agent], tasks=[cw.Task(description="Say it", expected_output="a line", agent=agent)]).kickoff()
        llm = memory.by_name("chat canned-1")
        assert llm["parent_span_id"] == memory.by_name("Writer")["span_id"]
        assert llm["attributes"]["gen_ai.provider.name"] == "canned"
        assert llm["attributes"]["gen_ai.usage.input_tokens"] == 11 and llm["attributes"]["gen_ai.usage.output_tokens"] == 5
    finally:
        cw.integration.uninstrument_crewai()
    assert [vars(cls)[name] for cls, name in patched] == originals
    assert vars(cw.BaseLLM)["_wrap_call_method"] is hook
    assert not hasattr(vars(CannedLLM)["call"], "__agentstack_original__")
    memory.clear()
    agent = cw.Agent(role="Writer", goal="write", backstory="b", llm=CannedLLM(model="canned-1"))
    cw.Crew(agents=[agent], tasks=[cw.Task(description="Say it", expected_output="a line", agent=agent)]).kickoff()
    assert memory.spans == []


def test_a_bug_in_the_integration_is_counted_and_logged_and_the_crew_is_unaffected(
    cw: SimpleNamespace, memory: InMemoryExporter, stub: StubLLM, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any) -> str:
        raise RuntimeError("integration bug")

    monkeypatch.setattr(cw.integration, "_short", broken)  # naming a task from its description fails
    monkeypatch.setattr(cw.integration, "UsageMetrics", None)  # reading token usage fails
    dropped = agentstack.stats()["dropped"]
    agent = forecaster(cw, stub, [])
    crew = cw.Crew(agents=[agent], tasks=[cw.Task(description="Weather in Nice?", expected_output="a sentence", agent=agent)])

    with caplog.at_level(logging.ERROR, logger="agentstack.integrations"):
        assert crew.kickoff().raw == REPLY

    assert [(d, k) for d, k, _ in tree(memory)] == [(0, "chain"), (1, "agent"), (2, "llm")]  # no task span
    assert "gen_ai.usage.input_tokens" not in memory.by_name("chat gpt-4o")["attributes"]
    assert agentstack.stats()["dropped"] == dropped + 2
    assert "integration error while describing a CrewAI _execute_core span" in caplog.text



def test_with_the_openai_integration_also_on_no_token_is_counted_twice(cw: SimpleNamespace, memory: InMemoryExporter, stub: StubLLM) -> None:
    from agentstack.integrations.openai import instrument_openai, uninstrument_openai

    instrument_openai()
    try:
        agent = forecaster(cw, stub, [])
        cw.Crew(agents=[agent], tasks=[cw.Task(description="Weather in Bern?", expected_output="a sentence", agent=agent)]).kickoff()
    finally:
        uninstrument_openai()

    (crewai_llm,) = [s for s in memory.spans if s["kind"] == "llm"]  # the client integration stood aside
    assert len(stub.requests) == 1 and crewai_llm["attributes"]["crewai.llm.class"]
    assert crewai_llm["attributes"]["gen_ai.usage.input_tokens"] == 42
    assert crewai_llm["attributes"]["gen_ai.usage.output_tokens"] == 7


def test_a_model_without_native_tool_calls_uses_react_text_and_gives_the_same_tree(cw: SimpleNamespace, memory: InMemoryExporter, stub: StubLLM) -> None:
    answers = [
        'Thought: I should look it up.\nAction: weather\nAction Input: {"city": "Quito"}',
        "Thought: I know it now.\nFinal Answer: Quito is mild.",
    ]

    class TextOnlyLLM(cw.BaseLLM):  # CrewAI then prompts for, and parses, the Action / Final Answer text
        def call(self, messages: Any, *args: Any, **kwargs: Any) -> str:
            return answers.pop(0)

        def supports_function_calling(self) -> bool:
            return False

    @cw.tool("weather")
    def weather(city: str) -> str:
        """Look up the weather in a city."""
        return f"mild in {city}"

    agent = cw.Agent(role="Forecaster", goal="g", backstory="b", llm=TextOnlyLLM(model="text-1"), tools=[weather])
    result = cw.Crew(agents=[agent], tasks=[cw.Task(description="Weather in Quito?", expected_output="a sentence", agent=agent)]).kickoff()

    assert result.raw == "Quito is mild."
    assert [(d, k) for d, k, _ in tree(memory)] == [(0, "chain"), (1, "task"), (2, "agent"), (3, "llm"), (3, "tool"), (3, "llm")]
    tool = memory.by_name("weather")
    assert "Quito" in tool["input"] and "mild in Quito" in tool["output"]
