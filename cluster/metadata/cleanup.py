"""Deleting a project's data from ClickHouse (spans, trace summaries, alerts, costs) in the background.

Project deletion removes the metadata at once and records the project in `project_deletions`;
its rows in ClickHouse go with lightweight DELETEs (they vanish from reads immediately and from
disk at the next merges). The platform retries what is still pending at every start.
"""

from __future__ import annotations

import asyncio
import logging

from cluster.metadata.database import MetadataDB
from cluster.metadata.projects import mark_deleted, pending_deletions
from cluster.store import StoreClient

logger = logging.getLogger(__name__)

#: ClickHouse tables holding per-project data (each has a `project_id` column).
PROJECT_DATA_TABLES: tuple[str, ...] = ("spans", "trace_summaries", "security_alerts", "cost_metrics")


async def delete_project_data(db: MetadataDB, store: StoreClient, project_id: str) -> None:
    """Delete one project's rows from every ClickHouse table, then mark the deletion done."""
    for table in PROJECT_DATA_TABLES:
        await store.command(f"DELETE FROM {table} WHERE project_id = {{p:String}}", {"p": project_id})
    await asyncio.to_thread(_mark_done, db, project_id)
    logger.info("deleted the ClickHouse data of project %s", project_id)


def _mark_done(db: MetadataDB, project_id: str) -> None:
    with db.session() as session:
        mark_deleted(session, project_id)


async def delete_pending_projects(db: MetadataDB, store: StoreClient) -> int:
    """Finish every recorded project deletion; returns how many completed (failures are logged, kept pending)."""

    def pending() -> list[str]:
        with db.session() as session:
            return pending_deletions(session)

    done = 0
    for project_id in await asyncio.to_thread(pending):
        try:
            await delete_project_data(db, store, project_id)
            done += 1
        except Exception:  # noqa: BLE001 - kept pending, retried at the next start
            logger.exception("could not delete the data of project %s yet; it stays pending", project_id)
    return done
