"""Small helpers shared by the trend modules (:mod:`mkbidx.core.trends`,
:mod:`mkbidx.core.compare`, :mod:`mkbidx.core.streaks`): exact hundredths, half-up rounding,
column checks.

Examples
--------
>>> cents([80.0, 79.995, float("nan")]).tolist()
[8000.0, 8000.0, nan]
>>> half_up(2.675), half_up(float("nan"))
(2.68, nan)
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from mkbidx import methodology as _methodology
from mkbidx.methodology import Methodology
from mkbidx.periods import MONTH_RE

UNIT_LABELS = ["unit_name", "level", "parent_code"]
"""The unit label columns carried along by the trend frames."""


def method(methodology: Methodology | None) -> Methodology:
    """``methodology``, or the current version when None."""
    return methodology if methodology is not None else _methodology.load()


def cents(values: pd.Series | np.ndarray | Sequence[float]) -> np.ndarray:
    """Scores as integer hundredths (NaN stays NaN, as float)."""
    arr = np.asarray(values, dtype="float64")
    return np.where(np.isfinite(arr), np.round(arr * 100), np.nan)


def half_up(value: float, decimals: int = 2) -> float:
    """``value`` rounded half-up to ``decimals`` (NaN and None give NaN)."""
    if value is None or not np.isfinite(value):
        return float("nan")
    exp = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(value))).quantize(exp, rounding=ROUND_HALF_UP))


def require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """Raise ValueError naming the missing ``columns`` of ``frame`` (``what`` needs them)."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} needs columns {missing}; has {list(frame.columns)}")


def months_only(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``frame`` whose period is a month ``"YYYY-MM"``."""
    is_month = frame["period"].astype(str).str.match(MONTH_RE.pattern)
    return frame[is_month]
