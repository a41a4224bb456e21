"""The trend report's figures: complete draws of :mod:`mkbidx.present.trend_plots` charts, sized
and labelled for the report.

Each function returns a draw callable's result (an Axes or a Figure) for
:func:`mkbidx.reports.monthly.render_png`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mkbidx.present import formatting, plots, trend_plots
from mkbidx.reports import monthly as report

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from mkbidx.methodology import Methodology

BUMP_ALL_COLOURS = 6
"""Up to this many units every line of the bump chart has its colour."""
BUMP_HIGHLIGHT = 3
"""With more units, this many largest risers and this many largest fallers are coloured."""
AXIS_STEP = 10.0
"""Score axes of the trend charts start at a multiple of this many points."""
AXIS_MARGIN = 10.0
"""... at least this many points under the threshold."""
LEGEND_DROP = 0.6
"""Inches between the bottom of a chart's axes and its legend (room for ticks and label)."""
TIE_SPACING = 10.0
"""Points between the stacked end labels of tied units in the bump chart."""
ROW_INCHES = 0.32
"""Height per unit of the decomposition and comparison charts (inches)."""
FACET_WIDTH = 2.6
FACET_HEIGHT = 2.4
LEGEND_HEIGHT = 0.4
FACET_FONT = 8
GREY = "#DADADA"
COMPARE_COLOR = "#D55E00"
"""Colour of the comparison unit (``compare_scope``) against the scope and its peers."""
MUTED_TEXT = "#8A8A8A"


def _axis_floor(values: Any, threshold: float) -> float:
    """Lowest score shown: a multiple of :data:`AXIS_STEP` under every value, and at least
    :data:`AXIS_MARGIN` under the threshold (never below 0).

    Examples
    --------
    >>> _axis_floor([70.8, 95.0], 80.0), _axis_floor([81.0], 80.0), _axis_floor([3.0], 80.0)
    (70.0, 70.0, 0.0)
    """
    arr = np.asarray(values, dtype="float64")
    arr = arr[np.isfinite(arr)]
    low = min(float(arr.min()) if len(arr) else threshold, threshold - AXIS_MARGIN)
    return max(0.0, math.floor(low / AXIS_STEP) * AXIS_STEP)


def _facet_columns(n: int) -> int:
    """Facets per row: all in one row up to 4, three up to 9, else four."""
    return n if n <= 4 else 3 if n <= 9 else 4


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


def _names(frame: pd.DataFrame) -> dict[str, str]:
    last = frame.drop_duplicates("unit_code", keep="last")
    return dict(zip(last["unit_code"].astype(str), last["unit_name"].astype(str), strict=True))


def _small_multiples(series: pd.DataFrame, m: Methodology, title: str):
    """Draw function for :func:`mkbidx.reports.monthly.render_png`: the facet grid sized to the
    units."""

    def draw() -> Axes:
        codes = list(dict.fromkeys(series["unit_code"]))
        labels = display_names(_names(series))
        ncols = _facet_columns(len(codes))
        nrows = math.ceil(len(codes) / ncols)
        fig = trend_plots.plot_small_multiples(series, methodology=m, columns=ncols)
        height = FACET_HEIGHT * nrows + LEGEND_HEIGHT
        fig.set_size_inches(FACET_WIDTH * max(ncols, 2), height)
        low = _axis_floor(series["total"], float(m.bands[0].min))
        for ax, code in zip(fig.axes, codes, strict=False):
            ax.set_ylim(low, m.total_max)
            ax.tick_params(axis="both", labelsize=FACET_FONT)
            ax.set_title(trend_plots._label(labels[code]), fontsize=FACET_FONT + 2)
        fig.suptitle(title, x=0.01, ha="left", fontsize=FACET_FONT + 4)
        fig.tight_layout(rect=(0, LEGEND_HEIGHT / height, 1, 1))
        return fig.axes[0]

    return draw


def _bump(ranks: pd.DataFrame):
    """Draw function: the bump chart (units named as :func:`display_names`), only the largest
    risers and fallers in colour when there are many units."""
    import seaborn as sns

    def draw() -> Axes:
        ax = trend_plots.plot_bump(ranks)
        labels = display_names(_names(ranks))
        data = ranks.assign(rank=pd.to_numeric(ranks["rank"], errors="coerce").astype("float64"))
        last = data.sort_values("period").drop_duplicates("unit_code", keep="last")
        codes = last.sort_values(["rank", "unit_code"], na_position="last")["unit_code"].tolist()
        lines = [line for line in ax.lines if line.get_gid() == "rank"]
        drawn = [
            c for c, line in zip(codes, lines, strict=True) if np.isfinite(line.get_ydata()).any()
        ]
        for code, line in zip(codes, lines, strict=True):
            line.set_label(trend_plots._label(labels[code]))
        for code, text in zip(drawn, ax.texts, strict=False):
            text.set_text(trend_plots._label(labels[code]))
        _spread_ties(ax.texts)
        if len(codes) <= BUMP_ALL_COLOURS:
            return ax
        ordered = data.sort_values("period", kind="stable").dropna(subset=["rank"])
        first = ordered.drop_duplicates("unit_code", keep="first").set_index("unit_code")["rank"]
        final = ordered.drop_duplicates("unit_code", keep="last").set_index("unit_code")["rank"]
        move = (first - final.reindex(first.index)).dropna().astype(int)
        move = move.rename("move").reset_index()
        risers = move[move["move"] > 0].sort_values(["move", "unit_code"], ascending=[False, True])
        fallers = move[move["move"] < 0].sort_values(["move", "unit_code"])
        chosen = [*risers["unit_code"][:BUMP_HIGHLIGHT], *fallers["unit_code"][:BUMP_HIGHLIGHT]]
        palette = sns.color_palette("colorblind").as_hex()
        colour = {c: palette[i % len(palette)] for i, c in enumerate(chosen)}
        for code, line in zip(codes, lines, strict=True):
            if code in colour:
                line.set(color=colour[code], linestyle="-", linewidth=2.2, zorder=3)
            else:
                line.set(color=GREY, linestyle="-", linewidth=1.0, markersize=2.5, zorder=1)
        for code, text in zip(drawn, ax.texts, strict=False):
            text.set_color(colour.get(code, MUTED_TEXT))
            if code in colour:
                text.set_fontweight("bold")
        return ax

    return draw


def _spread_ties(texts: Sequence[Any]) -> None:
    """End labels of the bump chart at the same rank (a tie) stacked instead of overprinted."""
    groups: dict[float, list[Any]] = {}
    for text in texts:
        groups.setdefault(float(text.xy[1]), []).append(text)
    for same in groups.values():
        for i, text in enumerate(same):
            dx, _dy = text.xyann
            text.xyann = (dx, (len(same) - 1) / 2 * TIE_SPACING - i * TIE_SPACING)


def _legend_below(ax: Axes) -> None:
    """Move a legend placed under the axes to a fixed distance below them (clear of the axis
    label whatever the chart's height)."""
    from matplotlib.transforms import offset_copy

    legend = ax.get_legend()
    if legend is None:
        return
    handles = list(legend.legend_handles)
    labels = [t.get_text() for t in legend.get_texts()]
    ax.legend(
        handles,
        labels,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        bbox_transform=offset_copy(ax.transAxes, fig=ax.figure, y=-LEGEND_DROP, units="inches"),
        ncol=getattr(legend, "_ncols", 1),
        frameon=False,
    )


def _relabel_rows(ax: Axes, frame: pd.DataFrame) -> None:
    """Y tick labels of a one-row-per-unit chart (in ``frame``'s unit order) as
    :func:`display_names`."""

    labels = display_names(_names(frame))
    codes = list(dict.fromkeys(frame["unit_code"].astype(str)))
    ax.set_yticks(np.arange(len(codes)), labels=[trend_plots._label(labels[c]) for c in codes])


def _peers_chart(r: Any):
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    m = r.methodology
    other = r.params.compare_scope

    def draw() -> Axes:
        data = r.peers
        if data["unit_code"].nunique() == 1:
            ax = plots.plot_total_trend(
                data[["period", "unit_code", "unit_name", "total"]],
                methodology=m,
                ax=report._wide_axes(),
            )
        else:
            ax = trend_plots.plot_peers(data, highlight=r.scope, methodology=m)
        if other:
            periods = sorted(data["period"].unique())
            part = data[data["unit_code"] == other].set_index("period")["total"]
            y = part.reindex(periods).astype("float64").to_numpy()
            label = trend_plots._label(display_names(_names(data))[other])
            ax.plot(
                np.arange(len(periods)),
                y,
                marker="s",
                markersize=4,
                color=COMPARE_COLOR,
                label=label,
                gid="compare",
                zorder=3,
            )
            legend = ax.get_legend()
            handles = list(legend.legend_handles) if legend is not None else []
            handles.insert(1, Line2D([], [], color=COMPARE_COLOR, marker="s", label=label))
            ax.legend(handles=handles, loc="lower left", frameon=False, fontsize=8)
        low = _axis_floor(data["total"], r.threshold)
        ax.set_ylim(low, m.total_max)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        return ax

    return draw


def _row_axes(rows: int, margin: float) -> Axes:
    """Axes of a one-row-per-unit chart: :data:`ROW_INCHES` per unit plus ``margin`` inches
    (title, axis, legend)."""
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(plots.FIG_WIDTH, ROW_INCHES * max(rows, 1) + margin))[1]


def _decomposition_chart(decomposition: pd.DataFrame, m: Methodology):

    def draw() -> Axes:
        n = decomposition["unit_code"].nunique()
        ax = trend_plots.plot_decomposition(decomposition, methodology=m, ax=_row_axes(n, 1.2))
        _relabel_rows(ax, decomposition)
        _legend_below(ax)
        return ax

    return draw


def _comparison_chart(r: Any):

    def draw() -> Axes:
        ax = trend_plots.plot_period_comparison(
            r.comparison, methodology=r.methodology, ax=_row_axes(len(r.comparison), 0.9)
        )
        _relabel_rows(ax, r.comparison)
        _legend_below(ax)
        values = pd.concat([r.comparison["first_total"], r.comparison["second_total"]])
        ax.set_xlim(_axis_floor(values, r.threshold), r.methodology.total_max)
        return ax

    return draw
