"""The gate: one cheap pass deciding which recognizers can possibly match a text, and where.

Every trigger is a *necessary* condition of its recognizer (a substring every match of the
recognizer contains), so skipping a recognizer whose trigger is absent never loses a finding; the
test suite checks gated results against ungated Presidio on a sample. PII recognizers whose
matches are short and contain no line-spanning text run only on windows around their triggers
(snapped to whitespace, so word boundaries are unchanged); secrets and injection run on the
whole text. Entities without a known trigger always run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from actors.security.injection import LEARNED_CUES, RULES
from actors.security.matcher import MultiMatcher, PatternSpec
from actors.security.normalize import ascii_view, foreign, rot13
from actors.security.recognizers import INDIRECT_INJECTION, INJECTION

#: entity → (trigger regex (Hyperscan syntax, caseless), the trigger's longest match, margin) for windowed
#: entities. The margin is how far a match may reach beyond its trigger: 0 for entities whose matches
#: contain no whitespace (snapping the window to whitespace already takes in the whole token).
WINDOWED_TRIGGERS: dict[str, tuple[str, int, int]] = {
    "EMAIL_ADDRESS": ("@", 1, 0),
    # Every end offset of these triggers is reported, so the last digit of a number always ends one:
    # the margin only has to cover a leading "+(" and a trailing extension ("x123").
    # margin: the recognizer reads up to pii.CONTEXT_CHARS before a candidate for a context word
    "PHONE_NUMBER": (r"\d(?:[^0-9A-Za-z]{0,3}\d){6}", 25, 56),
    "CREDIT_CARD": (r"\d{4}[- ]?\d{3}", 8, 22),
    "US_SSN": (r"\d{3}[- .]?\d{2}[- .]?\d{4}", 11, 8),
    "US_ITIN": (r"\d{3}[- .]?\d{2}[- .]?\d{4}", 11, 8),
    # IBAN: not preceded by a letter or digit (Presidio's lookbehind), 2 letters, 2 digits, 8+ more.
    "IBAN_CODE": (r"(?:^|[^a-z0-9])[a-z]{2}\d{2}(?:[ -]?[a-z0-9]{4}){2}", 19, 40),
    # IPv4 dotted quad; every IPv6 form has "::" or at least six "h:" groups (times like 12:34:56 do not).
    "IP_ADDRESS": (r"\d\.\d{1,3}\.\d{1,3}\.\d|::|(?:[0-9a-f]{1,4}:){6}", 30, 0),
    # Bitcoin base58 addresses (1… / 3…) never hold a "0" (the checksum test rejects any that does), so hex ids
    # with zeros do not trigger; bech32 (bc1…) may hold one; Ethereum 0x + 40 hex digits.
    "CRYPTO": (r"[13][a-z1-9]{25}|bc1[a-z0-9]{25}|0x[0-9a-f]{40}", 42, 0),
    "UK_NINO": (r"[a-z]{2} ?\d{2} ?\d{2} ?\d{2} ?[a-d]", 13, 0),
    "IN_PAN": (r"[a-z]{5}\d{4}[a-z]", 10, 0),
    "IN_AADHAAR": (r"\d{4}[ -]?\d{4}[ -]?\d{4}", 14, 0),
    "UK_NHS": (r"\d{3}[- ]?\d{3}[- ]?\d{4}", 12, 8),
    "US_BANK_NUMBER": (r"\d{8}", 8, 0),
    "US_PASSPORT": (r"\d{8}", 8, 0),
    "MEDICAL_LICENSE": (r"\d{7}", 7, 0),
    "MAC_ADDRESS": (r"[0-9a-f]{2}[:-][0-9a-f]{2}[:-]|[0-9a-f]{4}\.[0-9a-f]{4}\.", 10, 0),
    "UUID": (r"[0-9a-f]{8}-[0-9a-f]{4}-", 14, 0),
}

# Phone-number triggers libphonenumber (US/GB, VALID leniency) never turns into a match: an ISO
# date or timestamp alone (8 or 14+ digits; it rejects timestamps itself), and digits glued to letters.
_PHONE_CHARS = frozenset("0123456789 -./:()+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?")


def _run_end(text: str, end: int) -> int:
    hi = end
    while hi < len(text) and text[hi] in _PHONE_CHARS:
        hi += 1
    return hi


_LATIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _not_a_phone(text: str, end: int) -> bool:
    """True when the phone trigger ending at `end` sits in a run libphonenumber never accepts.

    Two shapes: an ISO date/timestamp alone, and a bare digit run glued to a Latin letter (inside
    hashes and ids: at VALID leniency a number preceded or followed by a letter is rejected).
    """
    lo = end
    while lo > 0 and end - lo < 40 and text[lo - 1] in _PHONE_CHARS:
        lo -= 1
    hi = end
    while hi < len(text) and hi - end < 40 and text[hi] in _PHONE_CHARS:
        hi += 1
    run = text[lo:hi]
    if run.isdigit() and ((lo > 0 and text[lo - 1] in _LATIN) or (hi < len(text) and text[hi] in _LATIN)):
        return True
    # timestamps: take in the "T" / "Z" of ISO 8601 around the date
    while lo > 0 and text[lo - 1] in "TZ0123456789:.-+" and end - lo < 60:
        lo -= 1
    while hi < len(text) and text[hi] in "TZ0123456789:.-+" and hi - end < 60:
        hi += 1
    return _ISO_DATE.fullmatch(text[lo:hi].strip(" T:.-/()")) is not None


#: entity → (trigger regex, caseless) for entities scanned on the whole text once triggered.
WHOLE_TEXT_TRIGGERS: dict[str, tuple[str, bool]] = {
    "AWS_ACCESS_KEY": (r"A(?:KIA|SIA|BIA|CCA)[0-9A-Z]{16}", False),
    "OPENAI_API_KEY": (r"sk-", False),
    "ANTHROPIC_API_KEY": (r"sk-ant-", False),
    "GITHUB_TOKEN": (r"gh[pousr]_|github_pat_", False),
    "JWT": (r"eyJ", False),
    "PRIVATE_KEY": (r"PRIVATE KEY", False),
    "SLACK_TOKEN": (r"xox[abposre]-|xapp-\d-", False),
    "GOOGLE_API_KEY": (r"AIza", False),
    "STRIPE_KEY": (r"[rs]k_(?:live|test)_", False),
    "GENERIC_SECRET": (
        r"(?:key|secret|token|password|passwd|pwd|credentials?)[\"']?\s*(?::|=|:=|=>)\s*[\"']?[A-Za-z0-9+/_\-.~!@#$%^&*]{12}|bearer\s|://[^\s/@:]{0,64}:[^\s/@]{6}",
        True,
    ),
}

_INJECTION_KEY = "~injection"
#: Beyond the rules themselves, what makes the injection recognizer worth running: text that may hide
#: a payload (a base64 or hex run). Non-ASCII text is checked separately (`normalize.foreign`), and the
#: rot13 reading of the text gets its own pass of the rule matcher.
_INJECTION_HINTS = (
    r"[A-Za-z0-9+/_-]{24}", r"(?:[0-9a-f]{2}){12}",
    r"%[0-9a-f]{2}[^%\s]{0,20}%[0-9a-f]{2}",  # URL-encoded text (leetspeak and spaced letters are among the learned tier's cues)
)

_SNAP_LIMIT = 512


@dataclass
class GateDecision:
    """What to run on one text: entities on the whole text, and (window, entities) pairs."""

    whole: set[str] = field(default_factory=set)
    windows: list[tuple[int, int, set[str]]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.whole and not self.windows


def _snap_left(text: str, pos: int) -> int:
    if pos <= 0:
        return 0
    floor = max(0, pos - _SNAP_LIMIT)
    best = max(text.rfind(" ", floor, pos + 1), text.rfind("\n", floor, pos + 1), text.rfind("\t", floor, pos + 1))
    return best + 1 if best >= 0 else (0 if floor == 0 else _snap_left(text, floor))


def _snap_right(text: str, pos: int) -> int:
    if pos >= len(text):
        return len(text)
    ceiling = min(len(text), pos + _SNAP_LIMIT)
    found = [i for i in (text.find(" ", pos, ceiling), text.find("\n", pos, ceiling), text.find("\t", pos, ceiling)) if i >= 0]
    return min(found) if found else (len(text) if ceiling == len(text) else _snap_right(text, ceiling))


class Gate:
    """Compiled triggers for one set of entities (the engine builds one per configuration)."""

    def __init__(self, entities: Iterable[str], windowed: bool = True, backend: str = "auto") -> None:
        self.entities = set(entities)
        self.windowed = windowed
        specs: list[PatternSpec] = []
        self.always: set[str] = set()
        for entity in sorted(self.entities):
            if entity in WINDOWED_TRIGGERS:
                regex, _, _ = WINDOWED_TRIGGERS[entity]
                specs.append(PatternSpec(entity, regex, caseless=True, every=windowed))
            elif entity in WHOLE_TEXT_TRIGGERS:
                regex, caseless = WHOLE_TEXT_TRIGGERS[entity]
                specs.append(PatternSpec(entity, regex, caseless=caseless))
            elif entity not in (INJECTION, INDIRECT_INJECTION):
                self.always.add(entity)  # no trigger known: never skip it
        self.injection = bool(self.entities & {INJECTION, INDIRECT_INJECTION})
        if self.injection:
            specs.extend(
                PatternSpec(_INJECTION_KEY, rule.pattern.pattern, caseless=bool(rule.pattern.flags & 2)) for rule in RULES
            )
            specs.extend(PatternSpec(_INJECTION_KEY, hint, caseless=True) for hint in _INJECTION_HINTS)
            specs.extend(PatternSpec(_INJECTION_KEY, cue, caseless=True) for cue in LEARNED_CUES)
        self.matcher = MultiMatcher(specs, backend=backend)
        # the rot13 reading of a text: the rules and the learned tier's cues (rot13 of ordinary text matches neither)
        self.rot13_matcher = MultiMatcher(
            [PatternSpec(rule.rule_id, rule.pattern.pattern, caseless=bool(rule.pattern.flags & 2)) for rule in RULES]
            + [PatternSpec("cue", cue, caseless=True) for cue in LEARNED_CUES],
            backend=backend,
        )

    def decide(self, text: str, indirect: bool = False) -> GateDecision:
        """Which recognizers to run on `text` (a field or chunk); `indirect` picks the injection entity."""
        decision = GateDecision(whole=set(self.always))
        if foreign(text):
            if self.injection:
                decision.whole.add(INDIRECT_INJECTION if indirect else INJECTION)
        else:
            text = ascii_view(text)  # the rules read typographic quotes and dashes as ASCII; same offsets
        spots: list[tuple[int, int, str]] = []
        phone_skip_until = -1
        for key, end in self.matcher.scan(text):
            if key == _INJECTION_KEY:
                decision.whole.add(INDIRECT_INJECTION if indirect else INJECTION)
            elif key in WINDOWED_TRIGGERS:
                if not self.windowed:
                    decision.whole.add(key)
                else:
                    _, reach, margin = WINDOWED_TRIGGERS[key]
                    if key == "PHONE_NUMBER":
                        if end <= phone_skip_until:
                            continue  # another end offset inside a run already judged not a phone
                        if _not_a_phone(text, end):
                            phone_skip_until = _run_end(text, end)
                            continue
                    spots.append((max(0, end - reach - margin), min(len(text), end + margin), key))
            else:
                decision.whole.add(key)
        injection_entity = INDIRECT_INJECTION if indirect else INJECTION
        if self.injection and injection_entity not in decision.whole and self.rot13_matcher.scan(rot13(text)):
            decision.whole.add(injection_entity)
        decision.whole &= self.entities | {INJECTION, INDIRECT_INJECTION} if self.injection else self.entities
        if spots:
            decision.windows = self._merge(text, spots)
        return decision

    @staticmethod
    def _merge(text: str, spots: list[tuple[int, int, str]]) -> list[tuple[int, int, set[str]]]:
        spots.sort()
        merged: list[tuple[int, int, set[str]]] = []
        for lo, hi, key in spots:
            if merged and lo <= merged[-1][1]:
                last = merged[-1]
                last[2].add(key)
                merged[-1] = (last[0], max(last[1], hi), last[2])
            else:
                merged.append((lo, hi, {key}))
        snapped: list[tuple[int, int, set[str]]] = []
        for lo, hi, keys in merged:
            lo, hi = _snap_left(text, lo), _snap_right(text, hi)
            if snapped and lo <= snapped[-1][1]:
                last = snapped[-1]
                snapped[-1] = (last[0], max(last[1], hi), last[2] | keys)
            else:
                snapped.append((lo, hi, keys))
        return snapped
