"""Undoing cheap obfuscation before the injection rules run: invisible characters, homoglyphs, encodings.

`normalize` keeps a way back to the original offsets: homoglyphs and full-width forms map one
character to one character, and the only characters removed are invisible ones (zero-width and
bidi controls), whose positions are remembered. `decoded_payloads` finds base64 / hex runs and
rot13 text and returns what they decode to, for a second pass of the rules.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import re
from dataclasses import dataclass

#: Zero-width and bidirectional-control characters: invisible, used to split trigger words.
INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")

# Letters from Cyrillic and Greek that render like Latin ones (the usual homoglyph tricks).
_HOMOGLYPHS = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J",
    "α": "a", "ο": "o", "ρ": "p", "ν": "v", "τ": "t", "ι": "i", "κ": "k", "υ": "u", "ε": "e",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    "ı": "i", "ℓ": "l", "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "\u2018": "'", "\u2019": "'",
    "\u201c": '"', "\u201d": '"', "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ", "\u3000": " ",
}
_TRANSLATE: dict[int, str] = {ord(k): v for k, v in _HOMOGLYPHS.items()}
# Full-width ASCII (U+FF01..U+FF5E) → ASCII, one to one.
_TRANSLATE.update({cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)})
# Mathematical alphanumerics (bold, italic, script, … U+1D400..U+1D6A3) → ASCII letters.
for _block in range(13):
    _base = 0x1D400 + 52 * _block
    _TRANSLATE.update({_base + i: chr(ord("A") + i) for i in range(26)})
    _TRANSLATE.update({_base + 26 + i: chr(ord("a") + i) for i in range(26)})


@dataclass(frozen=True)
class Normalized:
    """Normalised text and the positions (in the original) of the characters removed from it."""

    text: str
    removed: tuple[int, ...] = ()
    translated: bool = False

    @property
    def changed(self) -> bool:
        """Whether the normalised text differs from the original."""
        return bool(self.removed) or self.translated

    def original_offset(self, offset: int) -> int:
        """Map an offset in the normalised text back to the original text."""
        if not self.removed:
            return offset
        # Each removed character before the mapped position shifts it right by one.
        shift = 0
        while True:
            moved = bisect.bisect_right(self.removed, offset + shift)
            if moved == shift:
                return offset + shift
            shift = moved


#: Non-ASCII characters that say nothing to any recognizer or rule (not letters, digits or spaces to
#: Python's `re`, not homoglyphs or invisible characters): degrees, currency, ©, ×, arrows, ticks.
BENIGN_SYMBOLS = "°€£¥¢©®™×÷±§¶·…•†‡‰′″←→↑↓✓✔✗✘★☆"
_ASCII_VIEW = str.maketrans(
    {**{c: "\x7f" for c in BENIGN_SYMBOLS}, **{k: v for k, v in _HOMOGLYPHS.items() if v.isascii() and not k.isalpha()}}
)


def ascii_view(text: str) -> str:
    """`text` with typographic punctuation mapped to ASCII (as `normalize` does) and benign symbols to DEL."""
    return text if text.isascii() else text.translate(_ASCII_VIEW)


def foreign(text: str) -> bool:
    """Whether `text` holds a character beyond ASCII, typographic punctuation and benign symbols
    (another script, a homoglyph, an invisible character, a Unicode digit)."""
    return not text.isascii() and not text.translate(_ASCII_VIEW).isascii()


def normalize(text: str) -> Normalized:
    """Remove invisible characters and map homoglyphs / full-width forms to ASCII.

    Pure-ASCII text (the common case) is returned as it is without any work beyond one check.
    """
    if text.isascii():
        return Normalized(text)
    removed = tuple(m.start() for m in INVISIBLE.finditer(text))
    stripped = INVISIBLE.sub("", text) if removed else text
    translated = stripped.translate(_TRANSLATE)
    return Normalized(translated, removed, translated != stripped)


_BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{24,}={0,2}|[A-Za-z0-9_-]{24,}={0,2}")
_HEX_RUN = re.compile(r"\b(?:[0-9a-fA-F]{2}){12,}\b")


@dataclass(frozen=True)
class Payload:
    """A decoded piece of a text: how it was encoded, where it sits in the text, what it says."""

    encoding: str
    start: int
    end: int
    text: str


def _mostly_text(raw: bytes) -> str | None:
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if len(decoded) < 6:
        return None
    printable = sum(ch.isprintable() or ch in "\t\r\n" for ch in decoded)
    letters = sum(ch.isalpha() for ch in decoded)
    # A sentence: printable, mostly letters, and words (spaces) unless the script has none (CJK).
    if printable / len(decoded) < 0.9 or letters / len(decoded) < 0.5 or (" " not in decoded and decoded.isascii()):
        return None  # binary, an id or a hash, not a sentence
    return decoded


def decoded_payloads(text: str, max_payloads: int = 8) -> list[Payload]:
    """Base64 and hex runs in `text` that decode to readable sentences (at most `max_payloads`)."""
    found: list[Payload] = []
    for match in _BASE64_RUN.finditer(text):
        run = match.group(0)
        padded = run + "=" * (-len(run.rstrip("=")) % 4)
        try:
            raw = base64.b64decode(padded, altchars=b"-_" if ("-" in run or "_" in run) else None, validate=False)
        except (binascii.Error, ValueError):
            continue
        decoded = _mostly_text(raw)
        if decoded is not None:
            found.append(Payload("base64", match.start(), match.end(), decoded))
            if len(found) >= max_payloads:
                return found
    for match in _HEX_RUN.finditer(text):
        decoded = _mostly_text(bytes.fromhex(match.group(0)))
        if decoded is not None:
            found.append(Payload("hex", match.start(), match.end(), decoded))
            if len(found) >= max_payloads:
                break
    return found


_ROT13 = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "NOPQRSTUVWXYZABCDEFGHIJKLMnopqrstuvwxyzabcdefghijklm"
)


def rot13(text: str) -> str:
    """The rot13 reading of `text` (its own inverse); one `str.translate`, no codec machinery."""
    return text.translate(_ROT13)
