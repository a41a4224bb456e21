"""The one runner of notebook-made deliverables: a registry of report kinds, each run the same
way.

For every kind (:data:`KINDS`: the monthly report, the trend report) a run

1. checks the target folder (an existing report is replaced only with ``force``),
2. starts a kernel at once (:class:`mkbidx.run.kernel.Kernel`: it boots on the other core while
   the run is prepared) and builds the folder aside (:func:`mkbidx.io.atomic_folder`),
3. executes the template with papermill (:func:`mkbidx.run.kernel.execute`), the notebook
   writing its figures, tables and ``summary.json`` into the staging folder,
4. exports the executed notebook, still in memory, to one self-contained ``report.html``
   (:func:`mkbidx.run.export.export_notebook`: no code, no network reference),
5. writes ``manifest.json`` (:func:`write_manifest`: versions, parameters, template and the
   SHA-256 of every input and output) and moves the folder into place, or leaves nothing.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkbidx import __version__
from mkbidx import methodology as _methodology
from mkbidx.errors import MkbidxError
from mkbidx.io import atomic_folder, json_bytes, sha256_file, write_atomic
from mkbidx.paths import (
    LETTER_PREFIX,
    MANIFEST,
    MONTHLY_TEMPLATE,
    PROJECT_ROOT,
    REPORT_HTML,
    REPORT_NOTEBOOK,
    SUMMARY,
    TREND_TEMPLATE,
)
from mkbidx.run.export import export_notebook
from mkbidx.run.kernel import KERNEL_NAME, Kernel, execute

REPORT_FILES = (REPORT_NOTEBOOK, REPORT_HTML, MANIFEST)
"""Files whose presence means "a report exists here" (a folder with only a letter does not)."""


def has_report(folder: str | Path) -> bool:
    """Whether ``folder`` holds a report (a folder with only a letter does not)."""
    folder = Path(folder)
    return any((folder / name).exists() for name in REPORT_FILES)


def letter_files(folder: str | Path) -> list[Path]:
    """The letter files (``cong-van.*``) in a folder."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(f"{LETTER_PREFIX}.*") if p.is_file())


@dataclass(frozen=True)
class ReportKind:
    """A deliverable made by running a notebook template.

    Attributes
    ----------
    name
        ``"monthly"``, ``"trend"``.
    template
        The papermill template (``notebooks/reports/*.ipynb``).
    exists_message
        The error when the target already holds a report and ``force`` is not given.
    exists
        Whether a folder already holds a report of this kind.
    keeps_letter
        The folder's letter (``cong-van.*``, perhaps edited before signature) is carried into
        the rebuilt folder, and the manifest says whether it was kept or drafted.
    """

    name: str
    template: Path
    exists_message: str
    exists: Callable[[Path], bool]
    keeps_letter: bool = False


KINDS: dict[str, ReportKind] = {
    "monthly": ReportKind(
        "monthly",
        MONTHLY_TEMPLATE,
        "báo cáo đã tồn tại, không ghi đè (output exists)",
        has_report,
        keeps_letter=True,
    ),
    "trend": ReportKind(
        "trend",
        TREND_TEMPLATE,
        "báo cáo xu hướng đã tồn tại, không ghi đè (output exists)",
        Path.exists,
    ),
}
"""Every notebook-made deliverable, by name."""


def remove_empty_dirs(path: Path, stop: Path) -> None:
    """Remove ``path`` and its parents up to (not including) ``stop`` while they are empty."""
    path, stop = path.resolve(), stop.resolve()
    while path != stop and stop in path.parents:
        try:
            path.rmdir()
        except OSError:
            return
        path = path.parent


def run_notebook(
    kind: ReportKind,
    params: Any,
    target: Path,
    *,
    output_root: Path,
    force: bool = False,
    template: str | Path | None = None,
) -> dict[str, Any]:
    """Run ``kind``'s template with ``params`` into ``target``; returns the report's summary.

    ``params`` is the kind's validated parameter model (``as_dict()``, ``methodology``). The
    folder appears complete or not at all; a failed run also removes the empty folders it made
    under ``output_root``.
    """
    # The kernel runs in a folder of its own: a relative path would be read from there.
    target, output_root = Path(target).absolute(), Path(output_root).absolute()
    if kind.exists(target) and not force:
        raise MkbidxError(kind.exists_message, file=target, expected="dùng --force để tạo lại")
    template = Path(template).absolute() if template is not None else kind.template
    existed = target.parent.exists()
    output_root.mkdir(parents=True, exist_ok=True)
    try:
        with Kernel() as kernel, atomic_folder(target, force=True) as staging:
            letter_state = None
            if kind.keeps_letter:
                for old in letter_files(target):
                    shutil.copy2(old, staging / old.name)
                    letter_state = "kept"
            run_params = {**params.as_dict(), "output_dir": str(staging)}
            run_params["methodology"] = params.methodology or ""
            nb = execute(template, staging / REPORT_NOTEBOOK, run_params, kernel=kernel)
            summary = json.loads((staging / SUMMARY).read_text("utf-8"))
            export_notebook(
                nb,
                staging / REPORT_HTML,
                title=summary["title"],
                methodology=summary["methodology"],
            )
            extra: dict[str, Any] = {}
            if kind.keeps_letter:
                if letter_state is None and letter_files(staging):
                    letter_state = "drafted"
                extra["letter"] = letter_state
            write_manifest(staging, params, summary, template, extra=extra)
    except BaseException:
        if not existed:
            remove_empty_dirs(target.parent, output_root)
        raise
    return summary


def write_manifest(
    folder: Path,
    params: Any,
    summary: Mapping[str, Any],
    template: Path,
    *,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``manifest.json``: mkbidx version, methodology, parameters, template, kernel, the
    input files (from the summary), ``extra`` entries, and every output with its SHA-256."""
    m = _methodology.load(params.methodology)
    try:
        shown_template = template.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        shown_template = str(template)
    outputs = [
        {
            "path": p.relative_to(folder).as_posix(),
            "sha256": sha256_file(p),
            "size": p.stat().st_size,
        }
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    ]
    parameters = {k: v for k, v in params.as_dict().items() if k != "output_dir"}
    parameters["methodology"] = params.methodology or m.id
    manifest = {
        "mkbidx_version": __version__,
        "methodology": {"id": m.id, "title": m.title, "effective_from": m.effective_from},
        "parameters": parameters,
        "template": {"path": shown_template, "sha256": sha256_file(template)},
        "kernel": KERNEL_NAME,
        "inputs": list(summary.get("inputs", [])),
        **(extra or {}),
        "outputs": outputs,
    }
    return write_atomic(folder / MANIFEST, lambda p: p.write_bytes(json_bytes(manifest)))
