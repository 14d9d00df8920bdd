"""The learned injection tier: logistic regression over hashed character n-grams, numpy only.

Why this model: it needs no model download (the weights are a 2^18-entry float16 table versioned in
`actors/security/models/`), it is language-agnostic (character 3–5-grams work for CJK and Cyrillic
as well as Latin scripts), and featurising is a few vectorised numpy operations (≈ 50–150 µs for
a 2 KB text), so it can decide the texts the rules are unsure of without a GPU or torch.

Text is canonicalised before featurising so obfuscation does not change the features: invisible
characters and homoglyphs are undone (`normalize`), leetspeak inside words is mapped back to
letters, letter-by-letter spacing ("i g n o r e") is joined, and decoded base64 / hex / rot13 /
URL-encoded payloads are appended. Training: `scripts/train_injection_classifier.py`.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from actors.security.normalize import decoded_payloads, normalize, rot13

MODEL_DIR = Path(__file__).resolve().parent / "models"
WEIGHTS = MODEL_DIR / "injection_lr.npz"
DIM_BITS = 18
NGRAMS = (3, 4, 5)
MAX_CHARS = 2048
_MULT = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))
_MASK = np.uint64((1 << DIM_BITS) - 1)

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_LEET_WORD = re.compile(r"(?<![\w@$!])(?=[\w@$!]*[a-z])(?=[\w@$!]*[0-9@$!])[a-z0-9@$!]{3,}")
_SPACED = re.compile(r"(?<!\S)(?:[a-z][ .\-_*]){3,}[a-z](?!\S)")
_URL_ESCAPES = re.compile(r"%[0-9a-fA-F]{2}[^%\s]{0,20}%[0-9a-fA-F]{2}")
_SPACES = re.compile(r"\s+")
_COMMON = re.compile(r"\b(?:the|you|and|to|your|are|all|of|is|with|now)\b")


def canonical(text: str) -> str:
    """The text the classifier reads: de-obfuscated, lower-cased, with decoded payloads appended."""
    text = text[:MAX_CHARS]
    base = normalize(text).text.lower()
    base = _LEET_WORD.sub(lambda m: m.group(0).translate(_LEET), base)
    base = _SPACED.sub(lambda m: re.sub(r"[ .\-_*]", "", m.group(0)), base)
    extra: list[str] = []
    if _URL_ESCAPES.search(text):
        extra.append(urllib.parse.unquote(text).lower())
    extra.extend(p.text.lower() for p in decoded_payloads(text, max_payloads=4))
    flipped = rot13(base)
    if len(_COMMON.findall(flipped)) > 2 * len(_COMMON.findall(base)) + 1:  # the text reads as English once rot13'd
        extra.append(flipped)
    return _SPACES.sub(" ", " ".join([base, *extra]))


def features(text: str) -> np.ndarray:
    """Feature indices (hashed character n-grams, with repeats) of `canonical(text)`."""
    codes = np.frombuffer(canonical(text).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    parts = []
    for n, mult in zip(NGRAMS, _MULT):
        if len(codes) < n:
            continue
        h = np.zeros(len(codes) - n + 1, dtype=np.uint64)
        for i in range(n):
            h = h * np.uint64(1_000_003) + codes[i: len(codes) - n + 1 + i]
        parts.append(((h * mult) >> np.uint64(64 - DIM_BITS)) & _MASK)
    if not parts:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate(parts).astype(np.int64)


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

    def logit(self, text: str) -> float:
        idx = features(text)
        if not len(idx):
            return self.bias
        return float(self.bias + self.weights[idx].sum() / np.sqrt(len(idx)))

    def probability(self, text: str) -> float:
        self.calls += 1
        return float(1.0 / (1.0 + np.exp(-self.logit(text))))


_LOADED: InjectionClassifier | None = None


def get_classifier() -> InjectionClassifier | None:
    """The shipped classifier (loaded once per process), or None when the weights file is absent."""
    global _LOADED
    if _LOADED is None and WEIGHTS.exists():
        _LOADED = InjectionClassifier.load()
    return _LOADED


