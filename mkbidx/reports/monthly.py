"""The monthly report's content: what ``notebooks/reports/monthly_report.ipynb`` displays.

:func:`monthly_context` reads the data of a scope (a district, a province) and returns a
:class:`MonthlyReport` with every frame, figure and text the notebook shows: the headline
("88,23/100 điểm, xếp hạng 1/9"), the ranking chart, the group heatmap, the table of units, the
alerts, the scope's group profile and 12-month trend, the gap to the target and the link to the
letter. The notebook only calls it and displays the parts.

The files (figures, tables, summary, the draft letter) are written by
:mod:`mkbidx.run.artifacts`; the notebook is run, exported and published by
:mod:`mkbidx.run.runner`. The letter (``cong-van.docx``/``cong-van.html``) lives in the same
folder, and a report run never deletes it (see :mod:`mkbidx.run.runner`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mkbidx import __version__
from mkbidx import periods as _periods
from mkbidx.core import alerts, ranking
from mkbidx.core.alerts import DROP_ALERT_POINTS
from mkbidx.errors import MkbidxError
from mkbidx.inputs.loading import InputFile, Inputs, data_periods, load_inputs
from mkbidx.methodology import Methodology
from mkbidx.paths import LETTER_DOCX, LETTER_HTML
from mkbidx.present import alerts as alert_text
from mkbidx.present import formatting, html, plots
from mkbidx.present.html import Html, figure_html, paragraphs_html, render
from mkbidx.reports.common import (
    Drawing,
    gap_plan,
    has_counts,
    peers_phrase,
    right_aligned,
    scope_label,
    sheet_frame,
    with_official_children,
)

TREND_MONTHS = 12
"""Months shown in the scope's trend, the report month included."""


# =============================================================================== atomic writes
# =============================================================================== parameters


# =============================================================================== inputs


# =============================================================================== HTML snippets
# =============================================================================== figures


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
        unit_code, unit_name, rank, kind (one of :data:`mkbidx.core.alerts.ALERT_KINDS`),
        kind_label, detail.
    metrics
        Metric scores of the units in the month (with metric and group names).
    trend
        The scope's totals over the last :data:`TREND_MONTHS` months: period, unit_code,
        unit_name, total, rank, rank_of, band, change.
    gap
        Per unit below the target, the actions that would reach it (:mod:`mkbidx.core.gap`), or
        None when that module is not available.
    figures
        PNG bytes: ``ranking``, ``heatmap``, ``profile``, ``trend``; drawn on first use
        (:class:`~mkbidx.reports.common.Drawing`), as ``figure_text``, their alternative
        texts and captions.
    counts_note
        Empty, or why the metric-level parts are missing (a table of published group scores
        has no counts): shown with the alerts.
    warnings
        Notes on the month's data a reader must not miss (unit codes not in the registry,
        fractional counts, numerators above denominators); ``mkbidx report`` prints them.
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
    figures: Mapping[str, bytes]
    figure_text: Mapping[str, tuple[str, str]]
    methodology: Methodology
    inputs: tuple[InputFile, ...] = ()
    notes: tuple[str, ...] = ()
    output_dir: Path | None = None
    data_path: Path | None = None
    headline_text: str = ""
    change_text: str = ""
    units_text: str = ""
    evaluation: Any = None
    counts_note: str = ""
    warnings: tuple[str, ...] = ()
    dossiers: Any = None
    """The section "Hồ sơ làm giảm điểm" (:class:`mkbidx.reports.dossiers.DossierSection`) when
    the report was made with a dossier table, else None."""

    # ------------------------------------------------------------------ texts
    @property
    def period_label(self) -> str:
        return formatting.period_label(self.period)

    @property
    def title(self) -> str:
        """``"Bộ chỉ số 766: Huyện Mường Khương, tháng 8/2024"``."""
        return f"Bộ chỉ số 766: {self.scope_name}, {self.period_label}"

    @property
    def headline(self) -> Html:
        """Title, total and rank among the peers, change from last month, units above 80 (and
        "SỐ LIỆU TẠM TÍNH" when the month was fetched before it ended)."""
        from mkbidx.inputs.snapshot import PROVISIONAL_MARK, is_provisional

        band = self.scope_row.get("band") if self.scope_row else None
        return render(
            "monthly-headline",
            provisional=PROVISIONAL_MARK if is_provisional(self.notes, self.period) else None,
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
        styler = right_aligned(styler, [*m.group_keys, "total", "rank", "change"])
        return styler.set_uuid("ranking")

    @property
    def alerts_view(self):
        """The alerts as a Styler (unit, kind, detail) or a sentence when there is none."""
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
        """One sentence: how many alerts, for how many units (and which alerts cannot be found
        without counts)."""
        extra = [self.counts_note] if self.counts_note else []
        if self.alerts.empty:
            return paragraphs_html(extra)
        n_units = self.alerts["unit_code"].nunique()
        return paragraphs_html([f"{len(self.alerts)} cảnh báo ở {n_units} đơn vị.", *extra])

    @property
    def trend_view(self):
        """The scope's last months: total, rank, band, change (Styler)."""
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
        return right_aligned(styler, ["total", "rank_text", "change"]).set_uuid("trend")

    @property
    def gap_view(self) -> Html:
        """What each unit below the target needs (from :mod:`mkbidx.core.gap`), or a note."""
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
        styler = right_aligned(styler, ["total", "score_after"])
        return Html(intro + styler.set_uuid("gap").to_html())

    @property
    def dossiers_view(self) -> Html | None:
        """The section "Hồ sơ làm giảm điểm" (None without a dossier table: nothing shown)."""
        return self.dossiers.view if self.dossiers is not None else None

    @property
    def letter_link(self) -> Html:
        """A relative link to the draft letter in the same folder, when it exists."""
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
        """JSON-ready summary: headline, scope total and rank, the ranking, the input files (and
        the warnings, when there are some)."""
        row = self.scope_row or {}
        warnings = {"warnings": list(self.warnings)} if self.warnings else {}
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
            "provisional": _provisional(self.notes, self.period),
            "inputs": [f.__dict__ for f in self.inputs],
            **warnings,
            **self._dossier_summary(),
        }

    def _dossier_summary(self) -> dict[str, Any]:
        if self.dossiers is None:
            return {}
        d = self.dossiers
        return {
            "dossiers": {
                "source": d.source_line,
                "units": [{"unit_code": u["code"], "costly": u["count"]} for u in d.units],
            }
        }


def _provisional(notes: tuple[str, ...], period: str) -> bool:
    """Whether the month was read from a fetch made before it ended (the readers' note)."""
    from mkbidx.inputs.snapshot import is_provisional

    return is_provisional(notes, period)


def _json_number(x: Any) -> float | None:
    return None if x is None or pd.isna(x) else round(float(x), 2)


def _json_int(x: Any) -> int | None:
    return None if x is None or pd.isna(x) else int(x)


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
    dossiers: str | Path | None = None,
    procedures: str | Path | None = None,
    provisional: bool = False,
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
    dossiers, procedures, provisional
        A dossier table (and its procedures side table): the counts it derives replace the
        portal's for its units in the report's months, and the section "Hồ sơ làm giảm điểm"
        lists the dossiers that cost points (:mod:`mkbidx.reports.dossiers`); ``provisional``
        counts a running month as of the table's latest time.

    Returns
    -------
    MonthlyReport

    Raises
    ------
    MkbidxError
        No data for the month, or no unit under the scope in that month.
    """
    window = None
    if dossiers not in (None, ""):
        window = _periods.month_range(_periods.shift_month(period, 1 - TREND_MONTHS), period)
    inputs = load_inputs(
        data_path,
        methodology=methodology,
        dossiers=dossiers or None,
        procedures=procedures or None,
        periods=window,
        provisional=provisional,
    )
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
    m = inputs.methodology
    available = data_periods(inputs)
    if period not in available:
        raise MkbidxError(
            f"không có số liệu kỳ {period} (missing period)",
            file=inputs.data_path,
            column="period",
            expected="một kỳ có trong dữ liệu: " + formatting.short_list(available),
        )
    previous = _periods.previous_period(period)
    window = _periods.month_range(_periods.shift_month(period, 1 - TREND_MONTHS), period)
    window = [p for p in window if p in set(available)]
    ev = ranking.evaluate_periods(inputs, window)
    table = ranking.scope_table(ev.table, period=period, scope=scope)
    if table.empty:
        raise MkbidxError(
            f"không có đơn vị nào trực thuộc '{scope}' trong kỳ {period} (empty scope)",
            column="scope",
            expected="mã đơn vị cha, vd. "
            + formatting.short_list(_available_scopes(ev.table, period)),
        )
    scope_name, scope_level = scope_label(inputs, scope, period)
    table = _with_change(table, ranking.scope_table(ev.table, period=previous, scope=scope))

    own = ev.table[(ev.table["unit_code"] == scope) & (ev.table["period"] == period)]
    scope_row = own.iloc[0].to_dict() if len(own) else None
    if scope_row is not None and scope_level is None:
        scope_level = scope_row.get("level")
    peers = peers_phrase(ev.table, scope_row)

    trend = ev.table[ev.table["unit_code"] == scope][
        ["period", "unit_code", "unit_name", "total", "rank", "rank_of", "band"]
    ].sort_values("period")
    trend = trend.assign(total=trend["total"].astype(float))
    trend["change"] = _change(trend["total"], trend["total"].shift(1))
    trend = trend.reset_index(drop=True)

    metrics = _metrics_frame(ev.metrics, table, period, m)
    found = alerts.find_alerts(
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
    alert_rows = alert_text.alert_table(found, methodology=m, period=period, drop_alert=drop_alert)
    gap_plan_, gap_note = _gap(inputs, table, period=period, methodology=m)
    counts_note = (
        ""
        if has_counts(inputs, period, table["unit_code"])
        else alert_text.published_only_note(
            "điểm từng chỉ số và cảnh báo theo chỉ số (chỉ số bằng 0)"
        )
    )
    warnings = _data_warnings(inputs, period, scope)
    # only the files of the report's months and their notes; the readers note fractional counts
    # and numerators above their denominators themselves (with the file, unit and column)
    files, read_notes = inputs.sources(window)
    notes = (*read_notes, *_data_warnings(inputs, period, scope, counts=False))
    section = None
    if inputs.dossier_source is not None:
        from mkbidx.reports.dossiers import dossier_section

        section = dossier_section(inputs, table, period=period, methodology=m)
        files = (*files, inputs.dossier_source.file)
        notes = (section.source_line, *notes)

    report = MonthlyReport(
        period=period,
        previous_period=previous,
        scope=scope,
        scope_name=scope_name,
        scope_level=scope_level,
        scope_row=scope_row,
        peers_phrase=peers,
        table=table,
        alerts=alert_rows,
        metrics=metrics,
        trend=trend,
        gap=gap_plan_,
        gap_note=gap_note,
        figures={},
        figure_text={},
        methodology=m,
        inputs=files,
        notes=notes,
        output_dir=Path(output_dir) if output_dir not in (None, "") else None,
        data_path=inputs.data_path,
        evaluation=ev,
        counts_note=counts_note,
        warnings=warnings,
        dossiers=section,
    )
    report.headline_text, report.change_text, report.units_text = _headline_texts(report)
    html.warm()  # compiled in the background (the notebook's first display needs it)
    drawing = Drawing(lambda figures, texts: _draw_figures(report, figures, texts))
    report.figures, report.figure_text = drawing.figures, drawing.texts
    return report


def _data_warnings(
    inputs: Inputs, period: str, scope: str, *, counts: bool = True
) -> tuple[str, ...]:
    """Unit codes of the month no scope holds, the scope's official units without data and
    (with ``counts``) fractional counts and numerators above their denominators
    (:mod:`mkbidx.present.alerts`)."""
    ds = inputs.dataset
    unplaced = alert_text.unplaced_units_note(
        ds.counts, ds.published_groups, inputs.units, period=period
    )
    absent = alert_text.absent_units_note(
        ds.counts,
        ds.published_groups,
        with_official_children(inputs.units, period, scope),
        period=period,
        scope=scope,
    )
    odd = alert_text.count_notes(ds.counts, period=period) if counts else []
    return (*(n for n in (unplaced, absent) if n), *odd)


def _change(current: pd.Series, previous: pd.Series) -> pd.Series:
    """Current minus previous total, to 2 decimals (NaN without a previous total)."""
    return (current.astype(float) - previous.astype(float)).round(2)


def _with_change(table: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    before = previous.set_index("unit_code")["total"] if len(previous) else pd.Series(dtype=float)
    out = table.copy()
    out["previous_total"] = out["unit_code"].map(before).astype(float)
    out["change"] = _change(out["total"], out["previous_total"])
    return out


def _headline_texts(r: MonthlyReport) -> tuple[str, str, str]:
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


def _gap(
    inputs: Inputs, table: pd.DataFrame, *, period: str, methodology: Methodology
) -> tuple[pd.DataFrame | None, str]:
    """Per unit below the target, the actions that reach it
    (:func:`mkbidx.present.gap_text.gap_table`)."""
    top = methodology.bands[0]
    below = table[table["total"].round(methodology.rank_decimals) < top.min]
    if below.empty:
        return None, f"Mọi đơn vị đều đạt từ {formatting.points(top.min)}."
    if not has_counts(inputs, period, below["unit_code"]):
        names = formatting.name_list(list(below["unit_name"].astype(str)))
        return None, (
            f"{len(below)} đơn vị dưới {formatting.points(top.min)}: {names}. "
            + alert_text.published_only_note(
                f"số hồ sơ, TTHC cần thêm để đạt {formatting.points(top.min)}"
            )
        )
    plan = gap_plan(inputs, below["unit_code"], period=period, methodology=methodology)
    note = (
        f"{len(below)} đơn vị dưới {formatting.points(top.min)}: các việc cần làm để đạt "
        f"{formatting.points(top.min)} (ít hồ sơ nhất, theo thứ tự thực hiện; tổng điểm sau "
        "mỗi việc tính lại theo phương pháp)."
    )
    return plan, note


def _draw_figures(
    r: MonthlyReport, figures: dict[str, bytes], texts: dict[str, tuple[str, str]]
) -> None:
    """Draw the report's figures (PNG bytes) and set their alternative texts and captions (the
    report's :class:`~mkbidx.reports.common.Drawing`, on first use)."""
    figures.update(
        _figure_pngs(r.table, r.trend, r.scope_row, r.scope_name, r.period, r.methodology)
    )
    texts.update(_figure_texts(r))


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
    label = formatting.period_label(period)
    kinds = formatting.unit_kind_phrase(list(table["unit_name"].astype(str)))
    draws: dict[str, Callable[[], Any]] = {
        "ranking": lambda: plots.plot_ranking(
            table, methodology=m, title=f"Tổng điểm các {kinds} thuộc {scope_name}, {label}"
        ),
        "heatmap": lambda: plots.plot_group_heatmap(
            table,
            methodology=m,
            title=f"Tỷ lệ điểm đạt so với điểm tối đa của từng nhóm, {label}",
        ),
    }
    if scope_row is not None:
        draws["profile"] = lambda: plots.plot_group_profile(
            {k: scope_row.get(k) for k in m.group_keys},
            methodology=m,
            title=f"{scope_name}: điểm sáu nhóm chỉ số, {label}",
        )
    if not trend.empty:
        first = formatting.period_label(trend["period"].iloc[0])
        draws["trend"] = lambda: plots.plot_total_trend(
            trend, methodology=m, title=f"{scope_name}: tổng điểm từ {first} đến {label}"
        )
    return {key: plots.render_png(draw) for key, draw in draws.items()}


def _figure_texts(r: MonthlyReport) -> dict[str, tuple[str, str]]:
    """(alternative text, caption) of each figure :func:`_figure_pngs` draws."""
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
    if r.counts_note:  # published group scores only: no metric scores to tabulate
        del tables["metrics"]
    if r.gap is not None:
        tables["gap"] = r.gap
    if r.dossiers is not None:
        tables["dossiers"] = r.dossiers.table()
    return tables


def vietnamese_sheets(r: MonthlyReport, tables: Mapping[str, pd.DataFrame]):
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
        "dossiers": "Hồ sơ làm giảm điểm",
    }
    if "dossiers" in tables:
        from mkbidx.present.dossier_text import LABELS

        labels.update({k: v for k, v in LABELS.items() if k not in labels})
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


# =============================================================================== HTML export


# =============================================================================== runner


# =============================================================================== explorer
