"""Shared pieces of the browser tests: Debian's headless Chromium, screenshots, logging in through the UI.

Import the fixtures into a test module (`from .browser import browser`) to use them there; mark the module
`pytestmark = pytest.mark.browser`.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 900}


@pytest.fixture(scope="module")
def browser(chromium_executable: str):
    """One headless Chromium per test module (tests/browser.py finds it)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def new_page(browser, base_url: str, clipboard: bool = False):
    """A page in a fresh context (its own cookies), failing the test on any uncaught page error."""
    context = browser.new_context(viewport=VIEWPORT, base_url=base_url)
    if clipboard:
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.page_errors = errors  # type: ignore[attr-defined]
    return page


def shot(page, artifacts_dir: Path, name: str) -> None:
    """Save a full-page screenshot as test-artifacts/<name>.png (the UI must have no uncaught errors)."""
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(artifacts_dir / f"{name}.png"), full_page=True)
    assert not page.page_errors, page.page_errors  # type: ignore[attr-defined]


def log_in(page, email: str, password: str) -> None:
    """Fill and send the login form of the page currently shown (`/login…`)."""
    page.get_by_test_id("login-page").wait_for()
    page.get_by_test_id("login-email").fill(email)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()


def api(base_url: str, method: str, path: str, body: Any = None, token: str | None = None,
        key: str | None = None) -> tuple[int, Any]:
    """One JSON request to the stack as an API client (bearer token or API key)."""
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if key:
        headers["X-API-Key"] = key
    request = urllib.request.Request(base_url + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        return exc.code, json.loads(raw) if raw else None


@dataclass
class Account:
    email: str
    password: str


@pytest.fixture(scope="module")
def admin(stack) -> Account:
    """The stack's instance admin (created by headless init from the stack's AGENTSTACK_INIT_USER_*)."""
    return Account(stack.admin_email, stack.admin_password)


def token_for(base_url: str, email: str, password: str) -> str:
    """A bearer token of `email` (logging in as an API client)."""
    status, body = api(base_url, "POST", "/api/v1/auth/login", {"email": email, "password": password})
    assert status == 200, body
    return body["access_token"]
