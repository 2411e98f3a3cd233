"""The package's architecture, checked: layers whose imports only point down, no import
cycles, modules of a readable size (README "How it works")."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "spin_detect"

#: Data-flow order. A module may import from its own layer or a lower one, never a higher one.
LAYERS = [
    ("atomic", "parallel"),
    ("input",),
    ("text",),
    ("tables",),
    ("features",),
    ("learning",),
    ("config", "report", "detector"),
    ("matching",),
    ("audit", "render"),
    ("cli", "__main__"),
]
#: Longest module without a stated reason (a docstring line starting "Why this module is long:").
MAX_LINES = 420


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PKG.rglob("*.py")):
        parts = path.relative_to(PKG.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else ""
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    raise AssertionError(f"{module} belongs to no layer: add its package to LAYERS in tests/test_layers.py")


def _imports(name: str, path: Path) -> set[str]:
    """Modules of the package that ``name`` imports, at the top or inside functions."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if base.startswith("spin_detect"):
                found.add(base)
                found.update(f"{base}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("spin_detect"))
    return found


MODULES = _modules()
GRAPH = {m: {i for i in _imports(m, p) if i in MODULES and i != m} for m, p in MODULES.items()}


@pytest.mark.parametrize("module", [m for m in MODULES if m != "spin_detect"])
def test_imports_point_down(module):
    # The root package is the public API (lazy attributes over the detector); a module may take
    # only ``__version__`` from it, which the graph does not count as a dependency.
    up = sorted(i for i in GRAPH[module] if i != "spin_detect" and _layer(i) > _layer(module))
    assert not up, f"{module} (layer {_layer(module)}) imports from a higher layer: {up}"


def test_no_import_cycles():
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(GRAPH[m]):
            if n == "spin_detect":
                continue
            if state.get(n) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(n):] + [n]))
            if not state.get(n):
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(MODULES):
        if not state.get(m):
            visit(m)


def test_the_checks_see_a_violation():
    # The checks above must be able to fail: a fake module of the tables layer importing the detector.
    fake = {"spin_detect.tables.x": {"spin_detect.detector"}}
    assert _layer("spin_detect.tables.x") < _layer("spin_detect.detector")
    assert any(_layer(i) > _layer(m) for m, deps in fake.items() for i in deps)
    assert "spin_detect.features" in GRAPH["spin_detect.learning.model"] | GRAPH["spin_detect.learning.train"]


@pytest.mark.parametrize("module", list(MODULES))
def test_modules_are_a_readable_size(module):
    path = MODULES[module]
    n = len(path.read_text(encoding="utf-8").splitlines())
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    assert n <= MAX_LINES or "Why this module is long:" in doc, f"{path.name}: {n} lines and no stated reason"
