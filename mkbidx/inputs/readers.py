"""Read portal JSON responses and CSV/Excel tables into tidy frames.

The entry point of the readers (the only modules of mkbidx that parse data files). :func:`read`
takes files and folders (any mix of portal endpoints, periods and table kinds) and returns a
:class:`Dataset`:

- ``counts``: raw counts per unit and metric (what the scores are computed from), with the
  portal's published metric ratio and score where it publishes them;
- ``published_groups``: group scores as published (portal ``totalScore``, or an Excel/CSV table
  of group scores);
- ``units``: the units met in the files (one row per unit and file), with unknown portal fields
  kept in ``extra``.

Input kinds
-----------
Portal JSON (``{"code": "OK", "data": ..., "message": "OK"}``) of the six evaluation endpoints,
in both response shapes (see ``methodology.md``). The group is detected from the content: metric
codes (shape A) or the API count fields listed in the methodology (shape B).

CSV or Excel tables, with Vietnamese or English headers (matched ignoring case, diacritics,
spaces and anything in parentheses), of two kinds told apart by their columns:

1. raw counts, one row per unit and metric: ``Kỳ``, ``Mã đơn vị``, [``Tên đơn vị``, ``Cấp``,
   ``Mã đơn vị cha``, ``Nhóm``], ``Mã chỉ số``, ``Tử số``, ``Mẫu số``, [``Tỷ lệ``,
   ``Điểm công bố``];
2. published group scores, one row per unit and one column per group (group key, Vietnamese
   name or short name), optionally ``Tổng điểm`` (checked against the sum of the groups).

Every problem a user can cause raises one :class:`~mkbidx.errors.MkbidxError` that names the
file, the row (as a spreadsheet shows it, the header being row 1) or unit, the column and what
was expected.

Modules
-------
This module collects the files, reads each with the module of its kind and assembles the parts:
:mod:`~mkbidx.inputs.portal` (portal JSON), :mod:`~mkbidx.inputs.sheets` (CSV/XLSX files as
frames), :mod:`~mkbidx.inputs.headers` (what a column header means), :mod:`~mkbidx.inputs.tables`
(checking a table's cells), :mod:`~mkbidx.inputs.cells` (cell values),
:mod:`~mkbidx.inputs.text` (folding and periods as people write them) and
:mod:`~mkbidx.inputs.frames` (:class:`Dataset` and the column orders).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import pandas as pd

from mkbidx import methodology as _methodology
from mkbidx.errors import MkbidxError
from mkbidx.inputs.frames import (
    COUNTS_COLUMNS,
    GROUPS_COLUMNS,
    UNITS_COLUMNS,
    UNKNOWN_PERIOD,
    Dataset,
    Part,
    empty_frame,
)
from mkbidx.inputs.portal import read_json
from mkbidx.inputs.portal_units import map_parts
from mkbidx.inputs.sheets import HEADER_SCAN_ROWS, read_csv, read_excel  # noqa: F401
from mkbidx.inputs.snapshot import snapshot_of
from mkbidx.inputs.tables import TOTAL_TOLERANCE, read_table  # noqa: F401
from mkbidx.inputs.text import YEAR_RANGE, normalize_period  # noqa: F401
from mkbidx.methodology import Methodology

__all__ = [
    "COUNTS_COLUMNS",
    "GROUPS_COLUMNS",
    "UNITS_COLUMNS",
    "UNKNOWN_PERIOD",
    "Dataset",
    "concat",
    "normalize_period",
    "read",
]

SUFFIXES = (".json", ".csv", ".xlsx")
LEVELS = ("province", "district", "commune", "department")


# ----------------------------------------------------------------------------- public API
def read(
    paths: str | Path | Iterable[str | Path],
    *,
    period: str | None = None,
    methodology: Methodology | str | Path | None = None,
    resolver: Callable[..., str] | None = None,
    files_independent: bool = False,
    only_period: str | None = None,
) -> Dataset:
    """Read portal JSON responses and CSV/Excel tables into one :class:`Dataset`.

    Parameters
    ----------
    paths
        Files and folders (folders are searched recursively for ``*.json``, ``*.csv`` and
        ``*.xlsx``, in sorted order). Any mix of endpoints, periods and table kinds.
    period
        The period of files that do not say it themselves. For JSON files it wins over the
        period in the file or folder name; a table's period column wins over it.
    methodology
        A loaded :class:`~mkbidx.methodology.Methodology` (or a version id / YAML path); default
        the current version. It tells which metric belongs to which group and which API fields
        are the numerator and denominator of shape-B metrics.
    resolver
        ``name -> unit_code`` (called with ``period=`` the row's period when it accepts that
        keyword: names are resolved in the table's own period), used for tables that identify
        units by name only. It may raise :class:`MkbidxError`, which propagates with the file,
        row and column.
    files_independent
        Each file stands on its own (reconciliation): the same unit and period may appear in
        several files (e.g. all procedures and one procedure of the same month). By default a
        unit, period and metric given twice across files is an error: which value is right?
    only_period
        Keep only this period: table rows of other periods are left out before their names are
        resolved, and files that hold nothing for it are left out of ``files`` (their periods
        are in ``Dataset.periods_seen``), so a file of another month cannot stop the command.

    Returns
    -------
    Dataset

    Raises
    ------
    MkbidxError
        On the first problem found, naming the file, row or unit, column and what was expected.

    Examples
    --------
    >>> ds = read("data/sample/phu-tho-2026-08/dvc-progress-tree.json")  # doctest: +SKIP
    >>> ds.counts.query("unit_code == 'H44'")[["numerator", "denominator"]].values.tolist()
    ... # doctest: +SKIP
    [[144625.0, 184513.0]]
    """
    m = _method(methodology)
    wanted = normalize_period(period, column="period") if period is not None else None
    files = _collect(paths)
    parts = [
        _read_file(f, period=wanted, m=m, resolver=resolver, only_period=only_period) for f in files
    ]
    for part in parts:
        part.periods = part.periods or set(part.counts["period"]) | set(part.groups["period"])
    seen = sorted({p for part in parts for p in part.periods})
    if only_period is not None:
        parts = [part for part in parts if _holds(part, only_period)]
        files = tuple(part.file for part in parts)
    _codes_by_name(parts)
    if resolver is not None:  # with a registry: the portal's codes → official codes
        map_parts(parts, resolver)
    for part in parts:
        if not part.from_json:
            _names_resolved(part)
        without = int((~part.units["_has_code"]).sum()) if part.from_json else 0
        if without:
            part.notes.append(
                f"{part.file}: {without} đơn vị không có mã (departmentCode) và tên không khớp "
                "đơn vị nào có mã; dùng departmentId làm mã đơn vị"
            )
    result = _assemble(parts, files, check_across_files=not files_independent)
    return dataclasses.replace(result, periods_seen=tuple(seen))


NAME_IN_FILE = "name_in_file"
"""Key of ``Dataset.units["extra"]`` holding a unit's name as a table wrote it, when the unit
was found by that name: reports and letters show the official name
(:func:`mkbidx.inputs.loading.unit_labels`), the readers' notes the file's text."""
NAMES_SHOWN = 8


def _names_resolved(part: Part) -> None:
    """Keep the file's text of the names a table identified its units by (no code column) in
    ``extra`` and say in one note which codes they were resolved to."""
    units = part.units
    by_name = ~units["_has_code"].astype(bool) & units["unit_name"].notna()
    if not by_name.any():
        return
    units["extra"] = [
        {**(e if isinstance(e, dict) else {}), NAME_IN_FILE: str(n)} if named else e
        for e, n, named in zip(units["extra"], units["unit_name"], by_name, strict=True)
    ]
    pairs = dict.fromkeys(
        f"'{n}' → {c}"
        for n, c in units.loc[by_name, ["unit_name", "unit_code"]].itertuples(index=False)
    )
    items = list(pairs)
    more = f" và {len(items) - NAMES_SHOWN} đơn vị khác" if len(items) > NAMES_SHOWN else ""
    part.notes.append(
        f"{part.file}: {len(items)} đơn vị ghi bằng tên, đã tra mã theo danh mục đơn vị hành "
        "chính (names resolved to official codes); báo cáo và công văn dùng tên chính thức: "
        f"{', '.join(items[:NAMES_SHOWN])}{more}"
    )


def _holds(part: Part, period: str) -> bool:
    """Whether a file's part has rows of ``period``."""
    return any(len(f) and (f["period"] == period).any() for f in (part.counts, part.groups))


def concat(datasets: Iterable[Dataset]) -> Dataset:
    """Combine datasets read separately (checks that no unit, metric and period repeats).

    Examples
    --------
    >>> a = Dataset(*(empty_frame(c) for c in (COUNTS_COLUMNS, GROUPS_COLUMNS, UNITS_COLUMNS)))
    >>> concat([a, a]).counts.shape
    (0, 10)
    """
    items = list(datasets)
    files = tuple(dict.fromkeys(f for d in items for f in d.files))
    notes = tuple(dict.fromkeys(n for d in items for n in d.notes))
    by_file: dict[Path, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    if all(len(d.file_periods) == len(d.file_notes) == len(d.files) for d in items):
        for d in items:
            for f, held, said in zip(d.files, d.file_periods, d.file_notes, strict=True):
                by_file.setdefault(f, (held, said))
    result = Dataset(
        counts=_cat([d.counts for d in items], COUNTS_COLUMNS),
        published_groups=_cat([d.published_groups for d in items], GROUPS_COLUMNS),
        units=_finish_units(_cat([d.units for d in items], UNITS_COLUMNS)),
        files=files,
        notes=notes,
        file_periods=tuple(by_file[f][0] for f in files) if by_file else (),
        file_notes=tuple(by_file[f][1] for f in files) if by_file else (),
    )
    _check_unique(result)
    return result


# ----------------------------------------------------------------------------- assembly
def _method(methodology: Methodology | str | Path | None) -> Methodology:
    if isinstance(methodology, Methodology):
        return methodology
    return _methodology.load(methodology)


_KEY_COLUMNS = ("period", "unit_code", "group", "metric", "source_file")


def _cat(frames: list[pd.DataFrame], columns: Sequence[str]) -> pd.DataFrame:
    """Concatenate, keep ``columns`` in order; key columns get pandas' text dtype."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_frame(columns)
    if len(frames) == 1:
        out = frames[0][list(columns)].reset_index(drop=True)
    else:
        out = pd.concat([f[list(columns)] for f in frames], ignore_index=True)
    for col in _KEY_COLUMNS:
        if col in out:
            out[col] = out[col].astype("str")
    return out


def _collect(paths: str | Path | Iterable[str | Path]) -> tuple[Path, ...]:
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    if not items:
        raise MkbidxError(
            "không có tệp dữ liệu nào (no input files)", expected="tệp .json, .csv hoặc .xlsx"
        )
    found: dict[Path, Path] = {}
    for item in items:
        path = Path(item)
        if path.is_dir():
            inside = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in SUFFIXES
                and not p.name.startswith(("~$", "."))
            )
            if not inside:
                raise MkbidxError(
                    "thư mục không có tệp dữ liệu (no data files in folder)",
                    file=path,
                    expected="tệp .json, .csv hoặc .xlsx",
                )
            for p in inside:
                found.setdefault(p.resolve(), p)
        elif path.is_file():
            if path.suffix.lower() not in SUFFIXES:
                raise MkbidxError(
                    f"không đọc được loại tệp '{path.suffix}' (unsupported file type)",
                    file=path,
                    expected="tệp .json, .csv hoặc .xlsx",
                )
            found.setdefault(path.resolve(), path)
        else:
            raise MkbidxError("không tìm thấy tệp hoặc thư mục (file not found)", file=path)
    return tuple(found.values())


def _read_file(
    path: Path,
    *,
    period: str | None,
    m: Methodology,
    resolver: Callable[..., str] | None,
    only_period: str | None = None,
) -> Part:
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise MkbidxError(
            "tệp rỗng (empty file)", file=path, expected="dữ liệu: phản hồi JSON hoặc bảng"
        )
    if suffix == ".json":
        # a folder written by `mkbidx fetch`: period and notes from its manifest.json
        snap = snapshot_of(path)
        if snap is None:
            return read_json(path, period=period, m=m)
        if not snap.readable(path):  # the manifest, the national summary
            units = empty_frame((*UNITS_COLUMNS, "_has_code")).astype({"_has_code": bool})
            return Part(path, empty_frame(COUNTS_COLUMNS), empty_frame(GROUPS_COLUMNS), units)
        # a paginated answer's pages 2.. are read with page 1, as one response
        part = snap.read(path, lambda p: read_json(p, period=period or snap.period, m=m))
        part.notes.extend(snap.notes())
        return part
    frame = read_csv(path, m) if suffix == ".csv" else read_excel(path, m)
    return read_table(frame, path, period=period, m=m, resolver=resolver, only_period=only_period)


def _codes_by_name(parts: list[Part]) -> None:
    """Give JSON units without departmentCode the code that their exact name has elsewhere."""
    if not any(p.from_json and not p.units["_has_code"].all() for p in parts):
        return  # no unit to name: the codes of every file need not be gathered
    coded = [p.units.loc[p.units["_has_code"], ["period", "unit_name", "unit_code"]] for p in parts]
    coded = [c for c in coded if len(c)]
    if not coded:
        return
    known = pd.concat(coded, ignore_index=True).dropna()
    by_name: dict[tuple[str, str], set[str]] = {}  # (period, name) -> the codes it has
    for period, name, code in known.itertuples(index=False, name=None):
        by_name.setdefault((period, name), set()).add(code)
    for part in parts:
        if not part.from_json:
            continue
        missing = part.units[~part.units["_has_code"]]
        rename: dict[str, str] = {}
        for row in missing.itertuples(index=False):
            codes = by_name.get((row.period, row.unit_name))
            if codes is not None and len(codes) == 1:
                rename[row.unit_code] = next(iter(codes))
        if not rename:
            continue
        names = ", ".join(
            f"'{n}' → {rename[c]}"
            for n, c in missing[["unit_name", "unit_code"]].itertuples(index=False)
            if c in rename
        )
        part.notes.append(
            f"{part.file}: đơn vị không có mã (departmentCode) được gán mã theo tên "
            f"ở tệp khác: {names}"
        )
        part.units["_has_code"] = part.units["_has_code"] | part.units["unit_code"].isin(rename)
        for frame, cols in (
            (part.units, ("unit_code", "parent_code")),
            (part.counts, ("unit_code",)),
            (part.groups, ("unit_code",)),
        ):
            for col in cols:
                frame[col] = [rename.get(c, c) for c in frame[col]]


def _finish_units(units: pd.DataFrame) -> pd.DataFrame:
    """Fill a missing level from the same unit elsewhere; None (not NaN) for missing labels."""
    units = units.copy()
    for col in ("unit_name", "level", "parent_code", "portal_level", "department_type"):
        units[col] = units[col].astype(object).where(units[col].notna(), None)
    if units["level"].isna().any():
        known = units.dropna(subset=["level"]).drop_duplicates("unit_code")
        fill = dict(zip(known["unit_code"], known["level"], strict=True))
        missing = units["level"].isna()
        units.loc[missing, "level"] = units.loc[missing, "unit_code"].map(fill)
        units["level"] = units["level"].astype(object).where(units["level"].notna(), None)
    units["is_root"] = units["is_root"].astype(bool)
    return units


def _assemble(
    parts: list[Part], files: tuple[Path, ...], *, check_across_files: bool = True
) -> Dataset:
    # Each file was checked for repeated rows on its own; across files only when several give
    # rows (skips re-checking one large table).
    notes: list[str] = []
    for p in parts:
        notes.extend(p.notes)
    by_file = len(parts) == len(files)  # each file's periods and notes: a report's sources
    result = Dataset(
        counts=_cat([p.counts for p in parts], COUNTS_COLUMNS),
        published_groups=_cat([p.groups for p in parts], GROUPS_COLUMNS),
        units=_finish_units(_cat([p.units for p in parts], UNITS_COLUMNS)),
        files=files,
        notes=tuple(dict.fromkeys(notes)),
        file_periods=tuple(tuple(sorted(p.periods)) for p in parts) if by_file else (),
        file_notes=tuple(tuple(dict.fromkeys(p.notes)) for p in parts) if by_file else (),
    )
    if check_across_files and sum(1 for p in parts if len(p.counts) or len(p.groups)) > 1:
        _check_unique(result)
    return result


def _check_unique(ds: Dataset) -> None:
    """One value per (period, unit, metric) and per (period, unit, group) across files."""
    for frame, key, what in (
        (ds.counts, "metric", "chỉ số"),
        (ds.published_groups, "group", "nhóm"),
    ):
        keys = ["period", "unit_code", key]
        dup = frame.duplicated(keys, keep="first")
        if not dup.any():
            continue
        first_dup = frame[dup].iloc[0]
        same = (frame[keys] == first_dup[keys]).all(axis=1)
        sources = list(dict.fromkeys(frame.loc[same, "source_file"]))
        raise MkbidxError(
            f"số liệu trùng (duplicate rows): {what} {first_dup[key]} kỳ {first_dup['period']} "
            f"có hai lần, trong {' và '.join(map(str, sources))}",
            file=first_dup["source_file"],
            unit=str(first_dup["unit_code"]),
            column=key,
            expected="mỗi đơn vị, kỳ và " + what + " chỉ một dòng (bỏ tệp hoặc dòng trùng)",
        )
