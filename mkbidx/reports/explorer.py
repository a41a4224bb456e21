"""The interactive explorer (``notebooks/explore/explore.ipynb``): unit, month and group
dropdowns wired to the same pieces the monthly report is made of.
"""

from __future__ import annotations

from typing import Any

from mkbidx import periods as _periods
from mkbidx.core.ranking import Evaluation, evaluate_periods
from mkbidx.errors import MkbidxError
from mkbidx.inputs.loading import Inputs, data_periods, load_inputs
from mkbidx.methodology import Methodology
from mkbidx.present import formatting, plots
from mkbidx.present.html import figure_html, paragraphs_html
from mkbidx.reports.common import peers_phrase, right_aligned
from mkbidx.reports.params import ReportParameters


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
    m = methodology
    rows = ev.table[(ev.table["unit_code"] == unit) & (ev.table["period"] == period)]
    label = formatting.period_label(period)
    if rows.empty:
        return [paragraphs_html([f"Đơn vị {unit} không có số liệu {label}."])]
    row = rows.iloc[0].to_dict()
    peers = peers_phrase(ev.table, row)
    head = (
        f"{row['unit_name']}, {label}: {formatting.score_of_max(row['total'], m.total_max)} "
        f"điểm, {formatting.rank_phrase(row['rank'], row['rank_of'], peers)} ({row['band']})."
    )
    parts: list[Any] = [paragraphs_html([head])]
    profile = plots.render_png(
        lambda: plots.plot_group_profile(
            {k: row.get(k) for k in m.group_keys},
            methodology=m,
            title=f"{row['unit_name']}: điểm sáu nhóm chỉ số, {label}",
        )
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
    parts.append(right_aligned(table, numbers).set_uuid("metrics"))
    series = ev.table[ev.table["unit_code"] == unit][
        ["period", "unit_code", "unit_name", "total"]
    ].sort_values("period")
    if len(series) > 1:
        trend = plots.render_png(
            lambda: plots.plot_total_trend(
                series, methodology=m, title=f"{row['unit_name']}: tổng điểm theo tháng"
            )
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

        self.inputs = inputs
        self.methodology = m = inputs.methodology
        months = [p for p in data_periods(inputs) if _periods.period_kind(p) == "month"]
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
                expected="mã một đơn vị có số liệu, vd. " + formatting.short_list(codes),
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
