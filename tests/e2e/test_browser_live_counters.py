"""The Security page and the Overview follow the live feed in Chromium: a span leaking an email and a
secret, sent through the SDK while the page is open, shows up as alerts with their counts (chips, summary)
without a reload, and the Overview's counters (traces, open alerts, cost) move the same way. While the
socket is live the pages do not poll. The alert trend chart drops its tooltip when the range changes.

The tests share one project made for them (`livecounters`), so other tests' alerts do not show up here.
Screenshots: test-artifacts/livecounters-*.png.
"""

from __future__ import annotations

import random
import string
import subprocess
import sys
import time
from typing import Any

import pytest

from .browser import browser, log_in, new_page, shot  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

AGENT = """
import sys
import agentstack
from agentstack import SpanKind, observe

@observe(name="fetch_customer", kind=SpanKind.TOOL)
def fetch_customer(customer_email, aws_key):
    return "found"

@observe(name="chat gpt-4o-mini", kind=SpanKind.LLM)
def think():
    agentstack.set_llm(model="gpt-4o-mini", input_tokens=40000, output_tokens=8000)
    return "ok"

@observe(name=sys.argv[1], kind=SpanKind.AGENT)
def run():
    print(agentstack.get_current_trace_id(), flush=True)
    fetch_customer(sys.argv[2], sys.argv[3])
    think()

run()
agentstack.flush()
"""

# Requests of the pages' data (the socket is not one of them).
ALERT_REQUESTS = ("/api/v1/security/alerts", "/api/v1/security/summary")
OVERVIEW_REQUESTS = ("/api/v1/overview",)


@pytest.fixture(scope="module")
def project(stack) -> dict[str, Any]:
    """A project of its own (id, ingest key), made by the admin through the API."""
    status, body = stack.as_admin("POST", "/api/v1/projects", {"name": "livecounters"})
    assert status == 201, body
    return {"id": body["project"]["id"], "key": body["api_key"]["key"]}


def leak(stack, project, name: str) -> tuple[str, str, str]:
    """Run an SDK agent whose tool span carries a fresh email and AWS key; returns (trace id, email, key)."""
    tag = "".join(random.choices(string.ascii_lowercase, k=6))
    secret = "AKIA" + "".join(random.choices(string.ascii_uppercase + "234567", k=16))
    env = {**stack.agent_env(), "AGENTSTACK_API_KEY": project["key"], "AGENTSTACK_EXPORT_INTERVAL": "200",
           "AGENTSTACK_OFFLINE": "false",
           # the SDK scrubs emails and keys before export by default; this agent has that turned off, so the
           # server's scanner is what catches the leak
           "AGENTSTACK_SANITIZE": "false"}
    email = f"jane.{tag}@example.com"
    run = subprocess.run([sys.executable, "-c", AGENT, name, email, secret], env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return run.stdout.split()[0], email, secret


def open_page(stack, browser, path: str, ready: str):  # noqa: F811
    """Log in on `path` and wait for the page and its live socket; counts the page's data requests."""
    page = new_page(browser, stack.base_url)
    page.goto(path)
    log_in(page, stack.admin_email, stack.admin_password)
    page.get_by_test_id(ready).wait_for()
    page.wait_for_selector('[data-testid="live-status"][data-status="live"]', timeout=15_000)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.requests = requests  # type: ignore[attr-defined]
    page.evaluate("() => { window.__notReloaded = true; }")
    page.mouse.move(5, 890)  # off the charts (the login button was where the chart is now): no hover tooltip in shots
    return page


def alerts_of(stack, project, trace_id: str) -> list[dict[str, Any]]:
    status, body = stack.as_admin(
        "GET", f"/api/v1/security/alerts?project_id={project['id']}&start=2020-01-01T00:00:00Z&trace_id={trace_id}")
    assert status == 200, body
    return body["items"]


def data_requests(page, paths: tuple[str, ...]) -> int:
    return sum(1 for url in page.requests if any(p in url for p in paths))  # type: ignore[attr-defined]


def chip_counts(page) -> dict[str, str]:
    return {s: page.get_by_test_id(f"chip-{s}").locator(".chip-count").inner_text()
            for s in ("low", "medium", "high", "critical")}


def open_alerts(page) -> int:
    return page.evaluate("""() => ['low', 'medium', 'high', 'critical'].reduce((sum, s) =>
        sum + Number(document.querySelector(`[data-testid="overview-alerts-${s}"] .chip-count`).textContent.replace(/,/g, '')), 0)""")


def test_security_page_shows_new_alerts_and_counts_live(stack, browser, artifacts_dir, project):  # noqa: F811
    page = open_page(stack, browser, f"/p/{project['id']}/security", "security-page")
    page.get_by_test_id("alerts-empty").wait_for()
    assert chip_counts(page) == {"low": "0", "medium": "0", "high": "0", "critical": "0"}
    # live: no polling (the fallback polls every 5 s while the socket is not connected)
    before = data_requests(page, ALERT_REQUESTS)
    page.wait_for_timeout(7000)
    assert data_requests(page, ALERT_REQUESTS) == before, "the page polled while its socket was live"
    shot(page, artifacts_dir, "livecounters-security-before")

    trace_id, email, secret = leak(stack, project, "leaky-agent-1")
    sent = time.monotonic()
    stored = stack.wait_for(lambda: len(alerts_of(stack, project, trace_id)) >= 2 or None, timeout=60)
    print(f"alerts stored {time.monotonic() - sent:.2f}s after the agent exited ({stored})")
    page.wait_for_function("() => document.querySelectorAll('[data-testid=\"alert-row\"]').length >= 2", timeout=30_000)
    print(f"alerts on the Security page {time.monotonic() - sent:.2f}s after the agent exited")
    page.wait_for_function("""() => ['low', 'medium', 'high', 'critical'].reduce((sum, s) => sum + Number(
        document.querySelector(`[data-testid="chip-${s}"] .chip-count`).textContent), 0) >= 2""", timeout=10_000)
    rules = set(page.locator('[data-testid="alert-row"]').evaluate_all("rows => rows.map(r => r.dataset.rule)"))
    assert {"pii", "secret"} <= rules, rules
    table = page.get_by_test_id("alert-table").inner_text()
    assert email not in table and secret not in table  # redacted excerpts only
    assert "alerts in this time range" in page.locator(".page-subtitle").inner_text()
    assert page.evaluate("() => window.__notReloaded === true"), "the page was reloaded"
    rows = page.locator('[data-testid="alert-row"]').count()
    shot(page, artifacts_dir, "livecounters-security-after")

    # a second leak while the page stays open: the list grows again, newest first
    second, _, _ = leak(stack, project, "leaky-agent-2")
    page.wait_for_function(f"() => document.querySelectorAll('[data-testid=\"alert-row\"]').length >= {rows + 2}", timeout=30_000)
    # the list and the summary are refetched together but answer separately: the chips follow within seconds
    page.wait_for_function(f"""() => ['low', 'medium', 'high', 'critical'].reduce((sum, s) => sum + Number(
        document.querySelector(`[data-testid="chip-${{s}}"] .chip-count`).textContent), 0) >= {rows + 2}""", timeout=10_000)
    api_total = sum(v["total"] for v in stack.as_admin(
        "GET", f"/api/v1/security/summary?project_id={project['id']}")[1]["by_severity"].values())
    page.wait_for_function(f"""() => ['low', 'medium', 'high', 'critical'].reduce((sum, s) => sum + Number(
        document.querySelector(`[data-testid="chip-${{s}}"] .chip-count`).textContent), 0) === {api_total}""", timeout=10_000)
    assert trace_id != second
    assert page.evaluate("() => window.__notReloaded === true"), "the page was reloaded"

    # the trend chart: hover a bar (tooltip), change the range: the tooltip goes with the old range
    chart = page.get_by_test_id("alert-trend").locator(".chart-body")
    box = chart.bounding_box()
    assert box is not None
    tooltip = page.get_by_test_id("alert-trend").locator(".recharts-tooltip-wrapper")
    for fraction in (0.97, 0.9, 0.8, 0.6):  # the newest buckets hold the alerts; any bucket shows a tooltip
        page.mouse.move(box["x"] + box["width"] * fraction, box["y"] + box["height"] / 2)
        if tooltip.count() and tooltip.first.is_visible() and tooltip.first.inner_text().strip():
            break
    assert tooltip.first.inner_text().strip(), "no tooltip over the trend chart"
    # the range changes while the pointer stays on the chart (a tap on a touch screen, or the keyboard, moves no
    # mouse off it): the chart's hover state must not outlive the range it was about
    page.get_by_test_id("range-1h").evaluate("button => button.click()")
    page.wait_for_function("() => location.search.includes('range=1h')")
    page.wait_for_timeout(500)
    assert tooltip.count() == 0 or not tooltip.first.is_visible() or not tooltip.first.inner_text().strip(), \
        "the tooltip of the old range is still shown"
    shot(page, artifacts_dir, "livecounters-security-range-changed")
    page.context.close()


def test_overview_counters_follow_the_live_feed(stack, browser, artifacts_dir, project):  # noqa: F811
    page = open_page(stack, browser, "/", "overview-page")
    page.goto(f"/p/{project['id']}/overview")  # `/` opened the default project; switch to this one
    page.get_by_test_id("overview-cards").wait_for()
    page.wait_for_selector('[data-testid="live-status"][data-status="live"]', timeout=15_000)
    page.evaluate("() => { window.__notReloaded = true; }")
    page.wait_for_timeout(1000)
    traces_before = int(page.get_by_test_id("card-traces-value").inner_text().replace(",", ""))
    alerts_before = open_alerts(page)
    cost_before = page.get_by_test_id("card-cost-value").inner_text()
    before = data_requests(page, OVERVIEW_REQUESTS)
    page.wait_for_timeout(12_000)  # longer than the offline poll (10 s), shorter than the live one (30 s)
    assert data_requests(page, OVERVIEW_REQUESTS) == before, "the overview polled every 10 s while its socket was live"
    shot(page, artifacts_dir, "livecounters-overview-before")

    leak(stack, project, "leaky-agent-3")
    sent = time.monotonic()
    page.wait_for_function(
        f"() => Number(document.querySelector('[data-testid=\"card-traces-value\"]').textContent.replace(/,/g, '')) > {traces_before}",
        timeout=30_000)
    print(f"traces card moved {time.monotonic() - sent:.2f}s after the agent exited")
    page.wait_for_function(f"""() => ['low', 'medium', 'high', 'critical'].reduce((sum, s) => sum + Number(document.querySelector(
        `[data-testid="overview-alerts-${{s}}"] .chip-count`).textContent.replace(/,/g, '')), 0) >= {alerts_before + 2}""",
        timeout=30_000)
    print(f"open alerts moved {time.monotonic() - sent:.2f}s after the agent exited")
    page.wait_for_function(
        f"() => document.querySelector('[data-testid=\"card-cost-value\"]').textContent !== {cost_before!r}", timeout=30_000)
    print(f"cost card moved {time.monotonic() - sent:.2f}s after the agent exited")
    assert page.evaluate("() => window.__notReloaded === true"), "the page was reloaded"
    status, body = stack.as_admin("GET", f"/api/v1/overview?project_id={project['id']}")
    assert status == 200, body
    stack.wait_for(lambda: page.get_by_test_id("card-traces-value").inner_text() == f"{body['cards']['traces']:,}", timeout=10)
    shot(page, artifacts_dir, "livecounters-overview-after")
    page.context.close()
