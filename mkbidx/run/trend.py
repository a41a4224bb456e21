"""``mkbidx trends``: the trend report of a scope into
``<output_root>/trends/<scope>/<from>_<to>/``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mkbidx.core import trends
from mkbidx.errors import MkbidxError
from mkbidx.paths import DEFAULT_OUTPUT, REPORT_HTML, TRENDS_DIR
from mkbidx.reports.trend_params import TrendParameters, period_name, validate_trend_parameters
from mkbidx.run.runner import KINDS, run_notebook


@dataclass(frozen=True)
class TrendResult:
    """What :func:`run_trend_report` made."""

    params: TrendParameters
    folder: Path
    summary: dict[str, Any]

    @property
    def html(self) -> Path:
        return self.folder / REPORT_HTML


def trend_folder(output_root: str | Path | None, params: TrendParameters) -> Path:
    """``<output_root>/trends/<scope>/<from>_<to>``."""
    root = Path(output_root) if output_root is not None else DEFAULT_OUTPUT
    return root / TRENDS_DIR / params.scope / params.folder_name


def run_trend_report(
    scope: str,
    first_period: str,
    last_period: str,
    *,
    compare: Sequence[str] | None = None,
    compare_scope: str | None = None,
    data_path: str | Path | None = None,
    output_root: str | Path | None = None,
    methodology: str | None = None,
    reconstruct: bool = True,
    force: bool = False,
    template: str | Path | None = None,
    dossiers: str | Path | None = None,
    procedures: str | Path | None = None,
    provisional: bool = False,
) -> TrendResult:
    """Make the trend report of ``scope`` from ``first_period`` to ``last_period``.


    Runs ``notebooks/reports/trend_comparison.ipynb`` with
    :func:`mkbidx.run.runner.run_notebook` (papermill, then one self-contained ``report.html``
    and ``manifest.json``) into ``<output_root>/trends/<scope>/<from>_<to>/``. The folder is
    built aside and moved into place when complete: a failed run leaves nothing behind.

    Parameters
    ----------
    scope, first_period, last_period
        ``"083"``, ``"2024-01"``, ``"2025-06"``.
    compare
        Two periods to show side by side (``("2024-Q2", "2024-Q3")``); default
        :func:`default_comparison`.
    compare_scope
        A second unit drawn with the scope against its peers.
    data_path
        Data file or folder; default the project's ``data/sample``.
    output_root
        Default the project's ``outputs/``.
    methodology
        Methodology id or YAML path; default the current version.
    reconstruct
        Rebuild the merged communes' history across 1/7/2025.
    force
        Replace an existing report.
    template
        The notebook to run; default ``notebooks/reports/trend_comparison.ipynb``.

    Raises
    ------
    MkbidxError
        Bad parameters, an existing report without ``force``, no data for the range or scope.
    """
    compare = tuple(compare) if compare else ("", "")
    if len(compare) != 2:
        raise MkbidxError(
            "--compare cần đúng hai kỳ (compare)", column="--compare", expected="FIRST SECOND"
        )
    params = validate_trend_parameters(
        scope=scope,
        first_period=first_period,
        last_period=last_period,
        compare_first=compare[0],
        compare_second=compare[1],
        compare_scope=compare_scope,
        data_path=data_path,
        methodology=methodology,
        reconstruct=reconstruct,
        dossiers=dossiers,
        procedures=procedures,
        provisional=provisional,
    )
    root = Path(output_root) if output_root is not None else DEFAULT_OUTPUT
    target = trend_folder(root, params)
    summary = run_notebook(
        KINDS["trend"], params, target, output_root=root, force=force, template=template
    )
    return TrendResult(params, target, summary)


SUMMARY_COLUMNS = trends.SUMMARY_COLUMNS


def summary_frame(result: TrendResult) -> pd.DataFrame:
    """The per-unit summary of a finished report (what ``mkbidx trends`` prints)."""
    return pd.DataFrame(result.summary.get("summary", []), columns=SUMMARY_COLUMNS)


def describe(result: TrendResult) -> str:
    """The lines ``mkbidx trends`` prints before the table: the report's path and title."""
    lines = [f"Đã tạo báo cáo xu hướng: {result.html}", result.summary["title"]]
    comparison = result.summary.get("comparison")
    if comparison:
        lines.append(
            f"So sánh hai kỳ: {period_name(comparison[0])} và {period_name(comparison[1])}"
        )
    return "\n".join(lines)
