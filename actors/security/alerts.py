"""Alerts: what a finding becomes, its severity, and a redacted excerpt that never holds the secret.

One alert per (span, rule): `pii`, `secret`, `prompt_injection`, `loop`, `runaway_trace`,
`anomaly`. Its id is derived from (project, trace, span, rule, subject), so a span scanned twice
(at-least-once delivery) yields the same id and the `security_alerts` table collapses the replay.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cluster.migrations import SECURITY_ALERT_COLUMNS

SEVERITIES: tuple[str, ...] = ("LOW", "MEDIUM", "HIGH", "CRITICAL")

#: Columns of `security_alerts` in insert order (the DDL lives in cluster/migrations.py).
#: `security_alerts` columns in insert order: the table is defined once, in cluster/migrations.py.
ALERT_COLUMNS: tuple[str, ...] = SECURITY_ALERT_COLUMNS

#: How bad a leak of each entity type is (0–100), before the recognizer's own confidence.
ENTITY_SEVERITY_SCORE: dict[str, int] = {
    "PRIVATE_KEY": 98,
    "AWS_ACCESS_KEY": 95,
    "OPENAI_API_KEY": 95,
    "ANTHROPIC_API_KEY": 95,
    "GITHUB_TOKEN": 95,
    "STRIPE_KEY": 95,
    "SLACK_TOKEN": 90,
    "GOOGLE_API_KEY": 90,
    "JWT": 85,
    "GENERIC_SECRET": 80,
    "CREDIT_CARD": 85,
    "US_SSN": 85,
    "US_ITIN": 80,
    "IBAN_CODE": 75,
    "US_PASSPORT": 75,
    "CRYPTO": 60,
    "EMAIL_ADDRESS": 50,
    "PHONE_NUMBER": 50,
    "PERSON": 35,
    "LOCATION": 25,
    "IP_ADDRESS": 30,
}

EXCERPT_CONTEXT = 80
EXCERPT_MAX = 400


def severity_for(score: float) -> str:
    """Map a 0–100 score to LOW (< 40), MEDIUM (< 70), HIGH (< 90) or CRITICAL."""
    if score < 40:
        return "LOW"
    if score < 70:
        return "MEDIUM"
    if score < 90:
        return "HIGH"
    return "CRITICAL"


def alert_id(*parts: str) -> str:
    """A stable id for an alert: the same span and rule always give the same id."""
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


def redact(text: str, spans: Sequence[tuple[int, int, str]], focus: tuple[int, int] | None = None) -> str:
    """An excerpt of `text` around `focus` (default: the first span) with every span replaced by `<TYPE>`.

    Args:
        text: the scanned text.
        spans: (start, end, entity type) of everything sensitive found in `text`.
        focus: the region the excerpt is about.
    """
    if not spans and focus is None:
        return text[:EXCERPT_MAX]
    lo_focus, hi_focus = focus if focus is not None else (spans[0][0], spans[0][1])
    lo = max(0, lo_focus - EXCERPT_CONTEXT)
    hi = min(len(text), max(hi_focus + EXCERPT_CONTEXT, lo + 40))
    # Widen the excerpt so it never starts or ends inside a sensitive span (half a key is still a leak).
    for start, end, _ in spans:
        if start < lo < end:
            lo = start
        if start < hi < end:
            hi = end
    pieces: list[str] = []
    cursor = lo
    for start, end, kind in sorted(spans):
        if end <= lo or start >= hi or start < cursor:
            continue
        pieces.append(text[cursor:start])
        pieces.append(f"<{kind}>")
        cursor = end
    pieces.append(text[cursor:hi])
    excerpt = "".join(pieces)
    if len(excerpt) > EXCERPT_MAX:
        excerpt = excerpt[:EXCERPT_MAX] + "…"
    return ("…" if lo > 0 else "") + excerpt + ("…" if hi < len(text) else "")


@dataclass
class Alert:
    """One security alert, as stored in `security_alerts` and published on `alerts.live`."""

    project_id: str
    trace_id: str
    span_id: str
    rule: str
    entity_types: list[str]
    score: float
    excerpt: str
    subject: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def severity(self) -> str:
        return severity_for(self.score)

    @property
    def alert_id(self) -> str:
        return alert_id(self.project_id, self.trace_id, self.span_id, self.rule, self.subject)

    def row(self) -> tuple[Any, ...]:
        """The `security_alerts` row in `ALERT_COLUMNS` order."""
        return (
            self.alert_id,
            self.project_id,
            self.trace_id,
            self.span_id,
            self.rule,
            list(self.entity_types),
            self.severity,
            float(self.score),
            self.excerpt,
            self.created_at,
        )

    def to_dict(self) -> dict[str, Any]:
        """The alert as JSON-ready data (the `alerts.live` payload)."""
        return {
            "alert_id": self.alert_id,
            "project_id": self.project_id,
            "trace_id": self.trace_id,
            "span_id": self.span_id,
            "rule": self.rule,
            "entity_types": list(self.entity_types),
            "severity": self.severity,
            "score": round(float(self.score), 1),
            "excerpt": self.excerpt,
            "details": self.details,
            "created_at": self.created_at.isoformat(),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, default=str)
