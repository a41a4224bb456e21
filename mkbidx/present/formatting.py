"""Vietnamese formatting of numbers, periods, dates, ranks and unit names; styled tables.

This is the only module that turns values into Vietnamese text. The style follows the real
letters (công văn) the product drafts: ``"88,23/100 điểm"``, ``"xếp hạng 1/9 huyện, thành phố"``,
``"tháng 8 năm 2024"``, ``"05/9/2024"``, ``"UBND 13 xã, thị trấn"``, ``"03 xã"``.

Conventions
-----------
- Decimal comma and dot thousands separator: ``1.234,50``. Rounding is half-up on the decimal
  value as written (``0.125`` → ``"0,13"``), the portal's rule, never Python's half-to-even.
- A missing value (None, NaN, NA, NaT) is shown as an en dash ``"–"``.
- Negative numbers use the minus sign U+2212 (``"−0,40"``); :func:`parse_number` accepts both it
  and the ASCII hyphen.
- Periods are ``"YYYY-MM"``, ``"YYYY-Qn"`` or ``"YYYY"``.

All functions are pure.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import pandas as pd

from mkbidx import periods as _periods
from mkbidx.errors import (
    MkbidxError,
    short_list,  # noqa: F401  (re-exported: formatting is where reports look)
)
from mkbidx.periods import (  # noqa: F401  (re-exported: formatting is where reports look)
    next_period,
    period_bounds,
    period_kind,
    period_range,
    previous_period,
)

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

    from mkbidx.methodology import Methodology

MISSING = "–"
"""Text shown for a missing value (en dash)."""
MINUS = "\u2212"
"""Minus sign used for negative numbers."""
DECIMAL_SEPARATOR = ","
THOUSANDS_SEPARATOR = "."

# --------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------


def _is_missing(x: Any) -> bool:
    """None, NaN, pd.NA or NaT (scalars only)."""
    return x is None or (pd.api.types.is_scalar(x) and bool(pd.isna(x)))


def _to_decimal(x: Any) -> Decimal | None:
    """Exact decimal of ``x`` as written: floats through their shortest repr (0.125 → 0.125)."""
    if _is_missing(x):
        return None
    if isinstance(x, Decimal):
        return x
    if isinstance(x, bool):
        return Decimal(int(x))
    if isinstance(x, int) or (hasattr(x, "dtype") and getattr(x.dtype, "kind", "") in "iu"):
        return Decimal(int(x))
    return Decimal(repr(float(x)))


def _quantize(d: Decimal, decimals: int) -> Decimal:
    exp = Decimal(1).scaleb(-decimals)
    digits = max(28, d.adjusted() + decimals + 4)
    return d.quantize(exp, rounding=ROUND_HALF_UP, context=Context(prec=digits))


def _group_thousands(digits: str) -> str:
    return f"{int(digits):,}".replace(",", THOUSANDS_SEPARATOR)


def _render(d: Decimal, decimals: int, *, plus: bool = False) -> str:
    """Render an already quantized decimal with the Vietnamese separators."""
    if d.is_infinite():
        return ("" if d > 0 else MINUS) + "∞"
    sign = ""
    if d < 0:
        sign = MINUS
    elif d > 0 and plus:
        sign = "+"
    text = f"{abs(d):f}"
    whole, _, frac = text.partition(".")
    out = _group_thousands(whole)
    if decimals > 0:
        out += DECIMAL_SEPARATOR + frac.ljust(decimals, "0")[:decimals]
    return sign + out


def number(x: Any, decimals: int = 2) -> str:
    """Format a number with a decimal comma and dot thousands separators, rounded half-up.

    Parameters
    ----------
    x
        A number (int, float, numpy scalar or Decimal); None/NaN/NA give ``"–"``.
    decimals
        Digits after the comma (≥ 0).

    Returns
    -------
    str

    Examples
    --------
    >>> number(88.23), number(1234.5), number(0.125), number(-0.4), number(float("nan"))
    ('88,23', '1.234,50', '0,13', '−0,40', '–')
    >>> number(1234567, 0), number(-0.001)
    ('1.234.567', '0,00')
    """
    if decimals < 0:
        raise ValueError("decimals must be >= 0")
    d = _to_decimal(x)
    if d is None or d.is_nan():
        return MISSING
    if d.is_infinite():
        return _render(d, decimals)
    return _render(_quantize(d, decimals), decimals)


def score(x: Any) -> str:
    """A score as published: 2 decimals.

    Examples
    --------
    >>> score(88.23), score(15.675), score(None)
    ('88,23', '15,68', '–')
    """
    return number(x, 2)


def compact(x: Any, max_decimals: int = 2) -> str:
    """A number rounded half-up to at most ``max_decimals`` with trailing zeros dropped.

    For maxima, thresholds and axis ticks: ``100``, ``2,5``.

    Examples
    --------
    >>> compact(100.0), compact(2.5), compact(88.235), compact(12000), compact(-0.5)
    ('100', '2,5', '88,24', '12.000', '−0,5')
    """
    d = _to_decimal(x)
    if d is None or d.is_nan():
        return MISSING
    if d.is_infinite():
        return _render(d, 0)
    q = _quantize(d, max_decimals).normalize()
    decimals = max(0, -q.as_tuple().exponent)
    return _render(_quantize(q, decimals), decimals)


def points(x: Any, max_decimals: int = 2) -> str:
    """A number of points: ``"80 điểm"``, ``"88,23 điểm"``.

    Examples
    --------
    >>> points(80), points(88.23)
    ('80 điểm', '88,23 điểm')
    """
    return f"{compact(x, max_decimals)} điểm"


def percent(x: Any, decimals: int = 2) -> str:
    """A ratio (0..1) as a percentage: ``0.8421`` → ``"84,21%"``.

    Examples
    --------
    >>> percent(0.8421), percent(1), percent(0.842105), percent(0), percent(None)
    ('84,21%', '100,00%', '84,21%', '0,00%', '–')
    >>> percent(0.5, 0)
    '50%'
    """
    d = _to_decimal(x)
    if d is None or d.is_nan():
        return MISSING
    return number(d * 100, decimals) + "%"


def signed(x: Any, decimals: int = 2) -> str:
    """A change with its sign: ``"+1,25"``, ``"−0,40"``, ``"0,00"``.

    Examples
    --------
    >>> signed(1.25), signed(-0.4), signed(0), signed(-0.004), signed(float("nan"))
    ('+1,25', '−0,40', '0,00', '0,00', '–')
    """
    d = _to_decimal(x)
    if d is None or d.is_nan():
        return MISSING
    if d.is_infinite():
        return ("+" if d > 0 else "") + _render(d, decimals)
    return _render(_quantize(d, decimals), decimals, plus=True)


def integer(n: Any) -> str:
    """A whole number with dot thousands separators (rounded half-up if needed).

    Examples
    --------
    >>> integer(1234), integer(0), integer(-56789), integer(2.5), integer(pd.NA)
    ('1.234', '0', '−56.789', '3', '–')
    """
    return number(n, 0)


def count_padded(n: int) -> str:
    """A count in administrative style: two digits below 10 (``"03"``), else as is (``"13"``).

    Examples
    --------
    >>> count_padded(3), count_padded(13), count_padded(0), count_padded(1234)
    ('03', '13', '00', '1.234')
    """
    n = int(n)
    if n < 0:
        raise ValueError("a count cannot be negative")
    return f"{n:02d}" if n < 10 else integer(n)


def parse_number(text: str) -> float:
    """Parse a Vietnamese-formatted number back to a float (inverse of :func:`number`).

    Accepts ``"88,23"``, ``"1.234,50"``, ``"−0,40"``, ``"+1,25"``, ``"84,21%"`` (→ 84.21, the
    percent sign is dropped, not divided). ``"–"`` and ``""`` give NaN.

    Examples
    --------
    >>> parse_number("88,23"), parse_number("1.234,50"), parse_number("−0,40")
    (88.23, 1234.5, -0.4)
    """
    s = str(text).strip().replace("\u00a0", "").replace(" ", "").rstrip("%")
    if s in ("", MISSING, "-", MINUS):
        return float("nan")
    s = s.replace(MINUS, "-").replace(THOUSANDS_SEPARATOR, "").replace(DECIMAL_SEPARATOR, ".")
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", s):
        raise ValueError(f"not a Vietnamese-formatted number: {text!r}")
    return float(s)


def rank_label(rank: Any, rank_of: Any) -> str:
    """``"1/9"``; a missing rank gives ``"–"``.

    Examples
    --------
    >>> rank_label(1, 9), rank_label(pd.NA, 9)
    ('1/9', '–')
    """
    if _is_missing(rank) or _is_missing(rank_of):
        return MISSING
    return f"{integer(rank)}/{integer(rank_of)}"


def score_of_max(x: Any, max_score: Any) -> str:
    """A score out of its maximum: ``"88,23/100"``, ``"15,68/20"``.

    Examples
    --------
    >>> score_of_max(88.23, 100), score_of_max(2.5, 2.5), score_of_max(None, 18)
    ('88,23/100', '2,50/2,5', '–/18')
    """
    return f"{score(x)}/{compact(max_score)}"


def rank_phrase(rank: Any, rank_of: Any, peers: str) -> str:
    """``"xếp hạng 1/9 huyện, thành phố"`` (``peers`` from :func:`peers_phrase`).

    Examples
    --------
    >>> rank_phrase(1, 9, "huyện, thành phố")
    'xếp hạng 1/9 huyện, thành phố'
    """
    return f"xếp hạng {rank_label(rank, rank_of)} {peers}".rstrip()


# --------------------------------------------------------------------------------------------
# Periods and dates
# --------------------------------------------------------------------------------------------

MONTH_WORDS = (
    "Một",
    "Hai",
    "Ba",
    "Tư",
    "Năm",
    "Sáu",
    "Bảy",
    "Tám",
    "Chín",
    "Mười",
    "Mười Một",
    "Mười Hai",
)
"""Month names in words, January first (``tháng Tư`` is April; Gregorian, not lunar)."""


def period_label(period: str) -> str:
    """Short label for tables and titles: ``"tháng 8/2024"``, ``"quý 3/2026"``, ``"năm 2026"``.

    Examples
    --------
    >>> period_label("2024-08"), period_label("2026-Q3"), period_label("2026")
    ('tháng 8/2024', 'quý 3/2026', 'năm 2026')
    """
    p = _periods.parse(period)
    if p.kind == "month":
        return f"tháng {p.index}/{p.year}"
    if p.kind == "quarter":
        return f"quý {p.index}/{p.year}"
    return f"năm {p.year}"


def period_long(period: str) -> str:
    """Label for running text: ``"tháng 8 năm 2024"``, ``"quý 3 năm 2026"``, ``"năm 2026"``.

    Examples
    --------
    >>> period_long("2024-08"), period_long("2026-Q3"), period_long("2026")
    ('tháng 8 năm 2024', 'quý 3 năm 2026', 'năm 2026')
    """
    p = _periods.parse(period)
    if p.kind == "month":
        return f"tháng {p.index} năm {p.year}"
    if p.kind == "quarter":
        return f"quý {p.index} năm {p.year}"
    return f"năm {p.year}"


def period_short(period: str) -> str:
    """Compact label for chart axes: ``"8/2024"``, ``"quý 3/2026"``, ``"2026"``.

    Examples
    --------
    >>> period_short("2024-08"), period_short("2026-Q3"), period_short("2026")
    ('8/2024', 'quý 3/2026', '2026')
    """
    p = _periods.parse(period)
    if p.kind == "month":
        return f"{p.index}/{p.year}"
    if p.kind == "quarter":
        return f"quý {p.index}/{p.year}"
    return str(p.year)


def month_name(month: int, *, words: bool = False) -> str:
    """``"Tháng 8"``, or in words ``"Tháng Tám"``.

    Examples
    --------
    >>> month_name(8), month_name(8, words=True), month_name(4, words=True)
    ('Tháng 8', 'Tháng Tám', 'Tháng Tư')
    """
    if not 1 <= int(month) <= 12:
        raise ValueError(f"month must be 1..12, got {month}")
    return f"Tháng {MONTH_WORDS[int(month) - 1] if words else int(month)}"


def _to_date(d: Any) -> date | None:
    if _is_missing(d):
        return None
    if isinstance(d, datetime):
        return d.date()
    if isinstance(d, date):
        return d
    if isinstance(d, str):
        return date.fromisoformat(d.strip()[:10])
    raise TypeError(f"not a date: {d!r}")


def date_vn(d: date | datetime | str | None) -> str:
    """A date as in the letters: day with 2 digits, month unpadded: ``"05/9/2024"``.

    Accepts a date, datetime, pandas Timestamp or ISO string; None/NaT give ``"–"``.

    Examples
    --------
    >>> date_vn(date(2024, 9, 5)), date_vn("2024-08-01"), date_vn(date(2024, 12, 31))
    ('05/9/2024', '01/8/2024', '31/12/2024')
    """
    value = _to_date(d)
    if value is None:
        return MISSING
    return f"{value.day:02d}/{value.month}/{value.year}"


BLANK_DAY = "     "
"""What :func:`date_long` writes for a day left blank (filled in by hand at signature)."""


def date_long(d: date | datetime | str, *, blank_day: bool = False) -> str:
    """The date line of an administrative document: ``"ngày 05 tháng 9 năm 2024"``.

    Follows Nghị định 30/2020/NĐ-CP: days below 10 and the months 1 and 2 take a leading zero.
    With ``blank_day`` the day is left blank for the signer (``"ngày      tháng 9 năm 2024"``).

    Examples
    --------
    >>> date_long(date(2024, 9, 5)), date_long("2024-02-20")
    ('ngày 05 tháng 9 năm 2024', 'ngày 20 tháng 02 năm 2024')
    """
    value = _to_date(d)
    if value is None:
        return MISSING
    day = BLANK_DAY if blank_day else f"{value.day:02d}"
    month = f"{value.month:02d}" if value.month <= 2 else str(value.month)
    return f"ngày {day} tháng {month} năm {value.year}"


# --------------------------------------------------------------------------------------------
# Unit names and kinds
# --------------------------------------------------------------------------------------------

KIND_ORDER = ("tỉnh", "quận", "huyện", "thị xã", "thành phố", "xã", "phường", "thị trấn", "đặc khu")
"""Order of unit kinds in a phrase, as in official usage: "tỉnh, thành phố";
"quận, huyện, thị xã, thành phố"; "xã, phường, thị trấn"."""

_DROPPED_KINDS = {"tỉnh", "huyện", "xã"}
_ABBREVIATIONS = {"tp.": "thành phố", "tx.": "thị xã", "tt.": "thị trấn"}
_PREFIX_RE = re.compile(
    r"^(?P<kind>"
    + "|".join(sorted((*KIND_ORDER, *_ABBREVIATIONS), key=len, reverse=True)).replace(".", r"\.")
    + r")(?:\s+|(?<=\.))(?P<rest>\S.*)$",
    re.IGNORECASE,
)

LEVEL_PHRASES = {
    "province": "tỉnh, thành phố",
    "district": "huyện, thị xã, thành phố",
    "commune": "xã, phường, thị trấn",
    "department": "sở, ban, ngành",
}
"""Generic plural phrase of a level's units, used when no names are given."""

# Urban kinds per level, highest first: in the compact style only the highest present is named.
_URBAN_RANK = {
    "district": ("thành phố", "thị xã"),
    "commune": ("phường", "thị trấn"),
}


def _clean(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", str(name)).split())


def _split_kind(name: str) -> tuple[str | None, str]:
    text = _clean(name)
    m = _PREFIX_RE.match(text)
    if not m:
        return None, text
    kind = m.group("kind").lower()
    return _ABBREVIATIONS.get(kind, kind), m.group("rest")


def unit_kind(name: str) -> str | None:
    """The kind of an administrative unit from its name (lower case), or None.

    Recognises the full prefixes of :data:`KIND_ORDER` in any case and the abbreviations
    ``TP.``, ``TX.``, ``TT.``.

    Examples
    --------
    >>> unit_kind("Xã Tả Thàng"), unit_kind("TT. Mường Khương"), unit_kind("Sở Tư pháp")
    ('xã', 'thị trấn', None)
    """
    return _split_kind(name)[0]


def short_unit_name(name: str) -> str:
    """A unit's name as listed in the letters (``"Tả Thàng"``, ``"thị trấn Mường Khương"``).

    The kind is dropped for tỉnh, huyện and xã and kept in lower case for the others (thành
    phố, thị xã, thị trấn, phường, quận, đặc khu). Names without a known prefix (departments)
    are returned unchanged.

    Examples
    --------
    >>> short_unit_name("Xã Tả Thàng"), short_unit_name("Thị trấn Mường Khương")
    ('Tả Thàng', 'thị trấn Mường Khương')
    >>> short_unit_name("Huyện Mường Khương"), short_unit_name("Thành phố Lào Cai")
    ('Mường Khương', 'thành phố Lào Cai')
    >>> short_unit_name("Thị xã Sa Pa"), short_unit_name("Sở Tư pháp")
    ('thị xã Sa Pa', 'Sở Tư pháp')
    """
    kind, rest = _split_kind(name)
    if kind is None:
        return rest
    if kind in _DROPPED_KINDS:
        return rest
    return f"{kind} {rest}"


def inline_unit_name(name: str) -> str:
    """A unit's name inside a sentence: the kind in lower case (``"UBND xã Tung Chung Phố"``).

    Examples
    --------
    >>> inline_unit_name("Xã Tung Chung Phố"), inline_unit_name("Huyện Mường Khương")
    ('xã Tung Chung Phố', 'huyện Mường Khương')
    """
    kind, rest = _split_kind(name)
    return rest if kind is None else f"{kind} {rest}"


def name_list(names: Iterable[str]) -> str:
    """Short names joined by commas, in the given order.

    Examples
    --------
    >>> name_list(["Xã Tả Thàng", "Xã Bản Lầu", "Thị trấn Mường Khương"])
    'Tả Thàng, Bản Lầu, thị trấn Mường Khương'
    """
    return ", ".join(short_unit_name(n) for n in names)


def _kinds_present(names: Iterable[str]) -> list[str]:
    found = {unit_kind(n) for n in names} - {None}
    return [k for k in KIND_ORDER if k in found]


def unit_kind_phrase(names: Iterable[str]) -> str:
    """The kinds of the named units, each once, in :data:`KIND_ORDER`: ``"xã, thị trấn"``.

    Names of unknown kind are ignored; if no kind is known the phrase is ``"đơn vị"``.

    Examples
    --------
    >>> unit_kind_phrase(["Xã Pha Long", "Xã Bản Lầu"])
    'xã'
    >>> unit_kind_phrase(["Thị trấn Mường Khương", "Xã Pha Long"])
    'xã, thị trấn'
    >>> unit_kind_phrase(["Thành phố Lào Cai", "Huyện Bát Xát", "Thị xã Sa Pa"])
    'huyện, thị xã, thành phố'
    >>> unit_kind_phrase(["Phường Cốc Lếu", "Xã Cam Đường"]), unit_kind_phrase(["Sở Tư pháp"])
    ('xã, phường', 'đơn vị')
    """
    kinds = _kinds_present(names)
    return ", ".join(kinds) if kinds else "đơn vị"


def peers_phrase(level: str, names: Iterable[str] | None = None, *, full: bool = False) -> str:
    """How a letter names a unit's peers, as in "xếp hạng 1/9 huyện, thành phố".

    Rule (documented choice, matching the seed letter for Lào Cai's 9 district-level units:
    7 huyện, Thị xã Sa Pa and Thành phố Lào Cai → "huyện, thành phố"):

    - ``names`` given: the kinds present in :data:`KIND_ORDER`, but in the default compact style
      the urban kinds of one level are named by the highest present only: at district level
      "thành phố" covers "thị xã", at commune level "phường" covers "thị trấn". ``full=True``
      names every kind present ("huyện, thị xã, thành phố").
    - ``names`` not given: the generic phrase of the level (:data:`LEVEL_PHRASES`).
    - Departments are always "sở, ban, ngành".

    Parameters
    ----------
    level
        "province", "district", "commune" or "department".
    names
        Official names of all peers (the unit itself included).
    full
        Name every kind present instead of the compact style.

    Examples
    --------
    >>> lao_cai = ["Thành phố Lào Cai", "Huyện Bát Xát", "Huyện Mường Khương", "Thị xã Sa Pa"]
    >>> peers_phrase("district", lao_cai), peers_phrase("district", lao_cai, full=True)
    ('huyện, thành phố', 'huyện, thị xã, thành phố')
    >>> peers_phrase("commune", ["Xã Pha Long", "Thị trấn Mường Khương"])
    'xã, thị trấn'
    >>> peers_phrase("district"), peers_phrase("department", ["Sở Tư pháp"])
    ('huyện, thị xã, thành phố', 'sở, ban, ngành')
    """
    if level not in LEVEL_PHRASES:
        raise MkbidxError(
            f"cấp đơn vị (level) không biết: '{level}'",
            column="level",
            expected=", ".join(LEVEL_PHRASES),
        )
    if level == "department" or names is None:
        return LEVEL_PHRASES[level]
    kinds = _kinds_present(names)
    if not kinds:
        return LEVEL_PHRASES[level]
    if not full and level in _URBAN_RANK:
        urban = [k for k in _URBAN_RANK[level] if k in kinds]
        kinds = [k for k in kinds if k not in urban[1:]]
    return ", ".join(kinds)


def units_phrase(names: Sequence[str]) -> str:
    """A count of units with their kinds, as in "UBND 13 xã, thị trấn", "03 xã".

    Examples
    --------
    >>> units_phrase(["Xã Pha Long", "Xã Bản Lầu", "Xã Bản Sen"])
    '03 xã'
    """
    return f"{count_padded(len(names))} {unit_kind_phrase(names)}"


# --------------------------------------------------------------------------------------------
# Bands, column labels and styled tables
# --------------------------------------------------------------------------------------------

BAND_PALETTE = ("#009E73", "#E69F00", "#F0E442", "#CC79A7", "#56B4E9", "#0072B2")
"""Okabe–Ito colours (safe for colour-blind readers) for the bands above the lowest, best first."""
LOWEST_BAND_COLOR = "#D55E00"
"""Okabe–Ito vermillion for the lowest band."""
NO_BAND_COLOR = "#BDBDBD"
"""Grey for a unit without a band (no total)."""


@lru_cache(maxsize=1)
def _default_methodology() -> Methodology:
    from mkbidx import methodology

    return methodology.load()


def _method(methodology: Methodology | None) -> Methodology:
    return methodology if methodology is not None else _default_methodology()


def band_colors(methodology: Methodology | None = None) -> dict[str, str]:
    """Colour of each band label, assigned by band order (Okabe–Ito, colour-blind safe).

    The top band is bluish green, the lowest band vermillion, the bands between orange,
    yellow, reddish purple, sky blue, blue.

    Examples
    --------
    >>> band_colors()
    {'Tốt': '#009E73', 'Chưa tốt': '#D55E00'}
    """
    bands = _method(methodology).bands
    colors: dict[str, str] = {}
    for i, band in enumerate(bands):
        last = i == len(bands) - 1 and i > 0
        colors[band.label] = LOWEST_BAND_COLOR if last else BAND_PALETTE[i % len(BAND_PALETTE)]
    return colors


def band_legend_labels(methodology: Methodology | None = None) -> dict[str, str]:
    """Legend text of each band: ``"Tốt (từ 80 điểm)"``, ``"Chưa tốt (dưới 80 điểm)"``.

    Examples
    --------
    >>> band_legend_labels()
    {'Tốt': 'Tốt (từ 80 điểm)', 'Chưa tốt': 'Chưa tốt (dưới 80 điểm)'}
    """
    bands = _method(methodology).bands
    out: dict[str, str] = {}
    for i, band in enumerate(bands):
        upper = bands[i - 1].min if i > 0 else None
        if upper is None:
            text = f"từ {points(band.min)}" if band.min > 0 else ""
        elif band.min > 0:
            text = f"từ {compact(band.min)} đến dưới {points(upper)}"
        else:
            text = f"dưới {points(upper)}"
        out[band.label] = f"{band.label} ({text})" if text else band.label
    return out


def column_labels(methodology: Methodology | None = None) -> dict[str, str]:
    """Vietnamese headers for the columns of the ranking table (group keys → short names).

    Examples
    --------
    >>> labels = column_labels()
    >>> labels["unit_name"], labels["tien_do"], labels["total"], labels["band"]
    ('Đơn vị', 'Tiến độ', 'Tổng điểm', 'Xếp loại')
    """
    m = _method(methodology)
    return {
        "period": "Kỳ",
        "unit_code": "Mã đơn vị",
        "unit_name": "Đơn vị",
        "level": "Cấp",
        "parent_code": "Mã đơn vị cấp trên",
        **{g.key: g.short_name for g in m.groups},
        "total": "Tổng điểm",
        "rank": "Xếp hạng",
        "rank_of": "Số đơn vị",
        "band": "Xếp loại",
        "complete": "Đủ dữ liệu",
    }


def _text_color(background: str) -> str:
    """Black or white, whichever contrasts more with ``background`` (WCAG luminance)."""
    rgb = [int(background.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return "#000000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#FFFFFF"


STYLER_UUID = "mkbidx"
"""Fixed Styler id so that the HTML of a table is the same on every run."""


def styled_table(
    frame: pd.DataFrame,
    *,
    score_columns: Sequence[str],
    int_columns: Sequence[str] = (),
    percent_columns: Sequence[str] = (),
    band_column: str | None = None,
    methodology: Methodology | None = None,
    labels: Mapping[str, str] | None = None,
) -> Styler:
    """A pandas Styler showing ``frame`` the Vietnamese way.

    Scores with 2 decimals (``"88,23"``), whole numbers with dot separators, ratios as
    percentages, missing values as ``"–"``; the index hidden; the band cells coloured by
    :func:`band_colors`; every text HTML-escaped (a unit named ``<script>`` shows as text); a
    fixed uuid so the HTML is deterministic.

    Parameters
    ----------
    frame
        The table to show (not modified).
    score_columns, int_columns, percent_columns
        Columns formatted by :func:`score`, :func:`integer` and :func:`percent`.
    band_column
        Column holding band labels, coloured by band.
    methodology
        For the band colours; default: the current methodology.
    labels
        Header text for column names (e.g. :func:`column_labels`); others keep their name.

    Returns
    -------
    pandas.io.formats.style.Styler

    Examples
    --------
    >>> t = pd.DataFrame({"unit_name": ["Xã <b>"], "total": [88.234], "rank": [1], "band": ["Tốt"]})
    >>> html = styled_table(t, score_columns=["total"], int_columns=["rank"],
    ...                     band_column="band").to_html()
    >>> "88,23" in html, "Xã &lt;b&gt;" in html, "<b>" in html
    (True, True, False)
    """
    columns = list(frame.columns)
    for col in [*score_columns, *int_columns, *percent_columns, band_column]:
        if col is not None and col not in columns:
            raise KeyError(f"column {col!r} not in frame")
    styler = frame.style.set_uuid(STYLER_UUID).hide(axis="index")
    styler = styler.format(na_rep=MISSING, escape="html")
    for cols, func in ((score_columns, score), (int_columns, integer), (percent_columns, percent)):
        if cols:
            styler = styler.format(func, subset=list(cols), escape="html")
    header = dict(labels or {})
    styler = styler.format_index(lambda c: header.get(c, c), axis=1, escape="html")
    if band_column is not None:
        colors = band_colors(methodology)

        def band_css(label: Any) -> str:
            color = colors.get(label) if isinstance(label, str) else None
            if color is None:
                return ""
            return f"background-color: {color}; color: {_text_color(color)}"

        styler = styler.map(band_css, subset=[band_column])
    return styler
