"""History across the 1/7/2025 commune merger: rebuilding merged communes' earlier months.

Before 1/7/2025 (:data:`MERGER_PERIOD`) a merged commune did not exist; :func:`reconstruct_merged`
rebuilds its history by pooling the counts of its former communes and flags those rows
``reconstructed=True`` (the presentation layer labels them, see :mod:`mkbidx.present.labels`).

It works for any commune of the country through the official crosswalk
(``Registry.merger_map()``, :mod:`mkbidx.inputs.crosswalk`). **Divided communes**: an old commune
divided between several new ones cannot have its counts divided, so its whole history goes to
its *primary* successor (the one the official conversion table names), the map's value; the
other new communes that received part of it get none of it. Every rebuilt month is flagged
``reconstructed`` all the same.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from mkbidx.core import scoring
from mkbidx.periods import last_month, month_ordinal

MERGER_PERIOD = "2025-07"
"""First month of the merged communes (Nghị quyết sáp nhập, effective 1/7/2025)."""


def last_month_ordinal(period: object) -> int | None:
    """Ordinal of the last month covered by a month, quarter or year period (None if unknown).

    Examples
    --------
    >>> last_month_ordinal("2024-Q3") - last_month_ordinal("2024-08"), last_month_ordinal("x")
    (1, None)
    """
    month = last_month(str(period))
    return None if month is None else month_ordinal(month)


def before_merger(
    frame: pd.DataFrame, merger_map: Mapping[str, str], *, before: str = MERGER_PERIOD
) -> pd.Series:
    """Rows of ``frame`` (period, unit_code) of a former or merged commune in a period that ends
    before ``before``: the rows :func:`reconstruct_merged` pools.

    Examples
    --------
    >>> f = pd.DataFrame({"period": ["2024-08", "2025-07", "2024-08"],
    ...                   "unit_code": ["02755", "02752", "09999"]})
    >>> before_merger(f, {"02755": "02752"}).tolist()
    [True, False, False]
    """
    limit = month_ordinal(before)
    codes = {str(k) for k in merger_map} | {str(v) for v in merger_map.values()}
    last = frame["period"].astype(str).map(last_month_ordinal)
    early = last.notna() & (last < limit)
    return early & frame["unit_code"].astype(str).isin(codes)


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
    frame = counts.copy()
    if "reconstructed" not in frame:
        frame["reconstructed"] = False
    frame["reconstructed"] = frame["reconstructed"].fillna(False).astype(bool)
    former = before_merger(frame, merger_map, before=before)
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
