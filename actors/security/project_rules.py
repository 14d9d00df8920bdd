"""The security pool's view of per-project rules kept in the metadata store (the Insights hook).

`configs/security.yaml` stays the default. On top of it, for each project the scanner applies what
admins stored through the API (`cluster.metadata.allow_list`): rule overrides (thresholds, disabled
entities, loop/runaway/anomaly limits) and the allow-list (HMAC digests of exact values, or regular
expressions matched against the whole value). Findings on an allowed value are dropped before any
alert is built, whatever the rule (PII, secret or injection).

For each finding that may become an alert, the digest of its value is kept in Redis under the
alert's id for 30 days, so marking that alert a false positive can allow exactly the values it
was raised for without the API ever seeing them.

Hooked in with one call in `pool_kind.build_security_handler` (`with_project_rules`); the stored
rules of a project are re-read at most every `ttl_s` seconds.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from pydantic import PrivateAttr

from actors.security.alerts import alert_id
from actors.security.engine import FieldScan, Finding, SecurityEngine
from actors.security.policy import ProjectRules, SecurityRules
from actors.security.recognizers import INDIRECT_INJECTION, INJECTION, SECRET_ENTITIES
from actors.security.scanner import ScanHandler, SpanScanner
from cluster.metadata.allow_list import ALERT_VALUES_KEY, ALERT_VALUES_TTL_S, StoredRules, digest_key, load_stored_rules, value_digest
from cluster.metadata.database import MetadataDB
from cluster.settings import PlatformSettings

logger = logging.getLogger(__name__)

DEFAULT_TTL_S = 5.0
_EMPTY = StoredRules({}, frozenset(), (), None)  # type: ignore[arg-type]


def rule_of(entity_type: str) -> str:
    """The alert rule a finding of this entity type raises (as the scanner groups them)."""
    if entity_type in (INJECTION, INDIRECT_INJECTION):
        return "prompt_injection"
    return "secret" if entity_type in SECRET_ENTITIES else "pii"


class StoredProjectRules:
    """Per-project stored rules, cached for `ttl_s`; a metadata store outage keeps the last known rules."""

    def __init__(self, db: MetadataDB | None, ttl_s: float = DEFAULT_TTL_S) -> None:
        self.db = db
        self.ttl_s = ttl_s
        self._cache: dict[str, tuple[float, StoredRules]] = {}
        self._lock = threading.Lock()

    def get(self, project_id: str) -> StoredRules:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(project_id)
        if cached is not None and now - cached[0] < self.ttl_s:
            return cached[1]
        if self.db is None:
            return _EMPTY
        try:
            with self.db.session() as session:
                found = load_stored_rules(session, project_id)
        except Exception as exc:  # noqa: BLE001 - scanning goes on with the last known (or default) rules
            logger.warning("project rules of %s unavailable (%s); using the last known", project_id, type(exc).__name__)
            found = cached[1] if cached is not None else _EMPTY
        with self._lock:
            self._cache[project_id] = (now, found)
        return found


class StoredRulesSecurityRules(SecurityRules):
    """`SecurityRules` whose `for_project` lays the project's stored overrides over the file's rules."""

    _stored: Any = PrivateAttr(default=None)
    _merged_cache: dict[tuple[str, str], ProjectRules] = PrivateAttr(default_factory=dict)

    def bind(self, stored: StoredProjectRules) -> StoredRulesSecurityRules:
        self._stored = stored
        return self

    def for_project(self, project_id: str) -> ProjectRules:
        base = super().for_project(project_id)
        if self._stored is None:
            return base
        overrides = self._stored.get(project_id).overrides
        if not overrides:
            return base
        key = (project_id, json.dumps(overrides, sort_keys=True))
        cache = self._merged_cache
        if key not in cache:
            merged = base.model_dump()
            for name, value in overrides.items():
                merged[name] = {**merged[name], **value} if isinstance(value, dict) and isinstance(merged.get(name), dict) else value
            try:
                cache[key] = ProjectRules.model_validate(merged)
            except Exception:  # noqa: BLE001 - the API validates; a bad stored row must not stop scanning
                logger.warning("stored rules of project %s are invalid; using the file's", project_id)
                cache[key] = base
        return cache[key]


class AllowListedEngine:
    """Wraps a `SecurityEngine`: drops findings on allowed values, remembers value digests per alert."""

    def __init__(self, engine: SecurityEngine, stored: StoredProjectRules, key: bytes) -> None:
        self.engine = engine
        self.stored = stored
        self.key = key
        self.values: dict[str, list[dict[str, str]]] = {}
        self.allowed = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)

    def _allowed(self, rules: StoredRules, value: str, digest: str) -> bool:
        return digest in rules.digests or any(p.fullmatch(value) for p in rules.patterns)

    def scan_span(self, span: dict[str, Any]) -> list[FieldScan]:
        scans = self.engine.scan_span(span)
        if not scans:
            return scans
        project = span.get("project_id", "")
        rules = self.stored.get(project)
        out = []
        for scan in scans:
            kept: list[Finding] = []
            for finding in scan.findings:
                value = scan.field.text[finding.start:finding.end]
                digest = value_digest(self.key, value)
                if self._allowed(rules, value, digest):
                    self.allowed += 1
                    continue
                kept.append(finding)
                aid = alert_id(project, span["trace_id"], span["span_id"], rule_of(finding.entity_type), "")
                entry = {"digest": digest, "entity_type": finding.entity_type}
                bucket = self.values.setdefault(aid, [])
                if entry not in bucket:
                    bucket.append(entry)
            if kept:
                out.append(FieldScan(scan.field, tuple(kept)))
        return out

    def take_values(self) -> dict[str, list[dict[str, str]]]:
        values, self.values = self.values, {}
        return values


class RulesAwareHandler(ScanHandler):
    """The pool's handler with the hook: scan and publish, then keep the alerts' value digests in Redis."""

    def __init__(self, handler: ScanHandler, engine: AllowListedEngine, redis: Any) -> None:
        super().__init__(handler.scanner, handler.sink)
        self.engine = engine
        self.redis = redis

    async def __call__(self, spans: list[dict[str, Any]]) -> int:
        raised = await super().__call__(spans)
        values = self.engine.take_values()
        if values and self.redis is not None:
            pipe = self.redis.pipeline(transaction=False)
            for aid, items in values.items():
                pipe.set(ALERT_VALUES_KEY.format(alert_id=aid), json.dumps(items), ex=ALERT_VALUES_TTL_S)
            await pipe.execute()
        return raised


def with_project_rules(settings: PlatformSettings, handler: ScanHandler, scanner: SpanScanner, redis: Any,
                       db: MetadataDB | None = None, ttl_s: float = DEFAULT_TTL_S) -> tuple[RulesAwareHandler, SpanScanner]:
    """Make a security handler apply the metadata store's per-project rules and allow-lists.

    Args:
        settings: platform settings (metadata store, signing secret for value digests).
        handler: the pool's `ScanHandler` over `scanner`.
        scanner: its `SpanScanner`; its engine and rules are wrapped in place.
        redis: asyncio Redis client for the alerts' value digests.
        db: the metadata store (default: the one the settings name).
        ttl_s: how long a project's stored rules are cached.
    """
    stored = StoredProjectRules(db if db is not None else MetadataDB.from_settings(settings), ttl_s)
    engine = AllowListedEngine(scanner.engine, stored, digest_key(settings))
    scanner.engine = engine  # type: ignore[assignment]  # duck-typed: SpanScanner only calls scan_span
    rules = StoredRulesSecurityRules.model_validate(scanner.rules.model_dump()).bind(stored)
    scanner.rules = rules
    return RulesAwareHandler(handler, engine, redis), scanner


__all__: Sequence[str] = ("AllowListedEngine", "StoredProjectRules", "StoredRulesSecurityRules", "with_project_rules")
