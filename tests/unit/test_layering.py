"""Package layering: `cluster/` (running the system) never imports `actors/` (the consumers)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    """Every module a source file imports, at any depth (function-level imports included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_imported_modules_sees_top_level_and_nested_imports(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("import os\nfrom actors.pool import X\ndef f():\n    import actors.writer\n")
    assert imported_modules(source) == {"os", "actors.pool", "actors.writer"}


def test_cluster_imports_nothing_from_actors():
    offenders = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in sorted((ROOT / "cluster").rglob("*.py"))
        for module in imported_modules(path)
        if module == "actors" or module.startswith("actors.")
    }
    assert not offenders, "cluster/ must not import actors/ (inject what it needs instead):\n" + "\n".join(sorted(offenders))
