"""Per-project security rules in the metadata store: rule overrides and allow-list entries.

`configs/security.yaml` holds the defaults; a project's stored overrides are laid over them by the
security pool (`actors/security/project_rules.py`). Allow-list entries are either an HMAC-SHA256
digest of an exact value (the value itself is never stored) or a regular expression.

The digest key is derived from the installation's signing secret, so digests of low-entropy values
(an email address) cannot be reversed by someone who reads the database alone.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cluster.metadata.credentials import signing_secret
from cluster.metadata.errors import AccountError
from cluster.metadata.insights import AllowListEntry, ProjectRuleSet
from cluster.metadata.models import utcnow
from cluster.settings import PlatformSettings

ENTRY_KINDS: tuple[str, ...] = ("digest", "pattern")
MAX_PATTERN_CHARS = 500
#: Redis key of the value digests the scanner saw for one alert (so a false-positive mark can allow exactly them).
ALERT_VALUES_KEY = "agentstack:alert-values:{alert_id}"
ALERT_VALUES_TTL_S = 30 * 86_400


def digest_key(settings: PlatformSettings) -> bytes:
    """The HMAC key of value digests (derived from the signing secret, never the secret itself)."""
    return hashlib.sha256(b"agentstack allow-list\x00" + signing_secret(settings).encode()).digest()


def value_digest(key: bytes, value: str) -> str:
    """HMAC-SHA256 hex digest of an exact matched value."""
    return hmac.new(key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def check_pattern(pattern: str) -> str:
    """A usable regular expression, else AccountError 422 naming `pattern`."""
    if not pattern or len(pattern) > MAX_PATTERN_CHARS:
        raise AccountError(422, "invalid_pattern", f"pattern needs 1 to {MAX_PATTERN_CHARS} characters", "pattern")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise AccountError(422, "invalid_pattern", f"pattern is not a valid regular expression: {exc}", "pattern") from None
    return pattern


def add_entry(db: Session, project_id: str, kind: str, value: str, who: str, entity_type: str = "",
              source_alert_id: str = "") -> AllowListEntry:
    """Add (or return the existing identical) allow-list entry."""
    if kind not in ENTRY_KINDS:
        raise AccountError(422, "invalid_kind", f"kind must be one of {', '.join(ENTRY_KINDS)}; got {kind[:20]!r}", "kind")
    if kind == "pattern":
        check_pattern(value)
    existing = db.scalar(select(AllowListEntry).where(
        AllowListEntry.project_id == project_id, AllowListEntry.kind == kind, AllowListEntry.value == value))
    if existing is not None:
        return existing
    entry = AllowListEntry(id=uuid.uuid4().hex, project_id=project_id, kind=kind, value=value, entity_type=entity_type,
                           source_alert_id=source_alert_id, created_by=who, created_at=utcnow())
    db.add(entry)
    db.flush()
    return entry


def entries(db: Session, project_id: str) -> list[AllowListEntry]:
    return list(db.scalars(select(AllowListEntry).where(AllowListEntry.project_id == project_id)
                           .order_by(AllowListEntry.created_at, AllowListEntry.id)))


def remove_entry(db: Session, project_id: str, entry_id: str) -> None:
    entry = db.get(AllowListEntry, entry_id)
    if entry is None or entry.project_id != project_id:
        raise AccountError(404, "not_found", f"no allow-list entry {entry_id[:40]!r} in this project")
    db.delete(entry)


def stored_overrides(db: Session, project_id: str) -> dict[str, Any]:
    row = db.get(ProjectRuleSet, project_id)
    return json.loads(row.rules_json) if row is not None else {}


def save_overrides(db: Session, project_id: str, overrides: dict[str, Any], who: str) -> ProjectRuleSet:
    row = db.get(ProjectRuleSet, project_id)
    if row is None:
        row = ProjectRuleSet(project_id=project_id)
        db.add(row)
    row.rules_json = json.dumps(overrides, sort_keys=True)
    row.updated_by = who
    row.updated_at = utcnow()
    db.flush()
    return row


@dataclass(frozen=True)
class StoredRules:
    """What the security pool reads for one project: rule overrides, allowed digests and patterns."""

    overrides: dict[str, Any]
    digests: frozenset[str]
    patterns: tuple[re.Pattern[str], ...]
    read_at: datetime


def load_stored_rules(db: Session, project_id: str) -> StoredRules:
    """A project's stored overrides and compiled allow-list (a bad stored pattern is skipped, never fatal)."""
    digests, patterns = set(), []
    for entry in entries(db, project_id):
        if entry.kind == "digest":
            digests.add(entry.value)
        else:
            try:
                patterns.append(re.compile(entry.value))
            except re.error:
                continue
    return StoredRules(stored_overrides(db, project_id), frozenset(digests), tuple(patterns), utcnow())
