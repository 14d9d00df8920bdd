"""The live feed in Chromium: the Live page shows spans sent through the SDK within 2 s, and an open
trace view grows while its agent is still running (screenshots before and after)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from .browser import admin, browser, log_in, new_page, shot  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

AGENT = """
import sys, time
import agentstack
from agentstack import SpanKind, observe

@observe(name="live-step", kind=SpanKind.TOOL)
def step(i):
    time.sleep(0.05)
    return i

@observe(name="live-llm", kind=SpanKind.LLM)
def think(i):
    agentstack.set_llm(model="gpt-4o-mini", input_tokens=120 + i, output_tokens=30)
    return "ok"

@observe(name=sys.argv[3], kind=SpanKind.AGENT)
def run(n, pause):
    print(agentstack.get_current_trace_id(), flush=True)
    for i in range(n):
        step(i)
        think(i)
        time.sleep(pause)

run(int(sys.argv[1]), float(sys.argv[2]))
agentstack.flush()
"""


def agent_env(stack) -> dict[str, str]:
    return {**stack.agent_env(), "AGENTSTACK_EXPORT_INTERVAL": "200", "AGENTSTACK_OFFLINE": "false"}


def open_live_page(stack, browser, admin, sockets: list[str] | None = None):  # noqa: F811
    page = new_page(browser, stack.base_url)
    if sockets is not None:
        page.on("websocket", lambda ws: sockets.append(ws.url))
    page.goto(f"/p/{stack.project_id}/live")
    log_in(page, admin.email, admin.password)
    page.get_by_test_id("live-page").wait_for()
    page.wait_for_selector('[data-testid="live-status"][data-status="live"]', timeout=15_000)
    return page


def test_live_page_shows_sdk_spans_within_two_seconds(stack, admin, browser, artifacts_dir):  # noqa: F811
    sockets: list[str] = []
    page = open_live_page(stack, browser, admin, sockets)
    # the page went to the live replica's own port (GET /ws/endpoint), not through Serve's proxy
    assert sockets and all(f":{stack.http_port}/" not in url and "ticket=" in url for url in sockets), sockets
    page.get_by_test_id("live-empty").wait_for()
    shot(page, artifacts_dir, "live-waiting")
    run = subprocess.run([sys.executable, "-c", AGENT, "3", "0", "live-page-agent"], env=agent_env(stack),
                         capture_output=True, text=True, timeout=60)
    sent = time.monotonic()  # the agent has exited: its spans were accepted by ingest
    assert run.returncode == 0, run.stderr
    trace_id = run.stdout.split()[0]
    page.wait_for_function("() => document.querySelectorAll('[data-testid=\"live-span-row\"]').length >= 7", timeout=10_000)
    elapsed = time.monotonic() - sent
    print(f"7 SDK spans on the Live page {elapsed:.2f}s after the agent exited")
    assert elapsed <= 2.0, f"spans took {elapsed:.2f}s to appear on the Live page"
    assert page.locator('[data-testid="live-trace"]').first.inner_text().startswith("live-page-agent")
    assert trace_id[:8] in page.get_by_test_id("live-span-list").inner_text()
    shot(page, artifacts_dir, "live-spans")
    # filters go to the server: only llm spans of new traces; clear empties the view
    page.get_by_test_id("live-clear").click()
    page.get_by_test_id("live-empty").wait_for()
    page.get_by_test_id("live-filter-kind").select_option("llm")
    time.sleep(0.5)
    run = subprocess.run([sys.executable, "-c", AGENT, "2", "0", "live-filtered"], env=agent_env(stack),
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    page.wait_for_function("() => document.querySelectorAll('[data-testid=\"live-span-row\"]').length >= 2", timeout=10_000)
    time.sleep(1)
    kinds = [k.lower() for k in page.locator('[data-testid="live-span-row"] [data-testid="kind-badge"]').all_inner_texts()]
    assert kinds == ["llm", "llm"], kinds
    page.get_by_test_id("live-pause").click()
    page.wait_for_selector('[data-testid="live-status"][data-status="paused"]')
    shot(page, artifacts_dir, "live-filtered-paused")
    page.get_by_test_id("live-resume").click()
    page.wait_for_selector('[data-testid="live-status"][data-status="live"]', timeout=15_000)
    page.context.close()


def test_open_trace_view_grows_while_the_agent_runs(stack, admin, browser, artifacts_dir):  # noqa: F811
    # 8 steps 1.5 s apart (2 spans each, then the root): long enough that a page which takes seconds to log in on a
    # loaded machine still sees the trace grow while the agent runs.
    agent = subprocess.Popen([sys.executable, "-c", AGENT, "8", "1.5", "slow-agent"], env=agent_env(stack),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        trace_id = agent.stdout.readline().strip()  # type: ignore[union-attr]
        assert len(trace_id) == 32, trace_id
        page = new_page(browser, stack.base_url)
        page.goto(f"/p/{stack.project_id}/traces/{trace_id}")
        log_in(page, admin.email, admin.password)
        rows = page.locator('[data-testid="span-row"]')
        page.wait_for_function("() => document.querySelectorAll('[data-testid=\"span-row\"]').length >= 2", timeout=20_000)
        before = rows.count()
        assert agent.poll() is None, "the agent must still be running for the 'before' picture"
        shot(page, artifacts_dir, "live-trace-before")
        page.wait_for_function(f"() => document.querySelectorAll('[data-testid=\"span-row\"]').length >= {before + 2}", timeout=20_000)
        grown = rows.count()
        assert agent.poll() is None or grown > before
        shot(page, artifacts_dir, "live-trace-growing")
        assert agent.wait(timeout=60) == 0, agent.stderr.read()  # type: ignore[union-attr]
        # the root span arrives last: the children that showed as roots are re-parented under it
        page.wait_for_function("() => document.querySelectorAll('[data-testid=\"span-row\"]').length === 17", timeout=20_000)
        page.wait_for_timeout(1500)
        first = rows.first.inner_text()
        assert "slow-agent" in first, first
        shot(page, artifacts_dir, "live-trace-after")
        page.context.close()
    finally:
        if agent.poll() is None:
            agent.kill()
