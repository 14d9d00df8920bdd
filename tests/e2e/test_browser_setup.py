"""First run in the browser: no account yet, so every page leads to `/setup`, where the one-time code
printed at start (prefilled from the banner link) creates the instance admin, who lands in the app.

The query app runs in-process here (real SQLite metadata store, real chDB, real Redis) on a fresh data
folder, because the shared e2e stack already has its admin.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.conftest import free_port

from .browser import api, browser, log_in, new_page, shot, token_for  # noqa: F401 - fixture

pytestmark = pytest.mark.browser

REDIS_URL = "redis://127.0.0.1:6379/14"


@dataclass
class FreshInstance:
    base_url: str
    setup_code: str
    project_name: str


@pytest.fixture(scope="module")
def fresh_instance(tmp_path_factory: pytest.TempPathFactory, chdb_store) -> Iterator[FreshInstance]:
    import uvicorn

    from cluster.bus import connect_redis
    from cluster.metadata.bootstrap import bootstrap_metadata
    from cluster.settings import PlatformSettings
    from cluster.store import DirectStoreClient
    from serve_apps.query import create_query_app

    # explicit Nones: the e2e stack of this session may have put init variables into the environment
    settings = PlatformSettings(
        data_dir=tmp_path_factory.mktemp("fresh-instance"), api_key_cache_ttl_s=0, init_user_email=None,
        init_user_password=None, init_project_name=None, bootstrap_api_key=None, allow_signup=False,
    )
    report = asyncio.run(bootstrap_metadata(settings, DirectStoreClient(chdb_store)))
    assert report.setup_code, "a fresh instance must issue a setup code"
    app = create_query_app(settings, DirectStoreClient(chdb_store), connect_redis(REDIS_URL))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the in-process query app did not start"
        time.sleep(0.05)
    try:
        yield FreshInstance(f"http://127.0.0.1:{port}", report.setup_code, report.project_name)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_first_run_creates_the_admin_from_the_setup_link(fresh_instance, browser, artifacts_dir):  # noqa: F811
    base = fresh_instance.base_url
    page = new_page(browser, base)

    page.goto("/p/anything/traces")  # any page: no account exists yet → login → set-up
    page.wait_for_url("**/setup")
    page.get_by_test_id("setup-page").wait_for()
    assert page.get_by_test_id("setup-code").input_value() == ""

    page.goto(f"/setup?code={fresh_instance.setup_code}")  # the link printed at first start
    assert page.get_by_test_id("setup-code").input_value() == fresh_instance.setup_code
    page.get_by_test_id("register-email").fill("first-admin@example.com")
    page.get_by_test_id("register-password").fill("short")
    page.get_by_test_id("register-confirm").fill("short")
    page.get_by_test_id("register-submit").click()
    assert "At least 8 characters" in page.get_by_test_id("setup-page").inner_text()
    shot(page, artifacts_dir, "setup-first-run")

    page.get_by_test_id("setup-code").fill("not-the-code")
    page.get_by_test_id("register-password").fill("a long enough password")
    page.get_by_test_id("register-confirm").fill("a long enough password")
    page.get_by_test_id("register-submit").click()
    error = page.locator('[data-testid="setup-page"] [role="alert"]').first
    error.wait_for()
    assert "setup code" in error.inner_text().lower()  # the server's refusal, shown at the field
    shot(page, artifacts_dir, "setup-wrong-code")

    page.get_by_test_id("setup-code").fill(fresh_instance.setup_code)
    page.get_by_test_id("register-submit").click()
    page.get_by_test_id("overview-page").wait_for()  # logged in, on the existing project's overview
    assert "/p/" in page.url and page.url.endswith("/overview")
    assert page.get_by_test_id("current-project").inner_text() == fresh_instance.project_name
    page.get_by_test_id("nav-traces").click()
    page.get_by_test_id("traces-empty").wait_for()
    shot(page, artifacts_dir, "setup-done-empty-traces")

    page.get_by_test_id("user-menu").click()
    assert page.get_by_test_id("user-email").inner_text() == "first-admin@example.com"
    page.get_by_test_id("menu-logout").click()
    page.get_by_test_id("login-page").wait_for()

    page.goto("/setup")  # the code is spent: the page says so instead of offering the form again
    page.get_by_test_id("setup-done").wait_for()
    shot(page, artifacts_dir, "setup-already-done")

    page.goto("/login")
    log_in(page, "first-admin@example.com", "a long enough password")
    page.get_by_test_id("overview-page").wait_for()
    page.context.close()


def test_a_user_without_projects_creates_the_first_one(fresh_instance, browser, artifacts_dir):  # noqa: F811
    base = fresh_instance.base_url
    token = token_for(base, "first-admin@example.com", "a long enough password")
    status, body = api(base, "POST", "/api/v1/users", {"email": "newcomer@example.com", "password": "newcomer pass 1"},
                       token=token)
    assert status == 201, body

    page = new_page(browser, base)
    page.goto("/")
    log_in(page, "newcomer@example.com", "newcomer pass 1")
    page.get_by_test_id("no-projects-page").wait_for()
    shot(page, artifacts_dir, "no-projects")

    page.get_by_test_id("create-project-name").fill("newcomer-project")
    page.get_by_test_id("create-project-submit").click()
    page.get_by_test_id("key-created-dialog").wait_for()  # stays until closed, though the project exists now
    key = page.get_by_test_id("created-key").inner_text().strip()
    assert key.startswith("ak_")
    page.get_by_test_id("key-dialog-done").click()
    page.get_by_test_id("overview-page").wait_for()  # the new project's landing page
    assert page.get_by_test_id("current-project").inner_text() == "newcomer-project"
    page.get_by_test_id("nav-traces").click()
    page.get_by_test_id("traces-empty").wait_for()
    status, me = api(base, "GET", "/api/v1/auth/me", token=token_for(base, "newcomer@example.com", "newcomer pass 1"))
    assert [(p["name"], p["role"]) for p in me["projects"]] == [("newcomer-project", "owner")]
    page.context.close()
