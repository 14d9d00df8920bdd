"""The docs stay true: the SDK reference covers every public name and matches the docstrings."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _reference_module():
    spec = importlib.util.spec_from_file_location("sdk_reference", ROOT / "docs" / "sdk_reference.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_every_public_sdk_name_has_a_docstring() -> None:
    assert _reference_module().undocumented() == []


def test_sdk_reference_is_current() -> None:
    reference = _reference_module()
    committed = (ROOT / "docs" / "sdk-reference.md").read_text(encoding="utf-8")
    assert committed == reference.render(), "docs/sdk-reference.md is stale: run .venv/bin/python docs/sdk_reference.py"


def test_sdk_reference_lists_every_name_in_all() -> None:
    reference = _reference_module()
    page = (ROOT / "docs" / "sdk-reference.md").read_text(encoding="utf-8")
    for module in reference.MODULES:
        for entry in reference.entries(module):
            assert f"### `{entry.name}`" in page, f"{module}.{entry.name} is missing from the SDK reference"
    assert "### `observe`" in page and "### `instrument_openai`" in page
