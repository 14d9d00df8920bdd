"""Unit-test fixtures for the SDK."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

import agentstack
from agentstack import tracer as tracer_module
from agentstack.config import Settings, env_var
from agentstack.schema import validate_span
from agentstack.testing import InMemoryExporter


@pytest.fixture
def memory(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemoryExporter]:
    """The global tracer exports into memory; every span a test produces must fit the wire schema."""
    for field in dataclasses.fields(Settings):
        monkeypatch.delenv(env_var(field.name), raising=False)
    exporter = InMemoryExporter()
    agentstack.configure(exporter=exporter, service_name="unit-tests")
    yield exporter
    previous = tracer_module.set_tracer(None)
    assert previous is not None
    previous.shutdown()
    for span in exporter.spans:
        assert validate_span(span) == span, "the SDK must emit spans already in normalised wire form"
