"""`make run`: start Ray, deploy the Serve applications of a config file, wait until healthy, block.

The same config works with `serve run configs/local.yaml`; this launcher adds a local Ray with its
dashboard on :8265, start-up steps with their time, a banner with the URLs and keys, then the
platform's own events in the terminal (Ray's and Serve's output goes to `.agentstack/logs/`, see
`cluster.console`), and a clean Ctrl-C.

The start-up deadline holds only until the first healthy answer; after that a failing `/health`
is reported in the terminal and the system keeps running.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import yaml

from cluster.console import Console, Watcher, get_json, new_run_log
from cluster.metadata.bootstrap import first_run_lines
from cluster.settings import PROJECT_ROOT, PlatformSettings

logger = logging.getLogger("agentstack")

DEFAULT_CONFIG = PROJECT_ROOT / "configs" / "local.yaml"


def load_config(path: Path, http_port: int | None = None) -> Any:
    """The Serve deploy schema of a config file, with an optional HTTP port override."""
    from ray.serve.schema import ServeDeploySchema

    raw = yaml.safe_load(path.read_text())
    if http_port is not None:
        raw.setdefault("http_options", {})["port"] = http_port
    return ServeDeploySchema.model_validate(raw)


def start_ray(dashboard_port: int | None = 8265, object_store_mb: int = 512) -> None:
    """A local Ray for the Serve applications (its output goes wherever this process's stdout/stderr go)."""
    import ray

    ray.init(
        namespace="serve",
        include_dashboard=dashboard_port is not None,
        dashboard_host="127.0.0.1",
        dashboard_port=dashboard_port or 8265,
        object_store_memory=object_store_mb * 1024 * 1024,
        configure_logging=True,
        logging_level=logging.INFO,
    )


def link_ray_logs(logs_dir: Path) -> Path | None:
    """Point `<logs_dir>/ray` at this Ray session's own log folder (Serve's logs are in its `serve/`)."""
    try:
        import ray

        target = Path(ray._private.worker._global_node.get_logs_dir_path())  # type: ignore[union-attr]  # no public API
        link = logs_dir / "ray"
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(target, target_is_directory=True)
        return link
    except Exception:  # noqa: BLE001 - only a convenience for the banner
        logger.debug("could not link Ray's log folder", exc_info=True)
        return None


def deploy(config: Any) -> None:
    """Start Serve with the config's HTTP options and deploy all its applications."""
    from ray.serve._private import api as serve_api  # what `serve run CONFIG` itself calls

    client = serve_api.serve_start(
        http_options=config.http_options.model_dump(),
        proxy_location=config.proxy_location,
        grpc_options=None,
        controller_options=config.controller_options,
    )
    client.deploy_apps(config, _blocking=False)


def failed_applications() -> dict[str, str]:
    """Serve applications whose deployment failed, with Serve's message."""
    from ray import serve

    out = {}
    for name, app in serve.status().applications.items():
        if str(app.status).endswith("DEPLOY_FAILED"):
            out[name] = app.message
        for dname, dep in app.deployments.items():
            if str(dep.status).endswith("UNHEALTHY") or "failed" in (dep.message or "").lower():
                out[f"{name}/{dname}"] = dep.message
    return out


def wait_until_healthy(base_url: str, timeout: float = 180.0, stop: threading.Event | None = None) -> dict[str, Any]:
    """Poll until `/health` answers 200 and the platform application (Valkey, store, pools) is up.

    The deadline covers start-up only: callers watch health afterwards without stopping anything.

    Raises:
        RuntimeError: an application failed to deploy (with Serve's message) or the timeout passed.
    """
    deadline = time.monotonic() + timeout
    last: Any = "no answer yet"
    while time.monotonic() < deadline:
        if stop is not None and stop.is_set():
            raise RuntimeError("interrupted before AgentStack became healthy")
        try:
            status, body = get_json(f"{base_url}/health", timeout=5)
            if status == 200:
                if platform_ready():
                    return body
                last = "/health is ok; the platform application (pools) is still starting"
            else:
                last = body
        except (OSError, ValueError) as exc:
            last = exc
        failures = failed_applications()
        if failures:
            raise RuntimeError("deployment failed:\n" + "\n".join(f"  {k}: {v}" for k, v in failures.items()))
        time.sleep(0.5)
    raise RuntimeError(f"AgentStack did not become healthy within {timeout:.0f}s; last answer: {last}")


def _platform_handle() -> Any:
    from ray import serve

    return serve.get_app_handle("platform")


def platform_ready() -> bool:
    """Whether the platform application (Valkey, store, pools) has started, asked through Ray."""
    try:
        return bool(_platform_handle().ready.remote().result(timeout_s=10))
    except Exception:  # noqa: BLE001 - not deployed yet, starting, or restarting
        return False


def platform_events(after: int) -> dict[str, Any]:
    """The platform's events numbered above `after`, asked through Ray (no HTTP credentials needed)."""
    answer: dict[str, Any] = _platform_handle().events.remote(after).result(timeout_s=5)
    return answer


def ray_dashboard_token() -> str | None:
    """The local Ray cluster's auth token (Ray 2.60 turns token auth on by default), if one exists."""
    try:
        from ray._raylet import AuthenticationTokenLoader  # what `ray get-auth-token` uses

        loader = AuthenticationTokenLoader.instance()
        if loader.has_token(ignore_auth_mode=True):
            return str(loader.get_raw_token(ignore_auth_mode=True))
    except Exception:  # noqa: BLE001 - only a convenience for the banner
        logger.debug("no Ray auth token available", exc_info=True)
    return None


def banner(
    base_url: str, dashboard_url: str | None, settings: PlatformSettings, log_path: Path | None = None, ray_logs: Path | None = None
) -> str:
    """The lines shown once AgentStack is healthy: where everything is, and how to use it."""
    lines = [
        "",
        "AgentStack is running.",
        f"  Web UI:          {base_url}/",
        f"  API:             {base_url}/api/v1/traces   (ingest: POST {base_url}/v1/traces)",
        f"  Health:          {base_url}/health",
    ]
    if dashboard_url:
        lines.append(f"  Ray dashboard:   {dashboard_url}")
        token = ray_dashboard_token()
        if token:
            lines.append(f"  Ray dashboard token (it asks for it): {token}   (or: .venv/bin/ray get-auth-token)")
    lines.append(f"  Data:            {settings.data_dir}")
    if log_path is not None:
        lines.append(f"  Log file:        {_short(log_path)}")
    if ray_logs is not None:
        lines.append(f"  Ray/Serve logs:  {_short(ray_logs)}/")
    lines += first_run_lines(settings, base_url)  # the one-time setup link, or the login page; the ingest key
    lines += ["  Send demo traces: make demo        Stop: Ctrl-C", "", "Events:"]
    return "\n".join(lines)


def _short(path: Path) -> str:
    """`path` relative to the working directory when it is inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="agentstack-run", description=__doc__)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="Serve config file (default: %(default)s)")
    parser.add_argument("--port", type=int, default=None, help="HTTP port (default: the config's)")
    parser.add_argument("--dashboard-port", type=int, default=8265, help="Ray dashboard port (default: %(default)s)")
    args = parser.parse_args(argv)

    settings = PlatformSettings()
    debug = settings.log_level.lower() == "debug"
    console = Console(new_run_log(settings.data_dir / "logs"), divert=not debug)
    console.configure_logging(debug)
    try:
        return run(args, settings, console)
    except Exception as exc:  # noqa: BLE001 - say it in the terminal; the traceback is in the log file
        logger.exception("launcher failed")
        console.say(f"\nAgentStack stopped on an unexpected error: {exc}\n  details: {_short(console.log_path)}")
        return 1
    finally:
        console.close()


def run(args: argparse.Namespace, settings: PlatformSettings, console: Console) -> int:
    """Start, show the banner, relay events until Ctrl-C, stop."""
    config = load_config(args.config, args.port)
    host = config.http_options.host
    base_url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{config.http_options.port}"

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    import ray
    from ray import serve

    console.say(f"Starting AgentStack ({_short(args.config)}; log: {_short(console.log_path)})")
    started = time.monotonic()
    try:
        with console.step("Starting Ray" + (f" (dashboard :{args.dashboard_port})" if args.dashboard_port else "")):
            start_ray(args.dashboard_port)
        ray_logs = link_ray_logs(console.log_path.parent)
        with console.step("Deploying " + ", ".join(app.name for app in config.applications)):
            deploy(config)
        with console.step("Waiting for Valkey, the store and the pools"):
            wait_until_healthy(base_url, stop=stop)
        console.say(f"Ready in {time.monotonic() - started:.1f}s.")
        dashboard = f"http://127.0.0.1:{args.dashboard_port}" if args.dashboard_port else None
        console.say(banner(base_url, dashboard, settings, console.log_path, ray_logs))
        watcher = Watcher(console, base_url, platform_events)
        while not stop.wait(1.0):
            watcher.poll()
    except RuntimeError as exc:
        console.say(f"\nAgentStack failed to start: {exc}\n  details: {_short(console.log_path)}")
        return 1
    finally:
        # A second Ctrl-C must not interrupt the shutdown half-way (Valkey must flush its AOF).
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
        console.say("\nStopping AgentStack …")
        try:
            serve.shutdown()
        finally:
            ray.shutdown()
        console.say(f"Stopped. Data is kept in {settings.data_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
