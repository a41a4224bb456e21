"""Unit registry files: each row a version of a unit, valid over a window of months.

:func:`read_units` reads a registry CSV (``data/units/``, see ``data/units/README.md``) into
:class:`UnitVersion` rows and checks them: codes, names, levels, validity windows, parents and
mergers. :class:`~mkbidx.inputs.units.Registry` is built from these rows.

>>> import pathlib, tempfile
>>> tmp = tempfile.TemporaryDirectory()
>>> path = pathlib.Path(tmp.name) / "units.csv"
>>> _ = path.write_text("code,name,level,parent_code\\n10,Tỉnh Lào Cai,province,\\n"
...                     "083,Huyện Mường Khương,district,10\\n", encoding="utf-8")
>>> [(u.code, u.kind, u.key2, u.parent_code) for u in read_units(path)]
[('10', 'tinh', 'lao cai', None), ('083', 'huyen', 'muong khuong', '10')]
>>> tmp.cleanup()
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from mkbidx import periods
from mkbidx.errors import MkbidxError
from mkbidx.inputs.names import split_official

__all__ = ["LEVELS", "UnitVersion", "overlay", "read_frame", "read_units"]

LEVELS: tuple[str, ...] = ("province", "district", "commune", "department")
"""Known levels, highest first. A parent must be of a higher level than its child (a
department, Sở/ngành of the portal, sits under its province)."""

_REQUIRED = ("code", "name", "level", "parent_code")
_OPTIONAL = ("valid_from", "valid_to", "merged_into")
_ALIASES = {"unit_code": "code", "unit_name": "name"}


@dataclass(frozen=True)
class UnitVersion:
    """One row of a registry: a unit's code, name, level and parent over a validity window
    (``"YYYY-MM"`` months, None = open), with the keys of its name (see
    :func:`mkbidx.inputs.names.split_official`) and its row in the file."""

    code: str
    name: str
    level: str
    parent_code: str | None
    valid_from: str | None
    valid_to: str | None
    merged_into: str | None
    row: int

    # The name's keys are computed when resolution first needs them (loading stays fast).
    @cached_property
    def _split(self) -> tuple[str | None, tuple[str, ...], tuple[str, ...]]:
        return split_official(self.name)

    @property
    def kind(self) -> str | None:
        return self._split[0]

    @cached_property
    def key1(self) -> str:
        return " ".join(self._split[1])

    @cached_property
    def key2(self) -> str:
        return " ".join(self._split[2])

    @property
    def n_syllables(self) -> int:
        return len(self._split[2])

    def valid_at(self, month: str | None) -> bool:
        if month is None:
            return True
        return (self.valid_from is None or self.valid_from <= month) and (
            self.valid_to is None or month <= self.valid_to
        )

    def covers(self, other: UnitVersion) -> bool:
        """True if this unit's window contains ``other``'s window."""
        starts = self.valid_from is None or (
            other.valid_from is not None and self.valid_from <= other.valid_from
        )
        ends = self.valid_to is None or (
            other.valid_to is not None and other.valid_to <= self.valid_to
        )
        return starts and ends

    def overlaps(self, other: UnitVersion) -> bool:
        a = self.valid_to is None or other.valid_from is None or other.valid_from <= self.valid_to
        b = other.valid_to is None or self.valid_from is None or self.valid_from <= other.valid_to
        return a and b


def read_frame(file: Path) -> pd.DataFrame:
    """A registry CSV as text columns (required and optional ones, stripped; aliases renamed)."""
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


def read_units(file: Path, *, check: bool = True) -> list[UnitVersion]:
    """The checked unit versions of a registry CSV (MkbidxError naming the row otherwise).

    ``check=False`` leaves out the checks between rows (duplicates, parents, mergers): for a
    file that :func:`overlay` combines with others and checks as a whole."""
    frame = read_frame(file)
    units: list[UnitVersion] = []
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
            if value is not None and not periods.is_month(value):
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
        units.append(
            UnitVersion(
                code=rec.code,
                name=rec.name,
                level=rec.level,
                parent_code=rec.parent_code or None,
                valid_from=window["valid_from"],
                valid_to=window["valid_to"],
                merged_into=rec.merged_into or None,
                row=row,
            )
        )
    if not units:
        raise MkbidxError("danh mục đơn vị trống (empty unit registry)", file=file)
    if check:
        _check_units(units, file)
    return units


def overlay(base: list[UnitVersion], file: Path) -> list[UnitVersion]:
    """``base`` with the units of the registry CSV ``file`` added: a row of the file replaces
    the versions of its code in ``base`` whose validity windows overlap it. The whole is
    checked (errors name ``file``); a missing ``file`` leaves ``base`` as it is only if it is
    the project's optional overrides file, see :func:`mkbidx.inputs.units.load_registry`."""
    extra = read_units(file, check=False)
    mine: dict[str, list[UnitVersion]] = {}
    for unit in extra:
        mine.setdefault(unit.code, []).append(unit)
    kept = [u for u in base if not any(u.overlaps(e) for e in mine.get(u.code, ()))]
    combined = kept + extra
    _check_units(combined, file)
    return combined


def _check_units(units: list[UnitVersion], file: Path) -> None:
    versions: dict[str, list[UnitVersion]] = {}
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
            after = periods.shift_month(unit.valid_to, 1)
            if not any(t.valid_at(after) for t in versions.get(unit.merged_into, ())):
                raise MkbidxError(
                    f'đơn vị "{unit.merged_into}" không có hiệu lực từ {after} '
                    "(merged_into target missing)",
                    file=file,
                    row=unit.row,
                    column="merged_into",
                    expected=f"mã một đơn vị có hiệu lực từ tháng {after}",
                )
