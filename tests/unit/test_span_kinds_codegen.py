"""The web UI's span kinds are generated from the SDK's one list, and the committed files are current."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from agentstack.schema import SPAN_KINDS, SpanKind

ROOT = Path(__file__).resolve().parents[2]


def _codegen():
    spec = importlib.util.spec_from_file_location("span_kinds", ROOT / "dashboard" / "scripts" / "span_kinds.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_committed_ui_kind_files_are_current():
    for path, text in _codegen().outputs().items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.relative_to(ROOT)} is stale: run make dashboard-kinds"
        )


def test_every_kind_has_its_own_colour_in_the_ui():
    codegen = _codegen()
    ts, css = codegen.render_ts(), codegen.render_css()
    assert SPAN_KINDS == tuple(kind.value for kind in SpanKind) and "embedding" in SPAN_KINDS
    for kind in SPAN_KINDS:
        assert f"'{kind}'" in ts and f".kind-{kind} {{" in css and f"--kind-{kind}: #" in css
    colours = [codegen.COLOURS[kind] for kind in (*SPAN_KINDS, "other")]
    assert len(set(colours)) == len(colours), "two kinds would look the same"


def test_a_kind_without_a_colour_or_a_colour_without_a_kind_stops_the_generator():
    codegen = _codegen()
    with pytest.raises(ValueError, match=r"kinds without a colour \['critic'\]"):
        codegen.check_colours((*SPAN_KINDS, "critic"))
    with pytest.raises(ValueError, match=r"colours without a kind \['embedding'\]"):
        codegen.check_colours(tuple(k for k in SPAN_KINDS if k != "embedding"))
    assert codegen.main(["--check"]) == 0
