"""Run one real OpenAI instrumentation library against the local stub LLM and print its spans as OTLP protobuf.

`python -m tests.instrumented.capture LIBRARY` where LIBRARY is `openinference`, `openllmetry` or
`openai-v2`; prints the base64 of an `ExportTraceServiceRequest` (one chat call with a system and a
user message and a tool definition, answered with a tool call; the tool's own `execute_tool` span; then
the tool result and the final answer). Each library patches the OpenAI client globally, so each runs in its own process: tests call
:func:`capture`, which runs this module as a subprocess and returns the request bytes.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.unit.llm_stub import stub_llm, tool_call_reply

TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Weather of a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


def instrument(library: str, provider: TracerProvider) -> None:
    if library == "openinference":
        from openinference.instrumentation.openai import OpenAIInstrumentor

        OpenAIInstrumentor().instrument(tracer_provider=provider)
    elif library == "openllmetry":
        os.environ.setdefault("TRACELOOP_TRACE_CONTENT", "true")
        from opentelemetry.instrumentation.openai import OpenAIInstrumentor as LLMetry

        LLMetry().instrument(tracer_provider=provider)
    elif library == "openai-v2":
        os.environ["OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"] = os.environ.get(
            "CAPTURE_MODE", "SPAN_ONLY")
        os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN", "gen_ai_latest_experimental")
        from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor as V2

        V2().instrument(tracer_provider=provider)
    else:
        raise SystemExit(f"unknown library {library!r}: openinference, openllmetry or openai-v2")


def main(library: str) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": f"weather-{library}"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    instrument(library, provider)
    import openai

    with stub_llm() as llm:
        llm.replies.append(tool_call_reply("get_weather", {"city": "Paris"}))
        client = openai.OpenAI(base_url=llm.base_url, api_key="sk-test")
        messages = [{"role": "system", "content": "You are a weather bot."},
                    {"role": "user", "content": "Weather in Paris?"}]
        with trace.get_tracer("app").start_as_current_span("weather-agent"):
            first = client.chat.completions.create(model="gpt-4o", messages=messages, tools=TOOLS)
            call = first.choices[0].message.tool_calls[0]
            # The application runs the tool in its own span (OTel GenAI `execute_tool`), which the
            # trace view links to the model's tool call by the call id.
            with trace.get_tracer("app").start_as_current_span("execute_tool get_weather", attributes={
                    "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather",
                    "gen_ai.tool.call.id": call.id, "gen_ai.tool.call.arguments": call.function.arguments}):
                pass
            messages += [first.choices[0].message.model_dump(exclude_none=True),
                         {"role": "tool", "tool_call_id": call.id, "content": "sunny, 21 C"}]
            client.chat.completions.create(model="gpt-4o", messages=messages, tools=TOOLS)
    provider.force_flush()
    sys.stdout.write(base64.b64encode(encode_spans(exporter.get_finished_spans()).SerializeToString()).decode() + "\n")


def capture(library: str) -> bytes:
    """The OTLP protobuf body (`ExportTraceServiceRequest`) of `library`'s spans, run in a fresh process."""
    done = subprocess.run([sys.executable, "-m", "tests.instrumented.capture", library],
                          cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return base64.b64decode(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main(sys.argv[1])
