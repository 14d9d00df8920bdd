"""Parent/child links across threads, asyncio tasks and fork; head sampling; the SDK never harms the caller."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

import pytest

import agentstack
from agentstack import tracer as tracer_module
from agentstack.store import SpanStore
from agentstack.testing import InMemoryExporter


@agentstack.observe(name="leaf", kind="tool")
def leaf(i: int) -> int:
    return i * 2


def test_context_thread_pool_keeps_the_parent(memory: InMemoryExporter) -> None:
    with agentstack.start_span("fan-out", kind="agent") as parent:
        with agentstack.ContextThreadPoolExecutor(max_workers=4) as pool:
            assert list(pool.map(leaf, range(20))) == [i * 2 for i in range(20)]
            assert pool.submit(leaf, 5).result() == 10
    leaves = [s for s in memory.spans if s["name"] == "leaf"]
    assert len(leaves) == 21
    assert {(s["trace_id"], s["parent_span_id"]) for s in leaves} == {(parent.trace_id, parent.span_id)}


def test_a_plain_thread_pool_starts_new_traces_unless_wrapped(memory: InMemoryExporter) -> None:
    with agentstack.start_span("outer") as parent:
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            pool.submit(leaf, 1).result()  # plain pool: the worker thread has no current span
            pool.submit(agentstack.with_context(leaf), 2).result()
        thread = threading.Thread(target=agentstack.with_context(leaf), args=(3,))
        thread.start()
        thread.join()
    plain, wrapped, threaded = [s for s in memory.spans if s["name"] == "leaf"]
    assert plain["parent_span_id"] is None and plain["trace_id"] != parent.trace_id
    assert wrapped["parent_span_id"] == threaded["parent_span_id"] == parent.span_id


def test_many_threads_and_tasks_at_once_keep_their_own_trees(memory: InMemoryExporter) -> None:
    @agentstack.observe(name="child", kind="tool")
    async def child(i: int) -> int:
        await asyncio.sleep(0)
        return i

    @agentstack.observe(name="task-root", kind="agent")
    async def task_root(n: int) -> list[int]:
        first = asyncio.create_task(child(n))
        rest = await asyncio.gather(*(child(n + k) for k in range(1, 4)))
        return [await first, *rest]

    def thread_main(n: int) -> None:
        async def run() -> None:
            await asyncio.gather(*(task_root(n * 10 + j) for j in range(3)))

        asyncio.run(run())

    threads = [threading.Thread(target=thread_main, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    roots = {s["span_id"]: s for s in memory.spans if s["name"] == "task-root"}
    children = [s for s in memory.spans if s["name"] == "child"]
    assert len(roots) == 12 and len(children) == 48
    assert len({s["trace_id"] for s in roots.values()}) == 12  # every top-level task its own trace
    per_root: dict[str, int] = {}
    for span in children:
        root = roots[span["parent_span_id"]]  # every child hangs under a task root...
        assert span["trace_id"] == root["trace_id"]  # ...of its own trace
        per_root[root["span_id"]] = per_root.get(root["span_id"], 0) + 1
    assert set(per_root.values()) == {4}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_after_fork_the_child_continues_the_trace_and_exports_itself(memory: InMemoryExporter, tmp_path: Path) -> None:
    store = str(tmp_path / "local.db")
    agentstack.configure(store_path=store, export_interval=60_000)  # local mode: spans land in SQLite
    read, write = os.pipe()
    with agentstack.start_span("parent", kind="agent") as parent:
        pid = os.fork()
        if pid == 0:  # the child: the parent's span is still current; the exporter restarts here
            code = 1
            try:
                span = agentstack.start_span("in-child", kind="tool")
                span.end()
                os.write(write, json.dumps([span.span_id, agentstack.flush(5)]).encode())
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        _, status = os.waitpid(pid, 0)
        child_id, flushed = json.loads(os.read(read, 1000))
        os.close(read)
    assert os.waitstatus_to_exitcode(status) == 0 and flushed is True
    sibling = agentstack.start_span("in-parent", parent=parent)  # ids are reseeded in the child: no collisions
    sibling.end()
    assert agentstack.flush(5) is True
    spans = {s["name"]: s for s in SpanStore(store).trace(parent.trace_id)}
    assert spans["in-child"]["parent_span_id"] == parent.span_id
    assert spans["in-child"]["span_id"] == child_id != sibling.span_id
    assert set(spans) == {"parent", "in-child", "in-parent"}


def test_sampling_keeps_or_drops_whole_traces(memory: InMemoryExporter) -> None:
    exporter = InMemoryExporter()
    agentstack.configure(exporter=exporter, sample_rate=0.5)
    kept_roots = 0
    for i in range(400):
        with agentstack.start_span("root") as root:
            leaf(i)
            with agentstack.start_span("mid"):
                leaf(i)
        kept_roots += root.sampled
    spans = exporter.spans
    by_trace: dict[str, list[str]] = {}
    for span in spans:
        by_trace.setdefault(span["trace_id"], []).append(span["name"])
    assert all(sorted(names) == ["leaf", "leaf", "mid", "root"] for names in by_trace.values())  # never partial
    assert len(by_trace) == kept_roots and 120 < kept_roots < 280
    agentstack.configure(exporter=InMemoryExporter(), sample_rate=0.0)
    with agentstack.start_span("never") as never:
        leaf(1)
    assert never.sampled is False and tracer_module.get_tracer().stats()["sent"] == 0


class Unprintable:
    def __repr__(self) -> str:
        raise RuntimeError("repr exploded")

    def __iter__(self) -> Any:
        raise RuntimeError("iter exploded")


def test_nothing_the_sdk_does_reaches_the_caller(memory: InMemoryExporter, caplog: pytest.LogCaptureFixture) -> None:
    @agentstack.observe(name="odd")
    def odd(value: Any) -> Any:
        return value

    thing = Unprintable()
    assert odd(thing) is thing  # an unserialisable argument and result
    assert "repr failed" in memory.by_name("odd")["input"]

    class BrokenExporter(InMemoryExporter):
        def export(self, span: Any) -> None:
            raise OSError("disk full")

    agentstack.configure(exporter=BrokenExporter())
    with caplog.at_level(logging.ERROR, logger="agentstack"):
        assert odd(3) == 3  # an exporter that raises
    assert "disk full" in caplog.text

    def broken_start(*args: Any) -> Any:
        raise RuntimeError("bug in the SDK")

    tracer = tracer_module.get_tracer()
    tracer._start = broken_start  # type: ignore[method-assign]
    dropped = tracer.stats()["dropped"]
    with caplog.at_level(logging.ERROR, logger="agentstack"):
        assert odd(4) == 4  # even a bug in the SDK's own before/after
    assert "bug in the SDK" in caplog.text
    assert tracer.stats()["dropped"] == dropped + 1  # counted as a drop


def test_stats_count_what_happened(memory: InMemoryExporter, tmp_path: Path) -> None:
    agentstack.configure(store_path=str(tmp_path / "s.db"), max_queue_size=5, batch_size=5, export_interval=60_000)
    assert agentstack.stats() == {"queued": 0, "sent": 0, "dropped": 0, "failed": 0, "stored_offline": 0}
    for i in range(3):
        leaf(i)
    assert agentstack.stats()["queued"] == 3  # below the batch size, interval far away: waiting
    assert agentstack.flush(5) is True
    assert agentstack.stats() == {"queued": 0, "sent": 3, "dropped": 0, "failed": 0, "stored_offline": 0}


def test_a_failing_span_start_leaves_generators_working(memory: InMemoryExporter, caplog: pytest.LogCaptureFixture) -> None:
    @agentstack.observe(name="gen")
    def gen(n: int) -> Any:
        total = yield from range(n)
        return total

    @agentstack.observe(name="agen")
    async def agen(n: int) -> Any:
        for i in range(n):
            yield i

    async def collect() -> list[int]:
        return [i async for i in agen(3)]

    def broken_start(*args: Any) -> Any:
        raise RuntimeError("bug in the SDK")

    tracer_module.get_tracer()._start = broken_start  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR, logger="agentstack"):
        assert list(gen(3)) == [0, 1, 2]
        assert asyncio.run(collect()) == [0, 1, 2]
    assert sum("internal error" in r.getMessage() for r in caplog.records) == 2 and memory.spans == []
