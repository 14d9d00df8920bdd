"""The security engine: PII, secrets and prompt-injection scanning, loop and anomaly detection.

Pure Python (no Ray): the security actor pool, the `agentstack-scan` command and the benchmarks
all use it. See `SecurityEngine` (texts and spans → findings) and `SpanScanner` (spans → alerts).
"""

from __future__ import annotations

from actors.security.alerts import ALERT_COLUMNS, SEVERITIES, Alert, redact, severity_for
from actors.security.engine import DEFAULT_ENTITIES, FieldScan, Finding, SecurityEngine
from actors.security.injection import InjectionVerdict, score_text
from actors.security.policy import ProjectRules, SecurityRules
from actors.security.scanner import ALERTS_TABLE, AlertSink, MonitorStateStore, ScanHandler, SpanScanner

__all__ = [
    "ALERTS_TABLE",
    "ALERT_COLUMNS",
    "DEFAULT_ENTITIES",
    "SEVERITIES",
    "Alert",
    "AlertSink",
    "FieldScan",
    "Finding",
    "InjectionVerdict",
    "ProjectRules",
    "MonitorStateStore",
    "ScanHandler",
    "SecurityEngine",
    "SecurityRules",
    "SpanScanner",
    "redact",
    "score_text",
    "severity_for",
]
