"""Read portal JSON responses and CSV/Excel tables into tidy frames.

This is the only module of mkbidx that parses files. :func:`read` takes files and folders (any
mix of portal endpoints, periods and table kinds) and returns a :class:`Dataset`:

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
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mkbidx import methodology as _methodology
from mkbidx.errors import MkbidxError
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

COUNTS_COLUMNS = (
    "period",
    "unit_code",
    "group",
    "metric",
    "numerator",
    "denominator",
    "published_ratio",
    "published_score",
    "data_quality_status",
    "source_file",
)
GROUPS_COLUMNS = (
    "period",
    "unit_code",
    "group",
    "published_score",
    "published_max",
    "source_file",
    "endpoint",
)
UNITS_COLUMNS = (
    "period",
    "unit_code",
    "unit_name",
    "level",
    "parent_code",
    "portal_level",
    "department_type",
    "is_root",
    "source_file",
    "extra",
)
UNKNOWN_PERIOD = "unknown"
SUFFIXES = (".json", ".csv", ".xlsx")
LEVELS = ("province", "district", "commune", "department")

# How many rows at the top of an Excel sheet may hold titles above the header row.
HEADER_SCAN_ROWS = 10
# Tolerance of the check "total = sum of the group scores" in published tables (2 decimals).
TOTAL_TOLERANCE = 0.01
# Years accepted in a period.
YEAR_RANGE = (1900, 2199)

_PERIOD_EXPECTED = '"2024-08", "8/2024", "tháng 8/2024", "2026-Q3", "quý 3/2026" hoặc "2026"'


@dataclass(frozen=True)
class Dataset:
    """Everything read from a set of input files.

    Attributes
    ----------
    counts
        period, unit_code, group, metric, numerator, denominator (float, NaN when not given),
        published_ratio (percent), published_score, data_quality_status, source_file.
    published_groups
        period, unit_code, group, published_score, published_max, source_file, endpoint
        (portal endpoint, None for tables).
    units
        period, unit_code, unit_name, level ("province", "district", "commune", "department"
        or None), parent_code (str or None), portal_level, department_type (raw portal values),
        is_root, source_file, extra (dict of the portal fields not mapped to a column). One row
        per unit and file: drop duplicates on (period, unit_code) for a unit list.
    files
        Every file read, in reading order (for SHA-256 manifests).
    notes
        Human-readable remarks (Vietnamese), e.g. units that publish a score but no counts.
    """

    counts: pd.DataFrame
    published_groups: pd.DataFrame
    units: pd.DataFrame
    files: tuple[Path, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass
class _Part:
    """What one file gave, before codes are reconciled across files."""

    file: Path
    counts: pd.DataFrame
    groups: pd.DataFrame
    units: pd.DataFrame  # with a private "_has_code" column
    notes: list[str] = field(default_factory=list)
    from_json: bool = False


# ----------------------------------------------------------------------------- text helpers
def _fold(text: Any) -> str:
    """Lower-case ASCII snake form: no diacritics, ``đ`` → ``d``, camelCase split.

    >>> _fold("Mã đơn vị (unit_code)"), _fold("Tổng  điểm"), _fold("departmentCode")
    ('ma_don_vi', 'tong_diem', 'department_code')
    """
    s = str(text)
    s = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", s)
    s = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", s)
    s = unicodedata.normalize("NFD", s).replace("đ", "d").replace("Đ", "D")
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    s = re.sub(r"[^a-z0-9]+", "_", s).strip("_")
    return re.sub(r"^\d+_(?=[a-z])", "", s)


def _fold_value(text: Any) -> str:
    """Like :func:`_fold` but keeps parenthesised text (for cell values)."""
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
    year = int(match.group("y"))
    if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        return None
    if kind == "month":
        month = int(match.group("m"))
        return f"{year:04d}-{month:02d}" if 1 <= month <= 12 else None
    if kind == "quarter":
        q = match.group("q")
        quarter = _ROMAN[q] if q in _ROMAN else int(q)
        return f"{year:04d}-Q{quarter}"
    return f"{year:04d}"


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
        return f"{text.year:04d}-{text.month:02d}"
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
        expected=_PERIOD_EXPECTED,
    )


def _period_from_path(path: Path, levels: int = 3) -> str | None:
    """Period written in the file name, else in one of its parent folders' names."""
    names = [path.stem] + [p.name for p in list(path.absolute().parents)[:levels]]
    for name in names:
        s = _fold_value(name)
        for kind, pattern in _NAME_PATTERNS:
            for match in pattern.finditer(s):
                result = _format_period(kind, match)
                if result:
                    return result
    return None


# ----------------------------------------------------------------------------- public API
def read(
    paths: str | Path | Iterable[str | Path],
    *,
    period: str | None = None,
    methodology: Methodology | str | Path | None = None,
    resolver: Callable[[str], str] | None = None,
    files_independent: bool = False,
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
        ``name -> unit_code``, used for tables that identify units by name only. It may raise
        :class:`MkbidxError`, which propagates.
    files_independent
        Each file stands on its own (reconciliation): the same unit and period may appear in
        several files (e.g. all procedures and one procedure of the same month). By default a
        unit, period and metric given twice across files is an error: which value is right?

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
    parts = [_read_file(f, period=wanted, m=m, resolver=resolver) for f in files]
    _codes_by_name(parts)
    for part in parts:
        without = int((~part.units["_has_code"]).sum()) if part.from_json else 0
        if without:
            part.notes.append(
                f"{part.file}: {without} đơn vị không có mã (departmentCode) và tên không khớp "
                "đơn vị nào có mã; dùng departmentId làm mã đơn vị"
            )
    return _assemble(parts, files, check_across_files=not files_independent)


def concat(datasets: Iterable[Dataset]) -> Dataset:
    """Combine datasets read separately (checks that no unit, metric and period repeats).

    Examples
    --------
    >>> a = Dataset(_empty(COUNTS_COLUMNS), _empty(GROUPS_COLUMNS), _empty(UNITS_COLUMNS))
    >>> concat([a, a]).counts.shape
    (0, 10)
    """
    items = list(datasets)
    files = tuple(dict.fromkeys(f for d in items for f in d.files))
    notes = tuple(dict.fromkeys(n for d in items for n in d.notes))
    result = Dataset(
        counts=_cat([d.counts for d in items], COUNTS_COLUMNS),
        published_groups=_cat([d.published_groups for d in items], GROUPS_COLUMNS),
        units=_finish_units(_cat([d.units for d in items], UNITS_COLUMNS)),
        files=files,
        notes=notes,
    )
    _check_unique(result)
    return result


# ----------------------------------------------------------------------------- assembly
def _method(methodology: Methodology | str | Path | None) -> Methodology:
    if isinstance(methodology, Methodology):
        return methodology
    return _methodology.load(methodology)


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    for c in ("numerator", "denominator", "published_ratio", "published_score", "published_max"):
        if c in frame:
            frame[c] = frame[c].astype(float)
    if "is_root" in frame:
        frame["is_root"] = frame["is_root"].astype(bool)
    return frame


_KEY_COLUMNS = ("period", "unit_code", "group", "metric", "source_file")


def _cat(frames: list[pd.DataFrame], columns: Sequence[str]) -> pd.DataFrame:
    """Concatenate, keep ``columns`` in order; key columns get pandas' text dtype."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return _empty(columns)
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
    path: Path, *, period: str | None, m: Methodology, resolver: Callable[[str], str] | None
) -> _Part:
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise MkbidxError(
            "tệp rỗng (empty file)", file=path, expected="dữ liệu: phản hồi JSON hoặc bảng"
        )
    if suffix == ".json":
        return _read_json(path, period=period, m=m)
    frame = _read_csv(path, m) if suffix == ".csv" else _read_excel(path, m)
    return _read_table(frame, path, period=period, m=m, resolver=resolver)


def _codes_by_name(parts: list[_Part]) -> None:
    """Give JSON units without departmentCode the code that their exact name has elsewhere."""
    coded = [p.units.loc[p.units["_has_code"], ["period", "unit_name", "unit_code"]] for p in parts]
    coded = [c for c in coded if len(c)]
    if not coded:
        return
    known = pd.concat(coded, ignore_index=True).dropna().drop_duplicates()
    by_name = known.groupby(["period", "unit_name"])["unit_code"].agg(lambda s: sorted(set(s)))
    for part in parts:
        if not part.from_json:
            continue
        missing = part.units[~part.units["_has_code"]]
        rename: dict[str, str] = {}
        for row in missing.itertuples(index=False):
            codes = by_name.get((row.period, row.unit_name))
            if codes is not None and len(codes) == 1:
                rename[row.unit_code] = codes[0]
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
    parts: list[_Part], files: tuple[Path, ...], *, check_across_files: bool = True
) -> Dataset:
    # Each file was checked for repeated rows on its own; across files only when several give
    # rows (skips re-checking one large table).
    notes: list[str] = []
    for p in parts:
        notes.extend(p.notes)
    result = Dataset(
        counts=_cat([p.counts for p in parts], COUNTS_COLUMNS),
        published_groups=_cat([p.groups for p in parts], GROUPS_COLUMNS),
        units=_finish_units(_cat([p.units for p in parts], UNITS_COLUMNS)),
        files=files,
        notes=tuple(dict.fromkeys(notes)),
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


# ----------------------------------------------------------------------------- portal JSON
_SHAPES = {"A": ("overview", "evaluation"), "B": ("parent", "children")}
_A_FIELDS = {
    "departmentCode",
    "departmentName",
    "departmentLevel",
    "level",
    "departmentType",
    "totalScore",
    "totalMaxScore",
    "score",
    "maxScore",
    "metrics",
}
_METRIC_FIELDS = {
    "code",
    "name",
    "numerator",
    "denominator",
    "ratio",
    "score",
    "maxScore",
    "dataQualityStatus",
}
_TOP_LEVEL_CODE = re.compile(r"[A-Z]+\d+")
_PORTAL_LEVELS = {"PROVINCE": "province", "DISTRICT": "district", "COMMUNE": "commune"}
_PORTAL_EXPECTED = (
    'phản hồi của Cổng DVCQG dạng {"code": "OK", "data": {"overview", "evaluation"}} '
    'hoặc {"code": "OK", "data": {"parent", "children"}}'
)


def _unwrap(doc: Any, path: Path) -> dict[str, Any]:
    """The ``data`` object of a portal response (also when wrapped once more)."""
    data = doc
    for _ in range(4):
        if not isinstance(data, dict):
            break
        if "code" in data and ("data" in data or "message" in data):
            code = data.get("code")
            if str(code).strip().upper() != "OK":
                raise MkbidxError(
                    f"Cổng DVCQG trả về lỗi (response code {code!r}): {data.get('message')!r}",
                    file=path,
                    column="code",
                    expected='code "OK" (tải lại dữ liệu từ Cổng)',
                )
        if any(k in data for shape in _SHAPES.values() for k in shape):
            return data
        if "data" in data:
            data = data["data"]
            continue
        if len(data) == 1 and isinstance(next(iter(data.values())), dict):
            data = next(iter(data.values()))
            continue
        break
    raise MkbidxError(
        "không phải phản hồi của Cổng DVCQG (not a portal response)",
        file=path,
        expected=_PORTAL_EXPECTED,
    )


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    s = str(value).strip()
    return s or None


def _json_number(value: Any, *, path: Path, unit: str, column: str) -> float:
    """A number of a portal record (numbers may come as strings of digits)."""
    if value is None:
        return np.nan
    number = np.nan
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        if not value.strip():
            return np.nan
        try:
            number = float(value.strip())
        except ValueError:
            number = np.nan
    if not np.isfinite(number):
        raise MkbidxError(
            f"giá trị không phải số (non-numeric value): {value!r}",
            file=path,
            unit=unit,
            column=column,
            expected="một số, vd. 144625",
        )
    return number


def _check_counts(
    num: float,
    den: float,
    *,
    path: Path,
    unit: str,
    num_col: str,
    den_col: str,
    notes: list[str] | None = None,
) -> None:
    """Reject negative counts; a numerator above its denominator is an error in a user's table,
    but only a note in a portal response (``notes`` given): the portal's numbers are the oracle,
    its score is recomputed as published (capped at the metric's maximum) and reconcile shows
    any difference."""
    for value, col in ((num, num_col), (den, den_col)):
        if value < 0:
            raise MkbidxError(
                f"số âm (negative count): {value:g}",
                file=path,
                unit=unit,
                column=col,
                expected="một số ≥ 0",
            )
    if num > den and notes is not None:
        notes.append(
            f"{path}: đơn vị {unit}: tử số {num:g} ({num_col}) lớn hơn mẫu số {den:g} ({den_col}) "
            "trong dữ liệu của Cổng (numerator above denominator, kept as published)"
        )
    elif num > den:
        raise MkbidxError(
            f"tử số {num:g} lớn hơn mẫu số {den:g} (numerator above denominator)",
            file=path,
            unit=unit,
            column=num_col,
            expected=f"tử số ≤ mẫu số ({den_col})",
        )


def _unit_label(rec: dict[str, Any], where: str) -> str:
    return (
        _text(rec.get("departmentCode"))
        or _text(rec.get("departmentName"))
        or _text(rec.get("departmentId"))
        or where
    )


def _records(data: dict[str, Any], shape: str, path: Path) -> list[tuple[dict[str, Any], bool]]:
    root_key, children_key = _SHAPES[shape]
    root = data.get(root_key)
    children = data.get(children_key)
    if children is None:
        children = []
    if not isinstance(children, list) or (root is not None and not isinstance(root, dict)):
        raise MkbidxError(
            "cấu trúc phản hồi không đúng (unexpected response structure)",
            file=path,
            column=children_key if not isinstance(children, list) else root_key,
            expected=_PORTAL_EXPECTED,
        )
    records = [(root, True)] if root is not None else []
    for i, child in enumerate(children, start=1):
        if not isinstance(child, dict):
            raise MkbidxError(
                f"phần tử thứ {i} của {children_key} không phải một đơn vị (not an object)",
                file=path,
                column=children_key,
                expected=_PORTAL_EXPECTED,
            )
        records.append((child, False))
    if not records:
        raise MkbidxError(
            "phản hồi không có đơn vị nào (no units in response)",
            file=path,
            expected=_PORTAL_EXPECTED,
        )
    return records


def _endpoint_in_name(path: Path, m: Methodology) -> str | None:
    name = path.stem.lower()
    hits = [g.key for g in m.groups if g.endpoint in name]
    # "dvc-progress-tree" must not also match a shorter endpoint contained in it.
    hits.sort(key=lambda k: -len(m.group(k).endpoint))
    return hits[0] if hits else None


def _group_shape_a(records: list[tuple[dict[str, Any], bool]], path: Path, m: Methodology) -> str:
    known = {mt.code: mt.group for g in m.groups for mt in g.metrics}
    groups: dict[str, str] = {}
    for rec, is_root in records:
        unit = _unit_label(rec, "overview" if is_root else "evaluation")
        metrics = rec.get("metrics") or []
        if not isinstance(metrics, list):
            raise MkbidxError(
                "metrics phải là một danh sách (list)", file=path, unit=unit, column="metrics"
            )
        for metric in metrics:
            code = _text(metric.get("code")) if isinstance(metric, dict) else None
            if code is None:
                raise MkbidxError(
                    "chỉ số không có mã (metric without code)",
                    file=path,
                    unit=unit,
                    column="metrics.code",
                    expected="mỗi chỉ số có trường code",
                )
            if code not in known:
                raise MkbidxError(
                    f"mã chỉ số không có trong phương pháp tính {m.id} (unknown metric code): "
                    f"{code!r}",
                    file=path,
                    unit=unit,
                    column="metrics.code",
                    expected="một trong " + ", ".join(known),
                )
            groups.setdefault(known[code], code)
    if len(groups) > 1:
        raise MkbidxError(
            "một tệp có chỉ số của nhiều nhóm (metrics of several groups): "
            + ", ".join(f"{g} ({c})" for g, c in groups.items()),
            file=path,
            column="metrics.code",
            expected="mỗi tệp một nhóm (một endpoint)",
        )
    if groups:
        return next(iter(groups))
    by_name = _endpoint_in_name(path, m)
    if by_name and m.group(by_name).shape == "A":
        return by_name
    raise MkbidxError(
        "không xác định được nhóm chỉ số (cannot detect group): không có chỉ số nào",
        file=path,
        column="metrics",
        expected="các chỉ số (metrics) hoặc tên tệp theo endpoint, vd. transparency.json",
    )


def _group_shape_b(records: list[tuple[dict[str, Any], bool]], path: Path, m: Methodology) -> str:
    candidates = [g for g in m.groups if g.shape == "B"]

    def fields(g: Any) -> set[str]:
        return {f for mt in g.metrics for f in (*mt.numerator, mt.denominator)}

    for pool in ([r for r, is_root in records if is_root], [r for r, _ in records]):
        hits = [g for g in candidates if any(fields(g) <= rec.keys() for rec in pool)]
        if hits:
            hits.sort(key=lambda g: -len(fields(g)))
            if len(hits) > 1 and len(fields(hits[0])) == len(fields(hits[1])):
                raise MkbidxError(
                    "không xác định được nhóm chỉ số (ambiguous group): có trường của "
                    + " và ".join(g.key for g in hits),
                    file=path,
                    expected="mỗi tệp một nhóm (một endpoint)",
                )
            return hits[0].key
    by_name = _endpoint_in_name(path, m)
    if by_name and m.group(by_name).shape == "B":
        return by_name
    expected = "; ".join(f"{g.endpoint}: {', '.join(sorted(fields(g)))}" for g in candidates)
    raise MkbidxError(
        "không xác định được nhóm chỉ số (cannot detect group): không có trường số liệu nào "
        "của phương pháp tính",
        file=path,
        expected=expected,
    )


def _level(portal_level: str | None, dept_type: str | None, is_root: bool, root_level: str | None):
    pl = (portal_level or "").strip().upper()
    if is_root:
        return _PORTAL_LEVELS.get(pl or (root_level or ""))
    if "DEPARTMENT" in (dept_type or "").upper():
        return "department"
    if pl == "PROVINCE" or (pl and pl == root_level):
        return "department"
    return _PORTAL_LEVELS.get(pl)


def _read_json(path: Path, *, period: str | None, m: Methodology) -> _Part:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise MkbidxError(
            "tệp JSON không phải UTF-8 (encoding)", file=path, expected="tệp JSON mã UTF-8"
        ) from None
    if not text.strip():
        raise MkbidxError("tệp rỗng (empty file)", file=path, expected="một phản hồi JSON")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MkbidxError(
            f"JSON không hợp lệ (malformed JSON): {exc.msg}, ký tự thứ {exc.colno}",
            file=path,
            row=exc.lineno,
            expected=_PORTAL_EXPECTED,
        ) from None
    data = _unwrap(doc, path)
    shape = "A" if ("overview" in data or "evaluation" in data) else "B"
    records = _records(data, shape, path)
    group_key = (_group_shape_a if shape == "A" else _group_shape_b)(records, path, m)
    group = m.group(group_key)
    notes: list[str] = []
    named = _endpoint_in_name(path, m)
    if named and named != group_key:
        notes.append(
            f"{path}: tên tệp gợi ý nhóm {named} nhưng nội dung là nhóm {group_key} "
            f"({group.endpoint}); dùng theo nội dung"
        )
    per = period or _period_from_path(path)
    if per is None:
        per = UNKNOWN_PERIOD
        notes.append(
            f"{path}: không xác định được kỳ (period) từ tên tệp hoặc thư mục; ghi là "
            f"'{UNKNOWN_PERIOD}' (dùng --period hoặc đặt tên thư mục như phu-tho-2026-08)"
        )
    source = str(path)
    used_fields = {f for mt in group.metrics for f in (*mt.numerator, mt.denominator or "")}
    root_code: str | None = None
    root_level: str | None = None
    counts: list[tuple[Any, ...]] = []
    groups: list[tuple[Any, ...]] = []
    units: list[dict[str, Any]] = []
    no_counts: list[str] = []
    max_mismatch: dict[str, tuple[float, float]] = {}
    seen: dict[str, int] = {}
    for index, (rec, is_root) in enumerate(records):
        where = "overview/parent" if is_root else f"đơn vị thứ {index} trong danh sách con"
        label = _unit_label(rec, where)
        code = _text(rec.get("departmentCode"))
        has_code = code is not None
        if code is None:
            code = _text(rec.get("departmentId"))
        if code is None:
            raise MkbidxError(
                "đơn vị không có mã (unit_code empty)",
                file=path,
                unit=label,
                column="departmentCode",
                expected="departmentCode hoặc departmentId",
            )
        if code in seen:
            raise MkbidxError(
                f"đơn vị {code} xuất hiện hai lần trong tệp (duplicate unit)",
                file=path,
                unit=label,
                column="departmentCode",
                expected="mỗi đơn vị một lần",
            )
        seen[code] = index
        portal_level = _text(rec.get("departmentLevel")) or _text(rec.get("level"))
        if is_root:
            root_code = code
            root_level = (portal_level or "").upper() or None
        if shape == "A":
            metrics = rec.get("metrics") or []
            metric_extra: dict[str, Any] = {}
            for metric in metrics:
                mcode = _text(metric["code"])
                num = _json_number(
                    metric.get("numerator"), path=path, unit=label, column="numerator"
                )
                den = _json_number(
                    metric.get("denominator"), path=path, unit=label, column="denominator"
                )
                col = f"metrics[{mcode}]"
                _check_counts(
                    num,
                    den,
                    path=path,
                    unit=label,
                    num_col=f"{col}.numerator",
                    den_col=f"{col}.denominator",
                    notes=notes,
                )
                ratio = _json_number(metric.get("ratio"), path=path, unit=label, column="ratio")
                score = _json_number(metric.get("score"), path=path, unit=label, column="score")
                published_max = _json_number(
                    metric.get("maxScore"), path=path, unit=label, column=f"{col}.maxScore"
                )
                expected_max = m.metric(mcode).max
                if np.isfinite(published_max) and abs(published_max - expected_max) > 1e-9:
                    max_mismatch.setdefault(mcode, (published_max, expected_max))
                counts.append(
                    (
                        per,
                        code,
                        group_key,
                        mcode,
                        num,
                        den,
                        ratio,
                        score,
                        _text(metric.get("dataQualityStatus")),
                        source,
                    )
                )
                unknown = {k: v for k, v in metric.items() if k not in _METRIC_FIELDS}
                if unknown:
                    metric_extra[mcode] = unknown
            consumed = _A_FIELDS
        else:
            metric_extra = {}
            consumed = _A_FIELDS | used_fields
            rows = []
            missing_all = True
            for mt in group.metrics:
                names = (*mt.numerator, mt.denominator)
                present = [f for f in names if rec.get(f) is not None]
                if not present:
                    continue
                missing_all = False
                absent = [f for f in names if rec.get(f) is None]
                if absent:
                    raise MkbidxError(
                        f"thiếu trường số liệu (missing count field) của chỉ số {mt.code}",
                        file=path,
                        unit=label,
                        column=absent[0],
                        expected="đủ các trường " + ", ".join(names),
                    )
                num = sum(
                    _json_number(rec[f], path=path, unit=label, column=f) for f in mt.numerator
                )
                den = _json_number(
                    rec[mt.denominator], path=path, unit=label, column=mt.denominator
                )
                num_col = "+".join(mt.numerator)
                _check_counts(
                    num,
                    den,
                    path=path,
                    unit=label,
                    num_col=num_col,
                    den_col=mt.denominator,
                    notes=notes,
                )
                rows.append((per, code, group_key, mt.code, num, den, np.nan, np.nan, None, source))
            if missing_all:
                no_counts.append(label)
            counts.extend(rows)
        score_key = "totalScore" if "totalScore" in rec else "score" if "score" in rec else None
        if score_key is not None:
            max_key = "totalMaxScore" if "totalMaxScore" in rec else "maxScore"
            groups.append(
                (
                    per,
                    code,
                    group_key,
                    _json_number(rec.get(score_key), path=path, unit=label, column=score_key),
                    _json_number(rec.get(max_key), path=path, unit=label, column=max_key),
                    source,
                    group.endpoint,
                )
            )
        extra = {k: v for k, v in rec.items() if k not in consumed}
        if metric_extra:
            extra["metrics_extra"] = metric_extra
        if is_root:
            for key, value in data.items():
                if key not in _SHAPES[shape]:
                    extra.setdefault(key, value)
        units.append(
            {
                "period": per,
                "unit_code": code,
                "unit_name": _text(rec.get("departmentName")),
                "portal_level": portal_level,
                "department_type": _text(rec.get("departmentType")),
                "is_root": is_root,
                "source_file": source,
                "extra": extra,
                "_has_code": has_code,
            }
        )
    if root_level is None and any(
        (u["portal_level"] or "").upper() == "PROVINCE" for u in units if not u["is_root"]
    ):
        root_level = "PROVINCE"  # shape-B roots carry no level; departments say it is a province
    if root_level is None and root_code and _TOP_LEVEL_CODE.fullmatch(root_code):
        root_level = "PROVINCE"  # portal codes are dotted below the province ("H44" > "H44.100")
    for unit in units:
        unit["level"] = _level(
            unit["portal_level"], unit["department_type"], unit["is_root"], root_level
        )
        unit["parent_code"] = None if unit["is_root"] else root_code
    if no_counts:
        notes.append(
            f"{path} ({group.endpoint}): {len(no_counts)} đơn vị chỉ công bố điểm, không có số "
            f"liệu gốc (no raw counts); không tính lại được điểm của các đơn vị này, dùng điểm "
            f"công bố: " + ", ".join(no_counts[:5]) + (" …" if len(no_counts) > 5 else "")
        )
    for mcode, (published, expected) in max_mismatch.items():
        notes.append(
            f"{path}: điểm tối đa (maxScore) của chỉ số {mcode} trên Cổng là {published:g}, "
            f"phương pháp tính {m.id} ghi {expected:g}"
        )
    return _Part(
        file=path,
        counts=pd.DataFrame.from_records(counts, columns=list(COUNTS_COLUMNS)).astype(
            {c: float for c in ("numerator", "denominator", "published_ratio", "published_score")}
        ),
        groups=pd.DataFrame.from_records(groups, columns=list(GROUPS_COLUMNS)).astype(
            {"published_score": float, "published_max": float}
        ),
        units=pd.DataFrame(units, columns=[*UNITS_COLUMNS, "_has_code"]),
        notes=notes,
        from_json=True,
    )


# ----------------------------------------------------------------------------- tables
_ALIASES: dict[str, tuple[str, ...]] = {
    "period": ("period", "ky", "ky_bao_cao", "ky_danh_gia", "thang", "thoi_gian"),
    "unit_code": (
        "unit_code",
        "ma_don_vi",
        "ma_dv",
        "ma",
        "code",
        "department_code",
        "ma_don_vi_hanh_chinh",
    ),
    "unit_name": ("unit_name", "ten_don_vi", "ten_dv", "don_vi", "ten", "name", "department_name"),
    "level": ("level", "cap", "cap_don_vi"),
    "parent_code": ("parent_code", "don_vi_cha", "ma_don_vi_cha", "ma_cha", "parent"),
    "group": ("group", "nhom", "nhom_chi_so", "ma_nhom"),
    "metric": ("metric", "chi_so", "ma_chi_so", "metric_code"),
    "numerator": ("numerator", "tu_so"),
    "denominator": ("denominator", "mau_so"),
    "published_ratio": ("published_ratio", "ty_le", "ty_le_cong_bo", "ratio"),
    "published_score": ("published_score", "diem_cong_bo", "diem", "score"),
    "data_quality_status": ("data_quality_status", "trang_thai_du_lieu"),
    "total": ("total", "tong_diem", "tong", "tong_diem_cong_bo"),
    "row_number": ("stt", "so_thu_tu"),
}
_LABELS = {
    "period": "Kỳ (period)",
    "unit_code": "Mã đơn vị (unit_code)",
    "unit_name": "Tên đơn vị (unit_name)",
    "level": "Cấp (level)",
    "parent_code": "Mã đơn vị cha (parent_code)",
    "group": "Nhóm (group)",
    "metric": "Mã chỉ số (metric)",
    "numerator": "Tử số (numerator)",
    "denominator": "Mẫu số (denominator)",
    "published_ratio": "Tỷ lệ (published_ratio)",
    "published_score": "Điểm công bố (published_score)",
    "data_quality_status": "Trạng thái dữ liệu (data_quality_status)",
    "total": "Tổng điểm (total)",
    "row_number": "STT",
}
_COUNTS_KIND = ("metric", "numerator", "denominator")
_COUNTS_ACCEPTED = (
    "period",
    "unit_code",
    "unit_name",
    "level",
    "parent_code",
    "group",
    "metric",
    "numerator",
    "denominator",
    "published_ratio",
    "published_score",
    "data_quality_status",
    "row_number",
)
_GROUPS_ACCEPTED = (
    "period",
    "unit_code",
    "unit_name",
    "level",
    "parent_code",
    "total",
    "row_number",
)
_NUMERIC = {"numerator", "denominator", "published_ratio", "published_score", "total"}
_LEVEL_VALUES = {
    "province": "province",
    "tinh": "province",
    "cap_tinh": "province",
    "thanh_pho_truc_thuoc_trung_uong": "province",
    "district": "district",
    "huyen": "district",
    "cap_huyen": "district",
    "commune": "commune",
    "xa": "commune",
    "cap_xa": "commune",
    "phuong": "commune",
    "department": "department",
    "so": "department",
    "so_nganh": "department",
    "so_ban_nganh": "department",
    "ban_nganh": "department",
}


def _group_lookup(m: Methodology) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for g in m.groups:
        for label in (g.key, g.name, g.short_name, g.endpoint):
            lookup.setdefault(_fold(label), g.key)
    return lookup


def _canonical(header: Any, m: Methodology) -> str | None:
    """Canonical column for a header: an alias name, or ``group:<key>`` for a group column."""
    folded = _fold(header)
    for canon, aliases in _ALIASES.items():
        if folded in aliases:
            return canon
    key = _group_lookup(m).get(folded)
    return f"group:{key}" if key else None


def _accepted_text(kind: str, m: Methodology) -> str:
    if kind == "counts":
        return ", ".join(_LABELS[c] for c in _COUNTS_ACCEPTED)
    groups = ", ".join(f"{g.name} ({g.key})" for g in m.groups)
    return ", ".join(_LABELS[c] for c in _GROUPS_ACCEPTED) + "; một cột mỗi nhóm: " + groups


def _sniff_separator(line: str) -> str:
    counts = {sep: line.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda s: counts[s]) if any(counts.values()) else ","


def _read_csv(path: Path, m: Methodology) -> pd.DataFrame:
    """A CSV as a frame indexed by spreadsheet row numbers (header = row 1).

    Identity columns are read as text (zero padding kept); numeric columns as floats when they
    parse cleanly (fast), else as text to be checked cell by cell.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
    except UnicodeDecodeError:
        raise MkbidxError(
            "tệp CSV không phải UTF-8 (encoding)",
            file=path,
            expected="lưu tệp dạng CSV UTF-8 (Excel: CSV UTF-8 (Comma delimited))",
        ) from None
    sep = _sniff_separator(first)
    header = [h.strip() for h in next(csv.reader([first], delimiter=sep), [])]
    if not any(header):
        raise MkbidxError(
            "tệp không có dòng tiêu đề (no header row)",
            file=path,
            row=1,
            expected="dòng 1 là tên các cột, vd. Kỳ, Mã đơn vị, Mã chỉ số, Tử số, Mẫu số",
        )
    repeated = [h for h in dict.fromkeys(header) if header.count(h) > 1]
    if repeated:
        raise MkbidxError(
            f'cột "{repeated[0]}" có hai lần (duplicate column)',
            file=path,
            row=1,
            column=repeated[0],
            expected="mỗi cột một lần",
        )
    header = [h or f"(cột {i + 1} không tên)" for i, h in enumerate(header)]
    numeric = [
        h for h in header if (c := _canonical(h, m)) and (c in _NUMERIC or c.startswith("group:"))
    ]
    options = dict(
        names=header,
        header=0,
        sep=sep,
        encoding="utf-8-sig",
        keep_default_na=False,
        na_values=[""],
        skip_blank_lines=False,
        skipinitialspace=True,
    )
    dtypes = {h: (float if h in numeric else str) for h in header}
    try:
        frame = pd.read_csv(path, dtype=dtypes, **options)
    except UnicodeDecodeError:
        raise MkbidxError(
            "tệp CSV không phải UTF-8 (encoding)", file=path, expected="tệp CSV mã UTF-8"
        ) from None
    except ValueError:
        frame = None  # a non-numeric cell or a ragged row: read as text and report it below
    if frame is None:
        try:
            frame = pd.read_csv(path, dtype=str, **options)
        except pd.errors.ParserError as exc:
            line = re.search(r"line (\d+)", str(exc))
            raise MkbidxError(
                f"dòng có số cột khác dòng tiêu đề (CSV parse error): {exc}",
                file=path,
                row=int(line.group(1)) if line else None,
                expected=f"{len(header)} cột như dòng tiêu đề, ngăn cách bằng '{sep}'",
            ) from None
        except UnicodeDecodeError:
            raise MkbidxError(
                "tệp CSV không phải UTF-8 (encoding)", file=path, expected="tệp CSV mã UTF-8"
            ) from None
    frame.index = np.arange(2, len(frame) + 2)
    return frame


def _cell_text(value: Any) -> Any:
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


def _read_excel(path: Path, m: Methodology) -> pd.DataFrame:
    """The first sheet with a recognisable header row (titles above it are skipped)."""
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=object)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise MkbidxError(
            f"không mở được tệp Excel (cannot read xlsx): {exc}",
            file=path,
            expected="tệp .xlsx lưu từ Excel hoặc LibreOffice",
        ) from None
    for sheet in sheets.values():
        top = sheet.head(HEADER_SCAN_ROWS)
        for position in range(len(top)):
            cells = [_cell_text(v) for v in top.iloc[position].tolist()]
            names = [c for c in cells if isinstance(c, str)]
            canon = [_canonical(c, m) for c in names]
            recognised = [c for c in canon if c]
            identity = {"unit_code", "unit_name", "metric"} & set(recognised)
            if len(recognised) >= 2 and identity:
                body = sheet.iloc[position + 1 :].map(_cell_text)
                keep = [
                    i
                    for i, c in enumerate(cells)
                    if isinstance(c, str) or body.iloc[:, i].notna().any()
                ]
                body = body.iloc[:, keep]
                body.columns = [
                    cells[i] if isinstance(cells[i], str) else f"(cột {i + 1} không tên)"
                    for i in keep
                ]
                # spreadsheet row numbers: the header is at sheet row position + 1
                body.index = np.arange(position + 2, position + 2 + len(body))
                return body
    if all(len(s.dropna(how="all")) == 0 for s in sheets.values()):
        raise MkbidxError("tệp rỗng (empty file)", file=path, expected="một bảng có dòng tiêu đề")
    raise MkbidxError(
        "không tìm thấy dòng tiêu đề (no header row) trong "
        f"{HEADER_SCAN_ROWS} dòng đầu của các trang tính",
        file=path,
        expected="số liệu thô: "
        + _accepted_text("counts", m)
        + " — hoặc điểm nhóm: "
        + _accepted_text("groups", m),
    )


def _per_unique(series: pd.Series, func: Callable[[Any], Any]) -> pd.Series:
    """``series.map(func)`` computed once per distinct value (fast on long, repetitive columns)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [func(u) for u in uniques]
    mapped[-1] = np.nan  # code -1: missing cell
    return pd.Series(mapped[codes], index=series.index, dtype=object)


def _clean_cell(value: Any) -> Any:
    text = _cell_text(value)
    return text.strip() or np.nan if isinstance(text, str) else text


def _strings(series: pd.Series) -> pd.Series:
    """Stripped text (object dtype) with empty cells as NaN."""
    return _per_unique(series, _clean_cell)


def _first_row(mask: pd.Series) -> int:
    return int(mask.idxmax())


def _numbers(
    frame: pd.DataFrame, header: str, path: Path, *, decimal_comma: bool = False
) -> pd.Series:
    series = frame[header]
    if pd.api.types.is_numeric_dtype(series):
        values = series.astype(float)
        bad = ~np.isfinite(values) & values.notna()
    else:
        text = _strings(series)
        if decimal_comma:
            text = text.str.replace(r"^(-?\d+),(\d+)$", r"\1.\2", regex=True)
        values = pd.to_numeric(text, errors="coerce").astype(float)
        bad = text.notna() & (values.isna() | ~np.isfinite(values))
    if bad.any():
        row = _first_row(bad)
        raise MkbidxError(
            f"giá trị không phải số (non-numeric value): {series[row]!r}",
            file=path,
            row=row,
            column=header,
            expected="một số, vd. 144625" + (" hoặc 88,23" if decimal_comma else ""),
        )
    return values


def _periods(
    frame: pd.DataFrame, header: str | None, path: Path, period: str | None
) -> pd.Series | str:
    if header is None:
        per = period or _period_from_path(path)
        if per is None:
            raise MkbidxError(
                "không xác định được kỳ (period)",
                file=path,
                column=_LABELS["period"],
                expected='một cột "Kỳ", tùy chọn --period, hoặc tên tệp như so-lieu-2024-08.csv',
            )
        return per
    text = _strings(frame[header])
    if text.isna().any():
        raise MkbidxError(
            "ô kỳ trống (empty period)",
            file=path,
            row=_first_row(text.isna()),
            column=header,
            expected=_PERIOD_EXPECTED,
        )

    def convert(value: str) -> str:
        try:
            return normalize_period(value)
        except MkbidxError:
            return normalize_period(value, file=path, row=_first_row(text == value), column=header)

    return _per_unique(text, convert)


def _unit_codes(
    frame: pd.DataFrame,
    cols: dict[str, str],
    path: Path,
    resolver: Callable[[str], str] | None,
) -> pd.Series:
    if "unit_code" in cols:
        codes = _strings(frame[cols["unit_code"]])
        if codes.isna().any():
            raise MkbidxError(
                "ô mã đơn vị trống (unit_code empty)",
                file=path,
                row=_first_row(codes.isna()),
                column=cols["unit_code"],
                expected="mã đơn vị, vd. 083 hoặc H44.100",
            )
        return codes
    if "unit_name" not in cols:
        raise MkbidxError(
            "thiếu cột mã đơn vị (missing column unit_code)",
            file=path,
            column=_LABELS["unit_code"],
            expected='một cột "Mã đơn vị" (unit_code) hoặc "Tên đơn vị" (unit_name)',
        )
    names = _strings(frame[cols["unit_name"]])
    if names.isna().any():
        raise MkbidxError(
            "ô tên đơn vị trống (unit_name empty)",
            file=path,
            row=_first_row(names.isna()),
            column=cols["unit_name"],
            expected="tên đơn vị",
        )
    if resolver is None:
        raise MkbidxError(
            "bảng chỉ có tên đơn vị, không có mã (no unit_code column) và không có danh mục "
            "đơn vị để tra mã",
            file=path,
            column=cols["unit_name"],
            expected='thêm cột "Mã đơn vị" (unit_code)',
        )
    return _per_unique(names, lambda name: str(resolver(name)))


def _optional_text(frame: pd.DataFrame, cols: dict[str, str], canon: str) -> pd.Series:
    if canon not in cols:
        return pd.Series(None, index=frame.index, dtype=object)
    return _strings(frame[cols[canon]])


def _levels(frame: pd.DataFrame, cols: dict[str, str], path: Path) -> pd.Series:
    text = _optional_text(frame, cols, "level")
    if "level" not in cols:
        return text
    levels = _per_unique(text, lambda v: _LEVEL_VALUES.get(_fold_value(v), np.nan))
    bad = text.notna() & levels.isna()
    if bad.any():
        row = _first_row(bad)
        raise MkbidxError(
            f"cấp đơn vị không biết (unknown level): {text[row]!r}",
            file=path,
            row=row,
            column=cols["level"],
            expected="tỉnh/huyện/xã/sở (province, district, commune, department)",
        )
    return levels


def _check_duplicates(
    frame: pd.DataFrame, keys: list[str], path: Path, column: str, what: str
) -> None:
    dup = frame.duplicated(keys, keep="first")
    if not dup.any():
        return
    row = _first_row(dup)
    same = (frame[keys] == frame.loc[row, keys]).all(axis=1)
    first = _first_row(same)
    raise MkbidxError(
        f"dòng trùng (duplicate row) với dòng {first}: {what}",
        file=path,
        row=row,
        unit=str(frame.loc[row, "unit_code"]),
        column=column,
        expected="mỗi đơn vị, kỳ" + (" và chỉ số" if "metric" in keys else "") + " chỉ một dòng",
    )


def _table_units(
    frame: pd.DataFrame,
    cols: dict[str, str],
    periods: Any,
    codes: pd.Series,
    source: str,
    path: Path,
) -> pd.DataFrame:
    units = pd.DataFrame(
        {
            "period": periods,
            "unit_code": codes,
            "unit_name": _optional_text(frame, cols, "unit_name"),
            "level": _levels(frame, cols, path),
            "parent_code": _optional_text(frame, cols, "parent_code"),
        },
        index=frame.index,
    ).drop_duplicates(["period", "unit_code"])
    parents = set(units["parent_code"].dropna())
    units["portal_level"] = None
    units["department_type"] = None
    units["is_root"] = units["parent_code"].isna() & units["unit_code"].isin(parents)
    units["source_file"] = source
    units["extra"] = [{} for _ in range(len(units))]
    units["_has_code"] = "unit_code" in cols
    return units.reset_index(drop=True)


def _read_table(
    frame: pd.DataFrame,
    path: Path,
    *,
    period: str | None,
    m: Methodology,
    resolver: Callable[[str], str] | None,
) -> _Part:
    headers = [str(h) for h in frame.columns]
    frame.columns = headers
    cols: dict[str, str] = {}
    unknown: list[str] = []
    for header in headers:
        canon = _canonical(header, m)
        if canon is None:
            unknown.append(header)
        elif canon in cols:
            raise MkbidxError(
                f'hai cột cùng nghĩa (duplicate column): "{cols[canon]}" và "{header}"',
                file=path,
                row=1,
                column=header,
                expected="mỗi cột một lần",
            )
        else:
            cols[canon] = header
    group_cols = {c.split(":", 1)[1]: h for c, h in cols.items() if c.startswith("group:")}
    is_counts = any(c in cols for c in _COUNTS_KIND)
    if is_counts and group_cols:
        raise MkbidxError(
            "bảng vừa có cột số liệu thô vừa có cột điểm nhóm (mixed table)",
            file=path,
            row=1,
            column=next(iter(group_cols.values())),
            expected="số liệu thô: " + _accepted_text("counts", m),
        )
    if not is_counts and not group_cols:
        raise MkbidxError(
            "không nhận ra loại bảng (unknown table): không có cột chỉ số hay cột nhóm",
            file=path,
            row=1,
            expected="số liệu thô: "
            + _accepted_text("counts", m)
            + " — hoặc điểm nhóm: "
            + _accepted_text("groups", m),
        )
    kind = "counts" if is_counts else "groups"
    if unknown:
        raise MkbidxError(
            "cột không biết (unknown column): " + ", ".join(f'"{u}"' for u in unknown),
            file=path,
            row=1,
            column=unknown[0],
            expected="chỉ các cột " + _accepted_text(kind, m),
        )
    frame = frame[frame.notna().any(axis=1)]  # fully blank lines
    if frame.empty:
        raise MkbidxError(
            "bảng không có dòng dữ liệu (no data rows, header only)",
            file=path,
            expected="ít nhất một dòng dưới dòng tiêu đề",
        )
    if kind == "counts":
        return _counts_table(frame, cols, path, period=period, m=m, resolver=resolver)
    return _groups_table(frame, cols, group_cols, path, period=period, m=m, resolver=resolver)


def _counts_table(
    frame: pd.DataFrame,
    cols: dict[str, str],
    path: Path,
    *,
    period: str | None,
    m: Methodology,
    resolver: Callable[[str], str] | None,
) -> _Part:
    for canon in _COUNTS_KIND:
        if canon not in cols:
            raise MkbidxError(
                f"thiếu cột (missing column) {_LABELS[canon]}",
                file=path,
                row=1,
                column=_LABELS[canon],
                expected="các cột " + _accepted_text("counts", m),
            )
    source = str(path)
    periods = _periods(frame, cols.get("period"), path, period)
    codes = _unit_codes(frame, cols, path, resolver)
    metric_col = cols["metric"]
    metrics = _strings(frame[metric_col])
    if metrics.isna().any():
        raise MkbidxError(
            "ô mã chỉ số trống (metric empty)",
            file=path,
            row=_first_row(metrics.isna()),
            column=metric_col,
            expected="mã chỉ số, vd. ON_TIME",
        )
    metrics = _per_unique(metrics, str.upper)
    group_of = {mt.code: g.key for g in m.groups for mt in g.metrics}
    groups = _per_unique(metrics, lambda code: group_of.get(code, np.nan))
    if groups.isna().any():
        row = _first_row(groups.isna())
        raise MkbidxError(
            f"mã chỉ số không có trong phương pháp tính {m.id} (unknown metric code): "
            f"{frame.loc[row, metric_col]!r}",
            file=path,
            row=row,
            column=metric_col,
            expected="một trong " + ", ".join(group_of),
        )
    if "group" in cols:
        given = _strings(frame[cols["group"]])
        lookup = _group_lookup(m)
        mapped = _per_unique(given, lambda v: lookup.get(_fold(v), np.nan))
        bad = given.notna() & (mapped != groups)
        if bad.any():
            row = _first_row(bad)
            expected_group = m.group(groups[row])
            raise MkbidxError(
                f"nhóm {given[row]!r} không khớp chỉ số {metrics[row]} (group mismatch)",
                file=path,
                row=row,
                column=cols["group"],
                expected=f"{expected_group.key} ({expected_group.name}) hoặc để trống",
            )
    num_col, den_col = cols["numerator"], cols["denominator"]
    num = _numbers(frame, num_col, path)
    den = _numbers(frame, den_col, path)
    for values, col in ((num, num_col), (den, den_col)):
        checks = (
            (values < 0, "số âm (negative count)", "một số nguyên ≥ 0"),
            (
                values.notna() & (values % 1 != 0),
                "số đếm không nguyên (non-integer count)",
                "một số nguyên ≥ 0, không dùng dấu phân cách hàng nghìn",
            ),
        )
        for bad, problem, expected in checks:
            if bad.any():
                row = _first_row(bad)
                raise MkbidxError(
                    f"{problem}: {frame.loc[row, col]!r}",
                    file=path,
                    row=row,
                    column=col,
                    expected=expected,
                )
    half = num.isna() != den.isna()
    if half.any():
        row = _first_row(half)
        col = num_col if num.isna()[row] else den_col
        raise MkbidxError(
            "thiếu tử số hoặc mẫu số (missing numerator or denominator)",
            file=path,
            row=row,
            column=col,
            expected="cả tử số và mẫu số, hoặc để trống cả hai",
        )
    above = num > den
    if above.any():
        row = _first_row(above)
        raise MkbidxError(
            f"tử số {num[row]:g} lớn hơn mẫu số {den[row]:g} (numerator above denominator)",
            file=path,
            row=row,
            column=num_col,
            expected=f'tử số ≤ mẫu số (cột "{den_col}")',
        )
    out = pd.DataFrame(
        {
            "period": periods,
            "unit_code": codes,
            "group": groups,
            "metric": metrics,
            "numerator": num,
            "denominator": den,
        },
        index=frame.index,
    )
    for canon in ("published_ratio", "published_score"):
        out[canon] = (
            _numbers(frame, cols[canon], path, decimal_comma=True) if canon in cols else np.nan
        )
    out["data_quality_status"] = _optional_text(frame, cols, "data_quality_status")
    out["source_file"] = source
    _check_duplicates(
        out, ["period", "unit_code", "metric"], path, metric_col, "cùng kỳ, đơn vị và chỉ số"
    )
    units = _table_units(frame, cols, periods, codes, source, path)
    return _Part(
        file=path,
        counts=out.reset_index(drop=True),
        groups=_empty(GROUPS_COLUMNS),
        units=units,
    )


def _groups_table(
    frame: pd.DataFrame,
    cols: dict[str, str],
    group_cols: dict[str, str],
    path: Path,
    *,
    period: str | None,
    m: Methodology,
    resolver: Callable[[str], str] | None,
) -> _Part:
    source = str(path)
    periods = _periods(frame, cols.get("period"), path, period)
    codes = _unit_codes(frame, cols, path, resolver)
    ident = pd.DataFrame({"period": periods, "unit_code": codes}, index=frame.index)
    unit_col = cols.get("unit_code") or cols["unit_name"]
    _check_duplicates(ident, ["period", "unit_code"], path, unit_col, "cùng kỳ và đơn vị")
    values: dict[str, pd.Series] = {}
    for key, header in group_cols.items():
        scores = _numbers(frame, header, path, decimal_comma=True)
        top = m.group(key).max
        bad = (scores < 0) | (scores > top)
        if bad.any():
            row = _first_row(bad)
            raise MkbidxError(
                f"điểm nhóm ngoài khoảng (score out of range): {frame.loc[row, header]!r}",
                file=path,
                row=row,
                column=header,
                expected=f"từ 0 đến {top:g}",
            )
        values[key] = scores
    if "total" in cols:
        total = _numbers(frame, cols["total"], path, decimal_comma=True)
        summed = pd.DataFrame(values).sum(axis=1, min_count=1)
        bad = total.notna() & ((total - summed).abs() > TOTAL_TOLERANCE + 1e-9)
        if bad.any():
            row = _first_row(bad)
            raise MkbidxError(
                f"tổng điểm {total[row]:g} khác tổng các nhóm {summed[row]:.2f} (total mismatch)",
                file=path,
                row=row,
                column=cols["total"],
                expected=f"tổng điểm = tổng các cột nhóm (sai lệch ≤ {TOTAL_TOLERANCE:g})",
            )
    long = [
        pd.DataFrame(
            {
                "period": ident["period"],
                "unit_code": ident["unit_code"],
                "group": key,
                "published_score": scores,
                "published_max": m.group(key).max,
                "source_file": source,
                "endpoint": None,
            }
        ).dropna(subset=["published_score"])
        for key, scores in values.items()
    ]
    groups = pd.concat(long, ignore_index=True)
    order = {k: i for i, k in enumerate(m.group_keys)}
    groups = groups.sort_values(
        ["period", "unit_code", "group"],
        key=lambda s: s.map(order) if s.name == "group" else s,
        kind="stable",
    ).reset_index(drop=True)
    units = _table_units(frame, cols, periods, codes, source, path)
    note = (
        f"{path}: chỉ có điểm nhóm công bố (published group scores), không có số liệu gốc; "
        "điểm được lấy như công bố, không tính lại"
    )
    return _Part(file=path, counts=_empty(COUNTS_COLUMNS), groups=groups, units=units, notes=[note])
