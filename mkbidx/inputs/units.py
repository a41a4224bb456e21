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
>>> reg.successors("02758"), reg.parent("02761", "2025-07"), len(reg.children("15", "2025-07"))
(['02761'], '15', 99)
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import sys
import tempfile
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import pandas as pd

from mkbidx import periods
from mkbidx.errors import MkbidxError
from mkbidx.inputs.crosswalk import Crosswalk, read_crosswalk
from mkbidx.inputs.matching import (
    CLOSEST_SHOWN,
    FUZZY_MARGIN,
    FUZZY_THRESHOLD,
    CandidateIndex,
    group_by,
    match_name,
)
from mkbidx.inputs.names import CACHE_SIZE, normalize_name, short_name
from mkbidx.inputs.portal_ids import portal_province, portal_provinces
from mkbidx.inputs.unit_files import LEVELS, UnitVersion, overlay, read_frame, read_units
from mkbidx.paths import UNITS_DIR  # the project's registry files (data/units/; not ../shared)

__all__ = [
    "CLOSEST_SHOWN",
    "CROSSWALK_FILE",
    "OVERRIDES_FILE",
    "ERRORS_SHOWN",
    "FUZZY_MARGIN",
    "FUZZY_THRESHOLD",
    "LEVELS",
    "REGISTRY_FILE",
    "SNAPSHOT_FILE",
    "SNAPSHOT_PERIOD",
    "UNITS_DIR",
    "Registry",
    "default_registry",
    "load_registry",
    "normalize_name",
    "portal_province",
    "portal_provinces",
    "resolve_many",
]

REGISTRY_FILE = "vn-units.csv"
"""National period-aware registry (all versions of all units, with validity windows), generated
by :mod:`mkbidx.run.registry` from the package ``vietnamadminunits``."""
CROSSWALK_FILE = "vn-crosswalk-2025-07.csv"
"""Every old → new pair of the reorganisation of 1 July 2025 (divided communes included)."""
OVERRIDES_FILE = "overrides.csv"
"""The project's corrections of the generated registry (same format; applied by code)."""
SNAPSHOT_FILE = "lao-cai-2024.csv"
"""Verbatim copy of the official 2024 list; the default registry is checked against it."""
SNAPSHOT_PERIOD = "2024"
"""Period the snapshot describes (checked at its last month, 2024-12)."""

ERRORS_SHOWN = 10
"""Number of unresolved names detailed in one :func:`resolve_many` error."""

_CODE_LIKE_RE = re.compile(r"^[0-9]+$")
_SUFFIX_RE = re.compile(r"^(.+?)\s*(?:\s-\s|,|–)\s*(.+)$")  # "Xã A - Tỉnh B", "Xã A, Tỉnh B"


# --------------------------------------------------------------------------- periods


def _month(period: str | None) -> str | None:
    """The month ("YYYY-MM") at which a period is looked at: itself, or the last month of a
    quarter ("YYYY-Qn") or year ("YYYY") -- the units as they stand at the end of the period."""
    if period is None:
        return None
    text = str(period).strip()
    if periods.is_month(text) or periods.QUARTER_RE.match(text) or periods.YEAR_RE.match(text):
        return periods.last_month(text)
    raise MkbidxError(
        f'kỳ "{period}" không hợp lệ (invalid period)',
        expected='"YYYY-MM", "YYYY-Qn" hoặc "YYYY"',
    )


# --------------------------------------------------------------------------- registry


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
    ('083', '15')
    """

    def __init__(
        self, units: Sequence[UnitVersion], source: str, crosswalk: Crosswalk | None = None
    ) -> None:
        self._units: tuple[UnitVersion, ...] = tuple(units)
        self.source = source
        merged = [(u.code, u.merged_into, True) for u in self._units if u.merged_into]
        if crosswalk is None:
            crosswalk = Crosswalk.from_pairs(merged)
        else:  # a unit's own merged_into (e.g. from a user file) is its primary successor
            mine = {old for old, new, _ in merged if crosswalk.primary_of(old) != new}
            if mine:
                keep = [p for p in crosswalk.pairs if p[0] not in mine]
                crosswalk = Crosswalk.from_pairs(keep + [p for p in merged if p[0] in mine])
        self.crosswalk = crosswalk
        versions: dict[str, list[UnitVersion]] = {}
        for unit in self._units:
            versions.setdefault(unit.code, []).append(unit)
        self._versions = {
            code: tuple(sorted(vs, key=lambda u: u.valid_from or ""))
            for code, vs in versions.items()
        }
        self._children = group_by(self._units, "parent_code")
        self._indexes: dict[tuple[str | None, str | None], CandidateIndex] = {}
        self._resolved: dict[tuple[str, str | None, str | None], UnitVersion] = {}
        self._contexts: dict[tuple, str | None] = {}

    def __repr__(self) -> str:
        return f"Registry({len(self._versions)} units, {len(self._units)} rows, {self.source!r})"

    def __contains__(self, code: object) -> bool:
        return code in self._versions

    # ---------------------------------------------------------------- lookups

    def _version(self, code: str, period: str | None = None) -> UnitVersion:
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
        return short_name(self._version(code, period).name)

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
        >>> len(load_registry().descendants("083", "2024-08"))
        16
        """
        return sorted({u.code for u in self._descendant_units(code, _month(period))})

    def _descendant_units(self, code: str, month: str | None) -> list[UnitVersion]:
        self._version(code)
        out: list[UnitVersion] = []
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

    def merger_map(self, codes: Iterable[str] | None = None) -> dict[str, str]:
        """Crosswalk ``{old_code: new_code}`` of the communes (and island districts) merged
        into another unit: each old unit's *primary* successor (see
        :mod:`mkbidx.inputs.crosswalk` for the rule applied to divided communes). Provinces are
        left out (their data are not pooled). ``codes``: only these old units.

        Examples
        --------
        >>> m = load_registry().merger_map()
        >>> len(m), m["02794"], m["02758"]
        (10040, '02782', '02761')
        """
        out = {
            u.code: u.merged_into
            for u in self._units
            if u.merged_into is not None and u.level != "province"
        }
        if codes is not None:
            wanted = {str(c) for c in codes}
            out = {k: v for k, v in out.items() if k in wanted}
        return out

    def successors(self, code: str) -> list[str]:
        """New codes of an old unit (primary first); [] if it was not reorganised.

        Examples
        --------
        >>> reg = load_registry()
        >>> reg.successors("02758"), reg.successors("10")
        (['02761'], ['15'])
        """
        return self.crosswalk.successors(str(code).strip())

    def predecessors(self, code: str) -> list[str]:
        """Old codes that became (part of) a new unit.

        Examples
        --------
        >>> load_registry().predecessors("02782")
        ['02776', '02782', '02791', '02794']
        """
        return self.crosswalk.predecessors(str(code).strip())

    def province_of(self, code: str, period: str | None = None) -> str | None:
        """Code of the province a unit belongs to at ``period`` (itself for a province).

        Examples
        --------
        >>> reg = load_registry()
        >>> reg.province_of("02782", "2024-08"), reg.province_of("02782", "2025-07")
        ('10', '15')
        """
        unit = self._version(code, period)
        while unit.parent_code is not None:
            at = period if period is not None else (unit.valid_from or unit.valid_to)
            unit = self._version(unit.parent_code, at)
        return unit.code

    # ---------------------------------------------------------------- frames

    def frame(self, period: str | None = None) -> pd.DataFrame:
        """All unit versions (or those valid at ``period``) as a frame.

        Columns: unit_code, unit_name, level, parent_code, valid_from, valid_to, merged_into
        (missing values are ``None``).

        Examples
        --------
        >>> reg = load_registry()
        >>> len(reg.frame()), len(reg.frame("2024-08")), len(reg.frame("2025-07"))
        (14149, 10794, 3355)
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

    def units_frame(self, period: str, codes: Iterable[str] | None = None) -> pd.DataFrame:
        """Units valid at ``period`` in the contract's units-frame shape.

        Columns: unit_code, unit_name, level, parent_code; one row per code. ``codes``: only
        these units (those valid at ``period``) and the units above them.

        Examples
        --------
        >>> reg = load_registry()
        >>> len(reg.units_frame("2025-07")), len(reg.units_frame("2024-08"))
        (3355, 10794)
        >>> reg.units_frame("2025-07", ["02752", "02761"])["unit_code"].tolist()
        ['15', '02752', '02761']
        """
        return pd.DataFrame(
            self.units_rows(period, codes),
            columns=["unit_code", "unit_name", "level", "parent_code"],
            dtype=object,
        )

    def units_rows(
        self, period: str, codes: Iterable[str] | None = None
    ) -> list[tuple[str, str, str, str | None]]:
        """The rows of :meth:`units_frame` as ``(unit_code, unit_name, level, parent_code)``
        tuples, in the registry's order (for callers that gather many periods in one frame).

        Examples
        --------
        >>> load_registry().units_rows("2025-07", ["02761"])
        [('15', 'Tỉnh Lào Cai', 'province', None), ('02761', 'Xã Mường Khương', 'commune', '15')]
        """
        if period is None:
            raise MkbidxError("cần chỉ rõ kỳ (period required)", expected='"YYYY-MM"')
        month = _month(period)
        if codes is None:
            chosen = [u for u in self._units if u.valid_at(month)]
        else:
            keep: set[str] = set()
            for code in {str(c) for c in codes}:
                while code is not None and code not in keep:
                    versions = self._versions.get(code, ())
                    unit = next((u for u in versions if u.valid_at(month)), None)
                    if unit is None:
                        break
                    keep.add(code)
                    code = unit.parent_code
            rows_of = self._rows_of_code()  # only the kept codes' versions, in file order
            chosen = [
                u for _, u in sorted(r for c in keep for r in rows_of[c] if r[1].valid_at(month))
            ]
        return [(u.code, u.name, u.level, u.parent_code) for u in chosen]

    def _rows_of_code(self) -> dict[str, list[tuple[int, UnitVersion]]]:
        """Each code's versions with their positions in the registry's rows (built once, on
        first use: :meth:`units_frame` of some codes reads only theirs, in the rows' order)."""
        rows = self.__dict__.get("_rows_by_code")
        if rows is None:
            rows = {}
            for i, unit in enumerate(self._units):
                rows.setdefault(unit.code, []).append((i, unit))
            self._rows_by_code = rows
        return rows

    # ---------------------------------------------------------------- resolution

    def _index(self, scope: str | None, month: str | None) -> CandidateIndex:
        key = (scope, month)
        index = self._indexes.get(key)
        if index is None:
            if scope is None:
                units = tuple(u for u in self._units if u.valid_at(month))
            else:
                units = tuple(self._descendant_units(scope, month))
            index = CandidateIndex.build(units)
            self._indexes[key] = index
        return index

    def resolve(
        self,
        name: str,
        *,
        scope: str | None = None,
        period: str | None = None,
        context: Sequence[str] | None = None,
    ) -> str:
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
        context : sequence of str, optional
            The other names of the same table. A name that is ambiguous in ``scope`` is looked
            for again under the narrowest unit that holds every context name that resolves
            unambiguously (a table of Mường Khương's communes says which "Thanh Bình" it means).

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
        >>> reg.resolve("Xã Mường Khương", scope="15", period="2025-07")
        '02761'
        """
        try:
            return self._resolve_unit(name, scope, period).code
        except MkbidxError as err:
            if not context or not getattr(err, "candidates", None) or "ambiguous" not in str(err):
                raise
            narrow = self._context_scope(tuple(context), scope, period)
            if narrow is None or narrow == scope:
                raise
            try:
                return self._resolve_unit(name, narrow, period).code
            except MkbidxError:
                raise err from None

    def _context_scope(
        self, context: tuple[str, ...], scope: str | None, period: str | None
    ) -> str | None:
        """The deepest unit above every context name that resolves unambiguously in scope."""
        key = (context, scope, _month(period))
        if key in self._contexts:
            return self._contexts[key]
        chains = []
        for other in dict.fromkeys(context):
            try:
                unit = self._resolve_unit(other, scope, period)
            except MkbidxError:
                continue
            chain = []
            code, at = unit.parent_code, period if period is not None else unit.valid_from
            while code is not None:
                chain.append(code)
                code = self.parent(code, at)
            chains.append(chain[::-1])
        common = None
        if chains:
            for level in zip(*chains, strict=False):
                if len(set(level)) != 1:
                    break
                common = level[0]
        self._contexts[key] = common
        return common

    def _resolve_unit(self, name: str, scope: str | None, period: str | None) -> UnitVersion:
        """The matched unit version (cached per name, scope and month)."""
        month = _month(period)
        if scope is not None:
            scope = str(scope).strip()
        key = (name, scope, month)
        unit = self._resolved.get(key)
        if unit is None:
            unit = self._resolve(name, scope, period, month)
            if len(self._resolved) >= CACHE_SIZE:
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
    ) -> UnitVersion:
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
        context = self._province_label if scope is None else None

        def whole() -> UnitVersion:
            return match_name(
                text,
                index,
                where=lambda: self._where(scope, period),
                label=self._short,
                context=context,
            )

        split = _SUFFIX_RE.match(text)
        if split is not None:  # "Xã Lâm Thao - Tỉnh Phú Thọ", "Phường X, Thành phố Y"
            outer = self._outer_scope(split.group(2), scope, month)
            if outer is not None:
                try:
                    return self._resolve_unit(split.group(1), outer, period)
                except MkbidxError as error:
                    try:  # a name with a dash of its own: "Tỉnh Bà Rịa - Vũng Tàu"
                        return whole()
                    except MkbidxError:
                        raise error from None
        return whole()

    def _outer_scope(self, text: str, scope: str | None, month: str | None) -> str | None:
        """The unit named after a separator ("... - Tỉnh Phú Thọ"): a province or district under
        ``scope``, or ``scope`` itself or a unit above it (then ``scope``); None otherwise."""
        for where in (scope, None) if scope is not None else (None,):
            try:
                unit = match_name(text, self._index(where, month), where=str, label=self._short)
            except MkbidxError:
                continue
            if unit.level not in ("province", "district"):
                return None
            if where is None and scope is not None:
                above = {scope}
                code: str | None = scope
                while code is not None:
                    code = self._version(code, month).parent_code
                    above.add(code) if code else None
                return scope if unit.code in above else None
            return unit.code
        return None

    def _province_label(self, unit: UnitVersion) -> str:
        """The province of a unit version, for ambiguity messages ("Tỉnh Lào Cai")."""
        try:
            code = self.province_of(unit.code, unit.valid_from or unit.valid_to)
            return self.name(code, unit.valid_from or unit.valid_to)
        except MkbidxError:  # pragma: no cover - a user registry without provinces
            return ""

    def _short(self, unit: UnitVersion) -> str:
        period = unit.valid_from or unit.valid_to
        return self.short_name(unit.code, period)


# --------------------------------------------------------------------------- loading


def load_registry(path: str | Path | None = None, *, extend: bool = False) -> Registry:
    """Read and validate a unit registry.

    Parameters
    ----------
    path : str or Path, optional
        A CSV (UTF-8) with columns ``code, name, level, parent_code`` (``unit_code`` and
        ``unit_name`` accepted as well) and optionally ``valid_from, valid_to, merged_into``
        (``"YYYY-MM"``, empty = open window / not merged); other columns are ignored.
        Default: the national registry ``data/units/vn-units.csv`` with its crosswalk and the
        project's corrections (``overrides.csv``), checked against the verbatim official list
        ``data/units/lao-cai-2024.csv``.
    extend : bool, default False
        With ``path``: the file adds units to the national registry or overrides them (a row
        replaces the national versions of its code whose validity windows overlap it), instead
        of being the whole registry.

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
    >>> len(reg.children("15", "2025-08")), len(reg.children("25", "2025-08"))
    (99, 148)
    """
    if path is not None and not extend:
        file = Path(path)
        return Registry(read_units(file), str(file))
    if path is None:
        return _national_registry()
    base = UNITS_DIR / REGISTRY_FILE
    units = overlay(read_units(base, check=False), UNITS_DIR / OVERRIDES_FILE)
    crosswalk = read_crosswalk(UNITS_DIR / CROSSWALK_FILE)
    file = Path(path)
    return Registry(overlay(units, file), f"{base} + {file}", crosswalk)


def _load_national() -> Registry:
    """The national registry read from ``data/units/`` and checked against the snapshot."""
    base = UNITS_DIR / REGISTRY_FILE
    units = overlay(read_units(base, check=False), UNITS_DIR / OVERRIDES_FILE)
    crosswalk = read_crosswalk(UNITS_DIR / CROSSWALK_FILE)
    registry = Registry(units, str(base), crosswalk)
    _check_snapshot(registry, UNITS_DIR / SNAPSHOT_FILE)
    return registry


# --------------------------------------------------------------------------- cache
CACHE_ENV = "MKBIDX_CACHE_DIR"
"""Environment variable: the folder of mkbidx's cache (empty: no cache). Default
``$XDG_CACHE_HOME/mkbidx`` or ``~/.cache/mkbidx``."""
_SOURCE_FILES = (REGISTRY_FILE, OVERRIDES_FILE, CROSSWALK_FILE, SNAPSHOT_FILE)


def cache_dir() -> Path | None:
    """The folder of mkbidx's cache (:data:`CACHE_ENV`), or None when it is turned off."""
    value = os.environ.get(CACHE_ENV)
    if value is not None:
        return Path(value) if value.strip() else None
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mkbidx"


def _registry_key() -> str:
    """What the loaded national registry depends on: the registry files, the code of the
    classes it holds and of the name keys they compute, and Python (SHA-256, shortened)."""
    digest = hashlib.sha256(sys.version.encode())
    for name in _SOURCE_FILES:
        digest.update(name.encode() + b"\0" + (UNITS_DIR / name).read_bytes())
    for obj in (Registry, UnitVersion, Crosswalk, CandidateIndex, normalize_name):
        digest.update(Path(sys.modules[obj.__module__].__file__).read_bytes())
    return digest.hexdigest()[:32]


def _national_registry() -> Registry:
    """:func:`_load_national` through the cache: the registry is read, checked and its name keys
    computed once (0.8 s), then unpickled (0.1 s) until one of its files or its code changes.
    A missing, stale or unreadable cache is rebuilt; a cache that cannot be written is skipped.
    """
    folder = cache_dir()
    try:
        key = _registry_key() if folder is not None else None
    except OSError:  # a registry file is missing: the loader says which
        key = None
    if key is None:
        return _load_national()
    file = folder / f"registry-{key}.pickle"
    try:
        with open(file, "rb") as f:
            registry = pickle.load(f)
        if isinstance(registry, Registry):
            return registry
    except Exception:  # noqa: BLE001 - absent or damaged: rebuilt below
        pass
    registry = _load_national()
    for unit in registry._units:  # the keys name resolution builds its indexes from
        unit.key1, unit.key2, unit.n_syllables  # noqa: B018
    _store(registry, file)
    return registry


def _store(registry: Registry, file: Path) -> None:
    """Pickle ``registry`` to ``file`` atomically and remove older registry caches."""
    try:
        file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".registry-", dir=file.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(registry, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, file)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        for old in file.parent.glob("registry-*.pickle"):
            if old != file:
                old.unlink(missing_ok=True)
    except OSError:  # a read-only or full disk: no cache
        pass


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


def _check_snapshot(registry: Registry, file: Path) -> None:
    """The registry must agree with the verbatim official list at its period."""
    frame = read_frame(file)
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
            if unit.level == "commune" and (unit.merged_into is not None or target):
                new = None
                if unit.merged_into is not None and unit.valid_to is not None:
                    new = registry.name(unit.merged_into, periods.shift_month(unit.valid_to, 1))
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
    # The list covers a province, its districts and the communes of the districts it lists
    # communes of: the registry must have no other unit there.
    covered = {p for p in frame["parent_code"] if p}
    known = set(frame.loc[frame["parent_code"] == "", "code"])
    for parent in covered:
        known.update(registry.children(parent, SNAPSHOT_PERIOD))
    extra = sorted(known - expected)
    if extra:
        raise MkbidxError(
            "danh mục có đơn vị không có trong danh sách chính thức "
            f"(units missing from the official list): {', '.join(extra)}",
            file=file,
            expected=f"cùng các đơn vị cho kỳ {SNAPSHOT_PERIOD}",
        )
