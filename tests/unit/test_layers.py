"""The layer contract of issue 9, checked over the real import graph.

Every module of ``mkbidx`` is parsed with :mod:`ast`; *every* import counts: module level,
function-local, ``if TYPE_CHECKING:`` blocks, and ``importlib.import_module("mkbidx...")`` with a
literal name. ``from mkbidx.x import y`` resolves to the module ``mkbidx.x.y`` when it exists,
else to ``mkbidx.x``; relative imports resolve against the importing module's package.

Layers, left to right (a module may import only its own layer or the layers to its left)::

    leaves (errors, paths, periods, io, schemas, methodology/)
      < inputs/ < core/ < present/ < reports/ < run/ < cli (with api: the verbs)

``mkbidx/__init__.py`` (the package root) may import leaves only, except lazily inside its
module-level ``__getattr__`` (the analyst verbs ``mk.load``, ``mk.score``...). Any module may
import the root itself (``from mkbidx import __version__``); the root's lazy ``__getattr__``
imports are left out of the cycle check since they run on attribute access, after import.

Also: no import cycle between modules, no module above 900 lines, and ``core/`` stays pure
(no plotting, templating, document or notebook library; no file I/O).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "mkbidx"
ROOT = "mkbidx"
LAYERS = ("leaves", "inputs", "core", "present", "reports", "run", "cli")
LEAVES = {"errors", "paths", "periods", "io", "schemas", "methodology"}
# The top layer: entry points over every layer (the command line, the analyst's verbs).
ENTRY_POINTS = {"cli", "api", "__main__"}
ORDER = " < ".join(LAYERS)
MAX_LINES = 900
CORE_FORBIDDEN_IMPORTS = {
    "matplotlib",
    "seaborn",
    "jinja2",
    "openpyxl",
    "docx",
    "papermill",
    "nbconvert",
    "nbformat",
    "nbclient",
    "ipywidgets",
    "IPython",
}
CORE_FORBIDDEN_CALLS = {"open", "to_csv", "to_excel", "write_text", "write_bytes", "savefig"}


@dataclass(frozen=True)
class Import:
    source: str  # importing module, e.g. "mkbidx.core.gap"
    target: str  # imported module (external imports keep their dotted name)
    line: int
    lazy_root: bool  # inside the root package's __getattr__ (the lazy verbs)
    text: str  # the import statement as written

    def where(self, modules: dict[str, Path]) -> str:
        return f"{shown(modules, self.source)}:{self.line}: {self.text}"


def shown(modules: dict[str, Path], module: str) -> str:
    """A module's file as ``mkbidx/...py`` (relative to the folder holding the package)."""
    return modules[module].relative_to(modules[ROOT].parent.parent).as_posix()


def module_files(package: Path = PACKAGE) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file of the package."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def layer_of(module: str) -> str | None:
    """The layer of an ``mkbidx`` module (None: the root package, or not assigned)."""
    parts = module.split(".")
    if parts == [ROOT]:
        return None
    head = parts[1]
    if head in LEAVES:
        return "leaves"
    if head in ENTRY_POINTS:
        return "cli"
    if head in LAYERS and len(parts) >= 2 and head != "leaves":
        return head
    return None


def _resolve(name: str, modules: dict[str, Path]) -> str:
    """The longest prefix of a dotted name that is a module of the package."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return name


def _is_package(module: str, modules: dict[str, Path]) -> bool:
    return modules[module].name == "__init__.py"


def imports_of(module: str, source: str, modules: dict[str, Path]) -> list[Import]:
    """Every import in a module's source, with its target resolved to a module."""
    tree = ast.parse(source)
    lines = source.splitlines()
    lazy_lines: set[int] = set()
    if module == ROOT:
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == "__getattr__":
                lazy_lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    package = module if _is_package(module, modules) else module.rpartition(".")[0]
    found = []

    def add(target: str, node: ast.AST) -> None:
        text = lines[node.lineno - 1].strip()
        found.append(Import(module, target, node.lineno, node.lineno in lazy_lines, text))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(_resolve(alias.name, modules), node)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                if node.level > 1:
                    base = base[: -(node.level - 1)]
                base_name = ".".join(base + ([node.module] if node.module else []))
            else:
                base_name = node.module or ""
            if not base_name.startswith(ROOT + ".") and base_name != ROOT:
                add(base_name, node)
                continue
            for alias in node.names:
                sub = f"{base_name}.{alias.name}"
                add(sub if sub in modules else _resolve(base_name, modules), node)
        elif (
            isinstance(node, ast.Call)
            and (
                (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                or (isinstance(node.func, ast.Name) and node.func.id == "import_module")
            )
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            add(_resolve(node.args[0].value, modules), node)
    return found


def graph(modules: dict[str, Path] | None = None) -> tuple[dict[str, Path], list[Import]]:
    modules = modules or module_files()
    edges = []
    for module, path in modules.items():
        edges.extend(imports_of(module, path.read_text(encoding="utf-8"), modules))
    return modules, edges


def internal(edges: list[Import]) -> list[Import]:
    return [e for e in edges if e.target == ROOT or e.target.startswith(ROOT + ".")]


def layer_violations(modules: dict[str, Path], edges: list[Import]) -> list[str]:
    problems = []
    for module in modules:
        if module != ROOT and layer_of(module) is None:
            problems.append(
                f"{shown(modules, module)}: module {module} "
                f"is in no layer (put it in one of: {', '.join(sorted(LEAVES))}, or a layer "
                "folder)"
            )
    for e in internal(edges):
        if e.source == e.target:
            continue
        if e.source == ROOT:
            target = layer_of(e.target)
            if target != "leaves" and not e.lazy_root:
                problems.append(
                    f"{e.where(modules)}  -> the package root imports {e.target} "
                    f"({target}) at import time; only leaves may be imported there, "
                    "others lazily inside __getattr__"
                )
            continue
        if e.target == ROOT:
            continue  # the root itself (e.g. __version__): allowed everywhere
        source, target = layer_of(e.source), layer_of(e.target)
        if source is None or target is None:
            continue  # reported above
        if LAYERS.index(target) > LAYERS.index(source):
            problems.append(
                f"{e.where(modules)}  -> {e.source} ({source}) imports {e.target} ({target}), "
                f"a layer to its right ({ORDER})"
            )
    return problems


def cycles(modules: dict[str, Path], edges: list[Import]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    succ: dict[str, set[str]] = {m: set() for m in modules}
    for e in internal(edges):
        if e.lazy_root or e.source == e.target or e.target not in succ:
            continue
        succ[e.source].add(e.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    counter = 0
    for start in sorted(succ):
        if start in index:
            continue
        work = [(start, iter(sorted(succ[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(succ[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return components


def cycle_report(modules: dict[str, Path], edges: list[Import]) -> list[str]:
    problems = []
    for component in cycles(modules, edges):
        members = set(component)
        inside = [
            e
            for e in internal(edges)
            if e.source in members and e.target in members and e.source != e.target
        ]
        lines = "\n".join(f"    {e.where(modules)}" for e in inside)
        problems.append(f"import cycle between {', '.join(component)}:\n{lines}")
    return problems


def long_modules(modules: dict[str, Path]) -> list[str]:
    problems = []
    for module, path in modules.items():
        count = len(path.read_text(encoding="utf-8").splitlines())
        if count > MAX_LINES:
            problems.append(f"{shown(modules, module)}: {count} lines (at most {MAX_LINES})")
    return problems


def impure_core(modules: dict[str, Path], edges: list[Import]) -> list[str]:
    problems = []
    for e in edges:
        if layer_of(e.source) != "core":
            continue
        if e.target.split(".")[0] in CORE_FORBIDDEN_IMPORTS:
            problems.append(
                f"{e.where(modules)}  -> core imports {e.target} (no plotting, templates, "
                "documents or notebooks in core)"
            )
    for module, path in modules.items():
        if layer_of(module) != "core":
            continue
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in CORE_FORBIDDEN_CALLS:
                line = lines[node.lineno - 1].strip()
                problems.append(
                    f"{shown(modules, module)}:{node.lineno}: {line}  -> core does file I/O "
                    f"({name}(...)); frames in, frames out"
                )
    return problems


def _fail(problems: list[str], what: str) -> None:
    if problems:
        pytest.fail(f"{len(problems)} {what}:\n" + "\n".join(problems), pytrace=False)


# ------------------------------------------------------------------------------ the contract
def test_layers_point_one_way():
    modules, edges = graph()
    _fail(layer_violations(modules, edges), f"layer violation(s) ({ORDER})")


def test_no_import_cycles_counting_function_local_imports():
    modules, edges = graph()
    _fail(cycle_report(modules, edges), "import cycle(s)")


def test_no_module_above_900_lines():
    _fail(long_modules(module_files()), "module(s) too long")


def test_core_is_pure():
    modules, edges = graph()
    _fail(impure_core(modules, edges), "impurity(ies) in core/")


# ---------------------------------------------------------------------- the checker itself
@pytest.fixture
def fake(tmp_path):
    """A tiny package ``mkbidx`` in tmp_path: write modules, get the graph."""

    def make(files: dict[str, str]) -> dict[str, Path]:
        root = tmp_path / "mkbidx"
        for name, text in {"__init__.py": "", **files}.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return module_files(root)

    return make


def test_checker_sees_local_type_checking_and_relative_imports(fake):
    modules, edges = graph(
        fake(
            {
                "errors.py": "",
                "core/__init__.py": "",
                "core/gap.py": (
                    "from typing import TYPE_CHECKING\n"
                    "if TYPE_CHECKING:\n"
                    "    from mkbidx.present.formatting import points\n"
                    "def f():\n"
                    "    from ..reports import monthly\n"
                    "    import matplotlib.pyplot as plt\n"
                    "    open('x').write('y')\n"
                    "from . import ranking\n"
                    "from .. import errors\n"
                ),
                "core/ranking.py": "def g():\n    from mkbidx.core import gap\n",
                "present/__init__.py": "",
                "present/formatting.py": "",
                "reports/__init__.py": "",
                "reports/monthly.py": "",
            }
        )
    )
    targets = {(e.source, e.target) for e in internal(edges)}
    assert ("mkbidx.core.gap", "mkbidx.present.formatting") in targets
    assert ("mkbidx.core.gap", "mkbidx.reports.monthly") in targets
    assert ("mkbidx.core.gap", "mkbidx.core.ranking") in targets
    assert ("mkbidx.core.gap", "mkbidx.errors") in targets
    problems = layer_violations(modules, edges)
    assert len(problems) == 2
    assert "mkbidx/core/gap.py:3: from mkbidx.present.formatting import points" in problems[0]
    assert cycles(modules, edges) == [["mkbidx.core.gap", "mkbidx.core.ranking"]]
    impure = impure_core(modules, edges)
    assert any("matplotlib" in p for p in impure) and any("open(...)" in p for p in impure)


def test_root_may_import_verbs_only_lazily(fake):
    modules, edges = graph(
        fake(
            {
                "__init__.py": (
                    "from mkbidx.errors import MkbidxError\n"
                    "from mkbidx.core import scoring\n"
                    "def __getattr__(name):\n"
                    "    import importlib\n"
                    "    return importlib.import_module('mkbidx.reports.monthly')\n"
                ),
                "errors.py": "",
                "core/__init__.py": "",
                "core/scoring.py": "",
                "reports/__init__.py": "",
                "reports/monthly.py": "from mkbidx import __version__\n",
            }
        )
    )
    problems = layer_violations(modules, edges)
    assert len(problems) == 1 and "mkbidx/__init__.py:2" in problems[0]
    assert cycles(modules, edges) == []  # the lazy verbs are no import-time cycle
