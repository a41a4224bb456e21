"""The notebooks: thin (no def, class or loop), a literal parameters cell, every import and
library attribute they use exists (checked in-process, no kernel), and each one executed with
papermill on the embedded sample data (marker ``notebooks``).

The kernel runs use :func:`conftest.robust_kernel_manager_class`: the client polls in short
slices, so a missed wake-up (jupyter/nbclient#312, seen on ``explore.ipynb``'s widget cell)
costs half a second instead of the whole cell timeout. The explorer itself is tested
in-process in ``tests/unit/test_explorer.py``.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from conftest import NO_SAMPLE, ROOT, SAMPLE, SAMPLE_COUNTS, require, robust_kernel_manager_class

from mkbidx import paths

try:
    from mkbidx.run.kernel import KERNEL_ARGUMENTS, KERNEL_NAME
except ImportError:  # pragma: no cover - before the runner moved to run/ (issue 9)
    from mkbidx.reports.monthly import KERNEL_ARGUMENTS, KERNEL_NAME

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*/*.ipynb"))
FORBIDDEN = {
    ast.FunctionDef: "def",
    ast.AsyncFunctionDef: "async def",
    ast.ClassDef: "class",
    ast.Lambda: "lambda",
    ast.For: "for loop",
    ast.AsyncFor: "async for loop",
    ast.While: "while loop",
    ast.ListComp: "list comprehension (a loop)",
    ast.SetComp: "set comprehension (a loop)",
    ast.DictComp: "dict comprehension (a loop)",
    ast.GeneratorExp: "generator expression (a loop)",
}
# Parameters of the known templates for the test runs (others: data_path and output_dir only).
RUN_PARAMETERS = {
    "monthly_report.ipynb": {"period": "2024-08", "scope": "083"},
    "explore.ipynb": {"period": "2024-08", "unit": "02758", "group": "thanh_toan"},
}


def python_of(cell) -> str:
    """The cell's source as Python (IPython magics turned into calls)."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(cell.source)


def violations(source: str) -> list[str]:
    """What a notebook cell must not contain: definitions and loops."""
    found = []
    for node in ast.walk(ast.parse(source)):
        for kind, what in FORBIDDEN.items():
            if isinstance(node, kind):
                found.append(f"{what} at line {node.lineno}")
    return found


def code_cells(path: Path):
    nb = nbformat.read(path, as_version=4)
    return [c for c in nb.cells if c.cell_type == "code"]


def test_there_are_templates():
    names = {p.name for p in NOTEBOOKS}
    assert {"monthly_report.ipynb", "explore.ipynb"} <= names


@pytest.mark.parametrize(
    "source",
    [
        "def f():\n    pass",
        "class A:\n    pass",
        "for u in units:\n    show(u)",
        "while True:\n    break",
        "[show(u) for u in units]",
        "f = lambda u: u",
        "{u: 1 for u in units}",
        "sum(x for x in xs)",
    ],
)
def test_the_checker_catches_definitions_and_loops(source):
    assert violations(source)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_cells_define_nothing_and_loop_over_nothing(path):
    for i, cell in enumerate(code_cells(path)):
        assert not violations(python_of(cell)), f"{path.name} cell {i}: {violations(cell.source)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_cell_holds_commented_literals_then_validation(path):
    cells = code_cells(path)
    first = cells[0]
    assert "parameters" in first.metadata.get("tags", []), "first cell must be tagged parameters"
    tree = ast.parse(first.source)
    assert tree.body, "empty parameters cell"
    for node in tree.body:
        assert isinstance(node, ast.Assign | ast.AnnAssign), ast.dump(node)
        ast.literal_eval(node.value)  # a literal, never a derived value
    for line in first.source.splitlines():
        if line.strip():
            assert "#" in line, f"parameter without a comment: {line!r}"
    calls = [
        n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", "")
        for n in ast.walk(ast.parse(python_of(cells[1])))
        if isinstance(n, ast.Call)
    ]
    assert any(name.startswith("validate") for name in calls), "next cell must validate"


def test_monthly_template_declares_the_report_parameters():
    params = pm.inspect_notebook(str(paths.MONTHLY_TEMPLATE))
    assert set(params) == {
        "period",
        "scope",
        "data_path",
        "output_dir",
        "methodology",
        "dossiers",
        "procedures",
        "provisional",
    }
    assert all(p["help"] for p in params.values())


def library_uses(path: Path) -> list[tuple[int, str, str, str | None]]:
    """(cell, module, name, attribute) for every name a notebook imports, and every attribute
    the notebook reads from an imported name (``explorer.select`` after ``from ... import
    explorer``)."""
    imported: dict[str, tuple[int, str, str]] = {}
    uses = []
    for i, cell in enumerate(code_cells(path)):
        tree = ast.parse(python_of(cell))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    imported[alias.asname or alias.name] = (i, node.module, alias.name)
                    uses.append((i, node.module, alias.name, None))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    imported[alias.asname or alias.name.split(".")[0]] = (i, alias.name, "")
                    uses.append((i, alias.name, "", None))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in imported
            ):
                _, module, name = imported[node.value.id]
                uses.append((i, module, name, node.attr))
    return uses


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_what_the_cells_import_and_call_exists(path):
    """A renamed or moved library function shows here, without a kernel."""
    missing = []
    for cell, module, name, attribute in library_uses(path):
        try:
            obj = importlib.import_module(module)
            if name:
                try:
                    obj = getattr(obj, name)
                except AttributeError:  # a submodule: from package import module
                    obj = importlib.import_module(f"{module}.{name}")
            if attribute:
                getattr(obj, attribute)
        except (ImportError, AttributeError) as exc:
            used = ".".join(x for x in (name, attribute) if x) or module
            missing.append(f"cell {cell}: {used} from {module}: {exc}")
    assert not missing, f"{path.name}: " + "; ".join(missing)


CELL_TIMEOUT = 60  # seconds; a cell of these notebooks takes a few seconds


def _run(path: Path, tmp_path: Path) -> nbformat.NotebookNode:
    """Run a template as an analyst runs it by hand: papermill, the sample data, no
    ``output_dir`` (the notebook shows everything and writes nothing; the commands, which give
    it a folder, are tested with the reports)."""
    declared = pm.inspect_notebook(str(path))
    params = dict(RUN_PARAMETERS.get(path.name, {}))
    if "data_path" in declared:
        params["data_path"] = str(SAMPLE)
    out = tmp_path / f"executed-{path.name}"
    pm.execute_notebook(
        str(path),
        str(out),
        parameters=params,
        kernel_name=KERNEL_NAME,
        kernel_manager_class=robust_kernel_manager_class(),  # never sleeps on a missed reply
        cwd=str(tmp_path),
        progress_bar=False,
        extra_arguments=list(KERNEL_ARGUMENTS),
        execution_timeout=CELL_TIMEOUT,  # a stuck cell fails the test instead of blocking CI
    )
    return nbformat.read(out, as_version=4)


def _texts(nb) -> str:
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", output
            data = output.get("data", {})
            parts.append(str(data.get("text/html", "")) + str(output.get("text", "")))
    return "\n".join(parts)


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_template_runs_on_the_sample_data(path, tmp_path):
    require(SAMPLE_COUNTS.exists(), NO_SAMPLE)
    nb = _run(path, tmp_path)
    text = _texts(nb)
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    assert written == [f"executed-{path.name}"]  # without output_dir, nothing else is written
    if path.name == "monthly_report.ipynb":
        assert "88,23/100 điểm, xếp hạng 1/9" in text
        assert text.count('src="data:image/png;base64,') == 4
    if path.name == "trend_comparison.ipynb":
        assert "Huyện Mường Khương" in text
        assert text.count('src="data:image/png;base64,') >= 5
    if path.name == "explore.ipynb":
        widgets = [
            o
            for c in nb.cells
            for o in c.get("outputs", [])
            if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
        ]
        assert widgets, "the explorer displays its widgets"
        assert "Tung Chung Phố, tháng 8/2024" in text  # the selection drawn after a change
