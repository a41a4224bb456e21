"""Trend charts: small multiples of totals, a unit against its peers, rank movement (bump chart),
group decomposition of a change, two periods side by side.

Same manners as :mod:`mkbidx.present.plots`: inputs are the frames of :mod:`mkbidx.core.trends`,
every function draws and returns (an Axes, or the Figure for the facet grid) and never shows or
saves. Drawing happens inside :func:`mkbidx.present.plots.theme` (DejaVu Sans for the Vietnamese
glyphs), labels are Vietnamese, numbers on axes have a decimal comma
(:mod:`mkbidx.present.formatting`). Months reconstructed across the 1/7/2025 merger
(``reconstructed=True``) are drawn dashed with hollow markers and labelled "số liệu dựng lại".

Artists carry a ``gid`` so that tests and the report can find them: ``"total"`` (a unit's line),
``"reconstructed"``, ``"threshold"``, ``"rank"``, ``"delta"``, ``"total_delta"``, ``"first"``,
``"second"``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from mkbidx.core.trends import RECONSTRUCTED_LABEL, default_threshold
from mkbidx.present import formatting, plots

if TYPE_CHECKING:
    from mkbidx.methodology import Methodology

MAX_X_LABELS = 8
"""At most this many month labels on a time axis (every n-th month is labelled)."""
FACET_WIDTH = 3.2
FACET_HEIGHT = 2.4
COLUMNS = 4
"""Facets per row of the small multiples."""
PEER_COLOR = "#B0B0B0"
"""Grey of the peers' lines behind the highlighted unit."""
HIGHLIGHT_COLOR = "#0072B2"
FIRST_COLOR = "#999999"
SECOND_COLOR = "#0072B2"
DELTA_MARKER_COLOR = "#000000"


def _method(methodology: Methodology | None) -> Methodology:
    return formatting._method(methodology)


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} needs columns {missing}; has {list(frame.columns)}")


def _label(text: object) -> str:
    """Text shown literally (a ``$`` must not start mathtext)."""
    return str(text).replace("$", r"\$")


def _short(name: object) -> str:
    return _label(formatting.short_unit_name(str(name)))


def _decimal_axis(axis, max_decimals: int = 2) -> None:
    axis.set_major_formatter(
        FuncFormatter(lambda value, _pos: formatting.compact(value, max_decimals))
    )


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


# --------------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------------


def plot_small_multiples(
    series: pd.DataFrame,
    *,
    threshold: float | None = None,
    methodology: Methodology | None = None,
    columns: int = COLUMNS,
) -> Figure:
    """One small chart per unit: its total month by month with the threshold line.

    Parameters
    ----------
    series
        :func:`mkbidx.core.trends.totals_over_time` (period, unit_code, unit_name, total, optionally
        reconstructed); facets follow its unit order.
    threshold
        Default: the top band's minimum (80).
    columns
        Facets per row.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes`` has one Axes per unit (titled with the short unit name), each with the
        unit's line (gid "total", x = 0, 1, … over all months, NaN where missing) and the
        threshold line (gid "threshold"); shared axes from 0 to the maximum total.

    Examples
    --------
    >>> s = pd.DataFrame({"period": ["2024-07", "2024-08"] * 2,
    ...     "unit_code": ["a", "a", "b", "b"], "unit_name": ["Xã A", "Xã A", "Xã B", "Xã B"],
    ...     "total": [79.0, 81.5, 90.0, 88.0]})
    >>> fig = plot_small_multiples(s)
    >>> [ax.get_title() for ax in fig.axes], fig.axes[0].lines[0].get_ydata().tolist()
    (['A', 'B'], [79.0, 81.5])
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
    names = data.drop_duplicates("unit_code", keep="last").set_index("unit_code")["unit_name"]
    periods, wide = _wide(data)
    flags = _flags(data, periods)
    ncols = max(1, min(int(columns), len(codes)))
    nrows = math.ceil(len(codes) / ncols)
    color = plots.SCORE_BAR_COLOR
    with plots.theme():
        fig, axes = plt.subplots(
            nrows,
            ncols,
            figsize=(FACET_WIDTH * ncols, FACET_HEIGHT * nrows + 0.6),
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
            _draw_total(ax, x, y, rebuilt, color=color, label=_short(names[code]))
            _threshold(ax, threshold, label=False)
            ax.set_title(_short(names[code]), fontsize=10)
            ax.set_ylim(0.0, m.total_max)
            ax.yaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
            _decimal_axis(ax.yaxis)
            _time_axis(ax, periods)
            ax.tick_params(axis="x", labelrotation=45, labelsize=7)
            ax.tick_params(axis="y", labelsize=7)
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
            handles.append(
                Line2D(
                    [],
                    [],
                    color=color,
                    linestyle="--",
                    marker="o",
                    markerfacecolor="white",
                    markersize=3,
                    label=RECONSTRUCTED_LABEL,
                )
            )
        fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False)
        fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def plot_peers(
    series: pd.DataFrame,
    *,
    highlight: str,
    threshold: float | None = None,
    methodology: Methodology | None = None,
    ax: Axes | None = None,
) -> Axes:
    """A unit's total over the months against its peers (grey lines behind it).

    Parameters
    ----------
    series
        Totals over time of the unit and its peers (``TrendFrames.peers``).
    highlight
        unit_code of the unit in front.

    Returns
    -------
    matplotlib.axes.Axes
        The highlighted unit's line first (gid "total", label its short name), then one grey
        line per peer (gid "peer"), and the threshold line.

    Examples
    --------
    >>> s = pd.DataFrame({"period": ["2024-07", "2024-08"] * 2,
    ...     "unit_code": ["083", "083", "080", "080"],
    ...     "unit_name": ["Huyện Mường Khương"] * 2 + ["Thành phố Lào Cai"] * 2,
    ...     "total": [85.0, 88.23, 90.1, 86.0]})
    >>> ax = plot_peers(s, highlight="083")
    >>> ax.lines[0].get_label(), [ln.get_gid() for ln in ax.lines]
    ('Mường Khương', ['total', 'peer', 'threshold'])
    >>> plt.close(ax.figure)
    """
    _require(series, ["period", "unit_code", "total"], "plot_peers")
    m = _method(methodology)
    threshold = default_threshold(m) if threshold is None else float(threshold)
    data = series.assign(unit_code=series["unit_code"].astype(str))
    if "unit_name" not in data:
        data["unit_name"] = data["unit_code"]
    highlight = str(highlight)
    if highlight not in set(data["unit_code"]):
        raise ValueError(f"plot_peers: no data for unit {highlight}")
    names = data.drop_duplicates("unit_code", keep="last").set_index("unit_code")["unit_name"]
    periods, wide = _wide(data)
    flags = _flags(data, periods)
    x = np.arange(len(periods))
    with plots.theme():
        if ax is None:
            _fig, ax = plt.subplots(figsize=(plots.FIG_WIDTH, 4.2))
        y = wide[highlight].astype("float64").to_numpy()
        rebuilt = flags[highlight].to_numpy() if highlight in flags else np.zeros(len(x), bool)
        _draw_total(ax, x, y, rebuilt, color=HIGHLIGHT_COLOR, label=_short(names[highlight]))
        for code in dict.fromkeys(data["unit_code"]):
            if code == highlight:
                continue
            ax.plot(
                x,
                wide[code].astype("float64").to_numpy(),
                color=PEER_COLOR,
                linewidth=1.0,
                label=_short(names[code]),
                gid="peer",
                zorder=1,
            )
        _threshold(ax, threshold)
        ax.set_ylim(0.0, m.total_max)
        _decimal_axis(ax.yaxis)
        _time_axis(ax, periods)
        ax.set_ylabel("Tổng điểm")
        handles = [
            Line2D([], [], color=HIGHLIGHT_COLOR, marker="o", label=_short(names[highlight])),
            Line2D([], [], color=PEER_COLOR, label="Các đơn vị cùng cấp"),
        ]
        if rebuilt.any():
            handles.append(
                Line2D(
                    [],
                    [],
                    color=HIGHLIGHT_COLOR,
                    linestyle="--",
                    marker="o",
                    markerfacecolor="white",
                    label=RECONSTRUCTED_LABEL,
                )
            )
        ax.legend(handles=handles, loc="lower left", frameon=False, fontsize=8)
    return ax


def plot_bump(ranks: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Rank movement over the months: one line per unit, rank 1 at the top.

    Parameters
    ----------
    ranks
        :func:`mkbidx.core.trends.rank_movement` (period, unit_code, unit_name, rank).

    Returns
    -------
    matplotlib.axes.Axes
        One line per unit (gid "rank"; x = 0, 1, … over the months, y = its ranks, NaN where not
        ranked), labelled at its right end with the short unit name; inverted y axis.

    Examples
    --------
    >>> r = pd.DataFrame({"period": ["2024-07", "2024-07", "2024-08", "2024-08"],
    ...     "unit_code": ["a", "b", "a", "b"], "unit_name": ["Xã A", "Xã B"] * 2,
    ...     "rank": [2, 1, 1, 2]})
    >>> ax = plot_bump(r)
    >>> [ln.get_ydata().tolist() for ln in ax.lines], bool(ax.yaxis_inverted())
    ([[2.0, 1.0], [1.0, 2.0]], True)
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
    names = data.drop_duplicates("unit_code", keep="last").set_index("unit_code")["unit_name"]
    last = data.sort_values("period").drop_duplicates("unit_code", keep="last")
    codes = last.sort_values(["rank", "unit_code"], na_position="last")["unit_code"].tolist()
    x = np.arange(len(periods))
    palette = sns.color_palette("colorblind").as_hex()
    max_rank = int(np.nanmax(wide.to_numpy(dtype="float64"))) if len(data) else 1
    with plots.theme():
        if ax is None:
            _fig, ax = plt.subplots(figsize=(plots.FIG_WIDTH, 0.35 * max_rank + 1.8))
        for i, code in enumerate(codes):
            y = wide[code].astype("float64").to_numpy()
            color = palette[i % len(palette)]
            style = plots.TREND_LINESTYLES[(i // len(palette)) % len(plots.TREND_LINESTYLES)]
            ax.plot(
                x,
                y,
                marker="o",
                markersize=4,
                color=color,
                linestyle=style,
                label=_short(names[code]),
                gid="rank",
            )
            valid = np.nonzero(np.isfinite(y))[0]
            if len(valid):
                end = valid[-1]
                ax.annotate(
                    _short(names[code]),
                    (x[end], y[end]),
                    xytext=(6, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=8,
                    color=color,
                )
        ax.set_ylim(max_rank + 0.5, 0.5)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        _decimal_axis(ax.yaxis, 0)
        _time_axis(ax, periods)
        ax.set_xlim(-0.5, len(periods) - 0.5 + max(1.0, 0.15 * len(periods)))
        ax.set_ylabel("Thứ hạng")
        ax.grid(axis="x", visible=False)
    return ax


def plot_decomposition(
    decomposition: pd.DataFrame,
    *,
    methodology: Methodology | None = None,
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

    Returns
    -------
    matplotlib.axes.Axes
        One bar per unit and group with a non-zero delta (gid "delta", width = the delta), one
        marker line (gid "total_delta", x = the total deltas), legend of the groups below.

    Examples
    --------
    >>> d = pd.DataFrame({"unit_code": "a", "unit_name": "Xã A",
    ...     "group": ["tien_do", "thanh_toan"], "delta": [2.75, -1.0], "total_delta": 1.75})
    >>> ax = plot_decomposition(d)
    >>> sorted(float(p.get_width()) for p in ax.patches if p.get_gid() == "delta")
    [-1.0, 2.75]
    >>> plt.close(ax.figure)
    """
    _require(decomposition, ["unit_code", "group", "delta"], "plot_decomposition")
    m = _method(methodology)
    data = decomposition.assign(unit_code=decomposition["unit_code"].astype(str))
    if "unit_name" not in data:
        data["unit_name"] = data["unit_code"]
    codes = list(dict.fromkeys(data["unit_code"]))
    names = data.drop_duplicates("unit_code").set_index("unit_code")["unit_name"]
    palette = sns.color_palette("colorblind", len(m.groups)).as_hex()
    colors = {g.key: palette[i] for i, g in enumerate(m.groups)}
    short = {g.key: g.short_name for g in m.groups}
    order = {k: i for i, k in enumerate(m.group_keys)}
    with plots.theme():
        if ax is None:
            _fig, ax = plt.subplots(
                figsize=(plots.FIG_WIDTH, plots.ROW_HEIGHT * 1.3 * len(codes) + plots.FIG_MARGIN)
            )
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
        ax.set_yticks(np.arange(len(codes)), labels=[_short(names[c]) for c in codes])
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
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.12),
            ncol=min(len(handles), 4),
            frameon=False,
        )
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
    ax: Axes | None = None,
) -> Axes:
    """Two periods side by side for every unit: a dumbbell from the first to the second total.

    Parameters
    ----------
    comparison
        :func:`mkbidx.core.trends.compare_periods`; units drawn top to bottom in its order.

    Returns
    -------
    matplotlib.axes.Axes
        Marker lines gid "first" and "second" (x = the totals, y = 0, 1, …), legend with the
        period labels ("quý 2/2024"), the threshold line.

    Examples
    --------
    >>> c = pd.DataFrame({"unit_code": ["a", "b"], "unit_name": ["Xã A", "Xã B"],
    ...     "first_period": "2024-Q2", "second_period": "2024-Q3",
    ...     "first_total": [78.0, 85.5], "second_total": [82.25, 84.0]})
    >>> ax = plot_period_comparison(c)
    >>> [(ln.get_gid(), np.asarray(ln.get_xdata()).tolist()) for ln in ax.lines[:2]]
    [('first', [78.0, 85.5]), ('second', [82.25, 84.0])]
    >>> plt.close(ax.figure)
    """
    _require(comparison, ["unit_code", "first_total", "second_total"], "plot_period_comparison")
    m = _method(methodology)
    threshold = default_threshold(m) if threshold is None else float(threshold)
    data = comparison.reset_index(drop=True)
    names = data["unit_name"] if "unit_name" in data else data["unit_code"]
    first = data["first_total"].astype("float64").to_numpy()
    second = data["second_total"].astype("float64").to_numpy()
    y = np.arange(len(data))
    first_label = _period_name(data["first_period"].iloc[0]) if "first_period" in data else "1"
    second_label = _period_name(data["second_period"].iloc[0]) if "second_period" in data else "2"
    with plots.theme():
        if ax is None:
            _fig, ax = plt.subplots(
                figsize=(plots.FIG_WIDTH, plots.ROW_HEIGHT * 1.2 * len(data) + plots.FIG_MARGIN)
            )
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
        ax.set_yticks(y, labels=[_short(n) for n in names])
        ax.set_ylim(len(data) - 0.5, -0.5)
        ax.set_xlim(0.0, m.total_max)
        _decimal_axis(ax.xaxis)
        ax.set_xlabel("Tổng điểm")
        ax.legend(
            handles=[ax.lines[0], ax.lines[1]],
            loc="upper center",
            bbox_to_anchor=(0.5, -0.12),
            ncol=2,
            frameon=False,
        )
    return ax
