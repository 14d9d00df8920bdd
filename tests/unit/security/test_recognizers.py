"""PII and secret recognizers, offline, through the gated engine."""

from __future__ import annotations

import socket

import pytest

from actors.security.recognizers import build_analyzer
from actors.security.secrets import looks_random

from .conftest import types

SECRETS = {
    "AWS_ACCESS_KEY": "aws_access_key_id = AKIAQ3EGTRZNL4PX7W2M",
    "OPENAI_API_KEY": "OPENAI_API_KEY=sk-proj-4fJq9ZrT2xLmW8vB1nKc7HdY3sPe6Ga0",
    "ANTHROPIC_API_KEY": "key: sk-ant-api03-Zx8Kq2Lm9Vn4Bc7Xp1Rt6Yw3Hs5Jd0Fg8Qe2Wa4Ru7Ti9Op1As3Df5",
    "GITHUB_TOKEN": "token ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8 pushed",
    "JWT": "Authorization: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "PRIVATE_KEY": "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----",
    "GENERIC_SECRET": 'config = {"db_password": "Xk9$mQ2vLp7#Rt4w"}',
}

PII = {
    "EMAIL_ADDRESS": "Send the report to maria.gonzalez@example.org today.",
    "PHONE_NUMBER": "Call the customer back at (415) 555-0132 after lunch.",
    "CREDIT_CARD": "Charged card 4532 0151 1283 0366 for the order.",
    "US_SSN": "Applicant SSN: 078-05-1121 on file.",
    "IBAN_CODE": "Wire to GB82 WEST 1234 5698 7654 32 please.",
    "IP_ADDRESS": "The request came from 203.0.113.77 at noon.",
}


@pytest.mark.parametrize("entity", sorted(SECRETS))
def test_each_secret_type_is_found(engine, entity):
    assert entity in types(engine.scan_text(SECRETS[entity]))


@pytest.mark.parametrize("entity", sorted(PII))
def test_each_pii_type_is_found(engine, entity):
    assert entity in types(engine.scan_text(PII[entity]))


@pytest.mark.parametrize(
    "text",
    [
        'max_tokens = 1024, "token": "counting"',
        "password: hunter2hunter2",  # a person's (weak) password is not random: left to policy
        "trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7",
        "sk-learn is a library; the gh_pages branch deploys docs",
    ],
)
def test_ordinary_tokens_are_not_secrets(engine, text):
    assert not types(engine.scan_text(text)) & {"GENERIC_SECRET", "OPENAI_API_KEY", "GITHUB_TOKEN"}


def test_entropy_check():
    assert looks_random("Xk9mQ2vLp7Rt4wZ8")
    assert not looks_random("passwordpassword")


def test_analyzer_builds_and_validates_emails_without_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the security engine tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    analyzer = build_analyzer(ner=False)
    results = analyzer.analyze("write to ops@company.co.uk now", "en", entities=["EMAIL_ADDRESS"])
    assert [r.entity_type for r in results] == ["EMAIL_ADDRESS"]


def test_pattern_tier_loads_no_spacy_model(engine):
    assert type(engine.analyzer.nlp_engine).__name__ == "NoOpNlpEngine"
