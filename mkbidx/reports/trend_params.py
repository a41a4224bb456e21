"""Parameters of the trend report template, validated once at the edge."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkbidx.core import trends
from mkbidx.errors import MkbidxError
from mkbidx.inputs import readers
from mkbidx.present import formatting
from mkbidx.reports.params import SCOPE_PATTERN, validate_parameters


@dataclass(frozen=True)
class TrendParameters:
    """The validated parameters of the trend template (see :func:`validate_trend_parameters`)."""

    scope: str
    first_period: str
    last_period: str
    compare_first: str | None
    compare_second: str | None
    compare_scope: str | None
    data_path: Path
    output_dir: Path | None
    methodology: str | None
    reconstruct: bool = True
    dossiers: Path | None = None
    procedures: Path | None = None
    provisional: bool = False

    @property
    def compare(self) -> tuple[str, str] | None:
        """The two periods to compare, or None for the default (:func:`default_comparison`)."""
        if self.compare_first and self.compare_second:
            return self.compare_first, self.compare_second
        return None

    @property
    def folder_name(self) -> str:
        """``"2024-01_2025-06"``."""
        return f"{self.first_period}_{self.last_period}"

    def as_dict(self) -> dict[str, Any]:
        """The parameters as the notebook takes them (JSON-ready; empty text for "none")."""
        return {
            "scope": self.scope,
            "first_period": self.first_period,
            "last_period": self.last_period,
            "compare_first": self.compare_first or "",
            "compare_second": self.compare_second or "",
            "compare_scope": self.compare_scope or "",
            "data_path": str(self.data_path),
            "output_dir": str(self.output_dir) if self.output_dir is not None else "",
            "methodology": self.methodology or "",
            "reconstruct": bool(self.reconstruct),
            **(
                {
                    "dossiers": str(self.dossiers),
                    "procedures": str(self.procedures) if self.procedures else "",
                    "provisional": bool(self.provisional),
                }
                if self.dossiers is not None
                else {}
            ),
        }


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _month(value: Any, column: str) -> str:
    text = _text(value)
    expected = '"YYYY-MM", vd. "2024-01"'
    if not text:
        raise MkbidxError("thiếu tháng (month)", column=column, expected=expected)
    period = readers.normalize_period(text, column=column)
    if formatting.period_kind(period) != "month":
        raise MkbidxError(
            f"báo cáo xu hướng cần một tháng, không phải '{value}' (month)",
            column=column,
            expected=expected,
        )
    return period


def _comparison_period(value: Any, column: str) -> str:
    """A period to compare: a month, quarter, year or month range ``"2024-01..2024-06"``."""
    text = _text(value)
    if ".." in text:
        start, _, end = text.partition("..")
        text = f"{_month(start, column)}..{_month(end, column)}"
    else:
        text = readers.normalize_period(text, column=column)
    try:
        trends.months_of(text)
    except MkbidxError as exc:
        raise MkbidxError(
            f"kỳ so sánh không hợp lệ: '{value}' ({exc.args[0] if exc.args else exc})",
            column=column,
            expected='"2024-Q2", "2024", "2024-08" hoặc "2024-01..2024-06"',
        ) from None
    return text


def validate_trend_parameters(
    *,
    scope: str,
    first_period: str,
    last_period: str,
    compare_first: str | None = "",
    compare_second: str | None = "",
    compare_scope: str | None = "",
    data_path: str | Path | None = None,
    output_dir: str | Path | None = None,
    methodology: str | None = None,
    reconstruct: bool = True,
    dossiers: str | Path | None = None,
    procedures: str | Path | None = None,
    provisional: bool = False,
) -> TrendParameters:
    """Check the parameters of the trend template and normalise them.

    Parameters
    ----------
    scope
        Code of the unit whose units are followed (``"083"``: the communes of Mường Khương).
    first_period, last_period
        First and last month, ``"YYYY-MM"`` (``"1/2024"`` is accepted); first ≤ last.
    compare_first, compare_second
        Two periods shown side by side (``"2024-Q2"`` and ``"2024-Q3"``, ``"2023"`` and
        ``"2024"``, ``"2024-01..2024-06"``); both empty: :func:`default_comparison`.
    compare_scope
        Optional code of a second unit drawn with the scope against its peers.
    data_path
        Data file or folder; empty or None: the project's ``data/sample``.
    output_dir
        Folder the figures and tables are written to; empty or None: write nothing.
    methodology
        Methodology id or YAML path; empty or None: the current version.
    reconstruct
        Rebuild the merged communes' history before 1/7/2025 from their former communes.

    Returns
    -------
    TrendParameters

    Raises
    ------
    MkbidxError
        A month that is not one, the first month after the last, one comparison period without
        the other, a bad scope code, a missing data path, an unknown methodology.

    Examples
    --------
    >>> p = validate_trend_parameters(scope=" 083 ", first_period="1/2024", last_period="2024-12")
    >>> p.scope, p.first_period, p.last_period, p.compare, p.folder_name
    ('083', '2024-01', '2024-12', None, '2024-01_2024-12')
    """
    first = _month(first_period, "--from")
    last = _month(last_period, "--to")
    if trends.month_ordinal(first) > trends.month_ordinal(last):
        raise MkbidxError(
            f"tháng đầu {first} sau tháng cuối {last} (invalid range)",
            column="--from",
            expected="tháng đầu ≤ tháng cuối",
        )
    a, b = _text(compare_first), _text(compare_second)
    if bool(a) != bool(b):
        raise MkbidxError(
            "cần cả hai kỳ so sánh hoặc không kỳ nào (compare)",
            column="--compare",
            expected='hai kỳ, vd. "2024-Q2" "2024-Q3"',
        )
    a = _comparison_period(a, "--compare") if a else None
    b = _comparison_period(b, "--compare") if b else None
    other = _text(compare_scope) or None
    if other is not None and not SCOPE_PATTERN.fullmatch(other):
        raise MkbidxError(
            f"mã đơn vị so sánh không hợp lệ: '{compare_scope}'",
            column="--compare-scope",
            expected='mã đơn vị, vd. "084"',
        )
    base = validate_parameters(
        period=last,
        scope=scope,
        data_path=data_path,
        output_dir=output_dir,
        methodology=methodology,
        dossiers=dossiers,
        procedures=procedures,
        provisional=provisional,
    )
    return TrendParameters(
        scope=base.scope,
        first_period=first,
        last_period=last,
        compare_first=a,
        compare_second=b,
        compare_scope=other,
        data_path=base.data_path,
        output_dir=base.output_dir,
        methodology=base.methodology,
        reconstruct=bool(reconstruct),
        dossiers=base.dossiers,
        procedures=base.procedures,
        provisional=base.provisional,
    )


def default_comparison(months: Sequence[str]) -> tuple[str, str] | None:
    """The two periods compared by default for the months of a range.

    The last two full calendar years in ``months`` if there are two, else the last two full
    quarters, else the last two months; None for a single month.

    Examples
    --------
    >>> from mkbidx.core.trends import months_of
    >>> default_comparison(months_of("2024-01..2024-12"))
    ('2024-Q3', '2024-Q4')
    >>> default_comparison(months_of("2023-01..2025-06"))
    ('2023', '2024')
    >>> default_comparison(months_of("2024-11..2025-01")), default_comparison(["2024-08"])
    (('2024-12', '2025-01'), None)
    """
    have = set(months)
    years = sorted({m[:4] for m in have})
    full_years = [y for y in years if all(f"{y}-{i:02d}" in have for i in range(1, 13))]
    if len(full_years) >= 2:
        return full_years[-2], full_years[-1]
    quarters = [
        f"{y}-Q{q}"
        for y in years
        for q in range(1, 5)
        if all(f"{y}-{i:02d}" in have for i in range(3 * q - 2, 3 * q + 1))
    ]
    if len(quarters) >= 2:
        return quarters[-2], quarters[-1]
    ordered = sorted(have)
    if len(ordered) >= 2:
        return ordered[-2], ordered[-1]
    return None


def period_name(period: str) -> str:
    """``"quý 3/2024"``, ``"năm 2024"``, ``"tháng 8/2024"`` or ``"1/2024–6/2024"`` for a range.

    Examples
    --------
    >>> period_name("2024-Q3"), period_name("2024-01..2024-06")
    ('quý 3/2024', '1/2024–6/2024')
    """
    first, _, last = str(period).partition("..")
    if last:
        return f"{formatting.period_short(first)}–{formatting.period_short(last)}"
    return formatting.period_label(first)
