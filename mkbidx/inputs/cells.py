"""Cells and columns of a table: text, numbers, and the row a problem is on.

Columns keep the spreadsheet row numbers as their index (the header is row 1), so that
:func:`first_row` names the row a user sees.

>>> import pandas as pd
>>> column = pd.Series([" 083 ", "", 12.0], index=[2, 3, 4])
>>> strings(column).tolist(), first_row(strings(column).isna())
(['083', nan, '12'], 3)
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mkbidx.errors import MkbidxError

__all__ = ["cell_text", "first_row", "numbers", "per_unique", "strings"]


def cell_text(value: Any) -> Any:
    """An Excel cell as text (numbers without a spurious ``.0``, dates as ISO)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return np.nan
    if isinstance(value, (pd.Timestamp, _dt.datetime)):
        return value.strftime("%Y-%m-%d") if value.time() == _dt.time() else value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        return repr(value) if isinstance(value, float) else str(value)
    s = str(value).strip()
    return s if s else np.nan


def per_unique(series: pd.Series, func: Callable[[Any], Any]) -> pd.Series:
    """``series.map(func)`` computed once per distinct value (fast on long, repetitive columns)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [func(u) for u in uniques]
    mapped[-1] = np.nan  # code -1: missing cell
    return pd.Series(mapped[codes], index=series.index, dtype=object)


def _clean_cell(value: Any) -> Any:
    text = cell_text(value)
    return text.strip() or np.nan if isinstance(text, str) else text


def strings(series: pd.Series) -> pd.Series:
    """Stripped text (object dtype) with empty cells as NaN."""
    return per_unique(series, _clean_cell)


def first_row(mask: pd.Series) -> int:
    return int(mask.idxmax())


def numbers(
    frame: pd.DataFrame, header: str, path: Path, *, decimal_comma: bool = False
) -> pd.Series:
    series = frame[header]
    if pd.api.types.is_numeric_dtype(series):
        values = series.astype(float)
        bad = ~np.isfinite(values) & values.notna()
    else:
        text = strings(series)
        if decimal_comma:
            text = text.str.replace(r"^(-?\d+),(\d+)$", r"\1.\2", regex=True)
        values = pd.to_numeric(text, errors="coerce").astype(float)
        bad = text.notna() & (values.isna() | ~np.isfinite(values))
    if bad.any():
        row = first_row(bad)
        raise MkbidxError(
            f"giá trị không phải số (non-numeric value): {series[row]!r}",
            file=path,
            row=row,
            column=header,
            expected="một số, vd. 144625" + (" hoặc 88,23" if decimal_comma else ""),
        )
    return values
