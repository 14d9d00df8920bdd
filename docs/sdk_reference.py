"""Render docs/sdk-reference.md from the SDK's own docstrings (run: `python docs/sdk_reference.py`).

The SDK's public surface is what each public module lists in `__all__`. The source is read with `ast`,
not imported, so the reference can be built without the frameworks the integrations patch.
`tests/unit/test_docs.py` fails when a public name has no docstring or the committed file is stale.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "sdk" / "agentstack"
OUTPUT = ROOT / "docs" / "sdk-reference.md"

#: Public modules, in the order the reference shows them (the package docstring names the same ones).
MODULES = (
    "agentstack",
    "agentstack.sanitizer",
    "agentstack.genai",
    "agentstack.testing",
    "agentstack.integrations.openai",
    "agentstack.integrations.anthropic",
    "agentstack.integrations.langchain",
    "agentstack.integrations.crewai",
    "agentstack.integrations.autogen",
)


@dataclass(frozen=True)
class Entry:
    """One documented public name: where it is defined, its signature line and its docstring."""

    name: str
    signature: str
    doc: str
    members: tuple[Entry, ...] = ()


def module_path(module: str) -> Path:
    parts = module.split(".")[1:]
    base = PACKAGE.joinpath(*parts)
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def _parse(module: str) -> ast.Module:
    return ast.parse(module_path(module).read_text(encoding="utf-8"))


def _all_names(tree: ast.Module) -> list[str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return [ast.literal_eval(elt) for elt in node.value.elts]  # type: ignore[attr-defined]
    return []


def _imports(tree: ast.Module, module: str) -> dict[str, str]:
    """name → module it is imported from (relative imports resolved), for re-exported names."""
    out = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            source = node.module
            if node.level:
                base = module.split(".")
                if module_path(module).name != "__init__.py":
                    base = base[:-1]
                source = ".".join(base[: len(base) - node.level + 1] + [node.module])
            for alias in node.names:
                out[alias.asname or alias.name] = source
    return out


def _signature(node: ast.AST, name: str) -> str:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        prefix = "async def " if isinstance(node, ast.AsyncFunctionDef) else "def "
        returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
        return f"{prefix}{name}({ast.unparse(node.args)}){returns}"
    if isinstance(node, ast.ClassDef):
        bases = ", ".join(ast.unparse(b) for b in node.bases)
        return f"class {name}({bases})" if bases else f"class {name}"
    return name


def _members(node: ast.ClassDef) -> tuple[Entry, ...]:
    out = []
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and not item.name.startswith("_"):
            if any(isinstance(d, ast.Name) and d.id == "overload" for d in item.decorator_list):
                continue
            out.append(Entry(item.name, _signature(item, item.name), ast.get_docstring(item) or ""))
    return tuple(out)


def _find(module: str, name: str, depth: int = 0) -> tuple[ast.AST | None, str]:
    """The definition of `name` as seen from `module` (following re-exports), and the module defining it."""
    tree = _parse(module)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                isinstance(d, ast.Name) and d.id == "overload" for d in node.decorator_list
            ):
                continue  # the implementation follows the @overload stubs
            return node, module
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return node, module
    source = _imports(tree, module).get(name)
    if source and source.startswith("agentstack") and depth < 4:
        return _find(source, name, depth + 1)
    return None, module


def _constant_doc(module: str, name: str, node: ast.AST | None) -> str:
    """A constant's doc: the comment lines right above its assignment, else (a string key) its value."""
    lines = module_path(module).read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if line.startswith((f"{name} =", f"{name}:")):
            doc: list[str] = []
            j = index - 1
            while j >= 0 and lines[j].startswith("#"):
                doc.insert(0, lines[j].lstrip("#:").strip())
                j -= 1
            if doc:
                return " ".join(doc)
    value = getattr(node, "value", None)
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return f"The attribute key `{value.value}`."
    return ""


def entries(module: str) -> list[Entry]:
    """Every public name of `module` with its signature and docstring."""
    out = []
    for name in _all_names(_parse(module)):
        if name == "__version__":
            continue
        node, where = _find(module, name)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            members = _members(node) if isinstance(node, ast.ClassDef) else ()
            out.append(Entry(name, _signature(node, name), ast.get_docstring(node) or "", members))
        else:
            value = ""
            if isinstance(node, ast.Assign):
                value = " = " + ast.unparse(node.value)
            out.append(Entry(name, f"{name}{value}"[:160], _constant_doc(where, name, node)))
    return out


def undocumented() -> list[str]:
    """Public names (and public methods of public classes) without a docstring."""
    missing = []
    for module in MODULES:
        for entry in entries(module):
            if not entry.doc:
                missing.append(f"{module}.{entry.name}")
            missing += [f"{module}.{entry.name}.{m.name}" for m in entry.members if not m.doc]
    return missing


def render() -> str:
    """The whole reference page as Markdown."""
    parts = [
        "# SDK reference",
        "",
        "Generated from the SDK's docstrings by `docs/sdk_reference.py` — edit the docstrings, then run",
        "`.venv/bin/python docs/sdk_reference.py`. A unit test fails when this page is stale or a public name",
        "has no docstring. The guide is [sdk/README.md](../sdk/README.md).",
        "",
    ]
    for module in MODULES:
        module_doc = ast.get_docstring(_parse(module)) or ""
        parts += [f"## `{module}`", "", module_doc.split("\n\n")[0], ""]
        for entry in entries(module):
            parts += [f"### `{entry.name}`", "", "```python", entry.signature, "```", "", entry.doc, ""]
            for member in entry.members:
                parts += [f"#### `{entry.name}.{member.name}`", "", "```python", member.signature, "```", ""]
                parts += [member.doc, ""]
    return "\n".join(parts).rstrip() + "\n"


def main() -> int:
    missing = undocumented()
    if missing:
        print("public names without a docstring:\n  " + "\n  ".join(missing), file=sys.stderr)
        return 1
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
