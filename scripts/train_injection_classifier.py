"""Train the learned injection tier (actors/security/classifier.py) and write its versioned weights.

Data: the *training* sources of bench/corpora (their 70 % train split; held-out sources are never
read here, and a generated text equal to a held-out text is dropped) plus generated text
(scripts/injection_training_text.py: templates in nine languages, the compositional v2 generator,
benign mentions of rules and prompts), generated benign agent text (bench/corpus.py), Faker text in
the eight languages the tier must not flag, and `--crops` random 150–600-char windows of every long
training text. Model: logistic regression (L2 1e-5) over hashed character 3–5-grams and word
unigrams / bigrams, full-batch gradient descent with Adam, class-balanced. The operating
threshold is chosen for FPR ≤ 0.5 % on a validation split (20 % of the training rows, by hash), so the
training sources' 30 % test split stays unseen.
Run: `.venv/bin/python scripts/train_injection_classifier.py` (≈ 2 min on an idle core; the defaults
reproduce the shipped weights up to small differences: the generated agent spans are
not byte-for-byte stable between runs).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from faker import Faker  # noqa: E402

from actors.security.classifier import DIM_BITS, WEIGHTS, InjectionClassifier, features  # noqa: E402
from bench import corpora  # noqa: E402
from bench.corpus import agent_spans, benign_text  # noqa: E402

WINDOW = 0  # characters: the scored windows (crops of 150–600 characters are in the training data)
LOCALES = ("es_ES", "fr_FR", "de_DE", "pt_BR", "it_IT", "zh_CN", "ja_JP", "ru_RU", "en_US")


def generated_benign(n: int, seed: int = 21) -> list[str]:
    rng = random.Random(seed)
    fake = Faker("en_US")
    fake.seed_instance(seed)
    out = [benign_text(fake, rng) for _ in range(n // 2)]
    for span in agent_spans(n // 8, seed):
        out += [str(span["input"])[:3000], str(span["output"])[:3000]]
    for locale in LOCALES:
        local = Faker(locale)
        local.seed_instance(seed)
        out += [local.paragraph(nb_sentences=rng.randint(2, 8)) for _ in range(n // 40)]
    return out


def _is_validation(text: str) -> bool:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).digest()[1] < 0.2 * 256


def train(rows: list[np.ndarray], labels: np.ndarray, epochs: int, l2: float, lr: float) -> tuple[np.ndarray, float]:
    dim = 1 << DIM_BITS
    lengths = np.array([len(r) for r in rows])
    flat = np.concatenate(rows)
    doc = np.repeat(np.arange(len(rows)), lengths)
    scale = (1.0 / np.sqrt(np.maximum(lengths, 1)))[doc]
    pos = labels.mean()
    sample_w = np.where(labels == 1, 0.5 / pos, 0.5 / (1 - pos)) / len(labels)
    w = np.zeros(dim)
    b = 0.0
    m_w, v_w, m_b, v_b = np.zeros(dim), np.zeros(dim), 0.0, 0.0
    for step in range(1, epochs + 1):
        z = np.bincount(doc, weights=w[flat] * scale, minlength=len(rows)) + b
        p = 1 / (1 + np.exp(-z))
        r = (p - labels) * sample_w
        g_w = np.bincount(flat, weights=r[doc] * scale, minlength=dim) + l2 * w
        g_b = r.sum()
        m_w = 0.9 * m_w + 0.1 * g_w
        v_w = 0.999 * v_w + 0.001 * g_w * g_w
        m_b = 0.9 * m_b + 0.1 * g_b
        v_b = 0.999 * v_b + 0.001 * g_b * g_b
        corr1, corr2 = 1 - 0.9 ** step, 1 - 0.999 ** step
        w -= lr * (m_w / corr1) / (np.sqrt(v_w / corr2) + 1e-8)
        b -= lr * (m_b / corr1) / (np.sqrt(v_b / corr2) + 1e-8)
    return w, b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--l2", type=float, default=1e-5)
    parser.add_argument("--lr", type=float, default=0.02)
    parser.add_argument("--target-fpr", type=float, default=0.005)
    parser.add_argument("--out", default=str(WEIGHTS))
    parser.add_argument("--crops", type=int, default=2, help="random windows added per long training text (both labels)")
    parser.add_argument("--obfuscated", type=int, default=24, help="obfuscated copies of training injections per obfuscation")
    parser.add_argument("--window", type=int, default=WINDOW,
                        help="score also every window of this many canonical characters and keep the highest (0: whole text only)")
    parser.add_argument("--calibrate-only", type=Path, default=None,
                        help="keep the weights of this model file, choose only the threshold (with --window) again")
    args = parser.parse_args()
    started = time.time()
    texts = [t for t in corpora.load(include_obfuscated=False) if not t.held_out]
    assert not any(t.held_out for t in texts)
    train_rows = [(t.text, int(t.injection)) for t in texts if t.split == "train"]
    test_rows = [(t.text, int(t.injection)) for t in texts if t.split == "test"]
    from scripts.injection_training_text import benign_mentions, benign_system_prompts, generated_v2, multilingual_v2, training_texts

    train_rows += training_texts()
    train_rows += generated_v2()
    train_rows += multilingual_v2()
    train_rows += [(text, 0) for text in benign_system_prompts()]
    train_rows += [(text, 0) for text in benign_mentions()]
    gen = generated_benign(2400)
    train_rows += [(g, 0) for g in gen[::2]]
    test_rows += [(g, 0) for g in gen[1::2]]
    # obfuscated copies of the training injections, so the canonicaliser's output is what is learned
    from bench.corpora import OBFUSCATIONS, _obfuscate

    rng = random.Random(5)
    short = [t for t, y in train_rows if y and len(t) < 600 and t.isascii()]
    train_rows += [(_obfuscate(rng.choice(short), how), 1) for how in OBFUSCATIONS for _ in range(args.obfuscated)]
    # a validation split (20 % of the training rows, by hash) picks the threshold; the sources' test split stays unseen
    val_rows = [row for row in train_rows if _is_validation(row[0])]
    train_rows = [row for row in train_rows if not _is_validation(row[0])]
    # generated text that happens to equal a held-out text is dropped: held-out text is never trained on
    held_out = {t.text for t in corpora.load() if t.held_out}
    dropped = sum(1 for text, _ in train_rows if text in held_out)
    train_rows = [row for row in train_rows if row[0] not in held_out]
    if dropped:
        print(f"dropped {dropped} training rows equal to held-out texts")
    if args.crops:  # windows of long texts, so short attacks and short benign text look like something seen
        crop_rng = random.Random(9)
        for text, label in list(train_rows):
            if len(text) > 700:
                for _ in range(args.crops):
                    size = crop_rng.randint(150, 600)
                    start = crop_rng.randint(0, len(text) - size)
                    train_rows.append((text[start:start + size], label))
    y = np.array([label for _, label in train_rows], dtype=float)
    if args.calibrate_only:
        previous = np.load(args.calibrate_only, allow_pickle=False)
        weights, b = previous["weights"], float(previous["bias"])
        meta_before = json.loads(str(previous["meta"]))
        args.epochs, args.l2, args.lr, args.crops = (meta_before[k] for k in ("epochs", "l2", "lr", "crops"))
    else:
        x = [features(t) for t, _ in train_rows]
        print(f"train: {len(y)} texts ({int(y.sum())} injections), featurised in {time.time() - started:.1f}s")
        w, b = train(x, y, args.epochs, args.l2, args.lr)
        weights = w.astype(np.float16)
    scorer = InjectionClassifier(weights.astype(np.float32), b, 0.5, {"dim_bits": DIM_BITS, "window": args.window})

    def logits(rows: list[tuple[str, int]]) -> np.ndarray:
        return np.array([scorer.logit(text) for text, _ in rows])

    z_val = logits(val_rows)
    y_val = np.array([label for _, label in val_rows])
    benign_z = np.sort(z_val[y_val == 0])
    cut = benign_z[min(len(benign_z) - 1, int(np.ceil((1 - args.target_fpr) * len(benign_z))))]
    threshold = float(1 / (1 + np.exp(-cut)))
    val_tpr = float((z_val[y_val == 1] > cut).mean())
    z_test = logits(test_rows)
    y_test = np.array([label for _, label in test_rows])
    tpr = float((z_test[y_test == 1] > cut).mean())
    fpr = float((z_test[y_test == 0] > cut).mean())
    meta = {
        "version": 2, "model": "logistic regression, hashed char 3-5-grams", "dim_bits": DIM_BITS,
        "threshold": threshold, "train_texts": len(y), "train_injections": int(y.sum()),
        "sources": sorted({t.source for t in texts}), "validation": {"texts": len(val_rows), "tpr": round(val_tpr, 4)},
        "in_source_test": {"tpr": round(tpr, 4), "fpr": round(fpr, 4)}, "features": "char 3-5-grams, word 1-2-grams",
        "epochs": args.epochs, "l2": args.l2, "lr": args.lr, "crops": args.crops, "window": args.window,
        "obfuscated": args.obfuscated,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, weights=weights, bias=np.float32(b), meta=np.array(json.dumps(meta)))
    print(json.dumps(meta, indent=1))
    print(f"wrote {out} ({out.stat().st_size // 1024} KB) in {time.time() - started:.1f}s")


if __name__ == "__main__":
    main()
