"""Client-side scrubbing of PII and secrets from captured content, before spans leave the process.

A :class:`Sanitizer` is an ordered list of :class:`Rule` s; each finds matches with a regular
expression, optionally confirms them (a card number must pass the Luhn check, an IBAN its mod-97
check) and replaces them with ``[REDACTED:<rule>]``. The default rules cover emails, phone numbers,
credit cards, US SSNs, IBANs, AWS / OpenAI / Anthropic / generic API keys, JWTs and private keys.
Extend it with :meth:`Sanitizer.with_rules`, or pass your own to ``configure(sanitizer=...)``.

Scrubbing runs on the export thread, not in the observed call, so it costs the agent nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Rule", "Sanitizer", "DEFAULT_RULES", "luhn_valid", "iban_valid"]


def luhn_valid(number: str) -> bool:
    """Whether the digits of ``number`` (separators ignored) pass the Luhn checksum used by card numbers."""
    digits = [int(c) for c in number if c.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, digit in enumerate(reversed(digits)):
        if i % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def iban_valid(text: str) -> bool:
    """Whether ``text`` (spaces ignored) is an IBAN with a correct ISO 13616 mod-97 check."""
    iban = text.replace(" ", "").upper()
    if not 15 <= len(iban) <= 34:
        return False
    rearranged = iban[4:] + iban[:4]
    try:
        return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1
    except ValueError:
        return False


@dataclass(frozen=True)
class Rule:
    """One kind of sensitive text.

    Attributes:
        name: shown in the replacement, ``[REDACTED:<name>]``.
        pattern: what to look for.
        check: confirms a match (e.g. a checksum); a match it refuses is left alone.
        hint: a cheap substring test; when given and absent from the text, the regex is skipped.
    """

    name: str
    pattern: re.Pattern[str]
    check: Callable[[str], bool] | None = None
    hint: Callable[[str], bool] | None = None

    def apply(self, text: str) -> str:
        """Return ``text`` with this rule's matches replaced."""
        if self.hint is not None and not self.hint(text):
            return text
        replacement = f"[REDACTED:{self.name}]"
        if self.check is None:
            return self.pattern.sub(replacement, text)
        check = self.check
        return self.pattern.sub(lambda m: replacement if check(m.group(0)) else m.group(0), text)


def _has_digits(text: str) -> bool:
    return any(c.isdigit() for c in text)


# Order matters: whole tokens (private keys, JWTs, provider keys) go before the patterns that could
# match pieces of them (phone numbers inside a key, say).
DEFAULT_RULES: tuple[Rule, ...] = (
    Rule(
        "private_key",
        re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----(?s:.*?)(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)"),
        hint=lambda t: "PRIVATE KEY" in t,
    ),
    Rule("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), hint=lambda t: "eyJ" in t),
    Rule("anthropic_key", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{20,}"), hint=lambda t: "sk-ant-" in t),
    Rule("openai_key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"), hint=lambda t: "sk-" in t),
    Rule("aws_access_key", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b")),
    Rule(
        "api_key",
        re.compile(
            r"(?<![A-Za-z0-9])(?i:api[_-]?key|secret(?:[_-]?key)?|access[_-]?token|auth[_-]?token|password|passwd|"
            r"aws_secret_access_key)[\"']?\s*[:=]\s*[\"']?[^\s\"',;]{6,}"
        ),
    ),
    Rule("email", re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"), hint=lambda t: "@" in t),
    Rule("iban", re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b"), check=iban_valid, hint=_has_digits),
    Rule("credit_card", re.compile(r"\b(?:\d[ -]?){12,18}\d\b"), check=luhn_valid, hint=_has_digits),
    Rule("ssn", re.compile(r"\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b"), hint=_has_digits),
    Rule(
        "phone",
        re.compile(r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\d{2,4}[ .-])\d{3,4}[ .-]\d{3,4}(?![\w-])"),
        hint=_has_digits,
    ),
)


# Every default rule's match contains one of these, so text without any of them is returned as-is
# after a few scans at C speed (most captured text: prose and small JSON without long numbers).
# A run of three digits is found by mapping ASCII digits to "0" and everything else to "." with
# bytes.translate, then a substring test: ~10x cheaper than the regex \d{3} on short text. Text
# that is not ASCII (where \d also matches other scripts' digits) takes the regex.
_DIGIT_RUN = re.compile(r"\d{3}")
_DIGIT_MAP = bytes(0x30 if 0x30 <= i <= 0x39 else 0x2E for i in range(256))


def _has_digit_run(text: str) -> bool:
    if text.isascii():
        return b"000" in text.encode("ascii").translate(_DIGIT_MAP)
    return _DIGIT_RUN.search(text) is not None


def _default_candidate(text: str) -> bool:
    """Whether ``text`` could hold a match of a default rule (substring tests run at C speed)."""
    if "@" in text or "eyJ" in text or "sk-" in text or "PRIVATE KEY" in text or "A" in text and (
        "AKIA" in text or "ASIA" in text or "ABIA" in text or "ACCA" in text
    ):
        return True
    if _has_digit_run(text):
        return True
    lowered = text.lower()
    return "key" in lowered or "secret" in lowered or "token" in lowered or "passw" in lowered


class Sanitizer:
    """Scrubs text with an ordered list of rules.

    All rules run as one combined regular expression (one scan of the text, whatever the number of
    rules); at a position where several rules match, the earlier rule wins.

    Args:
        rules: the rules to apply, in order; defaults to :data:`DEFAULT_RULES`.
        disable: names of rules to leave out (e.g. ``{"phone"}``).
    """

    def __init__(self, rules: Sequence[Rule] | None = None, *, disable: Iterable[str] = ()) -> None:
        skip = set(disable)
        self.rules: tuple[Rule, ...] = tuple(r for r in (DEFAULT_RULES if rules is None else rules) if r.name not in skip)
        self._combined = re.compile("|".join(f"(?P<r{i}>{rule.pattern.pattern})" for i, rule in enumerate(self.rules)))
        self._replacements = [f"[REDACTED:{rule.name}]" for rule in self.rules]
        self._checks = [rule.check for rule in self.rules]
        defaults = set(DEFAULT_RULES)
        self._prefilter = _default_candidate if all(rule in defaults for rule in self.rules) else None

    def with_rules(self, *rules: Rule) -> Sanitizer:
        """A copy that also applies ``rules`` (after the existing ones)."""
        return Sanitizer(self.rules + rules)

    def __call__(self, text: str) -> str:
        """Return ``text`` with every match of every rule replaced by ``[REDACTED:<rule>]``."""
        if not self.rules or (self._prefilter is not None and not self._prefilter(text)):
            return text
        return self._combined.sub(self._replace, text)

    def _replace(self, match: re.Match[str]) -> str:
        # The outer rN group closes last, so lastgroup names the rule even if its pattern has groups.
        name = match.lastgroup
        if name is None:
            return match.group(0)
        rule = int(name[1:])
        check = self._checks[rule]
        if check is not None and not check(match.group(0)):
            return match.group(0)
        return self._replacements[rule]
