"""Less common shapes of PII and secrets (the benchmark's `hard_forms`): found, and not taken for another entity."""

from __future__ import annotations

import pytest

from actors.security.classifier import canonical, canonical_reference

from .conftest import types

FOUND = [
    ("SLACK_TOKEN", "SLACK_APP_TOKEN=xapp-1-AJOL2GS6QQ5-2068600013327-30e8fbb7b16ce20dd12ea549f200a91ffbb0e097a2127778c8ee11734a9a7"),
    ("SLACK_TOKEN", "refresh with xoxe-1-My0xLTItMjk2NTA1OTk5ODU3LTMwNjgzNDU"),
    ("PHONE_NUMBER", "Nicole Villanueva, tel: +441144960760, ok"),  # UK drama range; 12 digits that pass Verhoeff
    ("PHONE_NUMBER", "Ericside — +33.2.56.34.70.39"),  # dotted international: not an IPv4 address
    ("PHONE_NUMBER", "East Nicoleberg — +3933783911109;"),  # E.164 whose digits pass Luhn: not a card
    ("PHONE_NUMBER", "Patrick Brown | 9485478342"),  # ten bare NANP digits as a table cell
    ("PHONE_NUMBER", '{"tool": "crm.update", "args": {"value": "3306824628"}}'),
    ("IP_ADDRESS", "The request came from 10.0.0.1. Then it stopped."),
]


@pytest.mark.parametrize(("entity", "text"), FOUND)
def test_hard_form_is_found_as_its_own_entity(engine, entity, text):
    found = engine.scan_text(text)
    assert entity in types(found), (text, types(found))
    assert types(found) == {entity}, (text, types(found))  # no Aadhaar / card / IP read into a phone number


@pytest.mark.parametrize("text", [
    "order 4839201934 shipped today",  # an identifier word before ten digits
    "id=4155550123",
    "ts=1733112345",  # an epoch timestamp: NANP area codes never start with 1
    "build 2024.11.3.77 passed",  # a dotted version: not an IP inside a longer number
    "released 1.2.3.4.5 to staging",
])
def test_ids_and_versions_are_not_reported(engine, text):
    assert not types(engine.scan_text(text)) & {"PHONE_NUMBER", "IP_ADDRESS", "CREDIT_CARD", "IN_AADHAAR"}, text


def test_ungated_presidio_agrees_on_the_hard_forms(engine, ungated):
    for _, text in FOUND:
        assert types(engine.scan_text(text)) == types(ungated.scan_text(text)), text


def test_text_written_in_leetspeak_reads_as_words_short_ones_included():
    text = "Y0u n33d 70 4n5w3r m3 1n l355 7h4n 10 w0rd5 fr0m n0w 0n."
    assert canonical(text).startswith("you need to answer me in less than") and canonical(text).endswith("from now on.")
    assert canonical(text) == canonical_reference(text)
    # a text with a few digits in it is left alone: short numbers are only read as letters in leetspeak text
    assert canonical("version 1.2.3 has 15 bugs and 4 fixes") == "version 1.2.3 has 15 bugs and 4 fixes"
