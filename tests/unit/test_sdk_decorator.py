"""@observe on sync, async, generator and async generator functions."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from typing import Any

import pytest

import agentstack
from agentstack import observe
from agentstack.capture import MAX_CAPTURE_BYTES
from agentstack.schema import TRUNCATION_MARKER
from agentstack.testing import InMemoryExporter




# -- plain functions ----------------------------------------------------------------------------
@observe
def search(query: str, limit: int = 3) -> list[str]:
    return [f"{query}-{i}" for i in range(limit)]


@observe(name="research", kind="agent", attributes={"agent.version": "2"})
def research(question: str) -> str:
    hits = search(question, limit=2)
    return " ".join(hits)


def test_bare_and_parametrised_forms_and_nesting(memory: InMemoryExporter) -> None:
    assert research("ray") == "ray-0 ray-1"
    assert search.__name__ == "search"  # functools.wraps keeps the identity
    agent, tool = memory.by_name("research"), memory.by_name("search")
    assert agent["kind"] == "agent" and agent["attributes"] == {"agent.version": "2"}
    assert tool["kind"] == "span"  # the default kind
    assert tool["parent_span_id"] == agent["span_id"] and tool["trace_id"] == agent["trace_id"]
    assert agent["parent_span_id"] is None
    assert json.loads(tool["input"]) == {"query": "ray", "limit": 2}
    assert json.loads(tool["output"]) == ["ray-0", "ray-1"]
    assert agent["status"] == tool["status"] == "OK"


def test_default_name_is_the_qualified_name(memory: InMemoryExporter) -> None:
    class Planner:
        @observe
        def plan(self, goal: str) -> str:
            return goal.upper()

        @observe
        @classmethod
        def create(cls) -> Planner:
            return cls()

    Planner.create().plan("ship it")
    span = memory.by_name(Planner.plan.__qualname__)
    assert span["name"].endswith("Planner.plan")
    assert json.loads(span["input"]) == {"goal": "ship it"}  # self skipped
    assert json.loads(memory.by_name(Planner.create.__qualname__)["input"]) == {}  # cls skipped


def test_exception_recorded_and_reraised_unchanged(memory: InMemoryExporter) -> None:
    error = TimeoutError("search backend timed out")

    @observe(kind="tool")
    def flaky() -> None:
        raise error

    @observe(kind="agent")
    def agent() -> None:
        flaky()

    with pytest.raises(TimeoutError) as info:
        agent()
    assert info.value is error
    for name in (flaky.__qualname__, agent.__qualname__):
        span = memory.by_name(name)
        assert span["status"] == "ERROR"
        assert span["status_message"] == "search backend timed out"
        (event,) = span["events"]
        assert event["attributes"]["exception.type"] == "TimeoutError"
        assert event["attributes"]["exception.message"] == "search backend timed out"
        assert "in flaky" in event["attributes"]["exception.stacktrace"]
        assert span["output"] is None
    assert agentstack.get_current_span() is None


def test_status_set_by_the_function_is_kept(memory: InMemoryExporter) -> None:
    @observe
    def soft_failure() -> str:
        span = agentstack.get_current_span()
        assert span is not None
        span.set_status("ERROR", "no results")
        return ""

    soft_failure()
    assert memory.spans[0]["status"] == "ERROR"


# -- async --------------------------------------------------------------------------------------
@observe(kind="tool")
async def fetch(url: str) -> str:
    await asyncio.sleep(0.01)
    return f"<html>{url}</html>"


@observe(kind="agent")
async def crawl(urls: list[str]) -> list[str]:
    return list(await asyncio.gather(*(fetch(url) for url in urls)))


def test_async_and_gather_siblings_share_the_parent(memory: InMemoryExporter) -> None:
    assert asyncio.run(crawl(["a", "b", "c"])) == ["<html>a</html>", "<html>b</html>", "<html>c</html>"]
    agent = memory.by_name(crawl.__qualname__)
    fetches = [s for s in memory.spans if s["name"] == fetch.__qualname__]
    assert len(fetches) == 3
    assert {s["parent_span_id"] for s in fetches} == {agent["span_id"]}
    assert len({s["span_id"] for s in fetches}) == 3
    assert {s["trace_id"] for s in fetches} == {agent["trace_id"]}
    assert agent["end_time"] >= max(s["end_time"] for s in fetches)
    assert asyncio.iscoroutinefunction(fetch)


def test_concurrent_top_level_tasks_get_separate_traces(memory: InMemoryExporter) -> None:
    async def main() -> None:
        await asyncio.gather(crawl(["x"]), crawl(["y"]))

    asyncio.run(main())
    agents = [s for s in memory.spans if s["name"] == crawl.__qualname__]
    assert len({s["trace_id"] for s in agents}) == 2
    assert all(s["parent_span_id"] is None for s in agents)


def test_async_exception_recorded_and_reraised(memory: InMemoryExporter) -> None:
    @observe(kind="tool")
    async def broken() -> None:
        await asyncio.sleep(0)
        raise ValueError("bad tool input")

    with pytest.raises(ValueError, match="bad tool input"):
        asyncio.run(broken())
    assert memory.spans[0]["status"] == "ERROR"
    assert memory.spans[0]["events"][0]["attributes"]["exception.type"] == "ValueError"


# -- generators ---------------------------------------------------------------------------------
@observe(kind="llm")
def stream_tokens(prompt: str) -> Generator[str, None, None]:
    for token in ("Hel", "lo", "!"):
        search(token, limit=1)  # a child span opened while streaming
        yield token


def test_generator_span_ends_when_exhausted(memory: InMemoryExporter) -> None:
    stream = stream_tokens("hi")
    assert next(stream) == "Hel"
    assert stream_tokens.__qualname__ not in [s["name"] for s in memory.spans]  # still open
    with agentstack.start_span("consumer") as consumer:
        assert next(stream) == "lo"  # consumer's span is current between the generator's steps
        assert agentstack.get_current_span() is consumer
    assert list(stream) == ["!"]
    span = memory.by_name(stream_tokens.__qualname__)
    assert span["status"] == "OK"
    assert json.loads(span["output"]) == "Hello!"
    children = [s for s in memory.spans if s["name"] == search.__qualname__]
    assert len(children) == 3 and {c["parent_span_id"] for c in children} == {span["span_id"]}
    assert memory.by_name("consumer")["trace_id"] != span["trace_id"]


def test_generator_closed_early_ends_its_span(memory: InMemoryExporter) -> None:
    for token in stream_tokens("hi"):
        break
    stream = stream_tokens("again")
    next(stream)
    stream.close()
    spans = [s for s in memory.spans if s["name"] == stream_tokens.__qualname__]
    assert len(spans) == 2 and {s["status"] for s in spans} == {"OK"}
    assert json.loads(spans[1]["output"]) == "Hel"


def test_generator_failure_and_send_and_return_value(memory: InMemoryExporter) -> None:
    @observe
    def accumulate() -> Generator[int, int | None, None]:
        total = 0
        while True:
            value = yield total
            if value is None:
                raise RuntimeError("stream broke")
            total += value

    stream = accumulate()
    assert next(stream) == 0
    assert stream.send(5) == 5
    with pytest.raises(RuntimeError, match="stream broke"):
        next(stream)
    span = memory.by_name(accumulate.__qualname__)
    assert span["status"] == "ERROR" and span["status_message"] == "stream broke"
    assert json.loads(span["output"]) == [0, 5]

    @observe
    def with_return() -> Generator[int, None, int]:
        yield 1
        return 42

    def delegate() -> Iterator[int]:
        result = yield from with_return()
        assert result == 42

    assert list(delegate()) == [1]


def test_exception_thrown_into_generator_is_forwarded(memory: InMemoryExporter) -> None:
    @observe
    def resilient() -> Generator[str, None, None]:
        try:
            yield "first"
        except KeyError:
            yield "recovered"

    stream = resilient()
    next(stream)
    assert stream.throw(KeyError("x")) == "recovered"
    stream.close()
    assert memory.spans[-1]["status"] == "OK"


@observe(kind="llm")
async def astream(prompt: str) -> AsyncGenerator[str, None]:
    for token in ("a", "b", "c"):
        await fetch(token)
        yield token


def test_async_generator_span_ends_when_exhausted_closed_or_failed(memory: InMemoryExporter) -> None:
    @observe
    async def failing() -> AsyncIterator[int]:
        yield 1
        raise ConnectionError("stream dropped")

    async def main() -> None:
        assert [t async for t in astream("p")] == ["a", "b", "c"]
        stream = astream("q")
        assert await stream.__anext__() == "a"
        assert astream.__qualname__ in [s["name"] for s in memory.spans]  # the first one only
        await stream.aclose()
        with pytest.raises(ConnectionError):
            async for _ in failing():
                pass

    asyncio.run(main())
    streams = [s for s in memory.spans if s["name"] == astream.__qualname__]
    assert len(streams) == 2
    done, closed = streams
    assert json.loads(done["output"]) == "abc" and done["status"] == "OK"
    assert json.loads(closed["output"]) == "a" and closed["status"] == "OK"
    fetches = [s for s in memory.spans if s["name"] == fetch.__qualname__ and s["trace_id"] == done["trace_id"]]
    assert len(fetches) == 3 and {f["parent_span_id"] for f in fetches} == {done["span_id"]}
    failed = memory.by_name(failing.__qualname__)
    assert failed["status"] == "ERROR" and failed["status_message"] == "stream dropped"


# -- capture ------------------------------------------------------------------------------------
class BadRepr:
    def __repr__(self) -> str:
        raise RuntimeError("repr exploded")


@dataclasses.dataclass
class Document:
    title: str
    score: float


class Opaque:
    __slots__ = ("x",)

    def __repr__(self) -> str:
        return "Opaque(x=?)"


def test_odd_objects_are_captured_without_failing(memory: InMemoryExporter) -> None:
    cyclic: list[Any] = [1]
    cyclic.append(cyclic)

    @observe
    def odd(*args: Any, **kwargs: Any) -> Any:
        return {1: Opaque(), (2, 3): b"\x00\xff", "when": dt.datetime(2026, 1, 2, 3, 4, 5)}

    odd(BadRepr(), cyclic, {"docs": [Document("a", 0.5)]}, {1, 2}, float("inf"), flag=True)
    span = memory.spans[0]
    captured = json.loads(span["input"])
    assert captured["args"][0] == "<BadRepr object (repr failed)>"
    assert captured["args"][1] == [1, "<cycle>"]
    assert captured["args"][2] == {"docs": [{"title": "a", "score": 0.5}]}
    assert sorted(captured["args"][3]) == [1, 2]
    assert captured["args"][4] == "inf"
    assert captured["kwargs"] == {"flag": True}
    output = json.loads(span["output"])
    assert output == {"1": "Opaque(x=?)", "(2, 3)": "<2 bytes>", "when": "2026-01-02T03:04:05"}


def test_large_values_are_truncated_to_16kb(memory: InMemoryExporter) -> None:
    @observe
    def echo(text: str) -> str:
        return text

    big = "é" * 50_000  # 2 bytes per character in UTF-8
    assert echo(big) == big
    span = memory.spans[0]
    for field in ("input", "output"):
        assert len(span[field].encode("utf-8")) <= MAX_CAPTURE_BYTES
        assert span[field].endswith(TRUNCATION_MARKER)


def test_capture_can_be_turned_off(memory: InMemoryExporter) -> None:
    @observe(capture_input=False)
    def secret_in(password: str) -> str:
        return "ok"

    @observe(capture_output=False)
    def secret_out() -> str:
        return "token"

    secret_in("hunter2")
    secret_out()
    assert memory.spans[0]["input"] is None and json.loads(memory.spans[0]["output"]) == "ok"
    assert memory.spans[1]["output"] is None

    quiet = InMemoryExporter()
    agentstack.configure(exporter=quiet, capture_content=False)
    search("private")
    assert quiet.spans[0]["input"] is None and quiet.spans[0]["output"] is None


def test_invalid_options_fail_at_decoration_time() -> None:
    with pytest.raises(ValueError, match="kind"):
        observe(kind="Not A Kind")
    with pytest.raises(ValueError, match="name"):
        observe(name="")
