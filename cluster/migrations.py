"""Versioned, idempotent ClickHouse migrations: the one definition of every table.

Each migration has a version, a name and statements; applied versions are recorded in
`schema_migrations`, so starting the platform again applies only what is new.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from cluster.store import StoreClient

logger = logging.getLogger(__name__)

#: Columns of the `spans` table in insert order (the writer builds rows in exactly this order).
SPAN_COLUMNS: tuple[str, ...] = (
    "project_id",
    "trace_id",
    "span_id",
    "parent_span_id",
    "name",
    "kind",
    "service_name",
    "start_time",
    "end_time",
    "duration_ms",
    "status",
    "status_message",
    "attributes",
    "events",
    "input",
    "output",
    # migration 20: OpenTelemetry fields (span kind, links, resource, instrumentation scope)
    "span_kind",
    "links",
    "resource",
    "scope_name",
    "scope_version",
)


#: Columns added to `spans` by migration 2 (LLM usage and cost); the writer appends them after SPAN_COLUMNS.
SPAN_USAGE_COLUMNS: tuple[str, ...] = (
    "model",
    "provider",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "cost_usd",
    "cost_status",
)

#: Columns of `cost_metrics` in insert order (the cost pool builds rows in exactly this order).
COST_METRIC_COLUMNS: tuple[str, ...] = (
    "project_id",
    "minute",
    "provider",
    "model",
    "spans",
    "unpriced_spans",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "cost_usd",
)

#: Columns of `security_alerts` in insert order (for the security pool).
SECURITY_ALERT_COLUMNS: tuple[str, ...] = (
    "alert_id",
    "project_id",
    "trace_id",
    "span_id",
    "rule",
    "entity_types",
    "severity",
    "score",
    "excerpt",
    "created_at",
)

#: Tables that carry a retention TTL, and the time column it counts from.
RETENTION_TABLES: dict[str, str] = {
    "spans": "start_time", "trace_summaries": "start_time", "security_alerts": "created_at", "span_metrics_minute": "minute",
}


#: The per-trace aggregate the `trace_summaries_mv` view computes from `spans` (and the backfill of
#: migration 22 repeats): columns in the order of `trace_summaries`.
TRACE_SUMMARY_SELECT = """
    SELECT
        project_id,
        trace_id,
        min(st) AS start_time,
        max(et) AS end_time,
        argMinState(name, (parent_span_id != '', st)) AS root_name,
        argMinState(service_name, (parent_span_id != '', st)) AS root_service,
        uniqExactState(span_id) AS span_ids,
        uniqExactIfState(span_id, status = 'ERROR') AS error_span_ids,
        groupUniqArrayIfState((span_id, tokens, cost_usd), tokens > 0) AS llm_usage,
        groupUniqArrayIfState((span_id, input_tokens, output_tokens, cost_usd), tokens > 0 OR cost_usd > 0) AS llm_io,
        groupUniqArrayIfState(model, model != '') AS models,
        groupUniqArrayState(kind) AS kinds,
        groupUniqArrayState(service_name) AS services,
        groupUniqArrayIfState(session, session != '') AS session_ids,
        groupUniqArrayIfState(user, user != '') AS user_ids,
        argMinState(substringUTF8(input, 1, 500), (parent_span_id != '', st)) AS root_input,
        argMinState(substringUTF8(output, 1, 500), (parent_span_id != '', st)) AS root_output
    FROM (
        SELECT project_id, trace_id, span_id, parent_span_id, name, service_name, status, cost_usd, model, kind,
            input, output, input_tokens, output_tokens, start_time AS st, end_time AS et,
            input_tokens + output_tokens AS tokens,
            attributes['session.id'] AS session, attributes['user.id'] AS user
        FROM spans
    )
    GROUP BY project_id, trace_id
"""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "spans and metadata",
        (
            # Replays of the same span (at-least-once delivery) collapse on (project, trace, span).
            """
            CREATE TABLE IF NOT EXISTS spans (
                project_id String,
                trace_id String,
                span_id String,
                parent_span_id String,
                name String,
                kind LowCardinality(String),
                service_name LowCardinality(String),
                start_time DateTime64(9, 'UTC'),
                end_time DateTime64(9, 'UTC'),
                duration_ms Float64,
                status LowCardinality(String),
                status_message String,
                attributes Map(String, String),
                events String,
                input String,
                output String,
                ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
            )
            ENGINE = ReplacingMergeTree(ingested_at)
            PARTITION BY toDate(start_time)
            ORDER BY (project_id, trace_id, span_id)
            """,
            """
            CREATE TABLE IF NOT EXISTS projects (
                project_id String,
                name String,
                created_at DateTime64(3, 'UTC') DEFAULT now64(3)
            )
            ENGINE = ReplacingMergeTree(created_at)
            ORDER BY project_id
            """,
            # Keys are stored only as SHA-256 digests; `prefix` (first chars) helps a person tell keys apart.
            """
            CREATE TABLE IF NOT EXISTS api_keys (
                digest String,
                project_id String,
                prefix String,
                revoked UInt8 DEFAULT 0,
                updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
            )
            ENGINE = ReplacingMergeTree(updated_at)
            ORDER BY digest
            """,
        ),
    ),
    Migration(
        2,
        "spans: LLM model, provider, token counts, cost, security flags",
        (
            # Token counts follow OpenTelemetry GenAI: input includes cache reads/writes, output
            # includes reasoning. cost_status: '' (no LLM usage), 'priced' or 'unpriced' (never a silent $0).
            """
            ALTER TABLE spans
                ADD COLUMN IF NOT EXISTS model LowCardinality(String) DEFAULT '',
                ADD COLUMN IF NOT EXISTS provider LowCardinality(String) DEFAULT '',
                ADD COLUMN IF NOT EXISTS input_tokens UInt64 DEFAULT 0,
                ADD COLUMN IF NOT EXISTS output_tokens UInt64 DEFAULT 0,
                ADD COLUMN IF NOT EXISTS cache_read_tokens UInt64 DEFAULT 0,
                ADD COLUMN IF NOT EXISTS cache_write_tokens UInt64 DEFAULT 0,
                ADD COLUMN IF NOT EXISTS reasoning_tokens UInt64 DEFAULT 0,
                ADD COLUMN IF NOT EXISTS cost_usd Float64 DEFAULT 0,
                ADD COLUMN IF NOT EXISTS cost_status LowCardinality(String) DEFAULT '',
                ADD COLUMN IF NOT EXISTS security_flags Array(LowCardinality(String)) DEFAULT []
            """,
        ),
    ),
    Migration(
        3,
        "trace_summaries: per-trace aggregate kept by a materialized view",
        (
            # Every aggregate is idempotent (min/max/argMin/uniqExact/groupUniqArray), so a replayed
            # batch of spans (at-least-once delivery) never changes a summary.
            """
            CREATE TABLE IF NOT EXISTS trace_summaries (
                project_id String,
                trace_id String,
                start_time SimpleAggregateFunction(min, DateTime64(9, 'UTC')),
                end_time SimpleAggregateFunction(max, DateTime64(9, 'UTC')),
                root_name AggregateFunction(argMin, String, Tuple(UInt8, DateTime64(9, 'UTC'))),
                root_service AggregateFunction(argMin, String, Tuple(UInt8, DateTime64(9, 'UTC'))),
                span_ids AggregateFunction(uniqExact, String),
                error_span_ids AggregateFunction(uniqExactIf, String, UInt8),
                llm_usage AggregateFunction(groupUniqArrayIf, Tuple(String, UInt64, Float64), UInt8)
            )
            ENGINE = AggregatingMergeTree
            ORDER BY (project_id, trace_id)
            """,
            """
            CREATE MATERIALIZED VIEW IF NOT EXISTS trace_summaries_mv TO trace_summaries AS
            SELECT
                project_id,
                trace_id,
                min(st) AS start_time,
                max(et) AS end_time,
                argMinState(name, (parent_span_id != '', st)) AS root_name,
                argMinState(service_name, (parent_span_id != '', st)) AS root_service,
                uniqExactState(span_id) AS span_ids,
                uniqExactIfState(span_id, status = 'ERROR') AS error_span_ids,
                groupUniqArrayIfState((span_id, tokens, cost_usd), tokens > 0) AS llm_usage
            FROM (
                SELECT project_id, trace_id, span_id, parent_span_id, name, service_name, status, cost_usd,
                    start_time AS st, end_time AS et, input_tokens + output_tokens AS tokens
                FROM spans
            )
            GROUP BY project_id, trace_id
            """,
            # Backfill spans stored before this migration (idempotent aggregates: overlap is harmless).
            """
            INSERT INTO trace_summaries
            SELECT
                project_id,
                trace_id,
                min(start_time),
                max(end_time),
                argMinState(name, (parent_span_id != '', start_time)),
                argMinState(service_name, (parent_span_id != '', start_time)),
                uniqExactState(span_id),
                uniqExactIfState(span_id, status = 'ERROR'),
                groupUniqArrayIfState(
                    (span_id, input_tokens + output_tokens, cost_usd), input_tokens + output_tokens > 0
                )
            FROM spans
            GROUP BY project_id, trace_id
            """,
        ),
    ),
    Migration(
        4,
        "cost_metrics: tokens and cost per project, model and minute",
        (
            # Block-level insert deduplication (the cost pool sends a token derived from the batch's
            # spans) keeps a replayed batch from being summed twice.
            """
            CREATE TABLE IF NOT EXISTS cost_metrics (
                project_id String,
                minute DateTime('UTC'),
                provider LowCardinality(String),
                model LowCardinality(String),
                spans UInt64,
                unpriced_spans UInt64,
                input_tokens UInt64,
                output_tokens UInt64,
                cache_read_tokens UInt64,
                cache_write_tokens UInt64,
                reasoning_tokens UInt64,
                cost_usd Float64
            )
            ENGINE = SummingMergeTree
            PARTITION BY toYYYYMM(minute)
            ORDER BY (project_id, minute, provider, model)
            SETTINGS non_replicated_deduplication_window = 10000
            """,
        ),
    ),
    Migration(
        5,
        "security_alerts, users",
        (
            """
            CREATE TABLE IF NOT EXISTS security_alerts (
                alert_id String,
                project_id String,
                trace_id String,
                span_id String,
                rule LowCardinality(String),
                entity_types Array(LowCardinality(String)),
                severity LowCardinality(String),
                score Float32,
                excerpt String,
                created_at DateTime64(3, 'UTC') DEFAULT now64(3)
            )
            ENGINE = ReplacingMergeTree(created_at)
            PARTITION BY toDate(created_at)
            ORDER BY (project_id, trace_id, span_id, rule, alert_id)
            """,
            # Metadata shared by every replica on every node (never a per-node file).
            """
            CREATE TABLE IF NOT EXISTS users (
                user_id String,
                email String,
                password_hash String,
                project_ids Array(String),
                disabled UInt8 DEFAULT 0,
                updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
            )
            ENGINE = ReplacingMergeTree(updated_at)
            ORDER BY user_id
            """,
        ),
    ),
    Migration(
        20,
        "spans: OpenTelemetry span kind, links, resource attributes, instrumentation scope",
        (
            """
            ALTER TABLE spans
                ADD COLUMN IF NOT EXISTS span_kind LowCardinality(String) DEFAULT '',
                ADD COLUMN IF NOT EXISTS links String DEFAULT '[]',
                ADD COLUMN IF NOT EXISTS resource Map(String, String),
                ADD COLUMN IF NOT EXISTS scope_name LowCardinality(String) DEFAULT '',
                ADD COLUMN IF NOT EXISTS scope_version LowCardinality(String) DEFAULT ''
            """,
        ),
    ),
    Migration(
        21,
        "drop spans.security_flags and users (never written or read)",
        (
            # A span's security flags are the rules of its `security_alerts` rows (the one source);
            # the column migration 2 added for them was never filled.
            "ALTER TABLE spans DROP COLUMN IF EXISTS security_flags",
            # Accounts live in the relational metadata store (cluster.metadata), not in ClickHouse.
            "DROP TABLE IF EXISTS users",
        ),
    ),
    Migration(
        22,
        "explore: trace summary columns (tokens in/out, cost, models, kinds, sessions, users, root preview)",
        (
            # Aggregates stay idempotent (groupUniqArray keyed by span id, argMin), so replays change nothing.
            """
            ALTER TABLE trace_summaries
                ADD COLUMN IF NOT EXISTS llm_io AggregateFunction(groupUniqArrayIf, Tuple(String, UInt64, UInt64, Float64), UInt8),
                ADD COLUMN IF NOT EXISTS models AggregateFunction(groupUniqArrayIf, String, UInt8),
                ADD COLUMN IF NOT EXISTS kinds AggregateFunction(groupUniqArray, String),
                ADD COLUMN IF NOT EXISTS services AggregateFunction(groupUniqArray, String),
                ADD COLUMN IF NOT EXISTS session_ids AggregateFunction(groupUniqArrayIf, String, UInt8),
                ADD COLUMN IF NOT EXISTS user_ids AggregateFunction(groupUniqArrayIf, String, UInt8),
                ADD COLUMN IF NOT EXISTS root_input AggregateFunction(argMin, String, Tuple(UInt8, DateTime64(9, 'UTC'))),
                ADD COLUMN IF NOT EXISTS root_output AggregateFunction(argMin, String, Tuple(UInt8, DateTime64(9, 'UTC')))
            """,
            "DROP VIEW IF EXISTS trace_summaries_mv",
            f"CREATE MATERIALIZED VIEW IF NOT EXISTS trace_summaries_mv TO trace_summaries AS {TRACE_SUMMARY_SELECT}",
            # Backfill: every aggregate is idempotent, so inserting all of `spans` again is harmless.
            f"INSERT INTO trace_summaries {TRACE_SUMMARY_SELECT}",
        ),
    ),
    Migration(
        23,
        "explore: skip indexes on spans (token bloom filters for search, sets for model/kind/status)",
        (
            # New parts get the indexes; older parts are indexed as merges rewrite them.
            """
            ALTER TABLE spans
                ADD INDEX IF NOT EXISTS idx_name_tokens lowerUTF8(name) TYPE tokenbf_v1(8192, 3, 0) GRANULARITY 1,
                ADD INDEX IF NOT EXISTS idx_input_tokens lowerUTF8(input) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 1,
                ADD INDEX IF NOT EXISTS idx_output_tokens lowerUTF8(output) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 1,
                ADD INDEX IF NOT EXISTS idx_model model TYPE set(64) GRANULARITY 4,
                ADD INDEX IF NOT EXISTS idx_kind kind TYPE set(32) GRANULARITY 4,
                ADD INDEX IF NOT EXISTS idx_span_id span_id TYPE bloom_filter(0.01) GRANULARITY 1,
                ADD INDEX IF NOT EXISTS idx_attr_keys mapKeys(attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
                ADD INDEX IF NOT EXISTS idx_attr_values mapValues(attributes) TYPE bloom_filter(0.01) GRANULARITY 1
            """,
        ),
    ),
    Migration(
        28,
        "span_metrics_minute: spans, errors, traces and latency per project, minute, kind and model",
        (
            # Read by the overview and the latency/error analytics instead of `spans`. Counts are
            # uniq states of the span key, so a replayed span (at-least-once) is not counted twice;
            # the latency digest and average may count a replay again (a negligible skew).
            """
            CREATE TABLE IF NOT EXISTS span_metrics_minute (
                project_id String,
                minute DateTime('UTC'),
                kind LowCardinality(String),
                model LowCardinality(String),
                is_root UInt8,
                spans AggregateFunction(uniq, String, String),
                errors AggregateFunction(uniqIf, String, String, UInt8),
                traces AggregateFunction(uniq, String),
                duration AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), Float64),
                duration_avg AggregateFunction(avg, Float64)
            )
            ENGINE = AggregatingMergeTree
            PARTITION BY toYYYYMM(minute)
            ORDER BY (project_id, minute, kind, model, is_root)
            """,
            """
            CREATE MATERIALIZED VIEW IF NOT EXISTS span_metrics_minute_mv TO span_metrics_minute AS
            SELECT
                project_id,
                toStartOfMinute(start_time) AS minute,
                kind,
                model,
                toUInt8(parent_span_id = '') AS is_root,
                uniqState(trace_id, span_id) AS spans,
                uniqIfState(trace_id, span_id, toUInt8(status = 'ERROR')) AS errors,
                uniqState(trace_id) AS traces,
                quantilesTDigestState(0.5, 0.95, 0.99)(duration_ms) AS duration,
                avgState(duration_ms) AS duration_avg
            FROM spans
            GROUP BY project_id, minute, kind, model, is_root
            """,
            """
            INSERT INTO span_metrics_minute
            SELECT project_id, toStartOfMinute(start_time), kind, model, toUInt8(parent_span_id = ''),
                uniqState(trace_id, span_id), uniqIfState(trace_id, span_id, toUInt8(status = 'ERROR')), uniqState(trace_id),
                quantilesTDigestState(0.5, 0.95, 0.99)(duration_ms), avgState(duration_ms)
            FROM spans FINAL
            GROUP BY project_id, toStartOfMinute(start_time), kind, model, toUInt8(parent_span_id = '')
            """,
        ),
    ),
    Migration(
        29,
        "explore: build migration 23's skip indexes for the spans parts written before it",
        (
            # ADD INDEX indexes only new parts; old parts would wait for merges that may never rewrite
            # them (large parts stop merging), and search and span lookup then read them whole. One
            # mutation builds the missing indexes in the background (the ALTER returns at once; reads
            # use the indexes part by part as they are built; parts that have them are not rewritten).
            """
            ALTER TABLE spans
                MATERIALIZE INDEX idx_name_tokens, MATERIALIZE INDEX idx_input_tokens,
                MATERIALIZE INDEX idx_output_tokens, MATERIALIZE INDEX idx_model, MATERIALIZE INDEX idx_kind,
                MATERIALIZE INDEX idx_span_id, MATERIALIZE INDEX idx_attr_keys, MATERIALIZE INDEX idx_attr_values
            """,
        ),
    ),
)


async def apply_migrations(store: StoreClient) -> list[int]:
    """Apply every migration not yet recorded; returns the versions applied now."""
    await store.command(
        """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
        ) ENGINE = ReplacingMergeTree(applied_at) ORDER BY version
        """
    )
    rows = await store.query("SELECT version FROM schema_migrations FINAL")
    done = {row["version"] for row in rows}
    applied = []
    for migration in sorted(MIGRATIONS, key=lambda m: m.version):
        if migration.version in done:
            continue
        for statement in migration.statements:
            await store.command(statement)
        await store.insert("schema_migrations", [(migration.version, migration.name)], ("version", "name"))
        logger.info("applied migration %d: %s", migration.version, migration.name)
        applied.append(migration.version)
    return applied


async def apply_retention(store: StoreClient, days: int) -> None:
    """Set (days > 0) or remove (days == 0) the retention TTL of the time-series tables; idempotent.

    Retention is a setting, not a schema version, so it is applied at every start. Existing parts
    are not rewritten at once (`materialize_ttl_after_modify = 0`); merges drop expired rows.
    """
    for table, column in RETENTION_TABLES.items():
        if days > 0:
            await store.command(
                f"ALTER TABLE {table} MODIFY TTL toDateTime({column}) + toIntervalDay({int(days)}) "
                "SETTINGS materialize_ttl_after_modify = 0"
            )
        else:
            rows = await store.query(
                "SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = {t:String}",
                {"t": table},
            )
            if rows and " TTL " in str(rows[0]["q"]):
                await store.command(f"ALTER TABLE {table} REMOVE TTL")
