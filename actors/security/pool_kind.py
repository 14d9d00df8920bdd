"""The `security` pool kind: how a pool member builds its scanner (registered with `actors.handlers`).

Every trace lands in one partition and a partition belongs to one member at a time, so the
per-trace loop state of a member's `SpanScanner` sees all of a trace's spans.
"""

from __future__ import annotations

from pathlib import Path

from actors.handlers import HandlerContext, register_handler
from actors.security.engine import SecurityEngine
from actors.security.policy import SecurityRules
from actors.security.scanner import AlertSink, ScanHandler, SpanScanner
from cluster.settings import PROJECT_ROOT, PlatformSettings
from cluster.streams import ALERTS_STREAM

DEFAULT_RULES = PROJECT_ROOT / "configs" / "security.yaml"


def rules_path(settings: PlatformSettings) -> Path | None:
    """The rules file in force: `AGENTSTACK_SECURITY_RULES`, else configs/security.yaml if present."""
    if settings.security_rules is not None:
        return settings.security_rules
    return DEFAULT_RULES if DEFAULT_RULES.exists() else None


def build_security_handler(ctx: HandlerContext) -> tuple[ScanHandler, SpanScanner]:
    """Scanner (engine + per-project rules) → alerts stored in ClickHouse, then put on `alerts.live`."""
    scanner = SpanScanner(SecurityEngine(ner=ctx.settings.security_ner), SecurityRules.load(rules_path(ctx.settings)))
    # Insights hook: per-project rules and allow-lists from the metadata store (actors/security/project_rules.py).
    from actors.security.project_rules import with_project_rules

    return with_project_rules(ctx.settings, ScanHandler(scanner, AlertSink(ctx.store, ctx.redis, ALERTS_STREAM)), scanner, ctx.redis)


register_handler("security", build_security_handler)
