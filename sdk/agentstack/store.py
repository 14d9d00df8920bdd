"""The local SQLite store: spans waiting for the collector (the outbox), and local-mode traces.

One file (``Settings.store_file``) with two tables:

- ``outbox``: wire spans the collector could not take after the retries, keyed by
  (target, trace_id, span_id) so a span stored twice is kept once. ``target`` names the collector
  URL and a digest of the API key, so spans are re-sent only to where they were going. Rows are
  *claimed* for a while before a re-send, so two processes sharing the file do not both send them
  (and if they ever do, the server deduplicates by span key).
- ``spans``: local mode (no API key): every span, read by ``agentstack traces`` / ``agentstack trace``.

Every call opens its own short-lived connection, which keeps the store safe across threads and
``fork``; SQLite's own locking (WAL, busy timeout) serialises writers from several processes.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["SpanStore", "target_of", "OUTBOX_MAX_ROWS", "OUTBOX_TTL_S"]

OUTBOX_MAX_ROWS = 200_000  # beyond this the oldest waiting spans are dropped (counted by the caller)
OUTBOX_TTL_S = 7 * 24 * 3600.0  # spans older than this are not worth re-sending
_CLAIM_S = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    target TEXT NOT NULL, trace_id TEXT NOT NULL, span_id TEXT NOT NULL, body TEXT NOT NULL,
    created REAL NOT NULL, claimed_until REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (target, trace_id, span_id)
);
CREATE INDEX IF NOT EXISTS outbox_by_target ON outbox (target, created);
CREATE TABLE IF NOT EXISTS spans (
    trace_id TEXT NOT NULL, span_id TEXT NOT NULL, parent_span_id TEXT, name TEXT NOT NULL,
    kind TEXT NOT NULL, service_name TEXT NOT NULL, start_time INTEGER NOT NULL, end_time INTEGER NOT NULL,
    status TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (trace_id, span_id)
);
CREATE INDEX IF NOT EXISTS spans_by_start ON spans (start_time);
"""


def target_of(collector_url: str, api_key: str) -> str:
    """Where outbox spans are going: the URL plus a short digest of the key (never the key itself)."""
    return f"{collector_url}#{hashlib.sha256(api_key.encode()).hexdigest()[:16]}"


class SpanStore:
    """Access to the SQLite file at ``path`` (created with its folder on first use)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._ready = False

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if not self._ready:
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        try:
            if not self._ready:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(_SCHEMA)
                self._ready = True
            yield conn
        finally:
            conn.close()

    # -- outbox -------------------------------------------------------------------------------------
    def put(self, target: str, spans: list[dict[str, Any]]) -> int:
        """Keep ``spans`` for a later re-send; returns how many old spans were evicted to stay bounded."""
        now = time.time()
        rows = [(target, s["trace_id"], s["span_id"], json.dumps(s, ensure_ascii=False), now) for s in spans]
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                "INSERT INTO outbox (target, trace_id, span_id, body, created) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (target, trace_id, span_id) DO UPDATE SET body = excluded.body, claimed_until = 0",
                rows,
            )
            conn.execute("DELETE FROM outbox WHERE created < ?", (now - OUTBOX_TTL_S,))
            (count,) = conn.execute("SELECT count(*) FROM outbox").fetchone()
            evicted = max(0, int(count) - OUTBOX_MAX_ROWS)
            if evicted:
                conn.execute(
                    "DELETE FROM outbox WHERE rowid IN (SELECT rowid FROM outbox ORDER BY created LIMIT ?)", (evicted,)
                )
            conn.execute("COMMIT")
        return evicted

    def claim(self, target: str, limit: int) -> list[dict[str, Any]]:
        """Take up to ``limit`` waiting spans for ``target`` (oldest first) and claim them for a minute."""
        if not os.path.exists(self.path):  # never went offline: do not create the file just to look
            return []
        now = time.time()
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            rows = conn.execute(
                "SELECT trace_id, span_id, body FROM outbox WHERE target = ? AND claimed_until < ? "
                "ORDER BY created LIMIT ?",
                (target, now, limit),
            ).fetchall()
            conn.executemany(
                "UPDATE outbox SET claimed_until = ? WHERE target = ? AND trace_id = ? AND span_id = ?",
                [(now + _CLAIM_S, target, t, s) for t, s, _ in rows],
            )
            conn.execute("COMMIT")
        return [json.loads(body) for _, _, body in rows]

    def release(self, target: str, spans: list[dict[str, Any]], *, delivered: bool) -> None:
        """Settle claimed spans: delete them once delivered, else make them claimable again."""
        keys = [(target, s["trace_id"], s["span_id"]) for s in spans]
        sql = (
            "DELETE FROM outbox WHERE target = ? AND trace_id = ? AND span_id = ?"
            if delivered
            else "UPDATE outbox SET claimed_until = 0 WHERE target = ? AND trace_id = ? AND span_id = ?"
        )
        with self._connect() as conn:
            conn.executemany(sql, keys)

    def pending(self, target: str | None = None) -> int:
        """Spans waiting in the outbox (for ``target``, or for every target)."""
        if not os.path.exists(self.path):
            return 0
        with self._connect() as conn:
            if target is None:
                return int(conn.execute("SELECT count(*) FROM outbox").fetchone()[0])
            return int(conn.execute("SELECT count(*) FROM outbox WHERE target = ?", (target,)).fetchone()[0])

    # -- local mode ---------------------------------------------------------------------------------
    def save_local(self, spans: list[dict[str, Any]]) -> None:
        """Keep spans in the local traces table (local mode); a span saved twice is kept once."""
        rows = [
            (
                s["trace_id"], s["span_id"], s.get("parent_span_id"), s["name"], s["kind"], s["service_name"],
                s["start_time"], s["end_time"], s["status"], json.dumps(s, ensure_ascii=False),
            )
            for s in spans
        ]  # fmt: skip
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT OR REPLACE INTO spans VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            conn.execute("COMMIT")

    def traces(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest local traces, newest first: id, root name, service, start, duration, span and error counts."""
        if not os.path.exists(self.path):
            return []
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT trace_id, min(start_time), max(end_time), count(*), sum(status = 'ERROR'), "
                "coalesce(max(CASE WHEN parent_span_id IS NULL THEN name END), min(name)), min(service_name) "
                "FROM spans GROUP BY trace_id ORDER BY min(start_time) DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            {"trace_id": t, "start_time": start, "duration_ns": end - start, "spans": n, "errors": int(errors or 0),
             "name": name, "service_name": service}
            for t, start, end, n, errors, name, service in rows
        ]  # fmt: skip

    def trace(self, trace_id_prefix: str) -> list[dict[str, Any]]:
        """Every span of the local trace whose id starts with ``trace_id_prefix``, in start order."""
        if not os.path.exists(self.path):
            return []
        with self._connect() as conn:
            row = conn.execute(
                "SELECT trace_id FROM spans WHERE trace_id LIKE ? ORDER BY start_time DESC LIMIT 1",
                (trace_id_prefix.lower() + "%",),
            ).fetchone()
            if row is None:
                return []
            bodies = conn.execute(
                "SELECT body FROM spans WHERE trace_id = ? ORDER BY start_time, span_id", (row[0],)
            ).fetchall()
        return [json.loads(body) for (body,) in bodies]
