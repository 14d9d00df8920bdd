"""The client-side sanitiser: PII and secrets scrubbed from captured content before export."""

from __future__ import annotations

import re

import pytest

import agentstack
from agentstack.sanitizer import Rule, Sanitizer, iban_valid, luhn_valid
from agentstack.testing import InMemoryExporter


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("write to jane.doe+ai@example.co.uk today", "email"),
        ("call +1 415-555-0132 now", "phone"),
        ("call (020) 7946 0958", "phone"),
        ("card 4111 1111 1111 1111 exp 12/29", "credit_card"),
        ("card 5500-0000-0000-0004", "credit_card"),
        ("ssn 123-45-6789", "ssn"),
        ("iban GB82 WEST 1234 5698 7654 32", "iban"),
        ("iban DE89370400440532013000", "iban"),
        ("aws AKIAIOSFODNN7EXAMPLE", "aws_access_key"),
        ("key sk-proj-AbCdEfGhIjKlMnOpQrStUvWx123", "openai_key"),
        ("key sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWx", "anthropic_key"),
        ('{"api_key": "zq8LJ3kK2mX9"}', "api_key"),
        ("PASSWORD=hunter2hunter2", "api_key"),
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c", "jwt"),
        ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----", "private_key"),
    ],
)
def test_each_default_rule_redacts(text: str, rule: str) -> None:
    scrubbed = Sanitizer()(text)
    assert f"[REDACTED:{rule}]" in scrubbed, scrubbed


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1112 fails the Luhn check",
        "order 12345 shipped on 2024-05-01",
        "iban GB00 WEST 1234 5698 7654 32 has a bad check digit",
        "the weather in Paris is 21 degrees",
        "a token budget of 4096",
    ],
)
def test_look_alikes_are_kept(text: str) -> None:
    assert Sanitizer()(text) == text


def test_checksums() -> None:
    assert luhn_valid("4539 1488 0343 6467") and not luhn_valid("4539 1488 0343 6468")
    assert iban_valid("FR14 2004 1010 0505 0001 3M02 606") and not iban_valid("FR15 2004 1010 0505 0001 3M02 606")


def test_rules_can_be_disabled_and_extended() -> None:
    custom = Sanitizer(disable={"email"}).with_rules(Rule("employee_id", re.compile(r"\bEMP-\d{6}\b")))
    assert custom("mail a@b.io about EMP-123456") == "mail a@b.io about [REDACTED:employee_id]"
    assert Sanitizer(rules=[])("a@b.io") == "a@b.io"


def test_captured_content_is_scrubbed_before_export_by_default(memory: InMemoryExporter) -> None:
    @agentstack.observe(name="lookup", kind="tool")
    def lookup(email: str, note: dict[str, str]) -> str:
        raise ValueError(f"no account for {email}")

    with pytest.raises(ValueError):
        lookup("jane@example.com", {"card": "4111111111111111"})
    span = memory.by_name("lookup")
    assert "jane@example.com" not in str(span) and "4111111111111111" not in str(span)
    assert "[REDACTED:email]" in span["input"] and "[REDACTED:credit_card]" in span["input"]
    assert span["status_message"] == "no account for [REDACTED:email]"
    exception = span["events"][0]["attributes"]
    assert "jane@example.com" not in exception["exception.message"] + exception["exception.stacktrace"]


def test_sanitiser_can_be_turned_off_or_replaced(memory: InMemoryExporter) -> None:
    @agentstack.observe(name="echo")
    def echo(text: str) -> str:
        return text

    plain = InMemoryExporter()
    agentstack.configure(exporter=plain, sanitize=False)
    echo("jane@example.com")
    assert "jane@example.com" in plain.by_name("echo")["output"]
    custom = InMemoryExporter()
    agentstack.configure(exporter=custom, sanitizer=Sanitizer(rules=[Rule("word", re.compile("secretword"))]))
    echo("secretword jane@example.com")
    assert custom.by_name("echo")["output"] == '"[REDACTED:word] jane@example.com"'
