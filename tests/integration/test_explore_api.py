"""The explore API (`/api/v1/traces…`, `/spans`, `/sessions`) on the real query app over chDB.

Spans go in through the real ingest path (validate → normalise → span writer); every filter has a
test that it narrows the list, and a bad value gets 422 naming the parameter.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from cluster import migrations
from cluster.query.traces import iso

from tests.integration.explore_helpers import NOW, OTHER_READ_KEY, client, make_app, span, write

T1, T2, T3 = "a1" * 16, "b2" * 16, "c3" * 16
FAR = "d4" * 16  # two days old: outside the default window


def _llm(**usage):
    return {"kind": "llm", "attributes": {"gen_ai.request.model": usage.pop("model"), "gen_ai.provider.name": "openai",
                                          "gen_ai.usage.input_tokens": usage.pop("inp"), "gen_ai.usage.output_tokens": usage.pop("out")}}


def seed(store, project: str, other: str) -> None:
    write(store, project, [
        span(T1, "1" * 16, "support-agent", kind="agent", service_name="web", input="Где мой заказ? order 42",
             output="Your order ships tomorrow", attributes={"session.id": "S1", "user.id": "u1", "tag.tags": ["vip", "eu"],
                                                            "customer.tier": "gold"}),
        span(T1, "2" * 16, "chat gpt-4o", parent="1" * 16, at_ms=1, dur_ms=5, **_llm(model="gpt-4o", inp=100, out=20),
             events=[{"name": "exception", "timestamp": NOW + 2_000_000,
                      "attributes": {"exception.type": "RateLimitError", "retry": 2}}, {"name": "no time"}]),
        span(T2, "3" * 16, "billing-agent", kind="agent", service_name="billing", at_ms=1000, dur_ms=300,
             status="ERROR", input="refund please", resource={"deployment.environment": "prod"},
             attributes={"session.id": "S1", "user.id": "u1"}),
        span(T2, "4" * 16, "lookup", parent="3" * 16, kind="tool", service_name="billing", at_ms=1001, dur_ms=2),
        span(T3, "5" * 16, "search-agent", kind="agent", service_name="web", at_ms=2000, dur_ms=50,
             attributes={"session.id": "S2", "user.id": "u2", "tag.tags": ["eu"]}),
        span(T3, "6" * 16, "chat claude", parent="5" * 16, at_ms=2001, dur_ms=40, **_llm(model="claude-3-5-sonnet", inp=1000, out=500)),
        span(FAR, "7" * 16, "old-agent", at_ms=-48 * 3600 * 1000),
    ])
    write(store, other, [span("e5" * 16, "8" * 16, "secret-agent", attributes={"session.id": "S1"})])


@pytest.fixture
def api(store, tmp_path):
    app, project, other, _ = make_app(store, tmp_path)
    seed(store, project, other)
    app.state.test_project = project
    return app


def get(app, path: str, key: str | None = None):
    async def run():
        async with (client(app, key) if key else client(app)) as c:
            return await c.get(path)
    return asyncio.run(run())


def ids(app, query: str) -> set[str]:
    r = get(app, f"/api/v1/traces?{query}")
    assert r.status_code == 200, r.text
    return {row["trace_id"] for row in r.json()["items"]}


def test_list_rows_carry_totals_and_previews(api):
    body = get(api, "/api/v1/traces").json()
    assert [row["trace_id"] for row in body["items"]] == [T3, T2, T1]  # newest first; FAR is outside 24 h
    row = {r["trace_id"]: r for r in body["items"]}[T1]
    assert (row["input_tokens"], row["output_tokens"], row["total_tokens"]) == (100, 20, 120)
    assert row["cost_usd"] > 0 and row["models"] == ["gpt-4o"] and row["span_count"] == 2
    assert row["session_id"] == "S1" and row["user_id"] == "u1"
    assert row["input_preview"].startswith("Где мой заказ") and row["output_preview"] == "Your order ships tomorrow"
    assert (row["alert_count"], row["max_severity"]) == (0, None)
    assert {r["trace_id"]: r["error_count"] for r in body["items"]}[T2] == 1


@pytest.mark.parametrize(("query", "expected"), [
    ("status=ERROR", {T2}),
    ("status=OK", {T1, T3}),
    ("name=support-agent&name=search-agent", {T1, T3}),
    ("service=billing", {T2}),
    ("model=gpt-4o", {T1}),
    ("kind=tool", {T2}),
    ("user_id=u2", {T3}),
    ("session_id=S1", {T1, T2}),
    ("tags=eu", {T1, T3}),
    ("tags=eu&tags=vip", {T1}),
    ("attr.customer.tier=gold", {T1}),
    ("attr=deployment.environment%3Dprod", {T2}),  # a resource attribute
    ("min_duration_ms=100", {T2}),
    ("max_duration_ms=60", {T1, T3}),
    ("min_cost=0.0000001", {T1, T3}),
    ("has_alert=false", {T1, T2, T3}),
    ("has_alert=true", set()),
    ("severity=HIGH", set()),
    ("q=заказ", {T1}),
    ("q=REFUND", {T2}),
    ("q=ships%20tomorrow", {T1}),
    ("q=lookup", {T2}),
    ("start_date=2000-01-01T00:00:00Z", {T1, T2, T3, FAR}),
    ("start_date=2030-01-01T00:00:00Z&end_date=2029-01-01T00:00:00Z", set()),  # an inverted window is empty
    ("min_duration_ms=10&max_duration_ms=5", set()),
])
def test_each_filter_narrows_the_list(api, query, expected):
    assert ids(api, query) == expected


@pytest.mark.parametrize(("query", "field"), [
    ("status=BROKEN", "status"),
    ("kind=robot", "kind.0"),  # the first (only) kind value
    ("min_duration_ms=-1", "min_duration_ms"),
    ("max_duration_ms=abc", "max_duration_ms"),
    ("min_cost=-0.5", "min_cost"),
    ("has_alert=maybe", "has_alert"),
    ("severity=SEVERE", "severity"),
    ("q=%21%21%21", "q"),
    ("start_date=yesterday", "start_date"),
    ("start_date=1764000000", "start_date"),  # a number is not an ISO 8601 date-time
    ("attr=nokeyvalue", "attr.0"),
    ("attr.bad%20key=1", "attr.bad key"),
    ("sort=price", "sort"),
    ("order=up", "order"),
    ("page=0", "page"),
    ("page_size=501", "page_size"),
    ("cursor=not-a-cursor", "cursor"),
    ("user_id=" + "x" * 201, "user_id"),
])
def test_bad_values_are_422_naming_the_parameter(api, query, field):
    r = get(api, f"/api/v1/traces?{query}")
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == field, r.text


@pytest.mark.parametrize(("sort", "order", "expected"), [
    ("duration", "desc", [T2, T3, T1]),
    ("cost", "desc", [T3, T1, T2]),
    ("tokens", "asc", [T2, T1, T3]),
    ("span_count", "asc", [T1, T2, T3]),  # all 2: ties by trace id
    ("start_time", "asc", [T1, T2, T3]),
])
def test_sort(api, sort, order, expected):
    body = get(api, f"/api/v1/traces?sort={sort}&order={order}").json()
    assert [r["trace_id"] for r in body["items"]] == expected


def test_cursor_pages_are_stable_under_concurrent_inserts(api, store):
    first = get(api, "/api/v1/traces?page_size=2").json()
    assert [r["trace_id"] for r in first["items"]] == [T3, T2] and first["next_cursor"] and first["total"] == 3
    # A newer trace arrives between pages: offset paging would repeat T2; the cursor does not.
    write(store, api.state.test_project, [span("f6" * 16, "9" * 16, "newest", at_ms=5000)])
    second = get(api, f"/api/v1/traces?page_size=2&cursor={first['next_cursor']}").json()
    assert "items" in second, second
    assert [r["trace_id"] for r in second["items"]] == [T1] and second["next_cursor"] is None
    assert get(api, f"/api/v1/traces?cursor=1~{'g' * 32}").json()["error"]["field"] == "cursor"


def test_facets_count_the_filtered_traces(api):
    body = get(api, "/api/v1/traces/facets").json()
    assert body["total"] == 3
    assert {f["value"]: f["count"] for f in body["status"]} == {"OK": 2, "ERROR": 1}
    services = {f["value"]: f["count"] for f in body["service"]}
    assert (services["web"], services["billing"]) == (2, 1)
    assert {f["value"]: f["count"] for f in body["model"]} == {"gpt-4o": 1, "claude-3-5-sonnet": 1}
    assert {f["value"]: f["count"] for f in body["kind"]}["agent"] == 3
    narrowed = get(api, "/api/v1/traces/facets?service=web").json()
    assert narrowed["total"] == 2 and {f["value"] for f in narrowed["status"]} == {"OK"}
    assert get(api, "/api/v1/traces/facets?status=nope").json()["error"]["field"] == "status"


def test_trace_detail_pages_spans_and_can_leave_out_payloads(api):
    full = get(api, f"/api/v1/traces/{T1}").json()
    assert [s["name"] for s in full["spans"]] == ["support-agent", "chat gpt-4o"]
    assert full["spans"][0]["input"].startswith("Где") and full["total_tokens"] == 120
    assert full["spans"][1]["usage"]["model"] == "gpt-4o" and full["next_span_offset"] is None
    paged = get(api, f"/api/v1/traces/{T1}?span_limit=1&fields=no_io").json()
    assert len(paged["spans"]) == 1 and paged["spans"][0]["input"] is None and paged["next_span_offset"] == 1
    rest = get(api, f"/api/v1/traces/{T1}?span_offset=1&span_limit=1").json()
    assert [s["name"] for s in rest["spans"]] == ["chat gpt-4o"]
    assert get(api, f"/api/v1/traces/{T1}?fields=everything").json()["error"]["field"] == "fields"
    assert get(api, "/api/v1/traces/xyz").status_code == 422


def test_span_detail(api):
    body = get(api, f"/api/v1/spans/{'2' * 16}").json()
    assert body["trace_id"] == T1 and body["usage"]["input_tokens"] == 100 and body["alerts"] == []
    assert body["events"] == [
        {"name": "exception", "timestamp": iso(NOW + 2_000_000), "attributes": {"exception.type": "RateLimitError", "retry": 2}},
        {"name": "no time", "timestamp": None, "attributes": {}}]
    assert get(api, f"/api/v1/spans/{'0' * 16}").status_code == 404
    assert get(api, "/api/v1/spans/nothex").json()["error"]["field"] == "span_id"


def test_sessions_list_and_detail(api):
    body = get(api, "/api/v1/sessions").json()
    rows = {r["session_id"]: r for r in body["items"]}
    assert set(rows) == {"S1", "S2"} and rows["S1"]["trace_count"] == 2 and rows["S1"]["user_ids"] == ["u1"]
    assert [r["session_id"] for r in body["items"]] == ["S2", "S1"]  # latest activity first
    assert {r["session_id"] for r in get(api, "/api/v1/sessions?user_id=u2").json()["items"]} == {"S2"}
    detail = get(api, "/api/v1/sessions/S1").json()
    assert [t["trace_id"] for t in detail["traces"]] == [T1, T2] and detail["error_count"] == 1
    assert get(api, "/api/v1/sessions/none").status_code == 404
    assert get(api, "/api/v1/sessions?page=0").json()["error"]["field"] == "page"


def test_another_projects_data_stays_invisible(api):
    other = {r["trace_id"] for r in get(api, "/api/v1/traces", OTHER_READ_KEY).json()["items"]}
    assert other == {"e5" * 16}
    for path in (f"/api/v1/traces/{T1}", f"/api/v1/spans/{'1' * 16}", f"/api/v1/traces/{T1}/export"):
        assert get(api, path, OTHER_READ_KEY).status_code == 404, path
    assert get(api, "/api/v1/traces/facets", OTHER_READ_KEY).json()["total"] == 1
    assert get(api, "/api/v1/sessions/S1", OTHER_READ_KEY).json()["trace_count"] == 1
    assert {r["session_id"] for r in get(api, "/api/v1/sessions", OTHER_READ_KEY).json()["items"]} == {"S1"}
    assert get(api, "/api/v1/traces?project_id=someone-else").status_code == 404


def test_migration_29_indexes_the_parts_written_before_the_skip_indexes(store):
    """Parts without migration 23's skip indexes (written before it) get them from migration 29."""
    from bench.query import _spans_sql

    store.command(_spans_sql(0, 20_000, time.time_ns(), 2_000))
    partitions = [r["partition"] for r in store.query(
        "SELECT DISTINCT partition FROM system.parts WHERE active AND database = currentDatabase() AND table = 'spans'")]
    for partition in partitions:  # as a part written before migration 23 has it: no index built
        store.command(f"ALTER TABLE spans CLEAR INDEX idx_input_tokens IN PARTITION '{partition}' SETTINGS mutations_sync = 1")
    search = "SELECT count() FROM spans WHERE project_id = 'proj-1' AND hasToken(lowerUTF8(input), 'absentword')"

    def granules_read() -> tuple[int, int]:
        plan = [next(iter(r.values())) for r in store.query(f"EXPLAIN indexes = 1 {search}")]
        at = next(i for i, line in enumerate(plan) if "idx_input_tokens" in line)
        read, total = next(line for line in plan[at:] if "Granules:" in line).split("Granules:")[1].strip().split("/")
        return int(read), int(total)

    read, total = granules_read()
    assert read == total > 0  # no index: every granule is read
    [migration] = [m for m in migrations.MIGRATIONS if m.version == 29]
    for statement in migration.statements:
        store.command(statement)
    deadline = time.monotonic() + 60
    while store.query("SELECT count() AS n FROM system.mutations WHERE table = 'spans' AND NOT is_done")[0]["n"]:
        assert time.monotonic() < deadline, "the index mutation did not finish"
        time.sleep(0.2)
    assert granules_read()[0] == 0  # the token index now skips every granule
