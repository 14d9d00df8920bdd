"""The security resource: alerts (list, one, status changes), the summary, allow-list and project rules.

Reads need any role on the project (or its read key); status changes need `member`; the allow-list
undo and the project rules need `admin`.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from cluster.metadata import allow_list
from cluster.metadata.insights import ALERT_STATUSES, AllowListEntry
from cluster.query import security as logic
from cluster.query.windows import TimeWindow
from cluster.store import StoreClient
from serve_apps.access import ProjectAccess, accounts_of, read_access
from serve_apps.errors import ApiError, error_docs, method_not_allowed
from serve_apps.insights_common import guarded, iso, require_role, who, window_params

Status = Literal["open", "acknowledged", "resolved", "false_positive"]
Severity = Literal["LOW", "MEDIUM", "HIGH", "CRITICAL"]
_ALERT_ID = re.compile(r"^[0-9a-f]{32}$")
#: The alert id path parameter, its rule declared in the schema (checked by `_alert_id`, 422 naming it).
AlertId = Annotated[str, Path(json_schema_extra={"pattern": _ALERT_ID.pattern})]
_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")


def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


def _list_of(item: str) -> re.Pattern[str]:
    """One value of a repeatable filter: a comma-separated list of `item` (spaces and empty parts allowed)."""
    return re.compile(rf"^ *(?:{item})? *(?:, *(?:{item})? *)*$")


def _words(values: tuple[str, ...] | list[str]) -> str:
    return "|".join(_any_case(v) for v in sorted(values, key=len, reverse=True))


#: What each filter accepts, declared in the schema and checked by `_filter` (422 naming the parameter), so
#: the schema and the server agree on every value: known names in any case, comma lists, repeats.
FILTER_PATTERNS: dict[str, re.Pattern[str]] = {
    "severity": _list_of(_words(logic.SEVERITIES)),
    "rule": _list_of(_words([*logic.RULES, *logic.RULE_ALIASES])),
    "entity": _list_of("[A-Za-z_]{2,40}"),
    "status": _list_of(_words(ALERT_STATUSES)),
}
_TRACE_ID_PARAM = re.compile(r"^-*(?:[0-9a-fA-F]-*){32}$")


def _items(name: str) -> dict[str, Any]:
    return {"items": {"type": "string", "pattern": FILTER_PATTERNS[name].pattern}}


class AlertOut(BaseModel):
    """One security alert with what people decided about it."""

    id: str
    created_at: str
    severity: Severity
    score: float = Field(description="0–100")
    rule: str = Field(description="pii, secret, prompt_injection, loop, runaway_trace or anomaly")
    entity_types: list[str]
    excerpt: str = Field(description="redacted: sensitive values are replaced by <TYPE>")
    trace_id: str
    span_id: str
    trace_name: str | None
    span_name: str | None
    service_name: str | None
    status: Status
    status_note: str
    status_by: str | None = Field(description="who set the status (email)")
    status_at: str | None


class AlertPage(BaseModel):
    items: list[AlertOut]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last page")


class AllowIn(BaseModel):
    """What a false-positive mark adds to the project's allow-list (default: the exact values the scanner matched)."""

    value: str | None = Field(None, max_length=2000, description="an exact value never to report again (stored as a digest)")
    pattern: str | None = Field(None, max_length=500, description="a regular expression of values never to report again")


class StatusIn(BaseModel):
    status: Status
    note: str = Field("", max_length=2000)
    allow: AllowIn | None = Field(None, description="with false_positive: what to allow (default: the matched values)")


class AllowEntryOut(BaseModel):
    id: str
    kind: Literal["digest", "pattern"]
    value: str = Field(description="the pattern, or the value's HMAC digest (the value itself is never stored)")
    entity_type: str
    source_alert_id: str
    created_by: str
    created_at: str

    @classmethod
    def of(cls, entry: AllowListEntry) -> AllowEntryOut:
        return cls(id=entry.id, kind=entry.kind, value=entry.value, entity_type=entry.entity_type,  # type: ignore[arg-type]
                   source_alert_id=entry.source_alert_id, created_by=entry.created_by, created_at=iso(entry.created_at) or "")


class AllowList(BaseModel):
    items: list[AllowEntryOut]


class StatusChanged(BaseModel):
    alert: AlertOut
    allow_list_added: list[AllowEntryOut] = Field(description="entries the false-positive mark added (undo: DELETE them)")


class BulkStatusIn(BaseModel):
    """A status change for every alert a filter selects (at most 10,000 per call)."""

    status: Status
    note: str = Field("", max_length=2000)
    severity: list[Severity] | None = None
    rule: list[str] | None = None
    entity: list[str] | None = None
    current_status: list[Status] | None = Field(None, description="only alerts currently in these statuses")
    trace_id: str | None = None
    service: str | None = None
    start: datetime | None = None
    end: datetime | None = None


class BulkResult(BaseModel):
    updated: int
    truncated: bool = Field(description="true when more alerts matched than one call changes (10,000)")


class SeverityCount(BaseModel):
    total: int
    open: int


class SummaryPoint(BaseModel):
    time: str
    by_severity: dict[str, int]
    by_rule: dict[str, int]


class RuleCount(BaseModel):
    rule: str
    count: int


class ServiceCount(BaseModel):
    service: str
    count: int


class TraceCount(BaseModel):
    trace_id: str
    trace_name: str | None
    count: int
    max_score: float


class SecuritySummary(BaseModel):
    bucket: Literal["minute", "hour", "day"]
    start: str
    end: str
    by_severity: dict[str, SeverityCount]
    series: list[SummaryPoint]
    top_rules: list[RuleCount]
    top_services: list[ServiceCount]
    top_traces: list[TraceCount]


class RulesOut(BaseModel):
    """The project's rules: the defaults (configs/security.yaml), its stored overrides, the merged result."""

    defaults: dict[str, Any]
    overrides: dict[str, Any]
    effective: dict[str, Any]
    allow_list: list[AllowEntryOut]


class RulesIn(BaseModel):
    overrides: dict[str, Any] = Field(description="keys of ProjectRules (injection_threshold, disabled_entities, loop_threshold, runaway, …)")


def _filter(access: ProjectAccess, window: TimeWindow, severity: list[str] | None, rule: list[str] | None,
            entity: list[str] | None, status: list[str] | None, trace_id: str | None, service: str | None) -> logic.AlertFilter:
    try:
        for name, given in (("severity", severity), ("rule", rule), ("entity", entity), ("status", status)):
            for raw in given or []:
                if not FILTER_PATTERNS[name].match(raw):
                    raise logic.FilterError(name, f"{name} must be a comma-separated list of known values; got {raw[:40]!r}")
        trace = None
        if trace_id:
            trace = trace_id.replace("-", "").lower()
            if not _TRACE_ID.match(trace):
                raise logic.FilterError("trace_id", f"trace_id must be 32 hex characters, got {trace_id[:64]!r}")
        entities = tuple(e.strip().upper() for raw in entity or [] for e in raw.split(",") if e.strip())
        for e in entities:
            if not re.fullmatch(r"[A-Z_]{2,40}", e):
                raise logic.FilterError("entity", f"entity must be an entity type like EMAIL_ADDRESS; got {e[:40]!r}")
        return logic.AlertFilter(
            project_id=access.project_id, window=window,
            severities=logic.check_values("severity", severity, logic.SEVERITIES, upper=True),
            rules=logic.check_values("rule", rule, logic.RULES, logic.RULE_ALIASES),
            entities=entities,
            statuses=logic.check_values("status", status, ALERT_STATUSES),
            trace_id=trace, service=service or None,
        )
    except logic.FilterError as exc:
        raise ApiError(422, "invalid_filter", str(exc), field=exc.field) from None


def _alert_id(alert_id: str) -> str:
    if not _ALERT_ID.match(alert_id):
        raise ApiError(422, "invalid_alert_id", f"alert id must be 32 hex characters, got {alert_id[:64]!r}", field="alert_id")
    return alert_id


def _merged(defaults: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Overrides laid over the defaults, nested mappings (e.g. `runaway`) key by key, as the security pool does."""
    merged = dict(defaults)
    for key, value in overrides.items():
        merged[key] = {**merged[key], **value} if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
    return merged


def _rules_defaults() -> Any:
    # Imported on first use: the security package loads Presidio (seconds), which most query calls never need.
    from actors.security.pool_kind import DEFAULT_RULES
    from actors.security.policy import SecurityRules

    return SecurityRules.load(DEFAULT_RULES if DEFAULT_RULES.exists() else None).defaults


def security_router(store: StoreClient, redis: Any, retry_after_s: int) -> APIRouter:
    """Security alerts, summary, allow-list and rules, each authorised for one project."""
    router = APIRouter(prefix="/api/v1/security", tags=["security"])
    errors = error_docs(401, 403, 404, 422, 503)

    def session(request: Request) -> Any:
        return accounts_of(request).db.session()

    @router.get("/alerts", responses=errors)
    async def alerts(
        request: Request,
        severity: list[str] | None = Query(None, description="LOW, MEDIUM, HIGH, CRITICAL (repeat or comma-separate)",
                                           json_schema_extra=_items("severity")),
        rule: list[str] | None = Query(None, description="pii, secret, injection, loop, runaway, anomaly",
                                       json_schema_extra=_items("rule")),
        entity: list[str] | None = Query(None, description="entity types, e.g. EMAIL_ADDRESS", json_schema_extra=_items("entity")),
        status: list[str] | None = Query(None, description="open, acknowledged, resolved, false_positive",
                                         json_schema_extra=_items("status")),
        trace_id: str | None = Query(None, max_length=64, pattern=_TRACE_ID_PARAM.pattern),
        service: str | None = Query(None, max_length=200),
        sort: Literal["-created_at", "created_at", "-score", "score"] = Query("-created_at"),
        limit: int = Query(50, ge=1, le=500),
        cursor: str | None = Query(None, max_length=80, pattern=logic.CURSOR_PATTERN,
                                   description="next_cursor of the previous page, as is"),
        window: TimeWindow = Depends(window_params),
        access: ProjectAccess = Depends(read_access),
    ) -> AlertPage:
        flt = _filter(access, window, severity, rule, entity, status, trace_id, service)
        try:
            after = logic.Cursor.decode(cursor) if cursor else None
        except logic.FilterError as exc:
            raise ApiError(422, "invalid_cursor", str(exc), field="cursor") from None
        with session(request) as db:
            page = await guarded(logic.list_alerts(store, db, flt, sort, limit, after), retry_after_s)
        return AlertPage.model_validate(page)

    @router.api_route("/alerts/bulk-status", methods=["GET", "PATCH"], include_in_schema=False)
    async def bulk_status_other_methods(request: Request) -> Any:
        # Without this, `/alerts/{alert_id}` would take GET and PATCH of this path as an alert id.
        return method_not_allowed(request)

    @router.get("/alerts/{alert_id}", responses=errors)
    async def alert(request: Request, alert_id: AlertId, access: ProjectAccess = Depends(read_access)) -> AlertOut:
        row = await guarded(logic.get_alert_row(store, access.project_id, _alert_id(alert_id)), retry_after_s)
        if row is None:
            raise ApiError(404, "not_found", f"no alert {alert_id} in this project")
        with session(request) as db:
            return AlertOut.model_validate((await logic.alert_views(store, db, access.project_id, [row]))[0])

    async def _allow(
        db: Session, settings: Any, access: ProjectAccess, row: dict[str, Any], allow: AllowIn | None
    ) -> list[AllowListEntry]:
        entity = ",".join(row["entity_types"])
        if allow is not None and allow.pattern:
            return [allow_list.add_entry(db, access.project_id, "pattern", allow.pattern, who(access), entity, row["alert_id"])]
        if allow is not None and allow.value:
            digest = allow_list.value_digest(allow_list.digest_key(settings), allow.value)
            return [allow_list.add_entry(db, access.project_id, "digest", digest, who(access), entity, row["alert_id"])]
        raw = await redis.get(allow_list.ALERT_VALUES_KEY.format(alert_id=row["alert_id"])) if redis is not None else None
        if not raw:
            return []
        return [
            allow_list.add_entry(db, access.project_id, "digest", item["digest"], who(access), item.get("entity_type", ""), row["alert_id"])
            for item in json.loads(raw)
        ]

    @router.patch("/alerts/{alert_id}", responses=error_docs(401, 403, 404, 409, 422, 503))
    async def change(request: Request, alert_id: AlertId, body: StatusIn, access: ProjectAccess = Depends(read_access)) -> StatusChanged:
        require_role(access, "member")
        row = await guarded(logic.get_alert_row(store, access.project_id, _alert_id(alert_id)), retry_after_s)
        if row is None:
            raise ApiError(404, "not_found", f"no alert {alert_id} in this project")
        if body.allow is not None and body.status != "false_positive":
            raise ApiError(422, "invalid_request", "allow is only accepted with status false_positive", field="allow")
        with session(request) as db:
            logic.set_status(db, access.project_id, row, body.status, body.note, who(access))
            added = await _allow(db, accounts_of(request).settings, access, row, body.allow) if body.status == "false_positive" else []
            view = (await logic.alert_views(store, db, access.project_id, [row]))[0]
            return StatusChanged(alert=AlertOut.model_validate(view), allow_list_added=[AllowEntryOut.of(e) for e in added])

    @router.post("/alerts/bulk-status", responses=error_docs(401, 403, 404, 422, 503))
    async def bulk(request: Request, body: BulkStatusIn, access: ProjectAccess = Depends(read_access)) -> BulkResult:
        require_role(access, "member")
        window = window_params(body.start, body.end)
        flt = _filter(access, window, list(body.severity or []), body.rule, body.entity, list(body.current_status or []),
                      body.trace_id, body.service)
        with session(request) as db:
            rows = await guarded(logic.matching_rows(store, db, flt, logic.MAX_BULK + 1), retry_after_s)
            for row in rows[: logic.MAX_BULK]:
                logic.set_status(db, access.project_id, row, body.status, body.note, who(access))
        return BulkResult(updated=min(len(rows), logic.MAX_BULK), truncated=len(rows) > logic.MAX_BULK)

    @router.get("/summary", responses=errors)
    async def summary(
        request: Request,
        bucket: Literal["minute", "hour", "day"] | None = Query(None, description="default: chosen from the window"),
        severity: list[str] | None = Query(None, description="LOW, MEDIUM, HIGH, CRITICAL (repeat or comma-separate)",
                                           json_schema_extra=_items("severity")),
        rule: list[str] | None = Query(None, description="pii, secret, injection, loop, runaway, anomaly",
                                       json_schema_extra=_items("rule")),
        top: int = Query(10, ge=1, le=100),
        window: TimeWindow = Depends(window_params),
        access: ProjectAccess = Depends(read_access),
    ) -> SecuritySummary:
        flt = _filter(access, window, severity, rule, None, None, None, None)
        with session(request) as db:
            data = await guarded(logic.summary(store, db, flt, bucket or window.auto_bucket(), top), retry_after_s)
        return SecuritySummary.model_validate(data)

    @router.get("/allow-list", responses=errors)
    async def allow_entries(request: Request, access: ProjectAccess = Depends(read_access)) -> AllowList:
        with session(request) as db:
            return AllowList(items=[AllowEntryOut.of(e) for e in allow_list.entries(db, access.project_id)])

    @router.post("/allow-list", status_code=201, responses=error_docs(401, 403, 404, 409, 422))
    async def add_allow(request: Request, body: AllowIn, access: ProjectAccess = Depends(read_access)) -> AllowEntryOut:
        require_role(access, "admin")
        settings = accounts_of(request).settings
        with session(request) as db:
            if body.pattern:
                entry = allow_list.add_entry(db, access.project_id, "pattern", body.pattern, who(access))
            elif body.value:
                digest = allow_list.value_digest(allow_list.digest_key(settings), body.value)
                entry = allow_list.add_entry(db, access.project_id, "digest", digest, who(access))
            else:
                raise ApiError(422, "invalid_request", "send a value or a pattern", field="value")
            return AllowEntryOut.of(entry)

    @router.delete("/allow-list/{entry_id}", status_code=204, responses=error_docs(401, 403, 404, 422))
    async def undo_allow(request: Request, entry_id: str, access: ProjectAccess = Depends(read_access)) -> None:
        require_role(access, "admin")
        with session(request) as db:
            allow_list.remove_entry(db, access.project_id, entry_id[:64])

    def _rules_view(request: Request, project_id: str) -> RulesOut:
        defaults = _rules_defaults()
        with session(request) as db:
            overrides = allow_list.stored_overrides(db, project_id)
            entries = allow_list.entries(db, project_id)
        effective = defaults.model_validate(_merged(defaults.model_dump(), overrides)).model_dump()
        return RulesOut(defaults=defaults.model_dump(), overrides=overrides, effective=effective,
                        allow_list=[AllowEntryOut.of(e) for e in entries])

    @router.get("/rules", responses=errors)
    async def rules(request: Request, access: ProjectAccess = Depends(read_access)) -> RulesOut:
        require_role(access, "admin")
        return _rules_view(request, access.project_id)

    @router.put("/rules", responses=errors)
    async def put_rules(request: Request, body: RulesIn, access: ProjectAccess = Depends(read_access)) -> RulesOut:
        require_role(access, "admin")
        defaults = _rules_defaults()
        if "allow_list" in body.overrides:
            raise ApiError(422, "invalid_rules", "edit the allow-list through /security/allow-list", field="overrides.allow_list")
        try:
            defaults.model_validate(_merged(defaults.model_dump(), body.overrides))
        except Exception as exc:  # pydantic ValidationError: name the first bad key
            errs = getattr(exc, "errors", list)()
            loc = ".".join(str(p) for p in (errs[0]["loc"] if errs else ()))
            raise ApiError(422, "invalid_rules", f"{loc}: {errs[0]['msg'] if errs else exc}", field=f"overrides.{loc}") from None
        with session(request) as db:
            allow_list.save_overrides(db, access.project_id, body.overrides, who(access))
        return _rules_view(request, access.project_id)

    return router
