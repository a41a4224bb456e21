"""The interactive explorer (``notebooks/explore/explore.ipynb``, served by ``mkbidx explore``):
a unit picker that follows the hierarchy and the data, month and group dropdowns, wired to the
same pieces the monthly report is made of, and the shown tables as an Excel download.
"""

from __future__ import annotations

import base64
import re
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from mkbidx import io as _io
from mkbidx import periods as _periods
from mkbidx.core.ranking import LEVEL_ORDER, Evaluation, evaluate_periods
from mkbidx.errors import MkbidxError
from mkbidx.inputs import readers
from mkbidx.inputs.loading import Inputs, data_periods, load_inputs
from mkbidx.methodology import Methodology
from mkbidx.methodology import load as load_methodology
from mkbidx.paths import DEFAULT_DATA
from mkbidx.present import formatting, plots
from mkbidx.present.html import Html, figure_html, paragraphs_html
from mkbidx.reports.common import gap_plan, peers_phrase, right_aligned, sheet_frame

INDENT = "\u2003"
"""One level of the picker's hierarchy (an em space: a ``<select>`` keeps it, unlike spaces)."""
PICKER_ROWS = 12
"""Rows of the unit list."""
PEERS_SHOWN = 21
"""At most this many rows in the peers table: those ranked around the unit."""
BAR_COLOR = "#9CC3E0"
"""Light blue of the bars in the tables (a share of the maximum)."""
BAR_CELL = "width: 10em;"
"""The width of a bar cell."""
MINE_CSS = "font-weight: bold; background-color: #FFF3BF"
"""The unit's own row among its peers."""
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LABELS = {
    "group_name": "Nhóm chỉ số",
    "metric_name": "Chỉ số",
    "numerator": "Tử số",
    "denominator": "Mẫu số",
    "ratio": "Tỷ lệ",
    "score": "Điểm",
    "max_score": "Tối đa",
    "period": "Kỳ",
    "unit_code": "Mã đơn vị",
    "unit_name": "Đơn vị",
    "total": "Tổng điểm",
    "rank_text": "Xếp hạng",
    "band": "Xếp loại",
    "action": "Việc cần làm",
    "score_after": "Tổng điểm sau đó",
    "bar": "",
}
"""Vietnamese headers of the shown tables (and of the Excel sheets)."""


# ----------------------------------------------------------------------------- the picker
def search_key(text: Any) -> str:
    """Lower case, no diacritics (``đ`` → ``d``), single spaces: what typing is matched on.

    >>> search_key("Xã Tung Chung  Phố"), search_key("Đơn vị")
    ('xa tung chung pho', 'don vi')
    """
    s = unicodedata.normalize("NFD", str(text)).replace("đ", "d").replace("Đ", "D")
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    return re.sub(r"\s+", " ", s).strip()


class UnitChoice(NamedTuple):
    """One entry of the unit picker."""

    code: str
    label: str  # indented by depth in the hierarchy, with the month's total
    key: str  # search_key of the name and the code


def unit_choices(table: pd.DataFrame, period: str) -> list[UnitChoice]:
    """The units with data in ``period``, depth first down the hierarchy (province, its
    departments, its districts each followed by its communes...), the children of a unit in the
    reports' order: by level, then rank (:func:`mkbidx.core.ranking.scope_table`)."""
    rows = table[table["period"] == period]
    rows = rows.assign(_level=rows["level"].map(LEVEL_ORDER).fillna(len(LEVEL_ORDER)))
    rows = rows.sort_values(["_level", "rank", "unit_code"], kind="stable")
    codes = set(rows["unit_code"])
    children: dict[str | None, list[dict]] = {}
    for r in rows.to_dict("records"):
        parent = r["parent_code"] if r["parent_code"] in codes else None
        children.setdefault(parent, []).append(r)
    out: list[UnitChoice] = []
    seen: set[str] = set()
    stack = [(r, 0) for r in reversed(children.get(None, []))]
    while stack:
        r, depth = stack.pop()
        if r["unit_code"] in seen:
            continue
        seen.add(r["unit_code"])
        name = str(r["unit_name"])
        label = f"{INDENT * depth}{name} · {formatting.score(r['total'])}"
        out.append(UnitChoice(r["unit_code"], label, search_key(f"{name} {r['unit_code']}")))
        stack += [(c, depth + 1) for c in reversed(children.get(r["unit_code"], []))]
    if len(seen) < len(codes):  # parents in a loop: no root above them, listed last
        rest = rows[~rows["unit_code"].isin(seen)].drop(columns="_level")
        out += unit_choices(rest.assign(parent_code=None), period)
    return out


def filter_choices(choices: Sequence[UnitChoice], text: str) -> list[UnitChoice]:
    """The choices whose name or code holds every word typed (with or without diacritics).

    >>> c = [UnitChoice("02758", "Xã Tung Chung Phố", "xa tung chung pho 02758")]
    >>> [x.code for x in filter_choices(c, "chung phố")], filter_choices(c, "pha long")
    (['02758'], [])
    """
    words = search_key(text).split()
    return [c for c in choices if all(w in c.key for w in words)]


# ----------------------------------------------------------------------------- the view
@dataclass(frozen=True)
class UnitTables:
    """What the explorer shows of a unit in a month, as frames (also the Excel sheets)."""

    row: dict[str, Any]  # the unit's ranking row
    groups: pd.DataFrame  # group_name, score, max_score
    metrics: pd.DataFrame  # the chosen group's metrics
    trend: pd.DataFrame  # period, unit_code, unit_name, total, rank_text, band
    peers: pd.DataFrame  # the ranking table of the unit's peers (itself included)
    gap: pd.DataFrame | None  # group_name, action, score_after
    gap_note: str


def unit_tables(
    ev: Evaluation,
    *,
    unit: str,
    period: str,
    group: str,
    methodology: Methodology,
    inputs: Inputs | None = None,
) -> UnitTables | None:
    """The frames of a unit, month and group (None when the unit has no data that month); the
    gap plan to the top band needs ``inputs`` (the counts)."""
    m = methodology
    table = ev.table
    rows = table[(table["unit_code"] == unit) & (table["period"] == period)]
    if rows.empty:
        return None
    row = rows.iloc[0].to_dict()
    groups = pd.DataFrame(
        {
            "group_name": [g.name for g in m.groups],
            "score": [row.get(g.key) for g in m.groups],
            "max_score": [g.max for g in m.groups],
        }
    )
    metrics = ev.metrics[
        (ev.metrics["unit_code"] == unit)
        & (ev.metrics["period"] == period)
        & (ev.metrics["group"] == group)
        & (ev.metrics["max_score"] > 0)
    ].merge(m.metrics_frame()[["metric", "metric_name", "metric_order"]], on="metric")
    metrics = metrics.sort_values("metric_order")[
        ["metric_name", "numerator", "denominator", "ratio", "score", "max_score"]
    ].reset_index(drop=True)
    trend = table[table["unit_code"] == unit].sort_values("period")
    trend = trend.assign(
        rank_text=[
            formatting.rank_label(r, n)
            for r, n in zip(trend["rank"], trend["rank_of"], strict=True)
        ]
    )[["period", "unit_code", "unit_name", "total", "rank_text", "band"]]
    peers = table[
        (table["period"] == period)
        & (table["level"].fillna("") == (row.get("level") or ""))
        & (table["parent_code"].fillna("") == (row.get("parent_code") or ""))
    ].sort_values(["rank", "unit_code"])
    gap, note = _gap(inputs, row, period=period, methodology=m)
    return UnitTables(row, groups, metrics, trend.reset_index(drop=True), peers, gap, note)


def _gap(
    inputs: Inputs | None, row: Mapping[str, Any], *, period: str, methodology: Methodology
) -> tuple[pd.DataFrame | None, str]:
    """The fewest dossiers/procedures that lift the unit to the top band, or why not."""
    top = formatting.points(methodology.bands[0].min)
    if round(float(row["total"]), methodology.rank_decimals) >= methodology.bands[0].min:
        return None, f"Đã đạt từ {top} trở lên."
    counts = inputs.dataset.counts if inputs is not None else None
    if (
        counts is None
        or not ((counts["period"] == period) & (counts["unit_code"] == row["unit_code"])).any()
    ):
        return None, (
            f"Chưa đạt {top}. Dữ liệu tháng này không có tử số, mẫu số của đơn vị: không tính "
            f"được số hồ sơ, TTHC cần thêm để đạt {top}."
        )
    plan = gap_plan(inputs, [row["unit_code"]], period=period, methodology=methodology)
    action = plan["action"] if "action" in plan else pd.Series(None, index=plan.index)
    frame = pd.DataFrame(
        {
            "group_name": plan.get("group_name"),
            "action": action.where(action.notna(), plan.get("note")),
            "score_after": plan.get("score_after"),
        }
    )
    return frame, (
        f"Để đạt {top}: các việc cần làm (ít hồ sơ nhất, theo thứ tự thực hiện; tổng điểm "
        "sau mỗi việc tính lại theo phương pháp)."
    )


def _styled(frame: pd.DataFrame, uuid: str, **columns: Any) -> Any:
    """A shown table: :func:`formatting.styled_table` with numbers right-aligned and, for a
    ``bar`` column (a share 0..1), a bar in place of the number."""
    styler = formatting.styled_table(frame, labels=LABELS, **columns)
    numbers = [c for key, cols in columns.items() if key.endswith("_columns") for c in cols]
    styler = right_aligned(styler, numbers)
    if "bar" in frame:
        styler = styler.format(lambda _: "", subset=["bar"]).bar(
            subset=["bar"], color=BAR_COLOR, vmin=0.0, vmax=1.0, height=70, props=BAR_CELL
        )
    return styler.set_uuid(uuid)


def unit_view(
    ev: Evaluation,
    *,
    unit: str,
    period: str,
    group: str,
    methodology: Methodology,
    inputs: Inputs | None = None,
    figures: dict[tuple[str, str], Any] | None = None,
    tables: UnitTables | None = None,
) -> list[Any]:
    """What the explorer shows for a unit, month and group: headline, the six groups, the
    group's metrics (numerator, denominator, ratio, score), the unit's total over the months,
    the unit among its peers, the gap plan to the top band (with ``inputs``).

    Tables are HTML (bars drawn by the browser); the one chart, the total over the months, is
    cached in ``figures`` by unit: a change of month or group draws nothing. ``tables``: the
    :func:`unit_tables` of this selection, when already made."""
    m = methodology
    label = formatting.period_label(period)
    t = tables or unit_tables(
        ev, unit=unit, period=period, group=group, methodology=m, inputs=inputs
    )
    if t is None:
        return [paragraphs_html([f"Đơn vị {unit} không có số liệu {label}."])]
    row, name = t.row, str(t.row["unit_name"])
    peers_word = peers_phrase(ev.table, row)
    head = (
        f"{name}, {label}: {formatting.score_of_max(row['total'], m.total_max)} "
        f"điểm, {formatting.rank_phrase(row['rank'], row['rank_of'], peers_word)} ({row['band']})."
    )
    parts: list[Any] = [paragraphs_html([head, "Điểm sáu nhóm chỉ số:"])]
    groups = t.groups.assign(bar=t.groups["score"] / t.groups["max_score"])
    parts.append(_styled(groups, "groups", score_columns=["score", "max_score"]))
    g = m.group(group)
    parts.append(paragraphs_html([f"Nhóm “{g.name}” (tối đa {formatting.points(g.max)}):"]))
    parts.append(
        _styled(
            t.metrics,
            "metrics",
            score_columns=["score", "max_score"],
            int_columns=["numerator", "denominator"],
            percent_columns=["ratio"],
        )
    )
    cache = figures if figures is not None else {}
    if len(t.trend) > 1 and ("trend", unit) not in cache:
        png = plots.render_png(
            lambda: plots.plot_total_trend(
                t.trend, methodology=m, title=f"{name}: tổng điểm theo tháng"
            )
        )
        cache[("trend", unit)] = figure_html(png, alt="Tổng điểm theo tháng", caption="")
    if len(t.trend) > 1:
        parts.append(cache[("trend", unit)])
    parts += _peers_parts(t, peers_word, label=label, methodology=m)
    parts.append(paragraphs_html([t.gap_note]))
    if t.gap is not None and not t.gap.empty:
        parts.append(_styled(t.gap, "gap", score_columns=["score_after"]))
    return parts


def _peers_parts(t: UnitTables, peers_word: str, *, label: str, methodology: Methodology):
    """The unit among its peers: rank, name, total (with a bar), band; the unit in bold; at
    most :data:`PEERS_SHOWN` rows, those ranked around the unit."""
    row, peers = t.row, t.peers
    if len(peers) < 2:
        return [paragraphs_html([f"Không có đơn vị cùng cấp trong dữ liệu {label}."])]
    shown = peers
    if len(peers) > PEERS_SHOWN:
        at = int((peers["unit_code"] == row["unit_code"]).to_numpy().argmax())
        start = min(max(0, at - PEERS_SHOWN // 2), len(peers) - PEERS_SHOWN)
        shown = peers.iloc[start : start + PEERS_SHOWN]
    intro = f"So với {len(peers) - 1} đơn vị cùng cấp ({peers_word or 'cùng cấp'}), {label}"
    if len(shown) < len(peers):
        intro += f", các đơn vị xếp hạng {shown['rank'].iloc[0]}–{shown['rank'].iloc[-1]}"
    frame = pd.DataFrame(
        {
            "rank_text": [
                formatting.rank_label(r, n)
                for r, n in zip(shown["rank"], shown["rank_of"], strict=True)
            ],
            "unit_name": shown["unit_name"].astype(str),
            "total": shown["total"],
            "bar": shown["total"] / methodology.total_max,
            "band": shown["band"],
        }
    ).reset_index(drop=True)
    mine = (shown["unit_code"] == row["unit_code"]).to_numpy()
    styler = _styled(
        frame, "peers", score_columns=["total"], band_column="band", methodology=methodology
    )
    styler = styler.apply(
        lambda r: [MINE_CSS if mine[r.name] else ""] * len(r),
        axis=1,
        subset=["rank_text", "unit_name", "total"],
    )
    return [paragraphs_html([intro + ":"]), styler]


def tables_xlsx(t: UnitTables, *, group_name: str) -> bytes:
    """The shown tables as an Excel workbook (Vietnamese headers, one sheet per table)."""
    trend = t.trend.assign(period=t.trend["period"].map(formatting.period_label))
    peers = t.peers.assign(
        rank_text=[
            formatting.rank_label(r, n)
            for r, n in zip(t.peers["rank"], t.peers["rank_of"], strict=True)
        ]
    )[["unit_code", "unit_name", "total", "rank_text", "band"]]
    sheets = {
        "Sáu nhóm": t.groups,
        "Chỉ số " + group_name: t.metrics,
        "Theo tháng": trend,
        "Cùng cấp": peers,
    }
    if t.gap is not None:
        sheets["Đạt 80 điểm"] = t.gap
    shown = {name[:31]: sheet_frame(frame, LABELS) for name, frame in sheets.items()}
    formats = {LABELS[c]: "0.00" for c in ("score", "max_score", "total", "score_after")}
    formats[LABELS["ratio"]] = "0.00%"
    return _io.xlsx_bytes(shown, number_formats=formats)


def download_html(data: bytes, filename: str, text: str = "Tải các bảng (Excel)") -> str:
    """A link styled as a button that saves ``data`` (a data: URI, nothing asked of a server).

    >>> download_html(b"x", "a.xlsx", "Tải")[:36]
    '<a class="mkbidx-download" download='
    """
    href = f"data:{XLSX_TYPE};base64," + base64.b64encode(data).decode("ascii")
    filename, text = escape(filename, quote=True), escape(text)
    style = (
        "display:inline-block;padding:4px 12px;border:1px solid #0072B2;border-radius:4px;"
        "color:#0072B2;text-decoration:none"
    )
    return (
        f'<a class="mkbidx-download" download="{filename}" href="{href}" style="{style}">{text}</a>'
    )


def _markup(part: Any) -> str:
    """The HTML of a shown piece (an :class:`Html` or a pandas Styler)."""
    return part._repr_html_() if hasattr(part, "_repr_html_") else part.to_html()


# ----------------------------------------------------------------------------- the widget
class Explorer:
    """A unit picker (a search box over a list that follows the hierarchy), month and group
    dropdowns and an Excel download, wired to :func:`unit_view`.

    ``widget`` is the ipywidgets box to display; :meth:`select` changes the selection as a user
    would (the view is redrawn by the same callbacks, once per change); ``seconds`` and
    ``cpu_seconds`` are how long the last redraw took (wall clock, and this process's CPU time:
    the same on an idle machine).
    """

    def __init__(
        self,
        inputs: Inputs | Selection,
        *,
        period: str | None = None,
        unit: str | None = None,
        group: str | None = None,
    ) -> None:
        """``inputs``: the data read (``period``, ``unit`` and ``group`` are checked here by
        :func:`check_selection`, which scores every month), or a :class:`Selection` that
        function already made (opened as it is, its scores reused)."""
        import ipywidgets as widgets

        if isinstance(inputs, Selection):
            chosen = inputs
        else:
            chosen = check_selection(inputs, period=period, unit=unit, group=group)
        self.inputs = inputs = chosen.inputs
        self.methodology = m = inputs.methodology
        self.evaluation, self.months = chosen.evaluation, chosen.months
        period, unit, group = chosen.period, chosen.unit, chosen.group
        self._figures: dict[tuple[str, str], Any] = {}  # the trend chart per unit
        self._quiet = False
        self.choices = unit_choices(self.evaluation.table, period)
        self.current_unit = unit or self.choices[0].code
        self.search = widgets.Text(
            value="",
            placeholder="gõ tên hoặc mã, có dấu hoặc không",
            description="Tìm",
            continuous_update=True,
        )
        self.unit = widgets.Select(
            options=[(c.label, c.code) for c in self.choices],
            value=self.current_unit,
            rows=PICKER_ROWS,
            description="Đơn vị",
            layout=widgets.Layout(width="34em"),
        )
        self.period = widgets.Dropdown(
            options=[(formatting.period_label(p), p) for p in reversed(self.months)],
            value=period,
            description="Tháng",
        )
        self.group = widgets.Dropdown(
            options=[(g.name, g.key) for g in m.groups],
            value=group,
            description="Nhóm",
        )
        self.download = widgets.HTML()
        self.output = widgets.Output()
        self.search.observe(self._on_search, names="value")
        self.unit.observe(self._on_unit, names="value")
        self.period.observe(self._on_period, names="value")
        self.group.observe(self._redraw, names="value")
        self.controls = widgets.HBox(
            [
                widgets.VBox([self.search, self.unit]),
                widgets.VBox([self.period, self.group, self.download]),
            ]
        )
        self.widget = widgets.VBox([self.controls, self.output])
        self.renders = 0
        self.seconds = self.cpu_seconds = 0.0
        self._redraw()

    # --- the picker
    def _set_options(self, choices: Sequence[UnitChoice]) -> None:
        """Show ``choices`` in the list without a redraw; the current unit stays selected when
        it is among them (else nothing is)."""
        self._quiet = True
        try:
            self.unit.options = [(c.label, c.code) for c in choices]
            codes = {c.code for c in choices}
            self.unit.value = self.current_unit if self.current_unit in codes else None
        finally:
            self._quiet = False

    def _on_search(self, change: Any) -> None:
        self._set_options(filter_choices(self.choices, change["new"]))

    def _on_unit(self, change: Any) -> None:
        if self._quiet or change["new"] is None or change["new"] == self.current_unit:
            return
        self.current_unit = change["new"]
        self._redraw()

    def _on_period(self, change: Any) -> None:
        self.choices = unit_choices(self.evaluation.table, change["new"])
        if self.current_unit not in {c.code for c in self.choices}:
            self.current_unit = self.choices[0].code  # the unit has no data that month
        self._set_options(filter_choices(self.choices, self.search.value))
        self._redraw()

    # --- the view
    def tables(self) -> UnitTables | None:
        """The frames of the current selection."""
        return unit_tables(
            self.evaluation,
            unit=self.current_unit,
            period=self.period.value,
            group=self.group.value,
            methodology=self.methodology,
            inputs=self.inputs,
        )

    def view(self, tables: UnitTables | None = None) -> list[Any]:
        """The pieces shown for the current selection."""
        return unit_view(
            self.evaluation,
            unit=self.current_unit,
            period=self.period.value,
            group=self.group.value,
            methodology=self.methodology,
            inputs=self.inputs,
            figures=self._figures,
            tables=tables,
        )

    def xlsx(self, tables: UnitTables | None = None) -> bytes:
        """The shown tables as an Excel workbook (what the download button saves)."""
        t = tables or self.tables()
        return b"" if t is None else tables_xlsx(t, group_name=self.group.label)

    def _redraw(self, _change: Any = None) -> None:
        from IPython.display import display

        start, cpu = time.perf_counter(), time.process_time()
        t = self.tables()
        parts = self.view(t)
        page = Html("\n".join(_markup(p) for p in parts))  # one output: no half-drawn view
        self.output.clear_output(wait=True)
        with self.output:
            display(page)
        data = self.xlsx(t)
        name = f"mkbidx-{self.current_unit}-{self.period.value}-{self.group.value}.xlsx"
        self.download.value = download_html(data, name) if data else ""
        self.renders += 1
        self.seconds = time.perf_counter() - start
        self.cpu_seconds = time.process_time() - cpu

    def select(
        self, *, unit: str | None = None, period: str | None = None, group: str | None = None
    ) -> Explorer:
        """Change the selection (as a user would: month, then unit, then group) and return
        self. A unit not in the (filtered) list clears the search box first."""
        if period is not None:
            self.period.value = period
        if unit is not None:
            if unit not in {c.code for c in self.choices}:
                month = formatting.period_label(self.period.value)
                raise MkbidxError(
                    f"đơn vị '{unit}' không có số liệu {month}",
                    column="unit",
                    expected="một đơn vị trong danh sách của tháng đó",
                )
            if unit not in [code for _, code in self.unit.options]:
                self.search.value = ""
            self.unit.value = unit
        if group is not None:
            self.group.value = group
        return self

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


class Selection(NamedTuple):
    """A checked selection over read data (:func:`check_selection`)."""

    inputs: Inputs
    evaluation: Evaluation  # every month of the data, scored and ranked
    months: list[str]
    period: str
    unit: str | None  # None: the first unit of the picker
    group: str


def check_selection(
    inputs: Inputs,
    *,
    period: str | None = None,
    unit: str | None = None,
    group: str | None = None,
) -> Selection:
    """Score the data's months and check a selection: the month to open (``period``; outside
    the data: the unit's last month with data, or the last month), a unit with data (that
    month, when the month is in the data), a group key (None: the first)."""
    m = inputs.methodology
    months = [p for p in data_periods(inputs) if _periods.period_kind(p) == "month"]
    if not months:
        raise MkbidxError("dữ liệu không có tháng nào (no monthly data)", file=inputs.data_path)
    if group is not None and group not in m.group_keys:
        raise MkbidxError(
            f"không có nhóm chỉ số '{group}' (unknown group)",
            column="group",
            expected="một trong " + ", ".join(m.group_keys),
        )
    ev = evaluate_periods(inputs, months)
    table = ev.table
    chosen = Selection(inputs, ev, months, "", None, group or m.group_keys[0])
    if not unit:
        return chosen._replace(period=period if period in months else months[-1])
    had = sorted(table.loc[table["unit_code"] == unit, "period"].unique())
    if not had:
        codes = table.drop_duplicates("unit_code")["unit_code"]
        raise MkbidxError(
            f"không có đơn vị '{unit}' trong dữ liệu (unknown unit)",
            column="unit",
            expected="mã một đơn vị có số liệu, vd. " + formatting.short_list(codes),
        )
    if period in months and period not in had:
        raise MkbidxError(
            f"đơn vị '{unit}' không có số liệu {formatting.period_label(period)}",
            column="period",
            expected="một tháng có số liệu của đơn vị: " + formatting.short_list(had[::-1]),
        )
    return chosen._replace(period=period if period in had else had[-1], unit=unit)


def validate_explore(
    *,
    period: str = "",
    unit: str = "",
    group: str = "",
    data_path: str = "",
    methodology: str = "",
) -> Selection:
    """Read the data and check the explorer's parameters (the notebook's, ``mkbidx explore``'s);
    empty means: the last month, the top unit of the picker, the first group, the embedded
    sample, the current methodology. Raises :class:`MkbidxError` naming what is wrong."""
    data = DEFAULT_DATA if not str(data_path).strip() else Path(data_path).expanduser()
    if not data.exists():
        raise MkbidxError(
            "không tìm thấy dữ liệu (data path not found)",
            file=data,
            expected="một tệp hoặc thư mục dữ liệu (.json, .csv, .xlsx)",
        )
    month = None
    if str(period).strip():
        month = readers.normalize_period(str(period).strip(), column="period")
        if _periods.period_kind(month) != "month":
            raise MkbidxError(
                f"cần một tháng, không phải '{period}' (monthly period)",
                column="period",
                expected='"YYYY-MM", vd. "2024-08"',
            )
    m = load_methodology(str(methodology).strip() or None)
    inputs = load_inputs(data, methodology=m)
    return check_selection(
        inputs, period=month, unit=str(unit).strip() or None, group=str(group).strip() or None
    )


def explore(chosen: Selection) -> Explorer:
    """The explorer opened on a checked selection (:func:`validate_explore`): the months are
    scored once, there."""
    return Explorer(chosen)
