"""Administrative-unit registry: codes, names, hierarchy over time, and name resolution.

The official unit code is the identity of a unit; names are labels. The registry is read from
``data/units/`` (see ``data/units/README.md``) and is *period-aware*: each row has a validity
window ``valid_from``/``valid_to`` (``"YYYY-MM"``, ``None`` = open), so the same code may have
several versions (e.g. ``02761`` is "Thị trấn Mường Khương" in district ``083`` until 2025-06 and
"Xã Mường Khương" directly under the province from 2025-07).

Name resolution turns the spellings found in letters and exports ("UBND xã Tả Thành",
"TT. Mường Khương", "Ta Gia Khau", NFD text, moved tone marks) into codes, in three stages:

1. exact match on a key with diacritics (lower case, NFC, tone mark moved to a canonical vowel
   of each syllable, so "Hoà"/"Hòa" and "Thuỷ"/"Thủy" are equal);
2. exact match on a key without diacritics ("đ" mapped to "d" explicitly);
3. fuzzy match on the key without diacritics (:data:`FUZZY_THRESHOLD`, :data:`FUZZY_MARGIN`).

It never guesses silently: when no unit or several units fit, it raises
:class:`~mkbidx.errors.MkbidxError` naming the 3 closest units and their codes.

Examples
--------
>>> reg = load_registry()
>>> reg.resolve("UBND xã Tả Thành", scope="083")
'02794'
>>> reg.resolve("huyện Mường Khương", scope="10")
'083'
>>> reg.children("10", "2025-07")
['02752', '02761', '02782', '02788']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from mkbidx.errors import MkbidxError
from mkbidx.paths import UNITS_DIR  # noqa: E402

"""Folder of the project's registry files (``data/units/``; never ``../shared``)."""
REGISTRY_FILE = "lao-cai-2025-07.csv"
"""Period-aware registry (all versions of all units, with validity windows)."""
SNAPSHOT_FILE = "lao-cai-2024.csv"
"""Verbatim copy of the official 2024 list; the default registry is checked against it."""
SNAPSHOT_PERIOD = "2024"
"""Period the snapshot describes (checked at its last month, 2024-12)."""

LEVELS: tuple[str, ...] = ("province", "district", "commune")
"""Known levels, highest first. A parent must be of a higher level than its child."""

FUZZY_THRESHOLD = 85.0
"""Minimum ``rapidfuzz.fuzz.ratio`` (0-100) on the diacritic-free key for a fuzzy match.

The ratio is ``100 * (1 - indel / (len(a) + len(b)))``; one wrong letter in a key of n characters
scores ``100 * (1 - 1/n)``: 85.7 for n = 7 ("ban sen"), 87.5 for n = 8 ("ta thang"). So 85 accepts
one wrong letter in any key of 7 or more characters (nearly every 2- or 3-syllable name), two
wrong letters only from 14 characters on, and never corrects very short names (≤ 6 characters,
e.g. "nam lu"), whose neighbours are too close to tell apart. Candidates must also have the same
number of syllables as the input: a missing or extra syllable ("Tả Tháng X") is another name,
not a typo.
"""
FUZZY_MARGIN = 10.0
"""Points by which the best fuzzy candidate must lead the second when both pass the threshold.

10 points is one more wrong letter in a key of up to 10 characters (the typical length of a
2-3-syllable name); for longer names a one-letter lead is worth less than 10 points, so two
similar long names above the threshold are reported as ambiguous rather than guessed.
"""
CLOSEST_SHOWN = 3
"""Number of closest units listed when a name cannot be resolved."""
ERRORS_SHOWN = 10
"""Number of unresolved names detailed in one :func:`resolve_many` error."""

_REQUIRED = ("code", "name", "level", "parent_code")
_OPTIONAL = ("valid_from", "valid_to", "merged_into")
_ALIASES = {"unit_code": "code", "unit_name": "name"}
_MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR_RE = re.compile(r"^(\d{4})$")
_CODE_LIKE_RE = re.compile(r"^[0-9]+$")
_CACHE_SIZE = 1 << 16  # resolved names kept per registry (and parsed names per process)

# Vietnamese tone marks as combining characters (after NFD): huyền, sắc, ngã, hỏi, nặng.
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
_VOWELS = frozenset("aăâeêioôơuưy")
_MARKED_VOWELS = frozenset("ăâêôơư")
_OPEN_SECOND = frozenset({"oa", "oe", "uy"})

# (prefix text, kind, levels it restricts to). Kinds are compared to the registry names' own
# prefix to break ties ("TP Lào Cai" is the city 080, not the province 10).
_LEVEL_PREFIXES: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("thị trấn", "thi_tran", frozenset({"commune"})),
    ("tt", "thi_tran", frozenset({"commune"})),
    ("thị xã", "thi_xa", frozenset({"district"})),
    ("tx", "thi_xa", frozenset({"district"})),
    ("thành phố", "thanh_pho", frozenset({"province", "district"})),
    ("tp", "thanh_pho", frozenset({"province", "district"})),
    ("xã", "xa", frozenset({"commune"})),
    ("phường", "phuong", frozenset({"commune"})),
    ("huyện", "huyen", frozenset({"district"})),
    ("h", "huyen", frozenset({"district"})),
    ("quận", "quan", frozenset({"district"})),
    ("tỉnh", "tinh", frozenset({"province"})),
)
_AUTHORITY_PREFIXES = ("ubnd", "ủy ban nhân dân")
# Kinds whose prefix word short_name drops ("Xã Tả Thàng" -> "Tả Thàng"); the others are kept
# in lower case as the letters write them ("thị trấn Mường Khương").
_DROPPED_KINDS = frozenset({"xa", "huyen", "tinh"})


# --------------------------------------------------------------------------- name keys


def _tone_position(base: str) -> int:
    """Index of the vowel carrying the tone in a toneless syllable (modern placement rule)."""
    idx = [i for i, ch in enumerate(base) if ch in _VOWELS]
    if not idx:
        return len(base) - 1
    if len(idx) > 1 and idx[0] == 1 and base[:2] in ("qu", "gi"):
        idx = idx[1:]
    marked = [i for i in idx if base[i] in _MARKED_VOWELS]
    if marked:
        return marked[-1]
    if len(idx) == 1 or idx[-1] < len(base) - 1:
        return idx[-1]
    if base[idx[0] : idx[-1] + 1] in _OPEN_SECOND:
        return idx[-1]
    return idx[0] if len(idx) == 2 else idx[1]


def _ascii(base: str) -> str:
    out = "".join(ch for ch in unicodedata.normalize("NFD", base) if not unicodedata.combining(ch))
    return out.replace("đ", "d")


@lru_cache(maxsize=_CACHE_SIZE)
def _tokens(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Syllables of ``text`` as (keys with diacritics, keys without diacritics)."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    syllables: list[tuple[str, str | None]] = []
    chars: list[str] = []
    tone: str | None = None
    for ch in decomposed + " ":
        if ch in _TONES:
            tone = ch
        elif unicodedata.combining(ch) or ch.isalnum():
            chars.append(ch)
        elif chars or tone:
            syllables.append((unicodedata.normalize("NFC", "".join(chars)), tone))
            chars, tone = [], None
    with_marks: list[str] = []
    plain: list[str] = []
    for base, mark in syllables:
        if not base:
            continue
        if mark is not None:
            pos = _tone_position(base) + 1
            with_marks.append(unicodedata.normalize("NFC", base[:pos] + mark + base[pos:]))
        else:
            with_marks.append(base)
        plain.append(_ascii(base))
    return tuple(with_marks), tuple(plain)


def normalize_name(text: str, *, diacritics: bool = True) -> str:
    """Normalise a unit name to a comparison key.

    Lower case, NFC, punctuation turned into spaces, runs of spaces collapsed, and each
    syllable's tone mark moved to one canonical vowel (modern rule), so differently placed
    tone marks give the same key. With ``diacritics=False`` all marks are removed and "đ"
    becomes "d" (a plain accent strip keeps "đ", which is a letter, not a marked "d").

    Parameters
    ----------
    text : str
        Any spelling of a name (NFC or NFD).
    diacritics : bool, default True
        Keep vowel and tone marks (canonically placed) or strip them.

    Returns
    -------
    str

    Examples
    --------
    >>> normalize_name("  Xã  Thanh Hòa ") == normalize_name("xã thanh hoà")
    True
    >>> normalize_name("Thủy") == normalize_name("Thuỷ")
    True
    >>> normalize_name("TT.Đồng Tuyển", diacritics=False)
    'tt dong tuyen'
    """
    with_marks, plain = _tokens(str(text))
    return " ".join(with_marks if diacritics else plain)


@dataclass(frozen=True)
class _Parse:
    key1: str  # diacritics key (canonical tones)
    key2: str  # diacritic-free key
    n_syllables: int
    levels: frozenset[str] | None  # restriction from a level prefix
    kind: str | None  # kind of that prefix (xa, thi_tran, ...)


def _prefix_keys() -> tuple[tuple[tuple[str, ...], tuple[str, ...], str, frozenset[str]], ...]:
    out = []
    for text, kind, levels in _LEVEL_PREFIXES:
        k1, k2 = _tokens(text)
        out.append((k1, k2, kind, levels))
    return tuple(sorted(out, key=lambda p: -len(p[0])))


_PREFIXES = _prefix_keys()
_AUTHORITY = tuple(_tokens(text)[1] for text in _AUTHORITY_PREFIXES)


def _match_prefix(
    t1: tuple[str, ...], t2: tuple[str, ...]
) -> tuple[int, str, frozenset[str], bool] | None:
    """Longest level prefix of the tokens: (length, kind, levels, certain)."""
    for k1, k2, kind, levels in _PREFIXES:
        n = len(k2)
        if len(t2) > n and t2[:n] == k2:
            return n, kind, levels, t1[:n] == k1
    return None


def _split_official(name: str) -> tuple[str | None, tuple[str, ...], tuple[str, ...]]:
    """Kind and bare-name keys of a registry name (prefix must match with its diacritics)."""
    t1, t2 = _tokens(name)
    hit = _match_prefix(t1, t2)
    if hit is not None and hit[3]:
        n = hit[0]
        return hit[1], t1[n:], t2[n:]
    return None, t1, t2


@lru_cache(maxsize=_CACHE_SIZE)
def _parse(text: str) -> tuple[_Parse, ...]:
    """Readings of a user-written name: with its level prefix stripped and, when the prefix
    was only recognised without diacritics ("Tinh ..." may be "Tỉnh" or the name "Tịnh ..."),
    also as written."""
    t1, t2 = _tokens(text)
    for auth in _AUTHORITY:
        n = len(auth)
        if len(t2) > n and t2[:n] == auth:
            t1, t2 = t1[n:], t2[n:]
            break
    whole = _Parse(" ".join(t1), " ".join(t2), len(t2), None, None)
    hit = _match_prefix(t1, t2)
    if hit is None:
        return (whole,)
    n, kind, levels, certain = hit
    stripped = _Parse(" ".join(t1[n:]), " ".join(t2[n:]), len(t2) - n, levels, kind)
    return (stripped,) if certain else (stripped, whole)


# --------------------------------------------------------------------------- periods


def _month(period: str | None) -> str | None:
    """The month ("YYYY-MM") at which a period is looked at: itself, or the last month of a
    quarter ("YYYY-Qn") or year ("YYYY") -- the units as they stand at the end of the period."""
    if period is None:
        return None
    text = str(period).strip()
    if _MONTH_RE.match(text):
        return text
    if m := _QUARTER_RE.match(text):
        return f"{m.group(1)}-{3 * int(m.group(2)):02d}"
    if m := _YEAR_RE.match(text):
        return f"{m.group(1)}-12"
    raise MkbidxError(
        f'kỳ "{period}" không hợp lệ (invalid period)',
        expected='"YYYY-MM", "YYYY-Qn" hoặc "YYYY"',
    )


def _next_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:])
    return f"{year + mon // 12}-{mon % 12 + 1:02d}"


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class _Unit:
    code: str
    name: str
    level: str
    parent_code: str | None
    valid_from: str | None
    valid_to: str | None
    merged_into: str | None
    row: int
    kind: str | None
    key1: str
    key2: str
    n_syllables: int

    def valid_at(self, month: str | None) -> bool:
        if month is None:
            return True
        return (self.valid_from is None or self.valid_from <= month) and (
            self.valid_to is None or month <= self.valid_to
        )

    def covers(self, other: _Unit) -> bool:
        """True if this unit's window contains ``other``'s window."""
        starts = self.valid_from is None or (
            other.valid_from is not None and self.valid_from <= other.valid_from
        )
        ends = self.valid_to is None or (
            other.valid_to is not None and other.valid_to <= self.valid_to
        )
        return starts and ends

    def overlaps(self, other: _Unit) -> bool:
        a = self.valid_to is None or other.valid_from is None or other.valid_from <= self.valid_to
        b = other.valid_to is None or self.valid_from is None or self.valid_from <= other.valid_to
        return a and b


@dataclass(frozen=True)
class _Index:
    """Resolution candidates for one (scope, month), with keys built once."""

    units: tuple[_Unit, ...]
    codes: frozenset[str]
    by_key1: dict[str, tuple[_Unit, ...]]
    by_key2: dict[str, tuple[_Unit, ...]]
    by_compact: dict[str, tuple[_Unit, ...]]  # diacritic-free key without spaces ("sapa")
    by_syllables: dict[int, tuple[list[str], list[_Unit]]]


def _group(units: Iterable[_Unit], attr: str) -> dict:
    out: dict = {}
    for unit in units:
        out.setdefault(getattr(unit, attr), []).append(unit)
    return {k: tuple(v) for k, v in out.items()}


class Registry:
    """Administrative units over time, with hierarchy, merger crosswalk and name resolution.

    Build it with :func:`load_registry`. ``period`` arguments take ``"YYYY-MM"`` (also
    ``"YYYY-Qn"`` or ``"YYYY"``, looked at their last month); ``period=None`` means "any
    period" for lists (children, frames, resolution candidates) and "the latest version" for
    single values (name, parent, level).

    Examples
    --------
    >>> reg = load_registry()
    >>> reg.name("02761", "2024-08"), reg.name("02761", "2025-07")
    ('Thị trấn Mường Khương', 'Xã Mường Khương')
    >>> reg.parent("02761", "2024-08"), reg.parent("02761", "2025-07")
    ('083', '10')
    """

    def __init__(self, units: Sequence[_Unit], source: str) -> None:
        self._units: tuple[_Unit, ...] = tuple(units)
        self.source = source
        versions: dict[str, list[_Unit]] = {}
        for unit in self._units:
            versions.setdefault(unit.code, []).append(unit)
        self._versions = {
            code: tuple(sorted(vs, key=lambda u: u.valid_from or ""))
            for code, vs in versions.items()
        }
        self._children = _group(self._units, "parent_code")
        self._indexes: dict[tuple[str | None, str | None], _Index] = {}
        self._resolved: dict[tuple[str, str | None, str | None], _Unit] = {}

    def __repr__(self) -> str:
        return f"Registry({len(self._versions)} units, {len(self._units)} rows, {self.source!r})"

    def __contains__(self, code: object) -> bool:
        return code in self._versions

    # ---------------------------------------------------------------- lookups

    def _version(self, code: str, period: str | None = None) -> _Unit:
        versions = self._versions.get(str(code).strip())
        if versions is None:
            raise MkbidxError(
                "mã đơn vị không có trong danh mục (unknown unit code)",
                unit=str(code),
                file=self.source,
            )
        month = _month(period)
        if month is None:
            return versions[-1]
        for unit in versions:
            if unit.valid_at(month):
                return unit
        raise MkbidxError(
            f"đơn vị không tồn tại trong kỳ {period} (unit not valid in period)",
            unit=str(code),
            expected="một kỳ trong thời gian hiệu lực: "
            + ", ".join(f"{u.valid_from or '…'} – {u.valid_to or '…'}" for u in versions),
        )

    def name(self, code: str, period: str | None = None) -> str:
        """Official name of a unit.

        Examples
        --------
        >>> load_registry().name("02794")
        'Xã Tả Thàng'
        """
        return self._version(code, period).name

    def short_name(self, code: str, period: str | None = None) -> str:
        """Name as written in running text: without "Xã"/"Huyện"/"Tỉnh", other kind words
        ("thị trấn", "thị xã", "thành phố", "phường", "quận") kept in lower case.

        Examples
        --------
        >>> reg = load_registry()
        >>> reg.short_name("02794"), reg.short_name("02761", "2024-08"), reg.short_name("088")
        ('Tả Thàng', 'thị trấn Mường Khương', 'thị xã Sa Pa')
        """
        words = self._version(code, period).name.split()
        for n in (2, 1):
            head = _tokens(" ".join(words[:n]))
            if len(words) <= n:
                continue
            for k1, _k2, kind, _levels in _PREFIXES:
                if head[0] == k1:
                    rest = " ".join(words[n:])
                    if kind in _DROPPED_KINDS:
                        return rest
                    return " ".join(w.lower() for w in words[:n]) + " " + rest
        return " ".join(words)

    def level(self, code: str, period: str | None = None) -> str:
        """Level of a unit: "province", "district" or "commune".

        Examples
        --------
        >>> load_registry().level("083")
        'district'
        """
        return self._version(code, period).level

    def parent(self, code: str, period: str | None = None) -> str | None:
        """Code of the parent unit (``None`` for a province).

        Examples
        --------
        >>> load_registry().parent("02758", "2024-08")
        '083'
        """
        return self._version(code, period).parent_code

    def children(self, code: str, period: str | None = None) -> list[str]:
        """Codes of the direct children of a unit at ``period`` (all known ones if ``None``).

        Examples
        --------
        >>> reg = load_registry()
        >>> len(reg.children("083", "2024-08")), reg.children("083", "2025-07")
        (16, [])
        """
        self._version(code)
        month = _month(period)
        kids = {u.code for u in self._children.get(code, ()) if u.valid_at(month)}
        return sorted(kids)

    def descendants(self, code: str, period: str | None = None) -> list[str]:
        """Codes of all units under a unit at ``period`` (children, their children, ...).

        Examples
        --------
        >>> len(load_registry().descendants("10", "2024-08"))
        25
        """
        return sorted({u.code for u in self._descendant_units(code, _month(period))})

    def _descendant_units(self, code: str, month: str | None) -> list[_Unit]:
        self._version(code)
        out: list[_Unit] = []
        frontier, seen = [code], {code}
        while frontier:
            parent = frontier.pop()
            for unit in self._children.get(parent, ()):
                if unit.valid_at(month):
                    out.append(unit)
                    if unit.code not in seen:
                        seen.add(unit.code)
                        frontier.append(unit.code)
        return out

    def merger_map(self) -> dict[str, str]:
        """Crosswalk ``{old_code: new_code}`` of the units merged into another unit.

        Examples
        --------
        >>> m = load_registry().merger_map()
        >>> len(m), sorted(set(m.values())), m["02794"]
        (16, ['02752', '02761', '02782', '02788'], '02782')
        """
        return {u.code: u.merged_into for u in self._units if u.merged_into is not None}

    # ---------------------------------------------------------------- frames

    def frame(self, period: str | None = None) -> pd.DataFrame:
        """All unit versions (or those valid at ``period``) as a frame.

        Columns: unit_code, unit_name, level, parent_code, valid_from, valid_to, merged_into
        (missing values are ``None``).

        Examples
        --------
        >>> reg = load_registry()
        >>> len(reg.frame()), len(reg.frame("2024-08")), len(reg.frame("2025-07"))
        (30, 26, 5)
        """
        month = _month(period)
        rows = [
            {
                "unit_code": u.code,
                "unit_name": u.name,
                "level": u.level,
                "parent_code": u.parent_code,
                "valid_from": u.valid_from,
                "valid_to": u.valid_to,
                "merged_into": u.merged_into,
            }
            for u in self._units
            if u.valid_at(month)
        ]
        columns = ["unit_code", "unit_name", "level", "parent_code"]
        columns += ["valid_from", "valid_to", "merged_into"]
        return pd.DataFrame(rows, columns=columns, dtype=object)

    def units_frame(self, period: str) -> pd.DataFrame:
        """Units valid at ``period`` in the contract's units-frame shape.

        Columns: unit_code, unit_name, level, parent_code; one row per code.

        Examples
        --------
        >>> load_registry().units_frame("2025-07")["unit_code"].tolist()
        ['10', '02752', '02761', '02782', '02788']
        """
        if period is None:
            raise MkbidxError("cần chỉ rõ kỳ (period required)", expected='"YYYY-MM"')
        frame = self.frame(period)
        return frame[["unit_code", "unit_name", "level", "parent_code"]].reset_index(drop=True)

    # ---------------------------------------------------------------- resolution

    def _index(self, scope: str | None, month: str | None) -> _Index:
        key = (scope, month)
        index = self._indexes.get(key)
        if index is None:
            if scope is None:
                units = tuple(u for u in self._units if u.valid_at(month))
            else:
                units = tuple(self._descendant_units(scope, month))
            by_syllables: dict[int, tuple[list[str], list[_Unit]]] = {}
            for unit in units:
                keys, members = by_syllables.setdefault(unit.n_syllables, ([], []))
                keys.append(unit.key2)
                members.append(unit)
            index = _Index(
                units=units,
                codes=frozenset(u.code for u in units),
                by_key1=_group(units, "key1"),
                by_key2=_group(units, "key2"),
                by_compact={
                    k: tuple(u for u in units if u.key2.replace(" ", "") == k)
                    for k in {u.key2.replace(" ", "") for u in units}
                },
                by_syllables=by_syllables,
            )
            self._indexes[key] = index
        return index

    def resolve(self, name: str, *, scope: str | None = None, period: str | None = None) -> str:
        """Official code of a unit written by name (or by code).

        Parameters
        ----------
        name : str
            The name as written ("UBND xã Tả Thành", "TT. Mường Khương", "Ta Gia Khau") or a
            registry code ("02758", returned as is when known and inside ``scope``).
        scope : str, optional
            Code of a unit; candidates are the units under it (not the unit itself) at
            ``period``. ``None``: every unit.
        period : str, optional
            Only units valid at this period are candidates (``None``: any period).

        Returns
        -------
        str
            The unit code.

        Raises
        ------
        MkbidxError
            When no unit or several units fit; the message lists the 3 closest units with
            their codes (also in ``err.candidates`` as ``(code, name)`` pairs).

        Examples
        --------
        >>> reg = load_registry()
        >>> reg.resolve("La Pan Tân", scope="083"), reg.resolve("Muong Khuong", scope="083")
        ('02791', '02761')
        >>> reg.resolve("Xã Mường Khương", scope="10", period="2025-07")
        '02761'
        """
        return self._resolve_unit(name, scope, period).code

    def _resolve_unit(self, name: str, scope: str | None, period: str | None) -> _Unit:
        """The matched unit version (cached per name, scope and month)."""
        month = _month(period)
        if scope is not None:
            scope = str(scope).strip()
        key = (name, scope, month)
        unit = self._resolved.get(key)
        if unit is None:
            unit = self._resolve(name, scope, period, month)
            if len(self._resolved) >= _CACHE_SIZE:
                self._resolved.clear()
            self._resolved[key] = unit
        return unit

    def resolve_many(
        self,
        names: Iterable[str],
        *,
        scope: str | None = None,
        period: str | None = None,
    ) -> list[str]:
        """Codes of many names (see :meth:`resolve`); one error lists every name that failed.

        Examples
        --------
        >>> load_registry().resolve_many(["Bản Lầu", "BAN SEN", "Lũng Vai"], scope="083")
        ['02788', '02797', '02785']
        """
        codes: list[str] = []
        errors: list[tuple[str, MkbidxError]] = []
        for name in names:
            try:
                codes.append(self.resolve(name, scope=scope, period=period))
            except MkbidxError as err:
                errors.append((name, err))
        if errors:
            lines = [f"- {err.problem}" for _, err in errors[:ERRORS_SHOWN]]
            if len(errors) > ERRORS_SHOWN:
                lines.append(f"- … và {len(errors) - ERRORS_SHOWN} tên khác")
            exc = MkbidxError(
                f"không xác định được {len(errors)} tên đơn vị (unresolved unit names):\n"
                + "\n".join(lines),
                expected="tên hoặc mã đơn vị trong danh mục (unit registry)",
            )
            exc.errors = errors
            raise exc
        return codes

    def _where(self, scope: str | None, period: str | None) -> str:
        parts = []
        if scope is not None:
            parts.append(f"trong {self.name(scope)} ({scope})")
        if period is not None:
            parts.append(f"kỳ {period}")
        return (" " + ", ".join(parts)) if parts else ""

    def _resolve(
        self, name: str, scope: str | None, period: str | None, month: str | None
    ) -> _Unit:
        if scope is not None:
            self._version(scope)
        index = self._index(scope, month)
        if not isinstance(name, str) or not name.strip():
            raise MkbidxError(
                f"tên đơn vị trống (empty unit name): {name!r}",
                expected="tên hoặc mã một đơn vị",
            )
        text = name.strip()
        if text in self._versions or _CODE_LIKE_RE.match(text):
            if text in index.codes:
                return self._version(text, period)
            known = text in self._versions
            raise MkbidxError(
                f'mã đơn vị "{text}" '
                + ("không thuộc phạm vi" if known else "không có trong danh mục")
                + self._where(scope, period)
                + (" (unit code out of scope)" if known else " (unknown unit code)"),
                unit=text,
            )
        parses = _parse(text)

        def allowed(unit: _Unit, parse: _Parse) -> bool:
            return parse.levels is None or unit.level in parse.levels

        # Stages 1 and 2: exact keys with, then without, diacritics.
        for attr, table in (("key1", index.by_key1), ("key2", index.by_key2)):
            hits = [
                (unit, parse)
                for parse in parses
                for unit in table.get(getattr(parse, attr), ())
                if allowed(unit, parse)
            ]
            if hits:
                return self._decide(text, hits, attr, scope, period)

        # Stage 2b: syllables written together or apart ("Sapa", "SaPa", "Simacai").
        hits = [
            (unit, parse)
            for parse in parses
            for unit in index.by_compact.get(parse.key2.replace(" ", ""), ())
            if allowed(unit, parse)
        ]
        if hits:
            return self._decide(text, hits, "key2", scope, period)

        # Stage 3: fuzzy on the diacritic-free key, same number of syllables.
        best: dict[str, tuple[float, _Unit]] = {}
        for parse in parses:
            keys, members = index.by_syllables.get(parse.n_syllables, ([], []))
            found = process.extract(
                parse.key2, keys, scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD, limit=None
            )
            for _key, score, i in found:
                unit = members[i]
                if allowed(unit, parse) and score > best.get(unit.code, (-1.0, unit))[0]:
                    best[unit.code] = (score, unit)
        ranked = sorted(best.values(), key=lambda su: (-su[0], su[1].code))
        if len(ranked) == 1 or (len(ranked) > 1 and ranked[0][0] - ranked[1][0] >= FUZZY_MARGIN):
            return ranked[0][1]
        if ranked:
            self._ambiguous(text, [u for _, u in ranked], scope, period)
        self._unknown(text, parses, index, scope, period)
        raise AssertionError("unreachable")  # pragma: no cover

    def _decide(
        self,
        text: str,
        hits: list[tuple[_Unit, _Parse]],
        attr: str,
        scope: str | None,
        period: str | None,
    ) -> _Unit:
        def chosen(code: str) -> _Unit:
            # Among the matching versions of one code, the one of the kind written, else the
            # latest.
            same = [u for u, p in hits if u.code == code]
            kind = [u for u, p in hits if u.code == code and p.kind and u.kind == p.kind]
            return (kind or same)[-1]

        codes = {unit.code for unit, _ in hits}
        if len(codes) == 1:
            return chosen(codes.pop())
        # Tie-break 1: the kind written in the name ("thành phố") equals the unit's own kind.
        same_kind = {unit.code for unit, parse in hits if parse.kind and unit.kind == parse.kind}
        if len(same_kind) == 1:
            return chosen(same_kind.pop())
        # Tie-break 2 (diacritic-free stage, input with marks): strictly fewest edits on the
        # key with diacritics ("Dồng Tuyen" is "Dồng Tuyển", not "Đồng Tuyển").
        if attr == "key2" and any(parse.key1 != parse.key2 for _, parse in hits):
            dist: dict[str, int] = {}
            for unit, parse in hits:
                d = Levenshtein.distance(parse.key1, unit.key1)
                dist[unit.code] = min(d, dist.get(unit.code, d))
            ordered = sorted(dist.items(), key=lambda cd: cd[1])
            if ordered[0][1] < ordered[1][1]:
                return chosen(ordered[0][0])
        self._ambiguous(text, [unit for unit, _ in hits], scope, period)
        raise AssertionError("unreachable")  # pragma: no cover

    def _ambiguous(
        self, text: str, units: Sequence[_Unit], scope: str | None, period: str | None
    ) -> None:
        seen: dict[str, _Unit] = {}
        names: dict[str, list[str]] = {}
        for unit in sorted(units, key=lambda u: u.valid_from or ""):
            seen.setdefault(unit.code, unit)
            if unit.name not in names.setdefault(unit.code, []):
                names[unit.code].append(unit.name)
        listed = ", ".join(f"{' / '.join(names[code])} ({code})" for code in seen)
        err = MkbidxError(
            f'tên đơn vị "{text}" không rõ ràng (ambiguous unit name){self._where(scope, period)}; '
            f"khớp: {listed}",
            expected='ghi rõ cấp ("xã ...", "thị trấn ...", "huyện ...") hoặc mã đơn vị',
        )
        err.candidates = [(u.code, u.name) for u in seen.values()]
        raise err

    def _unknown(
        self,
        text: str,
        parses: tuple[_Parse, ...],
        index: _Index,
        scope: str | None,
        period: str | None,
    ) -> None:
        pool = [
            u for u in index.units if any(p.levels is None or u.level in p.levels for p in parses)
        ]
        pool = pool or list(index.units)
        scores: dict[str, tuple[float, _Unit]] = {}
        for unit in pool:
            score = max(fuzz.ratio(p.key2, unit.key2) for p in parses)
            if score > scores.get(unit.code, (-1.0, unit))[0]:
                scores[unit.code] = (score, unit)
        closest = sorted(scores.values(), key=lambda su: (-su[0], su[1].code))[:CLOSEST_SHOWN]
        shown = ", ".join(f"{self._short(u)} ({u.code})" for _, u in closest)
        err = MkbidxError(
            f'không xác định được đơn vị "{text}" (unknown unit name){self._where(scope, period)}'
            + (f"; gần nhất: {shown}" if shown else ""),
            expected="tên hoặc mã một đơn vị trong danh mục (unit registry)",
        )
        err.candidates = [(u.code, u.name) for _, u in closest]
        raise err

    def _short(self, unit: _Unit) -> str:
        period = unit.valid_from or unit.valid_to
        return self.short_name(unit.code, period)


# --------------------------------------------------------------------------- loading


def load_registry(path: str | Path | None = None) -> Registry:
    """Read and validate a unit registry.

    Parameters
    ----------
    path : str or Path, optional
        A CSV (UTF-8) with columns ``code, name, level, parent_code`` (``unit_code`` and
        ``unit_name`` accepted as well) and optionally ``valid_from, valid_to, merged_into``
        (``"YYYY-MM"``, empty = open window / not merged); other columns are ignored.
        Default: the project's ``data/units/lao-cai-2025-07.csv``, checked against the verbatim
        official list ``data/units/lao-cai-2024.csv``.

    Returns
    -------
    Registry

    Raises
    ------
    MkbidxError
        Missing file or column, empty code or name, unknown level, malformed or inverted
        validity window, the same code twice in overlapping windows, a parent that does not
        exist over the child's window or is not of a higher level, a bad ``merged_into``.

    Examples
    --------
    >>> reg = load_registry()
    >>> reg.children("083", "2024-08")[:3]
    ['02752', '02755', '02758']
    """
    default = path is None
    file = UNITS_DIR / REGISTRY_FILE if default else Path(path)
    registry = Registry(_read_units(file), str(file))
    if default:
        _check_snapshot(registry, UNITS_DIR / SNAPSHOT_FILE)
    return registry


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The project's registry, loaded once per process.

    Examples
    --------
    >>> default_registry() is default_registry()
    True
    """
    return load_registry()


def resolve_many(
    names: Iterable[str],
    *,
    scope: str | None = None,
    period: str | None = None,
    registry: Registry | None = None,
) -> list[str]:
    """Codes of many names with the project's registry (or ``registry``).

    See :meth:`Registry.resolve` for the matching rules.

    Examples
    --------
    >>> resolve_many(["Tả Thành", "thị trấn Mường Khương"], scope="083")
    ['02794', '02761']
    """
    reg = registry if registry is not None else default_registry()
    return reg.resolve_many(names, scope=scope, period=period)


def _read_frame(file: Path) -> pd.DataFrame:
    if not file.is_file():
        raise MkbidxError("không tìm thấy tệp danh mục đơn vị (unit registry file)", file=file)
    try:
        frame = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise MkbidxError(
            f"không đọc được tệp CSV (unreadable CSV): {exc}",
            file=file,
            expected="CSV UTF-8 có dòng tiêu đề",
        ) from None
    frame.columns = [_ALIASES.get(c.strip(), c.strip()) for c in frame.columns]
    for column in _REQUIRED:
        if column not in frame.columns:
            raise MkbidxError(
                "thiếu cột (missing column)",
                file=file,
                column=column,
                expected="các cột " + ", ".join(_REQUIRED),
            )
    for column in _OPTIONAL:
        if column not in frame.columns:
            frame[column] = ""
    return frame[list(_REQUIRED + _OPTIONAL)].apply(lambda s: s.str.strip())


def _read_units(file: Path) -> list[_Unit]:
    frame = _read_frame(file)
    units: list[_Unit] = []
    for i, rec in enumerate(frame.itertuples(index=False)):
        row = i + 2  # line in the file; the header is line 1

        def fail(problem: str, column: str, expected: str, row: int = row) -> MkbidxError:
            return MkbidxError(problem, file=file, row=row, column=column, expected=expected)

        if not rec.code:
            raise fail("mã đơn vị trống (empty code)", "code", "mã đơn vị chính thức")
        if not rec.name:
            raise fail("tên đơn vị trống (empty name)", "name", "tên chính thức")
        if rec.level not in LEVELS:
            raise fail(
                f'cấp "{rec.level}" không hợp lệ (unknown level)', "level", ", ".join(LEVELS)
            )
        window = {}
        for column in ("valid_from", "valid_to"):
            value = getattr(rec, column) or None
            if value is not None and not _MONTH_RE.match(value):
                raise fail(
                    f'"{value}" không phải tháng (not a month)', column, '"YYYY-MM" hoặc trống'
                )
            window[column] = value
        if (
            window["valid_from"]
            and window["valid_to"]
            and window["valid_from"] > window["valid_to"]
        ):
            raise fail(
                "hiệu lực kết thúc trước khi bắt đầu (valid_to before valid_from)",
                "valid_to",
                f"tháng ≥ {window['valid_from']}",
            )
        kind, key1, key2 = _split_official(rec.name)
        units.append(
            _Unit(
                code=rec.code,
                name=rec.name,
                level=rec.level,
                parent_code=rec.parent_code or None,
                valid_from=window["valid_from"],
                valid_to=window["valid_to"],
                merged_into=rec.merged_into or None,
                row=row,
                kind=kind,
                key1=" ".join(key1),
                key2=" ".join(key2),
                n_syllables=len(key2),
            )
        )
    if not units:
        raise MkbidxError("danh mục đơn vị trống (empty unit registry)", file=file)
    _check_units(units, file)
    return units


def _check_units(units: list[_Unit], file: Path) -> None:
    versions: dict[str, list[_Unit]] = {}
    for unit in units:
        for other in versions.get(unit.code, ()):
            if unit.overlaps(other):
                raise MkbidxError(
                    f'mã "{unit.code}" trùng với dòng {other.row} trong cùng thời gian hiệu lực '
                    "(duplicate code in overlapping validity windows)",
                    file=file,
                    row=unit.row,
                    column="code",
                    expected="mỗi mã chỉ một dòng cho mỗi tháng (valid_from/valid_to không chồng)",
                )
        versions.setdefault(unit.code, []).append(unit)
    rank = {level: i for i, level in enumerate(LEVELS)}
    for unit in units:
        if unit.parent_code is None:
            if unit.level != LEVELS[0]:
                raise MkbidxError(
                    "thiếu đơn vị cấp trên (missing parent)",
                    file=file,
                    row=unit.row,
                    column="parent_code",
                    expected="mã đơn vị cấp trên (chỉ cấp tỉnh được để trống)",
                )
            continue
        parents = versions.get(unit.parent_code, [])
        if not any(p.covers(unit) for p in parents):
            raise MkbidxError(
                f'đơn vị cấp trên "{unit.parent_code}" không có trong danh mục trong suốt '
                "thời gian hiệu lực của đơn vị (parent missing)",
                file=file,
                row=unit.row,
                column="parent_code",
                expected="mã một đơn vị có hiệu lực bao trùm valid_from–valid_to của dòng này",
            )
        for parent in parents:
            if parent.overlaps(unit) and rank[parent.level] >= rank[unit.level]:
                raise MkbidxError(
                    f'đơn vị cấp trên "{unit.parent_code}" ({parent.level}) không cao hơn cấp '
                    f"{unit.level} (parent level not higher)",
                    file=file,
                    row=unit.row,
                    column="parent_code",
                    expected="cấp trên: province > district > commune",
                )
        if unit.merged_into is not None:
            if unit.valid_to is None:
                raise MkbidxError(
                    "đơn vị đã sáp nhập phải có ngày hết hiệu lực (merged unit needs valid_to)",
                    file=file,
                    row=unit.row,
                    column="valid_to",
                    expected='tháng cuối cùng "YYYY-MM"',
                )
            after = _next_month(unit.valid_to)
            if not any(t.valid_at(after) for t in versions.get(unit.merged_into, ())):
                raise MkbidxError(
                    f'đơn vị "{unit.merged_into}" không có hiệu lực từ {after} '
                    "(merged_into target missing)",
                    file=file,
                    row=unit.row,
                    column="merged_into",
                    expected=f"mã một đơn vị có hiệu lực từ tháng {after}",
                )


def _check_snapshot(registry: Registry, file: Path) -> None:
    """The registry must agree with the verbatim official list at its period."""
    frame = _read_frame(file)
    raw = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    merged_names = raw.get("commune_after_2025_07_01", pd.Series([""] * len(raw)))
    expected = set()
    for i, rec in enumerate(frame.itertuples(index=False)):
        row = i + 2
        expected.add(rec.code)
        try:
            unit = registry._version(rec.code, SNAPSHOT_PERIOD)
        except MkbidxError:
            unit = None
        checks = {"code": unit is not None}
        if unit is not None:
            checks["name"] = unit.name == rec.name
            checks["level"] = unit.level == rec.level
            checks["parent_code"] = (unit.parent_code or "") == rec.parent_code
            target = merged_names.iloc[i].strip()
            if unit.merged_into is not None or target:
                new = None
                if unit.merged_into is not None and unit.valid_to is not None:
                    new = registry.name(unit.merged_into, _next_month(unit.valid_to))
                checks["commune_after_2025_07_01"] = new == target
        for column, ok in checks.items():
            if not ok:
                raise MkbidxError(
                    f"danh mục {registry.source} không khớp danh sách chính thức "
                    "(registry disagrees with the official list)",
                    file=file,
                    row=row,
                    column=column,
                    expected=f"cùng giá trị trong {REGISTRY_FILE} cho kỳ {SNAPSHOT_PERIOD}",
                )
    extra = sorted(set(registry.frame(SNAPSHOT_PERIOD)["unit_code"]) - expected)
    if extra:
        raise MkbidxError(
            "danh mục có đơn vị không có trong danh sách chính thức "
            f"(units missing from the official list): {', '.join(extra)}",
            file=file,
            expected=f"cùng các đơn vị cho kỳ {SNAPSHOT_PERIOD}",
        )


# --------------------------------------------------------------------------- command


def resolve_command(
    names: list[str],
    scope: str | None,
    registry: Registry | None = None,
    *,
    period: str | None = None,
) -> tuple[str, int]:
    """Text and exit code of ``mkbidx units resolve NAME... [--scope CODE] [--period P]``.

    One line per name: the name as given, a tab, its code, or for a name that cannot be
    resolved the error (naming the closest candidates). No header, so that the output can be
    read by a script. Exit code 0 if all resolved, 1 if some did not, 2 if the registry, scope
    or period is invalid.

    Examples
    --------
    >>> text, code = resolve_command(["Tả Thành", "Dìn Chín"], "083")
    >>> code
    0
    >>> [line.split("\\t") for line in text.splitlines()]
    [['Tả Thành', '02794'], ['Dìn Chín', '02764']]
    """
    try:
        reg = registry if registry is not None else default_registry()
        if scope is not None:
            reg.name(scope)
        _month(period)
    except MkbidxError as err:
        return str(err), 2
    lines = []
    failed = 0
    for name in names:
        try:
            lines.append(f"{name}\t{reg.resolve(name, scope=scope, period=period)}")
        except MkbidxError as err:
            failed += 1
            lines.append(f"{name}\tlỗi: {err}")
    return "\n".join(lines), 1 if failed else 0
