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
)


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
    # Security alerts (issue 6). IF NOT EXISTS: another migration range may create the same table.
    # Alert ids are stable per (project, trace, span, rule, subject), so replays collapse.
    Migration(
        30,
        "security alerts",
        (
            """
            CREATE TABLE IF NOT EXISTS security_alerts (
                alert_id String,
                project_id String,
                trace_id String,
                span_id String,
                rule LowCardinality(String),
                entity_types Array(String),
                severity LowCardinality(String),
                score Float64,
                excerpt String,
                created_at DateTime64(3, 'UTC') DEFAULT now64(3)
            )
            ENGINE = ReplacingMergeTree(created_at)
            ORDER BY (project_id, alert_id)
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
