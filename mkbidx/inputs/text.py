"""Text as people write it, folded to canonical forms: headers, cell values and periods.

:func:`fold` turns a column header into a snake-case ASCII key, :func:`fold_value` does the same
for a cell value, :func:`normalize_period` reads a period in any usual spelling and
:func:`period_from_path` finds one in a file or folder name. Period arithmetic on canonical
periods is :mod:`mkbidx.periods`.

>>> from mkbidx.inputs.text import fold, normalize_period
>>> fold("Tên đơn vị"), normalize_period("quý III/2026")
('ten_don_vi', '2026-Q3')
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mkbidx.errors import MkbidxError
from mkbidx.periods import Period

__all__ = ["PERIOD_EXAMPLES", "fold", "fold_value", "normalize_period", "period_from_path"]

# Years accepted in a period.
YEAR_RANGE = (1900, 2199)

PERIOD_EXAMPLES = '"2024-08", "8/2024", "tháng 8/2024", "2026-Q3", "quý 3/2026" hoặc "2026"'


def fold(text: Any) -> str:
    """Lower-case ASCII snake form: no diacritics, ``đ`` → ``d``, camelCase split.

    >>> fold("Mã đơn vị (unit_code)"), fold("Tổng  điểm"), fold("departmentCode")
    ('ma_don_vi', 'tong_diem', 'department_code')
    """
    s = str(text)
    s = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", s)
    s = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", s)
    s = unicodedata.normalize("NFD", s).replace("đ", "d").replace("Đ", "D")
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    s = re.sub(r"[^a-z0-9]+", "_", s).strip("_")
    return re.sub(r"^\d+_(?=[a-z])", "", s)


def fold_value(text: Any) -> str:
    """Like :func:`fold` but keeps parenthesised text (for cell values)."""
    s = unicodedata.normalize("NFD", str(text)).replace("đ", "d").replace("Đ", "D")
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "_", s).strip("_")


# ----------------------------------------------------------------------------- periods
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_Q = r"(?P<q>[1-4]|iv|i{1,3})"
_PERIOD_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(p))
    for kind, p in (
        ("month", r"(?P<y>\d{4})\s*[-/.]\s*(?P<m>\d{1,2})"),
        ("month", r"(?P<y>\d{4})-(?P<m>\d{2})-\d{2}(?:[ t]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"),
        ("month", r"(?:thang|t)?\s*(?P<m>\d{1,2})\s*(?:[-/.]|nam)\s*(?P<y>\d{4})"),
        ("month", r"thang\s*(?P<m>\d{1,2})\s+(?:nam\s+)?(?P<y>\d{4})"),
        ("quarter", r"(?P<y>\d{4})\s*[-/ ]?\s*q" + _Q),
        ("quarter", r"(?:q|quy)\s*" + _Q + r"\s*(?:[-/.]|nam|\s)\s*(?P<y>\d{4})"),
        ("year", r"(?:nam\s*)?(?P<y>\d{4})(?:\.0+)?"),
    )
)
# Periods inside file and folder names ("phu-tho-2026-08", "bao-cao-2026-q3", "thang-8-2026").
_NAME_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(p))
    for kind, p in (
        ("quarter", r"(?<![0-9])(?P<y>\d{4})[-_. ]?q(?P<q>[1-4])(?![0-9])"),
        (
            "quarter",
            r"(?:(?<![a-z])q|quy)[-_. ]?(?P<q>[1-4])[-_. ](?:nam[-_. ])?(?P<y>\d{4})(?![0-9])",
        ),
        ("month", r"thang[-_. ]?(?P<m>\d{1,2})[-_. ](?:nam[-_. ])?(?P<y>\d{4})(?![0-9])"),
        ("month", r"(?<![0-9])(?P<y>\d{4})[-_.](?P<m>\d{1,2})(?![0-9])"),
        ("month", r"(?<![0-9])(?P<m>\d{1,2})[-_.](?P<y>\d{4})(?![0-9])"),
        ("year", r"(?<![0-9])(?P<y>\d{4})(?![0-9])"),
    )
)


def _format_period(kind: str, match: re.Match[str]) -> str | None:
    """The canonical period of a pattern's match (None when the year or month is out of range)."""
    year = int(match.group("y"))
    if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        return None
    if kind == "month":
        index = int(match.group("m"))
        if not 1 <= index <= 12:
            return None
    elif kind == "quarter":
        q = match.group("q")
        index = _ROMAN[q] if q in _ROMAN else int(q)
    else:
        index = 1
    return str(Period(kind, year, index))


def normalize_period(
    text: Any,
    *,
    file: str | Path | None = None,
    row: int | None = None,
    column: str | None = None,
) -> str:
    """Canonical period string: ``"YYYY-MM"`` (month), ``"YYYY-Qn"`` (quarter) or ``"YYYY"``.

    Parameters
    ----------
    text
        A period as people write it: ``"2024-08"``, ``"2024-8"``, ``"8/2024"``, ``"08/2024"``,
        ``"tháng 8/2024"``, ``"2026-Q3"``, ``"Q3/2026"``, ``"quý 3/2026"``, ``"2026"``; also a
        date or datetime (its month).
    file, row, column
        Where the value comes from, for the error message.

    Raises
    ------
    MkbidxError
        When the text is not a period.

    Examples
    --------
    >>> [normalize_period(t) for t in ("2024-8", "08/2024", "tháng 8/2024", "quý 3/2026", "2026")]
    ['2024-08', '2024-08', '2024-08', '2026-Q3', '2026']
    """
    if isinstance(text, (_dt.date, pd.Timestamp)) and not pd.isna(text):
        return str(Period("month", text.year, text.month))
    if isinstance(text, (int, np.integer)) and not isinstance(text, bool):
        text = str(int(text))
    if isinstance(text, str):
        s = unicodedata.normalize("NFD", text.strip()).replace("đ", "d").replace("Đ", "D")
        s = "".join(c for c in s if not unicodedata.combining(c)).lower()
        s = re.sub(r"\s+", " ", s)
        for kind, pattern in _PERIOD_PATTERNS:
            match = pattern.fullmatch(s)
            if match:
                result = _format_period(kind, match)
                if result:
                    return result
    raise MkbidxError(
        f"kỳ báo cáo không hợp lệ (unknown period format): {text!r}",
        file=file,
        row=row,
        column=column,
        expected=PERIOD_EXAMPLES,
    )


def period_from_path(path: Path, levels: int = 3) -> str | None:
    """Period written in the file name, else in one of its parent folders' names."""
    names = [path.stem] + [p.name for p in list(path.absolute().parents)[:levels]]
    for name in names:
        s = fold_value(name)
        for kind, pattern in _NAME_PATTERNS:
            for match in pattern.finditer(s):
                result = _format_period(kind, match)
                if result:
                    return result
    return None
