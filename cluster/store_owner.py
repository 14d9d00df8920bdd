"""The embedded store's owner: the one Ray actor that opens the chDB data path."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ray

from cluster.settings import PlatformSettings
from cluster.store import STORE_ACTOR_NAME, Store


@ray.remote(num_cpus=0.1, max_restarts=-1, max_task_retries=0)
class StoreOwner:
    """Holds the process's single chDB `Store`; others call `query`/`insert`/`command` on it."""

    def __init__(self, settings: PlatformSettings) -> None:
        self._store = Store.from_settings(settings)

    def command(self, sql: str, params: dict[str, Any] | None = None) -> None:
        self._store.command(sql, params)

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return self._store.query(sql, params)

    def insert(
        self, table: str, rows: Sequence[Sequence[Any]], columns: Sequence[str], settings: dict[str, Any] | None = None
    ) -> int:
        return self._store.insert(table, rows, columns, settings)

    def ping(self) -> bool:
        return True


def start_store_owner(settings: PlatformSettings) -> Any:
    """Get or create the named store-owner actor in the platform namespace."""
    return StoreOwner.options(
        name=STORE_ACTOR_NAME, namespace=settings.namespace, get_if_exists=True
    ).remote(settings)
