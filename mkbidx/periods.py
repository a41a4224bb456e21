"""Period arithmetic: months ``"YYYY-MM"``, quarters ``"YYYY-Qn"``, years ``"YYYY"``.

The one place where periods are parsed, shifted, expanded into months and bounded by dates.
Labels in Vietnamese ("tháng 8/2024") are presentation: :mod:`mkbidx.present.formatting`.

>>> from mkbidx import periods
>>> periods.previous_period("2024-01"), periods.shift_month("2024-08", -12)
('2023-12', '2023-08')
>>> periods.months_of("2024-Q3")
['2024-07', '2024-08', '2024-09']
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from mkbidx.errors import MkbidxError

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")
YEAR_RE = re.compile(r"^(\d{4})$")

PERIOD_EXPECTED = "YYYY-MM (vd. 2024-08), YYYY-Qn (vd. 2026-Q3) hoặc YYYY (vd. 2026)"
_MONTHS_EXPECTED = '"YYYY-MM" (vd. "2024-08"), "YYYY-Qn" hoặc "YYYY"'
_PER_YEAR = {"month": 12, "quarter": 4, "year": 1}


class Period(NamedTuple):
    """A parsed period: kind (``"month"``, ``"quarter"``, ``"year"``), year and index (month
    1..12, quarter 1..4, 1 for a year).

    >>> str(Period("quarter", 2026, 3)), Period("month", 2024, 8).ordinal()
    ('2026-Q3', 24295)
    """

    kind: str
    year: int
    index: int

    def __str__(self) -> str:
        if self.kind == "month":
            return f"{self.year:04d}-{self.index:02d}"
        if self.kind == "quarter":
            return f"{self.year:04d}-Q{self.index}"
        return f"{self.year:04d}"

    @property
    def per_year(self) -> int:
        return _PER_YEAR[self.kind]

    def ordinal(self) -> int:
        return self.year * self.per_year + self.index - 1

    @classmethod
    def from_ordinal(cls, kind: str, n: int) -> Period:
        per_year = _PER_YEAR[kind]
        return cls(kind, n // per_year, n % per_year + 1)


def parse(period: str) -> Period:
    """Parse a month, quarter (``Q`` or ``q``) or year; raises MkbidxError for anything else.

    >>> parse("2026-q3")
    Period(kind='quarter', year=2026, index=3)
    """
    text = str(period).strip()
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        month = int(m.group(2))
        if 1 <= month <= 12:
            return Period("month", int(m.group(1)), month)
    elif m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", text):
        return Period("quarter", int(m.group(1)), int(m.group(2)))
    elif re.fullmatch(r"\d{4}", text):
        return Period("year", int(text), 1)
    raise MkbidxError(
        f"kỳ báo cáo (period) không hợp lệ: '{period}'", column="period", expected=PERIOD_EXPECTED
    )


def period_kind(period: str) -> str:
    """``"month"``, ``"quarter"`` or ``"year"``; raises MkbidxError for anything else.

    Examples
    --------
    >>> period_kind("2024-08"), period_kind("2026-Q3"), period_kind("2026")
    ('month', 'quarter', 'year')
    """
    return parse(period).kind


def is_month(period: object) -> bool:
    """True for a valid ``"YYYY-MM"`` month.

    >>> is_month("2024-08"), is_month("2024-13"), is_month("2024-Q3")
    (True, False, False)
    """
    m = MONTH_RE.match(str(period))
    return bool(m) and 1 <= int(m.group(2)) <= 12


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a period.

    Examples
    --------
    >>> period_bounds("2024-08")
    (datetime.date(2024, 8, 1), datetime.date(2024, 8, 31))
    >>> period_bounds("2024-Q1")[1], period_bounds("2024")[1]
    (datetime.date(2024, 3, 31), datetime.date(2024, 12, 31))
    """
    p = parse(period)
    if p.kind == "month":
        first_month, last_month = p.index, p.index
    elif p.kind == "quarter":
        first_month, last_month = 3 * p.index - 2, 3 * p.index
    else:
        first_month, last_month = 1, 12
    last_day = calendar.monthrange(p.year, last_month)[1]
    return date(p.year, first_month, 1), date(p.year, last_month, last_day)


def previous_period(period: str) -> str:
    """The period before, of the same kind.

    Examples
    --------
    >>> previous_period("2024-01"), previous_period("2026-Q1"), previous_period("2026")
    ('2023-12', '2025-Q4', '2025')
    """
    p = parse(period)
    return str(Period.from_ordinal(p.kind, p.ordinal() - 1))


def next_period(period: str) -> str:
    """The period after, of the same kind.

    Examples
    --------
    >>> next_period("2024-12"), next_period("2026-Q4"), next_period("2026")
    ('2025-01', '2027-Q1', '2027')
    """
    p = parse(period)
    return str(Period.from_ordinal(p.kind, p.ordinal() + 1))


def period_range(start: str, end: str) -> list[str]:
    """All periods from ``start`` to ``end`` inclusive (both of the same kind).

    Examples
    --------
    >>> period_range("2024-11", "2025-02")
    ['2024-11', '2024-12', '2025-01', '2025-02']
    >>> period_range("2026-Q3", "2027-Q1")
    ['2026-Q3', '2026-Q4', '2027-Q1']
    """
    a, b = parse(start), parse(end)
    if a.kind != b.kind:
        raise MkbidxError(
            f"hai kỳ khác loại (period kind): '{start}' và '{end}'",
            column="period",
            expected="hai kỳ cùng loại (tháng, quý hoặc năm)",
        )
    if a.ordinal() > b.ordinal():
        raise MkbidxError(
            f"kỳ đầu '{start}' sau kỳ cuối '{end}'",
            column="period",
            expected="kỳ đầu không sau kỳ cuối",
        )
    return [str(Period.from_ordinal(a.kind, n)) for n in range(a.ordinal(), b.ordinal() + 1)]


def month_ordinal(period: str) -> int:
    """Months since year 0 of a ``"YYYY-MM"`` period (consecutive months differ by 1).

    Examples
    --------
    >>> month_ordinal("2025-01") - month_ordinal("2024-12")
    1
    """
    match = MONTH_RE.match(str(period))
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise MkbidxError(
            f"kỳ '{period}' không phải một tháng (month period)",
            column="period",
            expected='"YYYY-MM", vd. "2024-08"',
        )
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def month_of(ordinal: int) -> str:
    """Inverse of :func:`month_ordinal`.

    Examples
    --------
    >>> month_of(month_ordinal("2024-08") - 12)
    '2023-08'
    """
    year, month = divmod(int(ordinal), 12)
    return f"{year:04d}-{month + 1:02d}"


def shift_month(period: str, months: int) -> str:
    """The month ``months`` after ``period`` (negative: before).

    Examples
    --------
    >>> shift_month("2024-01", -1), shift_month("2024-08", -12)
    ('2023-12', '2023-08')
    """
    return month_of(month_ordinal(period) + months)


def month_range(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` inclusive (empty when ``first`` is after ``last``).

    >>> month_range("2024-11", "2025-01"), month_range("2024-02", "2024-01")
    (['2024-11', '2024-12', '2025-01'], [])
    """
    return [month_of(o) for o in range(month_ordinal(first), month_ordinal(last) + 1)]


def months_between(first: str, last: str) -> int:
    """Number of months from ``first`` to ``last`` (negative when ``last`` is earlier).

    >>> months_between("2024-08", "2025-07")
    11
    """
    return month_ordinal(last) - month_ordinal(first)


def months_of(period: str | Sequence[str]) -> list[str]:
    """The months of a period: ``"2024"`` (12 months), ``"2024-Q2"`` (3), ``"2024-08"`` (1),
    ``"2024-01..2024-06"`` (a range), or a list of months (returned sorted, unique).

    Examples
    --------
    >>> months_of("2024-Q3")
    ['2024-07', '2024-08', '2024-09']
    >>> months_of("2024-11..2025-01"), len(months_of("2023"))
    (['2024-11', '2024-12', '2025-01'], 12)
    """
    if not isinstance(period, str):
        months = sorted({str(p) for p in period})
        for p in months:
            month_ordinal(p)
        return months
    text = period.strip()
    if ".." in text:
        start, _, end = text.partition("..")
        a, b = month_ordinal(start.strip()), month_ordinal(end.strip())
        if a > b:
            raise MkbidxError(
                f"kỳ đầu '{start}' sau kỳ cuối '{end}'",
                column="period",
                expected="kỳ đầu ≤ kỳ cuối",
            )
        return [month_of(o) for o in range(a, b + 1)]
    if match := QUARTER_RE.match(text):
        year, quarter = int(match.group(1)), int(match.group(2))
        return [f"{year:04d}-{m:02d}" for m in range(3 * quarter - 2, 3 * quarter + 1)]
    if match := YEAR_RE.match(text):
        return [f"{int(match.group(1)):04d}-{m:02d}" for m in range(1, 13)]
    if MONTH_RE.match(text):
        month_ordinal(text)
        return [text]
    raise MkbidxError(f"kỳ không hợp lệ (period): '{period}'", expected=_MONTHS_EXPECTED)


def last_month(period: str) -> str | None:
    """The last month covered by a month, quarter or year period (None if it is none of those).

    >>> last_month("2024-Q3"), last_month("2024"), last_month("x")
    ('2024-09', '2024-12', None)
    """
    try:
        return months_of(str(period))[-1]
    except MkbidxError:
        return None
