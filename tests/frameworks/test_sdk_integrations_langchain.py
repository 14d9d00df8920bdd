"""LangChain / LangGraph callback handler against the real libraries; the chat model's HTTP API is a local stub."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypedDict

import pytest
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from langgraph.graph import END, START, StateGraph

import agentstack
from agentstack.integrations.langchain import AgentStackCallbackHandler
from agentstack.testing import InMemoryExporter
from tests.unit.llm_stub import REPLY, StubLLM, stub_llm


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[StubLLM]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with stub_llm() as server:
        yield server


class State(TypedDict, total=False):
    question: str
    answer: str
    weather: str
    docs: list[str]


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    if city == "Atlantis":
        raise ValueError("no such city")
    return f"sunny in {city}"


class Notes(BaseRetriever):
    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [Document(page_content=f"note about {query}", metadata={"source": "notes"})]


def build_graph(base_url: str) -> Any:
    model = ChatOpenAI(model="gpt-4o", base_url=base_url, api_key="sk-test", max_retries=0, temperature=0.1)

    def plan(state: State) -> State:
        return {"answer": str(model.invoke(state["question"]).content)}

    def act(state: State) -> State:
        docs = Notes().invoke(state["question"])
        return {"weather": get_weather.invoke({"city": "Paris"}), "docs": [d.page_content for d in docs]}

    graph = StateGraph(State)
    graph.add_node("plan", plan)
    graph.add_node("act", act)
    graph.add_edge(START, "plan")
    graph.add_edge("plan", "act")
    graph.add_edge("act", END)
    return graph.compile()


def test_graph_nodes_llm_calls_tools_and_retrievers_become_a_span_tree(memory: InMemoryExporter, stub: StubLLM) -> None:
    handler = AgentStackCallbackHandler()
    graph = build_graph(stub.base_url)

    @agentstack.observe(name="agent", kind="agent")
    def agent(question: str) -> Any:
        return graph.invoke({"question": question}, config={"callbacks": [handler]})

    result = agent("weather in Paris?")
    assert result["answer"] == REPLY and result["weather"] == "sunny in Paris"
    spans = memory.spans
    by_id = {s["span_id"]: s for s in spans}
    root = memory.by_name("agent")
    assert {s["trace_id"] for s in spans} == {root["trace_id"]}  # one trace, under the @observe function

    def parent_name(span: dict[str, Any]) -> str:
        return str(by_id[span["parent_span_id"]]["name"])

    plan, act = memory.by_name("plan"), memory.by_name("act")
    assert plan["kind"] == act["kind"] == "chain" and plan["attributes"]["langgraph.node"] == "plan"
    assert parent_name(plan) == parent_name(act) == "LangGraph" and parent_name(memory.by_name("LangGraph")) == "agent"

    llm = memory.by_name("chat gpt-4o")
    assert llm["kind"] == "llm" and parent_name(llm) == "plan"
    attributes = llm["attributes"]
    assert attributes["gen_ai.provider.name"] == "openai" and attributes["gen_ai.request.temperature"] == 0.1
    assert attributes["gen_ai.usage.input_tokens"] == 42 and attributes["gen_ai.usage.output_tokens"] == 7
    assert attributes["gen_ai.usage.cache_read.input_tokens"] == 32
    assert attributes["gen_ai.usage.reasoning.output_tokens"] == 3
    assert REPLY in llm["output"] and "weather in Paris?" in llm["input"]

    weather = memory.by_name("get_weather")
    assert weather["kind"] == "tool" and parent_name(weather) == "act" and "sunny in Paris" in weather["output"]
    notes = memory.by_name("Notes")
    assert notes["kind"] == "retriever" and notes["attributes"]["retriever.documents"] == 1
    assert all(s["status"] == "OK" for s in spans)


def test_tool_error_is_an_error_span_and_the_handler_never_raises(memory: InMemoryExporter) -> None:
    handler = AgentStackCallbackHandler()
    with pytest.raises(ValueError, match="no such city"):
        get_weather.invoke({"city": "Atlantis"}, config={"callbacks": [handler]})
    span = memory.by_name("get_weather")
    assert span["status"] == "ERROR" and span["events"][0]["attributes"]["exception.message"] == "no such city"
    # Callbacks for runs the handler never saw (or garbage) are ignored, not raised.
    import uuid

    handler.on_chain_end({}, run_id=uuid.uuid4())
    handler.on_llm_end(object(), run_id=uuid.uuid4())
