"""What each pool kind does with a batch: a registry of handler factories shared by actors and benchmarks.

A new pool kind (e.g. the security scanner) registers its factory with `register_handler` in its
own module and lists that module in `HANDLER_MODULES`, so pool actors can build it by name.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from actors.consumer import EntryDecoder, SpanHandler, decode_entry
from actors.cost import CostCalculator
from actors.live_feed import LiveFeed, with_live_feed_items
from actors.pricing import PriceBook
from actors.writer import SpanWriter
from cluster.settings import PlatformSettings
from cluster.store import StoreClient


@dataclass(frozen=True)
class HandlerContext:
    """What a pool member gives its handler factory: settings and its own connections."""

    settings: PlatformSettings
    store: StoreClient
    redis: Any
    prices: PriceBook


#: kind → factory(context) → (handler, the object behind it, for its counters). When that object has a
#: `decode_entry(fields) -> list` the consumer gives the handler its items instead of the wire spans
#: (`actors.consumer.decode_entry`), one item per span.
HandlerFactory = Callable[[HandlerContext], tuple[SpanHandler, object]]
_FACTORIES: dict[str, HandlerFactory] = {}
#: Modules imported on first use so that their `register_handler` calls run (other pool kinds), and any
#: listed (comma-separated) in AGENTSTACK_HANDLER_MODULES, e.g. a benchmark's kind (`bench.writer_floor`).
HANDLER_MODULES: list[str] = ["actors.security.pool_kind"] + [
    name.strip() for name in os.environ.get("AGENTSTACK_HANDLER_MODULES", "").split(",") if name.strip()
]


def register_handler(kind: str, factory: HandlerFactory) -> None:
    """Make pools of `kind` use `factory` to build their batch handler."""
    _FACTORIES[kind] = factory


def _writer(ctx: HandlerContext) -> tuple[SpanHandler, object]:
    writer = SpanWriter(ctx.store, ctx.prices)
    # items from SpanWriter.decode_entry (the consumer asks the sink for it); the live feed publishes each
    # batch right after its durable insert (serve_apps/live.py reads it)
    feed = LiveFeed(ctx.redis, ctx.prices, ctx.settings.live_stream_maxlen)
    return with_live_feed_items(writer.write_items_priced, feed), writer


def _cost(ctx: HandlerContext) -> tuple[SpanHandler, object]:
    calculator = CostCalculator(ctx.store, ctx.prices)
    return calculator.write_items, calculator  # items from CostCalculator.decode_entry


register_handler("writer", _writer)
register_handler("cost", _cost)


def entry_decoder(sink: object) -> EntryDecoder:
    """How a pool kind's consumer decodes entries: the sink's own `decode_entry`, else the wire spans."""
    decode = getattr(sink, "decode_entry", None)
    return decode if callable(decode) else decode_entry


def build_handler(kind: str, ctx: HandlerContext) -> tuple[SpanHandler, object]:
    """The batch handler of a pool kind and the object behind it.

    Raises:
        ValueError: no factory is registered for `kind`.
    """
    if kind not in _FACTORIES:
        for module in HANDLER_MODULES:
            importlib.import_module(module)
    if kind not in _FACTORIES:
        raise ValueError(f"unknown pool kind {kind!r}; registered kinds: {sorted(_FACTORIES)}")
    return _FACTORIES[kind](ctx)
