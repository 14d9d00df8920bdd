"""The API contract check: `schemathesis run --checks all` against a query app's `/openapi.json`.

    .venv/bin/python scripts/schemathesis_check.py --url http://127.0.0.1:8000 --key ak_<read key>
    .venv/bin/python scripts/schemathesis_check.py --serve       # a local query app over chDB (no Ray)

`--url`: a running stack (`make run`; pass a read key of a project). `--serve`: starts the query
app alone (uvicorn, a temporary chDB store, SQLite metadata with a project, a read key and a few
traces, and the Redis of AGENTSTACK_TEST_REDIS) on a free port of 127.0.0.1 and checks that. By
default every path of the app's OpenAPI document is checked. Exit status: schemathesis's (0: no failure).
`--max-examples` bounds each operation; `--paths` limits the run to matching paths (regex).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READ_KEY = "ak_schemathesis_read_key_0123456789"
#: The instance admin of `--serve` (`--as-admin` checks the app with its session token instead of the read key).
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@schemathesis.example", "schemathesis-admin-password"
#: Every path of the OpenAPI document (`--paths` narrows it, e.g. `^/api/v1/(traces|spans|sessions)`).
ALL_PATHS = ".*"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_app(data_dir: Path, port: int) -> None:
    """Run the query app over a seeded chDB + SQLite store in this process (blocks)."""
    sys.path.insert(0, str(ROOT))
    import uvicorn

    from agentstack.schema import validate_span
    from cluster.bus import connect_redis
    from cluster.metadata import MetadataDB
    from cluster.metadata.bootstrap import bootstrap_accounts
    from cluster.metadata.projects import add_key
    from cluster.migrations import apply_migrations
    from cluster.settings import PlatformSettings
    from cluster.store import DirectStoreClient, Store
    from serve_apps.conventions import normalise
    from serve_apps.query import create_query_app
    from pydantic import SecretStr

    settings = PlatformSettings(data_dir=data_dir, api_key_cache_ttl_s=0)
    db = MetadataDB.from_settings(settings)
    db.migrate()
    project = bootstrap_accounts(db, settings.model_copy(update={
        "bootstrap_api_key": "ak_schemathesis_ingest_0123456789",
        "init_user_email": ADMIN_EMAIL, "init_user_password": SecretStr(ADMIN_PASSWORD)})).project_id
    assert project is not None
    with db.session() as session:
        add_key(session, project, "schemathesis", "read", "schemathesis", READ_KEY)
    store = DirectStoreClient(Store(f"chdb://{data_dir / 'chdb'}"))
    asyncio.run(apply_migrations(store))
    from actors.writer import SpanWriter

    now = time.time_ns() - 60 * 10**9
    spans = [{"trace_id": f"{i:032x}", "span_id": f"{i + 1:016x}", "name": f"agent-{i}", "start_time": now + i,
              "end_time": now + i + 10**6, "attributes": {"session.id": f"s{i % 2}", "gen_ai.request.model": "gpt-4o"},
              "input": "hello world"} for i in range(1, 6)]
    asyncio.run(SpanWriter(store).write([{**normalise(validate_span(s)), "project_id": project} for s in spans]))
    # A real Redis (AGENTSTACK_TEST_REDIS, default db 15) for /health and the routes that read it.
    redis = connect_redis(os.environ.get("AGENTSTACK_TEST_REDIS", "redis://127.0.0.1:6379/15"))
    app = create_query_app(settings, store, redis, data_dir / "no-ui", db)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


@contextlib.contextmanager
def local_app() -> Iterator[str]:
    """A local query app in a child process; yields its base URL."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="schemathesis-") as tmp:
        child = subprocess.Popen([sys.executable, __file__, "--serve-only", tmp, str(port)], cwd=ROOT)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
                if child.poll() is not None:
                    raise RuntimeError("the local query app exited before it answered")
                time.sleep(0.2)
            yield url
        finally:
            child.terminate()
            child.wait(timeout=20)


def admin_token(url: str) -> str:
    """A session token of the `--serve` app's instance admin (POST /api/v1/auth/login)."""
    body = json.dumps({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}).encode()
    request = urllib.request.Request(f"{url}/api/v1/auth/login", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return str(json.loads(answer.read())["access_token"])


def run_schemathesis(url: str, key: str, max_examples: int, paths: str, exclude: str | None = None,
                     token: str | None = None) -> int:
    """`schemathesis run` with every check, as the key (or the session `token`); returns its exit status."""
    credential = f"Authorization: Bearer {token}" if token else f"X-API-Key: {key}"
    command = [
        str(Path(sys.executable).with_name("schemathesis")), "run", f"{url}/openapi.json", "--checks", "all",
        "--header", credential, "--max-examples", str(max_examples), "--include-path-regex", paths,
        "--seed", "11", "--no-color", "--workers", "1", "--generation-database", "none",
    ] + (["--exclude-path-regex", exclude] if exclude else [])
    return subprocess.run(command, env={**os.environ, "SCHEMATHESIS_HOOKS": ""}).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="base URL of a running stack (its query app)")
    parser.add_argument("--key", default=READ_KEY, help="a read key of a project on that stack")
    parser.add_argument("--serve", action="store_true", help="check a local query app instead (no Ray)")
    parser.add_argument("--max-examples", type=int, default=30)
    parser.add_argument("--paths", default=ALL_PATHS, help=f"path regex (default {ALL_PATHS!r}: the whole app)")
    parser.add_argument("--as-admin", action="store_true", help="with --serve: as the instance admin's session")
    parser.add_argument("--exclude-paths", default=None, help="path regex left out of the run")
    parser.add_argument("--serve-only", nargs=2, metavar=("DATA_DIR", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_only:
        serve_app(Path(args.serve_only[0]), int(args.serve_only[1]))
        return 0
    if args.serve:
        with local_app() as url:
            token = admin_token(url) if args.as_admin else None
            return run_schemathesis(url, READ_KEY, args.max_examples, args.paths, args.exclude_paths, token)
    if not args.url:
        parser.error("pass --url of a running stack (with --key) or --serve")
    return run_schemathesis(args.url.rstrip("/"), args.key, args.max_examples, args.paths, args.exclude_paths)


if __name__ == "__main__":
    raise SystemExit(main())
