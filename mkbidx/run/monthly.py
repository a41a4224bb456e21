"""``mkbidx report``: the monthly report of a scope into ``<output_root>/<period>/<scope>/``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkbidx.paths import DEFAULT_OUTPUT, REPORT_HTML
from mkbidx.present import formatting
from mkbidx.reports.params import validate_parameters
from mkbidx.run.index import write_index
from mkbidx.run.runner import KINDS, run_notebook


@dataclass(frozen=True)
class ReportResult:
    """What :func:`run_report` made."""

    period: str
    scope: str
    folder: Path
    summary: dict[str, Any]

    @property
    def html(self) -> Path:
        return self.folder / REPORT_HTML


def run_report(
    period: str,
    scope: str,
    *,
    data_path: str | Path | None = None,
    output_root: str | Path | None = None,
    methodology: str | None = None,
    force: bool = False,
    template: str | Path | None = None,
    update_index: bool = True,
    dossiers: str | Path | None = None,
    procedures: str | Path | None = None,
    provisional: bool = False,
) -> ReportResult:
    """Make the monthly report of ``scope`` for ``period`` in ``<output_root>/<period>/<scope>/``.

    Runs the template with :func:`mkbidx.run.runner.run_notebook` (papermill, then
    ``report.html`` and ``manifest.json``). The folder is
    built aside and moved into place when complete: a failed run leaves nothing behind.

    Parameters
    ----------
    period, scope
        ``"2024-08"``, ``"083"``.
    data_path
        Data file or folder; default the project's ``data/sample``.
    output_root
        Default the project's ``outputs/``.
    methodology
        Methodology id or YAML path; default the current version.
    force
        Replace an existing report (letter files in it are kept).
    template
        The notebook to run; default ``notebooks/reports/monthly_report.ipynb``.
    update_index
        Rewrite ``<output_root>/index.html`` afterwards.
    dossiers, procedures, provisional
        A dossier table replacing the portal's derivable counts of its units, and the section
        "Hồ sơ làm giảm điểm" (see :func:`mkbidx.reports.monthly.monthly_context`).

    Raises
    ------
    MkbidxError
        Bad parameters, an existing report without ``force``, no data for the month or scope.
    """
    params = validate_parameters(
        period=period,
        scope=scope,
        data_path=data_path,
        methodology=methodology,
        dossiers=dossiers,
        procedures=procedures,
        provisional=provisional,
    )
    root = Path(output_root) if output_root is not None else DEFAULT_OUTPUT
    target = root / params.period / params.scope
    summary = run_notebook(
        KINDS["monthly"], params, target, output_root=root, force=force, template=template
    )
    if update_index:
        write_index(root)
    return ReportResult(params.period, params.scope, target, summary)


def describe(result: ReportResult) -> str:
    """What ``mkbidx report`` prints: where the report is and the ranking, in Vietnamese."""
    s = result.summary
    lines = [
        f"Đã tạo báo cáo: {result.html}",
        f"{s['scope_name']}, {s['period_label']}: {s['headline']}",
        "",
        f"{'Hạng':>4}  {'Đơn vị':<28} {'Tổng điểm':>9}  {'Thay đổi':>8}  Xếp loại",
    ]
    for r in s["ranking"]:
        lines.append(
            f"{formatting.integer(r['rank']):>4}  {r['unit_name']:<28} "
            f"{formatting.score(r['total']):>9}  {formatting.signed(r['change']):>8}  "
            f"{r['band'] or formatting.MISSING}"
        )
    if s.get("alerts"):
        lines.append(f"\n{s['alerts']} cảnh báo (xem mục Cảnh báo trong báo cáo).")
    return "\n".join(lines)
