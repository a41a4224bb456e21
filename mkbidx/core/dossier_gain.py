"""What fixing one dossier would be worth: the marginal gain of a unit's total, per dossier.

A dossier that costs points (late, submitted on paper, without an electronic result...) sits in
the denominator of some metrics but not in their numerators (see ``../shared/dossiers.md`` and
:func:`mkbidx.inputs.dossiers.costly.costly_dossiers`). Fixing it would add 1 to the numerator of
each of those metrics. The gain of a metric is the exact change of the unit's total when that
numerator grows by one, scored by :mod:`mkbidx.core.scoring` on the unit's full counts (rounding
of every metric score, group caps and the zero-denominator policy included); a dossier's gain is
the sum over the metrics it costs.

Pure: frames in, frames out.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from mkbidx.core import scoring
from mkbidx.methodology import Methodology

GAIN_COLUMNS = (
    "dossier_id",
    "unit_code",
    "procedure_code",
    "metrics",
    "reasons",
    "days_late",
    "supplement_requests",
    "received_at",
    "due_at",
    "finished_at",
    "gain",
)
"""Columns of :func:`dossier_gains`: one row per dossier that costs points."""

_SEP = "\x1f"  # joins a unit code and a metric into the key of one rescored copy


def metric_gains(
    counts: pd.DataFrame, metrics: Iterable[str], *, methodology: Methodology | None = None
) -> pd.Series:
    """The gain of a unit's total, in points, when one more dossier meets each metric.

    Parameters
    ----------
    counts
        The unit's full counts of one period (period, unit_code, group, metric, numerator,
        denominator, optionally published_ratio): every metric, not only the derivable ones,
        so that the total is the unit's total.
    metrics
        The metric codes to try.

    Returns
    -------
    Series
        metric code → total with that numerator + 1 minus the total as is (2 decimals, exact
        hundredths). A metric the unit has no row for, or whose numerator already equals its
        denominator, gains 0.

    Examples
    --------
    >>> c = pd.DataFrame({"period": "2024-08", "unit_code": "X", "group": "tien_do",
    ...     "metric": ["ON_TIME"], "numerator": [90], "denominator": [100]})
    >>> metric_gains(c, ["ON_TIME"]).to_dict()   # 20 × 91/100 − 20 × 90/100
    {'ON_TIME': 0.2}
    """
    wanted = list(dict.fromkeys(metrics))
    if counts.empty or not wanted:
        return pd.Series(0.0, index=pd.Index(wanted, name="metric"), name="gain")
    counts = counts.reset_index(drop=True)
    base_key = "base"
    copies = [counts.assign(unit_code=base_key)]
    num = pd.to_numeric(counts["numerator"], errors="coerce")
    den = pd.to_numeric(counts["denominator"], errors="coerce")
    tried = []
    for metric in wanted:
        hit = (counts["metric"] == metric).to_numpy()
        if not hit.any():
            continue
        bumped = counts.assign(
            unit_code=f"{base_key}{_SEP}{metric}",
            numerator=np.where(hit & (num < den), num + 1, num),
        )
        copies.append(bumped)
        tried.append(metric)
    stacked = pd.concat(copies, ignore_index=True)
    totals = scoring.score(stacked, methodology=methodology).totals
    cents = pd.Series(
        np.round(totals["total"].to_numpy() * 100).astype("int64"),
        index=totals["unit_code"].to_numpy(),
    )
    base = int(cents.get(base_key, 0))
    gains = {m: (int(cents.get(f"{base_key}{_SEP}{m}", base)) - base) / 100.0 for m in tried}
    out = pd.Series([gains.get(m, 0.0) for m in wanted], index=wanted, dtype="float64")
    out.index.name = "metric"
    return out.rename("gain")


def dossier_gains(
    costly: pd.DataFrame, counts: pd.DataFrame, *, methodology: Methodology | None = None
) -> pd.DataFrame:
    """One row per dossier of ``costly`` with the gain of fixing it, best first.

    Parameters
    ----------
    costly
        One row per (dossier, metric) that costs points, of one unit and period: dossier_id,
        unit_code, procedure_code, metric, reason, days_late, received_at, due_at, finished_at
        (optionally supplement_requests).
    counts
        The unit's full counts of the same period (see :func:`metric_gains`).

    Returns
    -------
    DataFrame
        :data:`GAIN_COLUMNS`: ``metrics`` and ``reasons`` are tuples (metric codes in the order
        given, reason codes without repeats), ``days_late`` the largest (0 when not late),
        ``gain`` the sum of the metric gains. Sorted by gain (desc), days_late (desc),
        dossier_id.

    Examples
    --------
    >>> c = pd.DataFrame({"period": "2024-08", "unit_code": "X", "group": "tien_do",
    ...     "metric": ["ON_TIME"], "numerator": [90], "denominator": [100]})
    >>> k = pd.DataFrame({"dossier_id": ["a", "b"], "unit_code": "X", "procedure_code": "1",
    ...     "metric": "ON_TIME", "reason": ["late", "supplements"], "days_late": [0, 4]})
    >>> dossier_gains(k, c)[["dossier_id", "reasons", "gain"]].values.tolist()
    [['b', ('supplements',), 0.2], ['a', ('late',), 0.2]]
    """
    if costly.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in GAIN_COLUMNS}).assign(
            gain=pd.Series(dtype="float64"), days_late=pd.Series(dtype="int64")
        )
    per_metric = metric_gains(counts, costly["metric"].unique(), methodology=methodology)
    frame = costly.copy()
    frame["metric_gain"] = frame["metric"].map(per_metric).fillna(0.0)
    days = pd.to_numeric(frame.get("days_late"), errors="coerce") if "days_late" in frame else None
    frame["days_late"] = (days.fillna(0) if days is not None else 0).astype("int64")
    for col in ("procedure_code", "received_at", "due_at", "finished_at", "supplement_requests"):
        if col not in frame:
            frame[col] = None
    frame["gain_cents"] = np.round(frame["metric_gain"].to_numpy() * 100).astype("int64")
    grouped = frame.groupby("dossier_id", sort=False)
    out = grouped.agg(
        unit_code=("unit_code", "first"),
        procedure_code=("procedure_code", "first"),
        metrics=("metric", lambda s: tuple(dict.fromkeys(s))),
        reasons=("reason", lambda s: tuple(dict.fromkeys(s))),
        days_late=("days_late", "max"),
        supplement_requests=("supplement_requests", "max"),
        received_at=("received_at", "first"),
        due_at=("due_at", "first"),
        finished_at=("finished_at", "first"),
        gain_cents=("gain_cents", "sum"),
    ).reset_index()
    out["gain"] = out["gain_cents"] / 100.0
    out = out.sort_values(
        ["gain_cents", "days_late", "dossier_id"], ascending=[False, False, True], kind="stable"
    )
    return out[list(GAIN_COLUMNS)].reset_index(drop=True)
