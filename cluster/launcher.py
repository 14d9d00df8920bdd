"""`make run`: start Ray, deploy the Serve applications of a config file, wait until healthy, block.

The same config works with `serve run configs/local.yaml`; this launcher adds a local Ray with its
dashboard on :8265, readiness reporting, a banner with the URLs, and a clean Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import yaml

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


def _get(url: str, timeout: float = 2.0) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read() or b"{}")
        except ValueError:
            return exc.code, {}


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
    """Poll `/health` until it answers 200.

    Raises:
        RuntimeError: an application failed to deploy (with Serve's message) or the timeout passed.
    """
    deadline = time.monotonic() + timeout
    last: Any = "no answer yet"
    while time.monotonic() < deadline:
        if stop is not None and stop.is_set():
            raise RuntimeError("interrupted before AgentStack became healthy")
        try:
            status, body = _get(f"{base_url}/health")
            if status == 200:
                return body
            last = body
        except (OSError, ValueError) as exc:
            last = exc
        failures = failed_applications()
        if failures:
            raise RuntimeError("deployment failed:\n" + "\n".join(f"  {k}: {v}" for k, v in failures.items()))
        time.sleep(0.5)
    raise RuntimeError(f"AgentStack did not become healthy within {timeout:.0f}s; last /health answer: {last}")


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


def banner(base_url: str, dashboard_url: str | None, settings: PlatformSettings) -> str:
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
    lines += first_run_lines(settings, base_url)  # the one-time setup link, or the login page
    lines += ["  Send demo traces: make demo        Stop: Ctrl-C", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="agentstack-run", description=__doc__)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="Serve config file (default: %(default)s)")
    parser.add_argument("--port", type=int, default=None, help="HTTP port (default: the config's)")
    parser.add_argument("--dashboard-port", type=int, default=8265, help="Ray dashboard port (default: %(default)s)")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = PlatformSettings()
    config = load_config(args.config, args.port)
    host = config.http_options.host
    base_url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{config.http_options.port}"

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    import ray
    from ray import serve

    print(f"Starting AgentStack ({args.config}) …", flush=True)
    start_ray(args.dashboard_port)
    try:
        deploy(config)
        wait_until_healthy(base_url, stop=stop)
        dashboard = f"http://127.0.0.1:{args.dashboard_port}" if args.dashboard_port else None
        print(banner(base_url, dashboard, settings), flush=True)
        while not stop.wait(1.0):
            pass
    except RuntimeError as exc:
        print(f"\nAgentStack failed to start: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        # A second Ctrl-C must not interrupt the shutdown half-way (Valkey must flush its AOF).
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
        print("\nStopping AgentStack …", flush=True)
        try:
            serve.shutdown()
        finally:
            ray.shutdown()
        print("Stopped. Data is kept in", settings.data_dir, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
