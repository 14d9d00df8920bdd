"""The web UI in Debian's headless Chromium: `make demo`'s traces listed, one opened as a waterfall."""

from __future__ import annotations

import pytest

from .conftest import ROOT

CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="module")
def demo_trace(stack):
    """Run `make demo`'s script against the stack and return its largest trace's summary."""
    run = stack.run_agent(ROOT / "sdk" / "examples" / "demo.py")
    assert run.returncode == 0, run.stdout + run.stderr

    def biggest():
        status, page = stack.get("/api/v1/traces?page_size=200")
        candidates = [t for t in page.get("items", []) if t["span_count"] >= 4]
        return max(candidates, key=lambda t: t["span_count"]) if candidates else None

    return stack.wait_for(biggest)


@pytest.fixture(scope="module")
def browser(chromium_executable):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def test_ui_lists_demo_traces_and_opens_a_waterfall(stack, demo_trace, browser, artifacts_dir):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{stack.base_url}/?api_key={stack.api_key}")
    row = page.locator(f'[data-testid="trace-row"][data-trace-id="{demo_trace["trace_id"]}"]')
    row.wait_for(timeout=30_000)
    assert "api_key" not in page.url  # the key left the address bar
    page.screenshot(path=str(artifacts_dir / "trace-list.png"), full_page=True)

    row.click()
    page.wait_for_url(f"**/traces/{demo_trace['trace_id']}**")
    waterfall = page.locator('[data-testid="waterfall"]')
    waterfall.wait_for()
    span_rows = page.locator('[data-testid="span-row"]')
    assert span_rows.count() == demo_trace["span_count"]

    llm_row = span_rows.filter(has=page.locator('[data-testid="kind-badge"]', has_text="llm")).first
    llm_row.click()
    detail = page.locator('[data-testid="span-detail"]')
    assert detail.get_attribute("data-span-id") == llm_row.get_attribute("data-span-id")
    attributes = page.locator('[data-testid="span-attributes"]')
    attributes.wait_for()
    assert "gen_ai.usage.input_tokens" in attributes.inner_text()
    assert "$" in page.locator('[data-testid="span-highlights"]').inner_text()  # priced by the pipeline
    page.screenshot(path=str(artifacts_dir / "trace-waterfall.png"), full_page=True)


def test_deep_link_and_bad_key_in_the_ui(stack, demo_trace, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{stack.base_url}/traces/{demo_trace['trace_id']}")  # SPA deep link, no key yet
    page.locator('[data-testid="api-key-input"]').fill("ak_wrong_key_for_this_ui_test_000")
    page.locator('[data-testid="api-key-save"]').click()
    error = page.locator('[data-testid="api-key-error"]')
    error.wait_for()
    assert "not known" in error.inner_text()
    page.locator('[data-testid="api-key-input"]').fill(stack.api_key)
    page.locator('[data-testid="api-key-save"]').click()
    page.locator('[data-testid="waterfall"]').wait_for()
    context.close()
