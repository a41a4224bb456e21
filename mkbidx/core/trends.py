"""Trends over months: totals over time, changes, streaks, rank moves, group decomposition,
two periods side by side, and history across the 1/7/2025 commune merger.

Everything here is a pure function on the contract's frames (the wide ranking table of
:func:`mkbidx.core.ranking.evaluate`, group scores, counts). Periods are months ``"YYYY-MM"``;
quarters and years are formed from their months.

Conventions
-----------
- "Below the target" means the total, rounded to the published 2 decimals, is under the top
  band's minimum (80 points), exactly as :func:`mkbidx.core.ranking.band_of` decides the band.
- "Months in a row" are consecutive calendar months: a month without data breaks a streak.
- Differences are computed on hundredths of a point (integers), so a decomposition of a change
  into the six groups sums exactly to the change of the total.
- A period range is scored from the *pooled* counts of its months (the portal's way for quarters
  and years; ``how="pooled"``, the default). ``how="mean"`` averages the monthly totals instead
  (rounded half-up to 2 decimals); the two differ when months have different volumes.
- Before 1/7/2025 a merged commune did not exist; :func:`reconstruct_merged` rebuilds its
  history by pooling the counts of its former communes and marks those rows
  ``reconstructed=True`` ("số liệu dựng lại").

The notebook ``notebooks/trend_comparison.ipynb`` needs only :func:`trend_frames` (all frames at
once) and the chart functions of :mod:`mkbidx.present.trend_plots`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

import numpy as np
import pandas as pd

from mkbidx import methodology as _methodology
from mkbidx.core import ranking, scoring
from mkbidx.errors import MkbidxError
from mkbidx.methodology import Methodology
from mkbidx.periods import MONTH_RE, month_of, month_ordinal, months_of, shift_month  # noqa: F401

MERGER_PERIOD = "2025-07"
"""First month of the merged communes (Nghị quyết sáp nhập, effective 1/7/2025)."""
RECONSTRUCTED_LABEL = "số liệu dựng lại"
"""Label of reconstructed history (rows with ``reconstructed=True``) in tables and charts."""
COUNT_COLUMNS = ["period", "unit_code", "group", "metric", "numerator", "denominator"]
UNIT_LABELS = ["unit_name", "level", "parent_code"]


def _method(methodology: Methodology | None) -> Methodology:
    return methodology if methodology is not None else _methodology.load()


def default_threshold(methodology: Methodology | None = None) -> float:
    """The top band's minimum total (80 points in the current methodology).

    Examples
    --------
    >>> default_threshold()
    80.0
    """
    return max(b.min for b in _method(methodology).bands)


# --------------------------------------------------------------------------------------------
# Periods
# --------------------------------------------------------------------------------------------


def _period_label(period: str | Sequence[str]) -> str:
    if isinstance(period, str):
        return period.strip()
    months = months_of(period)
    if not months:
        return ""
    return months[0] if len(months) == 1 else f"{months[0]}..{months[-1]}"


def _last_month(period: str) -> int | None:
    """Ordinal of the last month covered by a month, quarter or year period (None if unknown)."""
    try:
        return month_ordinal(months_of(str(period))[-1])
    except MkbidxError:
        return None


def _cents(values: pd.Series | np.ndarray) -> np.ndarray:
    """Scores as integer hundredths (NaN stays NaN, as float)."""
    arr = np.asarray(values, dtype="float64")
    return np.where(np.isfinite(arr), np.round(arr * 100), np.nan)


def _half_up(value: float, decimals: int = 2) -> float:
    if value is None or not np.isfinite(value):
        return float("nan")
    exp = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(value))).quantize(exp, rounding=ROUND_HALF_UP))


# --------------------------------------------------------------------------------------------
# The 1/7/2025 merger
# --------------------------------------------------------------------------------------------


def reconstruct_merged(
    counts: pd.DataFrame, merger_map: Mapping[str, str], *, before: str = MERGER_PERIOD
) -> pd.DataFrame:
    """Rebuild the history of merged communes from the counts of their former communes.

    For every period that ends before ``before``, the rows of the former communes (the keys of
    ``merger_map``, and any rows already under a merged code) are replaced by one pooled row per
    merged commune and metric (:func:`mkbidx.core.scoring.pool_counts`: numerators and denominators
    summed). Those rows get ``reconstructed=True``. All other rows, in particular the merged
    communes' own data from ``before`` on, are returned unchanged with ``reconstructed=False``
    (or their existing flag).

    Parameters
    ----------
    counts
        Tidy counts (period, unit_code, group, metric, numerator, denominator, ...).
    merger_map
        ``{former commune code: merged commune code}``, e.g. ``registry.merger_map()``. A merged
        commune that kept its namesake's code maps that code to itself.
    before
        First month of the merged units.

    Returns
    -------
    DataFrame
        Counts with a boolean ``reconstructed`` column, sorted by period and unit_code. Columns
        that cannot be pooled (published_score, data_quality_status, ...) are NaN on the
        reconstructed rows.

    Examples
    --------
    >>> c = pd.DataFrame({"period": ["2024-08", "2024-08", "2025-07"],
    ...     "unit_code": ["02752", "02755", "02752"], "group": "tien_do", "metric": "ON_TIME",
    ...     "numerator": [90, 45, 70], "denominator": [100, 50, 80]})
    >>> r = reconstruct_merged(c, {"02752": "02752", "02755": "02752"})
    >>> r[["period", "unit_code", "numerator", "denominator", "reconstructed"]].values.tolist()
    [['2024-08', '02752', 135.0, 150.0, True], ['2025-07', '02752', 70.0, 80.0, False]]
    """
    limit = month_ordinal(before)
    frame = counts.copy()
    if "reconstructed" not in frame:
        frame["reconstructed"] = False
    frame["reconstructed"] = frame["reconstructed"].fillna(False).astype(bool)
    codes = {str(k) for k in merger_map} | {str(v) for v in merger_map.values()}
    last = frame["period"].astype(str).map(_last_month)
    early = last.notna() & (last < limit)
    former = early & frame["unit_code"].astype(str).isin(codes)
    if not former.any():
        return frame.reset_index(drop=True)
    parent_of = {str(k): str(v) for k, v in merger_map.items()}
    pooled = scoring.pool_counts(frame[former], parent_of)
    pooled = pooled.assign(
        numerator=pooled["numerator"].astype("float64"),
        denominator=pooled["denominator"].astype("float64"),
        reconstructed=True,
    )
    if "published_ratio" not in frame:
        pooled = pooled.drop(columns="published_ratio")
    out = pd.concat([frame[~former], pooled], ignore_index=True)
    out = out[list(dict.fromkeys([*frame.columns, *pooled.columns]))]
    return out.sort_values(["period", "unit_code"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Totals over time, changes, rank movement
# --------------------------------------------------------------------------------------------


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} needs columns {missing}; has {list(frame.columns)}")


def _months_only(frame: pd.DataFrame) -> pd.DataFrame:
    is_month = frame["period"].astype(str).str.match(MONTH_RE.pattern)
    return frame[is_month]


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
    _require(table, ["period", "unit_code", "total"], "totals_over_time")
    data = _months_only(table).copy()
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
    _require(table, ["period", "unit_code", "total"], "changes")
    data = _months_only(table)
    cols = ["period", "unit_code", *(["unit_name"] if "unit_name" in data else []), "total"]
    data = data[cols].copy()
    data["unit_code"] = data["unit_code"].astype(str)
    data["prev_period"] = data["period"].map(lambda p: shift_month(p, -int(lag)))
    prev = data[["period", "unit_code", "total"]].rename(
        columns={"period": "prev_period", "total": "prev_total"}
    )
    prev = prev.drop_duplicates(["prev_period", "unit_code"])
    out = data.merge(prev, on=["prev_period", "unit_code"], how="left")
    out["change"] = (_cents(out["total"]) - _cents(out["prev_total"])) / 100
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
    _require(table, ["period", "unit_code", "rank"], "rank_movement")
    data = _months_only(table).copy()
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
# Streaks
# --------------------------------------------------------------------------------------------


class Run(NamedTuple):
    """Runs of consecutive months where a condition holds (see :func:`runs`)."""

    current: int
    longest: int
    longest_from: str | None
    longest_to: str | None
    count: int


def runs(periods: Sequence[str], flags: Sequence[bool]) -> Run:
    """Runs of consecutive months where ``flags`` is true.

    ``current`` is the run ending at the last month given; ``longest`` the longest run (the
    most recent one on a tie) with its first and last month; ``count`` the number of flagged
    months. A month missing from ``periods`` breaks a run.

    Examples
    --------
    >>> runs(["2024-01", "2024-02", "2024-03", "2024-05"], [True, True, False, True])
    Run(current=1, longest=2, longest_from='2024-01', longest_to='2024-02', count=3)
    >>> runs(["2024-01", "2024-03"], [True, True]).longest
    1
    """
    pairs = sorted(zip((month_ordinal(p) for p in periods), flags, strict=True))
    current, longest, start, best = 0, 0, None, (None, None)
    previous = None
    count = 0
    for ordinal, flag in pairs:
        flag = bool(flag)
        count += flag
        if flag and previous is not None and ordinal == previous + 1 and current > 0:
            current += 1
        elif flag:
            current, start = 1, ordinal
        else:
            current = 0
        if flag and current >= longest:
            longest, best = current, (start, ordinal)
        previous = ordinal
    return Run(
        current=current,
        longest=longest,
        longest_from=month_of(best[0]) if best[0] is not None else None,
        longest_to=month_of(best[1]) if best[1] is not None else None,
        count=int(count),
    )


def _below(totals: pd.Series, threshold: float, decimals: int) -> np.ndarray:
    values = pd.to_numeric(totals, errors="coerce")
    return (values.round(decimals) < threshold).to_numpy() & values.notna().to_numpy()


def streaks(
    table: pd.DataFrame,
    *,
    threshold: float | None = None,
    methodology: Methodology | None = None,
) -> pd.DataFrame:
    """Months in a row below the threshold, and months in a row at 0 on each group.

    Parameters
    ----------
    table
        The wide ranking table (period, unit_code, unit_name, one column per group key, total).
        Without group columns only the total streaks are computed.
    threshold
        Default: the top band's minimum (80).

    Returns
    -------
    DataFrame
        One row per unit: unit_code, unit_name, first_period, last_period, n_months,
        months_below (count), current_below (run ending at the unit's last month),
        longest_below, longest_below_from, longest_below_to, then for each group key
        ``<group>_zero_current`` and ``<group>_zero_longest`` (months in a row with a group
        score of 0; a missing group score is not 0 and breaks the run).

    Examples
    --------
    >>> t = pd.DataFrame({"period": ["2024-06", "2024-07", "2024-08"], "unit_code": "a",
    ...     "total": [79.995, 79.99, 75.0], "thanh_toan": [0.0, 0.0, 2.0]})
    >>> s = streaks(t).iloc[0]
    >>> int(s.current_below), int(s.longest_below), int(s.thanh_toan_zero_longest)
    (2, 2, 2)
    """
    m = _method(methodology)
    threshold = default_threshold(m) if threshold is None else float(threshold)
    _require(table, ["period", "unit_code", "total"], "streaks")
    data = _months_only(table).copy()
    data["unit_code"] = data["unit_code"].astype(str)
    if "unit_name" not in data:
        data["unit_name"] = data["unit_code"]
    data["_below"] = _below(data["total"], threshold, m.rank_decimals)
    groups = [g for g in m.group_keys if g in data]
    for g in groups:
        score = pd.to_numeric(data[g], errors="coerce")
        data[f"_zero_{g}"] = (score.round(m.rank_decimals) == 0).to_numpy()
    rows = []
    for code, part in data.sort_values("period").groupby("unit_code", sort=False):
        periods = part["period"].tolist()
        below = runs(periods, part["_below"].tolist())
        row = {
            "unit_code": code,
            "unit_name": part["unit_name"].iloc[-1],
            "first_period": periods[0],
            "last_period": periods[-1],
            "n_months": len(periods),
            "months_below": below.count,
            "current_below": below.current,
            "longest_below": below.longest,
            "longest_below_from": below.longest_from,
            "longest_below_to": below.longest_to,
        }
        for g in groups:
            zero = runs(periods, part[f"_zero_{g}"].tolist())
            row[f"{g}_zero_current"] = zero.current
            row[f"{g}_zero_longest"] = zero.longest
        rows.append(row)
    columns = [
        "unit_code",
        "unit_name",
        "first_period",
        "last_period",
        "n_months",
        "months_below",
        "current_below",
        "longest_below",
        "longest_below_from",
        "longest_below_to",
        *[f"{g}_zero_{kind}" for g in groups for kind in ("current", "longest")],
    ]
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------------------------
# Group decomposition of a change
# --------------------------------------------------------------------------------------------


def _long_groups(groups: pd.DataFrame, m: Methodology) -> pd.DataFrame:
    """period, unit_code, group, score from long group scores or a wide ranking table."""
    if {"group", "score"} <= set(groups.columns):
        return groups[["period", "unit_code", "group", "score"]]
    keys = [g for g in m.group_keys if g in groups]
    if not keys:
        raise ValueError("decompose_change needs group scores (long or one column per group)")
    return groups.melt(
        id_vars=["period", "unit_code"], value_vars=keys, var_name="group", value_name="score"
    )


def decompose_change(
    groups: pd.DataFrame,
    *,
    from_period: str,
    to_period: str,
    methodology: Methodology | None = None,
) -> pd.DataFrame:
    """Split each unit's change of total between two periods into its six groups.

    A missing group score counts 0 (as in the total), so the group deltas sum *exactly* to the
    change of the total: everything is computed on integer hundredths of a point.

    Parameters
    ----------
    groups
        Group scores (period, unit_code, group, score) or the wide ranking table.
    from_period, to_period
        The two periods compared (any period kind present in ``groups``).

    Returns
    -------
    DataFrame
        unit_code, unit_name (if the wide table gives it), group, group_name (short Vietnamese
        name), from_period, to_period, from_score, to_score, delta, from_total, to_total,
        total_delta; one row per unit present in both periods and group, in methodology order.

    Examples
    --------
    >>> g = pd.DataFrame({"period": ["2024-07"] * 2 + ["2024-08"] * 2, "unit_code": "a",
    ...     "group": ["tien_do", "thanh_toan"] * 2, "score": [15.5, 0.0, 18.25, 2.4]})
    >>> d = decompose_change(g, from_period="2024-07", to_period="2024-08")
    >>> d.loc[d["delta"] != 0, ["group", "delta"]].values.tolist(), d["total_delta"].tolist()[0]
    ([['tien_do', 2.75], ['thanh_toan', 2.4]], 5.15)
    """
    m = _method(methodology)
    long = _long_groups(groups, m).copy()
    long["unit_code"] = long["unit_code"].astype(str)
    long["cents"] = _cents(long["score"])
    long["cents"] = long["cents"].fillna(0)
    pick = long[long["period"].astype(str).isin([str(from_period), str(to_period)])]
    present = pick.groupby("unit_code")["period"].nunique()
    both = present[present == (1 if str(from_period) == str(to_period) else 2)].index
    grid = pd.MultiIndex.from_product([sorted(both), m.group_keys], names=["unit_code", "group"])
    sides = {}
    for side, period in (("from", from_period), ("to", to_period)):
        part = pick[pick["period"].astype(str) == str(period)]
        sides[side] = (
            part.groupby(["unit_code", "group"])["cents"].sum().reindex(grid, fill_value=0)
        )
    out = grid.to_frame(index=False)
    out["from_cents"] = sides["from"].to_numpy().astype("int64")
    out["to_cents"] = sides["to"].to_numpy().astype("int64")
    out["delta_cents"] = out["to_cents"] - out["from_cents"]
    totals = out.groupby("unit_code")[["from_cents", "to_cents", "delta_cents"]].transform("sum")
    out["from_period"] = str(from_period)
    out["to_period"] = str(to_period)
    out["from_score"] = out["from_cents"] / 100
    out["to_score"] = out["to_cents"] / 100
    out["delta"] = out["delta_cents"] / 100
    out["from_total"] = totals["from_cents"] / 100
    out["to_total"] = totals["to_cents"] / 100
    out["total_delta"] = totals["delta_cents"] / 100
    short = {g.key: g.short_name for g in m.groups}
    out["group_name"] = out["group"].map(short)
    cols = ["unit_code", "group", "group_name", "from_period", "to_period", "from_score"]
    cols += ["to_score", "delta", "from_total", "to_total", "total_delta"]
    if "unit_name" in groups:
        names = (
            groups.assign(unit_code=groups["unit_code"].astype(str))
            .drop_duplicates("unit_code", keep="last")
            .set_index("unit_code")["unit_name"]
        )
        out["unit_name"] = out["unit_code"].map(names)
        cols.insert(1, "unit_name")
    order = {k: i for i, k in enumerate(m.group_keys)}
    out = out.assign(_g=out["group"].map(order)).sort_values(["unit_code", "_g"], kind="stable")
    return out[cols].reset_index(drop=True)


def change_drivers(decomposition: pd.DataFrame) -> pd.DataFrame:
    """The group that drove each unit's change: the largest move in the direction of the change.

    For a rise, the group with the largest gain; for a fall, the largest loss; for no change,
    the largest move either way (methodology order on a tie).

    Returns
    -------
    DataFrame
        unit_code, (unit_name), total_delta, group, group_name, delta.

    Examples
    --------
    >>> g = pd.DataFrame({"period": ["2024-07"] * 2 + ["2024-08"] * 2, "unit_code": "a",
    ...     "group": ["tien_do", "thanh_toan"] * 2, "score": [15.5, 3.0, 18.25, 2.4]})
    >>> d = decompose_change(g, from_period="2024-07", to_period="2024-08")
    >>> change_drivers(d)[["group", "delta", "total_delta"]].values.tolist()
    [['tien_do', 2.75, 2.15]]
    """
    d = decomposition.copy()
    sign = np.sign(d["total_delta"].to_numpy())
    d["_key"] = np.where(sign == 0, d["delta"].abs(), d["delta"] * sign)
    d["_pos"] = np.arange(len(d))
    best = d.sort_values(["_key", "_pos"], ascending=[False, True], kind="stable")
    best = best.drop_duplicates("unit_code").sort_values("_pos")
    cols = ["unit_code", *(["unit_name"] if "unit_name" in d else []), "total_delta"]
    return best[[*cols, "group", "group_name", "delta"]].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Two periods side by side
# --------------------------------------------------------------------------------------------


def pool_periods(counts: pd.DataFrame, months: Sequence[str], *, label: str) -> pd.DataFrame:
    """Counts of a period range: each unit's numerators and denominators summed over ``months``.

    Published ratios (metrics without counts) are averaged; a unit's row exists when it has
    the metric in at least one of the months; a numerator stays null only if null in every
    month. ``reconstructed`` (if present) is true when any month is reconstructed.

    Examples
    --------
    >>> c = pd.DataFrame({"period": ["2024-07", "2024-08"], "unit_code": "a",
    ...     "group": "tien_do", "metric": "ON_TIME", "numerator": [9, 30],
    ...     "denominator": [10, 40]})
    >>> pool_periods(c, ["2024-07", "2024-08"], label="2024-Q3")[
    ...     ["period", "numerator", "denominator"]].values.tolist()
    [['2024-Q3', 39.0, 50.0]]
    """
    frame = counts[counts["period"].astype(str).isin({str(p) for p in months})]
    keys = ["unit_code", "group", "metric"]
    grouped = frame.groupby(keys, sort=False)
    pooled = grouped[["numerator", "denominator"]].sum(min_count=1).astype("float64")
    if "published_ratio" in frame:
        pooled["published_ratio"] = grouped["published_ratio"].mean()
    if "reconstructed" in frame:
        pooled["reconstructed"] = grouped["reconstructed"].any()
    pooled = pooled.reset_index()
    pooled.insert(0, "period", str(label))
    return pooled


def _units_at(units: pd.DataFrame | None, months: Sequence[str], label: str) -> pd.DataFrame | None:
    """Unit labels for a pooled range: each unit as in its latest month of the range."""
    if units is None:
        return None
    frame = units
    if "period" in frame:
        frame = frame[frame["period"].astype(str).isin(set(months))].sort_values(
            "period", kind="stable"
        )
    frame = frame.drop_duplicates("unit_code", keep="last")
    return frame.assign(period=label)


def _side_totals(
    counts: pd.DataFrame,
    units: pd.DataFrame | None,
    months: list[str],
    label: str,
    how: str,
    m: Methodology,
) -> pd.DataFrame:
    present = counts[counts["period"].astype(str).isin(set(months))]
    n_months = present.groupby("unit_code")["period"].nunique().rename("months")
    if how == "pooled":
        pooled = pool_periods(present, months, label=label)
        ev = ranking.evaluate(pooled, _units_at(units, months, label), methodology=m)
        totals = ev.totals[["unit_code", "total", "rank", "rank_of", *UNIT_LABELS]]
    else:
        ev = ranking.evaluate(present, units, methodology=m)
        monthly = ev.totals
        mean = monthly.groupby("unit_code")["total"].mean().map(_half_up).rename("total")
        totals = mean.reset_index().assign(period=label)
        totals = ranking.rank(totals, _units_at(units, months, label), methodology=m)
        totals = totals[["unit_code", "total", "rank", "rank_of", *UNIT_LABELS]]
    totals = totals.merge(n_months, left_on="unit_code", right_index=True, how="left")
    return totals.assign(months=totals["months"].fillna(0).astype("int64"))


def compare_periods(
    counts: pd.DataFrame,
    units: pd.DataFrame | None = None,
    *,
    first: str | Sequence[str],
    second: str | Sequence[str],
    how: str = "pooled",
    methodology: Methodology | None = None,
) -> pd.DataFrame:
    """Two periods side by side for all units (e.g. Q2 against Q3, 2024 against 2023).

    Parameters
    ----------
    counts
        Monthly counts.
    units
        Unit labels and hierarchy (unit_code, unit_name, level, parent_code, optionally period);
        parents without counts of their own are pooled from their units.
    first, second
        A period (``"2024-Q2"``, ``"2024"``, ``"2024-08"``, ``"2024-01..2024-06"``) or a list of
        months.
    how
        ``"pooled"`` (default, the portal's way): a range is scored from the summed counts of
        its months. ``"mean"``: the mean of the monthly totals, rounded half-up to 2 decimals.

    Returns
    -------
    DataFrame
        One row per unit: unit_code, unit_name, level, parent_code, first_period,
        second_period (labels), first_total, second_total, difference (second − first, exact),
        first_rank, second_rank, rank_of (second period), first_months, second_months (months
        with data), how.

    Examples
    --------
    >>> c = pd.DataFrame({"period": ["2024-01", "2024-02", "2024-04"], "unit_code": "a",
    ...     "group": "tien_do", "metric": "ON_TIME", "numerator": [1, 9, 5],
    ...     "denominator": [10, 10, 10]})
    >>> r = compare_periods(c, first="2024-Q1", second="2024-Q2")
    >>> r[["first_total", "second_total", "difference"]].values.tolist()
    [[10.0, 10.0, 0.0]]
    """
    if how not in ("pooled", "mean"):
        raise MkbidxError(
            f"cách gộp kỳ '{how}' không hợp lệ", column="how", expected='"pooled" hoặc "mean"'
        )
    m = _method(methodology)
    counts = counts.assign(unit_code=counts["unit_code"].astype(str))
    sides = {}
    for name, period in (("first", first), ("second", second)):
        months = months_of(period)
        label = _period_label(period)
        sides[name] = (label, _side_totals(counts, units, months, label, how, m))
    (first_label, a), (second_label, b) = sides["first"], sides["second"]
    a = a.rename(columns={"total": "first_total", "rank": "first_rank", "months": "first_months"})
    b = b.rename(
        columns={"total": "second_total", "rank": "second_rank", "months": "second_months"}
    )
    out = a.drop(columns="rank_of").merge(b, on="unit_code", how="outer", suffixes=("_first", ""))
    for col in UNIT_LABELS:
        out[col] = out[col].where(out[col].notna(), out.get(f"{col}_first"))
    out["difference"] = (_cents(out["second_total"]) - _cents(out["first_total"])) / 100
    out["first_period"] = first_label
    out["second_period"] = second_label
    out["how"] = how
    for col in ("first_months", "second_months"):
        out[col] = out[col].fillna(0).astype("int64")
    for col in ("first_rank", "second_rank", "rank_of"):
        out[col] = out[col].astype("Int64")
    cols = ["unit_code", *UNIT_LABELS, "first_period", "second_period", "first_total"]
    cols += ["second_total", "difference", "first_rank", "second_rank", "rank_of"]
    cols += ["first_months", "second_months", "how"]
    out = out.sort_values(
        ["level", "parent_code", "second_rank", "unit_code"], na_position="last", kind="stable"
    )
    return out[cols].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Summary and the notebook's frames
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
    m = _method(methodology)
    data = _months_only(series).copy()
    data["unit_code"] = data["unit_code"].astype(str)
    if "unit_name" not in data:
        data["unit_name"] = data["unit_code"]
    threshold = default_threshold(m) if threshold is None else float(threshold)
    below = streaks(data, threshold=threshold, methodology=m).set_index("unit_code")
    rows = []
    for code in dict.fromkeys(data["unit_code"]):
        part = data[data["unit_code"] == code].sort_values("period", kind="stable")
        valued = part[part["total"].notna()]
        cents = _cents(valued["total"])
        best = valued.iloc[int(len(cents) - 1 - np.argmax(cents[::-1]))] if len(valued) else None
        worst = valued.iloc[int(len(cents) - 1 - np.argmin(cents[::-1]))] if len(valued) else None
        first, last = part.iloc[0], part.iloc[-1]
        rows.append(
            {
                "unit_code": code,
                "unit_name": last["unit_name"],
                "first_period": first["period"],
                "first_total": first["total"],
                "last_period": last["period"],
                "last_total": last["total"],
                "change": (_cents([last["total"]])[0] - _cents([first["total"]])[0]) / 100,
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
    m = _method(methodology)
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
            codes = {str(k) for k in merger_map} | {str(v) for v in merger_map.values()}
            last = pub["period"].astype(str).map(_last_month)
            early = last.notna() & (last < month_ordinal(before))
            pub = pub[~(early & pub["unit_code"].astype(str).isin(codes))]
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
