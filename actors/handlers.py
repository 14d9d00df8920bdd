"""What each pool kind does with a batch: the handler factory shared by actors and benchmarks."""

from __future__ import annotations

from actors.consumer import SpanHandler
from actors.cost import CostCalculator
from actors.pricing import PriceBook
from actors.writer import SpanWriter
from cluster.store import StoreClient


def build_handler(kind: str, store: StoreClient, prices: PriceBook) -> tuple[SpanHandler, object]:
    """The batch handler of a pool kind and the object behind it (for its counters).

    Raises:
        ValueError: an unknown kind.
    """
    if kind == "writer":
        writer = SpanWriter(store, prices)
        return writer.write, writer
    if kind == "cost":
        calculator = CostCalculator(store, prices)
        return calculator.write, calculator
    raise ValueError(f"unknown pool kind {kind!r}; expected 'writer' or 'cost'")
