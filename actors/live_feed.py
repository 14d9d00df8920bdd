"""The writer's side of the live feed: compact summaries of durably written spans on a capped stream.

The writer calls `LiveFeed.publish` right after its insert returned, so anything a browser sees live can
be opened. A summary holds ids, parent, name, kind, status, times, model, tokens and cost — never inputs,
outputs or attributes (the UI fetches those on demand). The stream (`spans.live`) is capped with MAXLEN;
live replicas read it with plain XREAD (fan-out, no consumer group). Publishing never fails the batch:
the spans are already stored, so an unreachable Redis only costs the live view (logged and counted).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import msgpack

from actors.pricing import PriceBook
from actors.usage import LlmUsage, extract_usage
from cluster.streams import LIVE_SPANS_STREAM, LIVE_SUMMARIES, LIVE_WRITTEN_MS

logger = logging.getLogger(__name__)

#: Summaries per stream entry: keeps one entry (and one resume step) small.
CHUNK = 200
DEFAULT_MAXLEN = 2000

SpanHandler = Callable[[list[dict[str, Any]]], Awaitable[object]]
#: The writer's item of one span (`actors.writer.WriteItem`): its encoded base row and its usage item.
WriteItem = tuple[bytes, list[Any] | None]
ItemHandler = Callable[[list[WriteItem]], Awaitable[object]]
#: The writer's insert that also returns each item's cost as written (`SpanWriter.write_items_priced`).
PricedItemHandler = Callable[[list[WriteItem]], Awaitable[tuple[int, list[float]]]]
#: The leading `SPAN_COLUMNS` of an encoded row a summary needs (project … status); the rest is never decoded.
_SUMMARY_FIELDS = ("project_id", "trace_id", "span_id", "parent_span_id", "name", "kind", "service_name",
                   "start_time", "end_time", "duration_ms", "status")
#: A msgpack array header of `len(_SUMMARY_FIELDS)` (a fixarray), put before an encoded row to read those fields.
_SUMMARY_HEADER = bytes([0x90 | len(_SUMMARY_FIELDS)])


def span_summaries(spans: list[dict[str, Any]], prices: PriceBook) -> list[dict[str, Any]]:
    """The live summary of each span (project, ids, name, kind, status, times, model, tokens, cost)."""
    usages = [extract_usage(span.get("attributes")) for span in spans]
    costs = prices.price(usages).cost_usd.tolist()
    out: list[dict[str, Any]] = []
    for span, usage, cost in zip(spans, usages, costs):
        summary: dict[str, Any] = {
            "project_id": span["project_id"],
            "trace_id": span["trace_id"],
            "span_id": span["span_id"],
            "parent_span_id": span.get("parent_span_id") or None,
            "name": span["name"],
            "kind": span.get("kind") or "span",
            "status": span.get("status") or "UNSET",
            "service_name": span.get("service_name") or "default",
            "start_time": span["start_time"],
            "end_time": span["end_time"],
        }
        if usage is not None:
            summary.update(
                model=usage.model, input_tokens=usage.input, output_tokens=usage.output, cost_usd=round(float(cost), 8)
            )
        out.append(summary)
    return out


def item_summaries(items: list[WriteItem], prices: PriceBook, costs: list[float] | None = None) -> list[dict[str, Any]]:
    """`span_summaries` for the writer's items: reads only the leading columns of each encoded row.

    `costs` are the writer's (`SpanWriter.priced_block`, one per item, as written in `cost_usd`), so the
    batch is not priced a second time; without them the items' usage is priced here with `prices`.
    """
    if costs is None:
        usages = [None if usage is None else LlmUsage(*usage[4:11]) for _, usage in items]
        costs = prices.price(usages).cost_usd.tolist()
    out: list[dict[str, Any]] = []
    unpackb, extra_data, header = msgpack.unpackb, msgpack.ExtraData, _SUMMARY_HEADER
    for (row, usage), cost in zip(items, costs):
        # The row's values follow one another with no array header: given one for the leading fields,
        # `unpackb` decodes just those (one C call, no Unpacker) and reports the rest as extra data.
        try:
            values = unpackb(header + row)
        except extra_data as extra:
            values = extra.unpacked
        project, trace, span, parent, name, kind, service, start, end, _, status = values
        summary: dict[str, Any] = {
            "project_id": project, "trace_id": trace, "span_id": span, "parent_span_id": parent or None,
            "name": name, "kind": kind, "service_name": service, "start_time": start, "end_time": end,
            "status": status,
        }
        if usage is not None:  # usage_item layout: project, trace, span, start, model, provider, input, output, …
            summary.update(model=usage[4], input_tokens=usage[6], output_tokens=usage[7], cost_usd=round(float(cost), 8))
        out.append(summary)
    return out


class LiveFeed:
    """Publishes summaries of written spans on `spans.live` (capped), counting what it published or lost."""

    def __init__(self, redis: Any, prices: PriceBook, maxlen: int = DEFAULT_MAXLEN, stream: str = LIVE_SPANS_STREAM) -> None:
        if maxlen < 1:
            raise ValueError(f"maxlen ({maxlen}) must be ≥ 1")
        self.redis = redis
        self.prices = prices
        self.maxlen = maxlen
        self.stream = stream
        self.published = 0
        self.failures = 0
        self._published_metric: Any = None
        self._failed_metric: Any = None
        try:
            from ray.util import metrics as m

            self._published_metric = m.Counter("agentstack_live_published_spans", "Span summaries put on spans.live")
            self._failed_metric = m.Counter("agentstack_live_publish_failures", "Batches the live feed could not publish")
        except Exception:  # noqa: BLE001 - metrics are optional outside a Ray worker
            logger.debug("live feed metrics unavailable", exc_info=True)

    async def publish(self, spans: list[dict[str, Any]]) -> int:
        """XADD the summaries of `spans` (already durably written); returns how many. Never raises."""
        return await self._publish(spans, span_summaries)

    async def publish_items(self, items: list[WriteItem], costs: list[float] | None = None) -> int:
        """`publish` for the writer's items (encoded rows + usage), as the writer pool hands them over, with
        each item's cost as the writer computed it (else priced here)."""
        return await self._publish(items, lambda batch, prices: item_summaries(batch, prices, costs))

    async def _publish(self, spans: list[Any], summarise: Callable[[list[Any], PriceBook], list[dict[str, Any]]]) -> int:
        if not spans:
            return 0
        try:
            summaries = summarise(spans, self.prices)
            written_ms = str(int(time.time() * 1000))
            pipe = self.redis.pipeline(transaction=False)
            for start in range(0, len(summaries), CHUNK):
                chunk = summaries[start : start + CHUNK]
                fields = {LIVE_SUMMARIES: msgpack.packb(chunk, use_bin_type=True), LIVE_WRITTEN_MS: written_ms}
                pipe.xadd(self.stream, fields, maxlen=self.maxlen, approximate=True)
            await pipe.execute()
        except Exception as exc:  # noqa: BLE001 - the spans are stored; only the live view misses them
            self.failures += 1
            if self._failed_metric is not None:
                self._failed_metric.inc()
            logger.warning("live feed: could not publish %d span summaries: %s: %s", len(spans), type(exc).__name__, exc)
            return 0
        self.published += len(summaries)
        if self._published_metric is not None:
            self._published_metric.inc(len(summaries))
        return len(summaries)


def with_live_feed(handler: SpanHandler, feed: LiveFeed) -> SpanHandler:
    """`handler` (the durable write), then publish the batch it wrote on the live feed."""

    async def write_then_publish(spans: list[dict[str, Any]]) -> object:
        result = await handler(spans)
        await feed.publish(spans)
        return result

    return write_then_publish


def with_live_feed_items(handler: PricedItemHandler, feed: LiveFeed) -> ItemHandler:
    """`handler` (the writer's durable block insert), then publish the items it wrote on the live feed,
    with the costs the insert computed (the batch is priced once)."""

    async def write_then_publish(items: list[WriteItem]) -> object:
        written, costs = await handler(items)
        await feed.publish_items(items, costs)
        return written

    return write_then_publish
