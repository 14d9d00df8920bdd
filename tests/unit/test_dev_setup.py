"""The set-up the front door relies on: finding or installing Chromium, the step lines, the test guards."""

from __future__ import annotations

import importlib.util
import io
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests import browser
from tests.browser import InstallPlan, find_chromium, install_plan

ROOT = Path(__file__).resolve().parents[2]


def _load_setup_progress() -> ModuleType:
    spec = importlib.util.spec_from_file_location("setup_progress", ROOT / "scripts" / "setup_progress.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


setup_progress = _load_setup_progress()


def executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def which_of(**commands: str):
    return lambda name: commands.get(name.replace("-", "_"))


# --- finding a browser ---------------------------------------------------------------------------------------

def test_chromium_on_path_is_preferred_debian_first(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path)}
    assert find_chromium(env, which_of(chromium="/usr/bin/chromium", google_chrome="/usr/bin/google-chrome")) \
        == "/usr/bin/chromium"
    assert find_chromium(env, which_of(google_chrome_stable="/opt/chrome")) == "/opt/chrome"


def test_playwrights_own_download_is_used_newest_revision_first(tmp_path: Path) -> None:
    cache = tmp_path / ".cache" / "ms-playwright"
    executable(cache / "chromium-999" / "chrome-linux" / "chrome")
    newest = executable(cache / "chromium-1140" / "chrome-linux" / "chrome")
    assert find_chromium({"HOME": str(tmp_path)}, which_of()) == str(newest)
    elsewhere = executable(tmp_path / "browsers" / "chromium-1200" / "chrome-linux64" / "chrome")
    env = {"HOME": str(tmp_path), "PLAYWRIGHT_BROWSERS_PATH": str(tmp_path / "browsers")}
    assert find_chromium(env, which_of()) == str(elsewhere)


def test_no_browser_anywhere_is_none(tmp_path: Path) -> None:
    (tmp_path / ".cache" / "ms-playwright" / "chromium-1140").mkdir(parents=True)  # an interrupted download
    assert find_chromium({"HOME": str(tmp_path)}, which_of()) is None


def test_an_explicit_path_wins_and_a_wrong_one_says_so(tmp_path: Path) -> None:
    chrome = executable(tmp_path / "my-chrome")
    env = {"HOME": str(tmp_path), "AGENTSTACK_CHROMIUM": str(chrome)}
    assert find_chromium(env, which_of(chromium="/usr/bin/chromium")) == str(chrome)
    with pytest.raises(ValueError, match="AGENTSTACK_CHROMIUM=/nowhere/chrome is not an executable"):
        find_chromium({"AGENTSTACK_CHROMIUM": "/nowhere/chrome"}, which_of(chromium="/usr/bin/chromium"))


# --- installing one -----------------------------------------------------------------------------------------

def never_asked() -> bool:
    raise AssertionError("root needs no sudo")


def test_root_installs_debians_chromium_with_apt_get() -> None:
    plan = install_plan(0, which_of(apt_get="/usr/bin/apt-get"), never_asked)
    assert plan == InstallPlan((("apt-get", "update", "-q"), ("apt-get", "install", "-y", "-q", "chromium")))


def test_a_user_with_passwordless_sudo_installs_through_sudo() -> None:
    plan = install_plan(1000, which_of(apt_get="/usr/bin/apt-get", sudo="/usr/bin/sudo"), lambda: True)
    assert plan.possible
    assert all(command[:2] == ("sudo", "-n") and "DEBIAN_FRONTEND=noninteractive" in command
               for command in plan.commands)
    assert plan.commands[-1][-4:] == ("install", "-y", "-q", "chromium")


@pytest.mark.parametrize("sudo", [None, "/usr/bin/sudo"])
def test_a_user_who_cannot_install_gets_one_line_saying_what_to_run(sudo: str | None) -> None:
    which = which_of(apt_get="/usr/bin/apt-get", **({"sudo": sudo} if sudo else {}))
    plan = install_plan(1000, which, lambda: False)
    assert not plan.possible
    assert "\n" not in plan.instead
    assert "`sudo apt-get update && sudo apt-get install -y chromium`" in plan.instead


def test_without_apt_get_the_line_names_playwrights_browser() -> None:
    plan = install_plan(0, which_of(), never_asked)
    assert not plan.possible and "\n" not in plan.instead
    assert "python -m playwright install --with-deps chromium" in plan.instead


def test_ensure_prints_exactly_one_line_when_it_cannot_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(browser, "find_chromium", lambda: None)
    monkeypatch.setattr(browser.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(browser.shutil, "which", which_of(apt_get="/usr/bin/apt-get"))
    out = io.StringIO()
    assert browser.ensure_chromium(tmp_path / "setup.log", out) == 1
    (line,) = out.getvalue().splitlines()
    assert "sudo apt-get install -y chromium" in line and "make test" in line


# --- step lines ---------------------------------------------------------------------------------------------

def test_a_step_prints_its_name_and_time_and_keeps_the_noise_in_the_log(tmp_path: Path) -> None:
    log, out = tmp_path / "logs" / "setup.log", io.StringIO()
    status = setup_progress.run_step("UI build", [sys.executable, "-c", "print('vite noise')"], log, out=out)
    assert status == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == "  … UI build" and lines[-1].startswith("  ✓ UI build  ") and lines[-1].endswith(" s")
    assert "vite noise" not in out.getvalue() and "vite noise" in log.read_text()


def test_a_failing_step_names_the_log_and_shows_the_last_lines(tmp_path: Path) -> None:
    log, out = tmp_path / "setup.log", io.StringIO()
    log.write_text("an earlier step's output\n")
    script = "import sys; [print(f'line {i}') for i in range(30)]; sys.exit(3)"
    status = setup_progress.run_step("platform packages", [sys.executable, "-c", script], log, out=out, tail=5)
    assert status == 3
    failure, *tail = out.getvalue().splitlines()[1:]
    assert failure.startswith("  ✗ platform packages failed after ") and failure.endswith(f"(exit 3); full output in {log}")
    assert [line.strip() for line in tail] == [f"line {i}" for i in range(25, 30)]


def test_a_missing_program_fails_like_a_shell(tmp_path: Path) -> None:
    out = io.StringIO()
    assert setup_progress.run_step("npm", ["/nonexistent/npm", "ci"], tmp_path / "setup.log", out=out) == 127
    assert "cannot start /nonexistent/npm" in out.getvalue()


# --- test guards --------------------------------------------------------------------------------------------

def test_unit_tests_cannot_start_ray() -> None:
    import ray

    with pytest.raises(RuntimeError, match="unit tests must not start Ray"):
        ray.init()
    assert not ray.is_initialized()


def test_tests_are_marked_with_their_folder(request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("unit") is not None
    assert request.node.get_closest_marker("integration") is None
    assert os.path.basename(os.path.dirname(request.node.path)) == "unit"


# --- what `make run` installs ------------------------------------------------------------------------------

def test_the_platform_needs_no_test_or_framework_package() -> None:
    """`make run` installs only [project] dependencies: platform code must not import what tests add."""
    import ast
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    test_only = {"pytest", "playwright", "faker", "jailbreak_corpus_mini", "openai", "anthropic", "crewai",
                 "autogen_agentchat", "autogen_ext", "autogen_core", "langchain_core", "langchain_openai", "langgraph",
                 "opentelemetry.sdk", "opentelemetry.exporter"}
    imported: dict[str, str] = {}
    for package in ("cluster", "actors", "serve_apps"):
        for source in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(source.read_text(), str(source))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else []
                for name in names:
                    if any(name == t or name.startswith(t + ".") for t in test_only):
                        imported[f"{source.relative_to(ROOT)}: {name}"] = name
    assert imported == {}, "platform code imports a package only `make test` installs"
    runtime = {dep.split("[")[0].split(">")[0].split("=")[0].strip().lower() for dep in project["project"]["dependencies"]}
    extras = project["project"]["optional-dependencies"]["test"] + project["dependency-groups"]["frameworks"]
    assert runtime & {dep.split("[")[0].split(">")[0].split("=")[0].strip().lower() for dep in extras} == set()
