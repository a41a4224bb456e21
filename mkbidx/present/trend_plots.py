"""Trend charts: small multiples of totals, a unit against its peers, rank movement (bump chart),
group decomposition of a change, two periods side by side.

Same manners as :mod:`mkbidx.present.plots`: inputs are the frames of :mod:`mkbidx.core.trends`,
every function draws and returns (an Axes, or the Figure for the facet grid) and never shows or
saves. The defaults are the trend report's look, and every option the report needs (title, axis
floor, unit labels, comparison unit, ...) is a parameter: the report never edits what it gets
back. Drawing happens inside :func:`mkbidx.present.plots.theme` (DejaVu Sans for the Vietnamese
glyphs), labels are Vietnamese, numbers on axes have a decimal comma
(:mod:`mkbidx.present.formatting`). Units are named by :func:`display_names` (short names, the
kind kept where two units share one). Months reconstructed across the 1/7/2025 merger
(``reconstructed=True``) are drawn dashed with hollow markers and labelled "số liệu dựng lại".

Artists carry a ``gid`` so that tests and the report can find them: ``"total"`` (a unit's line),
``"reconstructed"``, ``"peer"``, ``"compare"``, ``"threshold"``, ``"rank"``, ``"delta"``,
``"total_delta"``, ``"first"``, ``"second"``, ``"link"``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from mkbidx.core.trends import default_threshold
from mkbidx.present import formatting, plots
from mkbidx.present.labels import RECONSTRUCTED_LABEL

if TYPE_CHECKING:
    from mkbidx.methodology import Methodology

MAX_X_LABELS = 8
"""At most this many month labels on a time axis (every n-th month is labelled)."""
FACET_WIDTH = 2.6
FACET_HEIGHT = 2.4
"""Size of one facet of the small multiples (inches)."""
FACET_FONT = 8
"""Tick label size of the facets (facet titles +2, the figure title +4)."""
FACET_LEGEND_HEIGHT = 0.4
"""Inches under the facets for the figure legend."""
_DRAFT_FACET = (3.2, 2.4, 0.6, 0.06)
"""Facet width and height, legend band (inches) and its share of the figure of the first pass of
:func:`_layout_facets`."""
PEER_COLOR = "#B0B0B0"
"""Grey of the peers' lines behind the highlighted unit."""
HIGHLIGHT_COLOR = "#0072B2"
COMPARE_COLOR = "#D55E00"
"""Okabe–Ito vermilion of the comparison unit in the peers chart."""
FIRST_COLOR = "#999999"
SECOND_COLOR = "#0072B2"
DELTA_MARKER_COLOR = "#000000"
BUMP_ALL_COLOURS = 6
"""Up to this many units every line of the bump chart has its colour ..."""
BUMP_HIGHLIGHT = 3
"""... with more, this many largest risers and this many largest fallers are coloured."""
BUMP_GREY = "#DADADA"
"""Lines of the units not coloured in the bump chart."""
MUTED_TEXT = "#8A8A8A"
"""End labels of those units."""
TIE_SPACING = 10.0
"""Points between the stacked end labels of units tied at the same rank (bump chart)."""
ROW_INCHES = 0.32
"""Height per unit of the decomposition and comparison charts (inches)."""
LEGEND_DROP = 0.6
"""Inches between the bottom of a chart's axes and the legend below it."""
AXIS_STEP = 10.0
"""Score axes start at a multiple of this many points (:func:`axis_floor`) ..."""
AXIS_MARGIN = 10.0
"""... at least this many points under the threshold."""


_method, _require, _label = plots._method, plots._require, plots._text


def display_names(names: Mapping[str, str]) -> dict[str, str]:
    """Chart labels of units: the short name ("Tả Thàng"), or the name with its kind in lower
    case when two units share a short name ("xã Mường Khương", "huyện Mường Khương").

    Examples
    --------
    >>> display_names({"02761": "Xã Mường Khương", "083": "Huyện Mường Khương",
    ...                "084": "Huyện Si Ma Cai"})
    {'02761': 'xã Mường Khương', '083': 'huyện Mường Khương', '084': 'Si Ma Cai'}
    """
    short = {code: formatting.short_unit_name(str(name)) for code, name in names.items()}
    seen: dict[str, int] = {}
    for label in short.values():
        seen[label] = seen.get(label, 0) + 1
    return {
        code: formatting.inline_unit_name(str(names[code])) if seen[label] > 1 else label
        for code, label in short.items()
    }


def unit_names(frame: pd.DataFrame) -> dict[str, str]:
    """unit_code → unit_name (the last name of each unit in ``frame``; the code without names).

    Examples
    --------
    >>> unit_names(pd.DataFrame({"unit_code": ["a", "a"], "unit_name": ["Xã A", "Phường A"]}))
    {'a': 'Phường A'}
    """
    last = frame.drop_duplicates("unit_code", keep="last")
    names = last["unit_name"] if "unit_name" in last else last["unit_code"]
    return dict(zip(last["unit_code"].astype(str), names.astype(str), strict=True))


def _labels(frame: pd.DataFrame, labels: Mapping[str, str] | None) -> dict[str, str]:
    """Shown label of every unit of ``frame``: ``labels`` where given, else
    :func:`display_names`; ``$`` kept literal."""
    shown = display_names(unit_names(frame))
    shown.update({str(k): str(v) for k, v in (labels or {}).items()})
    return {code: _label(text) for code, text in shown.items()}


def axis_floor(values: Any, threshold: float) -> float:
    """Lowest score shown on a trend chart: a multiple of :data:`AXIS_STEP` under every value
    and at least :data:`AXIS_MARGIN` under the threshold (never below 0).

    Examples
    --------
    >>> axis_floor([70.8, 95.0], 80.0), axis_floor([81.0], 80.0), axis_floor([3.0], 80.0)
    (70.0, 70.0, 0.0)
    """
    arr = np.asarray(values, dtype="float64")
    arr = arr[np.isfinite(arr)]
    low = min(float(arr.min()) if len(arr) else threshold, threshold - AXIS_MARGIN)
    return max(0.0, math.floor(low / AXIS_STEP) * AXIS_STEP)


def facet_columns(n: int) -> int:
    """Facets per row of the small multiples: all in one row up to 4, three up to 9, else four.

    Examples
    --------
    >>> [facet_columns(n) for n in (1, 4, 5, 9, 10)]
    [1, 4, 3, 3, 4]
    """
    return n if n <= 4 else 3 if n <= 9 else 4


def _row_figure(rows: int, margin: float) -> Axes:
    """Axes of a new one-row-per-unit chart: :data:`ROW_INCHES` per unit plus ``margin``
    inches (title, axis, legend)."""
    return plt.subplots(figsize=(plots.FIG_WIDTH, ROW_INCHES * max(rows, 1) + margin))[1]


def _signed_axis(axis) -> None:
    def fmt(value, _pos):
        text = formatting.compact(value)
        return "+" + text if value > 0 else text

    axis.set_major_formatter(FuncFormatter(fmt))


def _time_axis(ax: Axes, periods: Sequence[str]) -> None:
    """Month positions 0..n-1 labelled "8/2024", at most :data:`MAX_X_LABELS` labels."""
    n = len(periods)
    step = max(1, math.ceil(n / MAX_X_LABELS))
    ticks = list(range(0, n, step))
    ax.set_xticks(ticks, labels=[formatting.period_short(periods[i]) for i in ticks])
    ax.set_xlim(-0.5, n - 0.5)


def _threshold(ax: Axes, value: float, *, vertical: bool = False, label: bool = True) -> None:
    style = {"color": plots.THRESHOLD_COLOR, "linestyle": "--", "linewidth": 1.0, "zorder": 1.5}
    line = ax.axvline(value, **style) if vertical else ax.axhline(value, **style)
    line.set_gid("threshold")
    line.set_label(formatting.points(value))
    if label and not vertical:
        ax.text(
            1.0,
            value,
            " " + formatting.points(value),
            transform=ax.get_yaxis_transform(),
            ha="left",
            va="center",
            color=plots.THRESHOLD_COLOR,
            fontsize=8,
        )


def _wide(series: pd.DataFrame, value: str = "total") -> tuple[list[str], pd.DataFrame]:
    periods = sorted(series["period"].astype(str).unique())
    wide = series.pivot_table(
        index="period", columns="unit_code", values=value, aggfunc="first", dropna=False
    ).reindex(index=periods)
    return periods, wide


def _flags(series: pd.DataFrame, periods: list[str]) -> pd.DataFrame:
    if "reconstructed" not in series:
        return pd.DataFrame(False, index=periods, columns=series["unit_code"].unique())
    flags = series.assign(reconstructed=series["reconstructed"].fillna(False).astype(bool))
    return (
        flags.pivot_table(
            index="period", columns="unit_code", values="reconstructed", aggfunc="any"
        )
        .reindex(index=periods)
        .fillna(False)
        .astype(bool)
    )


def _draw_total(
    ax: Axes, x: np.ndarray, y: np.ndarray, rebuilt: np.ndarray, *, color: str, label: str
) -> None:
    """A unit's totals: solid for real months, dashed with hollow markers for rebuilt ones."""
    real = np.where(rebuilt, np.nan, y)
    ax.plot(x, real, marker="o", markersize=3, color=color, label=label, gid="total", zorder=3)
    if rebuilt.any():
        shown = rebuilt.copy()
        after = np.nonzero(~rebuilt & np.isfinite(y))[0]
        last_rebuilt = np.nonzero(rebuilt)[0][-1]
        following = after[after > last_rebuilt]
        if len(following):  # join the rebuilt history to the first real month
            shown[following[0]] = True
        ax.plot(
            x,
            np.where(shown, y, np.nan),
            marker="o",
            markersize=3,
            markerfacecolor="white",
            linestyle="--",
            color=color,
            label=RECONSTRUCTED_LABEL,
            gid="reconstructed",
            zorder=2.5,
        )


def _rebuilt_handle(color: str, markersize: float | None = None) -> Line2D:
    """Legend entry of rebuilt months (dashed, hollow markers)."""
    return Line2D(
        [], [], color=color, linestyle="--", marker="o", markerfacecolor="white",
        markersize=markersize, label=RECONSTRUCTED_LABEL,
    )  # fmt: skip


# --------------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------------


def plot_small_multiples(
    series: pd.DataFrame,
    *,
    threshold: float | None = None,
    methodology: Methodology | None = None,
    columns: int | None = None,
    floor: float = 0.0,
    labels: Mapping[str, str] | None = None,
    title: str | None = None,
    facet_size: tuple[float, float] = (FACET_WIDTH, FACET_HEIGHT),
    font_size: float = FACET_FONT,
) -> Figure:
    """One small chart per unit: its total month by month with the threshold line.

    Parameters
    ----------
    series
        :func:`mkbidx.core.trends.totals_over_time` (period, unit_code, unit_name, total, optionally
        reconstructed); facets follow its unit order.
    threshold
        Default: the top band's minimum (80).
    methodology
        The maximum total and the threshold; default: the current methodology.
    columns
        Facets per row; default: :func:`facet_columns` of the number of units.
    floor
        Lowest total on the shared y axis (e.g. :func:`axis_floor`); the axis ends at the
        maximum total.
    labels
        Facet titles by unit_code; default: :func:`display_names`.
    title
        Figure title, at the top left; default: none.
    facet_size
        (width, height) of one facet in inches; the figure is at least two facets wide and has
        :data:`FACET_LEGEND_HEIGHT` inches for the legend under the facets.
    font_size
        Tick labels; facet titles are 2 points larger, the figure title 4 points.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes`` has one Axes per unit (titled with its label), each with the unit's line
        (gid "total", x = 0, 1, … over all months, NaN where missing), its rebuilt months (gid
        "reconstructed") and the threshold line (gid "threshold"); shared axes from ``floor``
        to the maximum total; the figure legend under the facets.

    Examples
    --------
    >>> s = pd.DataFrame({"period": ["2024-07", "2024-08"] * 2,
    ...     "unit_code": ["a", "a", "b", "b"], "unit_name": ["Xã A", "Xã A", "Xã B", "Xã B"],
    ...     "total": [79.0, 81.5, 90.0, 88.0]})
    >>> fig = plot_small_multiples(s, floor=70.0, title="Tổng điểm")
    >>> [ax.get_title() for ax in fig.axes], fig.axes[0].lines[0].get_ydata().tolist()
    (['A', 'B'], [79.0, 81.5])
    >>> tuple(map(float, fig.axes[0].get_ylim())), fig.get_suptitle()
    ((70.0, 100.0), 'Tổng điểm')
    >>> plt.close(fig)
    """
    _require(series, ["period", "unit_code", "total"], "plot_small_multiples")
    m = _method(methodology)
    threshold = default_threshold(m) if threshold is None else float(threshold)
    data = series.assign(unit_code=series["unit_code"].astype(str))
    if "unit_name" not in data:
        data["unit_name"] = data["unit_code"]
    codes = list(dict.fromkeys(data["unit_code"]))
    if not codes:
        raise ValueError("plot_small_multiples: no units to draw")
    shown = _labels(data, labels)
    periods, wide = _wide(data)
    flags = _flags(data, periods)
    ncols = facet_columns(len(codes)) if columns is None else int(columns)
    ncols = max(1, min(ncols, len(codes)))
    nrows = math.ceil(len(codes) / ncols)
    width, height = facet_size[0] * max(ncols, 2), facet_size[1] * nrows + FACET_LEGEND_HEIGHT
    color = plots.SCORE_BAR_COLOR
    draft_width, draft_height, draft_band, _ = _DRAFT_FACET
    with plots.theme():
        fig, axes = plt.subplots(
            nrows,
            ncols,
            figsize=(draft_width * ncols, draft_height * nrows + draft_band),
            sharex=True,
            sharey=True,
            squeeze=False,
        )
        x = np.arange(len(periods))
        flat = axes.ravel()
        any_rebuilt = False
        for ax, code in zip(flat, codes, strict=False):
            y = wide[code].astype("float64").to_numpy()
            rebuilt = flags[code].to_numpy() if code in flags else np.zeros(len(x), dtype=bool)
            any_rebuilt |= bool(rebuilt.any())
            _draw_total(ax, x, y, rebuilt, color=color, label=shown[code])
            _threshold(ax, threshold, label=False)
            ax.set_title(shown[code], fontsize=font_size + 2)
            ax.set_ylim(floor, m.total_max)
            ax.yaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
            ax.yaxis.set_major_formatter(plots._decimal_formatter())
            _time_axis(ax, periods)
            ax.tick_params(axis="x", labelrotation=45, labelsize=font_size - 1)
            ax.tick_params(axis="y", labelsize=font_size - 1)
        for i, ax in enumerate(flat[len(codes) :], start=len(codes)):
            fig.delaxes(ax)
            above = i - ncols
            if 0 <= above < len(codes):  # no facet below it: show its month labels
                flat[above].xaxis.set_tick_params(labelbottom=True)
        handles = [
            Line2D([], [], color=color, marker="o", markersize=3, label="Tổng điểm"),
            Line2D(
                [],
                [],
                color=plots.THRESHOLD_COLOR,
                linestyle="--",
                label=formatting.points(threshold),
            ),
        ]
        if any_rebuilt:
            handles.append(_rebuilt_handle(color, markersize=3))
        fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False)
        _layout_facets(fig, (width, height), font_size, title)
    return fig


def _layout_facets(
    fig: Figure, size: tuple[float, float], font_size: float, title: str | None
) -> None:
    """Lay the facets out in two passes: at the draft size (:data:`_DRAFT_FACET`, ticks one
    point smaller), then at ``size`` with the final ticks and the title.

    ``tight_layout`` is not idempotent with rotated month labels (how far they overhang depends
    on the facet width), so the result depends on where the facets start; two passes keep the
    spacing of the figures the trend report has always shipped.
    """
    fig.tight_layout(rect=(0, _DRAFT_FACET[3], 1, 1))
    fig.set_size_inches(*size)
    for ax in fig.axes:
        ax.tick_params(axis="both", labelsize=font_size)
    if title:
        fig.suptitle(title, x=0.01, ha="left", fontsize=font_size + 4)
    fig.tight_layout(rect=(0, FACET_LEGEND_HEIGHT / size[1], 1, 1))


def plot_peers(
    series: pd.DataFrame,
    *,
    highlight: str,
    compare: str | None = None,
    threshold: float | None = None,
    methodology: Methodology | None = None,
    floor: float = 0.0,
    labels: Mapping[str, str] | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """A unit's total over the months against its peers (grey lines behind it).

    A unit without peers (``series`` has only ``highlight``) is drawn as in the monthly report,
    :func:`mkbidx.present.plots.plot_total_trend`.

    Parameters
    ----------
    series
        Totals over time of the unit and its peers (``TrendFrames.peers``).
    highlight
        unit_code of the unit in front.
    compare
        unit_code of a unit of ``series`` drawn in :data:`COMPARE_COLOR` on top of the peers
        (gid "compare"), second in the legend; default: none.
    threshold
        Default: the top band's minimum (80).
    floor
        Lowest total on the y axis (e.g. :func:`axis_floor`).
    labels
        Unit labels by unit_code; default: :func:`display_names`.
    title
        Chart title (:func:`mkbidx.present.plots.add_title`).
    ax
        Axes to draw on; default: a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The highlighted unit's line first (gid "total", label its name), then one grey line per
        peer (gid "peer"), the threshold line, the comparison unit's line (gid "compare"); the
        legend at the lower left.

    Examples
    --------
    >>> s = pd.DataFrame({"period": ["2024-07", "2024-08"] * 3,
    ...     "unit_code": ["083", "083", "080", "080", "084", "084"],
    ...     "unit_name": ["Huyện Mường Khương"] * 2 + ["Thành phố Lào Cai"] * 2
    ...                  + ["Huyện Si Ma Cai"] * 2,
    ...     "total": [85.0, 88.23, 90.1, 86.0, 79.5, 82.0]})
    >>> ax = plot_peers(s, highlight="083", compare="084", floor=70.0)
    >>> ax.lines[0].get_label(), [ln.get_gid() for ln in ax.lines]
    ('Mường Khương', ['total', 'peer', 'peer', 'threshold', 'compare'])
    >>> [t.get_text() for t in ax.get_legend().get_texts()], tuple(map(float, ax.get_ylim()))
    (['Mường Khương', 'Si Ma Cai', 'Các đơn vị cùng cấp'], (70.0, 100.0))
    >>> plt.close(ax.figure)
    """
    _require(series, ["period", "unit_code", "total"], "plot_peers")
    m = _method(methodology)
    threshold = default_threshold(m) if threshold is None else float(threshold)
    data = series.assign(unit_code=series["unit_code"].astype(str))
    if "unit_name" not in data:
        data["unit_name"] = data["unit_code"]
    highlight = str(highlight)
    for code in (highlight, compare):
        if code is not None and str(code) not in set(data["unit_code"]):
            raise ValueError(f"plot_peers: no data for unit {code}")
    if data["unit_code"].nunique() == 1:  # no peers: the unit's own trend
        with plots.theme():
            return plots.plot_total_trend(
                data[["period", "unit_code", "unit_name", "total"]],
                methodology=m,
                threshold=threshold,
                floor=floor,
                title=title,
                ax=ax,
            )
    shown = _labels(data, labels)
    periods, wide = _wide(data)
    flags = _flags(data, periods)
    x = np.arange(len(periods))
    with plots.theme():
        if ax is None:
            _fig, ax = plt.subplots(figsize=(plots.FIG_WIDTH, 4.2))
        y = wide[highlight].astype("float64").to_numpy()
        rebuilt = flags[highlight].to_numpy() if highlight in flags else np.zeros(len(x), bool)
        _draw_total(ax, x, y, rebuilt, color=HIGHLIGHT_COLOR, label=shown[highlight])
        for code in dict.fromkeys(data["unit_code"]):
            if code == highlight:
                continue
            ax.plot(
                x,
                wide[code].astype("float64").to_numpy(),
                color=PEER_COLOR,
                linewidth=1.0,
                label=shown[code],
                gid="peer",
                zorder=1,
            )
        _threshold(ax, threshold)
        handles = [
            Line2D([], [], color=HIGHLIGHT_COLOR, marker="o", label=shown[highlight]),
            Line2D([], [], color=PEER_COLOR, label="Các đơn vị cùng cấp"),
        ]
        if compare is not None:
            compare = str(compare)
            ax.plot(
                x,
                wide[compare].astype("float64").to_numpy(),
                marker="s",
                markersize=4,
                color=COMPARE_COLOR,
                label=shown[compare],
                gid="compare",
                zorder=3,
            )
            handles.insert(1, Line2D([], [], color=COMPARE_COLOR, marker="s", label=shown[compare]))
        ax.set_ylim(floor, m.total_max)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        ax.yaxis.set_major_formatter(plots._decimal_formatter())
        _time_axis(ax, periods)
        ax.set_ylabel("Tổng điểm")
        if rebuilt.any():
            handles.append(_rebuilt_handle(HIGHLIGHT_COLOR))
        ax.legend(handles=handles, loc="lower left", frameon=False, fontsize=8)
        plots.add_title(ax, title)
    return ax


def bump_highlights(ranks: pd.DataFrame, n: int = BUMP_HIGHLIGHT) -> list[str]:
    """The ``n`` units that rose most and the ``n`` that fell most in rank from their first
    to their last ranked month (risers first; ties by unit_code).

    Examples
    --------
    >>> r = pd.DataFrame({"period": ["2024-07"] * 3 + ["2024-08"] * 3,
    ...     "unit_code": ["a", "b", "c"] * 2, "rank": [3, 1, 2, 1, 2, 3]})
    >>> bump_highlights(r, 1)  # a rose 2 places; b and c fell 1 (tie: by code)
    ['a', 'b']
    """
    data = ranks.assign(
        unit_code=ranks["unit_code"].astype(str),
        rank=pd.to_numeric(ranks["rank"], errors="coerce").astype("float64"),
    )
    ordered = data.sort_values("period", kind="stable").dropna(subset=["rank"])
    first = ordered.drop_duplicates("unit_code", keep="first").set_index("unit_code")["rank"]
    final = ordered.drop_duplicates("unit_code", keep="last").set_index("unit_code")["rank"]
    move = (first - final.reindex(first.index)).dropna().astype(int)
    move = move.rename("move").reset_index()
    risers = move[move["move"] > 0].sort_values(["move", "unit_code"], ascending=[False, True])
    fallers = move[move["move"] < 0].sort_values(["move", "unit_code"])
    return [*risers["unit_code"][:n], *fallers["unit_code"][:n]]


def plot_bump(
    ranks: pd.DataFrame,
    *,
    labels: Mapping[str, str] | None = None,
    max_coloured: int = BUMP_ALL_COLOURS,
    highlight: int = BUMP_HIGHLIGHT,
    tie_spacing: float = TIE_SPACING,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Rank movement over the months: one line per unit, rank 1 at the top.

    Parameters
    ----------
    ranks
        :func:`mkbidx.core.trends.rank_movement` (period, unit_code, unit_name, rank).
    labels
        Unit labels by unit_code; default: :func:`display_names`.
    max_coloured
        Up to this many units every line has its own colour; with more, only the
        :func:`bump_highlights` (``highlight`` largest risers and fallers) are coloured, in bold
        thick lines, and the others grey.
    highlight
        See ``max_coloured``.
    tie_spacing
        Points between the end labels of units ending at the same rank (stacked, not
        overprinted).
    title
        Chart title (:func:`mkbidx.present.plots.add_title`).
    ax
        Axes to draw on; default: a new figure sized to the number of ranks.

    Returns
    -------
    matplotlib.axes.Axes
        One line per unit (gid "rank"; x = 0, 1, … over the months, y = its ranks, NaN where not
        ranked) in order of the last rank, labelled at its right end (``ax.texts``); inverted y
        axis.

    Examples
    --------
    >>> r = pd.DataFrame({"period": ["2024-07", "2024-07", "2024-08", "2024-08"],
    ...     "unit_code": ["a", "b", "a", "b"], "unit_name": ["Xã A", "Xã B"] * 2,
    ...     "rank": [2, 1, 1, 2]})
    >>> ax = plot_bump(r, title="Thứ hạng")
    >>> [ln.get_ydata().tolist() for ln in ax.lines], bool(ax.yaxis_inverted())
    ([[2.0, 1.0], [1.0, 2.0]], True)
    >>> [t.get_text() for t in ax.texts]
    ['A', 'B']
    >>> plt.close(ax.figure)
    """
    _require(ranks, ["period", "unit_code", "rank"], "plot_bump")
    data = ranks.assign(
        unit_code=ranks["unit_code"].astype(str),
        rank=pd.to_numeric(ranks["rank"], errors="coerce").astype("float64"),
    )
    if "unit_name" not in data:
        data["unit_name"] = data["unit_code"]
    periods, wide = _wide(data, "rank")
    shown = _labels(data, labels)
    last = data.sort_values("period").drop_duplicates("unit_code", keep="last")
    codes = last.sort_values(["rank", "unit_code"], na_position="last")["unit_code"].tolist()
    x = np.arange(len(periods))
    palette = sns.color_palette("colorblind").as_hex()
    chosen: dict[str, str] | None = None  # colour of the highlighted units, None: all coloured
    if len(codes) > max_coloured:
        picked = bump_highlights(data, highlight)
        chosen = {c: palette[i % len(palette)] for i, c in enumerate(picked)}
    max_rank = int(np.nanmax(wide.to_numpy(dtype="float64"))) if len(data) else 1
    ends: list[tuple[str, float, float, dict[str, Any]]] = []
    with plots.theme():
        if ax is None:
            _fig, ax = plt.subplots(figsize=(plots.FIG_WIDTH, 0.35 * max_rank + 1.8))
        for i, code in enumerate(codes):
            y = wide[code].astype("float64").to_numpy()
            if chosen is None:
                color = palette[i % len(palette)]
                style = plots.TREND_LINESTYLES[(i // len(palette)) % len(plots.TREND_LINESTYLES)]
                line_kw: dict[str, Any] = {"color": color, "linestyle": style, "markersize": 4}
                text_kw: dict[str, Any] = {"color": color}
            elif code in chosen:
                line_kw = {"color": chosen[code], "linewidth": 2.2, "markersize": 4, "zorder": 3}
                text_kw = {"color": chosen[code], "fontweight": "bold"}
            else:
                line_kw = {"color": BUMP_GREY, "linewidth": 1.0, "markersize": 2.5, "zorder": 1}
                text_kw = {"color": MUTED_TEXT}
            ax.plot(x, y, marker="o", label=shown[code], gid="rank", **line_kw)
            valid = np.nonzero(np.isfinite(y))[0]
            if len(valid):
                ends.append((shown[code], x[valid[-1]], y[valid[-1]], text_kw))
        tied: dict[float, int] = {}
        for _text, _x, end, _kw in ends:
            tied[float(end)] = tied.get(float(end), 0) + 1
        placed: dict[float, int] = {}
        for text, end_x, end, text_kw in ends:
            same, i = tied[float(end)], placed.get(float(end), 0)
            placed[float(end)] = i + 1
            ax.annotate(
                text,
                (end_x, end),
                xytext=(6, (same - 1) / 2 * tie_spacing - i * tie_spacing),
                textcoords="offset points",
                va="center",
                fontsize=8,
                **text_kw,
            )
        ax.set_ylim(max_rank + 0.5, 0.5)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(plots._decimal_formatter(0))
        _time_axis(ax, periods)
        ax.set_xlim(-0.5, len(periods) - 0.5 + max(1.0, 0.15 * len(periods)))
        ax.set_ylabel("Thứ hạng")
        ax.grid(axis="x", visible=False)
        plots.add_title(ax, title)
    return ax


def plot_decomposition(
    decomposition: pd.DataFrame,
    *,
    methodology: Methodology | None = None,
    labels: Mapping[str, str] | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Which groups drove each unit's change: diverging stacked bars, one colour per group.

    Gains stack to the right of 0, losses to the left; a black diamond marks the change of the
    total (the sum of the bars).

    Parameters
    ----------
    decomposition
        :func:`mkbidx.core.trends.decompose_change` (unit_code, unit_name, group, delta,
        total_delta); units are drawn top to bottom in its order.
    methodology
        Group order, colours and short names; default: the current methodology.
    labels
        Row labels by unit_code; default: :func:`display_names`.
    title
        Chart title (:func:`mkbidx.present.plots.add_title`).
    ax
        Axes to draw on; default: a new figure, :data:`ROW_INCHES` per unit.

    Returns
    -------
    matplotlib.axes.Axes
        One bar per unit and group with a non-zero delta (gid "delta", width = the delta), one
        marker line (gid "total_delta", x = the total deltas), legend of the groups
        :data:`LEGEND_DROP` inches below the axes.

    Examples
    --------
    >>> d = pd.DataFrame({"unit_code": "a", "unit_name": "Xã A",
    ...     "group": ["tien_do", "thanh_toan"], "delta": [2.75, -1.0], "total_delta": 1.75})
    >>> ax = plot_decomposition(d, title="Thay đổi")
    >>> sorted(float(p.get_width()) for p in ax.patches if p.get_gid() == "delta")
    [-1.0, 2.75]
    >>> [t.get_text() for t in ax.get_yticklabels()], ax.get_title(loc="left")
    (['A'], 'Thay đổi')
    >>> plt.close(ax.figure)
    """
    _require(decomposition, ["unit_code", "group", "delta"], "plot_decomposition")
    m = _method(methodology)
    data = decomposition.assign(unit_code=decomposition["unit_code"].astype(str))
    if "unit_name" not in data:
        data["unit_name"] = data["unit_code"]
    codes = list(dict.fromkeys(data["unit_code"]))
    shown = _labels(data, labels)
    palette = sns.color_palette("colorblind", len(m.groups)).as_hex()
    colors = {g.key: palette[i] for i, g in enumerate(m.groups)}
    short = {g.key: g.short_name for g in m.groups}
    order = {k: i for i, k in enumerate(m.group_keys)}
    with plots.theme():
        if ax is None:
            ax = _row_figure(len(codes), 1.2)
        totals = []
        for y, code in enumerate(codes):
            part = data[data["unit_code"] == code]
            part = part.assign(_g=part["group"].map(order)).sort_values("_g", kind="stable")
            right = left = 0.0
            for row in part.itertuples():
                delta = float(row.delta)
                if not np.isfinite(delta) or delta == 0:
                    continue
                start = right if delta > 0 else left
                ax.barh(
                    y,
                    delta,
                    left=start,
                    height=plots.BAR_HEIGHT,
                    color=colors.get(row.group, PEER_COLOR),
                    gid="delta",
                )
                if delta > 0:
                    right += delta
                else:
                    left += delta
            if "total_delta" in part:
                totals.append(float(part["total_delta"].iloc[0]))
            else:
                totals.append(float(part["delta"].sum()))
        ax.plot(
            totals,
            np.arange(len(codes)),
            linestyle="none",
            marker="D",
            markersize=5,
            color=DELTA_MARKER_COLOR,
            gid="total_delta",
            label="Thay đổi tổng điểm",
            zorder=4,
        )
        ax.axvline(0.0, color=plots.THRESHOLD_COLOR, linewidth=0.8, zorder=1)
        ax.set_yticks(np.arange(len(codes)), labels=[shown[c] for c in codes])
        ax.set_ylim(len(codes) - 0.5, -0.5)
        _signed_axis(ax.xaxis)
        ax.set_xlabel("Thay đổi (điểm)")
        present = [g for g in m.group_keys if g in set(data["group"])]
        handles = [Patch(color=colors[g], label=_label(short[g])) for g in present]
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="D",
                color=DELTA_MARKER_COLOR,
                label="Thay đổi tổng điểm",
            )
        )
        plots._legend_below(ax, handles, min(len(handles), 4), drop=LEGEND_DROP)
        plots.add_title(ax, title)
    return ax


def _period_name(label: str) -> str:
    try:
        return formatting.period_label(label)
    except Exception:  # a month range "2024-01..2024-06"
        first, _, last = str(label).partition("..")
        if last:
            return f"{formatting.period_short(first)}–{formatting.period_short(last)}"
        return str(label)


def plot_period_comparison(
    comparison: pd.DataFrame,
    *,
    threshold: float | None = None,
    methodology: Methodology | None = None,
    floor: float = 0.0,
    labels: Mapping[str, str] | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Two periods side by side for every unit: a dumbbell from the first to the second total.

    Parameters
    ----------
    comparison
        :func:`mkbidx.core.trends.compare_periods`; units drawn top to bottom in its order.
    threshold
        Default: the top band's minimum (80).
    methodology
        The maximum total and the threshold; default: the current methodology.
    floor
        Lowest total on the x axis (e.g. :func:`axis_floor`).
    labels
        Row labels by unit_code; default: :func:`display_names`.
    title
        Chart title (:func:`mkbidx.present.plots.add_title`).
    ax
        Axes to draw on; default: a new figure, :data:`ROW_INCHES` per unit.

    Returns
    -------
    matplotlib.axes.Axes
        Marker lines gid "first" and "second" (x = the totals, y = 0, 1, …), legend with the
        period labels ("quý 2/2024") :data:`LEGEND_DROP` inches below the axes, the threshold
        line.

    Examples
    --------
    >>> c = pd.DataFrame({"unit_code": ["a", "b"], "unit_name": ["Xã A", "Xã B"],
    ...     "first_period": "2024-Q2", "second_period": "2024-Q3",
    ...     "first_total": [78.0, 85.5], "second_total": [82.25, 84.0]})
    >>> ax = plot_period_comparison(c, floor=60.0)
    >>> [(ln.get_gid(), np.asarray(ln.get_xdata()).tolist()) for ln in ax.lines[:2]]
    [('first', [78.0, 85.5]), ('second', [82.25, 84.0])]
    >>> tuple(map(float, ax.get_xlim())), [t.get_text() for t in ax.get_legend().get_texts()]
    ((60.0, 100.0), ['quý 2/2024', 'quý 3/2024'])
    >>> plt.close(ax.figure)
    """
    _require(comparison, ["unit_code", "first_total", "second_total"], "plot_period_comparison")
    m = _method(methodology)
    threshold = default_threshold(m) if threshold is None else float(threshold)
    data = comparison.reset_index(drop=True)
    data = data.assign(unit_code=data["unit_code"].astype(str))
    shown = _labels(data, labels)
    first = data["first_total"].astype("float64").to_numpy()
    second = data["second_total"].astype("float64").to_numpy()
    y = np.arange(len(data))
    first_label = _period_name(data["first_period"].iloc[0]) if "first_period" in data else "1"
    second_label = _period_name(data["second_period"].iloc[0]) if "second_period" in data else "2"
    with plots.theme():
        if ax is None:
            ax = _row_figure(len(data), 0.9)
        ax.plot(
            first,
            y,
            linestyle="none",
            marker="o",
            color=FIRST_COLOR,
            label=first_label,
            gid="first",
            zorder=3,
        )
        ax.plot(
            second,
            y,
            linestyle="none",
            marker="o",
            color=SECOND_COLOR,
            label=second_label,
            gid="second",
            zorder=4,
        )
        for yi, a, b in zip(y, first, second, strict=True):
            if np.isfinite(a) and np.isfinite(b):
                ax.plot([a, b], [yi, yi], color=PEER_COLOR, linewidth=2, gid="link", zorder=2)
        _threshold(ax, threshold, vertical=True)
        ax.set_yticks(y, labels=[shown[c] for c in data["unit_code"]])
        ax.set_ylim(len(data) - 0.5, -0.5)
        ax.set_xlim(floor, m.total_max)
        ax.xaxis.set_major_formatter(plots._decimal_formatter())
        ax.set_xlabel("Tổng điểm")
        plots._legend_below(ax, [ax.lines[0], ax.lines[1]], 2, drop=LEGEND_DROP)
        plots.add_title(ax, title)
    return ax
