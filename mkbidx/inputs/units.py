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
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import pandas as pd

from mkbidx import periods
from mkbidx.errors import MkbidxError
from mkbidx.inputs.matching import (
    CLOSEST_SHOWN,
    FUZZY_MARGIN,
    FUZZY_THRESHOLD,
    CandidateIndex,
    group_by,
    match_name,
)
from mkbidx.inputs.names import CACHE_SIZE, normalize_name, short_name
from mkbidx.inputs.unit_files import LEVELS, UnitVersion, read_frame, read_units
from mkbidx.paths import UNITS_DIR  # the project's registry files (data/units/; not ../shared)

__all__ = [
    "CLOSEST_SHOWN",
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
    "resolve_command",
    "resolve_many",
]

REGISTRY_FILE = "lao-cai-2025-07.csv"
"""Period-aware registry (all versions of all units, with validity windows)."""
SNAPSHOT_FILE = "lao-cai-2024.csv"
"""Verbatim copy of the official 2024 list; the default registry is checked against it."""
SNAPSHOT_PERIOD = "2024"
"""Period the snapshot describes (checked at its last month, 2024-12)."""

ERRORS_SHOWN = 10
"""Number of unresolved names detailed in one :func:`resolve_many` error."""

_CODE_LIKE_RE = re.compile(r"^[0-9]+$")


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
    ('083', '10')
    """

    def __init__(self, units: Sequence[UnitVersion], source: str) -> None:
        self._units: tuple[UnitVersion, ...] = tuple(units)
        self.source = source
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
        >>> len(load_registry().descendants("10", "2024-08"))
        25
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
        return match_name(text, index, where=lambda: self._where(scope, period), label=self._short)

    def _short(self, unit: UnitVersion) -> str:
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
    registry = Registry(read_units(file), str(file))
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
            if unit.merged_into is not None or target:
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
