"""Accounts in the browser, on the real stack: projects (key shown once), the project switcher, API keys,
members and roles, what a viewer may not do, password change, logging out (here and everywhere).

The tests run in file order and share one project (`state`), created through the UI by the first.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from .browser import Account, admin, api, browser, log_in, new_page, shot, token_for  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

PROJECT = "browser-project"
RENAMED = "browser-project-renamed"
TRACE = "b10b5e4b10b5e4b10b5e4b10b5e4b10b"


@pytest.fixture(scope="module")
def state() -> dict[str, Any]:
    return {}


@pytest.fixture(scope="module")
def colleague() -> Account:
    """A second user: the admin creates the account in Settings → Users during the first test."""
    return Account("browser-colleague@example.com", "colleague password 1")


def span(trace_id: str) -> dict[str, Any]:
    now = time.time_ns()
    return {"trace_id": trace_id, "span_id": "5" * 16, "parent_span_id": None, "name": "browser-made span",
            "kind": "agent", "start_time": now - 5_000_000, "end_time": now}


def member_row(page, email: str):
    return page.locator(f'[data-testid="member-row"][data-email="{email}"]')


def test_admin_creates_a_project_and_manages_keys_and_members(stack, admin, colleague, browser, artifacts_dir, state):  # noqa: F811
    page = new_page(browser, stack.base_url, clipboard=True)
    page.goto("/settings")
    page.wait_for_url("**/login?next=%2Fsettings")
    log_in(page, admin.email, admin.password)
    page.get_by_test_id("panel-projects").wait_for()  # back where they were going: settings, first project
    page.get_by_test_id("projects-table").wait_for()
    shot(page, artifacts_dir, "settings-projects")

    # create a project: its ingest key is shown once, with the environment lines to paste
    page.get_by_test_id("create-project-name").fill(PROJECT)
    page.get_by_test_id("create-project-submit").click()
    dialog = page.get_by_test_id("key-created-dialog")
    dialog.wait_for()
    key = page.get_by_test_id("created-key").inner_text().strip()
    assert key.startswith("ak_")
    env = page.get_by_test_id("created-key-env").inner_text()
    assert f"AGENTSTACK_API_KEY={key}" in env and "AGENTSTACK_COLLECTOR_URL=" in env
    page.get_by_test_id("copy-key").click()
    assert page.evaluate("navigator.clipboard.readText()") == key
    shot(page, artifacts_dir, "project-created-key-dialog")

    # the key shown is the project's: spans sent with it appear in that project's trace list
    status, body = api(stack.base_url, "POST", "/v1/traces", [span(TRACE)], key=key)
    assert status == 202, body
    page.get_by_test_id("key-dialog-action").click()  # "Open the project"
    page.get_by_test_id("trace-list-page").wait_for()
    assert page.get_by_test_id("current-project").inner_text() == PROJECT
    state["project_id"] = page.url.split("/p/")[1].split("/")[0]
    page.locator(f'[data-testid="trace-row"][data-trace-id="{TRACE}"]').wait_for(timeout=60_000)
    shot(page, artifacts_dir, "project-traces")

    # the switcher moves between projects, keeping the section
    page.get_by_test_id("project-switcher").click()
    page.get_by_test_id("project-switcher-menu").wait_for()
    shot(page, artifacts_dir, "project-switcher")
    page.locator('[data-testid="project-option"]', has_text="default").click()
    page.wait_for_url("**/traces")
    assert page.get_by_test_id("current-project").inner_text() == "default"
    assert f"/p/{state['project_id']}/" not in page.url
    assert page.locator(f'[data-testid="trace-row"][data-trace-id="{TRACE}"]').count() == 0
    page.get_by_test_id("project-switcher").click()
    page.locator(f'[data-testid="project-option"][data-project-id="{state["project_id"]}"]').click()
    page.wait_for_url(f"**/p/{state['project_id']}/traces")

    # API keys: create a read key (shown once), see it listed, revoke it
    page.get_by_test_id("nav-settings").click()
    page.get_by_test_id("tab-keys").click()
    page.get_by_test_id("keys-table").wait_for()
    page.get_by_test_id("create-key-name").fill("browser reader")
    page.get_by_test_id("create-key-scope").select_option("read")
    page.get_by_test_id("create-key-submit").click()
    read_key = page.get_by_test_id("created-key").inner_text().strip()
    page.get_by_test_id("key-dialog-done").click()
    row = page.locator('[data-testid="key-row"][data-key-name="browser reader"]')
    row.wait_for()
    shown_prefix = row.get_by_test_id("key-prefix").inner_text().strip().rstrip("…")
    assert "read" in row.inner_text() and len(shown_prefix) >= 5 and read_key.startswith(shown_prefix)
    assert read_key not in page.content()  # listed by prefix only, once the dialog is closed
    status, body = api(stack.base_url, "GET", "/api/v1/traces", key=read_key)
    assert status == 200 and TRACE in [t["trace_id"] for t in body["items"]], body
    shot(page, artifacts_dir, "settings-keys")

    row.get_by_test_id("revoke-key").click()
    page.get_by_test_id("revoke-key-dialog").wait_for()
    shot(page, artifacts_dir, "revoke-key-dialog")
    page.get_by_test_id("confirm-button").click()
    row.get_by_test_id("key-revoked").wait_for()
    stack.wait_for(lambda: api(stack.base_url, "GET", "/api/v1/traces", key=read_key)[0] == 401, timeout=5.5,
                   interval=0.25)

    # users (instance admins): create the colleague's account with an initial password
    page.get_by_test_id("tab-users").click()
    page.get_by_test_id("users-table").wait_for()
    page.get_by_test_id("create-user-email").fill(colleague.email)
    page.get_by_test_id("create-user-password").fill("short")
    page.get_by_test_id("create-user-submit").click()
    assert "at least 8 characters" in page.get_by_test_id("create-user-error").inner_text()
    page.get_by_test_id("create-user-password").fill(colleague.password)
    page.get_by_test_id("create-user-submit").click()
    page.get_by_test_id("user-created").wait_for()
    page.locator(f'[data-testid="user-row"][data-email="{colleague.email}"]').wait_for()

    # members: an unknown email is explained; the colleague joins as viewer, then becomes member
    page.get_by_test_id("tab-members").click()
    page.get_by_test_id("members-table").wait_for()
    page.get_by_test_id("add-member-email").fill("nobody-here@example.com")
    page.get_by_test_id("add-member-submit").click()
    assert "No user with the email" in page.get_by_test_id("add-member-error").inner_text()
    page.get_by_test_id("add-member-email").fill(colleague.email)
    page.get_by_test_id("add-member-role").select_option("viewer")
    page.get_by_test_id("add-member-submit").click()
    member_row(page, colleague.email).wait_for()
    assert member_row(page, colleague.email).get_by_test_id("member-role").input_value() == "viewer"
    member_row(page, colleague.email).get_by_test_id("member-role").select_option("member")
    token = token_for(stack.base_url, admin.email, admin.password)

    def colleague_role():
        _, members = api(stack.base_url, "GET", f"/api/v1/projects/{state['project_id']}/members", token=token)
        return next((m["role"] for m in members["items"] if m["email"] == colleague.email), None)

    assert stack.wait_for(lambda: colleague_role() == "member", timeout=10)
    member_row(page, colleague.email).get_by_test_id("member-role").select_option("viewer")
    assert stack.wait_for(lambda: colleague_role() == "viewer", timeout=10)
    shot(page, artifacts_dir, "settings-members")

    # rename: the switcher follows
    page.get_by_test_id("tab-projects").click()
    project_row = page.locator(f'[data-testid="project-row"][data-project-id="{state["project_id"]}"]')
    project_row.get_by_test_id("rename-project").click()
    project_row.get_by_test_id("rename-input").fill(RENAMED)
    project_row.get_by_test_id("rename-save").click()
    project_row.get_by_test_id("project-name").filter(has_text=RENAMED).wait_for()
    page.get_by_test_id("current-project").filter(has_text=RENAMED).wait_for()
    page.context.close()


def test_a_viewer_sees_why_and_manages_their_own_account(stack, colleague, browser, artifacts_dir, state):  # noqa: F811
    page = new_page(browser, stack.base_url)
    page.goto("/")
    log_in(page, colleague.email, colleague.password)
    page.get_by_test_id("overview-page").wait_for()  # a project's landing page
    assert page.get_by_test_id("current-project").inner_text() == RENAMED  # their only project

    page.get_by_test_id("nav-settings").click()
    row = page.locator(f'[data-testid="project-row"][data-project-id="{state["project_id"]}"]')
    assert row.get_by_test_id("rename-project").is_disabled()
    assert "Only owners can delete" in row.get_by_test_id("delete-project").get_attribute("title")
    page.get_by_test_id("tab-keys").click()
    assert "Only admins and owners" in page.get_by_test_id("keys-denied").inner_text()
    page.get_by_test_id("tab-members").click()
    page.get_by_test_id("members-denied").wait_for()
    member_row(page, colleague.email).wait_for()
    assert page.get_by_test_id("member-role").count() == 0  # roles are shown, not editable
    shot(page, artifacts_dir, "viewer-members")

    # change password: the wrong current one is refused at its field, the right one works
    page.get_by_test_id("tab-account").click()
    new_password = "colleague password 2"
    page.get_by_test_id("current-password").fill("not my password")
    page.get_by_test_id("new-password").fill(new_password)
    page.get_by_test_id("repeat-password").fill(new_password)
    page.get_by_test_id("change-password").click()
    page.get_by_text("current password is wrong").wait_for()
    page.get_by_test_id("current-password").fill(colleague.password)
    page.get_by_test_id("change-password").click()
    page.get_by_test_id("password-changed").wait_for()
    shot(page, artifacts_dir, "settings-account")
    assert api(stack.base_url, "POST", "/api/v1/auth/login",
               {"email": colleague.email, "password": colleague.password})[0] == 401
    colleague.password = new_password

    # log out everywhere: another browser's session ends too, and its next request leads to login and back
    other = new_page(browser, stack.base_url)
    other.goto(f"/p/{state['project_id']}/settings/members")
    log_in(other, colleague.email, colleague.password)
    other.get_by_test_id("members-table").wait_for()
    page.get_by_test_id("logout-all").click()
    page.get_by_test_id("logout-all-dialog").wait_for()
    page.get_by_test_id("confirm-button").click()
    page.get_by_test_id("login-page").wait_for()
    assert "logged out on every device" in page.get_by_test_id("login-notice").inner_text()
    shot(page, artifacts_dir, "logged-out-everywhere")

    session = next(c["value"] for c in other.context.cookies() if c["name"] == "agentstack_session")
    stack.wait_for(lambda: api(stack.base_url, "GET", "/api/v1/auth/me", token=session)[0] == 401, timeout=5.5,
                   interval=0.25)  # revoked on every replica within the cache TTL
    other.get_by_test_id("tab-account").click()  # the other browser learns it at its next request
    other.get_by_test_id("account-email").wait_for()
    other.get_by_test_id("tab-members").click()
    other.wait_for_url("**/login?next=**")
    assert "Log in again" in other.get_by_test_id("login-notice").inner_text()
    shot(other, artifacts_dir, "session-ended-login")
    log_in(other, colleague.email, colleague.password)
    other.wait_for_url(f"**/p/{state['project_id']}/settings/members")
    other.get_by_test_id("members-table").wait_for()
    other.context.close()
    page.context.close()


def test_admin_deletes_the_project_disables_the_colleague_and_logs_out(stack, admin, colleague, browser, artifacts_dir, state):  # noqa: F811
    page = new_page(browser, stack.base_url)
    page.goto(f"/p/{state['project_id']}/settings/projects")
    log_in(page, admin.email, admin.password)
    row = page.locator(f'[data-testid="project-row"][data-project-id="{state["project_id"]}"]')
    row.get_by_test_id("delete-project").click()
    confirm = page.get_by_test_id("confirm-button")
    assert confirm.is_disabled()
    page.get_by_test_id("confirm-input").fill(PROJECT)  # the old name is not the name
    assert confirm.is_disabled()
    page.get_by_test_id("confirm-input").fill(RENAMED)
    shot(page, artifacts_dir, "delete-project-dialog")
    confirm.click()
    notice = page.get_by_test_id("settings-notice")
    notice.wait_for()
    assert f"Project {RENAMED} deleted" in notice.inner_text() and "background" in notice.inner_text()
    assert f"/p/{state['project_id']}/" not in page.url
    expect(row).to_have_count(0)  # the list refetches after the delete
    page.get_by_test_id("project-switcher").click()
    expect(page.locator(f'[data-testid="project-option"][data-project-id="{state["project_id"]}"]')).to_have_count(0)
    page.keyboard.press("Escape")
    shot(page, artifacts_dir, "project-deleted")

    # disabling an account stops its logins at once
    page.get_by_test_id("tab-users").click()
    user_row = page.locator(f'[data-testid="user-row"][data-email="{colleague.email}"]')
    user_row.get_by_test_id("user-actions").click()
    page.get_by_test_id("toggle-disabled").click()
    user_row.get_by_test_id("user-disabled").wait_for()
    status, body = api(stack.base_url, "POST", "/api/v1/auth/login",
                       {"email": colleague.email, "password": colleague.password})
    assert (status, body["error"]["code"]) == (403, "user_disabled"), body
    shot(page, artifacts_dir, "settings-users")

    page.get_by_test_id("user-menu").click()
    assert page.get_by_test_id("user-email").inner_text() == admin.email
    shot(page, artifacts_dir, "user-menu")
    page.get_by_test_id("menu-logout").click()
    page.get_by_test_id("login-page").wait_for()
    page.goto("/settings/account")
    page.wait_for_url("**/login?next=**")  # the session is gone on the server, not only in this tab
    page.context.close()
