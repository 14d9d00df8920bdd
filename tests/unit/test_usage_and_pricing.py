"""Usage read from the normalised `gen_ai.*` keys, and costs equal to hand-computed prices."""

from __future__ import annotations

from pathlib import Path

import pytest

from actors.pricing import PriceBook, PricingConfigError, load_overrides
from actors.usage import LlmUsage, extract_usage
from agentstack.schema import validate_span
from serve_apps.conventions import normalise

ROOT = Path(__file__).resolve().parents[2]
PRICING_YAML = ROOT / "configs" / "pricing.yaml"


def ingested_usage(attributes: dict) -> LlmUsage | None:
    """The usage of a span carrying `attributes` after ingest normalised it (any convention)."""
    raw = {"trace_id": "a" * 32, "span_id": "b" * 16, "name": "call", "start_time": 1_763_763_000_000_000_000,
           "end_time": 1_763_763_000_000_000_001, "attributes": attributes}
    return extract_usage(normalise(validate_span(raw))["attributes"])


def cost_of(book: PriceBook, attributes: dict) -> tuple[float, bool, bool]:
    result = book.price([ingested_usage(attributes)])
    return float(result.cost_usd[0]), bool(result.priced[0]), bool(result.unpriced[0])


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return PriceBook.from_config(PRICING_YAML)


def test_usage_reads_the_normalised_genai_keys():
    otel = extract_usage({"gen_ai.request.model": "gpt-4o", "gen_ai.response.model": "gpt-4o-2024-08-06",
                          "gen_ai.provider.name": "OpenAI", "gen_ai.usage.input_tokens": 10,
                          "gen_ai.usage.output_tokens": "7", "gen_ai.usage.cache_read.input_tokens": 4,
                          "gen_ai.usage.cache_creation.input_tokens": 2, "gen_ai.usage.reasoning.output_tokens": 3})
    assert otel is not None
    assert (otel.model, otel.provider, otel.input, otel.output, otel.cache_read, otel.cache_write, otel.reasoning) == (
        "gpt-4o-2024-08-06", "openai", 10, 7, 4, 2, 3)
    assert extract_usage({"tool.name": "search"}) is None and extract_usage(None) is None


def test_usage_reads_no_other_convention_ingest_maps_them():
    oi = {"llm.model_name": "gpt-4o", "llm.provider": "openai", "llm.token_count.prompt": 100,
          "llm.token_count.completion": 10, "gen_ai.usage.cache_read_input_tokens": 40}
    assert extract_usage(oi) is None, "aliases are ingest's business (serve_apps.conventions), not usage's"
    partly = extract_usage({"gen_ai.request.model": "gpt-4o", "gen_ai.system": "openai", "llm.tokens.in": 5})
    assert partly is not None and (partly.provider, partly.input) == ("", 0)
    ingested = ingested_usage(oi)
    assert ingested is not None and (ingested.model, ingested.provider, ingested.input, ingested.output,
                                     ingested.cache_read) == ("gpt-4o", "openai", 100, 10, 40)


def test_input_reported_without_its_cached_part_is_not_billed_twice():
    usage = extract_usage({"gen_ai.request.model": "m", "gen_ai.usage.input_tokens": 100,
                           "gen_ai.usage.cache_read.input_tokens": 5000})
    assert usage is not None and usage.input == 5100 and usage.uncached_input == 100


def test_costs_match_hand_computed_prices(book):
    # gpt-4o: $2.50 in, $1.25 cache read, $10 out per million tokens; 4,000 of 10,000 input tokens cached.
    gpt4o = {"gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 10_000,
             "gen_ai.usage.cache_read.input_tokens": 4_000, "gen_ai.usage.output_tokens": 500}
    assert cost_of(book, gpt4o)[0] == pytest.approx((6_000 * 2.5 + 4_000 * 1.25 + 500 * 10) / 1e6)
    # Claude Sonnet 4: $3 in, $0.30 cache read, $3.75 cache write, $15 out.
    claude = {"gen_ai.system": "anthropic", "gen_ai.request.model": "claude-sonnet-4-20250514",
              "gen_ai.usage.input_tokens": 2_000, "gen_ai.usage.cache_read_input_tokens": 1_000,
              "gen_ai.usage.cache_creation_input_tokens": 500, "gen_ai.usage.output_tokens": 200}
    assert cost_of(book, claude)[0] == pytest.approx((500 * 3 + 1_000 * 0.3 + 500 * 3.75 + 200 * 15) / 1e6)
    # o3: $2 in, $8 out; 2,500 of the 3,000 output tokens are reasoning (billed as output, once).
    o3 = {"gen_ai.system": "openai", "gen_ai.request.model": "o3", "gen_ai.usage.input_tokens": 1_000,
          "gen_ai.usage.output_tokens": 3_000, "gen_ai.usage.reasoning_tokens": 2_500}
    assert cost_of(book, o3)[0] == pytest.approx((1_000 * 2 + 500 * 8 + 2_500 * 8) / 1e6)
    # Seeds' names, no provider: gpt-4o-mini $0.15 in, $0.60 out.
    seeds = {"llm.model": "gpt-4o-mini", "llm.tokens.in": 1_000, "llm.tokens.out": 100}
    assert cost_of(book, seeds)[0] == pytest.approx((1_000 * 0.15 + 100 * 0.6) / 1e6)
    # configs/pricing.yaml's self-hosted model: $0.20 in, $0.05 cache read, $0.40 out.
    own = {"llm.model_name": "agentstack-selfhosted-llama-70b", "llm.provider": "self-hosted",
           "llm.token_count.prompt": 1_000_000, "llm.token_count.prompt_details.cache_read": 500_000,
           "llm.token_count.completion": 100_000}
    assert cost_of(book, own) == (pytest.approx(500_000 * 0.2 / 1e6 + 500_000 * 0.05 / 1e6 + 100_000 * 0.4 / 1e6), True, False)


def test_a_batch_is_priced_at_once_and_each_model_is_resolved_once(book):
    spans = [{"llm.model": "gpt-4o-mini", "llm.tokens.in": i, "llm.tokens.out": i} for i in range(1, 1001)]
    before = book.resolutions
    result = book.price([ingested_usage(a) for a in spans])
    book.price([ingested_usage(a) for a in spans])
    assert book.resolutions - before <= 1
    assert result.cost_usd.sum() == pytest.approx(sum(i * 0.15 + i * 0.6 for i in range(1, 1001)) / 1e6)


def test_unknown_models_are_unpriced_never_silently_free(book):
    cost, priced, unpriced = cost_of(book, {"gen_ai.request.model": "nobody-knows-this-model-9",
                                            "gen_ai.usage.input_tokens": 10})
    assert (cost, priced, unpriced) == (0.0, False, True)
    cost, priced, unpriced = cost_of(book, {"tool.name": "search"})
    assert (priced, unpriced) == (False, False)  # not an LLM span at all


def test_an_override_replaces_the_snapshot_price(tmp_path):
    path = tmp_path / "pricing.yaml"
    path.write_text("models:\n  - model: gpt-4o\n    input_per_mtok: 1\n    output_per_mtok: 2\n    reasoning_per_mtok: 3\n")
    book = PriceBook.from_config(path)
    attrs = {"gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 1_000_000,
             "gen_ai.usage.output_tokens": 1_000_000, "gen_ai.usage.reasoning_tokens": 500_000}
    assert cost_of(book, attrs)[0] == pytest.approx(1 + 0.5 * 2 + 0.5 * 3)
    assert book.resolve("openai", "gpt-4o").source == "override"


def test_a_malformed_pricing_file_is_refused_with_the_reason(tmp_path):
    path = tmp_path / "pricing.yaml"
    path.write_text("models:\n  - model: x\n    input_per_mtok: cheap\n    output_per_mtok: 1\n")
    with pytest.raises(PricingConfigError, match="input_per_mtok must be a number"):
        load_overrides(path)
