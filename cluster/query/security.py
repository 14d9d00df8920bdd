"""Security alert reads and status changes: alerts from ClickHouse, what people decided from the metadata store.

An alert without an `alert_status` row is open. Filters on status turn into an id list from the
metadata store (`alert_id IN …` for decided statuses, `NOT IN` the decided ids for `open`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cluster.metadata.insights import ALERT_STATUSES, AlertStatus
from cluster.metadata.models import utcnow
from cluster.query.windows import TimeWindow, bucket_size
from cluster.store import StoreClient

SEVERITIES: tuple[str, ...] = ("LOW", "MEDIUM", "HIGH", "CRITICAL")
#: Stored rule names, and the short names the API also accepts for them.
RULES: tuple[str, ...] = ("pii", "secret", "prompt_injection", "loop", "runaway_trace", "anomaly")
RULE_ALIASES: dict[str, str] = {"injection": "prompt_injection", "runaway": "runaway_trace"}
SORTS: dict[str, tuple[str, str]] = {
    "-created_at": ("created_at", "DESC"),
    "created_at": ("created_at", "ASC"),
    "-score": ("score", "DESC"),
    "score": ("score", "ASC"),
}
#: The most alerts one bulk status change touches.
MAX_BULK = 10_000


class FilterError(ValueError):
    """A filter value that cannot be used; `field` names the query parameter."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class AlertFilter:
    """What an alert list, a summary or a bulk change selects."""

    project_id: str
    window: TimeWindow
    severities: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    trace_id: str | None = None
    service: str | None = None


def check_values(field_name: str, values: list[str] | None, allowed: tuple[str, ...], aliases: dict[str, str] | None = None,
                 upper: bool = False) -> tuple[str, ...]:
    """Validated, de-duplicated filter values (comma lists allowed); FilterError naming the parameter."""
    out: list[str] = []
    for raw in values or []:
        for part in raw.split(","):
            value = part.strip()
            if not value:
                continue
            value = value.upper() if upper else value.lower()
            value = (aliases or {}).get(value, value)
            if value not in allowed:
                raise FilterError(field_name, f"{field_name} must be one of {', '.join(allowed)}; got {part.strip()[:40]!r}")
            if value not in out:
                out.append(value)
    return tuple(out)


#: A page cursor: the sort key (a float as Python prints it) and the alert id; declared in the schema.
CURSOR_PATTERN = r"^-?[0-9]{1,20}(\.[0-9]{1,20})?(e[-+][0-9]{1,3})?~[0-9a-f]{32}$"
_CURSOR = re.compile(CURSOR_PATTERN)


@dataclass(frozen=True)
class Cursor:
    """Where the previous page ended: the sort key's value and the alert id."""

    key: float
    alert_id: str

    def encode(self) -> str:
        return f"{self.key!r}~{self.alert_id}"

    @staticmethod
    def decode(text: str) -> Cursor:
        if not _CURSOR.match(text):
            raise FilterError("cursor", "cursor is not one this API returned (pass next_cursor unchanged)")
        key, _, alert_id = text.partition("~")
        return Cursor(float(key), alert_id)


def decided_ids(db: Session, project_id: str, statuses: tuple[str, ...] | None = None) -> list[str]:
    """Ids of the project's alerts with a status row (of these statuses; None: every status but open)."""
    query = select(AlertStatus.alert_id).where(AlertStatus.project_id == project_id)
    query = query.where(AlertStatus.status.in_(statuses)) if statuses else query.where(AlertStatus.status != "open")
    return list(db.scalars(query))


@dataclass
class _Where:
    sql: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        return " AND ".join(self.sql)


def where_clause(flt: AlertFilter, db: Session) -> _Where:
    """The SQL condition (and parameters) of a filter on `security_alerts`."""
    where = _Where(["project_id = {p:String}", "created_at >= {ws:DateTime64(3)}", "created_at < {we:DateTime64(3)}"],
                   {"p": flt.project_id, **flt.window.params()})
    if flt.severities:
        where.sql.append("severity IN {sev:Array(String)}")
        where.params["sev"] = list(flt.severities)
    if flt.rules:
        where.sql.append("rule IN {rules:Array(String)}")
        where.params["rules"] = list(flt.rules)
    if flt.entities:
        where.sql.append("hasAny(entity_types, {ents:Array(String)})")
        where.params["ents"] = list(flt.entities)
    if flt.trace_id:
        where.sql.append("trace_id = {t:String}")
        where.params["t"] = flt.trace_id
    if flt.service:
        where.sql.append(
            "(trace_id, span_id) IN (SELECT trace_id, span_id FROM spans WHERE project_id = {p:String} "
            "AND service_name = {svc:String})"
        )
        where.params["svc"] = flt.service
    if flt.statuses and set(flt.statuses) != set(ALERT_STATUSES):
        decided = [s for s in flt.statuses if s != "open"]
        if "open" in flt.statuses:
            # open = everything but the alerts decided otherwise
            others = tuple(s for s in ALERT_STATUSES if s not in flt.statuses)
            where.sql.append("alert_id NOT IN {closed:Array(String)}")
            where.params["closed"] = decided_ids(db, flt.project_id, others)
        else:
            where.sql.append("alert_id IN {ids:Array(String)}")
            where.params["ids"] = decided_ids(db, flt.project_id, tuple(decided))
    return where


_ALERT_COLUMNS = (
    "alert_id, trace_id, span_id, rule, entity_types, severity, score, excerpt, "
    "toUnixTimestamp64Milli(created_at) AS created_ms"
)


def _iso_ms(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _status_view(row: AlertStatus | None) -> dict[str, Any]:
    if row is None:
        return {"status": "open", "status_note": "", "status_by": None, "status_at": None}
    return {"status": row.status, "status_note": row.note, "status_by": row.updated_by,
            "status_at": row.updated_at.isoformat().replace("+00:00", "Z")}


async def _names(store: StoreClient, project_id: str, rows: list[dict[str, Any]]) -> tuple[dict[tuple[str, str], dict[str, Any]], dict[str, str]]:
    """Span names/services and trace names of the alerts on one page (two point lookups)."""
    if not rows:
        return {}, {}
    traces = sorted({r["trace_id"] for r in rows})
    spans = sorted({r["span_id"] for r in rows})
    found = await store.query(
        "SELECT trace_id, span_id, any(name) AS name, any(service_name) AS service FROM spans "
        "WHERE project_id = {p:String} AND trace_id IN {t:Array(String)} AND span_id IN {s:Array(String)} "
        "GROUP BY trace_id, span_id",
        {"p": project_id, "t": traces, "s": spans},
    )
    names = await store.query(
        "SELECT trace_id, argMinMerge(root_name) AS name FROM trace_summaries "
        "WHERE project_id = {p:String} AND trace_id IN {t:Array(String)} GROUP BY trace_id",
        {"p": project_id, "t": traces},
    )
    return ({(r["trace_id"], r["span_id"]): r for r in found}, {r["trace_id"]: r["name"] for r in names})


async def alert_views(store: StoreClient, db: Session, project_id: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """API views of `security_alerts` rows: names, service and status added."""
    spans, traces = await _names(store, project_id, rows)
    ids = [r["alert_id"] for r in rows]
    statuses = {
        s.alert_id: s for s in db.scalars(select(AlertStatus).where(AlertStatus.project_id == project_id, AlertStatus.alert_id.in_(ids)))
    } if ids else {}
    out = []
    for r in rows:
        span = spans.get((r["trace_id"], r["span_id"]), {})
        out.append({
            "id": r["alert_id"],
            "created_at": _iso_ms(int(r["created_ms"])),
            "severity": r["severity"],
            "score": round(float(r["score"]), 1),
            "rule": r["rule"],
            "entity_types": list(r["entity_types"]),
            "excerpt": r["excerpt"],
            "trace_id": r["trace_id"],
            "span_id": r["span_id"],
            "trace_name": traces.get(r["trace_id"]),
            "span_name": span.get("name"),
            "service_name": span.get("service"),
            **_status_view(statuses.get(r["alert_id"])),
        })
    return out


async def list_alerts(
    store: StoreClient, db: Session, flt: AlertFilter, sort: str = "-created_at", limit: int = 50, cursor: Cursor | None = None
) -> dict[str, Any]:
    """One page of alerts, newest (or highest score) first, with the cursor of the next page."""
    column, direction = SORTS[sort]
    key = "toUnixTimestamp64Milli(created_at)" if column == "created_at" else "toFloat64(score)"
    where = where_clause(flt, db)
    if cursor is not None:
        op = "<" if direction == "DESC" else ">"
        where.sql.append(f"({key}, alert_id) {op} ({{ck:Float64}}, {{cid:String}})")
        where.params.update(ck=cursor.key, cid=cursor.alert_id)
    # Two steps: the page's ids from the narrow columns (a replayed alert counted once: LIMIT 1 BY),
    # then the wide columns (excerpt) of just those ids.
    keys = await store.query(
        f"SELECT alert_id, {key} AS sort_key FROM security_alerts WHERE {where.text()} "
        f"ORDER BY sort_key {direction}, alert_id {direction} LIMIT 1 BY alert_id LIMIT {{n:UInt32}}",
        {**where.params, "n": limit + 1},
    )
    page_keys, more = keys[:limit], len(keys) > limit
    ids = [k["alert_id"] for k in page_keys]
    found = {
        r["alert_id"]: r for r in await store.query(
            f"SELECT {_ALERT_COLUMNS} FROM security_alerts PREWHERE alert_id IN {{ids:Array(String)}} "
            "WHERE project_id = {p:String} ORDER BY created_at DESC LIMIT 1 BY alert_id",
            {"ids": ids, "p": flt.project_id},
        )
    } if ids else {}
    page = [found[i] for i in ids if i in found]
    items = await alert_views(store, db, flt.project_id, page)
    last = page_keys[-1] if page_keys else None
    next_cursor = Cursor(float(last["sort_key"]), last["alert_id"]).encode() if more and last else None
    return {"items": items, "next_cursor": next_cursor}


async def get_alert_row(store: StoreClient, project_id: str, alert_id: str) -> dict[str, Any] | None:
    rows = await store.query(
        f"SELECT {_ALERT_COLUMNS} FROM security_alerts FINAL WHERE project_id = {{p:String}} AND alert_id = {{a:String}} LIMIT 1",
        {"p": project_id, "a": alert_id},
    )
    return rows[0] if rows else None


def set_status(db: Session, project_id: str, row: dict[str, Any], status: str, note: str, who: str) -> AlertStatus:
    """Record a status change of one alert (who and when); returns the status row."""
    current = db.get(AlertStatus, (project_id, row["alert_id"]))
    if current is None:
        current = AlertStatus(
            project_id=project_id, alert_id=row["alert_id"], severity=row["severity"], rule=row["rule"],
            alert_created_at=datetime.fromtimestamp(int(row["created_ms"]) / 1000, tz=UTC),
        )
        db.add(current)
    current.status = status
    current.note = note
    current.updated_by = who
    current.updated_at = utcnow()
    db.flush()
    return current


async def matching_rows(store: StoreClient, db: Session, flt: AlertFilter, limit: int = MAX_BULK) -> list[dict[str, Any]]:
    """Every alert a filter selects (at most `limit`), for a bulk status change."""
    where = where_clause(flt, db)
    return await store.query(
        f"SELECT {_ALERT_COLUMNS} FROM security_alerts FINAL WHERE {where.text()} ORDER BY created_at DESC LIMIT {{n:UInt32}}",
        {**where.params, "n": limit},
    )


def _decided_counts(db: Session, flt: AlertFilter) -> dict[str, int]:
    """Per severity: alerts of the window that are not open any more (metadata store)."""
    from sqlalchemy import func

    query = (
        select(AlertStatus.severity, func.count())
        .where(AlertStatus.project_id == flt.project_id, AlertStatus.status != "open",
               AlertStatus.alert_created_at >= flt.window.start, AlertStatus.alert_created_at < flt.window.end)
        .group_by(AlertStatus.severity)
    )
    if flt.rules:
        query = query.where(AlertStatus.rule.in_(flt.rules))
    if flt.severities:
        query = query.where(AlertStatus.severity.in_(flt.severities))
    return {severity: int(n) for severity, n in db.execute(query)}


async def open_by_severity(
    store: StoreClient, db: Session, flt: AlertFilter, totals: dict[str, int] | None = None
) -> dict[str, dict[str, int]]:
    """Per severity: all alerts of the window and the open ones (total minus decided).

    `totals` (alerts per severity, when the caller already counted them) saves the ClickHouse query.
    """
    if totals is None:
        where = where_clause(AlertFilter(flt.project_id, flt.window, flt.severities, flt.rules), db)
        rows = await store.query(
            f"SELECT severity, uniqExact(alert_id) AS n FROM security_alerts WHERE {where.text()} GROUP BY severity", where.params
        )
        totals = {r["severity"]: int(r["n"]) for r in rows}
    counted = {s: 0 for s in SEVERITIES} | totals
    decided = _decided_counts(db, flt)
    return {s: {"total": n, "open": max(0, n - decided.get(s, 0))} for s, n in counted.items()}


async def summary(store: StoreClient, db: Session, flt: AlertFilter, bucket: str, top: int = 10) -> dict[str, Any]:
    """Counts by severity and rule per bucket, top rules, top services and traces of a window."""
    size = bucket_size(bucket)
    where = where_clause(flt, db)
    base = f"FROM security_alerts WHERE {where.text()}"
    series = await store.query(
        f"SELECT toUnixTimestamp(toStartOfInterval(created_at, toIntervalSecond({size}))) AS t, severity, rule, "
        f"uniqExact(alert_id) AS n {base} GROUP BY t, severity, rule ORDER BY t",
        where.params,
    )
    buckets: dict[int, dict[str, Any]] = {}
    rules: dict[str, int] = {}
    severity_totals: dict[str, int] = {}
    for row in series:
        severity_totals[row["severity"]] = severity_totals.get(row["severity"], 0) + int(row["n"])
        point = buckets.setdefault(int(row["t"]), {"by_severity": {s: 0 for s in SEVERITIES}, "by_rule": {}})
        point["by_severity"][row["severity"]] = point["by_severity"].get(row["severity"], 0) + int(row["n"])
        point["by_rule"][row["rule"]] = point["by_rule"].get(row["rule"], 0) + int(row["n"])
        rules[row["rule"]] = rules.get(row["rule"], 0) + int(row["n"])
    top_traces = await store.query(
        f"SELECT trace_id, uniqExact(alert_id) AS n, max(score) AS max_score {base} GROUP BY trace_id "
        "ORDER BY n DESC, trace_id LIMIT {top:UInt32}",
        {**where.params, "top": top},
    )
    services = await store.query(
        "SELECT service, sum(n) AS n FROM ("
        f"  SELECT trace_id, uniqExact(alert_id) AS n {base} GROUP BY trace_id"
        ") AS a INNER JOIN ("
        "  SELECT trace_id, argMinMerge(root_service) AS service FROM trace_summaries WHERE project_id = {p:String} "
        f"  AND trace_id IN (SELECT trace_id {base}) GROUP BY trace_id"
        ") AS s USING trace_id GROUP BY service ORDER BY n DESC, service LIMIT {top:UInt32}",
        {**where.params, "top": top},
    )
    _, trace_names = await _names(store, flt.project_id, [{"trace_id": r["trace_id"], "span_id": ""} for r in top_traces])
    return {
        "bucket": bucket,
        "start": flt.window.start.isoformat().replace("+00:00", "Z"),
        "end": flt.window.end.isoformat().replace("+00:00", "Z"),
        "by_severity": await open_by_severity(store, db, flt, severity_totals),
        "series": [
            {"time": datetime.fromtimestamp(t, tz=UTC).isoformat().replace("+00:00", "Z"), **point}
            for t, point in sorted(buckets.items())
        ],
        "top_rules": [{"rule": r, "count": n} for r, n in sorted(rules.items(), key=lambda kv: (-kv[1], kv[0]))][:top],
        "top_services": [{"service": r["service"], "count": int(r["n"])} for r in services],
        "top_traces": [
            {"trace_id": r["trace_id"], "trace_name": trace_names.get(r["trace_id"]), "count": int(r["n"]),
             "max_score": round(float(r["max_score"]), 1)}
            for r in top_traces
        ],
    }
