#!/usr/bin/env python3
"""Send a few realistic agent traces to a running AgentStack through the SDK (``make demo``).

Three runs, each one trace:

* ``research-agent``: memory recall, a planning LLM call (gpt-4o), two web searches, a calculator
  call and an answering LLM call (claude-sonnet-4), then a memory write;
* ``parallel-research-agent`` (async): two tool calls at once with ``asyncio.gather``, then a
  streamed LLM answer (an async generator);
* ``travel-agent``: a tool raises, so the trace shows the error.

The LLMs and tools are simulated (short sleeps, canned answers); the spans are real.

The API key comes from ``AGENTSTACK_API_KEY``, else ``AGENTSTACK_BOOTSTRAP_API_KEY`` (the key the
server was set up with), else ``<data dir>/local-api-key`` (the server writes the default project's
ingest key there; the data dir is ``AGENTSTACK_DATA_DIR`` or ``<repo>/.agentstack``). The collector URL comes from ``AGENTSTACK_COLLECTOR_URL``
(default ``http://localhost:8000``). Exits 1 if there is no key or the spans could not be sent.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
KEY_FILE = Path(os.environ.get("AGENTSTACK_DATA_DIR") or REPO_ROOT / ".agentstack").expanduser() / "local-api-key"
DEFAULT_URL = "http://localhost:8000"

try:
    import agentstack
except ImportError:  # a checkout where the SDK is not installed: use it from the source tree
    sys.path.insert(0, str(REPO_ROOT / "sdk"))
    import agentstack

from agentstack import SpanKind, observe


class ToolError(RuntimeError):
    """A tool's backend failed."""


# -- simulated LLM --------------------------------------------------------------------------------
_ANSWERS = {
    "plan": "1. Recall what we know. 2. Search recent market reports. 3. Compute the CAGR. 4. Answer.",
    "answer": (
        "The EV battery market is projected to grow from about $92B (2023) to roughly $250B by 2030, "
        "a compound annual growth rate of about 15.4%."
    ),
    "travel": "Search flights LIS→SFO for 12–19 March, then hotels near Moscone Center.",
}


@observe(name="llm.chat", kind=SpanKind.LLM)
def chat(model: str, provider: str, messages: list[dict[str, str]], purpose: str) -> str:
    """One chat completion; records model, provider and token usage with GenAI attribute names."""
    time.sleep(0.06)
    completion = _ANSWERS[purpose]
    input_tokens = sum(len(m["content"]) // 4 for m in messages) + 12
    agentstack.set_llm(
        model=model,
        provider=provider,
        input_tokens=input_tokens,
        output_tokens=len(completion) // 4,
        cache_read_tokens=input_tokens // 2,  # the system prompt came from the provider's prompt cache
        reasoning_tokens=len(completion) // 16,
        operation="chat",
        temperature=0.2,
        finish_reasons=["stop"],
    )
    return completion


@observe(name="llm.stream", kind=SpanKind.LLM)
async def stream_answer(model: str, provider: str, prompt: str) -> AsyncIterator[str]:
    """A streamed completion: the span stays open until the last token."""
    words = "Ray Serve scales deployments by replica count; Ray actors hold state between calls.".split()
    for word in words:
        await asyncio.sleep(0.008)
        yield word + " "
    agentstack.set_llm(model=model, provider=provider, input_tokens=len(prompt) // 4 + 8, output_tokens=len(words) * 2)


# -- simulated tools and memory ---------------------------------------------------------------------
@observe(name="memory.recall", kind=SpanKind.MEMORY)
def recall(user_id: str, query: str) -> list[str]:
    time.sleep(0.015)
    return ["User prefers sources from 2024 or later.", "Earlier answer: 2023 market ≈ $92B."]


@observe(name="memory.store", kind=SpanKind.MEMORY)
def remember(user_id: str, fact: str) -> bool:
    time.sleep(0.01)
    return True


@observe(name="web_search", kind=SpanKind.TOOL, attributes={"tool.name": "web_search"})
def web_search(query: str, max_results: int = 3) -> list[dict[str, str]]:
    time.sleep(0.04)
    return [
        {"title": f"{query} — report {i + 1}", "url": f"https://example.org/reports/{i + 1}"}
        for i in range(max_results)
    ]


@observe(name="calculator", kind=SpanKind.TOOL, attributes={"tool.name": "calculator"})
def cagr(start_value: float, end_value: float, years: int) -> float:
    time.sleep(0.005)
    growth: float = (end_value / start_value) ** (1 / years) - 1
    return round(growth * 100, 2)


@observe(name="web_search", kind=SpanKind.TOOL, attributes={"tool.name": "web_search"})
async def web_search_async(query: str) -> list[str]:
    await asyncio.sleep(0.05)
    return [f"{query}: result {i}" for i in range(1, 4)]


@observe(name="fetch_page", kind=SpanKind.TOOL, attributes={"tool.name": "fetch_page"})
async def fetch_page(url: str) -> str:
    await asyncio.sleep(0.07)
    return f"<html><title>{url}</title>…</html>"


@observe(name="flight_search", kind=SpanKind.TOOL, attributes={"tool.name": "flight_search"})
def flight_search(origin: str, destination: str, date: str) -> list[dict[str, Any]]:
    time.sleep(0.03)
    raise ToolError(f"flight API returned 503 for {origin}→{destination} on {date}")


# -- agents -----------------------------------------------------------------------------------------
TRACE_IDS: list[str] = []


def _note_trace() -> None:
    """Remember the trace this agent run belongs to, to print it at the end."""
    trace_id = agentstack.get_current_trace_id()
    if trace_id is not None:
        TRACE_IDS.append(trace_id)


@observe(name="research-agent", kind=SpanKind.AGENT)
def research_agent(question: str, user_id: str) -> str:
    _note_trace()
    memories = recall(user_id, question)
    system = {"role": "system", "content": "You are a careful market analyst. Known: " + " ".join(memories)}
    chat("gpt-4o", "openai", [system, {"role": "user", "content": question}], purpose="plan")
    sources = web_search("EV battery market size 2030") + web_search("EV battery market 2023 revenue")
    growth = cagr(92.0, 250.0, 7)
    context = f"Sources: {[s['url'] for s in sources]}. CAGR computed: {growth}%."
    answer = chat("claude-sonnet-4", "anthropic", [{"role": "user", "content": question + "\n" + context}], purpose="answer")
    remember(user_id, answer)
    return answer


@observe(name="parallel-research-agent", kind=SpanKind.AGENT)
async def parallel_agent(question: str) -> str:
    _note_trace()
    results, page = await asyncio.gather(web_search_async(question), fetch_page("https://docs.ray.io/en/latest/serve/"))
    prompt = f"{question}\nSearch: {results}\nPage: {page[:40]}"
    return "".join([token async for token in stream_answer("gpt-4o-mini", "openai", prompt)])


@observe(name="travel-agent", kind=SpanKind.AGENT)
def travel_agent(request: str) -> str:
    _note_trace()
    plan = chat("gpt-4o", "openai", [{"role": "user", "content": request}], purpose="travel")
    flights = flight_search("LIS", "SFO", "2026-03-12")  # raises ToolError: the trace shows the failure
    return f"{plan} {flights}"


def _api_key() -> str | None:
    key = os.environ.get("AGENTSTACK_API_KEY", "").strip() or os.environ.get("AGENTSTACK_BOOTSTRAP_API_KEY", "").strip()
    if not key and KEY_FILE.is_file():
        key = KEY_FILE.read_text(encoding="utf-8").strip()
    return key or None


def _run_traces() -> None:
    """Run the three agents; each is the root span of its own trace."""
    answer = research_agent("How big will the EV battery market be in 2030?", user_id="u-42")
    print(f"research-agent: {answer[:72]}…")
    answer = asyncio.run(parallel_agent("How does Ray Serve scale?"))
    print(f"parallel-research-agent: {answer[:72]}…")
    try:
        travel_agent("Book me a trip to KubeCon in San Francisco, 12–19 March")
    except ToolError as exc:
        print(f"travel-agent: failed as intended ({exc}); its trace shows the error")


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    key = _api_key()
    url = os.environ.get("AGENTSTACK_COLLECTOR_URL", "").strip() or DEFAULT_URL
    if key is None:
        print(
            "error: no AgentStack API key. Set AGENTSTACK_API_KEY, or start the server once "
            f"(it writes {KEY_FILE}), then run this again.",
            file=sys.stderr,
        )
        return 1
    agentstack.configure(api_key=key, collector_url=url, service_name="agentstack-demo")
    started = time.monotonic()
    _run_traces()
    delivered = agentstack.flush(timeout=15)
    counts = agentstack.stats()
    if not delivered:
        print(
            f"error: not all spans reached {url} (sent {counts['sent']}, dropped {counts['dropped']}, "
            f"failed {counts['failed']}, still queued {counts['queued']}). Is AgentStack running there (`make run`), "
            "and is the API key valid? See the warnings above.",
            file=sys.stderr,
        )
        return 1
    print(f"\nSent {len(TRACE_IDS)} traces ({counts['sent']} spans) to {url} in {time.monotonic() - started:.1f} s.")
    for trace_id in TRACE_IDS:
        print(f"  trace {trace_id}")
    print(f"Open {url}/ to see them.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
