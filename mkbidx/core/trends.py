"""Trends over months: totals over time, changes, rank moves, the per-unit summary, and every
frame of the trend report at once (:func:`trend_frames`).

Everything here is a pure function on the contract's frames (the wide ranking table of
:func:`mkbidx.core.ranking.evaluate`, group scores, counts). Periods are months ``"YYYY-MM"``;
quarters and years are formed from their months (:mod:`mkbidx.periods`).

The trend functions live in modules of one concept each, all importable from here:

- :mod:`mkbidx.core.streaks`: months in a row below the target or at 0 (:func:`streaks`,
  :func:`runs`, :func:`default_threshold`);
- :mod:`mkbidx.core.compare`: two periods side by side from pooled counts
  (:func:`compare_periods`, :func:`pool_periods`) and a change split into the six groups
  (:func:`decompose_change`, :func:`change_drivers`);
- :mod:`mkbidx.core.history`: the merged communes' history before 1/7/2025
  (:func:`reconstruct_merged`, :data:`MERGER_PERIOD`); reconstructed rows are flagged
  ``reconstructed=True`` and labelled by the presentation layer (:mod:`mkbidx.present.labels`).

Conventions
-----------
- "Below the target" means the total, rounded to the published 2 decimals, is under the top
  band's minimum (80 points), exactly as :func:`mkbidx.core.ranking.band_of` decides the band.
- "Months in a row" are consecutive calendar months: a month without data breaks a streak.
- Differences are computed on hundredths of a point (integers).

The trend report needs only :func:`trend_frames` (all frames at once) and the chart functions of
:mod:`mkbidx.present.trend_plots`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from mkbidx.core import ranking
from mkbidx.core._frames import UNIT_LABELS, cents, method, months_only, require
from mkbidx.core.compare import change_drivers, compare_periods, decompose_change, pool_periods
from mkbidx.core.history import MERGER_PERIOD, before_merger, reconstruct_merged
from mkbidx.core.streaks import Run, default_threshold, runs, streaks
from mkbidx.errors import MkbidxError
from mkbidx.methodology import Methodology
from mkbidx.periods import MONTH_RE, month_of, month_ordinal, months_of, shift_month

__all__ = [
    # this module
    "SUMMARY_COLUMNS",
    "TrendFrames",
    "changes",
    "rank_movement",
    "totals_over_time",
    "trend_frames",
    "trend_summary",
    # re-exported from the modules of one concept each
    "MERGER_PERIOD",
    "Run",
    "change_drivers",
    "compare_periods",
    "decompose_change",
    "default_threshold",
    "pool_periods",
    "reconstruct_merged",
    "runs",
    "streaks",
    # re-exported period arithmetic (mkbidx.periods)
    "MONTH_RE",
    "month_of",
    "month_ordinal",
    "months_of",
    "shift_month",
]


# --------------------------------------------------------------------------------------------
# Totals over time, changes, rank movement
# --------------------------------------------------------------------------------------------


def totals_over_time(
    table: pd.DataFrame,
    *,
    scope: str | None = None,
    units: Sequence[str] | None = None,
    start: str | None = None,
    end: str | None = None,
    reconstructed: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each unit's total month by month (long), for small multiples and trend tables.

    Parameters
    ----------
    table
        The ranking table of :func:`mkbidx.core.ranking.evaluate` (``evaluation.table``) or a totals
        frame: period, unit_code, total, and optionally unit_name, level, parent_code, rank,
        rank_of, band.
    scope
        Keep the units whose parent_code is ``scope`` in at least one month of the range (all
        their months are kept, also those under another parent, e.g. after the merger).
    units
        Keep these unit codes (combined with ``scope``: either).
    start, end
        First and last month (inclusive); default: all months in the table.
    reconstructed
        A frame with period, unit_code and a boolean ``reconstructed`` column (e.g. the counts
        returned by :func:`reconstruct_merged`); months of a unit flagged there are flagged here.

    Returns
    -------
    DataFrame
        period, unit_code, unit_name (the unit's name in its latest month), level, parent_code,
        total, rank, rank_of, band, reconstructed; units ordered by their total in their latest
        month (highest first, then code), then by period.

    Examples
    --------
    >>> t = pd.DataFrame({"period": ["2024-07", "2024-08", "2024-08"],
    ...     "unit_code": ["a", "a", "b"], "unit_name": ["A", "A", "B"],
    ...     "parent_code": "p", "total": [70.0, 81.5, 90.0]})
    >>> totals_over_time(t)[["period", "unit_code", "total"]].values.tolist()
    [['2024-08', 'b', 90.0], ['2024-07', 'a', 70.0], ['2024-08', 'a', 81.5]]
    """
    require(table, ["period", "unit_code", "total"], "totals_over_time")
    data = months_only(table).copy()
    data["unit_code"] = data["unit_code"].astype(str)
    ordinal = data["period"].map(month_ordinal)
    lo = month_ordinal(start) if start is not None else -np.inf
    hi = month_ordinal(end) if end is not None else np.inf
    data = data[(ordinal >= lo) & (ordinal <= hi)]
    keep = pd.Series(scope is None and units is None, index=data.index)
    if scope is not None and "parent_code" in data:
        codes = set(data.loc[data["parent_code"].astype(str) == str(scope), "unit_code"])
        keep |= data["unit_code"].isin(codes)
    if units is not None:
        keep |= data["unit_code"].isin({str(u) for u in units})
    data = data[keep]
    for col in [*UNIT_LABELS, "rank", "rank_of", "band"]:
        if col not in data:
            data[col] = data["unit_code"] if col == "unit_name" else None
    data["unit_name"] = data["unit_name"].fillna(data["unit_code"])
    data = data.sort_values(["unit_code", "period"], kind="stable")
    latest = data.drop_duplicates("unit_code", keep="last").set_index("unit_code")
    data["unit_name"] = data["unit_code"].map(latest["unit_name"])
    data["reconstructed"] = False
    if reconstructed is not None and "reconstructed" in reconstructed and len(data):
        flags = reconstructed.loc[
            reconstructed["reconstructed"].fillna(False).astype(bool), ["period", "unit_code"]
        ].astype(str)
        flagged = pd.MultiIndex.from_frame(flags.drop_duplicates())
        data["reconstructed"] = pd.MultiIndex.from_frame(data[["period", "unit_code"]]).isin(
            flagged
        )
    latest_total = -latest["total"].astype("float64").fillna(-np.inf)
    ordered = latest.assign(_t=latest_total).sort_values(["_t"], kind="stable").index
    order = pd.Series(range(len(ordered)), index=ordered)
    data["_order"] = data["unit_code"].map(order)
    data = data.sort_values(["_order", "period"], kind="stable")
    cols = ["period", "unit_code", *UNIT_LABELS, "total", "rank", "rank_of", "band"]
    return data[[*cols, "reconstructed"]].reset_index(drop=True)


def changes(table: pd.DataFrame, *, lag: int = 1) -> pd.DataFrame:
    """Change of each unit's total against ``lag`` months before (1: month over month, 12: the
    same month last year).

    Parameters
    ----------
    table
        period, unit_code, total (ranking table, totals, or :func:`totals_over_time`).
    lag
        Months back (≥ 1).

    Returns
    -------
    DataFrame
        period, unit_code, unit_name (if given), total, prev_period, prev_total, change (2
        decimals, exact; NaN when the unit has no total ``lag`` months before), lag.

    Examples
    --------
    >>> t = pd.DataFrame({"period": ["2023-08", "2024-07", "2024-08"], "unit_code": "a",
    ...                   "total": [75.1, 80.0, 81.5]})
    >>> changes(t)[["period", "prev_total", "change"]].values.tolist()[-1]
    ['2024-08', 80.0, 1.5]
    >>> changes(t, lag=12)[["period", "prev_period", "change"]].values.tolist()[-1]
    ['2024-08', '2023-08', 6.4]
    """
    if int(lag) < 1:
        raise ValueError("lag must be >= 1 month")
    require(table, ["period", "unit_code", "total"], "changes")
    data = months_only(table)
    cols = ["period", "unit_code", *(["unit_name"] if "unit_name" in data else []), "total"]
    data = data[cols].copy()
    data["unit_code"] = data["unit_code"].astype(str)
    data["prev_period"] = data["period"].map(lambda p: shift_month(p, -int(lag)))
    prev = data[["period", "unit_code", "total"]].rename(
        columns={"period": "prev_period", "total": "prev_total"}
    )
    prev = prev.drop_duplicates(["prev_period", "unit_code"])
    out = data.merge(prev, on=["prev_period", "unit_code"], how="left")
    out["change"] = (cents(out["total"]) - cents(out["prev_total"])) / 100
    out["lag"] = int(lag)
    return out.sort_values(["unit_code", "period"], kind="stable").reset_index(drop=True)


def rank_movement(table: pd.DataFrame) -> pd.DataFrame:
    """Each unit's rank month by month and its move since the previous month.

    Parameters
    ----------
    table
        Ranked rows: period, unit_code, rank (and rank_of, unit_name if present), e.g. the
        ranking table or :func:`totals_over_time`.

    Returns
    -------
    DataFrame
        period, unit_code, unit_name, rank, rank_of, prev_rank, rank_change (prev_rank − rank:
        positive = moved up; NA when the unit was not ranked the month before).

    Examples
    --------
    >>> t = pd.DataFrame({"period": ["2024-07", "2024-07", "2024-08", "2024-08"],
    ...     "unit_code": ["a", "b", "a", "b"], "rank": [2, 1, 1, 2], "rank_of": 2})
    >>> rank_movement(t)[["period", "unit_code", "rank", "rank_change"]].values.tolist()[2:]
    [['2024-08', 'a', 1, 1], ['2024-08', 'b', 2, -1]]
    """
    require(table, ["period", "unit_code", "rank"], "rank_movement")
    data = months_only(table).copy()
    data["unit_code"] = data["unit_code"].astype(str)
    for col in ("unit_name", "rank_of"):
        if col not in data:
            data[col] = data["unit_code"] if col == "unit_name" else pd.NA
    data = data[["period", "unit_code", "unit_name", "rank", "rank_of"]]
    data["rank"] = data["rank"].astype("Int64")
    data["rank_of"] = data["rank_of"].astype("Int64")
    data["prev_period"] = data["period"].map(lambda p: shift_month(p, -1))
    prev = data[["period", "unit_code", "rank"]].rename(
        columns={"period": "prev_period", "rank": "prev_rank"}
    )
    out = data.merge(prev.drop_duplicates(["prev_period", "unit_code"]), how="left")
    out["rank_change"] = (out["prev_rank"] - out["rank"]).astype("Int64")
    out = out.drop(columns="prev_period")
    return out.sort_values(["period", "rank", "unit_code"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Summary and the report's frames
# --------------------------------------------------------------------------------------------


def trend_summary(
    series: pd.DataFrame,
    *,
    threshold: float | None = None,
    methodology: Methodology | None = None,
) -> pd.DataFrame:
    """One line per unit: first and last total, change, best and worst month, streaks below.

    Parameters
    ----------
    series
        period, unit_code, unit_name, total (e.g. :func:`totals_over_time`).
    threshold
        Default: the top band's minimum (80).

    Returns
    -------
    DataFrame
        unit_code, unit_name, first_period, first_total, last_period, last_total, change
        (exact), best_period, best_total, worst_period, worst_total (the most recent month on
        a tie), longest_below, current_below, n_months; in the order of ``series``.

    Examples
    --------
    >>> s = pd.DataFrame({"period": ["2024-06", "2024-07", "2024-08"], "unit_code": "a",
    ...     "unit_name": "A", "total": [79.0, 85.0, 78.5]})
    >>> trend_summary(s)[["change", "best_period", "worst_period", "longest_below"]].values.tolist()
    [[-0.5, '2024-07', '2024-08', 1]]
    """
    m = method(methodology)
    data = months_only(series).copy()
    data["unit_code"] = data["unit_code"].astype(str)
    if "unit_name" not in data:
        data["unit_name"] = data["unit_code"]
    threshold = default_threshold(m) if threshold is None else float(threshold)
    below = streaks(data, threshold=threshold, methodology=m).set_index("unit_code")
    rows = []
    for code in dict.fromkeys(data["unit_code"]):
        part = data[data["unit_code"] == code].sort_values("period", kind="stable")
        valued = part[part["total"].notna()]
        values = cents(valued["total"])
        best = valued.iloc[int(len(values) - 1 - np.argmax(values[::-1]))] if len(valued) else None
        worst = valued.iloc[int(len(values) - 1 - np.argmin(values[::-1]))] if len(valued) else None
        first, last = part.iloc[0], part.iloc[-1]
        rows.append(
            {
                "unit_code": code,
                "unit_name": last["unit_name"],
                "first_period": first["period"],
                "first_total": first["total"],
                "last_period": last["period"],
                "last_total": last["total"],
                "change": (cents([last["total"]])[0] - cents([first["total"]])[0]) / 100,
                "best_period": None if best is None else best["period"],
                "best_total": np.nan if best is None else best["total"],
                "worst_period": None if worst is None else worst["period"],
                "worst_total": np.nan if worst is None else worst["total"],
                "longest_below": int(below.loc[code, "longest_below"]),
                "current_below": int(below.loc[code, "current_below"]),
                "n_months": len(part),
            }
        )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


SUMMARY_COLUMNS = [
    "unit_code",
    "unit_name",
    "first_period",
    "first_total",
    "last_period",
    "last_total",
    "change",
    "best_period",
    "best_total",
    "worst_period",
    "worst_total",
    "longest_below",
    "current_below",
    "n_months",
]
"""Columns of :func:`trend_summary` (what ``mkbidx trends`` prints)."""


class TrendFrames(NamedTuple):
    """Everything the trend report shows, computed once (see :func:`trend_frames`).

    Attributes
    ----------
    scope, start, end
        The parameters (months ``"YYYY-MM"``).
    counts
        Counts of the range, after reconstruction across the merger (``reconstructed`` column).
    evaluation
        :class:`mkbidx.core.ranking.Evaluation` of every month of the range.
    series
        :func:`totals_over_time` of the units under the scope (small multiples, tables).
    peers
        :func:`totals_over_time` of the scope unit and its peers (same parent and level),
        scope first.
    ranks
        :func:`rank_movement` of the units under the scope (bump chart).
    month_changes, year_changes
        :func:`changes` with lag 1 and 12.
    streaks
        :func:`streaks` of the units under the scope.
    decomposition
        :func:`decompose_change` from the first to the last month with data in the range
        (units present in both).
    drivers
        :func:`change_drivers` of ``decomposition``.
    summary
        :func:`trend_summary` of ``series``.
    """

    scope: str
    start: str
    end: str
    counts: pd.DataFrame
    evaluation: ranking.Evaluation
    series: pd.DataFrame
    peers: pd.DataFrame
    ranks: pd.DataFrame
    month_changes: pd.DataFrame
    year_changes: pd.DataFrame
    streaks: pd.DataFrame
    decomposition: pd.DataFrame
    drivers: pd.DataFrame
    summary: pd.DataFrame


def trend_frames(
    counts: pd.DataFrame,
    units: pd.DataFrame | None = None,
    *,
    scope: str,
    start: str | None = None,
    end: str | None = None,
    published_groups: pd.DataFrame | None = None,
    merger_map: Mapping[str, str] | None = None,
    before: str = MERGER_PERIOD,
    threshold: float | None = None,
    methodology: Methodology | None = None,
) -> TrendFrames:
    """Compute every frame of the trend report for the units under ``scope``.

    Parameters
    ----------
    counts
        Monthly counts (all months; the range is cut here).
    units
        Unit labels and hierarchy with a period column (readers/registry), so that each month
        is ranked among that month's peers.
    scope
        Code of the parent unit whose units are followed (e.g. "083").
    start, end
        First and last month; default the first and last month of ``counts``.
    published_groups
        Published group scores completing groups without counts (as in the monthly report).
    merger_map
        ``{former commune: merged commune}``; when given and the range crosses ``before``, the
        history of the merged communes is reconstructed (:func:`reconstruct_merged`) and the
        published group scores of the former communes before ``before`` are left out (scores
        cannot be pooled; the rebuilt months are scored from counts).
    threshold
        Default: the top band's minimum (80).

    Returns
    -------
    TrendFrames

    Examples
    --------
    >>> c = pd.DataFrame({"period": ["2024-07", "2024-07", "2024-08", "2024-08"],
    ...     "unit_code": ["a", "b", "a", "b"], "group": "tien_do", "metric": "ON_TIME",
    ...     "numerator": [9, 10, 10, 5], "denominator": 10})
    >>> u = pd.DataFrame({"unit_code": ["a", "b", "p"], "unit_name": ["A", "B", "P"],
    ...     "level": ["commune", "commune", "district"], "parent_code": ["p", "p", None]})
    >>> tf = trend_frames(c, u, scope="p")
    >>> tf.summary[["unit_code", "first_total", "last_total"]].values.tolist()
    [['a', 18.0, 20.0], ['b', 20.0, 10.0]]
    """
    m = method(methodology)
    months = sorted({p for p in counts["period"].astype(str) if MONTH_RE.match(p)})
    if not months:
        raise MkbidxError("không có số liệu tháng nào (no monthly counts)", column="period")
    start = start or months[0]
    end = end or months[-1]
    lo, hi = month_ordinal(start), month_ordinal(end)
    if lo > hi:
        raise MkbidxError(
            f"kỳ đầu '{start}' sau kỳ cuối '{end}'", column="--from", expected="kỳ đầu ≤ kỳ cuối"
        )
    data = counts[counts["period"].astype(str).isin([month_of(o) for o in range(lo, hi + 1)])]
    if data.empty:
        raise MkbidxError(
            f"không có số liệu từ {start} đến {end} (no data in range)",
            column="period",
            expected=f"một khoảng trong {months[0]}..{months[-1]}",
        )
    pub = published_groups
    if pub is not None and len(pub):
        pub = pub[pub["period"].astype(str).isin(set(data["period"].astype(str)))]
    if merger_map and lo < month_ordinal(before) <= hi:
        data = reconstruct_merged(data, merger_map, before=before)
        if pub is not None and len(pub):
            # Published scores of former communes cannot be pooled: rebuilt months use counts.
            pub = pub[~before_merger(pub, merger_map, before=before)]
    elif "reconstructed" not in data:
        data = data.assign(reconstructed=False)
    unit_frame = units
    if units is not None and "period" in units:
        unit_frame = units[units["period"].astype(str).isin(set(data["period"].astype(str)))]
    evaluation = ranking.evaluate(data, unit_frame, pub, methodology=m)
    table = evaluation.table
    series = totals_over_time(table, scope=scope, reconstructed=data)
    if series.empty:
        raise MkbidxError(
            f"không có đơn vị nào trực thuộc '{scope}' từ {start} đến {end} (empty scope)",
            column="--scope",
            expected="mã đơn vị cha có số liệu, vd. "
            + ", ".join(sorted(table["parent_code"].dropna().astype(str).unique())[:8]),
        )
    own = table[table["unit_code"].astype(str) == str(scope)]
    peers = series.iloc[0:0]
    if len(own) and own["parent_code"].notna().any():
        parent = str(own.dropna(subset=["parent_code"])["parent_code"].iloc[-1])
        peers = totals_over_time(table, scope=parent, reconstructed=data)
        level = own.dropna(subset=["parent_code"])["level"].iloc[-1]
        same_level = table.loc[table["level"] == level, "unit_code"].astype(str)
        peers = peers[peers["unit_code"].isin(set(same_level))]
        first = peers["unit_code"] == str(scope)
        peers = pd.concat([peers[first], peers[~first]], ignore_index=True)
    codes = set(series["unit_code"])
    scoped = table[table["unit_code"].astype(str).isin(codes)]
    present = sorted(set(series["period"]))
    decomposition = decompose_change(
        scoped, from_period=present[0], to_period=present[-1], methodology=m
    )
    return TrendFrames(
        scope=str(scope),
        start=start,
        end=end,
        counts=data.reset_index(drop=True),
        evaluation=evaluation,
        series=series,
        peers=peers,
        ranks=rank_movement(series),
        month_changes=changes(series, lag=1),
        year_changes=changes(series, lag=12),
        streaks=streaks(scoped, threshold=threshold, methodology=m),
        decomposition=decomposition,
        drivers=change_drivers(decomposition),
        summary=trend_summary(series, threshold=threshold, methodology=m),
    )
