"""Explore in the browser: LLM spans read as chat — spans exported by the three real instrumentation
libraries (OpenInference, OpenLLMetry and OpenTelemetry's `openai-v2`, each calling a stub LLM; see
tests/instrumented/capture.py) and a hand-built current OTel GenAI trace (markdown rendered without raw
HTML) —, tool calls linked to the spans that ran them, the agent graph, and a 20,000-span trace in a
virtualised waterfall."""

from __future__ import annotations

import json
import os
import time
import urllib.request
from typing import Any

import pytest

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.instrumented.capture import capture

from .browser import admin, browser, log_in, new_page, shot  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

BIG_SPANS = 20_000
HOSTILE = '<img src=x onerror="window.__xss=1"> <script>window.__xss=2</script>'
ANSWER = (
    "It is **sunny** in Paris:\n\n- 21 °C\n- light wind\n\n```json\n{\"ok\": true}\n```\n\n"
    f"Raw HTML stays text: {HOSTILE}\n\n[unsafe](javascript:alert(1)) and [docs](https://example.com/docs)"
)


def _value(v: Any) -> dict[str, Any]:
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}
    if isinstance(v, float):
        return {"doubleValue": v}
    return {"stringValue": v if isinstance(v, str) else json.dumps(v)}


class OtlpTrace:
    """Spans of one trace, built as OTLP/JSON (what an OpenTelemetry exporter sends)."""

    def __init__(self, trace_id: str, service: str) -> None:
        self.trace_id, self.service = trace_id, service
        self.spans: list[dict[str, Any]] = []
        self.start = time.time_ns() - 60 * 10**9
        self._next = 0

    def span(self, name: str, parent: str | None, start_ms: float, dur_ms: float, attrs: dict[str, Any],
             error: bool = False) -> str:
        self._next += 1
        span_id = f"{self._next:016x}"
        start = self.start + int(start_ms * 1e6)
        span: dict[str, Any] = {
            "traceId": self.trace_id, "spanId": span_id, "name": name, "kind": 3 if parent else 2,
            "startTimeUnixNano": str(start), "endTimeUnixNano": str(start + int(dur_ms * 1e6)),
            "attributes": [{"key": k, "value": _value(v)} for k, v in attrs.items()],
        }
        if parent:
            span["parentSpanId"] = parent
        if error:
            span["status"] = {"code": 2, "message": "tool failed"}
        self.spans.append(span)
        return span_id

    def send(self, stack, chunk: int = 2000) -> None:
        for i in range(0, len(self.spans), chunk):
            doc = {"resourceSpans": [{
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": self.service}}]},
                "scopeSpans": [{"scope": {"name": "e2e-explore"}, "spans": self.spans[i:i + chunk]}]}]}
            request = urllib.request.Request(
                f"{stack.base_url}/v1/traces", data=json.dumps(doc).encode(), method="POST",
                headers={"X-API-Key": stack.api_key, "Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=30) as response:
                assert response.status == 200


def _tool_call_messages() -> tuple[list[Any], list[Any], list[Any], list[Any]]:
    """OTel GenAI (current) message JSON of a two-step tool-using conversation."""
    first_in = [{"role": "user", "parts": [{"type": "text", "content": "What's the weather in Paris?"}]}]
    first_out = [{"role": "assistant", "finish_reason": "tool_call", "parts": [
        {"type": "tool_call", "id": "call_weather_1", "name": "get_weather", "arguments": {"city": "Paris"}}]}]
    second_in = [*first_in, *first_out, {"role": "tool", "parts": [
        {"type": "tool_call_response", "id": "call_weather_1", "response": {"temp_c": 21, "sky": "sunny"}}]}]
    second_out = [{"role": "assistant", "finish_reason": "stop", "parts": [{"type": "text", "content": ANSWER}]}]
    return first_in, first_out, second_in, second_out


TOOLS = [{"type": "function", "name": "get_weather", "description": "Current weather of a city",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]


def _otel_genai_trace() -> OtlpTrace:
    t = OtlpTrace("e1" * 16, "weather-agent")
    first_in, first_out, second_in, second_out = _tool_call_messages()
    root = t.span("invoke_agent weather", None, 0, 2400, {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "weather"})
    common = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini",
              "gen_ai.response.model": "gpt-4o-mini", "gen_ai.system_instructions": json.dumps(
                  [{"type": "text", "content": "You are a weather assistant. Answer in one short paragraph."}]),
              "gen_ai.tool.definitions": json.dumps(TOOLS)}
    t.span("chat gpt-4o-mini", root, 10, 800, {**common, "gen_ai.usage.input_tokens": 120, "gen_ai.usage.output_tokens": 18,
                                                "gen_ai.input.messages": json.dumps(first_in),
                                                "gen_ai.output.messages": json.dumps(first_out)})
    t.span("execute_tool get_weather", root, 820, 300, {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather",
                                                        "gen_ai.tool.call.id": "call_weather_1",
                                                        "gen_ai.tool.call.arguments": '{"city": "Paris"}'})
    t.span("chat gpt-4o-mini", root, 1130, 1200, {**common, "gen_ai.usage.input_tokens": 170, "gen_ai.usage.output_tokens": 64,
                                                   "gen_ai.input.messages": json.dumps(second_in),
                                                   "gen_ai.output.messages": json.dumps(second_out)})
    return t


LIBRARIES = ("openinference", "openllmetry", "openai-v2")


class CapturedTrace:
    """The spans one real instrumentation library exported (tests/instrumented/capture.py), as OTLP protobuf."""

    def __init__(self, library: str) -> None:
        self.body = capture(library)
        request = ExportTraceServiceRequest.FromString(self.body)
        self.spans = [s for rs in request.resource_spans for ss in rs.scope_spans for s in ss.spans]
        self.trace_id = self.spans[0].trace_id.hex()

    def send(self, stack) -> None:
        request = urllib.request.Request(
            f"{stack.base_url}/v1/traces", data=self.body, method="POST",
            headers={"X-API-Key": stack.api_key, "Content-Type": "application/x-protobuf"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200


QUESTIONS = ["Plan a 3-day trip to Lisbon", "Make day 2 about food", "Add a **budget** for each day"]


def _session_turns() -> list[OtlpTrace]:
    """A three-turn conversation: each turn a trace whose spans carry `session.id` and `user.id`."""
    turns = []
    for i, question in enumerate(QUESTIONS):
        t = OtlpTrace(f"e{5 + i}" * 16, "travel-agent")
        t.start += i * 5 * 10**9
        who = {"session.id": "chat-42", "user.id": "ada"}
        root = t.span("travel turn", None, 0, 900, {**who, "openinference.span.kind": "AGENT", "input.value": question,
                                                   "output.value": f"Answer {i + 1}: here is the plan for *{question.lower()}*."})
        t.span("chat gpt-4o-mini", root, 10, 800, {**who, "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini",
                                                    "gen_ai.usage.input_tokens": 40 + i, "gen_ai.usage.output_tokens": 30})
        turns.append(t)
    return turns


def _big_trace() -> OtlpTrace:
    """20,000 spans: a planner agent running 2,000 steps of (LLM call → 3 tools → memory write …)."""
    t = OtlpTrace("e4" * 16, "big-agent")
    root = t.span("planner", None, 0, BIG_SPANS * 2, {"gen_ai.operation.name": "invoke_agent"})
    step_n = 0
    while len(t.spans) < BIG_SPANS:
        start = step_n * 2.0
        step = t.span(f"step {step_n}", root, start, 1.9, {"openinference.span.kind": "CHAIN"})
        kids: list[tuple[str, dict[str, Any], bool]] = [
            ("chat gpt-4o-mini", {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini",
                                  "gen_ai.usage.input_tokens": 50, "gen_ai.usage.output_tokens": 5}, False),
            ("execute_tool search", {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search"}, False),
            ("execute_tool fetch", {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "fetch"}, step_n % 97 == 5),
            ("execute_tool parse", {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "parse"}, False),
            ("memory write", {"openinference.span.kind": "CHAIN"}, False),
        ]
        for i, (name, attrs, error) in enumerate(kids):
            if len(t.spans) >= BIG_SPANS:
                break
            t.span(name, step, start + i * 0.3, 0.25, attrs, error=error)
        step_n += 1
    return t


@pytest.fixture(scope="module")
def explore_traces(stack):
    traces: dict[str, OtlpTrace | CapturedTrace] = {"otel": _otel_genai_trace(), "big": _big_trace()}
    traces.update({f"turn{i}": t for i, t in enumerate(_session_turns())})
    traces.update({library: CapturedTrace(library) for library in LIBRARIES})
    for t in traces.values():
        t.send(stack)

    def stored(t: OtlpTrace | CapturedTrace) -> bool:
        status, body = stack.get(f"/api/v1/traces/{t.trace_id}")
        return status == 200 and body["span_count"] == len(t.spans)

    for t in traces.values():
        stack.wait_for(lambda t=t: stored(t), timeout=180, interval=2)
    return {name: t.trace_id for name, t in traces.items()}


def _open_trace(page, stack, trace_id: str, query: str = "") -> None:
    page.goto(f"/p/{stack.project_id}/traces/{trace_id}{query}")
    page.get_by_test_id("trace-header").wait_for(timeout=60_000)


def test_llm_spans_read_as_chat_with_linked_tool_calls(stack, admin, explore_traces, browser, artifacts_dir):  # noqa: F811
    page = new_page(browser, stack.base_url)
    page.goto("/login")
    log_in(page, admin.email, admin.password)
    page.get_by_test_id("nav-traces").click()  # a project opens on its Overview
    page.get_by_test_id("trace-list-page").wait_for()

    _open_trace(page, stack, explore_traces["otel"])
    assert page.get_by_test_id("trace-models").inner_text() == "gpt-4o-mini"
    assert page.get_by_test_id("trace-tokens").inner_text() == "290 / 82"
    llm_rows = page.locator('[data-testid="span-row"]').filter(has_text="chat gpt-4o-mini")
    llm_rows.nth(1).click()
    chat = page.get_by_test_id("chat-view")
    chat.wait_for()
    roles = [m.get_attribute("data-role") for m in chat.get_by_test_id("chat-message").all()]
    assert roles == ["system", "user", "assistant", "tool", "assistant"]
    answer = chat.get_by_test_id("chat-message").last
    assert answer.locator("strong", has_text="sunny").count() == 1 and answer.locator("li").count() == 2
    assert HOSTILE in answer.inner_text(), "raw HTML is shown as text"
    assert answer.locator("img, script").count() == 0
    assert page.evaluate("window.__xss") is None
    assert answer.locator("a", has_text="unsafe").count() == 0  # a javascript: link is plain text
    assert answer.locator("a", has_text="docs").get_attribute("href") == "https://example.com/docs"
    assert "get_weather" in chat.get_by_test_id("chat-tool-definitions").inner_text()
    answer.scroll_into_view_if_needed()
    shot(page, artifacts_dir, "explore-trace-chat")

    # the tool call of the first LLM call links to the tool span that ran it
    llm_rows.first.click()
    link = page.get_by_test_id("chat-tool-link")
    link.wait_for()
    assert link.count() == 1
    tool_span_id = link.get_attribute("data-span-id")
    link.click()
    page.wait_for_url(f"**span={tool_span_id}**")
    assert page.get_by_test_id("span-detail-name").inner_text() == "execute_tool get_weather"

    # raw JSON one click away
    llm_rows.first.click()
    page.get_by_test_id("raw-mode").click()
    assert "gen_ai.input.messages" in page.get_by_test_id("conversation-raw").inner_text()

    # search and filters inside the trace
    page.get_by_test_id("span-search").fill("execute_tool")
    page.wait_for_function("document.querySelector('[data-testid=span-match-count]').innerText.startsWith('1 of')")
    page.get_by_test_id("span-search").fill("")
    page.get_by_test_id("span-filter-llm").click()
    assert page.get_by_test_id("span-match-count").inner_text() == "2 of 4"

    page.context.close()


def _roles(chat) -> list[str | None]:
    return [m.get_attribute("data-role") for m in chat.get_by_test_id("chat-message").all()]


@pytest.mark.parametrize("library", LIBRARIES)
def test_real_instrumentations_read_as_chat(stack, admin, explore_traces, browser, artifacts_dir, library):  # noqa: F811
    """Spans the real library exported (calling a stub LLM: system + user prompt with a tool, a tool call,
    the app's tool span, the tool result and the answer) read as chat messages in the trace view."""
    page = new_page(browser, stack.base_url)
    page.goto("/login")
    log_in(page, admin.email, admin.password)
    page.get_by_test_id("nav-traces").click()
    page.get_by_test_id("trace-list-page").wait_for()

    _open_trace(page, stack, explore_traces[library])
    assert page.get_by_test_id("trace-models").inner_text() == "gpt-4o-2024-08-06"
    llm_rows = page.locator('[data-testid="span-row"][data-kind="llm"]')
    assert llm_rows.count() == 2

    # the first call: system and user prompt, the tools offered, answered with a tool call linked to its span
    llm_rows.first.click()
    chat = page.get_by_test_id("chat-view")
    chat.wait_for()
    assert _roles(chat) == ["system", "user", "assistant"]
    messages = chat.get_by_test_id("chat-message")
    assert "You are a weather bot." in messages.nth(0).inner_text()
    assert "Weather in Paris?" in messages.nth(1).inner_text()
    call = messages.nth(2).get_by_test_id("chat-tool-call")
    assert call.get_attribute("data-tool-name") == "get_weather" and "Paris" in call.inner_text()
    if library != "openai-v2":  # openai-v2 does not record the tools offered
        assert "get_weather" in chat.get_by_test_id("chat-tool-definitions").inner_text()
    shot(page, artifacts_dir, f"explore-{library}-tool-call")
    link = chat.get_by_test_id("chat-tool-link")
    tool_span_id = link.get_attribute("data-span-id")
    link.click()
    page.wait_for_url(f"**span={tool_span_id}**")
    assert page.get_by_test_id("span-detail-name").inner_text() == "execute_tool get_weather"

    # the second call: the whole conversation, the tool's result, the final answer
    llm_rows.nth(1).click()
    chat = page.get_by_test_id("chat-view")
    chat.wait_for()
    page.wait_for_function("document.querySelectorAll('[data-testid=chat-message]').length === 5")
    assert _roles(chat) == ["system", "user", "assistant", "tool", "assistant"]
    messages = chat.get_by_test_id("chat-message")
    assert "sunny, 21 C" in messages.nth(3).inner_text()
    assert "Paris is sunny." in messages.nth(4).inner_text()
    messages.nth(4).scroll_into_view_if_needed()
    shot(page, artifacts_dir, f"explore-{library}-answer")
    assert not page.page_errors  # type: ignore[attr-defined]
    page.context.close()


def test_agent_graph_and_a_20000_span_trace(stack, admin, explore_traces, browser, artifacts_dir):  # noqa: F811
    page = new_page(browser, stack.base_url)
    page.goto("/login")
    log_in(page, admin.email, admin.password)
    page.get_by_test_id("nav-traces").click()  # a project opens on its Overview
    page.get_by_test_id("trace-list-page").wait_for()

    _open_trace(page, stack, explore_traces["otel"], "?view=graph")
    graph = page.get_by_test_id("agent-graph")
    graph.wait_for()
    keys = sorted(n.get_attribute("data-node-key") for n in graph.get_by_test_id("agent-graph-node").all())
    assert keys == ["agent:invoke_agent weather", "llm:gpt-4o-mini", "tool:get_weather"]
    assert "×2" in graph.inner_text()  # the agent called the model twice
    graph.locator('[data-node-key="tool:get_weather"]').click()
    graph.get_by_test_id("agent-graph-span").first.click()
    assert page.get_by_test_id("span-detail-name").inner_text() == "execute_tool get_weather"
    shot(page, artifacts_dir, "explore-agent-graph")

    started = time.monotonic()
    _open_trace(page, stack, explore_traces["big"])
    page.locator('[data-testid="span-row"]').first.wait_for(timeout=60_000)
    opened_s = time.monotonic() - started
    waterfall = page.get_by_test_id("waterfall")
    assert waterfall.get_attribute("data-rows") == str(BIG_SPANS)
    assert page.locator('[data-testid="span-row"]').count() < 100, "only the rows in view are rendered"
    assert page.get_by_test_id("trace-span-count").inner_text() == "20,000"
    shot(page, artifacts_dir, "explore-trace-20000-spans")

    # scroll to the end: the last span is rendered, the DOM stays small
    page.get_by_test_id("waterfall-scroll").evaluate("el => { el.scrollTop = el.scrollHeight; }")
    page.wait_for_timeout(300)
    last_rows = page.locator('[data-testid="span-row"]')
    assert last_rows.count() < 100
    assert "memory write" in last_rows.last.inner_text() or "step" in last_rows.last.inner_text()
    page.get_by_test_id("span-filter-errors").click()
    errors = page.get_by_test_id("span-match-count").inner_text()
    assert errors.endswith("of 20,000") and not errors.startswith("0 ")
    page.screenshot(path=str(artifacts_dir / "explore-trace-20000-spans-errors.png"))

    graph_started = time.monotonic()
    page.get_by_test_id("view-graph").click()
    page.get_by_test_id("agent-graph").wait_for()
    graph_s = time.monotonic() - graph_started
    nodes = page.get_by_test_id("agent-graph-node")
    assert nodes.count() == 5  # planner, the model, three tools (steps and memory writes are see-through)
    print(f"\n20,000-span trace: opened in {opened_s:.2f} s, graph in {graph_s:.2f} s "
          f"(real stack, machine shared; not a gate) [{os.environ.get('AGENTSTACK_TEST_REDIS', '')}]")
    assert not page.page_errors  # type: ignore[attr-defined]
    page.context.close()


def test_trace_list_filters_and_a_session(stack, admin, explore_traces, browser, artifacts_dir):  # noqa: F811
    page = new_page(browser, stack.base_url)
    page.goto("/login")
    log_in(page, admin.email, admin.password)
    page.get_by_test_id("nav-traces").click()  # a project opens on its Overview
    page.get_by_test_id("trace-list-page").wait_for()
    rows = page.get_by_test_id("trace-row")
    rows.first.wait_for()

    # facet counts for the current filter; a facet narrows the list and lands in the URL
    service = page.get_by_test_id("facet-service")
    service.wait_for()
    count = service.locator("label", has=page.locator('[data-value="travel-agent"]')).locator(".facet-count")
    assert count.inner_text() == "3"  # three turns
    page.locator('[data-testid="facet-kind"] [data-value="llm"]').click()
    page.wait_for_url("**kind=llm**")
    page.locator('[data-testid="facet-service"] [data-value="weather-agent"]').click()
    page.wait_for_url("**service=weather-agent**")
    page.wait_for_function("document.querySelectorAll('[data-testid=trace-row]').length === 1")
    assert rows.first.get_attribute("data-trace-id") == explore_traces["otel"]
    page.reload()  # the URL holds the whole state
    page.wait_for_function("document.querySelectorAll('[data-testid=trace-row]').length === 1")
    assert page.locator('[data-testid="facet-service"] [data-value="weather-agent"]').is_checked()
    page.get_by_test_id("clear-filters").click()

    # full-text search over inputs and outputs
    page.get_by_test_id("trace-search").fill("wind")
    page.wait_for_url("**q=wind**")
    page.wait_for_function("document.querySelectorAll('[data-testid=trace-row]').length === 1")
    assert rows.first.get_attribute("data-trace-id") == explore_traces["otel"]
    page.get_by_test_id("trace-search").fill("")
    page.wait_for_function("!location.search.includes('q=')")

    # the column chooser adds the session column
    page.get_by_test_id("column-chooser").click()
    page.locator('[data-testid="column-option"][data-col="session"]').click()
    page.keyboard.press("Escape")
    assert page.locator('th[data-col="session"]').count() == 1
    page.locator('[data-testid="facet-kind"] [data-value="llm"]').click()
    page.wait_for_function("document.querySelectorAll('[data-testid=trace-row]').length >= 6")
    shot(page, artifacts_dir, "explore-trace-list-filters")

    # sessions: the conversation, turn by turn
    page.get_by_test_id("nav-sessions").click()
    row = page.locator('[data-testid="session-row"][data-session-id="chat-42"]')
    row.wait_for()
    assert "ada" in row.inner_text()
    row.locator("a").click()
    turns = page.get_by_test_id("session-turn")
    turns.first.wait_for()
    assert turns.count() == 3
    assert [turns.nth(i).get_by_test_id("turn-input").inner_text().split("\n", 1)[1].strip() for i in range(3)] == [
        "Plan a 3-day trip to Lisbon", "Make day 2 about food", "Add a budget for each day"]
    assert turns.nth(2).get_by_test_id("turn-input").locator("strong").inner_text() == "budget"
    assert "Answer 3" in turns.nth(2).get_by_test_id("turn-output").inner_text()
    shot(page, artifacts_dir, "explore-session")
    turns.nth(1).get_by_test_id("turn-trace-link").click()
    page.wait_for_url(f"**/traces/{explore_traces['turn1']}")
    page.context.close()
