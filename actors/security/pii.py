"""PII recognizers of our own: international phones, UK / Indian national ids, Ethereum wallets.

`IntlPhoneRecognizer` replaces Presidio's phone recognizer (which runs libphonenumber's matcher
over the whole text once per region): a tight candidate regex finds digit runs of 7–15 digits,
and libphonenumber validates only those candidates. A candidate is reported when it is valid for
one of the supported regions and carries evidence of being a phone number: an international
prefix (+ / 00), the separator grouping libphonenumber itself uses for that number, or a phone
context word (in nine languages) just before it. Bare digit runs with no context (ids, epoch
timestamps, order numbers) are not reported, whatever libphonenumber says.
"""

from __future__ import annotations

import re

import phonenumbers
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

PHONE_REGIONS: tuple[str, ...] = ("US", "GB", "DE", "FR", "ES", "IT", "IN", "BR", "JP", "AU")
#: Words that say "a phone number follows" (lower case; checked in the CONTEXT_CHARS before a candidate).
PHONE_CONTEXT: tuple[str, ...] = (
    "phone", "tel", "call", "mobile", "cell", "fax", "whatsapp", "sms", "reach", "contact", "number",
    "telefon", "handy", "rufnummer", "anruf", "téléphone", "telephone", "portable", "numéro", "numero", "appel",
    "teléfono", "telefono", "móvil", "movil", "llama", "telefone", "celular", "contato", "cellulare", "chiama",
    "電話", "携帯", "番号", "电话", "手机", "号码", "телефон", "номер", "звоните",
)
CONTEXT_CHARS = 40
_CANDIDATE = re.compile(r"(?<![\w+/@:.,\-])(?:\+|00)?\(?\d(?:[ ().\-/]{0,2}\d){6,16}\)?(?![\w/@]|[.\-]\d)")
_SEPARATORS = re.compile(r"[ ().\-/]+")
# Shapes that are never phone numbers, rejected before libphonenumber (which parses a candidate once per
# region): a calendar date (2017-01-02, 2017/01/02, 02.01.2017) and a dotted version number right after a
# version word ("version 10.32.454", "v1.2.3456").
_DATE = re.compile(r"(?:\d{4}([-/.])(?:0[1-9]|1[0-2])\1(?:0[1-9]|[12]\d|3[01])|(?:0[1-9]|[12]\d|3[01])([-/.])(?:0[1-9]|1[0-2])\2\d{4})")
_VERSION = re.compile(r"\d{1,3}(?:\.\d{1,4}){1,3}")
_VERSION_WORD = re.compile(r"(?:\bv|\bversion|\bver\.?|\brelease|\bbuild|\brev\.?|\bpatch)\s*$")
# A North American number written as ten bare digits (area code and exchange start with 2-9) is reported
# without a phone word when it stands alone as a value — a table cell, a JSON string, a field after "=" or
# ":" — and no word before it names it an identifier of another kind (an epoch timestamp starts with 1, so
# it is never such a number).
_NANP_BARE = re.compile(r"[2-9]\d\d[2-9]\d{6}")
_STANDALONE_BEFORE = re.compile(r"(?:^|[\s|,;:=\"'(\[{>—–])$")
_STANDALONE_AFTER = re.compile(r"^(?:$|[\s|,;\"')\]}<]|[.!?](?:\s|$))")
_ID_WORD = re.compile(
    r"(?:\b(?:id|ids|order|invoice|inv|ref|reference|ticket|case|account|acct|customer|user|uid|build|job|run|trace|span|"
    r"txn|transaction|tracking|serial|sku|isbn|code|pin|otp|zip|postcode|seq|sequence|offset|count|size|bytes|total|"
    r"amount|balance|price|timestamp|ts|epoch|nonce|hash|version|port|pid)s?\b|#|\bno\.)[^a-z]{0,12}$"
)


def _groups(value: str) -> list[int]:
    return [len(g) for g in _SEPARATORS.split(value.strip("+()")) if g]


def phone_score(text: str, start: int, end: int) -> float:
    """The score of the phone candidate text[start:end] (0 when it is not reported)."""
    value = text[start:end]
    digits = sum(c.isdigit() for c in value)
    if not 7 <= digits <= 15:
        return 0.0
    international = value.startswith(("+", "00"))
    before = text[max(0, start - CONTEXT_CHARS):start].lower()
    if not international and (_DATE.fullmatch(value) or (_VERSION.fullmatch(value) and _VERSION_WORD.search(before))):
        return 0.0
    context = any(word in before for word in PHONE_CONTEXT)
    separated = len(_groups(value)) > 1
    trunk = value[:1] == "0" and not separated and digits >= 10  # a national number written bare: 0 + area/mobile code
    if not (international or separated or context or trunk):
        if _nanp_bare(text, start, end, before):
            number = phonenumbers.parse(value, "US")
            return 0.5 if phonenumbers.is_valid_number(number) else 0.0
        return 0.0
    candidates: list[phonenumbers.PhoneNumber] = []
    try:
        if international:
            candidates.append(phonenumbers.parse("+" + value[2:] if value.startswith("00") else value, None))
        else:
            for region in PHONE_REGIONS:
                try:
                    candidates.append(phonenumbers.parse(value, region))
                except phonenumbers.NumberParseException:
                    continue
    except phonenumbers.NumberParseException:
        return 0.0
    for number in candidates:
        if not phonenumbers.is_valid_number(number):
            continue
        if international:
            return 0.85
        if context:
            return 0.75
        official = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        if _groups(official) == _groups(value) or (trunk and official.lstrip("(")[:1] == "0"):
            return 0.6
    return 0.0


def _nanp_bare(text: str, start: int, end: int, before: str) -> bool:
    """Ten bare NANP digits standing alone as a value, with no identifier word just before them."""
    return (bool(_NANP_BARE.fullmatch(text, start, end)) and bool(_STANDALONE_BEFORE.search(text, max(0, start - 1), start))
            and bool(_STANDALONE_AFTER.match(text[end:end + 2])) and not _ID_WORD.search(before))


def phone_candidates(text: str) -> list[tuple[int, int]]:
    """(start, end) of every phone candidate in `text` (an unbalanced bracket at either end left out)."""
    out = []
    for match in _CANDIDATE.finditer(text):
        start, end = match.span()
        if text[start] == "(" and ")" not in text[start:end]:
            start += 1
        if text[end - 1] == ")" and "(" not in text[start:end]:
            end -= 1
        out.append((start, end))
    return out


class IntlPhoneRecognizer(EntityRecognizer):
    """Phone numbers of PHONE_REGIONS and any number written with + / 00 (libphonenumber-validated)."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["PHONE_NUMBER"], name="IntlPhoneRecognizer", supported_language="en")

    def load(self) -> None:
        return None

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        out = []
        for start, end in phone_candidates(text):
            score = phone_score(text, start, end)
            if score:
                out.append(RecognizerResult("PHONE_NUMBER", start, end, score, recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: "IntlPhoneRecognizer", RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id}))
        return out


# --- national ids ------------------------------------------------------------------------------
_VD = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6], [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
       [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1], [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
       [8, 7, 6, 5, 9, 3, 2, 1, 0, 4], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
_VP = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2], [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
       [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1], [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]]


def verhoeff_ok(digits: str) -> bool:
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _VD[c][_VP[i % 8][int(ch)]]
    return c == 0


class _Validated(PatternRecognizer):
    def __init__(self, entity: str, regex: str, score: float, validator: object, context: list[str], name: str = "") -> None:
        super().__init__(supported_entity=entity, name=name or f"{entity.title().replace('_', '')}Recognizer",
                         patterns=[Pattern(entity.lower(), regex, score)], context=context)
        self._validator = validator

    def validate_result(self, pattern_text: str) -> bool | None:
        return bool(self._validator(pattern_text))  # type: ignore[operator]


def _aadhaar_ok(value: str) -> bool:
    digits = re.sub(r"\D", "", value)
    return len(digits) == 12 and digits[0] not in "01" and len(set(digits)) > 2 and verhoeff_ok(digits)


_NINO_PREFIX_BAD = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}


def _nino_ok(value: str) -> bool:
    compact = value.replace(" ", "").upper()
    return compact[:2] not in _NINO_PREFIX_BAD


def national_id_recognizers() -> list[PatternRecognizer]:
    return [
        _Validated("IN_AADHAAR", r"(?<![\d+-])(?<!\d[ -])\b[2-9]\d{3}([ -]?)\d{4}\1\d{4}\b(?![ -]?\d)", 0.6, _aadhaar_ok, ["aadhaar", "uidai", "आधार"]),
        _Validated("IN_PAN", r"\b[A-Z]{3}[PCHFATBLJG][A-Z]\d{4}[A-Z]\b", 0.6, lambda v: True, ["pan", "income tax"]),
        _Validated("UK_NINO", r"\b(?!(?:BG|GB|NK|KN|TN|NT|ZZ))[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b", 0.6,
                   _nino_ok, ["national insurance", "nino", "ni number"]),
        _Validated("CRYPTO", r"\b0x[0-9a-fA-F]{40}\b", 0.6, lambda v: True, ["wallet", "eth", "ethereum", "address"],
                   name="EthereumWalletRecognizer"),
    ]


NATIONAL_ID_ENTITIES: tuple[str, ...] = ("UK_NINO", "IN_AADHAAR", "IN_PAN")
