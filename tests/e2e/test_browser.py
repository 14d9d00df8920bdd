"""The web UI in Debian's headless Chromium: log in, `make demo`'s traces listed, one opened as a
waterfall; a deep link without a session goes through the login page and back."""

from __future__ import annotations

import pytest

from .browser import admin, browser, log_in, new_page, shot  # noqa: F401 - fixtures
from .conftest import ROOT

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_trace(stack):
    """Run `make demo`'s script against the stack; return its largest trace's summary and project id."""
    run = stack.run_agent(ROOT / "sdk" / "examples" / "demo.py")
    assert run.returncode == 0, run.stdout + run.stderr

    def biggest():
        _, page = stack.get("/api/v1/traces?page_size=200")
        candidates = [t for t in page.get("items", []) if t["span_count"] >= 4]
        return max(candidates, key=lambda t: t["span_count"]) if candidates else None

    return {**stack.wait_for(biggest), "project_id": stack.project_id}


def test_ui_lists_demo_traces_and_opens_a_waterfall(stack, admin, demo_trace, browser, artifacts_dir):  # noqa: F811
    page = new_page(browser, stack.base_url)
    page.goto("/")
    page.wait_for_url("**/login")
    shot(page, artifacts_dir, "login")
    log_in(page, admin.email, admin.password)
    page.get_by_test_id("overview-page").wait_for()
    assert page.url.endswith(f"/p/{demo_trace['project_id']}/overview")  # `/` opens the first project's overview
    page.get_by_test_id("nav-traces").click()
    row = page.locator(f'[data-testid="trace-row"][data-trace-id="{demo_trace["trace_id"]}"]')
    row.wait_for(timeout=30_000)
    assert page.get_by_test_id("current-project").inner_text() == "default"
    shot(page, artifacts_dir, "trace-list")

    row.click()
    page.wait_for_url(f"**/p/{demo_trace['project_id']}/traces/{demo_trace['trace_id']}**")
    page.locator('[data-testid="waterfall"]').wait_for()
    span_rows = page.locator('[data-testid="span-row"]')
    # the waterfall is virtualised: it holds every span, and renders the rows in view
    assert page.get_by_test_id("waterfall").get_attribute("data-rows") == str(demo_trace["span_count"])

    llm_row = span_rows.filter(has=page.locator('[data-testid="kind-badge"]', has_text="llm")).first
    llm_span_id = llm_row.get_attribute("data-span-id")
    llm_row.click()
    # the detail panel follows the selection (it re-renders after the click)
    page.locator(f'[data-testid="span-detail"][data-span-id="{llm_span_id}"]').wait_for()
    attributes = page.locator('[data-testid="span-attributes"]')
    attributes.wait_for()
    assert "gen_ai.usage.input_tokens" in attributes.inner_text()
    assert "$" in page.locator('[data-testid="span-highlights"]').inner_text()  # priced by the pipeline
    shot(page, artifacts_dir, "trace-waterfall")

    page.get_by_test_id("back-to-traces").click()
    page.get_by_test_id("trace-list-page").wait_for()
    page.context.close()


def test_deep_link_goes_through_login_and_back(stack, admin, demo_trace, browser, artifacts_dir):  # noqa: F811
    page = new_page(browser, stack.base_url)
    trace_id, project_id = demo_trace["trace_id"], demo_trace["project_id"]
    page.goto(f"/p/{project_id}/traces/{trace_id}")  # no session: 401 → login, remembering the way back
    page.wait_for_url("**/login?next=**")
    assert f"/p/{project_id}/traces/{trace_id}" in page.url.replace("%2F", "/")

    log_in(page, admin.email, "not the password")
    error = page.get_by_test_id("login-error")
    error.wait_for()
    assert "wrong" in error.inner_text().lower()
    shot(page, artifacts_dir, "login-wrong-password")

    log_in(page, admin.email, admin.password)
    page.wait_for_url(f"**/p/{project_id}/traces/{trace_id}")
    page.locator('[data-testid="waterfall"]').wait_for()

    # a link from before projects existed opens the same trace in the default project
    page.goto(f"/traces/{trace_id}")
    page.wait_for_url(f"**/p/{project_id}/traces/{trace_id}")
    page.locator('[data-testid="waterfall"]').wait_for()

    # a trace id the project does not have: a clear 404 state, not an error page
    page.goto(f"/p/{project_id}/traces/{'0' * 32}")
    page.get_by_text("Trace not found").wait_for()
    shot(page, artifacts_dir, "trace-not-found")
    page.context.close()
