"""Detection quality of the security engine on a generated, labelled corpus (see bench/corpus.py).

Prints precision / recall per entity type (a finding counts when it overlaps a labelled span of
the same type; every other finding is a false positive) and, for prompt injection, the true-
positive rate per source and the false-positive rate on benign agent text, at the default rules
(`ProjectRules()`: min score 0.4, injection threshold 50). Run: `.venv/bin/python -m bench.detection_quality`.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/x.py` as well as `-m bench.x`

import argparse
import time
from collections import Counter, defaultdict

from actors.security import ProjectRules, SecurityEngine  # noqa: E402
from actors.security.recognizers import INDIRECT_INJECTION, INJECTION  # noqa: E402
from bench.corpus import build_corpus  # noqa: E402


def evaluate(engine: SecurityEngine, samples, rules: ProjectRules) -> tuple[dict, dict, dict]:
    tp, fp, fn = Counter(), Counter(), Counter()
    inj: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # source → [flagged, total]
    benign_flagged = benign_total = 0
    for sample in samples:
        findings = engine.scan_text(sample.text)
        injected = any(f.entity_type in (INJECTION, INDIRECT_INJECTION) and f.score * 100 >= rules.injection_threshold for f in findings)
        pii = [f for f in findings if f.entity_type not in (INJECTION, INDIRECT_INJECTION)
               and rules.reports(f.entity_type, f.score, sample.text[f.start:f.end])]
        matched: set[int] = set()
        for finding in pii:
            hit = next((i for i, (kind, lo, hi) in enumerate(sample.entities)
                        if kind == finding.entity_type and lo < finding.end and finding.start < hi), None)
            if hit is None:
                fp[finding.entity_type] += 1
            elif hit not in matched:
                matched.add(hit)
                tp[finding.entity_type] += 1
        for i, (kind, _, _) in enumerate(sample.entities):
            if i not in matched:
                fn[kind] += 1
        if sample.injection:
            inj[sample.source][0] += injected
            inj[sample.source][1] += 1
        elif not sample.entities:
            benign_flagged += injected
            benign_total += 1
    return {"tp": tp, "fp": fp, "fn": fn}, dict(inj), {"flagged": benign_flagged, "total": benign_total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--per-entity", type=int, default=150)
    parser.add_argument("--injections", type=int, default=800)
    parser.add_argument("--benign", type=int, default=2000)
    args = parser.parse_args()
    samples = build_corpus(args.seed, args.per_entity, args.injections, args.benign)
    engine = SecurityEngine()
    rules = ProjectRules()
    started = time.perf_counter()
    counts, inj, benign = evaluate(engine, samples, rules)
    elapsed = time.perf_counter() - started
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    print(f"corpus: {len(samples)} texts (seed {args.seed}), scanned in {elapsed:.1f}s; rules: min_score {rules.min_score}, injection threshold {rules.injection_threshold}\n")
    print(f"{'entity':<20} {'labels':>6} {'TP':>5} {'FP':>5} {'FN':>5} {'precision':>9} {'recall':>7}")
    all_tp = all_fp = all_fn = 0
    for entity in sorted(set(tp) | set(fp) | set(fn)):
        t, f, n = tp[entity], fp[entity], fn[entity]
        all_tp, all_fp, all_fn = all_tp + t, all_fp + f, all_fn + n
        precision = t / (t + f) if t + f else float("nan")
        recall = t / (t + n) if t + n else float("nan")
        print(f"{entity:<20} {t + n:>6} {t:>5} {f:>5} {n:>5} {precision:>9.3f} {recall:>7.3f}")
    print(f"{'ALL (micro)':<20} {all_tp + all_fn:>6} {all_tp:>5} {all_fp:>5} {all_fn:>5} "
          f"{all_tp / max(1, all_tp + all_fp):>9.3f} {all_tp / max(1, all_tp + all_fn):>7.3f}   target: both ≥ 0.95\n")
    print(f"{'injection source':<44} {'texts':>6} {'flagged':>7} {'TPR':>6}")
    total_flag = total = 0
    for source in sorted(inj):
        flagged, n = inj[source]
        total_flag, total = total_flag + flagged, total + n
        print(f"{source:<44} {n:>6} {flagged:>7} {flagged / n:>6.3f}")
    print(f"{'ALL injection texts':<44} {total:>6} {total_flag:>7} {total_flag / max(1, total):>6.3f}   target: TPR ≥ 0.80")
    print(f"{'benign agent text (FPR)':<44} {benign['total']:>6} {benign['flagged']:>7} {benign['flagged'] / max(1, benign['total']):>6.3f}   target: FPR ≤ 0.02")


if __name__ == "__main__":
    main()
