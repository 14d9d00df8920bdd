"""Publishing accepted spans to the bus, with a bounded in-memory buffer for when Redis is away.

A request's spans are either XADDed now or, when Redis cannot be reached (or older spans are still
waiting), kept in this replica's buffer and retried in the background, oldest first. A request
whose spans do not fit the buffer is refused with :class:`BufferFull` (→ 429), so every span a
202 covers is in Redis or in the buffer.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from redis.exceptions import RedisError

from cluster.bus import publish_spans

logger = logging.getLogger(__name__)

ByPartition = dict[int, list[dict[str, Any]]]


class BufferFull(Exception):
    """The replica's buffer cannot take this request's spans."""


class BufferedPublisher:
    """XADD now, or buffer (≤ `capacity` spans) and retry every `retry_interval_s` in the background."""

    def __init__(
        self,
        redis: Any,
        capacity: int,
        retry_interval_s: float = 0.5,
        publish: Callable[[Any, ByPartition], Awaitable[int]] = publish_spans,
    ) -> None:
        self._redis = redis
        self.capacity = capacity
        self.retry_interval_s = retry_interval_s
        self._publish = publish
        self._pending: deque[ByPartition] = deque()
        self.buffered_spans = 0
        self.redis_ok = True
        self.last_error: str | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def full(self) -> bool:
        return self.buffered_spans >= self.capacity

    @property
    def loop_error(self) -> BaseException | None:
        """Why the background retry loop ended, if it did (it should only end when stopped)."""
        task = self._task
        if task is None or not task.done() or task.cancelled():
            return None
        return task.exception()

    def start(self) -> None:
        """Start the background retry loop (on the running event loop); idempotent."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._supervise())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def submit(self, by_partition: ByPartition) -> str:
        """Publish or buffer one request's spans; returns "published" or "buffered".

        Raises:
            BufferFull: Redis is unreachable (or behind) and the buffer has no room for these spans.
        """
        count = sum(len(spans) for spans in by_partition.values())
        if count == 0:
            return "published"
        if not self._pending and self.redis_ok:
            try:
                await self._publish(self._redis, by_partition)
                return "published"
            except (RedisError, OSError) as exc:
                self._mark_down(exc)
        if self.buffered_spans + count > self.capacity:
            raise BufferFull(f"{self.buffered_spans} spans are waiting for Redis; this replica buffers at most {self.capacity}")
        self._pending.append(by_partition)
        self.buffered_spans += count
        self.start()
        self._wake.set()
        return "buffered"

    def _mark_down(self, exc: BaseException) -> None:
        if self.redis_ok:
            logger.warning("span bus unreachable, buffering spans in memory: %s", exc)
        self.redis_ok = False
        self.last_error = str(exc)

    async def flush_once(self) -> int:
        """Try to publish the oldest buffered chunk; returns spans published (0 on failure or when empty)."""
        if not self._pending:
            return 0
        chunk = self._pending[0]
        try:
            published = await self._publish(self._redis, chunk)
        except (RedisError, OSError) as exc:
            self._mark_down(exc)
            return 0
        self._pending.popleft()
        self.buffered_spans -= sum(len(spans) for spans in chunk.values())
        if not self.redis_ok:
            logger.info("span bus reachable again; %d spans still buffered", self.buffered_spans)
        self.redis_ok = True
        self.last_error = None
        return published

    async def probe(self) -> bool:
        """PING Redis, updating `redis_ok`."""
        try:
            await self._redis.ping()
        except (RedisError, OSError) as exc:
            self._mark_down(exc)
            return False
        if not self._pending:
            self.redis_ok = True
        return True

    async def _run(self) -> None:
        while True:
            if not self._pending:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self.retry_interval_s * 4)
                except TimeoutError:
                    if not self.redis_ok:
                        await self.probe()
                continue
            if await self.flush_once() == 0 and self._pending:
                await asyncio.sleep(self.retry_interval_s)

    async def _supervise(self) -> None:
        """Run the retry loop; a crash is logged and the loop restarted, never silently gone."""
        while True:
            try:
                await self._run()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - supervised loop: log and restart
                logger.exception("span buffer retry loop crashed; restarting in 1 s")
                await asyncio.sleep(1.0)
