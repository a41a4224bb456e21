"""The trend report: a scope's units over a range of months, its content and its runner.

Same three layers as the monthly report (:mod:`mkbidx.reports.monthly`, whose helpers are reused):

1. **Content.** :func:`trend_context` reads the data and returns a :class:`TrendReport` with
   every frame, figure (PNG bytes) and escaped HTML piece that ``notebooks/trend_comparison.ipynb``
   displays, in Vietnamese: each unit's total over time (small multiples with the 80-point line),
   the scope against its peers, rank movement (bump chart), month-over-month and same-month-last-
   year changes, streaks (months in a row below 80, at 0 on a group), the decomposition of each
   unit's change into the six groups, two periods side by side (pooled counts), the gap to the
   target in the last month and, when the range crosses 1/7/2025, the merged communes'
   reconstructed history labelled "số liệu dựng lại". The frames come from
   :func:`mkbidx.core.trends.trend_frames`, the charts from :mod:`mkbidx.present.trend_plots`.
2. **Files.** :func:`write_trend_artifacts` writes figures (PNG), tables (CSV and one XLSX) and
   ``summary.json``, byte-identical for the same inputs.
3. **Runner.** :func:`run_trend_report` executes the template with papermill and exports one
   self-contained HTML page into ``outputs/trends/<scope>/<from>_<to>/`` with ``manifest.json``;
   the folder appears at once or not at all and is never replaced without ``force``.

Decisions
---------
- The two periods compared by default are the last two full calendar years of the range when
  it covers two, else its last two full quarters, else its last two months
  (:func:`default_comparison`).
  The periods may lie outside the range; they are scored from pooled counts
  (:func:`mkbidx.core.trends.compare_periods`).
- The same month last year is scored even when it lies before the range (one more month of
  data), reconstructed like the range when the merger lies between the two months.
- The bump chart follows the units that have data in the last month (after the merger: the
  merged communes, whose ranks before it are among the rebuilt communes of the district). With
  more than :data:`mkbidx.reports.trend_figures.BUMP_ALL_COLOURS` units only the largest risers
  and fallers are coloured.
- Small multiples and the comparison chart start their score axis below the lowest total
  (in steps of 10 points, at most 10 points under the threshold) instead of at 0, so that moves
  of a few points around 80 are visible; the axis says where it starts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mkbidx import __version__
from mkbidx.core import trends
from mkbidx.errors import MkbidxError
from mkbidx.io import atomic_folder, csv_bytes, json_bytes, sha256_file, write_atomic, xlsx_bytes
from mkbidx.present import html
from mkbidx.present.html import Html, figure_html, paragraphs_html, render
from mkbidx.reports import monthly as report
from mkbidx.reports import trend_figures

if TYPE_CHECKING:
    from mkbidx.core.trends import TrendFrames
    from mkbidx.methodology import Methodology

from mkbidx.paths import TREND_TEMPLATE  # noqa: E402

TRENDS_DIR = "trends"
"""Trend reports live in ``<output_root>/trends/<scope>/<from>_<to>/``."""
TABLE_MONTHS = 12
"""Month-by-month tables (changes, ranks) show at most this many months, the last of the range."""
POSITIVE_COLOR = "#1A7F37"
NEGATIVE_COLOR = "#B42318"
REAL_DATA_LABEL = "số liệu thực"


# =============================================================================== parameters
@dataclass(frozen=True)
class TrendParameters:
    """The validated parameters of the trend template (see :func:`validate_trend_parameters`)."""

    scope: str
    first_period: str
    last_period: str
    compare_first: str | None
    compare_second: str | None
    compare_scope: str | None
    data_path: Path
    output_dir: Path | None
    methodology: str | None
    reconstruct: bool = True

    @property
    def compare(self) -> tuple[str, str] | None:
        """The two periods to compare, or None for the default (:func:`default_comparison`)."""
        if self.compare_first and self.compare_second:
            return self.compare_first, self.compare_second
        return None

    @property
    def folder_name(self) -> str:
        """``"2024-01_2025-06"``."""
        return f"{self.first_period}_{self.last_period}"

    def as_dict(self) -> dict[str, Any]:
        """The parameters as the notebook takes them (JSON-ready; empty text for "none")."""
        return {
            "scope": self.scope,
            "first_period": self.first_period,
            "last_period": self.last_period,
            "compare_first": self.compare_first or "",
            "compare_second": self.compare_second or "",
            "compare_scope": self.compare_scope or "",
            "data_path": str(self.data_path),
            "output_dir": str(self.output_dir) if self.output_dir is not None else "",
            "methodology": self.methodology or "",
            "reconstruct": bool(self.reconstruct),
        }


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _month(value: Any, column: str) -> str:
    from mkbidx.inputs import readers
    from mkbidx.present import formatting

    text = _text(value)
    expected = '"YYYY-MM", vd. "2024-01"'
    if not text:
        raise MkbidxError("thiếu tháng (month)", column=column, expected=expected)
    period = readers.normalize_period(text, column=column)
    if formatting.period_kind(period) != "month":
        raise MkbidxError(
            f"báo cáo xu hướng cần một tháng, không phải '{value}' (month)",
            column=column,
            expected=expected,
        )
    return period


def _comparison_period(value: Any, column: str) -> str:
    """A period to compare: a month, quarter, year or month range ``"2024-01..2024-06"``."""
    from mkbidx.core import trends
    from mkbidx.inputs import readers

    text = _text(value)
    if ".." in text:
        start, _, end = text.partition("..")
        text = f"{_month(start, column)}..{_month(end, column)}"
    else:
        text = readers.normalize_period(text, column=column)
    try:
        trends.months_of(text)
    except MkbidxError as exc:
        raise MkbidxError(
            f"kỳ so sánh không hợp lệ: '{value}' ({exc.args[0] if exc.args else exc})",
            column=column,
            expected='"2024-Q2", "2024", "2024-08" hoặc "2024-01..2024-06"',
        ) from None
    return text


def validate_trend_parameters(
    *,
    scope: str,
    first_period: str,
    last_period: str,
    compare_first: str | None = "",
    compare_second: str | None = "",
    compare_scope: str | None = "",
    data_path: str | Path | None = None,
    output_dir: str | Path | None = None,
    methodology: str | None = None,
    reconstruct: bool = True,
) -> TrendParameters:
    """Check the parameters of the trend template and normalise them.

    Parameters
    ----------
    scope
        Code of the unit whose units are followed (``"083"``: the communes of Mường Khương).
    first_period, last_period
        First and last month, ``"YYYY-MM"`` (``"1/2024"`` is accepted); first ≤ last.
    compare_first, compare_second
        Two periods shown side by side (``"2024-Q2"`` and ``"2024-Q3"``, ``"2023"`` and
        ``"2024"``, ``"2024-01..2024-06"``); both empty: :func:`default_comparison`.
    compare_scope
        Optional code of a second unit drawn with the scope against its peers.
    data_path
        Data file or folder; empty or None: the project's ``data/sample``.
    output_dir
        Folder the figures and tables are written to; empty or None: write nothing.
    methodology
        Methodology id or YAML path; empty or None: the current version.
    reconstruct
        Rebuild the merged communes' history before 1/7/2025 from their former communes.

    Returns
    -------
    TrendParameters

    Raises
    ------
    MkbidxError
        A month that is not one, the first month after the last, one comparison period without
        the other, a bad scope code, a missing data path, an unknown methodology.

    Examples
    --------
    >>> p = validate_trend_parameters(scope=" 083 ", first_period="1/2024", last_period="2024-12")
    >>> p.scope, p.first_period, p.last_period, p.compare, p.folder_name
    ('083', '2024-01', '2024-12', None, '2024-01_2024-12')
    """
    from mkbidx.core import trends

    first = _month(first_period, "--from")
    last = _month(last_period, "--to")
    if trends.month_ordinal(first) > trends.month_ordinal(last):
        raise MkbidxError(
            f"tháng đầu {first} sau tháng cuối {last} (invalid range)",
            column="--from",
            expected="tháng đầu ≤ tháng cuối",
        )
    a, b = _text(compare_first), _text(compare_second)
    if bool(a) != bool(b):
        raise MkbidxError(
            "cần cả hai kỳ so sánh hoặc không kỳ nào (compare)",
            column="--compare",
            expected='hai kỳ, vd. "2024-Q2" "2024-Q3"',
        )
    a = _comparison_period(a, "--compare") if a else None
    b = _comparison_period(b, "--compare") if b else None
    other = _text(compare_scope) or None
    if other is not None and not report.SCOPE_PATTERN.fullmatch(other):
        raise MkbidxError(
            f"mã đơn vị so sánh không hợp lệ: '{compare_scope}'",
            column="--compare-scope",
            expected='mã đơn vị, vd. "084"',
        )
    base = report.validate_parameters(
        period=last,
        scope=scope,
        data_path=data_path,
        output_dir=output_dir,
        methodology=methodology,
    )
    return TrendParameters(
        scope=base.scope,
        first_period=first,
        last_period=last,
        compare_first=a,
        compare_second=b,
        compare_scope=other,
        data_path=base.data_path,
        output_dir=base.output_dir,
        methodology=base.methodology,
        reconstruct=bool(reconstruct),
    )


def default_comparison(months: Sequence[str]) -> tuple[str, str] | None:
    """The two periods compared by default for the months of a range.

    The last two full calendar years in ``months`` if there are two, else the last two full
    quarters, else the last two months; None for a single month.

    Examples
    --------
    >>> from mkbidx.core.trends import months_of
    >>> default_comparison(months_of("2024-01..2024-12"))
    ('2024-Q3', '2024-Q4')
    >>> default_comparison(months_of("2023-01..2025-06"))
    ('2023', '2024')
    >>> default_comparison(months_of("2024-11..2025-01")), default_comparison(["2024-08"])
    (('2024-12', '2025-01'), None)
    """
    have = set(months)
    years = sorted({m[:4] for m in have})
    full_years = [y for y in years if all(f"{y}-{i:02d}" in have for i in range(1, 13))]
    if len(full_years) >= 2:
        return full_years[-2], full_years[-1]
    quarters = [
        f"{y}-Q{q}"
        for y in years
        for q in range(1, 5)
        if all(f"{y}-{i:02d}" in have for i in range(3 * q - 2, 3 * q + 1))
    ]
    if len(quarters) >= 2:
        return quarters[-2], quarters[-1]
    ordered = sorted(have)
    if len(ordered) >= 2:
        return ordered[-2], ordered[-1]
    return None


def period_name(period: str) -> str:
    """``"quý 3/2024"``, ``"năm 2024"``, ``"tháng 8/2024"`` or ``"1/2024–6/2024"`` for a range.

    Examples
    --------
    >>> period_name("2024-Q3"), period_name("2024-01..2024-06")
    ('quý 3/2024', '1/2024–6/2024')
    """
    from mkbidx.present import formatting

    first, _, last = str(period).partition("..")
    if last:
        return f"{formatting.period_short(first)}–{formatting.period_short(last)}"
    return formatting.period_label(first)


# =============================================================================== HTML pieces
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
    from mkbidx.present import formatting

    if value is None or pd.isna(value):
        return formatting.MISSING
    value = int(value)
    return f"↑{value}" if value > 0 else f"↓{-value}" if value < 0 else "0"


# =============================================================================== content
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
        (:func:`mkbidx.core.gap.gap`).
    merged
        The merged communes' totals over time with a ``reconstructed`` flag, or None when the
        range does not cross 1/7/2025.
    figures
        PNG bytes by key (``small_multiples``, ``peers``, ``bump``, ``decomposition``,
        ``comparison``, ``merger``); ``figure_text`` their alternative text and caption.
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
    inputs: tuple[report.InputFile, ...] = ()
    notes: tuple[str, ...] = ()
    figures: dict[str, bytes] = field(default_factory=dict)
    figure_text: dict[str, tuple[str, str]] = field(default_factory=dict)
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
        from mkbidx.present import formatting

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
        from mkbidx.core import trends
        from mkbidx.present import formatting

        merger = formatting.date_vn(formatting.period_bounds(trends.MERGER_PERIOD)[0])
        return self._figure(
            "merger",
            f"Khoảng thời gian này không đi qua ngày sáp nhập {merger}: không có số liệu dựng lại.",
        )

    # ------------------------------------------------------------------ tables
    def _labels(self) -> dict[str, str]:
        from mkbidx.present import formatting

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
        from mkbidx.present import formatting

        c = self.changes
        prev = formatting.period_label(formatting.previous_period(self.last))
        year = formatting.period_label(_shift(self.last, -12))
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
        return _table(report._right_aligned(styler, numbers), "changes", note=note)

    def _wide(self, frame: pd.DataFrame, value: str) -> pd.DataFrame:
        from mkbidx.present import formatting

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
        from mkbidx.present import formatting

        wide = self._wide(self.month_changes, "change")
        months = [c for c in wide.columns if c != "unit_name"]
        styler = formatting.styled_table(wide, score_columns=[], labels={"unit_name": "Đơn vị"})
        styler = styler.format(formatting.signed, subset=months, na_rep=formatting.MISSING)
        styler = styler.map(_signed_colors, subset=months)
        return _table(
            report._right_aligned(styler, months),
            "month-changes",
            intro="Thay đổi tổng điểm so với tháng trước, từng tháng (điểm):",
        )

    @property
    def ranks_view(self) -> Html:
        """Each unit's rank month by month (the last :data:`TABLE_MONTHS`)."""
        from mkbidx.present import formatting

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
            report._right_aligned(styler, months),
            "ranks",
            intro=f"Thứ hạng từng tháng{of} (1 là cao nhất):",
        )

    @property
    def peers_view(self) -> Html:
        """The scope (and the comparison unit) and its peers: first and last total and rank."""
        from mkbidx.present import formatting

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
        return _table(report._right_aligned(styler, numbers), "peers")

    @property
    def streaks_view(self) -> Html:
        """Units with months below the threshold or a group at 0, with their longest runs."""
        from mkbidx.present import formatting

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
            report._right_aligned(styler, ["months_below", "current_below"]),
            "streaks",
            intro=intro,
            note="Tháng liên tiếp là các tháng dương lịch liền nhau; một tháng không có số liệu "
            "làm đứt chuỗi.",
        )

    @property
    def drivers_view(self) -> Html:
        """Each unit's change split into the six groups and the group that drove it."""
        from mkbidx.present import formatting

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
            report._right_aligned(styler, ["from_total", "to_total", *deltas]),
            "drivers",
            intro=f"Thay đổi điểm của sáu nhóm chỉ số từ {first} đến {last} (tổng các nhóm "
            "bằng thay đổi của tổng điểm):",
        )

    @property
    def comparison_view(self) -> Html:
        """Two periods side by side for every unit (pooled counts)."""
        from mkbidx.present import formatting

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
        return _table(report._right_aligned(styler, numbers + ["months"]), "comparison", note=note)

    @property
    def comparison_intro(self) -> Html:
        """Which two periods are compared and why."""
        from mkbidx.present import formatting

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
        from mkbidx.present import formatting

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
        return _table(report._right_aligned(styler, ["total", "score_after"]), "gap", intro=intro)

    @property
    def merger_view(self) -> Html:
        """The merged communes' totals month by month, reconstructed months labelled."""
        from mkbidx.present import formatting

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
            + _table(report._right_aligned(styler, codes), "merger", note=note).markup
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
    from mkbidx.core import trends

    return trends.MERGER_PERIOD


def _rebuilt_phrase() -> str:
    from mkbidx.core import trends

    return trends.RECONSTRUCTED_LABEL


def _shift(period: str, months: int) -> str:
    from mkbidx.core import trends

    return trends.shift_month(period, months)


def _month_span(first: Any, last: Any) -> str:
    from mkbidx.present import formatting

    if not isinstance(first, str) or not isinstance(last, str):
        return formatting.MISSING
    if first == last:
        return formatting.period_short(first)
    return f"{formatting.period_short(first)}–{formatting.period_short(last)}"


def _month_range(periods) -> list[str]:
    from mkbidx.present import formatting

    months = sorted(p for p in periods if formatting.period_kind(str(p)) == "month")
    return [months[0], months[-1]] if months else ["?", "?"]


def _difference(after: Any, before: Any) -> float:
    if after is None or before is None or pd.isna(after) or pd.isna(before):
        return float("nan")
    return (round(float(after) * 100) - round(float(before) * 100)) / 100


def trend_context(params: TrendParameters) -> TrendReport:
    """Read the data and build the trend report for validated parameters.

    Raises
    ------
    MkbidxError
        No data in the range, no unit under the scope, no data for a compared period.
    """
    inputs = report.load_inputs(params.data_path, methodology=params.methodology)
    return build_trend_report(inputs, params)


def build_trend_report(inputs: report.Inputs, params: TrendParameters) -> TrendReport:
    """The content of :func:`trend_context` from data already read (see there)."""
    from mkbidx.core import trends

    m = inputs.methodology
    ds = inputs.dataset
    registry = report._registry()
    merger_map = registry.merger_map() if params.reconstruct and registry is not None else None
    _known_scope(inputs, params.scope)
    frames = trends.trend_frames(
        ds.counts,
        inputs.units,
        scope=params.scope,
        start=params.first_period,
        end=params.last_period,
        published_groups=ds.published_groups,
        merger_map=merger_map,
        methodology=m,
    )
    months = sorted(set(frames.series["period"]))
    last = months[-1]
    series = _current_first(frames.series, last)
    current = list(dict.fromkeys(series.loc[series["period"] == last, "unit_code"]))
    codes = list(dict.fromkeys(series["unit_code"]))
    scope_name, scope_level = report._scope_name(inputs, params.scope, last)

    changes = _changes(frames, inputs, series, current, last, merger_map, m)
    comparison_periods = params.compare or default_comparison(months)
    comparison = None
    if comparison_periods is not None:
        comparison = _comparison(inputs, params, codes, comparison_periods, months, merger_map, m)
    peers, other_name = _peers(frames, inputs, params)
    gap, gap_note = _gap(inputs, frames, current, last, m)
    merged = former = None
    if series["reconstructed"].any():
        rebuilt = set(series.loc[series["reconstructed"], "unit_code"])
        merged = series[series["unit_code"].isin(rebuilt)].reset_index(drop=True)
        former = _former_names(inputs, merger_map or {}, rebuilt)
    order = {c: i for i, c in enumerate(codes)}
    decomposition = frames.decomposition.copy()
    if len(decomposition):
        head = decomposition.drop_duplicates("unit_code")
        by_change = head.sort_values(
            ["total_delta", "unit_code"], ascending=[False, True], kind="stable"
        )["unit_code"]
        rank = {c: i for i, c in enumerate(by_change)}
        decomposition = decomposition.assign(
            _u=decomposition["unit_code"].map(rank),
            _g=decomposition["group"].map({k: i for i, k in enumerate(m.group_keys)}),
        ).sort_values(["_u", "_g"], kind="stable")
        decomposition = decomposition.drop(columns=["_u", "_g"]).reset_index(drop=True)
    streaks = frames.streaks.assign(_o=frames.streaks["unit_code"].map(order))
    streaks = streaks.sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)

    r = TrendReport(
        params=params,
        scope_name=scope_name,
        scope_level=scope_level,
        frames=frames,
        months=months,
        series=series,
        current=current,
        changes=changes,
        month_changes=frames.month_changes,
        ranks=frames.ranks,
        streaks=streaks,
        decomposition=decomposition,
        drivers=frames.drivers,
        comparison=comparison,
        comparison_periods=comparison_periods,
        peers=peers,
        compare_scope_name=other_name,
        gap=gap,
        gap_note=gap_note,
        merged=merged,
        former=former or {},
        methodology=m,
        inputs=inputs.files,
        notes=tuple(getattr(ds, "notes", ()) or ()),
    )
    r.lead_text, r.headline_texts = _headline_texts(r)
    _draw_figures(r)
    return r


def _known_scope(inputs: report.Inputs, scope: str) -> None:
    """A scope code that is no unit's parent in any month of the data is an error naming the
    scopes there are (before any scoring)."""
    units = inputs.units
    parents = set(units["parent_code"].dropna().astype(str))
    if scope in parents:
        return
    raise MkbidxError(
        f"không có đơn vị nào trực thuộc '{scope}' (unknown scope)",
        column="--scope",
        expected="mã đơn vị cha, vd. " + report._short_list(sorted(parents)),
    )


def _current_first(series: pd.DataFrame, last: str) -> pd.DataFrame:
    """Units with data in the last month first (in their order), then the others."""
    present = set(series.loc[series["period"] == last, "unit_code"])
    codes = list(dict.fromkeys(series["unit_code"]))
    order = sorted(codes, key=lambda c: (c not in present, codes.index(c)))
    rank = {c: i for i, c in enumerate(order)}
    out = series.assign(_o=series["unit_code"].map(rank))
    return (
        out.sort_values(["_o", "period"], kind="stable").drop(columns="_o").reset_index(drop=True)
    )


def _changes(
    frames: TrendFrames,
    inputs: report.Inputs,
    series: pd.DataFrame,
    current: list[str],
    last: str,
    merger_map: Mapping[str, str] | None,
    m: Methodology,
) -> pd.DataFrame:
    """The units of the last month with the change from last month and from last year."""
    from mkbidx.core import trends

    rows = series[(series["period"] == last) & series["unit_code"].isin(current)]
    rows = rows[["unit_code", "unit_name", "total", "rank", "rank_of", "band"]].copy()
    mom = frames.month_changes[frames.month_changes["period"] == last].set_index("unit_code")
    rows["prev_total"] = rows["unit_code"].map(mom["prev_total"]).astype("float64")
    rows["change"] = rows["unit_code"].map(mom["change"]).astype("float64")
    moves = frames.ranks[frames.ranks["period"] == last].set_index("unit_code")
    rows["rank_change"] = rows["unit_code"].map(moves["rank_change"]).astype("Int64")
    year = trends.shift_month(last, -12)
    inside = series[series["period"] == year].set_index("unit_code")
    if len(inside):
        year_totals, year_rebuilt = inside["total"], inside["reconstructed"]
    else:
        year_totals, year_rebuilt = _totals_of_month(inputs, year, last, current, merger_map, m)
    rows["year_total"] = rows["unit_code"].map(year_totals).astype("float64")
    rows["year_change"] = [
        _difference(a, b) for a, b in zip(rows["total"], rows["year_total"], strict=True)
    ]
    rows["year_reconstructed"] = (
        rows["unit_code"].map(year_rebuilt).astype("boolean").fillna(False).astype(bool)
    )
    rows.insert(0, "period", last)
    rows.insert(rows.columns.get_loc("year_total"), "year_period", year)
    rows = rows.sort_values(["rank", "unit_code"], kind="stable", na_position="last")
    return rows.reset_index(drop=True)


def _totals_of_month(
    inputs: report.Inputs,
    month: str,
    last: str,
    codes: Sequence[str],
    merger_map: Mapping[str, str] | None,
    m: Methodology,
) -> tuple[pd.Series, pd.Series]:
    """Totals of one month outside the range (reconstructed if the merger lies between it and
    ``last``): unit_code → total, unit_code → reconstructed."""
    from mkbidx.core import ranking, trends

    ds = inputs.dataset
    counts = ds.counts[ds.counts["period"] == month]
    empty = pd.Series(dtype="float64"), pd.Series(dtype=bool)
    if counts.empty:
        return empty
    pub = ds.published_groups[ds.published_groups["period"] == month]
    limit = trends.month_ordinal(trends.MERGER_PERIOD)
    if merger_map and trends.month_ordinal(month) < limit <= trends.month_ordinal(last):
        counts = trends.reconstruct_merged(counts, merger_map)
        known = {str(k) for k in merger_map} | {str(v) for v in merger_map.values()}
        pub = pub[~pub["unit_code"].astype(str).isin(known)]
    else:
        counts = counts.assign(reconstructed=False)
    units = inputs.units[inputs.units["period"] == month]
    table = ranking.evaluate(counts, units, pub, methodology=m).table
    table = table[table["unit_code"].isin(set(codes))].set_index("unit_code")
    flags = counts.groupby("unit_code")["reconstructed"].any()
    return table["total"].astype("float64"), flags.reindex(table.index).fillna(False)


def _comparison(
    inputs: report.Inputs,
    params: TrendParameters,
    codes: Sequence[str],
    periods: tuple[str, str],
    months: Sequence[str],
    merger_map: Mapping[str, str] | None,
    m: Methodology,
) -> pd.DataFrame:
    """Two periods side by side for the units of the report (pooled counts)."""
    from mkbidx.core import trends

    ds = inputs.dataset
    sides = [trends.months_of(p) for p in periods]
    have = set(ds.counts["period"])
    for period, side in zip(periods, sides, strict=True):
        if not have & set(side):
            raise MkbidxError(
                f"không có số liệu kỳ so sánh {period} (missing period)",
                file=inputs.data_path,
                column="--compare",
                expected="một kỳ có số liệu, từ " + " đến ".join(_month_range(have)),
            )
    wanted = set(sides[0]) | set(sides[1])
    counts = ds.counts[ds.counts["period"].isin(wanted)]
    every = sorted(wanted | set(months))
    limit = trends.month_ordinal(trends.MERGER_PERIOD)
    crosses = trends.month_ordinal(every[0]) < limit <= trends.month_ordinal(every[-1])
    if merger_map and crosses:
        counts = trends.reconstruct_merged(counts, merger_map)
    result = trends.compare_periods(
        counts, inputs.units, first=periods[0], second=periods[1], methodology=m
    )
    under = result["parent_code"].astype(str) == params.scope
    result = result[result["unit_code"].isin(set(codes)) | under].copy()
    if "reconstructed" in counts:
        first = set(sides[0])
        early = counts[counts["period"].isin(first) & counts["reconstructed"].astype(bool)]
        result["reconstructed"] = result["unit_code"].isin(set(early["unit_code"]))
    else:
        result["reconstructed"] = False
    result = result.sort_values(
        ["second_total", "first_total", "unit_code"],
        ascending=[False, False, True],
        kind="stable",
        na_position="last",
    )
    return result.reset_index(drop=True)


def _peers(
    frames: TrendFrames, inputs: report.Inputs, params: TrendParameters
) -> tuple[pd.DataFrame, str | None]:
    """The scope and its peers over time (the scope alone if it has none), plus the comparison
    unit when one is asked for."""
    from mkbidx.core import trends

    table = frames.evaluation.table
    peers = frames.peers
    if peers.empty:
        peers = trends.totals_over_time(table, units=[params.scope], reconstructed=frames.counts)
    other_name = None
    other = params.compare_scope
    if other:
        if other == params.scope:
            raise MkbidxError(
                "đơn vị so sánh trùng với phạm vi báo cáo (compare scope)",
                column="--compare-scope",
                expected="mã một đơn vị khác",
            )
        extra = trends.totals_over_time(table, units=[other], reconstructed=frames.counts)
        if extra.empty:
            raise MkbidxError(
                f"không có số liệu của đơn vị so sánh '{other}' trong khoảng thời gian này",
                column="--compare-scope",
                expected="mã một đơn vị có số liệu, vd. "
                + report._short_list(peers["unit_code"].drop_duplicates()),
            )
        other_name = str(extra["unit_name"].iloc[-1])
        peers = pd.concat([peers[peers["unit_code"] != other], extra], ignore_index=True)
        first = peers["unit_code"] == params.scope
        second = peers["unit_code"] == other
        peers = pd.concat([peers[first], peers[second], peers[~first & ~second]], ignore_index=True)
    return peers.reset_index(drop=True), other_name


def _gap(
    inputs: report.Inputs, frames: TrendFrames, current: Sequence[str], last: str, m: Methodology
) -> tuple[pd.DataFrame | None, str]:
    """Per unit below the target in the last month, the actions that reach it."""
    from mkbidx.present import formatting

    top = m.bands[0]
    table = frames.evaluation.table
    rows = table[(table["period"] == last) & table["unit_code"].isin(set(current))]
    below = rows[rows["total"].round(m.rank_decimals) < top.min].sort_values(
        ["total", "unit_code"], ascending=[False, True], kind="stable"
    )
    label = formatting.period_label(last)
    if below.empty:
        return None, f"{label.capitalize()}: mọi đơn vị đều đạt từ {formatting.points(top.min)}."
    plan = report.gap_plan(
        inputs,
        below["unit_code"],
        period=last,
        methodology=m,
        group_names={g.key: g.short_name for g in m.groups},
    )
    note = (
        f"{label.capitalize()}: {len(below)} đơn vị dưới {formatting.points(top.min)}. Các việc "
        f"cần làm để đạt "
        f"{formatting.points(top.min)} (ít hồ sơ nhất, theo thứ tự thực hiện; tổng điểm sau mỗi "
        "việc tính lại theo phương pháp):"
    )
    return plan, note


def _former_names(
    inputs: report.Inputs, merger_map: Mapping[str, str], merged: set[str]
) -> dict[str, list[str]]:
    """For each merged commune, the names of its former communes (before the merger)."""
    from mkbidx.core import trends

    units = inputs.units
    before = units[units["period"].astype(str) < trends.MERGER_PERIOD].sort_values(
        "period", kind="stable"
    )
    names = before.drop_duplicates("unit_code", keep="last").set_index("unit_code")["unit_name"]
    out: dict[str, list[str]] = {}
    for old, new in merger_map.items():
        if new in merged:
            out.setdefault(new, []).append(str(names.get(old, old)))
    return out


def _headline_texts(r: TrendReport) -> tuple[str, tuple[str, ...]]:
    from mkbidx.present import formatting

    m = r.methodology
    threshold = formatting.points(r.threshold)
    first_label = formatting.period_label(r.first)
    last_label = formatting.period_label(r.last)

    def reaching(month: str) -> tuple[int, int]:
        values = r.series.loc[r.series["period"] == month, "total"].astype("float64")
        return int((values.round(m.rank_decimals) >= r.threshold).sum()), len(values)

    names = list(r.series.drop_duplicates("unit_code")["unit_name"].astype(str))
    kinds = formatting.unit_kind_phrase(names)
    good, n = reaching(r.last)
    span = f"trong {first_label}" if r.first == r.last else f"từ {first_label} đến {last_label}"
    lead = f"{len(names)} {kinds} được theo dõi {span}. "
    lead += f"{last_label.capitalize()}: {good}/{n} đơn vị đạt từ {threshold}"
    if r.first != r.last:
        good0, n0 = reaching(r.first)
        lead += f" ({first_label}: {good0}/{n0})"
    lead += "."
    texts: list[str] = []
    own = r.peers[r.peers["unit_code"] == r.scope].sort_values("period")
    own_last = own[own["period"] == r.last]
    if len(own_last) and not pd.isna(own_last["total"].iloc[0]):
        row = own_last.iloc[0]
        text = f"{r.scope_name} {last_label}: {formatting.score_of_max(row['total'], m.total_max)}"
        text += " điểm"
        ranked = not pd.isna(row["rank"]) and not pd.isna(row["rank_of"]) and row["rank_of"] > 1
        if ranked and isinstance(r.scope_level, str):
            peers = r.peers[(r.peers["period"] == r.last)]
            try:
                phrase = formatting.peers_phrase(
                    r.scope_level, list(peers["unit_name"].astype(str))
                )
            except MkbidxError:
                phrase = ""
            text += ", " + formatting.rank_phrase(row["rank"], row["rank_of"], phrase)
        own_first = own.iloc[0]
        if own_first["period"] != r.last and not pd.isna(own_first["total"]):
            diff = _difference(row["total"], own_first["total"])
            text += (
                f"; {_change_words(diff)} so với "
                f"{formatting.period_label(own_first['period'])} "
                f"({formatting.score(own_first['total'])} điểm)"
            )
        texts.append(text + ".")
    d = r.decomposition.drop_duplicates("unit_code")
    if len(d) >= 2 and r.first != r.last:
        up, down = d.iloc[0], d.iloc[-1]
        span = (
            f"từ {formatting.period_label(d['from_period'].iloc[0])} đến "
            f"{formatting.period_label(d['to_period'].iloc[0])}"
        )
        parts = []
        if up["total_delta"] > 0:
            parts.append(
                f"tăng nhiều nhất: {up['unit_name']} ({formatting.signed(up['total_delta'])})"
            )
        if down["total_delta"] < 0:
            parts.append(
                f"giảm nhiều nhất: {down['unit_name']} ({formatting.signed(down['total_delta'])})"
            )
        if parts:
            texts.append(f"Thay đổi tổng điểm {span}: " + "; ".join(parts) + ".")
    if r.reconstructed:
        rebuilt = r.series.loc[r.series["reconstructed"]]
        merged = formatting.name_list(rebuilt.drop_duplicates("unit_code")["unit_name"])
        texts.append(
            f"Từ {formatting.period_label(rebuilt['period'].min())} đến "
            f"{formatting.period_label(rebuilt['period'].max())}, điểm của {merged} là "
            f"{_rebuilt_phrase()} (cộng số liệu các xã cũ trước sáp nhập), xem mục cuối."
        )
    return lead, tuple(texts)


def _change_words(diff: float) -> str:
    from mkbidx.present import formatting

    if pd.isna(diff):
        return "chưa so sánh được"
    if diff > 0:
        return f"tăng {formatting.score(diff)} điểm"
    if diff < 0:
        return f"giảm {formatting.score(-diff)} điểm"
    return "không đổi"


# =============================================================================== figures
def _draw_figures(r: TrendReport) -> None:
    from mkbidx.present import formatting

    m = r.methodology
    render = report.render_png
    threshold = formatting.points(r.threshold)
    kinds = formatting.unit_kind_phrase(list(r.series["unit_name"].astype(str).unique()))
    units = r.series["unit_code"].nunique()
    floor = trend_figures._axis_floor(r.series["total"], r.threshold)
    rebuilt = f"; nét đứt, chấm rỗng: {_rebuilt_phrase()}" if r.reconstructed else ""
    r.figures["small_multiples"] = render(
        trend_figures._small_multiples(
            r.series, m, f"Tổng điểm các {kinds} thuộc {r.scope_name}, {r.range_label}"
        )
    )
    r.figure_text["small_multiples"] = (
        f"{units} biểu đồ nhỏ: tổng điểm từng đơn vị theo tháng, đường {threshold}",
        f"Mỗi ô một đơn vị, cùng thang điểm (trục đứng từ {formatting.compact(floor)} đến "
        f"{formatting.compact(m.total_max)}); đường đứt nét: {threshold}{rebuilt}.",
    )
    if not r.peers.empty and r.peers["total"].notna().any():
        alone = r.peers["unit_code"].nunique() == 1
        title = (
            f"{r.scope_name}: tổng điểm theo tháng"
            if alone
            else f"{r.scope_name} so với các đơn vị cùng cấp"
        )
        r.figures["peers"] = render(trend_figures._peers_chart(r), title=title)
        caption = (
            f"{r.scope_name} không có đơn vị cùng cấp trong dữ liệu; đường đứt nét: {threshold}."
            if alone
            else f"Đường xanh đậm: {r.scope_name}; đường xám: các đơn vị cùng cấp"
            + (f"; đường cam: {r.compare_scope_name}" if r.compare_scope_name else "")
            + f"; đường đứt nét: {threshold}."
        )
        r.figure_text["peers"] = (
            f"Biểu đồ đường: tổng điểm của {r.scope_name} theo tháng",
            caption,
        )
    bump = r.ranks[r.ranks["unit_code"].isin(set(r.current))]
    if len(bump) and bump["rank"].notna().any() and len(r.months) > 1:
        r.figures["bump"] = render(
            trend_figures._bump(bump), title=f"Thứ hạng các {kinds}, {r.range_label}"
        )
        n = bump["unit_code"].nunique()
        caption = "Thứ hạng 1 ở trên cùng."
        highlight = trend_figures.BUMP_HIGHLIGHT
        if n > trend_figures.BUMP_ALL_COLOURS:
            caption += (
                f" Có màu: {highlight} đơn vị tăng hạng nhiều nhất và {highlight} đơn vị "
                "giảm hạng nhiều nhất từ tháng đầu đến tháng cuối; các đơn vị khác màu xám."
            )
        dropped = r.series["unit_code"].nunique() - n
        if dropped:
            last = formatting.period_label(r.last)
            caption += f" {dropped} đơn vị không có số liệu {last} không được vẽ."
        if r.reconstructed:
            caption += f" Thứ hạng của các xã mới trước sáp nhập tính trên {_rebuilt_phrase()}."
        r.figure_text["bump"] = (f"Biểu đồ thứ hạng của {n} đơn vị qua các tháng", caption)
    if len(r.decomposition) and r.first != r.last:
        d = r.decomposition
        a = formatting.period_label(d["from_period"].iloc[0])
        b = formatting.period_label(d["to_period"].iloc[0])
        r.figures["decomposition"] = render(
            trend_figures._decomposition_chart(d, m),
            title=f"Thay đổi tổng điểm từ {a} đến {b}, theo nhóm chỉ số",
        )
        r.figure_text["decomposition"] = (
            "Biểu đồ thanh: thay đổi điểm của sáu nhóm chỉ số ở từng đơn vị",
            "Mỗi màu một nhóm chỉ số: bên phải 0 là tăng, bên trái là giảm; hình thoi: thay đổi "
            "của tổng điểm (bằng tổng các thanh). Đơn vị tăng nhiều nhất ở trên cùng.",
        )
    if r.comparison is not None and len(r.comparison) and r.comparison_periods is not None:
        a, b = (period_name(p) for p in r.comparison_periods)
        r.figures["comparison"] = render(
            trend_figures._comparison_chart(r), title=f"Tổng điểm {a} và {b}"
        )
        r.figure_text["comparison"] = (
            f"Biểu đồ so sánh tổng điểm hai kỳ: {a} và {b}",
            f"Chấm xám: {a}; chấm xanh: {b}; đường đứt nét: {threshold}.",
        )
    if r.merged is not None and len(r.merged):
        r.figures["merger"] = render(
            trend_figures._small_multiples(r.merged, m, f"Các xã mới từ 1/7/2025: {r.range_label}")
        )
        r.figure_text["merger"] = (
            f"Biểu đồ tổng điểm các xã mới, các tháng trước sáp nhập là {_rebuilt_phrase()}",
            f"Nét đứt, chấm rỗng: {_rebuilt_phrase()} (cộng số liệu các xã cũ); nét liền: số "
            f"liệu của xã mới; đường đứt nét ngang: {threshold}.",
        )


# =============================================================================== files
def report_tables(r: TrendReport) -> dict[str, pd.DataFrame]:
    """The report's tables with snake_case columns (what the CSV files hold)."""
    tables = {
        "totals": r.series,
        "changes": r.changes,
        "month_changes": r.month_changes,
        "year_changes": r.frames.year_changes,
        "ranks": r.ranks,
        "streaks": r.streaks,
        "decomposition": r.decomposition,
        "drivers": r.drivers,
        "peers": r.peers,
        "summary": r.frames.summary,
    }
    if r.comparison is not None:
        tables["comparison"] = r.comparison
    if r.gap is not None:
        tables["gap"] = r.gap
    if r.merged is not None:
        tables["merged"] = r.merged
    return tables


SHEET_NAMES = {
    "totals": "Tổng điểm",
    "changes": "Thay đổi tháng cuối",
    "month_changes": "So với tháng trước",
    "year_changes": "So với cùng kỳ",
    "ranks": "Thứ hạng",
    "streaks": "Chuỗi tháng",
    "decomposition": "Theo nhóm chỉ số",
    "drivers": "Nhóm tác động",
    "peers": "Đơn vị cùng cấp",
    "summary": "Tóm tắt",
    "comparison": "So sánh hai kỳ",
    "gap": "Khoảng cách",
    "merged": "Xã sau sáp nhập",
}


def _sheets(r: TrendReport, tables: Mapping[str, pd.DataFrame]):
    from mkbidx.present import formatting

    labels = formatting.column_labels(r.methodology)
    labels.update(
        {
            "reconstructed": _rebuilt_phrase().capitalize(),
            "prev_period": "Kỳ trước",
            "prev_total": "Tổng điểm kỳ trước",
            "change": "Thay đổi",
            "lag": "Số tháng so sánh",
            "prev_rank": "Xếp hạng tháng trước",
            "rank_change": "Thứ hạng thay đổi",
            "year_period": "Cùng kỳ năm trước",
            "year_total": "Tổng điểm cùng kỳ năm trước",
            "year_change": "So với cùng kỳ năm trước",
            "year_reconstructed": "Cùng kỳ là số liệu dựng lại",
            "group": "Mã nhóm",
            "group_name": "Nhóm",
            "from_period": "Từ kỳ",
            "to_period": "Đến kỳ",
            "from_score": "Điểm đầu",
            "to_score": "Điểm cuối",
            "delta": "Thay đổi của nhóm",
            "from_total": "Tổng điểm đầu",
            "to_total": "Tổng điểm cuối",
            "total_delta": "Thay đổi tổng điểm",
            "first_period": "Kỳ thứ nhất",
            "second_period": "Kỳ thứ hai",
            "first_total": "Tổng điểm kỳ thứ nhất",
            "second_total": "Tổng điểm kỳ thứ hai",
            "difference": "Chênh lệch",
            "first_rank": "Xếp hạng kỳ thứ nhất",
            "second_rank": "Xếp hạng kỳ thứ hai",
            "first_months": "Số tháng kỳ thứ nhất",
            "second_months": "Số tháng kỳ thứ hai",
            "how": "Cách gộp",
            "metric": "Mã chỉ số",
            "metric_name": "Chỉ số",
            "target": "Mục tiêu",
            "additional_count": "Số lượng cần thêm",
            "action": "Việc cần làm",
            "score_after": "Tổng điểm sau đó",
            "numerator": "Tử số",
            "denominator": "Mẫu số",
            "note": "Ghi chú",
        }
    )
    sheets = {
        SHEET_NAMES.get(key, key): report.sheet_frame(frame, labels)
        for key, frame in tables.items()
    }
    scores = [labels[k] for k in r.methodology.group_keys] + [
        labels[k]
        for k in (
            "total",
            "prev_total",
            "change",
            "year_total",
            "year_change",
            "from_total",
            "to_total",
            "total_delta",
            "first_total",
            "second_total",
            "difference",
            "score_after",
        )
    ]
    return sheets, dict.fromkeys(scores, "0.00")


def write_trend_artifacts(r: TrendReport, folder: str | Path | None) -> list[Path]:
    """Write the figures (PNG), tables (CSV, one XLSX) and ``summary.json`` of a trend report.

    Nothing is written when ``folder`` is None (an interactive run). Same inputs, same bytes.

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
        put(f"{report.FIGURES_DIR}/{key}.png", png)
    tables = report_tables(r)
    for key, frame in tables.items():
        put(f"{report.TABLES_DIR}/{key}.csv", csv_bytes(frame))
    sheets, formats = _sheets(r, tables)
    put(f"{report.TABLES_DIR}/{report.XLSX_NAME}", xlsx_bytes(sheets, number_formats=formats))
    put(report.SUMMARY, json_bytes(r.summary()))
    return written


# =============================================================================== runner
@dataclass(frozen=True)
class TrendResult:
    """What :func:`run_trend_report` made."""

    params: TrendParameters
    folder: Path
    summary: dict[str, Any]

    @property
    def html(self) -> Path:
        return self.folder / report.REPORT_HTML


def trend_folder(output_root: str | Path | None, params: TrendParameters) -> Path:
    """``<output_root>/trends/<scope>/<from>_<to>``."""
    root = Path(output_root) if output_root is not None else report.DEFAULT_OUTPUT
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
) -> TrendResult:
    """Make the trend report of ``scope`` from ``first_period`` to ``last_period``.


    Runs ``notebooks/trend_comparison.ipynb`` with papermill, exports ``report.html`` (one
    self-contained page, :func:`mkbidx.reports.monthly.export_html`) and writes ``manifest.json``
    into
    ``<output_root>/trends/<scope>/<from>_<to>/``. The folder is built aside and moved into
    place when complete: a failed run leaves nothing behind.

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
        The notebook to run; default ``notebooks/trend_comparison.ipynb``.

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
    )
    root = Path(output_root) if output_root is not None else report.DEFAULT_OUTPUT
    target = trend_folder(root, params)
    if target.exists() and not force:
        raise MkbidxError(
            "báo cáo xu hướng đã tồn tại, không ghi đè (output exists)",
            file=target,
            expected="dùng --force để tạo lại",
        )
    template = Path(template) if template is not None else TREND_TEMPLATE
    existed = [p for p in (root / TRENDS_DIR, target.parent) if p.exists()]
    root.mkdir(parents=True, exist_ok=True)
    try:
        with atomic_folder(target, force=force) as staging:
            run_params = {**params.as_dict(), "output_dir": str(staging)}
            report._execute(template, staging / report.REPORT_NOTEBOOK, run_params)
            summary = json.loads((staging / report.SUMMARY).read_text("utf-8"))
            report.export_html(
                staging / report.REPORT_NOTEBOOK,
                staging / report.REPORT_HTML,
                title=summary["title"],
                methodology=summary["methodology"],
            )
            _write_manifest(staging, params, template)
    except BaseException:
        if target.parent not in existed:
            report._remove_empty_dirs(target.parent, root)
        raise
    return TrendResult(params, target, summary)


def _write_manifest(folder: Path, params: TrendParameters, template: Path) -> Path:
    from mkbidx import methodology as _methodology

    m = _methodology.load(params.methodology)
    try:
        shown_template = template.resolve().relative_to(report.PROJECT_ROOT).as_posix()
    except ValueError:
        shown_template = str(template)
    summary = json.loads((folder / report.SUMMARY).read_text("utf-8"))
    outputs = [
        {
            "path": p.relative_to(folder).as_posix(),
            "sha256": sha256_file(p),
            "size": p.stat().st_size,
        }
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != report.MANIFEST
    ]
    parameters = params.as_dict()
    parameters.pop("output_dir")
    parameters["methodology"] = params.methodology or m.id
    manifest = {
        "mkbidx_version": __version__,
        "methodology": {"id": m.id, "title": m.title, "effective_from": m.effective_from},
        "parameters": parameters,
        "template": {"path": shown_template, "sha256": sha256_file(template)},
        "kernel": report.KERNEL_NAME,
        "inputs": list(summary.get("inputs", [])),
        "outputs": outputs,
    }
    return write_atomic(folder / report.MANIFEST, lambda p: p.write_bytes(json_bytes(manifest)))


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
