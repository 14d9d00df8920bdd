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


def test_bitcoin_addresses_found_and_hex_ids_with_zeros_not_triggered() -> None:
    from actors.security import SecurityEngine
    from actors.security.gate import Gate

    engine = SecurityEngine(cache_size=0)
    for address in ("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
                    "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"):
        found = engine.scan_text(f"send the btc to wallet {address} today")
        assert any(f.entity_type == "CRYPTO" for f in found), address
    gate = Gate(["CRYPTO"])
    decision = gate.decide("trace 1f0e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f done")
    assert not any("CRYPTO" in entities for _, _, entities in decision.windows) and "CRYPTO" not in decision.whole
    assert any("CRYPTO" in entities for _, _, entities in gate.decide("pay 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2").windows)
