"""Model prices: genai-prices' bundled snapshot plus `configs/pricing.yaml`, and vectorised cost math.

genai-prices answers ≈ 8k `calc_price` calls/s, far too slow per span; so a price is resolved once
per (provider, model) into per-token rates and cached, and each batch is priced with numpy. Rates
are read from genai-prices by pricing small probe usages (1,000 tokens of one kind), which keeps its
own semantics (e.g. a model without a cache-read price bills cache reads as input) and stays below
every tier threshold. Tiered models are therefore priced at their base tier.

A model that neither genai-prices nor the overrides know is *unpriced*: its spans carry
`cost_status = 'unpriced'` and are counted as such, never silently billed $0.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from actors.usage import LlmUsage

logger = logging.getLogger(__name__)

_PROBE = 1000
#: Token kinds in the column order of the usage matrix and of `UnitPrices.vector()`.
TOKEN_KINDS = ("uncached_input", "cache_read", "cache_write", "plain_output", "reasoning")


class PricingConfigError(ValueError):
    """`configs/pricing.yaml` is malformed."""


@dataclass(frozen=True)
class UnitPrices:
    """USD per token for each token kind of one model."""

    input: float
    output: float
    cache_read: float
    cache_write: float
    reasoning: float
    source: str  # "genai-prices:<provider>/<model id>" or "override"

    def vector(self) -> np.ndarray:
        return np.array([self.input, self.cache_read, self.cache_write, self.output, self.reasoning])


@dataclass(frozen=True)
class BatchCosts:
    """Costs of a batch of spans, aligned with the input sequence."""

    cost_usd: np.ndarray  # float64; 0 where unpriced or not an LLM span
    priced: np.ndarray  # bool; True where a price was found
    unpriced: np.ndarray  # bool; True for LLM spans whose model has no price


def _per_mtok(entry: dict[str, Any], key: str, default: float | None) -> float:
    value = entry.get(key, default)
    if value is None:
        raise PricingConfigError(f"pricing override {entry.get('model')!r} needs {key!r} (USD per million tokens)")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise PricingConfigError(f"pricing override {entry.get('model')!r}: {key} must be a number, got {value!r}") from None
    if number < 0:
        raise PricingConfigError(f"pricing override {entry.get('model')!r}: {key} must be ≥ 0, got {number}")
    return number / 1e6


def load_overrides(path: Path | None) -> dict[tuple[str, str], UnitPrices]:
    """Overrides keyed by (provider or '', lower-cased model) from a YAML file `models: [...]`.

    Each entry: `model` (required), `provider` (optional: matches any provider when absent),
    `input_per_mtok`, `output_per_mtok` (required), `cache_read_per_mtok`, `cache_write_per_mtok`
    (default: the input price), `reasoning_per_mtok` (default: the output price).

    Raises:
        PricingConfigError: the file exists but is not in this shape.
    """
    if path is None or not Path(path).exists():
        return {}
    data = yaml.safe_load(Path(path).read_text()) or {}
    entries = data.get("models") or [] if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise PricingConfigError(f"{path}: expected a mapping with a 'models' list, got {type(data).__name__}")
    out: dict[tuple[str, str], UnitPrices] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("model"), str):
            raise PricingConfigError(f"{path}: every entry needs a 'model' name, got {entry!r}")
        inp = _per_mtok(entry, "input_per_mtok", None)
        outp = _per_mtok(entry, "output_per_mtok", None)
        prices = UnitPrices(
            input=inp,
            output=outp,
            cache_read=_per_mtok(entry, "cache_read_per_mtok", inp * 1e6),
            cache_write=_per_mtok(entry, "cache_write_per_mtok", inp * 1e6),
            reasoning=_per_mtok(entry, "reasoning_per_mtok", outp * 1e6),
            source="override",
        )
        out[(str(entry.get("provider") or "").lower(), entry["model"].lower())] = prices
    return out


def _probe(model_price: Any, **usage: int) -> Decimal | None:
    from genai_prices import Usage

    try:
        total: Decimal = model_price.calc_price(Usage(**usage))["total_price"]
    except Exception:  # noqa: BLE001 - a unit this model does not price
        return None
    return total


def genai_unit_prices(provider: str, model: str) -> UnitPrices | None:
    """Per-token rates from genai-prices' snapshot, or None when it does not know the model."""
    from genai_prices import data_snapshot

    snapshot = data_snapshot.get_snapshot()
    found = None
    for provider_id in ([provider] if provider else []) + [None]:
        try:
            found = snapshot.find_provider_model(model, None, provider_id, None)
            break
        except LookupError:
            continue
    if found is None:
        return None
    prov, info = found
    mp = info.get_prices(datetime.now(tz=UTC))
    inp = _probe(mp, input_tokens=_PROBE)
    outp = _probe(mp, output_tokens=_PROBE)
    if inp is None or outp is None:
        return None
    read = _probe(mp, input_tokens=_PROBE, cache_read_tokens=_PROBE)
    write = _probe(mp, input_tokens=_PROBE, cache_write_tokens=_PROBE)
    rate = float(inp) / _PROBE
    out_rate = float(outp) / _PROBE
    return UnitPrices(
        input=rate,
        output=out_rate,
        cache_read=float(read) / _PROBE if read is not None else rate,
        cache_write=float(write) / _PROBE if write is not None else rate,
        reasoning=out_rate,  # providers bill reasoning tokens as output tokens
        source=f"genai-prices:{prov.id}/{info.id}",
    )


class PriceBook:
    """Resolves (provider, model) → `UnitPrices` once and prices whole batches with numpy."""

    def __init__(self, overrides: dict[tuple[str, str], UnitPrices] | None = None) -> None:
        self._overrides = overrides or {}
        self._cache: dict[tuple[str, str], UnitPrices | None] = {}
        self.resolutions = 0

    @classmethod
    def from_config(cls, path: Path | None) -> PriceBook:
        return cls(load_overrides(path))

    def resolve(self, provider: str, model: str) -> UnitPrices | None:
        """The model's rates (overrides first), cached per (provider, model); None if unpriced."""
        key = (provider.lower(), model.lower())
        if key in self._cache:
            return self._cache[key]
        self.resolutions += 1
        prices = self._overrides.get(key) or self._overrides.get(("", key[1]))
        if prices is None and model:
            try:
                prices = genai_unit_prices(*key)
            except Exception:  # noqa: BLE001 - a lookup failure means unpriced, never a crash
                logger.exception("genai-prices failed for %s/%s", provider, model)
        if prices is None and model:
            logger.warning("no price for model %r (provider %r): its spans are counted as unpriced", model, provider)
        self._cache[key] = prices
        return prices

    def rate_table(self, keys: Sequence[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray]:
        """Rates of each (provider, model) key, one row per key in `TOKEN_KINDS` order, and which keys are unpriced.

        An unpriced key's row is all zeros (its spans cost $0 and are counted as unpriced).
        """
        rates = np.zeros((len(keys), len(TOKEN_KINDS)), dtype=np.float64)
        unpriced = np.zeros(len(keys), dtype=bool)
        for i, (provider, model) in enumerate(keys):
            found = self.resolve(provider, model)
            if found is None:
                unpriced[i] = True
            else:
                rates[i] = found.vector()
        return rates, unpriced

    def price(self, usages: Sequence[LlmUsage | None]) -> BatchCosts:
        """Cost of each usage in USD: one matrix product over the batch."""
        n = len(usages)
        tokens = np.zeros((n, len(TOKEN_KINDS)), dtype=np.float64)
        rates = np.zeros((n, len(TOKEN_KINDS)), dtype=np.float64)
        priced = np.zeros(n, dtype=bool)
        unpriced = np.zeros(n, dtype=bool)
        vectors: dict[tuple[str, str], np.ndarray | None] = {}
        for i, usage in enumerate(usages):
            if usage is None:
                continue
            key = (usage.provider, usage.model)
            if key not in vectors:
                found = self.resolve(*key)
                vectors[key] = found.vector() if found is not None else None
            vec = vectors[key]
            if vec is None:
                unpriced[i] = True
                continue
            priced[i] = True
            rates[i] = vec
            tokens[i] = (usage.uncached_input, usage.cache_read, usage.cache_write, usage.plain_output, usage.reasoning)
        cost = np.einsum("ij,ij->i", tokens, rates)
        return BatchCosts(cost_usd=cost, priced=priced, unpriced=unpriced)
