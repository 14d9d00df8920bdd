"""The learned injection tier: logistic regression over hashed character n-grams and words, numpy only.

Why this model: it needs no model download (the weights are a 2^18-entry float16 table versioned in
`actors/security/models/`), it is language-agnostic (character 3–5-grams work for CJK and Cyrillic
as well as Latin scripts); word unigrams and bigrams add phrase-level evidence ("ignore previous",
"system prompt") that 5-grams cannot span. Featurising is a few vectorised numpy operations (≈ 0.2–0.4 ms
of CPU for a 1–2 KB text), so it can decide the texts the rules are unsure of without a GPU or torch.

Text is canonicalised before featurising so obfuscation does not change the features: invisible
characters and homoglyphs are undone (`normalize`), leetspeak inside words is mapped back to
letters, letter-by-letter spacing ("i g n o r e") is joined, and decoded base64 / hex / rot13 /
URL-encoded payloads are appended. Training: `scripts/train_injection_classifier.py`.
"""

from __future__ import annotations

import json
import os
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from actors.security.normalize import decoded_payloads, normalize, rot13

MODEL_DIR = Path(__file__).resolve().parent / "models"
WEIGHTS = MODEL_DIR / "injection_lr.npz"
DIM_BITS = int(os.environ.get("AGENTSTACK_CLASSIFIER_BITS", "18"))  # hashed feature space (training-time choice)
NGRAMS = (3, 4, 5)
WORDS = True  # word unigram and bigram features besides the character n-grams
MAX_CHARS = 2048
_MULT = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_LEET_WORD = re.compile(r"(?<![\w@$!])(?=[\w@$!]*[a-z])(?=[\w@$!]*[0-9@$!])[a-z0-9@$!]{3,}")
_SPACED = re.compile(r"(?<!\S)(?:[a-z][ .\-_*]){3,}[a-z](?!\S)")
_URL_ESCAPES = re.compile(r"%[0-9a-fA-F]{2}[^%\s]{0,20}%[0-9a-fA-F]{2}")
_SPACES = re.compile(r"\s+")
_COMMON = re.compile(r"\b(?:the|you|and|to|your|are|all|of|is|with|now)\b")


# Necessary conditions, checked before the (slower) rewrites they guard; each one is exact: when it
# does not hold, the rewrite it guards cannot change the text. A leetspeak word holds a letter or
# underscore (any word character but an ASCII digit) next to a digit or @$!; spaced letters need a letter, a separator and another letter;
# an encoded payload is a run of ≥ 24 characters without spaces.
_LEET_HINT = re.compile(r"[^\W0-9][0-9@$!]|[0-9@$!][^\W0-9]")
_SPACED_HINT = re.compile(r"(?<!\S)[a-z][ .\-_*][a-z][ .\-_*]")
_LONG_RUN = re.compile(r"\S{24}")
# The common words and their rot13 readings counted in one pass over the text (rot13 keeps word
# boundaries, so the rot13 reading's common words are exactly these words in the text itself).
_COMMON_BOTH = re.compile(r"\b(?:(the|you|and|to|your|are|all|of|is|with|now)|(gur|lbh|naq|gb|lbhe|ner|nyy|bs|vf|jvgu|abj))\b")


_SHORT_LEET_WORD = re.compile(r"(?<![\w.,:/@$!])(?=[a-z]{0,2}[0-9])[a-z0-9]{1,3}(?![\w,:/%]|\.\w)")


def _unleet(base: str) -> str:
    """Leetspeak words mapped back to letters; in a text written mostly in leetspeak (at least four such words,
    a third of its words), also the short words with digits ("4" a, "15" is, "m3" me), which alone are ambiguous."""
    leet = 0

    def letters(match: re.Match[str]) -> str:
        nonlocal leet
        leet += 1
        return match.group(0).translate(_LEET)

    base = _LEET_WORD.sub(letters, base)
    if leet >= 4 and 3 * leet >= len(base.split()):
        base = _SHORT_LEET_WORD.sub(lambda m: m.group(0).translate(_LEET), base)
    return base


def _squeeze(text: str) -> str:
    """`_SPACES.sub(" ", text)`: every whitespace run becomes one space (split/join runs in C)."""
    inner = " ".join(text.split())
    if not inner:
        return " " if text else ""
    return (" " if text[0].isspace() else "") + inner + (" " if text[-1].isspace() else "")


def canonical(text: str) -> str:
    """The text the classifier reads: de-obfuscated, lower-cased, with decoded payloads appended."""
    text = text[:MAX_CHARS]
    base = normalize(text).text.lower()
    if _LEET_HINT.search(base):
        base = _unleet(base)
    if _SPACED_HINT.search(base):
        base = _SPACED.sub(lambda m: re.sub(r"[ .\-_*]", "", m.group(0)), base)
    extra: list[str] = []
    if "%" in text and _URL_ESCAPES.search(text):
        extra.append(urllib.parse.unquote(text).lower())
    if _LONG_RUN.search(text):
        extra.extend(p.text.lower() for p in decoded_payloads(text, max_payloads=4))
    plain = rotated = 0
    for word, flipped_word in _COMMON_BOTH.findall(base):
        plain += bool(word)
        rotated += bool(flipped_word)
    if rotated > 2 * plain + 1:  # the text reads as English once rot13'd
        extra.append(rot13(base))
    return _squeeze(" ".join([base, *extra]))


def canonical_reference(text: str) -> str:
    """`canonical` without the fast paths (every rewrite always runs): the definition the tests compare to."""
    text = text[:MAX_CHARS]
    base = normalize(text).text.lower()
    base = _unleet(base)
    base = _SPACED.sub(lambda m: re.sub(r"[ .\-_*]", "", m.group(0)), base)
    extra: list[str] = []
    if _URL_ESCAPES.search(text):
        extra.append(urllib.parse.unquote(text).lower())
    extra.extend(p.text.lower() for p in decoded_payloads(text, max_payloads=4))
    flipped = rot13(base)
    if len(_COMMON.findall(flipped)) > 2 * len(_COMMON.findall(base)) + 1:
        extra.append(flipped)
    return _SPACES.sub(" ", " ".join([base, *extra]))


_rng = np.random.default_rng(20261201)
#: One random odd 64-bit multiplier per position inside a word (positions past 63 share the last).
_POS = (_rng.integers(1, 2**63 - 1, size=64, dtype=np.uint64) | np.uint64(1)).astype(np.uint64)
_WORD_MULT = (np.uint64(0xD6E8FEB86659FD93), np.uint64(0xA0761D6478BD642F))
# Word characters: ASCII letters and digits, and everything above U+007F except common punctuation / spaces.
_IS_WORD = np.zeros(128, dtype=bool)
_IS_WORD[[ord(c) for c in "abcdefghijklmnopqrstuvwxyz0123456789"]] = True


def _word_hashes(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A 64-bit hash per word (run of word characters) of the canonical text, in order, and where each word starts."""
    is_word = np.where(codes < 128, _IS_WORD[np.minimum(codes, 127)], (codes > 0x3000) | ((codes > 0xBF) & (codes < 0x2000)))
    if not is_word.any():
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    starts = is_word & ~np.concatenate(([False], is_word[:-1]))
    word_id = np.cumsum(starts) - 1
    idx = np.flatnonzero(is_word)
    first = np.flatnonzero(starts)
    pos = np.minimum(idx - first[word_id[idx]], 63)
    contrib = (codes[idx] + np.uint64(1)) * _POS[pos]
    seg = np.searchsorted(idx, first)
    return np.add.reduceat(contrib, seg).astype(np.uint64), first


def features(text: str, dim_bits: int = DIM_BITS, canonical_text: str | None = None) -> np.ndarray:
    """Feature indices (hashed character 3-5-grams, word unigrams and bigrams, with repeats) of `canonical(text)`.

    `canonical_text`, when given, must be `canonical(text)` (a caller that already has it saves computing it again).
    """
    return located_features(text, dim_bits, canonical_text, positions=False)[0]


def located_features(
    text: str, dim_bits: int = DIM_BITS, canonical_text: str | None = None, positions: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """`features(text)` and, for each feature, where it starts in `canonical(text)` (a character offset;
    an empty array when `positions` is False)."""
    if canonical_text is None:
        canonical_text = canonical(text)
    codes = np.frombuffer(canonical_text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    parts = []
    where = []
    shift = np.uint64(64 - dim_bits)
    # Rolling polynomial hash: the n-gram hash extends the (n-1)-gram hash by one character (same values mod 2^64
    # as hashing each n-gram from scratch).
    h = np.zeros(len(codes), dtype=np.uint64)
    for n in range(1, NGRAMS[-1] + 1):
        if len(codes) < n:
            break
        h = h[: len(codes) - n + 1] * np.uint64(1_000_003) + codes[n - 1:]
        if n in NGRAMS:
            parts.append((h * _MULT[NGRAMS.index(n)]) >> shift)
            if positions:
                where.append(np.arange(len(h)))
    if WORDS:
        words, starts = _word_hashes(codes)
        if len(words):
            parts.append((words * _WORD_MULT[0]) >> shift)
            if positions:
                where.append(starts)
        if len(words) > 1:
            pairs = words[:-1] * np.uint64(0x9E3779B97F4A7C15) + words[1:]
            parts.append((pairs * _WORD_MULT[1]) >> shift)
            if positions:
                where.append(starts[:-1])
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    located = np.concatenate(where).astype(np.int64) if where else np.zeros(0, dtype=np.int64)
    return np.concatenate(parts).astype(np.int64), located


def window_logits(weights: np.ndarray, bias: float, idx: np.ndarray, pos: np.ndarray, window: int, step: int) -> np.ndarray:
    """The logit of every window [s, s + window) of the canonical text, s = 0, step, 2·step, … (features by start).

    A short instruction planted in a long benign document is diluted in the whole text's average;
    in a window around it, it is not. Sums come from one cumulative sum over the features in position order.
    """
    order = np.argsort(pos, kind="stable")
    sorted_pos = pos[order]
    cumulative = np.concatenate(([0.0], np.cumsum(weights[idx[order]], dtype=np.float64)))
    starts = np.arange(0, max(1, int(sorted_pos[-1]) - window + step + 1), step)
    lo = np.searchsorted(sorted_pos, starts, side="left")
    hi = np.searchsorted(sorted_pos, starts + window, side="left")
    counts = np.maximum(hi - lo, 1)
    logits: np.ndarray = bias + (cumulative[hi] - cumulative[lo]) / np.sqrt(counts)
    return logits


@dataclass
class InjectionClassifier:
    """P(injection | text) from the versioned weights; `threshold` is the operating point chosen in training."""

    weights: np.ndarray
    bias: float
    threshold: float
    meta: dict[str, object]
    calls: int = 0

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> InjectionClassifier:
        data = np.load(path, allow_pickle=False)
        meta = json.loads(str(data["meta"]))
        return cls(data["weights"].astype(np.float32), float(data["bias"]), float(meta["threshold"]), meta)

    def logit(self, text: str, canonical_text: str | None = None) -> float:
        """The log-odds of injection; `canonical_text`, when given, must be `canonical(text)`.

        With a `window` in the model's meta, the highest of the whole text's logit and its windows' logits.
        """
        dim_bits = int(self.meta.get("dim_bits", DIM_BITS))  # type: ignore[call-overload]
        window = int(self.meta.get("window", 0))  # type: ignore[call-overload]
        if not window:
            idx = features(text, dim_bits, canonical_text)
            return self.bias if not len(idx) else float(self.bias + self.weights[idx].sum() / np.sqrt(len(idx)))
        idx, pos = located_features(text, dim_bits, canonical_text)
        if not len(idx):
            return self.bias
        whole = float(self.bias + self.weights[idx].sum() / np.sqrt(len(idx)))
        if int(pos.max()) < window:
            return whole
        step = int(self.meta.get("window_step", window // 2))  # type: ignore[call-overload]
        return max(whole, float(window_logits(self.weights, self.bias, idx, pos, window, step).max()))

    def probability(self, text: str, canonical_text: str | None = None) -> float:
        """P(injection | text); `canonical_text`, when given, must be `canonical(text)` (it is not computed again)."""
        self.calls += 1
        return float(1.0 / (1.0 + np.exp(-self.logit(text, canonical_text))))


_LOADED: InjectionClassifier | None = None


def get_classifier() -> InjectionClassifier | None:
    """The shipped classifier (loaded once per process), or None when the weights file is absent."""
    global _LOADED
    if _LOADED is None and WEIGHTS.exists():
        _LOADED = InjectionClassifier.load()
    return _LOADED


