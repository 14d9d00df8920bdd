"""Shared security-engine fixtures: building the analyzer takes a second or two, so build it once."""

from __future__ import annotations

import pytest

from actors.security import SecurityEngine


@pytest.fixture(scope="session")
def engine() -> SecurityEngine:
    return SecurityEngine(cache_size=0)


@pytest.fixture(scope="session")
def ungated(engine: SecurityEngine) -> SecurityEngine:
    """Plain Presidio with the same recognizers: every recognizer on every whole text."""
    return SecurityEngine(gate=False, cache_size=0, analyzer=engine.analyzer)


def types(findings) -> set[str]:
    return {f.entity_type for f in findings}
