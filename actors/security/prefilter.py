"""The span prefilter: one Hyperscan pass over a span field's raw text decides most benign fields.

`SecurityEngine.scan_span` used to split every JSON payload into its string leaves and put each
leaf through the cache, the gate and Presidio (≈ 400 µs per span before any recognizer ran). Most
fields of most spans hold nothing, and that can be decided on the field's raw text at once: the raw
JSON contains every leaf as a substring (bounded by `"`, which no recognizer pattern crosses or
needs as a boundary), so a trigger that is a necessary condition of a finding in a leaf is also
found in the raw text. A field is *clean* when

- it holds no character outside ASCII and a few typographic symbols (other scripts, homoglyphs,
  zero-width characters and Unicode digits go to the exact path);
- no injection rule matches it (nor its rot13 reading, nor the text behind JSON escapes), no
  base64 / hex run in it decodes to a sentence, and — where the learned tier would run — no cue of
  the learned tier occurs in it;
- for every PII or secret trigger found in it, the entity's own recognizers, called directly (not
  through the Presidio analyzer), find nothing in the raw field: a recognizer finding nothing in
  the whole field finds nothing in any leaf or window of it.

A clean field has no findings; any other field goes through the exact per-leaf path. The test
suite checks that scanning spans with and without the prefilter gives the same findings.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from actors.security.gate import _INJECTION_HINTS, WHOLE_TEXT_TRIGGERS, WINDOWED_TRIGGERS, Gate
from actors.security.injection import LEARNED_CUES, RULES
from presidio_analyzer import PatternRecognizer

from actors.security.matcher import MultiMatcher, PatternSpec
from actors.security.normalize import ascii_view, decoded_payloads, foreign
from actors.security.pii import CONTEXT_CHARS, PHONE_CONTEXT, phone_candidates, phone_score

#: A phone candidate of `pii.IntlPhoneRecognizer` (its `_CANDIDATE` without look-arounds, which
#: Hyperscan lacks: the boundary characters are matched instead, so every candidate contains a match).
PHONE_TRIGGER = (
    r"(?:^|[^0-9A-Za-z_+/@:.,\-])(?:\+|00)?\(?\d(?:[ ().\-/]{0,2}\d){6,16}\)?"
    r"(?:$|[^0-9A-Za-z_/@.\-]|[.\-](?:$|[^0-9]))"
)
#: how far a phone candidate reaches before its trigger's end, and how far its context reaches
_PHONE_REACH, _PHONE_MARGIN = 64, CONTEXT_CHARS + 16
#: A date (ISO or slashed) is never a phone number without a phone word before it (libphonenumber
#: accepts none of them in any of the ten regions; checked on 15,000 dates in five formats).
_DATE = re.compile(r"\d{4}[-/]\d{2}[-/]\d{2}")
_JSON_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|([\"\\/bfnrt]))")
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}

_RULE, _CUE, _PAYLOAD, _URL = "~rule", "~cue", "~payload", "~url"


_ROT13_BYTES = bytes.maketrans(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", b"NOPQRSTUVWXYZABCDEFGHIJKLMnopqrstuvwxyzabcdefghijklm"
)


def _quick_check(recognizer: Any) -> list[re.Pattern[str]] | None:
    """A Presidio pattern recognizer's regexes compiled with Python's `re` and Presidio's flags: when none
    matches a window the recognizer has nothing to report there (None: call the recognizer always)."""
    patterns = getattr(recognizer, "patterns", None)
    if not patterns or type(recognizer).analyze is not PatternRecognizer.analyze:
        return None
    flags = getattr(recognizer, "global_regex_flags", None) or (re.DOTALL | re.MULTILINE | re.IGNORECASE)
    try:
        return [re.compile(pattern.regex, flags) for pattern in patterns]
    except re.error:
        return None


def _unescape(match: re.Match[str]) -> str:
    code, simple = match.group(1), match.group(2)
    return chr(int(code, 16)) if code else _SIMPLE_ESCAPES[simple]


def _phone_found(text: str) -> bool:
    for start, end in phone_candidates(text):
        if _DATE.fullmatch(text, start, end):
            before = text[max(0, start - CONTEXT_CHARS):start].lower()
            if not any(word in before for word in PHONE_CONTEXT):
                continue
        if phone_score(text, start, end):
            return True
    return False


def _starts(scanned: list[tuple[str, int]]) -> list[int]:
    """Offsets of the scanned texts in their "\\n"-joined whole."""
    starts = []
    offset = 0
    for part, _ in scanned:
        starts.append(offset)
        offset += len(part) + 1
    return starts


def _locate(starts: list[int], scanned: list[tuple[str, int]], end: int) -> tuple[int, int]:
    """(view index, offset in that view) of a match ending at `end` in the joined text."""
    segment = bisect.bisect_right(starts, max(0, end - 1)) - 1
    return scanned[segment][1], end - starts[segment]


def _rule_specs(key: str) -> list[PatternSpec]:
    return [PatternSpec(key, rule.pattern.pattern, caseless=bool(rule.pattern.flags & re.IGNORECASE)) for rule in RULES]


class SpanPrefilter:
    """Decides whether a span field can hold a finding, with one Hyperscan pass and cheap validators.

    Args:
        entities: the engine's entity types (PII, secrets, injection).
        recognizers: entity → the analyzer's recognizers reporting it (called directly as validators).
        injection: whether injection entities are scanned.
        backend: the matcher backend ("auto", "hyperscan", "re").
        cues: look for the learned tier's cues (False when the engine has no learned tier: `clean`
            is then never asked with `learned=True`, and the cue patterns would only cost scan time).
    """

    def __init__(self, entities: Iterable[str], recognizers: Mapping[str, Sequence[Any]], injection: bool,
                 backend: str = "auto", cues: bool = True) -> None:
        self.entities = set(entities)
        specs: list[PatternSpec] = []
        self.validators: dict[str, Sequence[Any]] = {}
        for entity in sorted(self.entities):
            if entity == "PHONE_NUMBER":
                specs.append(PatternSpec(entity, PHONE_TRIGGER, caseless=False, every=True))
            elif entity in WINDOWED_TRIGGERS:
                specs.append(PatternSpec(entity, WINDOWED_TRIGGERS[entity][0], caseless=True, every=True))
            elif entity in WHOLE_TEXT_TRIGGERS:
                regex, caseless = WHOLE_TEXT_TRIGGERS[entity]
                specs.append(PatternSpec(entity, regex, caseless=caseless))
            else:
                continue
            self.validators[entity] = recognizers.get(entity, ())
        self._quick = {id(r): _quick_check(r) for rs in self.validators.values() for r in rs}
        self.injection = injection
        if injection:
            specs += _rule_specs(_RULE)
            specs += [PatternSpec(_PAYLOAD, hint, caseless=True) for hint in _INJECTION_HINTS[:2]]
            specs += [PatternSpec(_URL, hint, caseless=True) for hint in _INJECTION_HINTS[2:]]
        cue_specs = [PatternSpec(_CUE, cue, caseless=True) for cue in LEARNED_CUES] if cues else []
        self.cues = cues
        self.matcher = MultiMatcher(specs + (cue_specs if injection else []), backend=backend)
        self.rot13_matcher = MultiMatcher(_rule_specs(_RULE) + cue_specs, backend=backend)

    def clean(self, raw: str, learned: bool) -> bool:
        """True when no leaf or chunk of the field `raw` can hold a finding.

        Args:
            raw: the field's raw text (a JSON payload or plain text).
            learned: the learned injection tier would run on this field (cues matter).
        """
        if learned and not self.cues:
            raise ValueError("this prefilter was built without the learned tier's cues (cues=False)")
        views = [raw]
        if "\\" in raw:  # a JSON string's escapes: its leaves read the unescaped text
            views.append(_JSON_ESCAPE.sub(_unescape, raw))
        scanned: list[tuple[str, int]] = []  # (text, index of the view it reads)
        for index, view in enumerate(views):
            if not view.isascii():
                if foreign(view):
                    return False  # other scripts, homoglyphs, invisible characters, Unicode digits
                scanned.append((ascii_view(view), index))  # same length and offsets as the view
            scanned.append((view, index))
        text = "\n".join(part for part, _ in scanned)
        data = text.encode("ascii", "replace")  # non-ASCII here is only benign symbols (one char, one "?")
        hits = self.matcher.scan_ascii(data) if len(data) == len(text) else self.matcher.scan(text)
        keys = {key for key, _ in hits}
        if self.injection:
            if _RULE in keys or (learned and (_CUE in keys or _URL in keys)):
                return False
            if _PAYLOAD in keys and self._payload(views):
                return False
            flipped = {key for key, _ in self.rot13_matcher.scan_ascii(data.translate(_ROT13_BYTES))}
            if _RULE in flipped or (learned and _CUE in flipped):
                return False
        if not keys & self.validators.keys():
            return True
        return not self._validated(views, scanned, hits)

    @staticmethod
    def _payload(views: list[str]) -> bool:
        """Whether a base64 / hex run in a view decodes to a sentence. Runs never cross a `"` (the
        bounds of a JSON string), so the runs of a view are the runs of its leaves, read as the exact
        path reads them. Nor do they cross whitespace, so only whitespace-separated tokens of ≥ 24
        characters (the shortest run `decoded_payloads` reads) can hold one; a token's edges are
        word boundaries exactly where the view's are (whitespace on the other side), so the hex
        runs found in a token are those found in the view. (A per-hint walk was quadratic on long
        runs; the regexes over the whole view cost 3× the split.)"""
        return any(decoded_payloads(token, max_payloads=1) for view in views for token in view.split() if len(token) >= 24)

    def _finds(self, recognizer: Any, window: str, key: str) -> bool:
        quick = self._quick.get(id(recognizer))
        if quick is not None and not any(pattern.search(window) for pattern in quick):
            return False
        return bool(recognizer.analyze(window, [key], None))

    def _validated(self, views: list[str], scanned: list[tuple[str, int]], hits: list[tuple[str, int]]) -> bool:
        """Whether a PII / secret recognizer finds anything around the triggers `hits` (offsets in the
        joined `scanned` texts): windows snapped to whitespace, as the gate cuts them."""
        starts = _starts(scanned)
        spots: dict[int, list[tuple[int, int, str]]] = {}
        whole: dict[int, set[str]] = {}
        for key, end in hits:
            if key not in self.validators:
                continue
            index, local = _locate(starts, scanned, end)
            view = views[index]
            if key == "PHONE_NUMBER":
                spots.setdefault(index, []).append((max(0, local - _PHONE_REACH - _PHONE_MARGIN), min(len(view), local + _PHONE_MARGIN), key))
            elif key in WINDOWED_TRIGGERS:
                _, reach, margin = WINDOWED_TRIGGERS[key]
                spots.setdefault(index, []).append((max(0, local - reach - margin), min(len(view), local + margin), key))
            else:
                whole.setdefault(index, set()).add(key)
        for index, view in enumerate(views):
            windows = Gate._merge(view, spots[index]) if index in spots else []
            if index in whole:
                windows.append((0, len(view), whole[index]))
            for lo, hi, window_keys in windows:
                window = view[lo:hi]
                for key in window_keys:
                    if key == "PHONE_NUMBER":
                        if _phone_found(window):
                            return True
                    elif any(self._finds(recognizer, window, key) for recognizer in self.validators[key]):
                        return True
        return False
