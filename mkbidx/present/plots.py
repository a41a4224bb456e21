"""Charts of rankings, group scores and trends, with Vietnamese labels.

Seaborn's manners: each ``plot_x(data, *, ..., ax=None)`` draws on ``ax`` (a new figure if None)
and returns the Axes; nothing here shows or saves a figure. Every option a report needs is a
parameter (``title=`` included): the report never edits the Axes it gets back, so the charts the
tests check are the charts that ship. :func:`theme` is the one look (Vietnamese-capable font,
white grid, deterministic output) as a context manager; :func:`render_png` draws inside it and
returns deterministic PNG bytes (:func:`figure_to_png_bytes`, :func:`figure_to_svg`), the
report writer does the file I/O.

Inputs are the contract's frames: the wide ranking table (unit_code, unit_name, one column per
group key, total, rank, rank_of, band) and for trends a long frame (period, unit_code,
unit_name, total, band). All numbers on charts go through :mod:`mkbidx.present.formatting`.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator
from matplotlib.transforms import ScaledTranslation

from mkbidx import periods as _periods
from mkbidx.present import formatting

if TYPE_CHECKING:
    from mkbidx.methodology import Methodology

FONT = "DejaVu Sans"
"""Font with every Vietnamese glyph, shipped with matplotlib (no system font needed)."""
SVG_HASHSALT = "mkbidx"
"""Fixed salt for the ids matplotlib writes into SVG, so that SVG output is deterministic."""
PNG_DPI = 150
"""Resolution of embedded PNG figures."""
HEATMAP_CMAP = "RdYlBu"
"""ColorBrewer diverging map (colour-blind safe): red for a low share of the maximum, blue high."""
MAX_BAR_COLOR = "#E0E0E0"
"""Light grey of the "maximum" bars behind group scores."""
SCORE_BAR_COLOR = "#0072B2"
"""Okabe–Ito blue of a unit's group score bars."""
THRESHOLD_COLOR = "#4D4D4D"
"""Dark grey of the dashed threshold line."""
TREND_LINESTYLES = ("-", "--", ":", "-.")
"""Line styles cycled after each full round of the colour palette (more units than colours)."""
TREND_LEGEND_COLUMNS = 4
"""Columns of the unit legend under a trend chart."""

# Layout of new figures (inches): width, and height per row of units/groups plus a margin.
FIG_WIDTH = 8.0
TREND_FIGSIZE = (10.5, 4.5)
"""Size of a new :func:`plot_total_trend` figure (inches), as in the monthly report."""
TITLE_PAD = 16
"""Points between a chart title and the top of its axes ..."""
TITLE_PAD_TOP = 24
"""... and when the x tick labels are on top (the heatmap)."""
ROW_HEIGHT = 0.38
FIG_MARGIN = 1.4
# Room to the right of a full bar for its value label, as a share of the maximum: "88,23" on
# the ranking, "15,68/20" on the group profile.
LABEL_ROOM = 0.12
PROFILE_LABEL_ROOM = 0.35
BAR_HEIGHT = 0.7
# At most this many intervals on a 0..max score axis (0, 20, 40, …, 100 for a total over 100).
TICK_BINS = 5
# Gap between the bottom of the axes and a legend below it, in inches (room for tick labels and
# the axis label).
LEGEND_DROP = 0.55


def theme_rc() -> dict[str, Any]:
    """The matplotlib rc settings of :func:`theme` (seaborn "whitegrid" plus ours)."""
    rc: dict[str, Any] = dict(sns.axes_style("whitegrid"))
    rc.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [FONT],
            "axes.unicode_minus": True,
            "axes.titlesize": 12,
            "axes.labelsize": 10,
            "xtick.labelsize": 9,
            "ytick.labelsize": 9,
            "legend.fontsize": 9,
            "figure.dpi": 100,
            "savefig.dpi": PNG_DPI,
            "savefig.facecolor": "white",
            "svg.hashsalt": SVG_HASHSALT,
            "svg.fonttype": "path",
            "pdf.fonttype": 42,
            "path.simplify": True,
            "axes.prop_cycle": mpl.cycler(color=sns.color_palette("colorblind").as_hex()),
        }
    )
    return rc


@contextmanager
def theme() -> Iterator[None]:
    """Apply the mkbidx look for the figures drawn inside the block.

    Font DejaVu Sans (Vietnamese glyphs), seaborn white grid, colour-blind palette, fixed SVG
    hash salt. Works with any backend (Agg in tests and reports).

    Examples
    --------
    >>> with theme():
    ...     mpl.rcParams["font.sans-serif"][0], mpl.rcParams["svg.hashsalt"]
    ('DejaVu Sans', 'mkbidx')
    """
    with mpl.rc_context(theme_rc()):
        yield


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _method(methodology: Methodology | None) -> Methodology:
    return formatting._method(methodology)


def _text(label: Any) -> str:
    """A label shown literally: a ``$`` must not start matplotlib mathtext."""
    return str(label).replace("$", r"\$")


def _decimal_formatter(max_decimals: int = 2) -> FuncFormatter:
    """Axis tick formatter with a decimal comma ("2,5", "100")."""
    return FuncFormatter(lambda value, _pos: formatting.compact(value, max_decimals))


def _percent_formatter() -> FuncFormatter:
    return FuncFormatter(lambda value, _pos: formatting.percent(value, 0))


def _new_axes(rows: int, width: float = FIG_WIDTH) -> Axes:
    _fig, ax = plt.subplots(figsize=(width, ROW_HEIGHT * max(rows, 1) + FIG_MARGIN))
    return ax


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} needs columns {missing}; has {list(frame.columns)}")


def _one_period(table: pd.DataFrame, what: str) -> None:
    if "period" in table.columns and table["period"].nunique(dropna=True) > 1:
        raise ValueError(f"{what} draws one period; filter the table first")


def _in_rank_order(table: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in ("rank", "unit_code") if c in table.columns]
    return table.sort_values(keys, kind="stable", na_position="last").reset_index(drop=True)


def _bands(table: pd.DataFrame, m: Methodology) -> pd.Series:
    if "band" in table.columns:
        return table["band"]
    from mkbidx.core.ranking import band_of

    return band_of(table["total"], methodology=m)


def _threshold_line(ax: Axes, value: float, *, vertical: bool) -> None:
    label = formatting.points(value)
    style = {"color": THRESHOLD_COLOR, "linestyle": "--", "linewidth": 1.2, "zorder": 1.5}
    if vertical:
        ax.axvline(value, **style)
        ax.text(
            value,
            1.0,
            label,
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="bottom",
            color=THRESHOLD_COLOR,
            fontsize=9,
        )
    else:
        ax.axhline(value, **style)
        ax.text(
            1.0,
            value,
            " " + label,
            transform=ax.get_yaxis_transform(),
            ha="left",
            va="center",
            color=THRESHOLD_COLOR,
            fontsize=9,
        )


def _score_axis(axis: Any, maximum: float, floor: float = 0.0) -> None:
    """Round ticks from ``floor`` to ``maximum`` (never beyond), with a decimal comma."""
    ticks = MaxNLocator(nbins=TICK_BINS, steps=[1, 2, 2.5, 5, 10]).tick_values(floor, maximum)
    axis.set_major_locator(FixedLocator([t for t in ticks if floor <= t <= maximum + 1e-9]))
    axis.set_major_formatter(_decimal_formatter())


def add_title(ax: Axes, title: str | None) -> None:
    """The one chart title style: left-aligned, :data:`TITLE_PAD` points above the axes
    (:data:`TITLE_PAD_TOP` when the x tick labels are on top). Nothing for an empty title.

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> add_title(ax, "Tổng điểm")
    >>> ax.get_title(loc="left"), ax.get_title()
    ('Tổng điểm', '')
    >>> plt.close(fig)
    """
    if title:
        top = ax.xaxis.get_ticks_position() == "top"
        ax.set_title(title, loc="left", pad=TITLE_PAD_TOP if top else TITLE_PAD)


def _legend_below(
    ax: Axes, handles: Sequence[Any], ncol: int, *, drop: float = LEGEND_DROP
) -> None:
    """A frameless legend centred under the axes, ``drop`` inches below them (room for the tick
    labels and the axis label)."""
    offset = ScaledTranslation(0.0, -drop, ax.figure.dpi_scale_trans)
    ax.legend(
        handles=list(handles),
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        bbox_transform=ax.transAxes + offset,
        ncol=max(1, ncol),
        frameon=False,
    )


# --------------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------------


def plot_ranking(
    table: pd.DataFrame,
    *,
    methodology: Methodology | None = None,
    threshold: float | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Horizontal bars of the totals in rank order (rank 1 at the top), coloured by band.

    Parameters
    ----------
    table
        Ranking table of one period: unit_name, total, rank (band optional: computed from the
        total if absent).
    methodology
        Bands, their colours and the maximum total; default: the current methodology.
    threshold
        Where to draw the dashed line labelled "80 điểm"; default: the top band's minimum.
    title
        Chart title (:func:`add_title`); default: none.
    ax
        Axes to draw on; default: a new figure sized to the number of units.

    Returns
    -------
    matplotlib.axes.Axes
        One bar per unit (``ax.patches``, widths = totals) with its value label ("88,23"); y
        tick labels are the short unit names (:func:`mkbidx.present.formatting.short_unit_name`).

    Examples
    --------
    >>> t = pd.DataFrame({"unit_name": ["Xã Pha Long", "Xã Bản Lầu"], "total": [75.5, 88.23],
    ...                   "rank": [2, 1], "band": ["Chưa tốt", "Tốt"]})
    >>> ax = plot_ranking(t, title="Tổng điểm, tháng 8/2024")
    >>> [float(p.get_width()) for p in ax.patches], [t.get_text() for t in ax.get_yticklabels()]
    ([88.23, 75.5], ['Bản Lầu', 'Pha Long'])
    >>> ax.get_title(loc="left")
    'Tổng điểm, tháng 8/2024'
    >>> plt.close(ax.figure)
    """
    _require(table, ["unit_name", "total", "rank"], "plot_ranking")
    _one_period(table, "plot_ranking")
    m = _method(methodology)
    data = _in_rank_order(table)
    totals = pd.to_numeric(data["total"], errors="coerce").astype("float64")
    colors_by_band = formatting.band_colors(m)
    bands = _bands(data, m)
    colors = [colors_by_band.get(b, formatting.NO_BAND_COLOR) for b in bands]
    if ax is None:
        ax = _new_axes(len(data))
    y = np.arange(len(data))
    bars = ax.barh(y, totals.fillna(0.0).to_numpy(), color=colors, height=BAR_HEIGHT, zorder=2)
    ax.bar_label(
        bars,
        labels=[formatting.score(v) for v in totals],
        padding=3,
        fontsize=8,
        bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"},
    )
    ax.set_yticks(y, labels=[_text(formatting.short_unit_name(n)) for n in data["unit_name"]])
    ax.set_ylim(len(data) - 0.5, -0.5)  # rank 1 at the top
    ax.set_xlim(0.0, m.total_max * (1 + LABEL_ROOM))
    _score_axis(ax.xaxis, m.total_max)
    ax.set_xlabel(f"Tổng điểm (tối đa {formatting.compact(m.total_max)})")
    ax.grid(axis="y", visible=False)
    line = m.bands[0].min if threshold is None else threshold
    _threshold_line(ax, float(line), vertical=True)
    legend_text = formatting.band_legend_labels(m)
    present = [b.label for b in m.bands if b.label in set(bands.dropna())]
    handles = [Patch(color=colors_by_band[b], label=legend_text[b]) for b in present]
    if handles:
        _legend_below(ax, handles, len(handles))
    add_title(ax, title)
    return ax


def _group_scores(table: pd.DataFrame, m: Methodology) -> pd.DataFrame:
    _require(table, m.group_keys, "group charts")
    return table[m.group_keys].apply(pd.to_numeric, errors="coerce").astype("float64")


def plot_group_heatmap(
    table: pd.DataFrame,
    *,
    methodology: Methodology | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Units (rank order) × groups: colour = score / group maximum (0..1), text = the score.

    Parameters
    ----------
    table
        Ranking table of one period: unit_name, rank and one column per group key.
    methodology
        Group order, short names and maxima; default: the current methodology.
    title
        Chart title (:func:`add_title`: further from the axes, above the group names on top).
    ax
        Axes to draw on; default: a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The heatmap is ``ax.collections[0]`` (values row by row = score / max, NaN masked);
        annotations "15,68"; the colour range is fixed to 0..1 whatever the data.

    Examples
    --------
    >>> t = pd.DataFrame({"unit_name": ["Xã Pha Long"], "rank": [1], "cong_khai": [18.0],
    ...                   "tien_do": [15.68], "dvc_truc_tuyen": [6.0], "thanh_toan": [0.0],
    ...                   "hai_long": [18.0], "so_hoa": [11.0]})
    >>> ax = plot_group_heatmap(t)
    >>> ax.collections[0].get_array().ravel().tolist()
    [1.0, 0.784, 0.5, 0.0, 1.0, 0.5]
    >>> plt.close(ax.figure)
    """
    _one_period(table, "plot_group_heatmap")
    m = _method(methodology)
    data = _in_rank_order(table) if "rank" in table.columns else table.reset_index(drop=True)
    scores = _group_scores(data, m)
    maxima = np.array([g.max for g in m.groups], dtype="float64")
    ratio = scores.to_numpy() / maxima
    annot = np.vectorize(formatting.score, otypes=[object])(scores.to_numpy())
    if ax is None:
        ax = _new_axes(len(data), width=1.2 * len(m.groups) + 3.0)
    sns.heatmap(
        ratio,
        vmin=0.0,
        vmax=1.0,
        cmap=HEATMAP_CMAP,
        annot=annot,
        fmt="",
        annot_kws={"fontsize": 8},
        linewidths=0.5,
        linecolor="white",
        xticklabels=[_text(g.short_name) for g in m.groups],
        yticklabels=[_text(formatting.short_unit_name(n)) for n in data["unit_name"]],
        cbar_kws={"label": "Tỷ lệ so với điểm tối đa của nhóm", "format": _percent_formatter()},
        ax=ax,
    )
    ax.tick_params(axis="y", rotation=0)
    ax.tick_params(axis="x", rotation=0)
    ax.xaxis.tick_top()
    ax.set_xlabel("")
    ax.set_ylabel("")
    add_title(ax, title)
    return ax


def _row_of(groups_row: pd.Series | pd.DataFrame | Mapping[str, Any]) -> pd.Series:
    if isinstance(groups_row, pd.DataFrame):
        if {"group", "score"} <= set(groups_row.columns):
            return groups_row.set_index("group")["score"]
        if len(groups_row) != 1:
            raise ValueError("plot_group_profile draws one unit: pass one row")
        return groups_row.iloc[0]
    return pd.Series(dict(groups_row)) if not isinstance(groups_row, pd.Series) else groups_row


def plot_group_profile(
    groups_row: pd.Series | pd.DataFrame | Mapping[str, Any],
    *,
    methodology: Methodology | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """One unit's six group scores against the group maxima.

    Light grey bars show each group's maximum, the unit's score is drawn on top, labelled
    "15,68/20". Groups run top to bottom in the methodology's order.

    Parameters
    ----------
    groups_row
        One row of the ranking table (Series or one-row DataFrame with the group keys as
        columns), a mapping group key → score, or a long frame with columns group, score.
    methodology
        Group order, short names and maxima; default: the current methodology.
    title
        Chart title (:func:`add_title`); default: none.
    ax
        Axes to draw on; default: a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.containers[0]`` holds the maximum bars, ``ax.containers[1]`` the score bars.

    Examples
    --------
    >>> ax = plot_group_profile({"cong_khai": 18, "tien_do": 15.68, "dvc_truc_tuyen": 6,
    ...                          "thanh_toan": 0, "hai_long": 18, "so_hoa": 11})
    >>> [float(p.get_width()) for p in ax.containers[1]]
    [18.0, 15.68, 6.0, 0.0, 18.0, 11.0]
    >>> plt.close(ax.figure)
    """
    m = _method(methodology)
    row = _row_of(groups_row)
    missing = [k for k in m.group_keys if k not in row.index]
    if missing:
        raise ValueError(f"plot_group_profile needs scores of groups {missing}")
    scores = pd.to_numeric(row[m.group_keys], errors="coerce").astype("float64")
    maxima = np.array([g.max for g in m.groups], dtype="float64")
    if ax is None:
        ax = _new_axes(len(m.groups))
    y = np.arange(len(m.groups))
    max_bars = ax.barh(
        y, maxima, color=MAX_BAR_COLOR, height=BAR_HEIGHT, zorder=1, label="Điểm tối đa"
    )
    score_values = scores.fillna(0.0).to_numpy()
    bars = ax.barh(
        y, score_values, color=SCORE_BAR_COLOR, height=BAR_HEIGHT, zorder=2, label="Điểm đạt"
    )
    for yi, value, top in zip(y, scores, maxima, strict=True):
        ax.text(
            top,
            yi,
            " " + formatting.score_of_max(value, top),
            va="center",
            ha="left",
            fontsize=9,
        )
    ax.set_yticks(y, labels=[_text(g.short_name) for g in m.groups])
    ax.set_ylim(len(m.groups) - 0.5, -0.5)
    top = float(maxima.max())
    ax.set_xlim(0.0, top * (1 + PROFILE_LABEL_ROOM))
    _score_axis(ax.xaxis, top)
    ax.set_xlabel("Điểm")
    ax.grid(axis="y", visible=False)
    _legend_below(ax, [bars, max_bars], 2)
    add_title(ax, title)
    return ax


TICK_GAP_EM = 0.8
"""Least room between two x tick labels of a trend, in ems of the tick label font."""
TICK_STEPS = (1, 2, 3, 6, 12)
"""Periods between labelled x ticks of a long trend (3 months: the quarters), the smallest that
fits; past 12, multiples of 12."""


def _tick_step(ax: Axes, labels: Sequence[str]) -> int:
    """How many periods apart the labelled x ticks must be so that no two labels overlap: the
    widest label plus :data:`TICK_GAP_EM` per label, within the axes' width."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(size=mpl.rcParams["xtick.labelsize"])
    size = prop.get_size_in_points()
    measure = TextToPath().get_text_width_height_descent
    widest = max(measure(label, prop, ismath=False)[0] for label in labels)
    room = ax.get_position().width * ax.figure.get_figwidth() * 72.0  # points
    fits = max(1, int(room // (widest + TICK_GAP_EM * size)))
    step = next((s for s in TICK_STEPS if -(-len(labels) // s) <= fits), None)
    if step is None:
        step = 12 * -(-len(labels) // (12 * fits))
    return step


def _period_ticks(ax: Axes, periods: Sequence[str]) -> None:
    """X tick labels "8/2024" at 0, 1, … over ``periods``; when they would overlap, only every
    :func:`_tick_step`-th period is labelled (months: January, April, July, October for a step
    of 3; Januaries for 12), with an unlabelled minor tick at each period."""
    x = np.arange(len(periods))
    labels = [formatting.period_short(p) for p in periods]
    step = _tick_step(ax, labels) if len(labels) > 1 else 1
    if step == 1:
        ax.set_xticks(x, labels=labels)
        return
    parsed = [_periods.parse(p) for p in periods]
    per_year = {"month": 12, "quarter": 4}.get(parsed[0].kind, 1)
    ordinal = [p.year * per_year + (p.index - 1 if per_year > 1 else 0) for p in parsed]
    major = [i for i, n in enumerate(ordinal) if n % step == 0] or list(x[::step])
    ax.set_xticks(major, labels=[labels[i] for i in major])
    ax.set_xticks(x, minor=True)


def plot_total_trend(
    series: pd.DataFrame,
    *,
    methodology: Methodology | None = None,
    ax: Axes | None = None,
    units: Sequence[str] | None = None,
    threshold: float | None = None,
    floor: float = 0.0,
    title: str | None = None,
) -> Axes:
    """Totals over periods, one line per unit, with the top band's threshold.

    Parameters
    ----------
    series
        Long frame: period, unit_code, unit_name, total (band optional).
    methodology
        The threshold and the maximum total; default: the current methodology.
    ax
        Axes to draw on; default: a new figure of :data:`TREND_FIGSIZE`.
    units
        unit_codes to draw, in this order (legend order); default: all, in order of first
        appearance.
    threshold
        Where to draw the dashed line labelled "80 điểm"; default: the top band's minimum.
    floor
        Lowest total on the y axis (e.g. :func:`mkbidx.present.trend_plots.axis_floor`);
        round ticks from there to the maximum total.
    title
        Chart title (:func:`add_title`); default: none.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.lines`` starts with one line per unit (x = 0, 1, … over the sorted periods, y =
        totals, NaN for a missing period), labelled with the short unit name; x tick labels
        "8/2024", every period's while they fit side by side, else every quarter's, half
        year's or year's (:func:`_period_ticks`).

    Examples
    --------
    >>> s = pd.DataFrame({"period": ["2024-07", "2024-08"], "unit_code": "083",
    ...                   "unit_name": "Huyện Mường Khương", "total": [81.5, 88.23]})
    >>> ax = plot_total_trend(s, floor=70.0)
    >>> ax.lines[0].get_ydata().tolist(), [t.get_text() for t in ax.get_xticklabels()]
    ([81.5, 88.23], ['7/2024', '8/2024'])
    >>> tuple(map(float, ax.get_ylim())), ax.get_yticks().tolist()
    ((70.0, 100.0), [70.0, 80.0, 90.0, 100.0])
    >>> plt.close(ax.figure)
    """
    _require(series, ["period", "unit_code", "unit_name", "total"], "plot_total_trend")
    m = _method(methodology)
    data = series.assign(unit_code=series["unit_code"].astype(str))
    codes = list(dict.fromkeys(data["unit_code"])) if units is None else [str(u) for u in units]
    unknown = [c for c in codes if c not in set(data["unit_code"])]
    if unknown:
        raise ValueError(f"plot_total_trend: no data for units {unknown}")
    periods = sorted(data["period"].astype(str).unique())  # same kind: text order = time order
    kinds = {formatting.period_kind(p) for p in periods}
    if len(kinds) > 1:
        raise ValueError(f"plot_total_trend: periods of different kinds {sorted(kinds)}")
    names = data.drop_duplicates("unit_code", keep="last").set_index("unit_code")["unit_name"]
    wide = data.pivot_table(
        index="period", columns="unit_code", values="total", aggfunc="first", dropna=False
    ).reindex(index=periods, columns=codes)
    if ax is None:
        _fig, ax = plt.subplots(figsize=TREND_FIGSIZE)
    x = np.arange(len(periods))
    palette = sns.color_palette("colorblind").as_hex()
    for i, code in enumerate(codes):
        ax.plot(
            x,
            wide[code].astype("float64").to_numpy(),
            marker="o",
            markersize=4,
            color=palette[i % len(palette)],
            linestyle=TREND_LINESTYLES[(i // len(palette)) % len(TREND_LINESTYLES)],
            label=_text(formatting.short_unit_name(names[code])),
            zorder=2,
        )
    _period_ticks(ax, periods)
    ax.set_xlim(-0.5, len(periods) - 0.5)
    ax.set_ylim(floor, m.total_max)
    _score_axis(ax.yaxis, m.total_max, floor)
    ax.set_ylabel("Tổng điểm")
    line = m.bands[0].min if threshold is None else threshold
    _threshold_line(ax, float(line), vertical=False)
    if len(codes) > 1:
        _legend_below(ax, ax.lines[: len(codes)], min(len(codes), TREND_LEGEND_COLUMNS))
    add_title(ax, title)
    return ax


# --------------------------------------------------------------------------------------------
# Deterministic bytes for the report writer
# --------------------------------------------------------------------------------------------


def render_png(draw: Callable[[], Axes | Figure]) -> bytes:
    """Draw a chart with the mkbidx :func:`theme` and return its deterministic PNG bytes.

    ``draw()`` makes one complete chart (title and all: nothing is changed after it) and returns
    its Axes or Figure. The figure is closed afterwards, also when ``draw`` fails, so that a
    notebook shows only what the report displays.

    Examples
    --------
    >>> t = pd.DataFrame({"unit_name": ["Xã Pha Long"], "total": [88.23], "rank": [1]})
    >>> open_figures = plt.get_fignums()
    >>> png = render_png(lambda: plot_ranking(t, title="Tổng điểm"))
    >>> png[:4] == b"\\x89PNG", png == render_png(lambda: plot_ranking(t, title="Tổng điểm"))
    (True, True)
    >>> plt.get_fignums() == open_figures  # closed again
    True
    """
    before = set(plt.get_fignums())
    fig = None
    with theme():
        try:
            drawn = draw()
            fig = drawn if isinstance(drawn, Figure) else drawn.figure
            return figure_to_png_bytes(fig)
        finally:
            if fig is not None:
                plt.close(fig)
            for number in set(plt.get_fignums()) - before:
                plt.close(number)


def figure_to_png_bytes(fig: Figure, *, dpi: int = PNG_DPI) -> bytes:
    """PNG of a figure, identical bytes for identical drawings (no software/date metadata).

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([1, 2])
    >>> data = figure_to_png_bytes(fig)
    >>> data[:4] == b"\\x89PNG", data == figure_to_png_bytes(fig)
    (True, True)
    >>> plt.close(fig)
    """
    buffer = io.BytesIO()
    with mpl.rc_context({"svg.hashsalt": SVG_HASHSALT}):
        fig.savefig(
            buffer,
            format="png",
            dpi=dpi,
            bbox_inches="tight",
            facecolor="white",
            metadata={"Software": None},
        )
    return buffer.getvalue()


def figure_to_svg(fig: Figure) -> str:
    """SVG text of a figure, deterministic (fixed hash salt, no date or creator metadata).

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([1, 2])
    >>> svg = figure_to_svg(fig)
    >>> svg.lstrip().startswith("<?xml"), svg == figure_to_svg(fig)
    (True, True)
    >>> plt.close(fig)
    """
    buffer = io.StringIO()
    with mpl.rc_context({"svg.hashsalt": SVG_HASHSALT, "svg.fonttype": "path"}):
        fig.savefig(
            buffer,
            format="svg",
            bbox_inches="tight",
            facecolor="white",
            metadata={"Date": None, "Creator": None},
        )
    return buffer.getvalue()
