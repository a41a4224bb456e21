"""Ranks and bands: competition ranking ("1, 1, 3") among peers, bands from the methodology.

Peers are units of the same period, level and parent (the 9 districts of a province, the 16
communes of a district). A unit's rank is reported with its number of peers: "1/9".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from mkbidx import methodology as _methodology
from mkbidx.core import scoring
from mkbidx.errors import MkbidxError, short_list
from mkbidx.methodology import Methodology

PEER_KEYS = ["period", "level", "parent_code"]
LEVEL_ORDER = {"province": 0, "department": 1, "district": 2, "commune": 3}
from mkbidx.schemas import UNIT_COLUMNS  # noqa: E402


def _method(methodology: Methodology | None) -> Methodology:
    return methodology if methodology is not None else _methodology.load()


def band_of(totals: pd.Series | float, *, methodology: Methodology | None = None):
    """Band label of each total (a total ≥ a band's ``min`` gets the highest such band).

    Examples
    --------
    >>> band_of(88.23), band_of(79.99)
    ('Tốt', 'Chưa tốt')
    """
    m = _method(methodology)
    values = pd.Series(totals, dtype="float64") if not np.isscalar(totals) else None
    if values is None:
        return next(b.label for b in m.bands if float(totals) >= b.min)
    conditions = [values.round(m.rank_decimals) >= b.min for b in m.bands]
    labels = np.select(conditions, [b.label for b in m.bands], default=m.bands[-1].label)
    return pd.Series(labels, index=values.index).where(values.notna())


def attach_units(totals: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Join unit labels (name, level, parent) to a frame keyed by unit_code (and period).

    ``units`` may carry a period column (units change over time, e.g. the 2025 mergers); then the
    join is on period and unit_code.
    """
    on = ["period", "unit_code"] if "period" in units and "period" in totals else ["unit_code"]
    cols = [c for c in [*on, *UNIT_COLUMNS] if c in units]
    labels = units[list(dict.fromkeys(cols))].drop_duplicates(on, keep="last")
    base = totals.drop(columns=[c for c in UNIT_COLUMNS if c in totals and c not in on])
    out = base.merge(labels, on=on, how="left")
    for col in UNIT_COLUMNS:
        if col not in out:
            out[col] = None
    out["unit_name"] = out["unit_name"].fillna(out["unit_code"])
    return out


def rank(
    totals: pd.DataFrame,
    units: pd.DataFrame | None = None,
    *,
    methodology: Methodology | None = None,
) -> pd.DataFrame:
    """Rank totals among peers and give each its band.

    Parameters
    ----------
    totals
        period, unit_code, total (and any other columns, kept). If it lacks level/parent_code,
        ``units`` supplies them.
    units
        unit_code, unit_name, level, parent_code (optionally period).

    Returns
    -------
    DataFrame
        ``totals`` with unit_name, level, parent_code, rank (Int64), rank_of (Int64), band.
        Ranks use totals rounded to the published 2 decimals; equal totals share the best rank
        and the next rank skips ("1, 1, 3").

    Examples
    --------
    >>> t = pd.DataFrame({"period": ["2024-08"] * 3, "unit_code": ["a", "b", "c"],
    ...                   "total": [85.0, 90.0, 85.0], "level": "commune", "parent_code": "083"})
    >>> rank(t)[["unit_code", "rank", "rank_of", "band"]].values.tolist()
    [['a', 2, 3, 'Tốt'], ['b', 1, 3, 'Tốt'], ['c', 2, 3, 'Tốt']]
    """
    m = _method(methodology)
    out = attach_units(totals, units) if units is not None else totals.copy()
    for col in UNIT_COLUMNS:
        if col not in out:
            out[col] = out["unit_code"] if col == "unit_name" else None
    rounded = out["total"].round(m.rank_decimals)
    keys = [out[k].fillna("") for k in PEER_KEYS]
    grouped = rounded.groupby(keys, sort=False)
    out["rank"] = grouped.rank(method="min", ascending=False).astype("Int64")
    out["rank_of"] = grouped.transform("size").astype("Int64")
    out["band"] = band_of(out["total"], methodology=m)
    return out


def ranking_table(
    groups: pd.DataFrame, ranked: pd.DataFrame, *, methodology: Methodology | None = None
) -> pd.DataFrame:
    """Wide table, one row per unit: group scores as columns next to total, rank and band.

    Parameters
    ----------
    groups
        Group scores (period, unit_code, group, score).
    ranked
        Output of :func:`rank`.

    Returns
    -------
    DataFrame
        period, unit_code, unit_name, level, parent_code, one column per group key in the
        methodology's order, total, rank, rank_of, band, complete; sorted by period, peers and
        rank, then unit_code.
    """
    m = _method(methodology)
    wide = groups.pivot_table(
        index=["period", "unit_code"], columns="group", values="score", aggfunc="first"
    )
    wide = wide.reindex(columns=m.group_keys).reset_index()
    wide.columns.name = None
    cols = ["period", *UNIT_COLUMNS, "total", "rank", "rank_of", "band"]
    if "complete" in ranked:
        cols.append("complete")
    table = ranked[cols].merge(wide, on=["period", "unit_code"], how="left")
    ordered = ["period", *UNIT_COLUMNS, *m.group_keys, "total", "rank", "rank_of", "band"]
    if "complete" in table:
        ordered.append("complete")
    table = table[ordered]
    return table.sort_values(
        ["period", "level", "parent_code", "rank", "unit_code"], na_position="first", kind="stable"
    ).reset_index(drop=True)


class Evaluation(NamedTuple):
    """Everything a report needs about a set of units: scores at three levels and the ranking."""

    metrics: pd.DataFrame
    groups: pd.DataFrame
    totals: pd.DataFrame
    table: pd.DataFrame


def fill_parents(counts: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Add pooled counts for parent units that have children with counts but no counts of their own.

    ``units`` (unit_code, parent_code, optionally period) gives the hierarchy; pooling repeats up
    the levels (communes → district → province). Parents with their own rows are left as given.
    """
    if units is None or units.empty or "parent_code" not in units:
        return counts
    links = units.dropna(subset=["parent_code"])[
        [c for c in ("period", "unit_code", "parent_code") if c in units]
    ]
    by = ["period"] if "period" in links else []
    out = counts
    for _ in range(4):  # commune → district → province: a few levels at most
        have = out[[*by, "unit_code"]].drop_duplicates()
        has_rows = links.merge(have, on=[*by, "unit_code"], how="inner")
        parent_rows = have.rename(columns={"unit_code": "parent_code"}).assign(_has=True)
        candidates = has_rows.merge(parent_rows, on=[*by, "parent_code"], how="left")
        child_links = candidates[candidates["_has"].isna()].drop(columns="_has")
        if child_links.empty:
            break
        rows = out.merge(child_links[[*by, "unit_code"]], on=[*by, "unit_code"], how="inner")
        out = pd.concat([out, scoring.pool_counts(rows, child_links)], ignore_index=True)
    return out


def evaluate(
    counts: pd.DataFrame,
    units: pd.DataFrame | None = None,
    published_groups: pd.DataFrame | None = None,
    *,
    methodology: Methodology | None = None,
    pool: bool = True,
) -> Evaluation:
    """Score counts, pool missing parents, fill in published group scores, rank everything.

    Examples
    --------
    >>> c = pd.DataFrame({"period": "2024-08", "unit_code": ["a", "b"], "group": "tien_do",
    ...                   "metric": "ON_TIME", "numerator": [9, 10], "denominator": [10, 10]})
    >>> u = pd.DataFrame({"unit_code": ["a", "b", "p"], "unit_name": ["A", "B", "P"],
    ...                   "level": ["commune", "commune", "district"],
    ...                   "parent_code": ["p", "p", None]})
    >>> ev = evaluate(c, u)
    >>> ev.table[["unit_code", "tien_do", "rank", "rank_of"]].values.tolist()
    [['b', 20.0, 1, 2], ['a', 18.0, 2, 2], ['p', 19.0, 1, 1]]
    """
    m = _method(methodology)
    if pool and units is not None:
        counts = fill_parents(counts, units)
    scores = scoring.score(counts, methodology=m)
    groups = scores.groups
    if published_groups is not None and not published_groups.empty:
        groups = scoring.combine_groups(groups, published_groups)
    totals = scoring.score_totals(groups, methodology=m)
    ranked = rank(totals, units, methodology=m)
    return Evaluation(scores.metrics, groups, ranked, ranking_table(groups, ranked, methodology=m))


def scope_table(table: pd.DataFrame, *, period: str, scope: str | None = None) -> pd.DataFrame:
    """Rows of a ranking table for one period: the units directly under ``scope`` (all if None),
    by level (a province's departments before its communes), then in rank order."""
    rows = table[table["period"] == period]
    if scope is not None:
        rows = rows[rows["parent_code"] == scope]
    level = rows["level"].map(LEVEL_ORDER).fillna(len(LEVEL_ORDER))
    order = rows.assign(_level=level).sort_values(["_level", "rank", "unit_code"], kind="stable")
    return order.drop(columns="_level").reset_index(drop=True)


def scope_rows(
    table: pd.DataFrame, *, period: str, scope: str | None, column: str = "scope"
) -> pd.DataFrame:
    """:func:`scope_table`, refusing a scope with no unit under it in ``period`` (a typo would
    otherwise give an empty ranking) with a :class:`MkbidxError` naming ``column``."""
    rows = scope_table(table, period=period, scope=scope)
    if rows.empty:
        parents = sorted(table.loc[table["period"] == period, "parent_code"].dropna().unique())
        raise MkbidxError(
            f"không có đơn vị nào trực thuộc '{scope}' trong kỳ {period} (empty scope)",
            column=column,
            expected=f"mã đơn vị cha, vd. {short_list(parents)}",
        )
    return rows


def evaluate_periods(inputs: Any, periods: Iterable[str]) -> Evaluation:
    """Score and rank the data of the given periods (pooled parents, published groups).

    ``inputs``: data read for a report (:class:`mkbidx.inputs.loading.Inputs`: dataset, unit
    labels per period, methodology).
    """
    wanted = set(periods)
    ds = inputs.dataset
    return evaluate(
        ds.counts[ds.counts["period"].isin(wanted)],
        inputs.units[inputs.units["period"].isin(wanted)],
        ds.published_groups[ds.published_groups["period"].isin(wanted)],
        methodology=inputs.methodology,
    )
