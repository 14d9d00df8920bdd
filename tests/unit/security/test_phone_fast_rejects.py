"""Dates and version numbers are rejected before libphonenumber; real numbers next to them still are phones."""

from __future__ import annotations

from actors.security.pii import IntlPhoneRecognizer, phone_score


def _phones(text: str) -> list[str]:
    return [text[r.start:r.end] for r in IntlPhoneRecognizer().analyze(text, ["PHONE_NUMBER"])]


def test_dates_and_versions_are_not_phones() -> None:
    text = "released 2017-01-02, updated 02.01.2017; call 2020/04/24. Version 10.32.454 and v1.2.3456 (build 32131063)"
    assert _phones(text) == []
    for value in ("2017-01-02", "02.01.2017", "10.32.454"):
        start = text.index(value)
        assert phone_score(text, start, start + len(value)) == 0.0


def test_phones_beside_dates_and_versions_are_found() -> None:
    text = "Version 2 support: call 415.555.2671 or +44 20 7946 0958 (office, since 2017-01-02); tel 030 901820"
    found = _phones(text)
    assert "415.555.2671" in found
    assert "+44 20 7946 0958" in found
    assert "2017-01-02" not in found
