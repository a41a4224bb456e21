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
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mkbidx.errors import MkbidxError

__all__ = [
    "CONTROL_CHARACTERS",
    "cell_text",
    "clean_controls",
    "first_row",
    "numbers",
    "per_unique",
    "shown",
    "strings",
]

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Characters that arrive with copy-paste (NUL, backspace, vertical tab, ESC...) and that no
name holds; XML (XLSX, DOCX) cannot even store most of them. Tab, CR and LF are kept."""


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


def shown(value: Any) -> str:
    """A cell value as a message shows it: ``-5`` (never ``np.float64(-5.0)``), ``'abc'``.

    >>> shown(np.float64(-5.0)), shown(np.int64(3)), shown(2.5), shown("x")
    ('-5', '3', '2.5', "'x'")
    """
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):g}"
    if isinstance(value, str):
        return repr(CONTROL_CHARACTERS.sub("", value))
    return repr(value)


def clean_controls(frame: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` without control characters in its headers and text cells, and a note naming
    the file, the first row and the column where some were removed (none: the same frame).

    >>> f = pd.DataFrame({"Tên": ["Xã\\x00 An", "Bình"]}, index=[2, 3])
    >>> out, notes = clean_controls(f, Path("a.csv"))
    >>> out["Tên"].tolist(), notes[0][:40]
    (['Xã An', 'Bình'], 'a.csv, dòng 2, cột "Tên": đã bỏ 1 ô có k')
    """
    notes: list[str] = []
    headers = [CONTROL_CHARACTERS.sub("", h) if isinstance(h, str) else h for h in frame.columns]
    if headers != list(frame.columns):
        notes.append(
            f"{path}, dòng 1: đã bỏ ký tự điều khiển trong tiêu đề cột (control characters)"
        )
        frame = frame.set_axis(headers, axis=1)
    for position, column in enumerate(frame.columns):
        series = frame.iloc[:, position]
        if series.dtype != object and not pd.api.types.is_string_dtype(series):
            continue
        uniques = [u for u in pd.unique(series.dropna()) if isinstance(u, str)]
        if not any(CONTROL_CHARACTERS.search(u) for u in uniques):
            continue
        bad = series.map(
            lambda v: isinstance(v, str) and CONTROL_CHARACTERS.search(v) is not None
        ).astype(bool)
        frame = frame.copy()
        frame.isetitem(
            position,
            series.map(
                lambda v: (
                    CONTROL_CHARACTERS.sub("", v).strip() or np.nan if isinstance(v, str) else v
                )
            ).astype(object),
        )
        notes.append(
            f'{path}, dòng {first_row(bad)}, cột "{column}": đã bỏ {int(bad.sum())} ô có ký tự '
            "điều khiển (control characters: NUL, ESC...) khỏi văn bản"
        )
    return frame, notes


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
            f"giá trị không phải số (non-numeric value): {shown(series[row])}",
            file=path,
            row=row,
            column=header,
            expected="một số, vd. 144625" + (" hoặc 88,23" if decimal_comma else ""),
        )
    return values
