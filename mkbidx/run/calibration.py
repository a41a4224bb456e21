"""Calibration of synthetic counts: move numerators until scores meet targets.

Targets are checked by scoring with :mod:`mkbidx.core.scoring` itself, never by hard-coding a score.
A unit-month that misses a target (e.g. a commune that must score ≥ 80) has its numerators moved
toward their denominators (or toward 1) by the smallest fraction found by bisection. The
district's own agencies (its departments, pooled with its communes by
:func:`mkbidx.core.scoring.pool_counts`) are then adjusted the same way until the pooled total is
just
below 88.23, and one own-agency numerator is searched (binary search) for the exact 88.23.
Everything derives from ``numpy.random.default_rng`` streams of one seed: the output is
byte-identical from run to run.

Examples
--------
>>> import pandas as pd
>>> from mkbidx import methodology
>>> m = methodology.load()
>>> rows = pd.DataFrame({"period": "2024-08", "unit_code": "A", "group": "tien_do",
...                      "metric": ["ON_TIME"], "numerator": [50.0], "denominator": [100.0],
...                      "published_ratio": [float("nan")]})
>>> before = total_cents(rows, m)
>>> meet(rows, "A", "2024-08", "ge", before + 100, m)
>>> total_cents(rows, m) >= before + 100
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from mkbidx.core import scoring
from mkbidx.methodology import Methodology

__all__ = [
    "BISECTION_STEPS",
    "CENTS",
    "DOSSIER_METRICS",
    "hit_cents",
    "hit_exact",
    "meet",
    "movable_mask",
    "total_cents",
]

# Denominators made of dossiers (large, so that one dossier moves a score by about a cent):
# the only ones the exact calibration of the district total moves.
DOSSIER_METRICS = (
    "DOSSIER_SYNC",
    "ON_TIME",
    "ONLINE_SUBMISSION",
    "ONLINE_PAYMENT_DOSSIERS",
    "DOSSIER_RECEIVING_SATISFACTION",
    "ORIGINAL_RESULT_AVAILABLE",
    "SO_HOA_GIAY_TO_GIAI_QUYET",
    "REUSED_DIGITIZED_DATA",
    "SYNCED_WITH_DVCQG_PERSONAL_STORAGE",
    "CITIZEN_DATA_CONNECTED_DOSSIER",
)
BISECTION_STEPS = 20  # numerators are integers: 2**-20 of a distance is below one count
EXACT_REACH = (40, 8)  # hit_cents: counts one numerator, then two together, may move by
EXACT_BATCH = 500  # hit_cents: candidates scored in one call
CENTS = 100


def total_cents(rows: pd.DataFrame, m: Methodology) -> int:
    """Total of one unit-month (rows of one period and unit), in hundredths of a point."""
    totals = scoring.score(rows, methodology=m).totals
    if len(totals) != 1:
        raise ValueError(f"expected the rows of one unit and month, got {len(totals)}")
    return int(round(float(totals["total"].iloc[0]) * CENTS))


def _shift(num: np.ndarray, den: np.ndarray, q: float, movable: np.ndarray) -> np.ndarray:
    """Move movable numerators toward their denominator (q > 0) or toward 1 (q < 0).

    Each moves by the fraction |q| of its distance, rounded down: monotone in q, so scores are
    monotone in q. A numerator never goes below 1 when its denominator is positive (no zero is
    created).
    """
    floor = np.minimum(num, (den > 0).astype("float64"))
    if q >= 0:
        moved = num + np.floor(q * (den - num))
    else:
        moved = num - np.floor(-q * (num - floor))
    return np.where(movable, moved, num)


def _bisect(
    total_of: Callable[[np.ndarray], int],
    num: np.ndarray,
    den: np.ndarray,
    movable: np.ndarray,
    *,
    ok: Callable[[int], bool],
    sign: int,
) -> np.ndarray | None:
    """The numerators shifted by the smallest fraction that satisfies ``ok`` (None if none)."""
    if ok(total_of(num)):
        return num
    if not ok(total_of(_shift(num, den, float(sign), movable))):
        return None
    lo, hi = 0.0, 1.0
    for _ in range(BISECTION_STEPS):
        mid = (lo + hi) / 2
        if ok(total_of(_shift(num, den, sign * mid, movable))):
            hi = mid
        else:
            lo = mid
    return _shift(num, den, sign * hi, movable)


def movable_mask(
    rows: pd.DataFrame, m: Methodology, only: Sequence[str] | None = None
) -> np.ndarray:
    scored = rows["metric"].map(lambda c: m.metric(c).max > 0).to_numpy(dtype=bool)
    den = rows["denominator"].to_numpy()
    movable = scored & np.isfinite(den) & (den > 0)
    if only is not None:
        movable &= rows["metric"].isin(only).to_numpy()
    return movable


def meet(
    counts: pd.DataFrame,
    unit: str,
    period: str,
    op: str,
    cents: int,
    m: Methodology,
    pinned: Sequence[str] = (),
    project: Callable[[pd.DataFrame, np.ndarray], np.ndarray] | None = None,
) -> None:
    """Make the total of ``unit`` in ``period`` satisfy ``op`` ("ge"/"lt") ``cents``, in place.

    ``pinned`` metrics keep their numerators. ``project(rows, numerators)``, when given, maps
    every tried vector of numerators to the one actually kept (e.g. the nearest counts a dossier
    table can realise, :func:`mkbidx.run.sample_dossiers.realisable`); it must be
    non-decreasing in the numerators so that the bisection stays valid.
    """
    mask = ((counts["unit_code"] == unit) & (counts["period"] == period)).to_numpy()
    rows = counts.loc[mask]
    num = rows["numerator"].to_numpy(dtype="float64")
    den = rows["denominator"].to_numpy(dtype="float64")
    movable = movable_mask(rows, m) & ~rows["metric"].isin(pinned).to_numpy()

    def kept(values: np.ndarray) -> np.ndarray:
        return values if project is None else project(rows, values)

    def total_of(values: np.ndarray) -> int:
        return total_cents(rows.assign(numerator=kept(values)), m)

    if op == "ge":
        new = _bisect(total_of, num, den, movable, ok=lambda c: c >= cents, sign=1)
    else:
        new = _bisect(total_of, num, den, movable, ok=lambda c: c < cents, sign=-1)
    if new is None:
        raise RuntimeError(f"calibration: cannot bring {unit} {period} to {op} {cents / CENTS}")
    counts.loc[mask, "numerator"] = kept(new)


def hit_exact(
    own: pd.DataFrame, children: pd.DataFrame, parent_of: dict[str, str], cents: int, m: Methodology
) -> np.ndarray:
    """Own-agency numerators whose pooling with ``children`` totals exactly ``cents``.

    Bisection over a shift of the own dossier metrics brings the pooled total just below the
    target; a binary search over one own numerator (ON_TIME first) then hits it exactly.
    """
    num = own["numerator"].to_numpy(dtype="float64")
    den = own["denominator"].to_numpy(dtype="float64")

    def total_of(values: np.ndarray) -> int:
        pooled = scoring.pool_counts(
            pd.concat([own.assign(numerator=values), children], ignore_index=True), parent_of
        )
        return total_cents(pooled, m)

    movable = movable_mask(own, m, DOSSIER_METRICS)
    start = total_of(num)
    if start == cents:
        return num
    if start > cents:
        below = _bisect(total_of, num, den, movable, ok=lambda c: c < cents, sign=-1)
    else:
        below = _step_back(total_of, num, den, movable, cents)
    if below is None:
        raise RuntimeError(f"calibration: the district total cannot reach {cents / CENTS}")
    if total_of(below) == cents:
        return below
    metrics = own["metric"].to_numpy()
    for metric in DOSSIER_METRICS:
        (where,) = np.nonzero(metrics == metric)
        i = int(where[0])
        lo, hi = int(below[i]), int(den[i])
        trial = below.copy()
        while lo < hi:  # smallest numerator reaching the target
            mid = (lo + hi) // 2
            trial[i] = mid
            if total_of(trial) >= cents:
                hi = mid
            else:
                lo = mid + 1
        trial[i] = lo
        if total_of(trial) == cents:
            return trial
    raise RuntimeError(f"calibration: no own-agency count gives exactly {cents / CENTS}")


def _step_back(
    total_of: Callable[[np.ndarray], int],
    num: np.ndarray,
    den: np.ndarray,
    movable: np.ndarray,
    cents: int,
) -> np.ndarray:
    """Numerators shifted by the largest fraction whose total is still below ``cents``."""
    lo, hi = 0.0, 1.0
    for _ in range(BISECTION_STEPS):
        mid = (lo + hi) / 2
        if total_of(_shift(num, den, mid, movable)) < cents:
            lo = mid
        else:
            hi = mid
    return _shift(num, den, lo, movable)


def hit_cents(
    counts: pd.DataFrame,
    unit: str,
    period: str,
    cents: int,
    m: Methodology,
    pinned: Sequence[str] = (),
    project: Callable[[pd.DataFrame, np.ndarray], np.ndarray] | None = None,
) -> None:
    """Make the total of ``unit`` in ``period`` exactly ``cents``, in place.

    :func:`meet` first brings the total to at least ``cents`` (smallest shift); then the
    numerators of one scored metric (or of two together) move by a few counts, all the
    candidates scored in one call, and the first that totals exactly ``cents`` is kept (one
    metric before two, smaller moves first). No numerator becomes 0 where its denominator is
    positive; ``pinned`` and ``project`` as in :func:`meet`.
    """
    meet(counts, unit, period, "ge", cents, m, pinned, project)
    mask = ((counts["unit_code"] == unit) & (counts["period"] == period)).to_numpy()
    rows = counts.loc[mask].reset_index(drop=True)
    num = rows["numerator"].to_numpy(dtype="float64")
    den = rows["denominator"].to_numpy(dtype="float64")
    if total_cents(rows, m) == cents:
        return
    movable = np.flatnonzero(movable_mask(rows, m) & ~rows["metric"].isin(pinned).to_numpy())
    one, two = EXACT_REACH
    moves = [((i, d),) for d in sorted(range(-one, one + 1), key=abs) if d for i in movable]
    steps = [d for d in sorted(range(-two, two + 1), key=abs) if d]
    moves += [
        ((i, a), (j, b)) for a in steps for b in steps for i in movable for j in movable if i < j
    ]
    floor = np.minimum(num, (den > 0).astype("float64"))
    ceiling = np.where(np.isnan(den), np.inf, den)

    def candidates():
        for move in moves:
            values = num.copy()
            for i, d in move:
                values[i] += d
            if not (np.any(values < floor) or np.any(values > ceiling)):
                yield values if project is None else project(rows, values)

    kept: np.ndarray | None = None
    batch: list[np.ndarray] = []
    stream = candidates()
    while kept is None:
        batch = [v for _, v in zip(range(EXACT_BATCH), stream, strict=False)]
        if not batch:
            break
        frame = pd.concat([rows] * len(batch), ignore_index=True)
        frame["unit_code"] = np.repeat([f"c{k}" for k in range(len(batch))], len(rows))
        frame["numerator"] = np.concatenate(batch)
        totals = scoring.score(frame, methodology=m).totals.set_index("unit_code")["total"]
        hits = [k for k in range(len(batch)) if int(round(totals[f"c{k}"] * CENTS)) == cents]
        if hits:
            kept = batch[hits[0]]
    if kept is None:
        raise RuntimeError(f"calibration: no count gives {unit} {period} exactly {cents / CENTS}")
    counts.loc[mask, "numerator"] = kept
