"""Streaks: months in a row below the target, and months in a row at 0 on each group.

"Months in a row" are consecutive calendar months: a month without data breaks a streak.
"Below the target" means the total, rounded to the published 2 decimals, is under the threshold
(default: the top band's minimum, 80 points), exactly as :func:`mkbidx.core.ranking.band_of`
decides the band.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from mkbidx.core._frames import method, months_only, require
from mkbidx.methodology import Methodology
from mkbidx.periods import month_of, month_ordinal


def default_threshold(methodology: Methodology | None = None) -> float:
    """The top band's minimum total (80 points in the current methodology).

    Examples
    --------
    >>> default_threshold()
    80.0
    """
    return max(b.min for b in method(methodology).bands)


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
    m = method(methodology)
    threshold = default_threshold(m) if threshold is None else float(threshold)
    require(table, ["period", "unit_code", "total"], "streaks")
    data = months_only(table).copy()
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
