"""The monthly report: its content (for the notebooks), its files and the papermill runner.

Three layers, from pure to I/O:

1. **Content.** :func:`monthly_context` reads the data of a scope (a district, a province) and
   returns a :class:`MonthlyReport` with every frame, figure and text the notebook
   ``notebooks/monthly_report.ipynb`` displays: the headline ("88,23/100 điểm, xếp hạng 1/9"),
   the ranking chart, the group heatmap, the table of units, the alerts, the scope's group
   profile and 12-month trend, the gap to the target and the link to the letter. The
   notebook only calls it and displays the parts; :func:`explorer` wires ipywidgets to the same
   functions for ``notebooks/explore.ipynb``.
2. **Files.** :func:`write_artifacts` writes the figures (PNG), tables (CSV and one XLSX) and a
   ``summary.json`` of one report into a folder, byte-identical for the same inputs.
3. **Runner.** :func:`run_report` starts a kernel at once (:class:`_Kernel`, it boots while
   the run is prepared), executes the template in it with papermill in a temporary folder,
   exports the notebook to one self-contained HTML file (no code, no prompts, every image
   embedded, no network reference) and writes ``manifest.json``; the whole folder
   ``outputs/<period>/<scope>/`` appears at once or not at all (:func:`atomic_folder`).
   :func:`run_all` makes every month of a scope in parallel and writes ``outputs/index.html``.

The letter (``cong-van.docx``/``cong-van.html``, :mod:`mkbidx.reports.letter`) lives in the same
folder. Decision: a report run never deletes a letter. Letter files found in the old folder are
copied into the new one (they may have been edited before signature); when there is none and
:mod:`mkbidx.reports.letter` is available, the runner drafts it. An existing folder holding only a
letter is not "an existing report": the report is added to it without ``--force``.

Writing outputs safely: :func:`write_atomic` (one file) and :func:`atomic_folder` (a folder)
build in a temporary place next to the target and move it into place only when complete, so a
failed run leaves no partial output and never overwrites a user's file unless asked to.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from mkbidx import __version__
from mkbidx.errors import MkbidxError
from mkbidx.io import (  # noqa: F401  (used by the trend report too)
    atomic_folder,
    csv_bytes,
    json_bytes,
    sha256_file,
    write_atomic,
    xlsx_bytes,
)
from mkbidx.present import html
from mkbidx.present.html import Html, figure_html, paragraphs_html, render  # noqa: F401

if TYPE_CHECKING:
    from mkbidx.core.ranking import Evaluation
    from mkbidx.methodology import Methodology

from mkbidx.paths import DEFAULT_DATA, DEFAULT_OUTPUT, MONTHLY_TEMPLATE, PROJECT_ROOT  # noqa: E402

KERNEL_NAME = "python3"
"""Jupyter kernel the templates run in (registered in the venv by ``make``)."""
KERNEL_ARGUMENTS = ("--IPKernelApp.log_level=ERROR", "--HistoryManager.hist_file=:memory:")
"""Kernel command-line options: its own log (e.g. the TCP transport notice) only for errors; no
history file (as nbclient starts kernels)."""
TREND_MONTHS = 12
"""Months shown in the scope's trend, the report month included."""
DROP_ALERT_POINTS = 5.0
"""A unit whose total fell by at least this many points since last month gets an alert."""
MAX_WORKERS = 2
"""At most this many reports are made at once by :func:`run_all` (never more than the CPUs)."""

REPORT_NOTEBOOK = "report.ipynb"
REPORT_HTML = "report.html"
MANIFEST = "manifest.json"
SUMMARY = "summary.json"
INDEX_HTML = "index.html"
FIGURES_DIR = "figures"
TABLES_DIR = "tables"
XLSX_NAME = "tables.xlsx"
LETTER_PREFIX = "cong-van"
LETTER_HTML = f"{LETTER_PREFIX}.html"
LETTER_DOCX = f"{LETTER_PREFIX}.docx"
REPORT_FILES = (REPORT_NOTEBOOK, REPORT_HTML, MANIFEST)
"""Files whose presence means "a report exists here" (a folder with only a letter does not)."""
REMOVED_TAGS = ("parameters", "injected-parameters")
"""Cells removed from the exported HTML."""

SCOPE_PATTERN = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,39}")
PERIOD_FOLDER = re.compile(r"\d{4}-\d{2}")

# Kinds of alerts, in the order they are listed for a unit.
ALERT_KINDS = ("below_threshold", "group_zero", "metric_zero", "drop", "missing")


# =============================================================================== atomic writes
# =============================================================================== parameters
@dataclass(frozen=True)
class ReportParameters:
    """The validated parameters of a report template (see :func:`validate_parameters`)."""

    period: str
    scope: str
    data_path: Path
    output_dir: Path | None
    methodology: str | None

    def as_dict(self) -> dict[str, str | None]:
        """The parameters as JSON-ready text (for the manifest)."""
        return {
            "period": self.period,
            "scope": self.scope,
            "data_path": str(self.data_path),
            "output_dir": str(self.output_dir) if self.output_dir is not None else None,
            "methodology": self.methodology,
        }


def validate_parameters(
    *,
    period: str,
    scope: str,
    data_path: str | Path | None = None,
    output_dir: str | Path | None = None,
    methodology: str | None = None,
) -> ReportParameters:
    """Check the parameters of a report template and normalise them.

    Parameters
    ----------
    period
        The report month, ``"YYYY-MM"`` (``"8/2024"`` and ``"tháng 8/2024"`` are accepted).
    scope
        Code of the unit whose units are ranked (``"083"``: the communes of Mường Khương).
    data_path
        A data file or folder; empty or None: the project's embedded data (``data/sample``).
    output_dir
        Folder the report's figures and tables are written to; empty or None: write nothing.
    methodology
        A methodology id or YAML path; empty or None: the current version.

    Returns
    -------
    ReportParameters

    Raises
    ------
    MkbidxError
        A period that is not a month, a scope that is not a unit code, a missing data path, an
        unknown methodology.

    Examples
    --------
    >>> p = validate_parameters(period="8/2024", scope=" 083 ")
    >>> p.period, p.scope, p.data_path.name, p.output_dir
    ('2024-08', '083', 'sample', None)
    """
    from mkbidx import methodology as _methodology
    from mkbidx.present import formatting

    text = str(period).strip() if period is not None else ""
    try:
        from mkbidx.inputs import readers

        normalized = readers.normalize_period(text, column="period")
    except (ImportError, AttributeError):  # pragma: no cover - readers not installed
        normalized = text
    if formatting.period_kind(normalized) != "month":
        raise MkbidxError(
            f"báo cáo tháng cần một tháng, không phải '{period}' (monthly period)",
            column="period",
            expected='"YYYY-MM", vd. "2024-08"',
        )
    code = str(scope).strip() if scope is not None else ""
    if not SCOPE_PATTERN.fullmatch(code):
        raise MkbidxError(
            f"mã phạm vi (scope) không hợp lệ: '{scope}'",
            column="scope",
            expected='mã đơn vị cha, vd. "083" (chữ, số, ".", "-", "_")',
        )
    data = Path(data_path).expanduser() if data_path not in (None, "") else DEFAULT_DATA
    if not data.exists():
        raise MkbidxError(
            "không tìm thấy dữ liệu (data path not found)",
            file=data,
            expected="một tệp hoặc thư mục dữ liệu (.json, .csv, .xlsx)",
        )
    out = Path(output_dir).expanduser() if output_dir not in (None, "") else None
    method = str(methodology).strip() if methodology not in (None, "") else None
    _methodology.load(method)  # raises MkbidxError for an unknown id or a bad YAML
    return ReportParameters(normalized, code, data.resolve(), out, method)


# =============================================================================== inputs
@dataclass(frozen=True)
class InputFile:
    """A file the report was computed from."""

    path: str
    sha256: str
    size: int


@dataclass
class Inputs:
    """Everything read for a report: the dataset, the unit labels, the files and their hashes."""

    dataset: Any
    units: pd.DataFrame
    files: tuple[InputFile, ...]
    methodology: Methodology
    data_path: Path


UNIT_COLUMNS = ["period", "unit_code", "unit_name", "level", "parent_code"]


def _registry():
    try:
        from mkbidx.inputs import units

        return units.default_registry()
    except (ImportError, AttributeError, MkbidxError):  # pragma: no cover - no registry
        return None


def unit_labels(dataset: Any, registry: Any = None) -> pd.DataFrame:
    """Units of every period of the data: the data's own labels completed by the registry.

    Returns
    -------
    DataFrame
        period, unit_code, unit_name, level, parent_code; one row per period and unit. A label
        given in the data wins; a missing one (None) is taken from the official registry.
    """
    own = dataset.units[UNIT_COLUMNS].drop_duplicates(["period", "unit_code"], keep="first")
    periods = sorted(set(dataset.counts["period"]) | set(dataset.published_groups["period"]))
    official = []
    if registry is not None:
        for period in periods:
            try:
                official.append(registry.units_frame(period).assign(period=period))
            except MkbidxError:  # a period the registry cannot place (e.g. a quarter)
                continue
    if not official:
        return own.reset_index(drop=True)
    reg = pd.concat(official, ignore_index=True)[UNIT_COLUMNS]
    merged = own.merge(reg, on=["period", "unit_code"], how="outer", suffixes=("", "_reg"))
    for col in ("unit_name", "level", "parent_code"):
        merged[col] = merged[col].astype(object).where(merged[col].notna(), merged[f"{col}_reg"])
        merged[col] = merged[col].astype(object).where(merged[col].notna(), None)
    return merged[UNIT_COLUMNS].reset_index(drop=True)


def load_inputs(data_path: str | Path, *, methodology: Methodology | str | None = None) -> Inputs:
    """Read a data file or folder for a report (the one place the report reads data).

    Units known only by name are resolved with the official registry; the SHA-256 of every file
    read is kept for the manifest.
    """
    from mkbidx import methodology as _methodology
    from mkbidx.inputs import readers
    from mkbidx.methodology import Methodology

    m = methodology if isinstance(methodology, Methodology) else _methodology.load(methodology)
    path = Path(data_path)
    registry = _registry()
    resolver = registry.resolve if registry is not None else None
    dataset = readers.read([path], methodology=m, resolver=resolver)
    base = path if path.is_dir() else path.parent
    files = []
    for f in dataset.files:
        f = Path(f)
        try:
            shown = f.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            shown = str(f)
        files.append(InputFile(shown, sha256_file(f), f.stat().st_size))
    return Inputs(dataset, unit_labels(dataset, registry), tuple(files), m, path)


def data_periods(inputs: Inputs) -> list[str]:
    """Every period with counts or published group scores, sorted."""
    ds = inputs.dataset
    return sorted(set(ds.counts["period"]) | set(ds.published_groups["period"]))


def scope_periods(inputs: Inputs, scope: str) -> list[str]:
    """The months in which some unit directly under ``scope`` has data (what ``--all`` makes).

    Examples
    --------
    >>> # doctest: +SKIP
    >>> scope_periods(load_inputs("data/sample"), "083")[:2]
    ['2023-01', '2023-02']
    """
    from mkbidx.present import formatting

    units = inputs.units
    children = units[units["parent_code"] == scope][["period", "unit_code"]]
    ds = inputs.dataset
    have = pd.concat(
        [ds.counts[["period", "unit_code"]], ds.published_groups[["period", "unit_code"]]]
    ).drop_duplicates()
    found = have.merge(children, on=["period", "unit_code"])["period"].unique()
    months = []
    for p in found:
        try:
            if formatting.period_kind(p) == "month":
                months.append(str(p))
        except MkbidxError:
            continue
    return sorted(months)


def evaluate_periods(inputs: Inputs, periods: Iterable[str]) -> Evaluation:
    """Score and rank the data of the given periods (pooled parents, published groups)."""
    from mkbidx.core import ranking

    wanted = set(periods)
    ds = inputs.dataset
    return ranking.evaluate(
        ds.counts[ds.counts["period"].isin(wanted)],
        inputs.units[inputs.units["period"].isin(wanted)],
        ds.published_groups[ds.published_groups["period"].isin(wanted)],
        methodology=inputs.methodology,
    )


# =============================================================================== HTML snippets
# =============================================================================== figures
def render_png(draw: Callable[[], Any], *, title: str | None = None) -> bytes:
    """Draw a chart with the mkbidx theme and return its deterministic PNG bytes.

    ``draw()`` returns the Axes it drew on; the figure is closed afterwards (a notebook shows
    only what the report displays).
    """
    import matplotlib.pyplot as plt

    from mkbidx.present import plots

    with plots.theme():
        ax = draw()
        fig = ax.figure
        try:
            if title:
                ax.set_title(
                    title, loc="left", pad=24 if ax.xaxis.get_ticks_position() == "top" else 16
                )
            return plots.figure_to_png_bytes(fig)
        finally:
            plt.close(fig)


# =============================================================================== content
@dataclass
class MonthlyReport:
    """Everything the monthly report shows, for one scope and month.

    Frames use the contract's snake_case columns; ``*_view`` properties are what the notebook
    displays (escaped HTML, Stylers with Vietnamese numbers).

    Attributes
    ----------
    period, previous_period
        ``"2024-08"`` and ``"2024-07"``.
    scope, scope_name, scope_row
        The scope's code, official name and its row of the ranking table (its total, rank among
        its peers, band, six group scores), or None when the scope itself has no score.
    table
        The units directly under the scope in rank order: unit_code, unit_name, the six group
        keys, total, rank, rank_of, band, complete, previous_total, change.
    alerts
        unit_code, unit_name, rank, kind (one of :data:`ALERT_KINDS`), kind_label, detail.
    metrics
        Metric scores of the units in the month (with metric and group names).
    trend
        The scope's totals over the last :data:`TREND_MONTHS` months: period, unit_code,
        unit_name, total, rank, rank_of, band, change.
    gap
        Per unit below the target, the actions that would reach it (:mod:`mkbidx.core.gap`), or
        None when that module is not available.
    figures
        PNG bytes: ``ranking``, ``heatmap``, ``profile``, ``trend``.
    """

    period: str
    previous_period: str
    scope: str
    scope_name: str
    scope_level: str | None
    scope_row: dict[str, Any] | None
    peers_phrase: str
    table: pd.DataFrame
    alerts: pd.DataFrame
    metrics: pd.DataFrame
    trend: pd.DataFrame
    gap: pd.DataFrame | None
    gap_note: str
    figures: dict[str, bytes]
    figure_text: dict[str, tuple[str, str]]
    methodology: Methodology
    inputs: tuple[InputFile, ...] = ()
    notes: tuple[str, ...] = ()
    output_dir: Path | None = None
    data_path: Path | None = None
    headline_text: str = ""
    change_text: str = ""
    units_text: str = ""
    evaluation: Any = None

    # ------------------------------------------------------------------ texts
    @property
    def period_label(self) -> str:
        from mkbidx.present import formatting

        return formatting.period_label(self.period)

    @property
    def title(self) -> str:
        """``"Bộ chỉ số 766: Huyện Mường Khương, tháng 8/2024"``."""
        return f"Bộ chỉ số 766: {self.scope_name}, {self.period_label}"

    @property
    def headline(self) -> Html:
        """Title, total and rank among the peers, change from last month, units above 80."""
        from mkbidx.present import formatting

        band = self.scope_row.get("band") if self.scope_row else None
        return render(
            "monthly-headline",
            title=self.title,
            scope_name=self.scope_name,
            period_long=formatting.period_long(self.period),
            headline=self.headline_text,
            band=band if isinstance(band, str) else None,
            change=self.change_text,
            units=self.units_text,
        )

    # ------------------------------------------------------------------ figures
    def _figure(self, key: str) -> Html:
        if key not in self.figures:
            return paragraphs_html([f"Không có số liệu để vẽ biểu đồ ({self.period_label})."])
        alt, caption = self.figure_text[key]
        return figure_html(self.figures[key], alt=alt, caption=caption)

    @property
    def ranking_chart(self) -> Html:
        return self._figure("ranking")

    @property
    def heatmap_chart(self) -> Html:
        return self._figure("heatmap")

    @property
    def profile_chart(self) -> Html:
        return self._figure("profile")

    @property
    def trend_chart(self) -> Html:
        return self._figure("trend")

    # ------------------------------------------------------------------ tables
    @property
    def table_view(self):
        """The units' table as a Styler: six groups, total, rank, band, change (escaped)."""
        from mkbidx.present import formatting

        m = self.methodology
        cols = ["unit_name", *m.group_keys, "total", "rank", "band", "change"]
        labels = formatting.column_labels(m)
        labels.update({g.key: f"{g.short_name} ({formatting.compact(g.max)})" for g in m.groups})
        labels["total"] = f"Tổng điểm ({formatting.compact(m.total_max)})"
        labels["change"] = f"So với {formatting.period_label(self.previous_period)}"
        styler = formatting.styled_table(
            self.table[cols],
            score_columns=[*m.group_keys, "total"],
            int_columns=["rank"],
            band_column="band",
            methodology=m,
            labels=labels,
        )
        styler = styler.format(formatting.signed, subset=["change"], na_rep=formatting.MISSING)
        styler = _right_aligned(styler, [*m.group_keys, "total", "rank", "change"])
        return styler.set_uuid("ranking")

    @property
    def alerts_view(self):
        """The alerts as a Styler (unit, kind, detail) or a sentence when there is none."""
        from mkbidx.present import formatting

        if self.alerts.empty:
            return paragraphs_html([f"Không có cảnh báo trong {self.period_label}."])
        frame = self.alerts[["unit_name", "kind_label", "detail"]]
        styler = formatting.styled_table(
            frame,
            score_columns=[],
            labels={"unit_name": "Đơn vị", "kind_label": "Cảnh báo", "detail": "Chi tiết"},
        )
        return styler.set_uuid("alerts")

    @property
    def alerts_summary(self) -> Html:
        """One sentence: how many alerts, for how many units."""
        if self.alerts.empty:
            return paragraphs_html([])
        n_units = self.alerts["unit_code"].nunique()
        return paragraphs_html([f"{len(self.alerts)} cảnh báo ở {n_units} đơn vị."])

    @property
    def trend_view(self):
        """The scope's last months: total, rank, band, change (Styler)."""
        from mkbidx.present import formatting

        frame = self.trend.assign(
            month=self.trend["period"].map(formatting.period_label),
            rank_text=[
                formatting.rank_label(r, n)
                for r, n in zip(self.trend["rank"], self.trend["rank_of"], strict=True)
            ],
        )[["month", "total", "rank_text", "band", "change"]]
        styler = formatting.styled_table(
            frame,
            score_columns=["total"],
            band_column="band",
            methodology=self.methodology,
            labels={
                "month": "Tháng",
                "total": "Tổng điểm",
                "rank_text": "Xếp hạng",
                "band": "Xếp loại",
                "change": "Thay đổi",
            },
        )
        styler = styler.format(formatting.signed, subset=["change"], na_rep=formatting.MISSING)
        return _right_aligned(styler, ["total", "rank_text", "change"]).set_uuid("trend")

    @property
    def gap_view(self) -> Html:
        """What each unit below the target needs (from :mod:`mkbidx.core.gap`), or a note."""
        from mkbidx.present import formatting

        intro = paragraphs_html([self.gap_note]).markup
        if self.gap is None or self.gap.empty:
            return Html(intro)
        g = self.gap
        action = g["action"] if "action" in g else pd.Series(None, index=g.index)
        frame = pd.DataFrame(
            {
                "unit_name": g["unit_name"],
                "total": g["total"],
                "group_name": g.get("group_name"),
                "action": action.where(action.notna(), g.get("note")),
                "score_after": g.get("score_after"),
            }
        )
        styler = formatting.styled_table(
            frame,
            score_columns=["total", "score_after"],
            labels={
                "unit_name": "Đơn vị",
                "total": "Tổng điểm",
                "group_name": "Nhóm",
                "action": "Việc cần làm",
                "score_after": "Tổng điểm sau đó",
            },
        )
        styler = _right_aligned(styler, ["total", "score_after"])
        return Html(intro + styler.set_uuid("gap").to_html())

    @property
    def letter_link(self) -> Html:
        """A relative link to the draft letter in the same folder, when it exists."""
        from mkbidx.present import formatting

        links = []
        if self.output_dir is not None:
            for name, label in ((LETTER_HTML, "xem (HTML)"), (LETTER_DOCX, "sửa (Word)")):
                if (self.output_dir / name).is_file():
                    links.append((name, f"{name} – {label}"))
        missing = (
            "Chưa có dự thảo công văn trong thư mục báo cáo "
            f"(tạo bằng lệnh: mkbidx letter --period {self.period} --scope {self.scope})."
        )
        return render(
            "letter-links",
            links=links,
            period_long=formatting.period_long(self.period),
            missing=missing,
        )

    @property
    def sources(self) -> Html:
        """Input files with their SHA-256, the methodology and the mkbidx version."""
        return render(
            "sources",
            methodology=f"{self.methodology.id} ({self.methodology.title})",
            version=__version__,
            files=self.inputs,
            notes=self.notes,
        )

    # ------------------------------------------------------------------ summary
    def summary(self) -> dict[str, Any]:
        """JSON-ready summary: headline, scope total and rank, the ranking, the input files."""
        row = self.scope_row or {}
        return {
            "title": self.title,
            "headline": self.headline_text,
            "period": self.period,
            "period_label": self.period_label,
            "scope": self.scope,
            "scope_name": self.scope_name,
            "total": _json_number(row.get("total")),
            "rank": _json_int(row.get("rank")),
            "rank_of": _json_int(row.get("rank_of")),
            "band": row.get("band") if isinstance(row.get("band"), str) else None,
            "methodology": self.methodology.id,
            "ranking": [
                {
                    "rank": _json_int(r.rank),
                    "unit_code": r.unit_code,
                    "unit_name": r.unit_name,
                    "total": _json_number(r.total),
                    "band": r.band if isinstance(r.band, str) else None,
                    "change": _json_number(r.change),
                }
                for r in self.table.itertuples(index=False)
            ],
            "alerts": len(self.alerts),
            "inputs": [f.__dict__ for f in self.inputs],
        }


def _json_number(x: Any) -> float | None:
    return None if x is None or pd.isna(x) else round(float(x), 2)


def _json_int(x: Any) -> int | None:
    return None if x is None or pd.isna(x) else int(x)


def _scope_name(inputs: Inputs, scope: str, period: str) -> tuple[str, str | None]:
    units = inputs.units
    rows = units[(units["unit_code"] == scope) & (units["period"] == period)]
    if rows.empty:
        rows = units[units["unit_code"] == scope]
    if rows.empty:
        return scope, None
    row = rows.iloc[-1]
    name = row["unit_name"] if isinstance(row["unit_name"], str) else scope
    return name, row["level"] if isinstance(row["level"], str) else None


def _available_scopes(table: pd.DataFrame, period: str) -> list[str]:
    rows = table[table["period"] == period]
    return sorted(str(p) for p in rows["parent_code"].dropna().unique())


def monthly_context(
    data_path: str | Path,
    period: str,
    scope: str,
    methodology: str | Methodology | None = None,
    *,
    output_dir: str | Path | None = None,
    drop_alert: float = DROP_ALERT_POINTS,
) -> MonthlyReport:
    """Read the data and build the monthly report of ``scope`` for ``period``.

    Parameters
    ----------
    data_path
        Data file or folder (see :func:`mkbidx.inputs.readers.read`).
    period
        ``"YYYY-MM"``.
    scope
        Code of the unit whose direct units are ranked; the scope itself is ranked among its
        own peers in the headline.
    methodology
        Id, YAML path or loaded methodology; default the current version.
    output_dir
        The report folder (to find the letter next to the report); None: no link.
    drop_alert
        A fall of the total by at least this many points since last month is an alert.

    Returns
    -------
    MonthlyReport

    Raises
    ------
    MkbidxError
        No data for the month, or no unit under the scope in that month.
    """
    inputs = load_inputs(data_path, methodology=methodology)
    return build_monthly_report(
        inputs, period=period, scope=scope, output_dir=output_dir, drop_alert=drop_alert
    )


def build_monthly_report(
    inputs: Inputs,
    *,
    period: str,
    scope: str,
    output_dir: str | Path | None = None,
    drop_alert: float = DROP_ALERT_POINTS,
) -> MonthlyReport:
    """The content of :func:`monthly_context` from data already read (see there)."""
    from mkbidx.core import ranking
    from mkbidx.present import formatting

    m = inputs.methodology
    available = data_periods(inputs)
    if period not in available:
        raise MkbidxError(
            f"không có số liệu kỳ {period} (missing period)",
            file=inputs.data_path,
            column="period",
            expected="một kỳ có trong dữ liệu: " + _short_list(available),
        )
    previous = formatting.previous_period(period)
    window = formatting.period_range(_months_back(period, TREND_MONTHS - 1), period)
    window = [p for p in window if p in set(available)]
    ev = evaluate_periods(inputs, window)
    table = ranking.scope_table(ev.table, period=period, scope=scope)
    if table.empty:
        raise MkbidxError(
            f"không có đơn vị nào trực thuộc '{scope}' trong kỳ {period} (empty scope)",
            column="scope",
            expected="mã đơn vị cha, vd. " + _short_list(_available_scopes(ev.table, period)),
        )
    scope_name, scope_level = _scope_name(inputs, scope, period)
    table = _with_change(table, ranking.scope_table(ev.table, period=previous, scope=scope))

    own = ev.table[(ev.table["unit_code"] == scope) & (ev.table["period"] == period)]
    scope_row = own.iloc[0].to_dict() if len(own) else None
    if scope_row is not None and scope_level is None:
        scope_level = scope_row.get("level")
    peers = _peers_phrase(ev.table, scope_row)

    trend = ev.table[ev.table["unit_code"] == scope][
        ["period", "unit_code", "unit_name", "total", "rank", "rank_of", "band"]
    ].sort_values("period")
    trend = trend.assign(total=trend["total"].astype(float))
    trend["change"] = _change(trend["total"], trend["total"].shift(1))
    trend = trend.reset_index(drop=True)

    metrics = _metrics_frame(ev.metrics, table, period, m)
    alerts = _alerts(
        table,
        ev.groups,
        metrics,
        ev.table,
        inputs.units,
        period=period,
        scope=scope,
        window=window,
        methodology=m,
        drop_alert=drop_alert,
    )
    gap, gap_note = _gap(inputs, table, period=period, methodology=m)

    report = MonthlyReport(
        period=period,
        previous_period=previous,
        scope=scope,
        scope_name=scope_name,
        scope_level=scope_level,
        scope_row=scope_row,
        peers_phrase=peers,
        table=table,
        alerts=alerts,
        metrics=metrics,
        trend=trend,
        gap=gap,
        gap_note=gap_note,
        figures={},
        figure_text={},
        methodology=m,
        inputs=inputs.files,
        notes=tuple(getattr(inputs.dataset, "notes", ()) or ()),
        output_dir=Path(output_dir) if output_dir not in (None, "") else None,
        data_path=inputs.data_path,
        evaluation=ev,
    )
    report.headline_text, report.change_text, report.units_text = _headline_texts(report)
    html.warm()  # compiled while the figures are drawn (the notebook's first display needs it)
    _draw_figures(report)
    return report


def _months_back(period: str, n: int) -> str:
    from mkbidx.present import formatting

    for _ in range(n):
        period = formatting.previous_period(period)
    return period


def _short_list(items: Iterable[Any], n: int = 8) -> str:
    items = [str(i) for i in items]
    return ", ".join(items[:n]) + (", …" if len(items) > n else "")


def _change(current: pd.Series, previous: pd.Series) -> pd.Series:
    """Current minus previous total, to 2 decimals (NaN without a previous total)."""
    return (current.astype(float) - previous.astype(float)).round(2)


def _with_change(table: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    before = previous.set_index("unit_code")["total"] if len(previous) else pd.Series(dtype=float)
    out = table.copy()
    out["previous_total"] = out["unit_code"].map(before).astype(float)
    out["change"] = _change(out["total"], out["previous_total"])
    return out


def _peers_phrase(table: pd.DataFrame, row: Mapping[str, Any] | None) -> str:
    from mkbidx.present import formatting

    if row is None or not isinstance(row.get("level"), str):
        return ""
    peers = table[
        (table["period"] == row["period"])
        & (table["level"] == row["level"])
        & (table["parent_code"].fillna("") == (row.get("parent_code") or ""))
    ]
    try:
        return formatting.peers_phrase(row["level"], list(peers["unit_name"].astype(str)))
    except MkbidxError:
        return ""


def _headline_texts(r: MonthlyReport) -> tuple[str, str, str]:
    from mkbidx.present import formatting

    m = r.methodology
    row = r.scope_row
    if row is None:
        head = f"chưa tính được tổng điểm của {r.scope_name}"
    else:
        head = f"{formatting.score_of_max(row['total'], m.total_max)} điểm"
        # a rank among peers; a unit alone at its level (the province) has none to speak of
        if not pd.isna(row.get("rank")) and row["rank_of"] > 1:
            head += ", " + formatting.rank_phrase(row["rank"], row["rank_of"], r.peers_phrase)
    prev_label = formatting.period_label(r.previous_period)
    before = r.trend[r.trend["period"] == r.previous_period]
    if row is None or before.empty or pd.isna(before["total"].iloc[0]):
        change = f"Chưa có số liệu {prev_label} để so sánh."
    else:
        b = before.iloc[0]
        diff = round(float(row["total"]) - float(b["total"]), 2)
        if diff > 0:
            verb = f"Tăng {formatting.score(diff)} điểm"
        elif diff < 0:
            verb = f"Giảm {formatting.score(-diff)} điểm"
        else:
            verb = "Không đổi"
        rank = (
            f", xếp hạng {formatting.rank_label(b['rank'], b['rank_of'])}"
            if b["rank_of"] > 1
            else ""
        )
        change = f"{verb} so với {prev_label} ({formatting.score(b['total'])} điểm{rank})."
    top = m.bands[0]
    names = list(r.table["unit_name"].astype(str))
    kinds = formatting.unit_kind_phrase(names)
    good = int((r.table["total"].round(m.rank_decimals) >= top.min).sum())
    units = (
        f"{good}/{len(r.table)} {kinds} đạt từ {formatting.points(top.min)} "
        f"({top.label}); {len(r.table) - good} đơn vị dưới {formatting.points(top.min)}."
    )
    return head, change, units


def _metrics_frame(
    metrics: pd.DataFrame, table: pd.DataFrame, period: str, m: Methodology
) -> pd.DataFrame:
    names = m.metrics_frame()[["metric", "metric_name", "group_order", "metric_order"]]
    groups = m.groups_frame()[["group", "group_name", "short_name"]]
    rows = metrics[(metrics["period"] == period) & metrics["unit_code"].isin(table["unit_code"])]
    out = rows.merge(names, on="metric", how="left").merge(groups, on="group", how="left")
    out = out.merge(table[["unit_code", "unit_name", "rank"]], on="unit_code", how="left")
    out = out.sort_values(["rank", "unit_code", "group_order", "metric_order"], kind="stable")
    keep = [
        "period",
        "unit_code",
        "unit_name",
        "group",
        "group_name",
        "metric",
        "metric_name",
        "numerator",
        "denominator",
        "ratio",
        "no_data",
        "score",
        "max_score",
    ]
    return out[[c for c in keep if c in out]].reset_index(drop=True)


def _alerts(
    table: pd.DataFrame,
    groups: pd.DataFrame,
    metrics: pd.DataFrame,
    full_table: pd.DataFrame,
    units: pd.DataFrame,
    *,
    period: str,
    scope: str,
    window: Sequence[str],
    methodology: Methodology,
    drop_alert: float,
) -> pd.DataFrame:
    """Alerts per unit: below the top band, a group or metric at 0, a big fall, missing data."""
    from mkbidx.present import formatting

    m = methodology
    top = m.bands[0]
    labels = {
        "below_threshold": f"Dưới {formatting.points(top.min)}",
        "group_zero": "Nhóm chỉ số bằng 0",
        "metric_zero": "Chỉ số bằng 0",
        "drop": f"Giảm từ {formatting.points(drop_alert)}",
        "missing": "Thiếu số liệu",
    }
    group_names = {g.key: g.name for g in m.groups}
    group_max = {g.key: g.max for g in m.groups}
    rows: list[dict[str, Any]] = []

    def add(unit_code: str, unit_name: str, rank: Any, kind: str, detail: str) -> None:
        rows.append(
            {
                "unit_code": unit_code,
                "unit_name": unit_name,
                "rank": rank,
                "kind": kind,
                "kind_label": labels[kind],
                "detail": detail,
            }
        )

    prev_label = formatting.period_label(formatting.previous_period(period))
    g_month = groups[(groups["period"] == period) & groups["unit_code"].isin(table["unit_code"])]
    months_with_data = set(window)
    unit_periods = full_table[["period", "unit_code"]]
    for r in table.itertuples(index=False):
        code, name, rank = r.unit_code, r.unit_name, r.rank
        total = float(r.total)
        if round(total, m.rank_decimals) < top.min:
            add(
                code,
                name,
                rank,
                "below_threshold",
                f"Tổng điểm {formatting.score(total)}, dưới {formatting.points(top.min)} "
                f"(xếp loại {r.band}); còn thiếu {formatting.score(top.min - total)} điểm.",
            )
        mine = g_month[g_month["unit_code"] == code]
        zero_groups = set(mine[(mine["score"] == 0) & (mine["max_score"] > 0)]["group"])
        for key in [k for k in m.group_keys if k in zero_groups]:
            add(
                code,
                name,
                rank,
                "group_zero",
                f"Nhóm “{group_names[key]}” bằng 0 "
                f"({formatting.score_of_max(0, group_max[key])} điểm).",
            )
        zm = metrics[
            (metrics["unit_code"] == code)
            & (metrics["score"] == 0)
            & (metrics["max_score"] > 0)
            & ~metrics["group"].isin(zero_groups)
        ]
        for z in zm.itertuples(index=False):
            if bool(z.no_data):
                counts = "không phát sinh (mẫu số bằng 0)"
            else:
                counts = f"{formatting.integer(z.numerator)}/{formatting.integer(z.denominator)}"
            add(
                code,
                name,
                rank,
                "metric_zero",
                f"Chỉ số “{z.metric_name}” ({z.group_name}) bằng 0/"
                f"{formatting.compact(z.max_score)} điểm; số liệu: {counts}.",
            )
        if not pd.isna(r.change) and float(r.change) <= -drop_alert:
            add(
                code,
                name,
                rank,
                "drop",
                f"Tổng điểm giảm {formatting.score(-float(r.change))} điểm so với {prev_label} "
                f"(từ {formatting.score(r.previous_total)} xuống {formatting.score(total)}).",
            )
        problems = []
        present = dict(zip(mine["group"], mine["complete"].astype(bool), strict=True))
        absent = [group_names[k] for k in m.group_keys if k not in present]
        partial = [group_names[k] for k in m.group_keys if k in present and not present[k]]
        if absent:
            problems.append("không có số liệu nhóm " + ", ".join(f"“{g}”" for g in absent))
        if partial:
            problems.append("thiếu chỉ số trong nhóm " + ", ".join(f"“{g}”" for g in partial))
        have = set(unit_periods[unit_periods["unit_code"] == code]["period"])
        gaps = [p for p in window if p in months_with_data and p not in have]
        if gaps:
            problems.append(
                "không có số liệu " + ", ".join(formatting.period_label(p) for p in gaps)
            )
        if problems:
            text = "; ".join(problems)
            add(code, name, rank, "missing", text[0].upper() + text[1:] + ".")
    expected = units[(units["period"] == period) & (units["parent_code"] == scope)]
    for u in expected[~expected["unit_code"].isin(table["unit_code"])].itertuples(index=False):
        uname = u.unit_name if isinstance(u.unit_name, str) else u.unit_code
        add(
            u.unit_code,
            uname,
            pd.NA,
            "missing",
            f"Không có số liệu {formatting.period_label(period)}.",
        )
    frame = pd.DataFrame(
        rows, columns=["unit_code", "unit_name", "rank", "kind", "kind_label", "detail"]
    )
    if frame.empty:
        return frame
    frame["kind_order"] = frame["kind"].map({k: i for i, k in enumerate(ALERT_KINDS)})
    frame["rank"] = frame["rank"].astype("Int64")
    frame = frame.sort_values(
        ["rank", "unit_code", "kind_order"], kind="stable", na_position="last"
    )
    return frame.drop(columns="kind_order").reset_index(drop=True)


def _gap(
    inputs: Inputs, table: pd.DataFrame, *, period: str, methodology: Methodology
) -> tuple[pd.DataFrame | None, str]:
    """Per unit below the target, the actions that reach it (:func:`mkbidx.core.gap.gap`)."""
    from mkbidx.present import formatting

    top = methodology.bands[0]
    below = table[table["total"].round(methodology.rank_decimals) < top.min]
    if below.empty:
        return None, f"Mọi đơn vị đều đạt từ {formatting.points(top.min)}."
    plan = gap_plan(inputs, below["unit_code"], period=period, methodology=methodology)
    note = (
        f"{len(below)} đơn vị dưới {formatting.points(top.min)}: các việc cần làm để đạt "
        f"{formatting.points(top.min)} (ít hồ sơ nhất, theo thứ tự thực hiện; tổng điểm sau "
        "mỗi việc tính lại theo phương pháp)."
    )
    return plan, note


GAP_COLUMNS = [
    "unit_code",
    "unit_name",
    "total",
    "target",
    "group",
    "group_name",
    "metric",
    "metric_name",
    "additional_count",
    "action",
    "score_after",
    "note",
]
"""Columns of a report's gap-to-target table."""


def gap_plan(
    inputs: Inputs,
    unit_codes: Iterable[str],
    *,
    period: str,
    methodology: Methodology,
    group_names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The gap-to-target plan (:func:`mkbidx.core.gap.gap`) of some units in one period, with the
    group names shown (``group_names``: key → label, default the groups' full names)."""
    from mkbidx.core import gap

    ds = inputs.dataset
    plan = gap.gap(
        ds.counts[ds.counts["period"] == period],
        period=period,
        units=inputs.units[inputs.units["period"] == period],
        unit_codes=list(unit_codes),
        published_groups=ds.published_groups[ds.published_groups["period"] == period],
        methodology=methodology,
    )
    names = group_names or {g.key: g.name for g in methodology.groups}
    plan = plan.assign(group_name=plan["group"].map(names))
    return plan[[c for c in GAP_COLUMNS if c in plan]].reset_index(drop=True)


TREND_FIGSIZE = (10.5, 4.5)
"""Inches of the trend chart: wide enough for 12 month labels side by side."""


def _wide_axes():
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=TREND_FIGSIZE)[1]


def _right_aligned(styler, columns: Sequence[str]):
    """Numbers right-aligned (text stays left, the page's default)."""
    return styler.set_properties(subset=list(columns), **{"text-align": "right"})


def _draw_figures(r: MonthlyReport) -> None:
    """Set the report's figures (PNG bytes) and their alternative texts and captions."""
    pngs = _figure_pngs(r.table, r.trend, r.scope_row, r.scope_name, r.period, r.methodology)
    r.figures.update(pngs)
    r.figure_text.update(_figure_texts(r))


def _figure_pngs(
    table: pd.DataFrame,
    trend: pd.DataFrame,
    scope_row: Mapping[str, Any] | None,
    scope_name: str,
    period: str,
    m: Methodology,
) -> dict[str, bytes]:
    """Draw the report's figures: ranking, heatmap, profile (when the scope has a score), trend
    (when it has months), in that order."""
    from mkbidx.present import formatting, plots

    label = formatting.period_label(period)
    kinds = formatting.unit_kind_phrase(list(table["unit_name"].astype(str)))
    draws: dict[str, tuple[Callable[[], Any], str]] = {
        "ranking": (
            lambda: plots.plot_ranking(table, methodology=m),
            f"Tổng điểm các {kinds} thuộc {scope_name}, {label}",
        ),
        "heatmap": (
            lambda: plots.plot_group_heatmap(table, methodology=m),
            f"Tỷ lệ điểm đạt so với điểm tối đa của từng nhóm, {label}",
        ),
    }
    if scope_row is not None:
        draws["profile"] = (
            lambda: plots.plot_group_profile(
                {k: scope_row.get(k) for k in m.group_keys}, methodology=m
            ),
            f"{scope_name}: điểm sáu nhóm chỉ số, {label}",
        )
    if not trend.empty:
        first = formatting.period_label(trend["period"].iloc[0])
        draws["trend"] = (
            lambda: plots.plot_total_trend(trend, methodology=m, ax=_wide_axes()),
            f"{scope_name}: tổng điểm từ {first} đến {label}",
        )
    return {key: render_png(draw, title=title) for key, (draw, title) in draws.items()}


def _figure_texts(r: MonthlyReport) -> dict[str, tuple[str, str]]:
    """(alternative text, caption) of each figure :func:`_figure_pngs` draws."""
    from mkbidx.present import formatting

    m = r.methodology
    label = formatting.period_label(r.period)
    kinds = formatting.unit_kind_phrase(list(r.table["unit_name"].astype(str)))
    texts = {
        "ranking": (
            f"Biểu đồ thanh: tổng điểm {len(r.table)} đơn vị theo thứ hạng, "
            f"đường {formatting.points(m.bands[0].min)}",
            f"Tổng điểm và xếp loại các {kinds}, {label}; đường đứt nét: "
            f"{formatting.points(m.bands[0].min)}.",
        ),
        "heatmap": (
            "Bản đồ nhiệt: điểm sáu nhóm chỉ số của từng đơn vị so với điểm tối đa",
            "Màu: tỷ lệ điểm đạt so với điểm tối đa của nhóm; số: điểm đạt.",
        ),
    }
    if r.scope_row is not None:
        texts["profile"] = (
            f"Biểu đồ thanh: điểm sáu nhóm chỉ số của {r.scope_name} so với điểm tối đa",
            "Thanh xanh: điểm đạt; thanh xám: điểm tối đa của nhóm.",
        )
    if not r.trend.empty:
        texts["trend"] = (
            f"Biểu đồ đường: tổng điểm của {r.scope_name} {len(r.trend)} tháng gần nhất",
            f"Tổng điểm theo tháng; đường đứt nét: {formatting.points(m.bands[0].min)}.",
        )
    return texts


# =============================================================================== files
def sheet_frame(frame: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    """A table as an Excel sheet shows it: Vietnamese headers, yes/no as "Có"/"Không"."""
    shown = frame.copy()
    for col in shown.columns:
        if shown[col].dtype == bool or str(shown[col].dtype) == "boolean":
            shown[col] = shown[col].map({True: "Có", False: "Không"})
    return shown.rename(columns=labels)


def report_tables(r: MonthlyReport) -> dict[str, pd.DataFrame]:
    """The report's tables with snake_case columns (what the CSV files hold)."""
    m = r.methodology
    ranking_cols = [
        "period",
        "unit_code",
        "unit_name",
        "level",
        "parent_code",
        *m.group_keys,
        "total",
        "rank",
        "rank_of",
        "band",
        "complete",
        "previous_total",
        "change",
    ]
    tables = {
        "ranking": r.table[[c for c in ranking_cols if c in r.table]],
        "alerts": r.alerts,
        "metrics": r.metrics,
        "trend": r.trend,
    }
    if r.gap is not None:
        tables["gap"] = r.gap
    return tables


def _vietnamese_sheets(r: MonthlyReport, tables: Mapping[str, pd.DataFrame]):
    from mkbidx.present import formatting

    m = r.methodology
    labels = formatting.column_labels(m)
    labels.update(
        {
            "previous_total": f"Tổng điểm {formatting.period_label(r.previous_period)}",
            "change": "Thay đổi",
            "kind": "Mã cảnh báo",
            "kind_label": "Cảnh báo",
            "detail": "Chi tiết",
            "group": "Mã nhóm",
            "group_name": "Nhóm",
            "metric": "Mã chỉ số",
            "metric_name": "Chỉ số",
            "numerator": "Tử số",
            "denominator": "Mẫu số",
            "ratio": "Tỷ lệ",
            "no_data": "Không phát sinh",
            "score": "Điểm",
            "max_score": "Điểm tối đa",
        }
    )
    names = {
        "ranking": "Xếp hạng",
        "alerts": "Cảnh báo",
        "metrics": "Chỉ số",
        "trend": "Xu hướng",
        "gap": "Khoảng cách",
    }
    sheets = {names.get(key, key): sheet_frame(frame, labels) for key, frame in tables.items()}
    score_labels = [labels[k] for k in m.group_keys] + [
        labels["total"],
        labels["previous_total"],
        labels["change"],
        labels["score"],
        labels["max_score"],
    ]
    formats = dict.fromkeys(score_labels, "0.00")
    formats[labels["ratio"]] = "0.00%"
    return sheets, formats


def write_artifacts(
    r: MonthlyReport, folder: str | Path | None, *, letter: bool = True
) -> list[Path]:
    """Write the report's figures (PNG), tables (CSV, one XLSX) and ``summary.json``.

    Nothing is written when ``folder`` is None (an interactive run). Same inputs, same bytes.
    With ``letter``, the draft letter (:func:`draft_letter`) is written too when the folder has
    none (an existing letter may have been edited and is never replaced).

    Returns
    -------
    list of Path
        The files written, in order.
    """
    if folder is None:
        return []
    folder = Path(folder)
    written: list[Path] = []

    def put(relative: str, data: bytes) -> None:
        written.append(write_atomic(folder / relative, lambda p: p.write_bytes(data)))

    for key, png in r.figures.items():
        put(f"{FIGURES_DIR}/{key}.png", png)
    tables = report_tables(r)
    for key, frame in tables.items():
        put(f"{TABLES_DIR}/{key}.csv", csv_bytes(frame))
    sheets, formats = _vietnamese_sheets(r, tables)
    put(f"{TABLES_DIR}/{XLSX_NAME}", xlsx_bytes(sheets, number_formats=formats))
    put(SUMMARY, json_bytes(r.summary()))
    if letter and not letter_files(folder):
        written.extend(draft_letter(r, folder))
    return written


def letter_files(folder: str | Path) -> list[Path]:
    """The letter files (``cong-van.*``) in a folder."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(f"{LETTER_PREFIX}.*") if p.is_file())


def draft_letter(r: MonthlyReport, folder: str | Path) -> list[Path]:
    """Write the draft letter of the report's scope and month (:mod:`mkbidx.reports.letter`).

    Returns the files written; none when the letter cannot be drafted for this scope (the
    reason is added to the report's notes, the report itself does not fail).
    """
    try:
        from mkbidx.reports import letter
    except ImportError:  # pragma: no cover - letter module missing
        return []
    try:
        facts = letter.letter_facts(
            r.evaluation, period=r.period, scope=r.scope, methodology=r.methodology
        )
        return list(letter.write_letter(facts, folder))
    except MkbidxError as exc:
        r.notes = (*r.notes, f"Chưa soạn được dự thảo công văn: {exc}")
        return []


# =============================================================================== HTML export
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
    import copy

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
    return _export_node(nb, html_path, title=title, methodology=methodology)


def _export_node(nb: Any, html_path: str | Path, *, title: str, methodology: str = "") -> Path:
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


def _warm_exporter(**_hook_arguments: Any) -> None:
    """Make the HTML exporter and export a small notebook with it in a background thread (run
    when the kernel starts on the notebook: the export then costs only the report's own
    conversion)."""
    import threading

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


# =============================================================================== runner
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


def has_report(folder: str | Path) -> bool:
    """Whether ``folder`` holds a report (a folder with only a letter does not)."""
    folder = Path(folder)
    return any((folder / name).exists() for name in REPORT_FILES)


class _Kernel:
    """A Jupyter kernel (:data:`KERNEL_NAME`, in an empty temporary folder) for one notebook run.

    It starts as soon as it is made: the kernel boots on the other core while the caller
    prepares the run (papermill is imported only then). :func:`_execute` runs the notebook in
    it; :meth:`shutdown` (also on leaving a ``with`` block) stops it and closes the clients'
    channels. Raises :class:`MkbidxError` when the kernel is not installed.
    """

    def __init__(self) -> None:
        from jupyter_client.kernelspec import NoSuchKernel
        from jupyter_core.utils import run_sync

        self._folder = tempfile.TemporaryDirectory(prefix="mkbidx-run-")
        self.manager = _kernel_manager_class()(kernel_name=KERNEL_NAME)
        try:
            run_sync(self.manager.start_kernel)(
                extra_arguments=list(KERNEL_ARGUMENTS), cwd=self._folder.name
            )
        except NoSuchKernel:
            self._folder.cleanup()
            raise MkbidxError(
                f"không có kernel Jupyter '{KERNEL_NAME}' (no such kernel)",
                expected="chạy make (cài kernel: python -m ipykernel install --sys-prefix "
                "--name python3)",
            ) from None
        except BaseException:
            self._folder.cleanup()
            raise
        self._running = True

    def shutdown(self) -> None:
        """Stop the kernel at once (the notebook is in memory: no graceful wait); idempotent."""
        from jupyter_core.utils import run_sync

        if not getattr(self, "_running", False):
            return
        self._running = False
        try:
            for client in self.manager.clients:
                client.stop_channels()
            process = getattr(self.manager.provisioner, "process", None)
            if process is not None and process.poll() is None:
                # Killed and reaped here: jupyter_client would poll for the end every 0.1 s.
                run_sync(self.manager.provisioner.kill)()  # the kernel's process group
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=5)
            run_sync(self.manager.shutdown_kernel)(now=True)
        finally:
            self._folder.cleanup()

    def __enter__(self) -> _Kernel:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.shutdown()


@functools.cache
def _kernel_manager_class():
    """jupyter_client's kernel manager, remembering the clients made for it (papermill given a
    started kernel leaves closing their channels to the owner)."""
    from jupyter_client.manager import AsyncKernelManager

    class KernelManager(AsyncKernelManager):
        @property
        def clients(self) -> list[Any]:
            return self.__dict__.setdefault("_mkbidx_clients", [])

        def client(self, **kwargs: Any) -> Any:
            made = super().client(**kwargs)
            self.clients.append(made)
            return made

    return KernelManager


def _execute(
    template: Path, output: Path, parameters: Mapping[str, Any], *, kernel: _Kernel | None = None
) -> Any:
    """Run a template with papermill into ``output``; returns the executed notebook.

    ``kernel``: a kernel started beforehand (:class:`_Kernel`), used once and shut down here;
    None: one is started now. While the kernel works, the HTML exporter warms up in a thread
    (:func:`_warm_exporter`).
    """
    kernel = _Kernel() if kernel is None else kernel
    try:
        import papermill as pm
        from papermill.exceptions import PapermillExecutionError

        try:
            return pm.execute_notebook(
                str(template),
                str(output),
                parameters=dict(parameters),
                kernel_name=KERNEL_NAME,
                km=kernel.manager,
                progress_bar=False,
                log_output=False,
                request_save_on_cell_execute=False,  # one write at the end, not one per cell
                on_notebook_start=_warm_exporter,
            )
        except PapermillExecutionError as exc:
            if exc.ename == "MkbidxError":
                raise MkbidxError(str(exc.evalue)) from None
            raise
    finally:
        kernel.shutdown()


def _remove_empty_dirs(path: Path, stop: Path) -> None:
    """Remove ``path`` and its parents up to (not including) ``stop`` while they are empty."""
    path, stop = path.resolve(), stop.resolve()
    while path != stop and stop in path.parents:
        try:
            path.rmdir()
        except OSError:
            return
        path = path.parent


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
) -> ReportResult:
    """Make the monthly report of ``scope`` for ``period`` in ``<output_root>/<period>/<scope>/``.

    Runs the template with papermill (kernel :data:`KERNEL_NAME`, a temporary working folder),
    exports ``report.html`` (:func:`export_html`) and writes ``manifest.json``. The folder is
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
        The notebook to run; default ``notebooks/monthly_report.ipynb``.
    update_index
        Rewrite ``<output_root>/index.html`` afterwards.

    Raises
    ------
    MkbidxError
        Bad parameters, an existing report without ``force``, no data for the month or scope.
    """
    params = validate_parameters(
        period=period, scope=scope, data_path=data_path, methodology=methodology
    )
    root = Path(output_root) if output_root is not None else DEFAULT_OUTPUT
    target = root / params.period / params.scope
    if has_report(target) and not force:
        raise MkbidxError(
            "báo cáo đã tồn tại, không ghi đè (output exists)",
            file=target,
            expected="dùng --force để tạo lại",
        )
    template = Path(template) if template is not None else MONTHLY_TEMPLATE
    existed = target.parent.exists()
    root.mkdir(parents=True, exist_ok=True)
    try:
        with _Kernel() as kernel, atomic_folder(target, force=True) as staging:
            letter_state = None
            for old in letter_files(target):
                shutil.copy2(old, staging / old.name)
                letter_state = "kept"
            run_params = {**params.as_dict(), "output_dir": str(staging)}
            run_params["methodology"] = params.methodology or ""
            nb = _execute(template, staging / REPORT_NOTEBOOK, run_params, kernel=kernel)
            summary = json.loads((staging / SUMMARY).read_text("utf-8"))
            if letter_state is None and letter_files(staging):
                letter_state = "drafted"
            _export_node(
                nb,
                staging / REPORT_HTML,
                title=summary["title"],
                methodology=summary["methodology"],
            )
            _write_manifest(staging, params, summary, template, letter_state)
    except BaseException:
        if not existed:
            _remove_empty_dirs(target.parent, root)
        raise
    if update_index:
        write_index(root)
    return ReportResult(params.period, params.scope, target, summary)


def _write_manifest(
    folder: Path,
    params: ReportParameters,
    summary: Mapping[str, Any],
    template: Path,
    letter_state: str | None,
) -> Path:
    from mkbidx import methodology as _methodology

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
    manifest = {
        "mkbidx_version": __version__,
        "methodology": {"id": m.id, "title": m.title, "effective_from": m.effective_from},
        "parameters": {
            "period": params.period,
            "scope": params.scope,
            "data_path": str(params.data_path),
            "methodology": params.methodology or m.id,
        },
        "template": {"path": shown_template, "sha256": sha256_file(template)},
        "kernel": KERNEL_NAME,
        "inputs": list(summary.get("inputs", [])),
        "letter": letter_state,
        "outputs": outputs,
    }
    return write_atomic(folder / MANIFEST, lambda p: p.write_bytes(json_bytes(manifest)))


def report_periods(
    scope: str, *, data_path: str | Path | None = None, methodology: str | None = None
) -> list[str]:
    """The months of the data in which the scope has units with data (for ``--all``)."""
    data = Path(data_path) if data_path not in (None, "") else DEFAULT_DATA
    inputs = load_inputs(data, methodology=methodology)
    periods = scope_periods(inputs, scope)
    if not periods:
        raise MkbidxError(
            f"không có tháng nào có số liệu của các đơn vị thuộc '{scope}' (empty scope)",
            file=data,
            column="scope",
        )
    return periods


def _run_one(period: str, scope: str, options: dict[str, Any]) -> tuple[str, str | None]:
    """Worker of :func:`run_all`: (period, None) on success, (period, message) on failure."""
    try:
        run_report(period, scope, update_index=False, **options)
    except MkbidxError as exc:
        return period, str(exc)
    return period, None


@dataclass(frozen=True)
class BatchResult:
    """What :func:`run_all` did: months made, skipped (existing), failed (with the reason)."""

    scope: str
    made: tuple[str, ...]
    skipped: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]
    index: Path


def run_all(
    scope: str,
    *,
    data_path: str | Path | None = None,
    output_root: str | Path | None = None,
    methodology: str | None = None,
    force: bool = False,
    workers: int | None = None,
    progress: bool = True,
) -> BatchResult:
    """Make the report of every month of the data for ``scope``, then ``index.html``.

    Months run in parallel in ``min(2, CPUs)`` processes (a tqdm bar shows progress). Months
    that already have a report are skipped unless ``force``; a month that fails does not stop
    the others (see :attr:`BatchResult.failed`).
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from tqdm import tqdm

    validate_parameters(period="2000-01", scope=scope, data_path=data_path, methodology=methodology)
    root = Path(output_root) if output_root is not None else DEFAULT_OUTPUT
    periods = report_periods(scope, data_path=data_path, methodology=methodology)
    skipped = [] if force else [p for p in periods if has_report(root / p / scope)]
    todo = [p for p in periods if p not in skipped]
    options = {
        "data_path": data_path,
        "output_root": root,
        "methodology": methodology,
        "force": force,
    }
    n = max(1, min(workers or MAX_WORKERS, os.cpu_count() or 1))
    failed: list[tuple[str, str]] = []
    made: list[str] = []
    if todo:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=n, mp_context=context) as pool:
            futures = [pool.submit(_run_one, p, scope, options) for p in todo]
            bar = tqdm(
                as_completed(futures),
                total=len(futures),
                desc=f"Báo cáo {scope}",
                unit="tháng",
                disable=not progress,
            )
            for future in bar:
                period, error = future.result()
                if error is None:
                    made.append(period)
                else:
                    failed.append((period, error))
    index = write_index(root)
    return BatchResult(scope, tuple(sorted(made)), tuple(skipped), tuple(sorted(failed)), index)


def write_index(output_root: str | Path) -> Path:
    """Write ``<output_root>/index.html``: every report found there, by scope and month.

    Self-contained (inline CSS, relative links) and escaped; built from each report's
    ``summary.json``.
    """

    from mkbidx.present import formatting

    root = Path(output_root)
    scopes: dict[str, dict[str, Any]] = {}
    for summary_path in sorted(root.glob(f"*/*/{SUMMARY}"), reverse=True):
        folder = summary_path.parent
        period, scope = folder.parent.name, folder.name
        if not PERIOD_FOLDER.fullmatch(period) or not SCOPE_PATTERN.fullmatch(scope):
            continue
        if not (folder / REPORT_HTML).is_file():
            continue
        try:
            s = json.loads(summary_path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        entry = scopes.setdefault(
            scope, {"code": scope, "name": s.get("scope_name") or scope, "rows": []}
        )
        letter = folder / LETTER_HTML
        entry["rows"].append(
            {
                "label": formatting.period_label(period),
                "total": formatting.score(s.get("total")),
                "rank": formatting.rank_label(s.get("rank"), s.get("rank_of")),
                "band": s.get("band") or formatting.MISSING,
                "href": f"{period}/{scope}/{REPORT_HTML}",
                "letter": f"{period}/{scope}/{LETTER_HTML}" if letter.is_file() else None,
            }
        )
    page = html.index_page([scopes[k] for k in sorted(scopes)], version=__version__)
    return write_atomic(root / INDEX_HTML, lambda p: p.write_text(page, encoding="utf-8"))


def describe(result: ReportResult) -> str:
    """What ``mkbidx report`` prints: where the report is and the ranking, in Vietnamese."""
    from mkbidx.present import formatting

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


def describe_batch(batch: BatchResult) -> str:
    """What ``mkbidx report --all`` prints: how many months were made, skipped, failed."""
    from mkbidx.present import formatting

    lines = [f"Đã tạo {len(batch.made)} báo cáo tháng của {batch.scope}."]
    if batch.skipped:
        lines.append(
            f"Bỏ qua {len(batch.skipped)} tháng đã có báo cáo (dùng --force để tạo lại): "
            + _short_list(formatting.period_label(p) for p in batch.skipped)
        )
    for period, error in batch.failed:
        lines.append(f"Lỗi {formatting.period_label(period)}: {error}")
    lines.append(f"Mục lục: {batch.index}")
    return "\n".join(lines)


# =============================================================================== explorer
def unit_view(
    ev: Evaluation,
    *,
    unit: str,
    period: str,
    group: str,
    methodology: Methodology,
) -> list[Any]:
    """What the explorer shows for a unit, month and group: headline, group profile, the
    group's metrics, the unit's trend (the same pieces the report is made of)."""
    from mkbidx.present import formatting, plots

    m = methodology
    rows = ev.table[(ev.table["unit_code"] == unit) & (ev.table["period"] == period)]
    label = formatting.period_label(period)
    if rows.empty:
        return [paragraphs_html([f"Đơn vị {unit} không có số liệu {label}."])]
    row = rows.iloc[0].to_dict()
    peers = _peers_phrase(ev.table, row)
    head = (
        f"{row['unit_name']}, {label}: {formatting.score_of_max(row['total'], m.total_max)} "
        f"điểm, {formatting.rank_phrase(row['rank'], row['rank_of'], peers)} ({row['band']})."
    )
    parts: list[Any] = [paragraphs_html([head])]
    profile = render_png(
        lambda: plots.plot_group_profile({k: row.get(k) for k in m.group_keys}, methodology=m),
        title=f"{row['unit_name']}: điểm sáu nhóm chỉ số, {label}",
    )
    parts.append(figure_html(profile, alt="Điểm sáu nhóm chỉ số so với điểm tối đa", caption=label))
    g = m.group(group)
    ms = ev.metrics[
        (ev.metrics["unit_code"] == unit)
        & (ev.metrics["period"] == period)
        & (ev.metrics["group"] == group)
        & (ev.metrics["max_score"] > 0)
    ].merge(m.metrics_frame()[["metric", "metric_name", "metric_order"]], on="metric")
    ms = ms.sort_values("metric_order")[
        ["metric_name", "numerator", "denominator", "ratio", "score", "max_score"]
    ]
    parts.append(paragraphs_html([f"Nhóm “{g.name}” (tối đa {formatting.points(g.max)}):"]))
    table = formatting.styled_table(
        ms,
        score_columns=["score", "max_score"],
        int_columns=["numerator", "denominator"],
        percent_columns=["ratio"],
        labels={
            "metric_name": "Chỉ số",
            "numerator": "Tử số",
            "denominator": "Mẫu số",
            "ratio": "Tỷ lệ",
            "score": "Điểm",
            "max_score": "Tối đa",
        },
    )
    numbers = ["numerator", "denominator", "ratio", "score", "max_score"]
    parts.append(_right_aligned(table, numbers).set_uuid("metrics"))
    series = ev.table[ev.table["unit_code"] == unit][
        ["period", "unit_code", "unit_name", "total"]
    ].sort_values("period")
    if len(series) > 1:
        trend = render_png(
            lambda: plots.plot_total_trend(series, methodology=m, ax=_wide_axes()),
            title=f"{row['unit_name']}: tổng điểm theo tháng",
        )
        parts.append(figure_html(trend, alt="Tổng điểm theo tháng", caption=""))
    return parts


class Explorer:
    """Dropdowns (unit, month, group) wired to :func:`unit_view` (``notebooks/explore.ipynb``).

    ``widget`` is the ipywidgets box to display; :meth:`select` changes the selection as a user
    would (the view is redrawn by the same callback).
    """

    def __init__(
        self,
        inputs: Inputs,
        *,
        period: str | None = None,
        unit: str | None = None,
        group: str | None = None,
    ) -> None:
        import ipywidgets as widgets

        from mkbidx.present import formatting

        self.inputs = inputs
        self.methodology = m = inputs.methodology
        months = [p for p in data_periods(inputs) if formatting.period_kind(p) == "month"]
        if not months:
            raise MkbidxError("dữ liệu không có tháng nào (no monthly data)")
        self.evaluation = evaluate_periods(inputs, months)
        table = self.evaluation.table
        units = table.drop_duplicates("unit_code", keep="last")
        unit_options = [
            (f"{n} ({c})", c) for c, n in zip(units["unit_code"], units["unit_name"], strict=True)
        ]
        period = period if period in months else months[-1]
        codes = [c for _, c in unit_options]
        if unit is not None and unit not in codes:
            raise MkbidxError(
                f"không có đơn vị '{unit}' trong dữ liệu (unknown unit)",
                column="unit",
                expected="mã một đơn vị có số liệu, vd. " + _short_list(codes),
            )
        if group is not None and group not in m.group_keys:
            raise MkbidxError(
                f"không có nhóm chỉ số '{group}' (unknown group)",
                column="group",
                expected="một trong " + ", ".join(m.group_keys),
            )
        unit = unit or codes[0]
        group = group or m.group_keys[0]
        self.unit = widgets.Dropdown(options=unit_options, value=unit, description="Đơn vị")
        self.period = widgets.Dropdown(
            options=[(formatting.period_label(p), p) for p in reversed(months)],
            value=period,
            description="Tháng",
        )
        self.group = widgets.Dropdown(
            options=[(g.name, g.key) for g in m.groups], value=group, description="Nhóm"
        )
        self.output = widgets.Output()
        for control in (self.unit, self.period, self.group):
            control.observe(self._redraw, names="value")
        self.widget = widgets.VBox(
            [widgets.HBox([self.unit, self.period, self.group]), self.output]
        )
        self.renders = 0
        self._redraw()

    def view(self) -> list[Any]:
        """The pieces shown for the current selection."""
        return unit_view(
            self.evaluation,
            unit=self.unit.value,
            period=self.period.value,
            group=self.group.value,
            methodology=self.methodology,
        )

    def _redraw(self, _change: Any = None) -> None:
        from IPython.display import display

        parts = self.view()
        self.output.clear_output(wait=True)
        with self.output:
            display(*parts)
        self.renders += 1

    def select(
        self, *, unit: str | None = None, period: str | None = None, group: str | None = None
    ) -> Explorer:
        """Change the selection (as the dropdowns would) and return self."""
        if unit is not None:
            self.unit.value = unit
        if period is not None:
            self.period.value = period
        if group is not None:
            self.group.value = group
        return self

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def explorer(params: ReportParameters, *, group: str | None = None) -> Explorer:
    """The interactive explorer for validated parameters (period and scope preselect a month
    and a unit)."""
    inputs = load_inputs(params.data_path, methodology=params.methodology)
    return Explorer(inputs, period=params.period, unit=params.scope, group=group)
