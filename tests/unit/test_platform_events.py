"""The platform's supervisor reports the store going down and coming back, once each (pure logic)."""

from __future__ import annotations

import asyncio

from cluster.platform import Platform
from cluster.settings import PlatformSettings
from cluster.store import StoreUnavailable


class FlakyStore:
    """Answers, or raises StoreUnavailable while `down` is set."""

    def __init__(self) -> None:
        self.down = False

    async def query(self, sql, params=None, *, small=False):
        if self.down:
            raise StoreUnavailable("the embedded store did not answer a query within 5s")
        return [{"ok": 1}]


def test_store_down_and_back_are_each_reported_once(tmp_path):
    platform = Platform(PlatformSettings(data_dir=tmp_path, clickhouse_url="http://unused:8123"))
    store = platform.store = FlakyStore()  # type: ignore[assignment]
    platform.store_ok = True

    async def run():
        await platform.watch_store()
        store.down = True
        await platform.watch_store()
        await platform.watch_store()
        store.down = False
        await platform.watch_store()
        await platform.watch_store()

    asyncio.run(run())
    assert [(e["level"], e["message"]) for e in platform.events.since(0)] == [
        ("error", "store unavailable: the embedded store did not answer a query within 5s"),
        ("info", "store is back"),
    ]
    assert platform.store_ok is True
