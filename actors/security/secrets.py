"""Presidio recognizers for credentials: cloud and LLM provider keys, tokens, private keys.

Provider keys have recognisable shapes (prefix + length), so a pattern is precise on its own.
Generic secrets have none: `GenericSecretRecognizer` reports a token only when it is assigned to
a credential-like name (`api_key = …`, `"password": "…"`, `Bearer …`) and looks random (Shannon
entropy), which keeps ids, hashes and trace ids in ordinary agent text from being flagged.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

#: entity type → (patterns (name, regex, score)); every regex is case-sensitive.
SECRET_PATTERNS: dict[str, tuple[tuple[str, str, float], ...]] = {
    "AWS_ACCESS_KEY": (("aws access key id", r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b", 0.95),),
    "OPENAI_API_KEY": (
        ("openai key", r"\bsk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}(?:T3BlbkFJ[A-Za-z0-9_-]{20,})?\b", 0.9),
    ),
    "ANTHROPIC_API_KEY": (("anthropic key", r"\bsk-ant-(?:api|admin|sid)\d{2}-[A-Za-z0-9_-]{32,}\b", 0.95),),
    "GITHUB_TOKEN": (
        ("github classic token", r"\bgh[pousr]_[A-Za-z0-9]{36,255}\b", 0.95),
        ("github fine-grained token", r"\bgithub_pat_[A-Za-z0-9_]{50,255}\b", 0.95),
    ),
    "JWT": (("json web token", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", 0.9),),
    "PRIVATE_KEY": (
        (
            "pem private key",
            r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----"
            r"(?:[\s\S]{0,8192}?-----END (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----)?",
            1.0,
        ),
    ),
    "SLACK_TOKEN": (
        ("slack token", r"\bxox[abposre]-[0-9A-Za-z-]{10,}\b", 0.9),
        ("slack app-level token", r"\bxapp-\d-[0-9A-Za-z]{8,}-\d{8,}-[0-9A-Za-z]{16,}\b", 0.9),
    ),
    "GOOGLE_API_KEY": (("google api key", r"\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])", 0.9),),
    "STRIPE_KEY": (("stripe key", r"\b[rs]k_(?:live|test)_[0-9A-Za-z]{16,}\b", 0.9),),
}

GENERIC_SECRET = "GENERIC_SECRET"

_ASSIGNED = re.compile(
    r"(?i)(?:api[_-]?key|apikey|secret(?:[_-]?key)?|access[_-]?key|client[_-]?secret|auth[_-]?token|access[_-]?token|"
    r"refresh[_-]?token|private[_-]?key|password|passwd|pwd|credentials?|aws_secret_access_key|token)"
    r"[\"']?\s*(?::|=|:=|=>)\s*[\"']?([A-Za-z0-9+/_\-.~!@#$%^&*]{12,200})"
    r"|(?i:\bbearer)\s+([^\s\"'<>]{16,400})"
    r"|://[^\s/@:]{0,64}:([^\s/@]{6,128})@[A-Za-z0-9.-]"  # a password in a URL or connection string
)


def shannon_entropy(value: str) -> float:
    """Bits per character of `value` (0 for an empty string)."""
    if not value:
        return 0.0
    counts = Counter(value)
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def looks_random(value: str, min_entropy: float = 3.3) -> bool:
    """A token a person did not type: high entropy and more than one character class."""
    classes = sum((any(c.islower() for c in value), any(c.isupper() for c in value), any(c.isdigit() for c in value)))
    return classes >= 2 and shannon_entropy(value) >= min_entropy


def provider_key_recognizers() -> list[PatternRecognizer]:
    """One Presidio `PatternRecognizer` per provider-key entity (case-sensitive patterns)."""
    return [
        PatternRecognizer(
            supported_entity=entity,
            name=f"{entity.title().replace('_', '')}Recognizer",
            patterns=[Pattern(name, regex, score) for name, regex, score in patterns],
            global_regex_flags=re.MULTILINE,
        )
        for entity, patterns in SECRET_PATTERNS.items()
    ]


class GenericSecretRecognizer(EntityRecognizer):
    """A random-looking value assigned to a credential-like name (`password: …`, `Bearer …`)."""

    def __init__(self, min_entropy: float = 3.3) -> None:
        super().__init__(supported_entities=[GENERIC_SECRET], name="GenericSecretRecognizer", supported_language="en")
        self.min_entropy = min_entropy

    def load(self) -> None:  # nothing to load: a regex and arithmetic
        return None

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        for match in _ASSIGNED.finditer(text):
            group = next(g for g in (1, 2, 3) if match.group(g))
            value = match.group(group).rstrip(".,;\"'")
            if looks_random(value, self.min_entropy):
                start = match.start(group)
                results.append(
                    RecognizerResult(
                        GENERIC_SECRET,
                        start,
                        start + len(value),
                        0.8,
                        recognition_metadata={
                            RecognizerResult.RECOGNIZER_NAME_KEY: "GenericSecretRecognizer",
                            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                        },
                    )
                )
        return results


def secret_entities() -> list[str]:
    """Every entity type the secret recognizers report."""
    return [*SECRET_PATTERNS, GENERIC_SECRET]
