"""LLM usage of a span: the logic lives in :mod:`cluster.usage` (ingest puts it on the bus); re-exported here."""

from __future__ import annotations

from cluster.usage import ALL_KEYS, LlmUsage, extract_usage

__all__ = ["ALL_KEYS", "LlmUsage", "extract_usage"]
