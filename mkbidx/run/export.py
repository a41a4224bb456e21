"""Export an executed notebook to one self-contained HTML page (nbconvert, no code, no network).

nbconvert's "basic" template (body only: no require.js, MathJax or web fonts) without input cells
or prompts, wrapped in mkbidx's own page (:func:`mkbidx.present.html.page`). The exporter is
made once per process and warmed up in a thread while the kernel works.
"""

from __future__ import annotations

import copy
import re
import threading
from pathlib import Path
from typing import Any

from mkbidx import __version__
from mkbidx.io import write_atomic
from mkbidx.present import html

REMOVED_TAGS = ("parameters", "injected-parameters")
"""Cells removed from the exported HTML."""


# A reference to something outside the file: an http(s) or protocol-relative URL in an
# attribute or a CSS url(), or a CSS @import.
_NETWORK_REFERENCE = re.compile(
    r"""(?:\b(?:src|href|srcset|action|poster|data|xlink:href)\s*=\s*["']?\s*"""
    r"""(?:https?:|ftp:)?//)|(?:url\(\s*["']?\s*(?:https?:)?//)|(?:@import)""",
    re.IGNORECASE,
)


def network_references(html: str) -> list[str]:
    """Every reference to a network resource in an HTML page (empty for a self-contained one).

    Examples
    --------
    >>> network_references('<img src="data:image/png;base64,AA"> <p>https://x.vn</p>')
    []
    >>> network_references('<script src="https://cdn.example/require.js"></script>')
    ['src="https://']
    """
    return [m.group(0) for m in _NETWORK_REFERENCE.finditer(html)]


def _presentable(nb):
    """A copy of an executed notebook as the HTML shows it: no parameter cells, no empty code
    cells, no stderr output."""
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & set(REMOVED_TAGS):
            continue
        if cell.cell_type == "code":
            cell.outputs = [
                o
                for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
            if not cell.outputs:
                continue
        cells.append(cell)
    nb.cells = cells
    return nb


def export_html(
    notebook: str | Path, html_path: str | Path, *, title: str, methodology: str = ""
) -> Path:
    """Export an executed notebook to one self-contained HTML page.

    nbconvert's "basic" template (body only: no require.js, MathJax or web fonts) without
    input cells or prompts, wrapped in mkbidx's own page (``lang="vi"``, UTF-8, inline CSS).
    The parameter cells are removed. Raises ``RuntimeError`` if any network reference remains.
    """
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    return export_notebook(nb, html_path, title=title, methodology=methodology)


def export_notebook(nb: Any, html_path: str | Path, *, title: str, methodology: str = "") -> Path:
    """:func:`export_html` of a notebook already in memory (papermill's executed notebook)."""
    body, _resources = _html_exporter().from_notebook_node(_presentable(nb))
    page = html.page(body, title=title, version=__version__, methodology=methodology)
    found = network_references(page)
    if found:
        raise RuntimeError(f"the exported HTML refers to network resources: {found[:3]}")
    return write_atomic(html_path, lambda p: p.write_text(page, encoding="utf-8"))


_EXPORTER: dict[str, Any] = {}
"""The process's HTML exporter (made once: its templates and its parser's selectors are
compiled on first use) and the thread warming it up."""


def _html_exporter():
    """nbconvert's HTML exporter as the report uses it, made once per process."""
    warming = _EXPORTER.pop("warming", None)
    if warming is not None:
        warming.join()
    if "exporter" not in _EXPORTER:
        _EXPORTER["exporter"] = _new_exporter()
    return _EXPORTER["exporter"]


def _new_exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


def warm_exporter(**_hook_arguments: Any) -> None:
    """Make the HTML exporter and export a small notebook with it in a background thread (run
    when the kernel starts on the notebook: the export then costs only the report's own
    conversion)."""

    def warm() -> None:
        try:
            import nbformat

            v4 = nbformat.v4
            cell = v4.new_code_cell(
                outputs=[
                    v4.new_output(
                        "display_data",
                        data={
                            "text/html": '<p>x</p><img src="data:image/png;base64,AA==" alt="x">'
                            "<table><tr><td>1</td></tr></table>",
                            "text/plain": "x",
                        },
                    )
                ]
            )
            nb = v4.new_notebook(cells=[v4.new_markdown_cell("## Xếp hạng"), cell])
            exporter = _new_exporter()
            exporter.from_notebook_node(nb)
            _EXPORTER["exporter"] = exporter
        except Exception:  # pragma: no cover - the real export makes its own and reports
            pass

    if "exporter" in _EXPORTER or "warming" in _EXPORTER:
        return
    thread = threading.Thread(target=warm, name="mkbidx-exporter", daemon=True)
    thread.start()
    _EXPORTER["warming"] = thread
