"""The security pool's handler: a batch of wire spans → alerts → ClickHouse and the `alerts.live` stream.

`SpanScanner.evaluate` is pure (engine + monitors + project rules → alerts). `AlertSink` makes
them durable: rows into `security_alerts` first, then entries on `alerts.live`, so the live feed
never announces an alert the table does not hold. Only then does the consumer acknowledge the
batch (at-least-once; alert ids are stable, so a replay collapses in the table).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from typing import Any

from actors.security.alerts import ALERT_COLUMNS, ENTITY_SEVERITY_SCORE, Alert, redact
from actors.security.engine import FieldScan, Finding, SecurityEngine
from actors.security.monitors import AnomalyDetector, TraceMonitor
from actors.security.policy import ProjectRules, SecurityRules
from actors.security.recognizers import INDIRECT_INJECTION, INJECTION, SECRET_ENTITIES
from cluster.streams import ALERT_FIELD

logger = logging.getLogger(__name__)

ALERTS_TABLE = "security_alerts"
ALERTS_STREAM_MAXLEN = 100_000


def _kept(scan: FieldScan, rules: ProjectRules) -> list[Finding]:
    text = scan.field.text
    out = []
    for finding in scan.findings:
        if finding.entity_type in (INJECTION, INDIRECT_INJECTION):
            if finding.score * 100 >= rules.injection_threshold and finding.entity_type not in rules.disabled_entities:
                out.append(finding)
        elif rules.reports(finding.entity_type, finding.score, text[finding.start:finding.end]):
            out.append(finding)
    return out


class SpanScanner:
    """Turns spans into alerts with one engine, the per-trace monitors and the project rules."""

    def __init__(self, engine: SecurityEngine, rules: SecurityRules | None = None) -> None:
        self.engine = engine
        self.rules = rules or SecurityRules()
        self.traces = TraceMonitor()
        self.anomalies = AnomalyDetector()
        self.spans_scanned = 0
        self.alerts_raised = 0

    def evaluate(self, spans: Sequence[dict[str, Any]]) -> list[Alert]:
        """Every alert the spans raise (pure: no I/O)."""
        alerts: list[Alert] = []
        for span in spans:
            alerts.extend(self._span_alerts(span))
        self.spans_scanned += len(spans)
        self.alerts_raised += len(alerts)
        return alerts

    def _span_alerts(self, span: dict[str, Any]) -> list[Alert]:
        project = span.get("project_id", "")
        rules = self.rules.for_project(project)
        ids = (project, span["trace_id"], span["span_id"])
        alerts = self._content_alerts(span, rules, ids)
        for event in [*self.traces.observe(span, rules), *self.anomalies.observe(span, rules)]:
            alerts.append(Alert(*ids, rule=event.rule, entity_types=[], score=event.score, excerpt=event.message,
                                subject=event.subject, details=event.details))
        return alerts

    def _content_alerts(self, span: dict[str, Any], rules: ProjectRules, ids: tuple[str, str, str]) -> list[Alert]:
        groups: dict[str, list[tuple[FieldScan, Finding]]] = {}
        sensitive: dict[str, list[tuple[int, int, str]]] = {}
        for scan in self.engine.scan_span(span):
            for finding in _kept(scan, rules):
                if finding.entity_type in (INJECTION, INDIRECT_INJECTION):
                    rule = "prompt_injection"
                else:
                    rule = "secret" if finding.entity_type in SECRET_ENTITIES else "pii"
                    sensitive.setdefault(scan.field.name, []).append((finding.start, finding.end, finding.entity_type))
                groups.setdefault(rule, []).append((scan, finding))
        alerts = []
        for rule, items in groups.items():
            types = sorted({finding.entity_type for _, finding in items})
            if rule == "prompt_injection":
                scan, top = max(items, key=lambda item: item[1].score)
                score = top.score * 100
                details = {"field": scan.field.name, "rules": list(top.rules), "indirect": scan.field.indirect}
            else:
                scan, top = max(items, key=lambda item: ENTITY_SEVERITY_SCORE.get(item[1].entity_type, 50))
                score = float(max(ENTITY_SEVERITY_SCORE.get(f.entity_type, 50) for _, f in items))
                details = {"field": scan.field.name, "count": len(items)}
            excerpt = redact(scan.field.text, sensitive.get(scan.field.name, []), (top.start, top.end))
            alerts.append(Alert(*ids, rule=rule, entity_types=types, score=score, excerpt=excerpt, details=details))
        return alerts


class AlertSink:
    """Stores alerts in ClickHouse, then publishes them on the live stream."""

    def __init__(self, store: Any, redis: Any, stream: str, maxlen: int = ALERTS_STREAM_MAXLEN) -> None:
        self.store = store
        self.redis = redis
        self.stream = stream
        self.maxlen = maxlen

    async def publish(self, alerts: Sequence[Alert]) -> None:
        if not alerts:
            return
        await self.store.insert(ALERTS_TABLE, [alert.row() for alert in alerts], ALERT_COLUMNS)
        pipe = self.redis.pipeline(transaction=False)
        for alert in alerts:
            pipe.xadd(self.stream, {ALERT_FIELD: alert.to_json()}, maxlen=self.maxlen, approximate=True)
        await pipe.execute()


class MonitorStateStore:
    """The loop / runaway / anomaly state in Redis: one JSON value per trace and per (operation, metric), with a TTL.

    Before a batch is evaluated, the state of every trace and operation in it that this actor does
    not hold is loaded (one pipelined MGET); after the alerts are published, what the batch changed
    is written back (one pipeline of SET … EX) — before the batch is acknowledged, so a crash at any
    point replays the batch onto state that has not yet counted it, or onto state that already has
    (span ids already seen are not counted twice). Keys: `{prefix}:trace:{project}:{trace_id}` and
    `{prefix}:op:{project}:{name}:{metric}`.
    """

    def __init__(self, redis: Any, prefix: str = "security:state", trace_ttl_s: int = 6 * 3600, op_ttl_s: int = 7 * 86400) -> None:
        self.redis = redis
        self.prefix = prefix
        self.trace_ttl_s = trace_ttl_s
        self.op_ttl_s = op_ttl_s

    def _trace_key(self, key: tuple[str, str]) -> str:
        return f"{self.prefix}:trace:{key[0]}:{key[1]}"

    def _op_key(self, key: tuple[str, str, str]) -> str:
        return f"{self.prefix}:op:{key[0]}:{key[1]}:{key[2]}"

    async def load(self, scanner: SpanScanner, spans: Sequence[dict[str, Any]]) -> None:
        traces = list(dict.fromkeys((s.get("project_id", ""), s["trace_id"]) for s in spans))
        traces = [k for k in traces if not scanner.traces.has(k)]
        ops = list(dict.fromkeys(k for s in spans for k in AnomalyDetector.keys_of(s)))
        ops = [k for k in ops if not scanner.anomalies.has(k)]
        if not traces and not ops:
            return
        values = await self.redis.mget([self._trace_key(k) for k in traces] + [self._op_key(k) for k in ops])
        for key, raw in zip(traces, values[: len(traces)]):
            if raw:
                scanner.traces.load(key, json.loads(raw))
        for op, raw in zip(ops, values[len(traces):]):
            if raw:
                scanner.anomalies.load(op, json.loads(raw))

    async def save(self, scanner: SpanScanner) -> None:
        traces, scanner.traces.dirty = scanner.traces.dirty, set()
        ops, scanner.anomalies.dirty = scanner.anomalies.dirty, set()
        if not traces and not ops:
            return
        pipe = self.redis.pipeline(transaction=False)
        for key in traces:
            data = scanner.traces.export(key)
            if data is not None:
                pipe.set(self._trace_key(key), json.dumps(data), ex=self.trace_ttl_s)
        for op in ops:
            stats = scanner.anomalies.export(op)
            if stats is not None:
                pipe.set(self._op_key(op), json.dumps(stats), ex=self.op_ttl_s)
        await pipe.execute()


class ScanHandler:
    """The `StreamConsumer` handler: load monitor state, scan off the event loop, store and publish
    the alerts, save monitor state (then the consumer acknowledges)."""

    def __init__(self, scanner: SpanScanner, sink: AlertSink, state: MonitorStateStore | None = None) -> None:
        self.scanner = scanner
        self.sink = sink
        self.state = state

    async def __call__(self, spans: list[dict[str, Any]]) -> int:
        if self.state is not None:
            await self.state.load(self.scanner, spans)
        alerts = await asyncio.to_thread(self.scanner.evaluate, spans)
        await self.sink.publish(alerts)
        if self.state is not None:
            await self.state.save(self.scanner)
        return len(alerts)
