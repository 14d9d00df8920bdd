"""The browser the UI tests drive: find a usable Chromium, or install Debian's, or say what to run.

`make test` runs ``python3 -m tests.browser`` before anything else: it finds Chromium (the
``AGENTSTACK_CHROMIUM`` variable, Debian's ``chromium``, Google Chrome, or a browser Playwright already
downloaded), and where there is none it installs Debian's ``chromium`` itself when it may (running as
root, or with passwordless sudo). Where it may not, it stops with one line saying what to run.
The browser tests take the executable from :func:`find_chromium` (the ``chromium_executable`` fixture).

Standard library only: it runs with the system Python, before the test environment exists.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

ROOT = Path(__file__).resolve().parent.parent
ENV_VAR = "AGENTSTACK_CHROMIUM"
# Debian/Ubuntu's package, then Google Chrome's names, in the order a newcomer most likely has them.
COMMANDS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
# Playwright's own downloads (`playwright install chromium`), newest revision first.
PLAYWRIGHT_GLOBS = ("chromium-*/chrome-linux*/chrome", "chromium_headless_shell-*/chrome-linux*/headless_shell")
APT_PACKAGE = "chromium"

Which = Callable[[str], "str | None"]


def playwright_browsers_dir(env: Mapping[str, str]) -> Path:
    """Where Playwright keeps the browsers it downloaded (``PLAYWRIGHT_BROWSERS_PATH`` or its cache)."""
    configured = env.get("PLAYWRIGHT_BROWSERS_PATH", "")
    if configured and configured != "0":
        return Path(configured)
    return Path(env.get("XDG_CACHE_HOME") or Path(env.get("HOME", "~")).expanduser() / ".cache") / "ms-playwright"


def _revision(executable: Path) -> int:
    """Playwright's browser revision from ``…/chromium-1140/chrome-linux/chrome`` (1140)."""
    folder = executable.parent.parent.name
    digits = folder.rsplit("-", 1)[-1]
    return int(digits) if digits.isdigit() else -1


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_chromium(env: Mapping[str, str] | None = None, which: Which = shutil.which) -> str | None:
    """The path of a Chromium the browser tests can launch, or None when there is none.

    Args:
        env: environment to read ``AGENTSTACK_CHROMIUM``, ``PLAYWRIGHT_BROWSERS_PATH`` and ``HOME`` from.
        which: looks a command up on ``PATH`` (``shutil.which``).

    Raises:
        ValueError: ``AGENTSTACK_CHROMIUM`` is set but names no executable file.
    """
    env = os.environ if env is None else env
    explicit = env.get(ENV_VAR, "").strip()
    if explicit:
        if not _executable(Path(explicit)):
            raise ValueError(f"{ENV_VAR}={explicit} is not an executable file; point it at a Chrome/Chromium binary "
                             f"or unset it")
        return explicit
    for command in COMMANDS:
        found = which(command)
        if found:
            return found
    browsers = playwright_browsers_dir(env)
    for pattern in PLAYWRIGHT_GLOBS:
        for candidate in sorted(browsers.glob(pattern), key=_revision, reverse=True):
            if _executable(candidate):
                return str(candidate)
    return None


@dataclass(frozen=True)
class InstallPlan:
    """How to install Debian's chromium here: the commands, or why it cannot be done and what to run."""

    commands: tuple[tuple[str, ...], ...]
    instead: str = ""  # set when commands is empty: the one line telling the user what to run

    @property
    def possible(self) -> bool:
        """True when this process may install the package itself."""
        return bool(self.commands)


def install_plan(euid: int, which: Which, passwordless_sudo: Callable[[], bool]) -> InstallPlan:
    """Decide whether and how this process can install Debian's ``chromium``.

    Args:
        euid: the effective user id (0 is root).
        which: looks a command up on ``PATH``.
        passwordless_sudo: answers whether ``sudo`` runs without asking for a password.
    """
    if not which("apt-get"):
        return InstallPlan((), instead=(
            "No Chromium found for the browser tests and this is not a Debian/Ubuntu system: install Chromium or "
            f"Google Chrome, or run `.venv/bin/python -m playwright install --with-deps chromium`, or set "
            f"{ENV_VAR}=/path/to/chrome; then run `make test` again."))
    if euid == 0:
        prefix: tuple[str, ...] = ()
    elif which("sudo") and passwordless_sudo():
        prefix = ("sudo", "-n", "env", "DEBIAN_FRONTEND=noninteractive")
    else:
        return InstallPlan((), instead=(
            f"No Chromium found for the browser tests: run `sudo apt-get update && sudo apt-get install -y "
            f"{APT_PACKAGE}`, then `make test` again."))
    return InstallPlan((
        (*prefix, "apt-get", "update", "-q"),
        (*prefix, "apt-get", "install", "-y", "-q", APT_PACKAGE),
    ))


def _sudo_without_password() -> bool:
    try:
        return subprocess.run(["sudo", "-n", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def ensure_chromium(log: Path, out: TextIO = sys.stdout) -> int:
    """Find Chromium or install Debian's; print one line either way. Returns a process exit status."""
    try:
        found = find_chromium()
    except ValueError as exc:
        out.write(f"  ✗ {exc}\n")
        return 1
    if found:
        out.write(f"  ✓ browser for the UI tests: {found}\n")
        return 0
    plan = install_plan(os.geteuid(), shutil.which, _sudo_without_password)
    if not plan.possible:
        out.write(f"  ✗ {plan.instead}\n")
        return 1
    sys.path.insert(0, str(ROOT / "scripts"))  # a folder of scripts, not a package
    from setup_progress import run_step

    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    script = " && ".join(" ".join(command) for command in plan.commands)
    status = run_step(f"installing Debian's {APT_PACKAGE} for the browser tests (apt-get)", ["sh", "-c", script],
                      log, env=env, out=out)
    if status != 0:
        return status
    found = find_chromium()
    if not found:
        out.write(f"  ✗ apt-get installed {APT_PACKAGE} but no chromium command appeared; see {log}\n")
        return 1
    out.write(f"  ✓ browser for the UI tests: {found}\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python3 -m tests.browser [LOG]``: make sure the browser tests have a Chromium."""
    args = list(sys.argv[1:] if argv is None else argv)
    log = Path(args[0]) if args else ROOT / ".agentstack" / "logs" / "setup.log"
    return ensure_chromium(log)


if __name__ == "__main__":
    sys.exit(main())
