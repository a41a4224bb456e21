"""Comparing periods: two periods side by side, and a change split into the six groups.

- A period range is scored from the *pooled* counts of its months (the portal's way for quarters
  and years; ``how="pooled"``, the default). ``how="mean"`` averages the monthly totals instead
  (rounded half-up to 2 decimals); the two differ when months have different volumes.
- Differences are computed on hundredths of a point (integers), so a decomposition of a change
  into the six groups sums exactly to the change of the total.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from mkbidx.core import ranking
from mkbidx.core._frames import UNIT_LABELS, cents, half_up, method
from mkbidx.errors import MkbidxError
from mkbidx.methodology import Methodology
from mkbidx.periods import months_of


def _period_label(period: str | Sequence[str]) -> str:
    if isinstance(period, str):
        return period.strip()
    months = months_of(period)
    if not months:
        return ""
    return months[0] if len(months) == 1 else f"{months[0]}..{months[-1]}"


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
        mean = monthly.groupby("unit_code")["total"].mean().map(half_up).rename("total")
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
    m = method(methodology)
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
    out["difference"] = (cents(out["second_total"]) - cents(out["first_total"])) / 100
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
    m = method(methodology)
    long = _long_groups(groups, m).copy()
    long["unit_code"] = long["unit_code"].astype(str)
    long["cents"] = cents(long["score"])
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
