"""What the real OpenAI instrumentations send becomes chat messages: OpenInference, OpenLLMetry and the
OpenTelemetry contrib `openai-v2` library each run against the stub LLM (one process per library, as
each patches the client globally); their OTLP export goes through `POST /v1/traces` and the writer,
and the query API shows the LLM spans' prompts and completions as messages with the tool call.
"""

from __future__ import annotations

import pytest

from tests.instrumented.capture import capture
from tests.integration.test_http_apps import KEY, READ_KEY, run_with_apps


def texts(message: dict) -> list[str]:
    return [p["content"] for p in message["parts"] if p["type"] == "text"]


@pytest.mark.parametrize("library", ["openinference", "openllmetry", "openai-v2"])
def test_prompts_and_completions_become_chat_messages(library, redis_url, store, tmp_path):
    body = capture(library)

    async def scenario(ingest, query, drain):
        sent = await ingest.post("/traces", content=body, headers={"X-API-Key": KEY, "Content-Type": "application/x-protobuf"})
        assert sent.status_code in (200, 202), sent.text
        await drain()
        r = {"X-API-Key": READ_KEY}
        listing = (await query.get("/api/v1/traces?kind=llm", headers=r)).json()
        assert listing["total"] == 1, listing
        row = listing["items"][0]
        return row, (await query.get(f"/api/v1/traces/{row['trace_id']}", headers=r)).json()

    row, trace = run_with_apps(redis_url, store, scenario, tmp_path)
    assert row["name"] == "weather-agent" and row["models"] == ["gpt-4o-2024-08-06"]
    assert (row["input_tokens"], row["output_tokens"]) == (84, 14)  # two calls of 42 in / 7 out
    first, second = [s for s in trace["spans"] if s["kind"] == "llm"]
    assert [m["role"] for m in first["input_messages"]] == ["system", "user"]
    assert texts(first["input_messages"][0]) == ["You are a weather bot."] and texts(first["input_messages"][1]) == ["Weather in Paris?"]
    [call] = [p for p in first["output_messages"][0]["parts"] if p["type"] == "tool_call"]
    assert (call["id"], call["name"], call["arguments"]) == ("call_1", "get_weather", {"city": "Paris"})
    assert [m["role"] for m in second["input_messages"]] == ["system", "user", "assistant", "tool"]
    [response] = second["input_messages"][3]["parts"]
    assert (response["type"], response["id"], response["response"]) == ("tool_call_response", "call_1", "sunny, 21 C")
    assert texts(second["output_messages"][0]) == ["Paris is sunny."]
    if library != "openai-v2":  # openai-v2 does not record the tools offered
        assert [t.get("function", t)["name"] for t in first["tool_definitions"]] == ["get_weather"]
