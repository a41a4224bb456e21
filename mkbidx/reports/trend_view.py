"""The trend report's view model: :class:`TrendReport`, what
``notebooks/reports/trend_comparison.ipynb`` displays (frames, figures as PNG bytes, escaped HTML
pieces, Vietnamese texts).

Built by :func:`mkbidx.reports.trend.build_trend_report`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mkbidx import __version__
from mkbidx import periods as _periods
from mkbidx.core import trends
from mkbidx.core.trends import TrendFrames
from mkbidx.inputs.loading import InputFile
from mkbidx.methodology import Methodology
from mkbidx.present import formatting, html, labels
from mkbidx.present.html import Html, figure_html, paragraphs_html, render
from mkbidx.reports.common import right_aligned
from mkbidx.reports.trend_params import TrendParameters, period_name

TABLE_MONTHS = 12
"""Month-by-month tables (changes, ranks) show at most this many months, the last of the range."""


POSITIVE_COLOR = "#1A7F37"


NEGATIVE_COLOR = "#B42318"


REAL_DATA_LABEL = "số liệu thực"


def _table(styler, uuid: str, *, intro: str = "", note: str = "") -> Html:
    """A Styler as HTML (its texts escaped by :func:`mkbidx.present.formatting.styled_table`) in a
    horizontally scrollable block, with an escaped introduction and note."""

    return html.table_html(styler, uuid, intro=intro, note=note)


def _list(intro: str, items: Sequence[str]) -> Html:
    return render("list", intro=intro, items=list(items))


def _signed_colors(value: Any) -> str:
    if value is None or pd.isna(value) or float(value) == 0:
        return ""
    return f"color: {POSITIVE_COLOR if float(value) > 0 else NEGATIVE_COLOR}"


def _rank_move(value: Any) -> str:
    """``"↑2"`` (moved up 2 places), ``"↓3"``, ``"0"``, ``"–"``."""
    if value is None or pd.isna(value):
        return formatting.MISSING
    value = int(value)
    return f"↑{value}" if value > 0 else f"↓{-value}" if value < 0 else "0"


@dataclass
class TrendReport:
    """Everything the trend report shows for one scope and range of months.

    Frames keep the contract's snake_case columns (they are the CSV tables); the ``*_chart`` and
    ``*_view`` properties are what the notebook displays (escaped HTML).

    Attributes
    ----------
    params
        The validated parameters.
    scope_name, scope_level
        The scope's official name and level.
    frames
        :class:`mkbidx.core.trends.TrendFrames` of the range.
    months
        The months with data in the range; ``first`` and ``last`` are its ends.
    series
        Totals over time of the units under the scope (units with data in the last month first).
    current
        Codes of the units with data in the last month, by their last total.
    changes
        The units of the last month: total, rank, band, change from the month before and from
        the same month last year, rank move.
    month_changes, ranks
        Month by month (long): change from the month before, rank.
    streaks
        :func:`mkbidx.core.trends.streaks` of the units.
    decomposition, drivers
        The change from the first to the last month split into the six groups.
    comparison
        :func:`mkbidx.core.trends.compare_periods` of the units, or None with one month only.
    peers
        The scope and its peers over time (and the comparison unit, if any).
    gap
        Actions that lift each unit below the target in the last month
        (:func:`mkbidx.present.gap_text.gap_table`).
    merged
        The merged communes' totals over time with a ``reconstructed`` flag, or None when the
        range does not cross 1/7/2025.
    figures
        PNG bytes by key (``small_multiples``, ``peers``, ``bump``, ``decomposition``,
        ``comparison``, ``merger``); ``figure_text`` their alternative text and caption. Both
        are drawn on first use (:class:`~mkbidx.reports.common.Drawing`).
    """

    params: TrendParameters
    scope_name: str
    scope_level: str | None
    frames: TrendFrames
    months: list[str]
    series: pd.DataFrame
    current: list[str]
    changes: pd.DataFrame
    month_changes: pd.DataFrame
    ranks: pd.DataFrame
    streaks: pd.DataFrame
    decomposition: pd.DataFrame
    drivers: pd.DataFrame
    comparison: pd.DataFrame | None
    comparison_periods: tuple[str, str] | None
    peers: pd.DataFrame
    compare_scope_name: str | None
    gap: pd.DataFrame | None
    gap_note: str
    merged: pd.DataFrame | None
    former: dict[str, list[str]]
    methodology: Methodology
    inputs: tuple[InputFile, ...] = ()
    notes: tuple[str, ...] = ()
    figures: Mapping[str, bytes] = field(default_factory=dict)
    figure_text: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    lead_text: str = ""
    headline_texts: tuple[str, ...] = ()

    # ------------------------------------------------------------------ labels
    @property
    def scope(self) -> str:
        return self.params.scope

    @property
    def first(self) -> str:
        return self.months[0]

    @property
    def last(self) -> str:
        return self.months[-1]

    @property
    def range_label(self) -> str:
        """``"tháng 1/2024 – tháng 6/2025"``."""
        if self.first == self.last:
            return formatting.period_label(self.first)
        return f"{formatting.period_label(self.first)} – {formatting.period_label(self.last)}"

    @property
    def title(self) -> str:
        """``"Xu hướng Bộ chỉ số 766: Huyện Mường Khương, tháng 1/2024 – tháng 6/2025"``."""
        return f"Xu hướng Bộ chỉ số 766: {self.scope_name}, {self.range_label}"

    @property
    def threshold(self) -> float:
        return float(self.methodology.bands[0].min)

    @property
    def reconstructed(self) -> bool:
        return bool(self.series["reconstructed"].any())

    @property
    def headline(self) -> Html:
        """Title, the units reaching 80 points, the scope's total and change, the biggest moves."""
        return render(
            "trend-headline", title=self.title, lead=self.lead_text, paragraphs=self.headline_texts
        )

    # ------------------------------------------------------------------ figures
    def _figure(self, key: str, missing: str) -> Html:
        if key not in self.figures:
            return paragraphs_html([missing])
        alt, caption = self.figure_text[key]
        return figure_html(self.figures[key], alt=alt, caption=caption)

    @property
    def small_multiples_chart(self) -> Html:
        return self._figure("small_multiples", "Không có số liệu để vẽ biểu đồ.")

    @property
    def peers_chart(self) -> Html:
        return self._figure(
            "peers", f"Chưa tính được tổng điểm của {self.scope_name} trong khoảng thời gian này."
        )

    @property
    def bump_chart(self) -> Html:
        return self._figure("bump", "Không có thứ hạng để vẽ biểu đồ.")

    @property
    def decomposition_chart(self) -> Html:
        return self._figure(
            "decomposition", "Cần số liệu của ít nhất hai tháng để phân tích thay đổi."
        )

    @property
    def comparison_chart(self) -> Html:
        return self._figure("comparison", "Cần số liệu của ít nhất hai tháng để so sánh hai kỳ.")

    @property
    def merger_chart(self) -> Html:
        merger = formatting.date_vn(formatting.period_bounds(trends.MERGER_PERIOD)[0])
        return self._figure(
            "merger",
            f"Khoảng thời gian này không đi qua ngày sáp nhập {merger}: không có số liệu dựng lại.",
        )

    # ------------------------------------------------------------------ tables
    def _labels(self) -> dict[str, str]:
        labels = formatting.column_labels(self.methodology)
        labels.update(
            {
                "unit_name": "Đơn vị",
                "total": f"Tổng điểm {formatting.period_label(self.last)}",
                "rank_text": "Xếp hạng",
            }
        )
        return labels

    @property
    def changes_view(self) -> Html:
        """The last month: total, rank, band, change from last month and last year."""
        c = self.changes
        prev = formatting.period_label(formatting.previous_period(self.last))
        year = formatting.period_label(_periods.shift_month(self.last, -12))
        frame = pd.DataFrame(
            {
                "unit_name": c["unit_name"],
                "total": c["total"],
                "rank_text": [
                    formatting.rank_label(r, n)
                    for r, n in zip(c["rank"], c["rank_of"], strict=True)
                ],
                "band": c["band"],
                "change": c["change"],
                "rank_move": c["rank_change"].map(_rank_move),
                "year_total": c["year_total"],
                "year_change": c["year_change"],
            }
        )
        labels = self._labels()
        labels.update(
            {
                "change": f"So với {prev}",
                "rank_move": "Thứ hạng thay đổi",
                "year_total": f"Tổng điểm {year}",
                "year_change": f"So với {year}",
            }
        )
        styler = formatting.styled_table(
            frame,
            score_columns=["total", "year_total"],
            band_column="band",
            methodology=self.methodology,
            labels=labels,
        )
        styler = styler.format(
            formatting.signed, subset=["change", "year_change"], na_rep=formatting.MISSING
        )
        styler = styler.map(_signed_colors, subset=["change", "year_change"])
        numbers = ["total", "rank_text", "change", "rank_move", "year_total", "year_change"]
        note = ""
        if c["year_reconstructed"].any():
            note = f"Tổng điểm {year} của các xã mới là {_rebuilt_phrase()}."
        return _table(right_aligned(styler, numbers), "changes", note=note)

    def _wide(self, frame: pd.DataFrame, value: str) -> pd.DataFrame:
        shown = self.months[-TABLE_MONTHS:]
        data = frame[frame["unit_code"].isin(self.current) & frame["period"].isin(shown)]
        wide = data.pivot_table(
            index="unit_code", columns="period", values=value, aggfunc="first", dropna=False
        )
        wide = wide.reindex(index=self.current, columns=shown)
        names = self.series.drop_duplicates("unit_code").set_index("unit_code")["unit_name"]
        wide.columns = [formatting.period_short(p) for p in wide.columns]
        wide.insert(0, "unit_name", [names.get(c, c) for c in wide.index])
        return wide.reset_index(drop=True)

    @property
    def month_changes_view(self) -> Html:
        """Change from the month before, month by month (the last :data:`TABLE_MONTHS`)."""
        wide = self._wide(self.month_changes, "change")
        months = [c for c in wide.columns if c != "unit_name"]
        styler = formatting.styled_table(wide, score_columns=[], labels={"unit_name": "Đơn vị"})
        styler = styler.format(formatting.signed, subset=months, na_rep=formatting.MISSING)
        styler = styler.map(_signed_colors, subset=months)
        return _table(
            right_aligned(styler, months),
            "month-changes",
            intro="Thay đổi tổng điểm so với tháng trước, từng tháng (điểm):",
        )

    @property
    def ranks_view(self) -> Html:
        """Each unit's rank month by month (the last :data:`TABLE_MONTHS`)."""
        wide = self._wide(self.ranks, "rank")
        months = [c for c in wide.columns if c != "unit_name"]
        for col in months:
            wide[col] = wide[col].astype("Int64")
        styler = formatting.styled_table(
            wide, score_columns=[], int_columns=months, labels={"unit_name": "Đơn vị"}
        )
        n = self.ranks[self.ranks["period"] == self.last]["rank_of"].dropna()
        of = f" trong {formatting.integer(n.max())} đơn vị" if len(n) else ""
        return _table(
            right_aligned(styler, months),
            "ranks",
            intro=f"Thứ hạng từng tháng{of} (1 là cao nhất):",
        )

    @property
    def peers_view(self) -> Html:
        """The scope (and the comparison unit) and its peers: first and last total and rank."""
        if self.peers.empty:
            return paragraphs_html([])
        rows = []
        for code, part in self.peers.groupby("unit_code", sort=False):
            part = part.sort_values("period")
            a, b = part.iloc[0], part.iloc[-1]
            rows.append(
                {
                    "unit_code": code,
                    "unit_name": b["unit_name"],
                    "first_total": a["total"],
                    "last_total": b["total"],
                    "change": _difference(b["total"], a["total"]),
                    "first_rank": formatting.rank_label(a["rank"], a["rank_of"]),
                    "last_rank": formatting.rank_label(b["rank"], b["rank_of"]),
                }
            )
        frame = pd.DataFrame(rows)
        first = formatting.period_label(self.first)
        last = formatting.period_label(self.last)
        labels = {
            "unit_name": "Đơn vị",
            "first_total": f"Tổng điểm {first}",
            "last_total": f"Tổng điểm {last}",
            "change": "Thay đổi",
            "first_rank": f"Xếp hạng {first}",
            "last_rank": f"Xếp hạng {last}",
        }
        bold = {self.scope, self.params.compare_scope}
        codes = list(frame["unit_code"])
        shown = frame.drop(columns="unit_code")
        styler = formatting.styled_table(
            shown, score_columns=["first_total", "last_total"], labels=labels
        )
        styler = styler.format(formatting.signed, subset=["change"], na_rep=formatting.MISSING)
        styler = styler.map(_signed_colors, subset=["change"])
        styler = styler.apply(
            lambda col: ["font-weight: bold" if code in bold else "" for code in codes[: len(col)]],
            axis=0,
        )
        numbers = ["first_total", "last_total", "change", "first_rank", "last_rank"]
        return _table(right_aligned(styler, numbers), "peers")

    @property
    def streaks_view(self) -> Html:
        """Units with months below the threshold or a group at 0, with their longest runs."""
        s = self.streaks
        m = self.methodology
        short = {g.key: g.short_name for g in m.groups}
        zero_text = []
        for row in s.itertuples(index=False):
            parts = []
            for key in m.group_keys:
                longest = getattr(row, f"{key}_zero_longest", 0)
                current = getattr(row, f"{key}_zero_current", 0)
                if longest:
                    text = f"{short[key]}: {longest} tháng liền"
                    if current:
                        text += f" (đến nay {current} tháng)"
                    parts.append(text)
            zero_text.append("; ".join(parts))
        frame = s.assign(zero=zero_text)
        flagged = frame[(frame["months_below"] > 0) | (frame["zero"] != "")]
        threshold = formatting.points(self.threshold)
        clean = len(frame) - len(flagged)
        intro = (
            f"{len(flagged)}/{len(frame)} đơn vị có tháng dưới {threshold} hoặc có nhóm chỉ số "
            f"bằng 0 trong {self.range_label}; {clean} đơn vị luôn đạt từ {threshold} và không có "
            "nhóm nào bằng 0."
        )
        if flagged.empty:
            return paragraphs_html([intro])
        flagged = flagged.sort_values(
            ["longest_below", "months_below", "current_below"], ascending=False, kind="stable"
        )
        runs = [
            f"{n} tháng ({_month_span(a, b)})" if n else formatting.MISSING
            for n, a, b in zip(
                flagged["longest_below"],
                flagged["longest_below_from"],
                flagged["longest_below_to"],
                strict=True,
            )
        ]
        shown = pd.DataFrame(
            {
                "unit_name": flagged["unit_name"],
                "months_below": flagged["months_below"],
                "current_below": flagged["current_below"],
                "longest": runs,
                "zero": flagged["zero"].replace("", formatting.MISSING),
            }
        )
        labels = {
            "unit_name": "Đơn vị",
            "months_below": f"Số tháng dưới {threshold}",
            "current_below": f"Dưới {threshold} liên tiếp đến {formatting.period_label(self.last)}",
            "longest": f"Chuỗi dưới {threshold} dài nhất",
            "zero": "Nhóm chỉ số bằng 0 liên tiếp",
        }
        styler = formatting.styled_table(
            shown, score_columns=[], int_columns=["months_below", "current_below"], labels=labels
        )
        return _table(
            right_aligned(styler, ["months_below", "current_below"]),
            "streaks",
            intro=intro,
            note="Tháng liên tiếp là các tháng dương lịch liền nhau; một tháng không có số liệu "
            "làm đứt chuỗi.",
        )

    @property
    def drivers_view(self) -> Html:
        """Each unit's change split into the six groups and the group that drove it."""
        d = self.decomposition
        if d.empty:
            return paragraphs_html([])
        m = self.methodology
        wide = d.pivot_table(index="unit_code", columns="group", values="delta", aggfunc="first")
        order = list(dict.fromkeys(d["unit_code"]))
        wide = wide.reindex(index=order, columns=m.group_keys)
        head = d.drop_duplicates("unit_code").set_index("unit_code").reindex(order)
        driver = self.drivers.set_index("unit_code").reindex(order)
        frame = pd.DataFrame(
            {
                "unit_name": head["unit_name"].to_numpy(),
                "from_total": head["from_total"].to_numpy(),
                "to_total": head["to_total"].to_numpy(),
                "total_delta": head["total_delta"].to_numpy(),
                **{k: wide[k].to_numpy() for k in m.group_keys},
                "driver": [
                    f"{g} ({formatting.signed(v)})"
                    if isinstance(g, str) and v
                    else formatting.MISSING
                    for g, v in zip(driver["group_name"], driver["delta"], strict=True)
                ],
            }
        )
        first = formatting.period_label(d["from_period"].iloc[0])
        last = formatting.period_label(d["to_period"].iloc[0])
        labels = {
            "unit_name": "Đơn vị",
            "from_total": f"Tổng điểm {first}",
            "to_total": f"Tổng điểm {last}",
            "total_delta": "Thay đổi",
            **{g.key: g.short_name for g in m.groups},
            "driver": "Nhóm tác động lớn nhất",
        }
        deltas = ["total_delta", *m.group_keys]
        styler = formatting.styled_table(
            frame, score_columns=["from_total", "to_total"], labels=labels
        )
        styler = styler.format(formatting.signed, subset=deltas, na_rep=formatting.MISSING)
        styler = styler.map(_signed_colors, subset=deltas)
        return _table(
            right_aligned(styler, ["from_total", "to_total", *deltas]),
            "drivers",
            intro=f"Thay đổi điểm của sáu nhóm chỉ số từ {first} đến {last} (tổng các nhóm "
            "bằng thay đổi của tổng điểm):",
        )

    @property
    def comparison_view(self) -> Html:
        """Two periods side by side for every unit (pooled counts)."""
        c = self.comparison
        if c is None or c.empty or self.comparison_periods is None:
            return paragraphs_html([])
        a, b = (period_name(p) for p in self.comparison_periods)
        frame = pd.DataFrame(
            {
                "unit_name": c["unit_name"],
                "first_total": c["first_total"],
                "second_total": c["second_total"],
                "difference": c["difference"],
                "first_rank": c["first_rank"],
                "second_rank": c["second_rank"],
                "months": [
                    f"{x}/{y}" for x, y in zip(c["first_months"], c["second_months"], strict=True)
                ],
            }
        )
        labels = {
            "unit_name": "Đơn vị",
            "first_total": f"Tổng điểm {a}",
            "second_total": f"Tổng điểm {b}",
            "difference": "Chênh lệch",
            "first_rank": f"Xếp hạng {a}",
            "second_rank": f"Xếp hạng {b}",
            "months": "Số tháng có số liệu",
        }
        styler = formatting.styled_table(
            frame,
            score_columns=["first_total", "second_total"],
            int_columns=["first_rank", "second_rank"],
            labels=labels,
        )
        styler = styler.format(formatting.signed, subset=["difference"], na_rep=formatting.MISSING)
        styler = styler.map(_signed_colors, subset=["difference"])
        numbers = ["first_total", "second_total", "difference", "first_rank", "second_rank"]
        note = (
            "Điểm của mỗi kỳ tính từ số liệu cộng dồn các tháng trong kỳ (tử số, mẫu số cộng "
            "lại), như Cổng DVCQG tính điểm quý, năm; không phải trung bình điểm các tháng."
        )
        if "reconstructed" in c and c["reconstructed"].any():
            note += f" Kỳ trước ngày sáp nhập của các xã mới là {_rebuilt_phrase()}."
        return _table(right_aligned(styler, numbers + ["months"]), "comparison", note=note)

    @property
    def comparison_intro(self) -> Html:
        """Which two periods are compared and why."""
        if self.comparison_periods is None:
            return paragraphs_html(["Cần số liệu của ít nhất hai tháng để so sánh hai kỳ."])
        a, b = (period_name(p) for p in self.comparison_periods)
        if self.params.compare is not None:
            how = "theo yêu cầu"
        else:
            kind = formatting.period_kind(self.comparison_periods[0])
            which = {"year": "hai năm trọn vẹn", "quarter": "hai quý trọn vẹn"}.get(
                kind, "hai tháng"
            )
            how = f"mặc định: {which} cuối cùng trong khoảng thời gian của báo cáo"
        return paragraphs_html([f"So sánh {a} với {b} ({how})."])

    @property
    def gap_view(self) -> Html:
        """What each unit below the target needs in the last month (:mod:`mkbidx.core.gap`)."""
        intro = self.gap_note
        if self.gap is None or self.gap.empty:
            return paragraphs_html([intro])
        g = self.gap
        action = g["action"].where(g["action"].notna(), g["note"])
        frame = pd.DataFrame(
            {
                "unit_name": g["unit_name"],
                "total": g["total"],
                "group_name": g["group_name"],
                "action": action,
                "score_after": g["score_after"],
            }
        )
        labels = {
            "unit_name": "Đơn vị",
            "total": f"Tổng điểm {formatting.period_label(self.last)}",
            "group_name": "Nhóm",
            "action": "Việc cần làm",
            "score_after": "Tổng điểm sau đó",
        }
        styler = formatting.styled_table(
            frame, score_columns=["total", "score_after"], labels=labels
        )
        return _table(right_aligned(styler, ["total", "score_after"]), "gap", intro=intro)

    @property
    def merger_view(self) -> Html:
        """The merged communes' totals month by month, reconstructed months labelled."""
        if self.merged is None or self.merged.empty:
            return paragraphs_html([])
        data = self.merged
        codes = list(dict.fromkeys(data["unit_code"]))
        names = data.drop_duplicates("unit_code", keep="last").set_index("unit_code")["unit_name"]
        wide = data.pivot_table(
            index="period", columns="unit_code", values="total", aggfunc="first", dropna=False
        ).reindex(columns=codes)
        rebuilt = data.groupby("period")["reconstructed"].any().reindex(wide.index)
        frame = pd.DataFrame({"month": [formatting.period_label(p) for p in wide.index]})
        for code in codes:
            frame[code] = wide[code].to_numpy()
        frame["source"] = np.where(rebuilt.to_numpy(), _rebuilt_phrase(), REAL_DATA_LABEL)
        labels = {"month": "Tháng", "source": "Nguồn số liệu", **dict(names.items())}
        styler = formatting.styled_table(frame, score_columns=codes, labels=labels)
        flags = list(rebuilt.to_numpy())
        styler = styler.apply(
            lambda col: [
                "font-style: italic; background-color: #F1F1F1" if flag else ""
                for flag in flags[: len(col)]
            ],
            axis=0,
        )
        items = [
            f"{names.get(code, code)}: {formatting.name_list(self.former.get(code, []))}"
            for code in codes
        ]
        merger = formatting.date_vn(formatting.period_bounds(_merger_period())[0])
        intro = f"Các xã mới thành lập từ {merger} và các xã, thị trấn cũ hợp thành:"
        note = (
            f"Hàng in nghiêng nền xám: {_rebuilt_phrase()}, tính từ số liệu cộng dồn (tử số, mẫu "
            f"số) của các xã cũ trước {merger}; không phải điểm do Cổng DVCQG công bố."
        )
        return Html(
            _list(intro, items).markup
            + _table(right_aligned(styler, codes), "merger", note=note).markup
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
        """JSON-ready: title, parameters, the per-unit text summary, the rebuilt months."""
        rebuilt = self.series.loc[self.series["reconstructed"], "period"]
        rows = []
        for r in self.frames.summary.to_dict("records"):
            rows.append({k: _json_value(v) for k, v in r.items()})
        return {
            "title": self.title,
            "scope": self.scope,
            "scope_name": self.scope_name,
            "first_period": self.first,
            "last_period": self.last,
            "comparison": list(self.comparison_periods) if self.comparison_periods else None,
            "compare_scope": self.params.compare_scope,
            "methodology": self.methodology.id,
            "reconstructed": [rebuilt.min(), rebuilt.max()] if len(rebuilt) else None,
            "summary": rows,
            "inputs": [f.__dict__ for f in self.inputs],
        }


def _json_value(value: Any) -> Any:
    if isinstance(value, str) or value is None:
        return value
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if pd.isna(value):
        return None
    return round(float(value), 2)


def _merger_period() -> str:
    return trends.MERGER_PERIOD


def _rebuilt_phrase() -> str:
    return labels.RECONSTRUCTED_LABEL


def _month_span(first: Any, last: Any) -> str:
    if not isinstance(first, str) or not isinstance(last, str):
        return formatting.MISSING
    if first == last:
        return formatting.period_short(first)
    return f"{formatting.period_short(first)}–{formatting.period_short(last)}"


def _difference(after: Any, before: Any) -> float:
    if after is None or before is None or pd.isna(after) or pd.isna(before):
        return float("nan")
    return (round(float(after) * 100) - round(float(before) * 100)) / 100
