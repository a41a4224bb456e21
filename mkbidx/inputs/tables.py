"""CSV/Excel tables of raw counts or of published group scores, checked cell by cell.

:func:`read_table` tells the two kinds apart by their columns (see :mod:`mkbidx.inputs.headers`):

1. raw counts, one row per unit and metric: ``Kỳ``, ``Mã đơn vị``, [``Tên đơn vị``, ``Cấp``,
   ``Mã đơn vị cha``, ``Nhóm``], ``Mã chỉ số``, ``Tử số``, ``Mẫu số``, [``Tỷ lệ``,
   ``Điểm công bố``];
2. published group scores, one row per unit and one column per group, optionally ``Tổng điểm``
   (checked against the sum of the groups).

Every problem raises one :class:`~mkbidx.errors.MkbidxError` naming the file, the row (as a
spreadsheet shows it), the column and what was expected.

>>> import pandas as pd, pathlib
>>> from mkbidx import methodology
>>> frame = pd.DataFrame({"Kỳ": ["8/2024"], "Mã đơn vị": ["083"], "Mã chỉ số": ["on_time"],
...                       "Tử số": [9.0], "Mẫu số": [10.0]}, index=[2])
>>> part = read_table(frame, pathlib.Path("a.csv"), period=None, m=methodology.load(),
...                   resolver=None)
>>> part.counts[["period", "unit_code", "group", "metric"]].values.tolist()
[['2024-08', '083', 'tien_do', 'ON_TIME']]
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mkbidx.errors import MkbidxError
from mkbidx.inputs.cells import clean_controls, first_row, numbers, per_unique, shown, strings
from mkbidx.inputs.frames import COUNTS_COLUMNS, GROUPS_COLUMNS, Part, empty_frame
from mkbidx.inputs.headers import COUNTS_KIND, LABELS, accepted_text, canonical, group_lookup
from mkbidx.inputs.text import (
    PERIOD_EXAMPLES,
    fold,
    fold_value,
    normalize_period,
    period_from_path,
)
from mkbidx.methodology import Methodology

__all__ = ["TOTAL_TOLERANCE", "read_table"]

# Tolerance of the check "total = sum of the group scores" in published tables (2 decimals).
TOTAL_TOLERANCE = 0.01


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


def _periods(
    frame: pd.DataFrame, header: str | None, path: Path, period: str | None
) -> pd.Series | str:
    if header is None:
        per = period or period_from_path(path)
        if per is None:
            raise MkbidxError(
                "không xác định được kỳ (period)",
                file=path,
                column=LABELS["period"],
                expected='một cột "Kỳ", tùy chọn --period, hoặc tên tệp như so-lieu-2024-08.csv',
            )
        return per
    text = strings(frame[header])
    if text.isna().any():
        raise MkbidxError(
            "ô kỳ trống (empty period)",
            file=path,
            row=first_row(text.isna()),
            column=header,
            expected=PERIOD_EXAMPLES,
        )

    def convert(value: str) -> str:
        try:
            return normalize_period(value)
        except MkbidxError:
            return normalize_period(value, file=path, row=first_row(text == value), column=header)

    return per_unique(text, convert)


def _unit_codes(
    frame: pd.DataFrame,
    cols: dict[str, str],
    path: Path,
    resolver: Callable[..., str] | None,
    periods: pd.Series | str | None = None,
) -> pd.Series:
    if "unit_code" in cols:
        codes = strings(frame[cols["unit_code"]])
        if codes.isna().any():
            raise MkbidxError(
                "ô mã đơn vị trống (unit_code empty)",
                file=path,
                row=first_row(codes.isna()),
                column=cols["unit_code"],
                expected="mã đơn vị, vd. 083 hoặc H44.100",
            )
        return codes
    if "unit_name" not in cols:
        raise MkbidxError(
            "thiếu cột mã đơn vị (missing column unit_code)",
            file=path,
            column=LABELS["unit_code"],
            expected='một cột "Mã đơn vị" (unit_code) hoặc "Tên đơn vị" (unit_name)',
        )
    names = strings(frame[cols["unit_name"]])
    if names.isna().any():
        raise MkbidxError(
            "ô tên đơn vị trống (unit_name empty)",
            file=path,
            row=first_row(names.isna()),
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
    return _resolve_names(names, periods, resolver, path, cols["unit_name"])


def _takes_period(resolver: Callable[..., str]) -> bool:
    return _takes(resolver, "period")


def _takes(resolver: Callable[..., str], parameter: str) -> bool:
    try:
        return parameter in inspect.signature(resolver).parameters
    except (TypeError, ValueError):
        return False


def _resolve_names(
    names: pd.Series,
    periods: pd.Series | str | None,
    resolver: Callable[..., str],
    path: Path,
    column: str,
) -> pd.Series:
    """Codes of unit names, each resolved in its own row's period (a table of 8/2024 names the
    communes of 8/2024); an unknown name is reported with its file, row and column."""
    if periods is None:
        periods = pd.Series(None, index=names.index, dtype=object)
    elif isinstance(periods, str):
        periods = pd.Series(periods, index=names.index, dtype=object)
    with_period = _takes_period(resolver)
    pairs = pd.Series(list(zip(names, periods, strict=True)), index=names.index, dtype=object)
    # the table's other names tell an ambiguous name's place (see Registry.resolve)
    extra = {"context": tuple(dict.fromkeys(names))} if _takes(resolver, "context") else {}

    def resolve(pair: tuple[str, str | None]) -> str:
        name, per = pair
        try:
            if with_period and per is not None:
                return str(resolver(name, period=per, **extra))
            return str(resolver(name, **extra))
        except MkbidxError as exc:
            row = first_row(pairs.map(lambda p: p == pair).astype(bool))
            raise MkbidxError(
                exc.problem,
                file=path,
                row=row,
                column=column,
                expected=exc.expected or "tên một đơn vị trong danh mục (registry)",
            ) from None

    return per_unique(pairs, resolve)


def _optional_text(frame: pd.DataFrame, cols: dict[str, str], canon: str) -> pd.Series:
    if canon not in cols:
        return pd.Series(None, index=frame.index, dtype=object)
    return strings(frame[cols[canon]])


def _levels(frame: pd.DataFrame, cols: dict[str, str], path: Path) -> pd.Series:
    text = _optional_text(frame, cols, "level")
    if "level" not in cols:
        return text
    levels = per_unique(text, lambda v: _LEVEL_VALUES.get(fold_value(v), np.nan))
    bad = text.notna() & levels.isna()
    if bad.any():
        row = first_row(bad)
        raise MkbidxError(
            f"cấp đơn vị không biết (unknown level): {shown(text[row])}",
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
    row = first_row(dup)
    same = (frame[keys] == frame.loc[row, keys]).all(axis=1)
    first = first_row(same)
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
    units["portal_code"] = None
    units["department_id"] = None
    units["_has_code"] = "unit_code" in cols
    return units.reset_index(drop=True)


def read_table(
    frame: pd.DataFrame,
    path: Path,
    *,
    period: str | None,
    m: Methodology,
    resolver: Callable[..., str] | None,
    only_period: str | None = None,
) -> Part:
    """One checked table (see the module's docstring). With ``only_period``, rows of other
    periods are left out before names are resolved: a table of another month cannot stop a
    command about this one (its periods are kept in ``Part.periods``)."""
    frame, cleaned = clean_controls(frame, path)
    headers = [str(h) for h in frame.columns]
    frame.columns = headers
    cols: dict[str, str] = {}
    unknown: list[str] = []
    for header in headers:
        canon = canonical(header, m)
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
    is_counts = any(c in cols for c in COUNTS_KIND)
    if is_counts and group_cols:
        raise MkbidxError(
            "bảng vừa có cột số liệu thô vừa có cột điểm nhóm (mixed table)",
            file=path,
            row=1,
            column=next(iter(group_cols.values())),
            expected="số liệu thô: " + accepted_text("counts", m),
        )
    if not is_counts and not group_cols:
        raise MkbidxError(
            "không nhận ra loại bảng (unknown table): không có cột chỉ số hay cột nhóm",
            file=path,
            row=1,
            expected="số liệu thô: "
            + accepted_text("counts", m)
            + " — hoặc điểm nhóm: "
            + accepted_text("groups", m),
        )
    kind = "counts" if is_counts else "groups"
    if unknown:
        raise MkbidxError(
            "cột không biết (unknown column): " + ", ".join(f'"{u}"' for u in unknown),
            file=path,
            row=1,
            column=unknown[0],
            expected="chỉ các cột " + accepted_text(kind, m),
        )
    frame = frame[frame.notna().any(axis=1)]  # fully blank lines
    if frame.empty:
        raise MkbidxError(
            "bảng không có dòng dữ liệu (no data rows, header only)",
            file=path,
            expected="ít nhất một dòng dưới dòng tiêu đề",
        )
    periods = _periods(frame, cols.get("period"), path, period)
    seen = {periods} if isinstance(periods, str) else set(periods)
    if only_period is not None and only_period not in seen:
        empty = Part(
            file=path,
            counts=empty_frame(COUNTS_COLUMNS),
            groups=empty_frame(GROUPS_COLUMNS),
            units=_table_units(frame.iloc[:0], cols, periods, pd.Series(dtype=object), "", path),
        )
        empty.periods = seen
        return empty
    if only_period is not None and not isinstance(periods, str) and len(seen) > 1:
        keep = periods == only_period
        frame, periods = frame[keep], periods[keep]
    if kind == "counts":
        part = _counts_table(frame, cols, path, periods=periods, m=m, resolver=resolver)
    else:
        part = _groups_table(frame, cols, group_cols, path, periods=periods, m=m, resolver=resolver)
    part.periods = seen
    part.notes[:0] = cleaned
    return part


def _counts_table(
    frame: pd.DataFrame,
    cols: dict[str, str],
    path: Path,
    *,
    periods: pd.Series | str,
    m: Methodology,
    resolver: Callable[..., str] | None,
) -> Part:
    for canon in COUNTS_KIND:
        if canon not in cols:
            raise MkbidxError(
                f"thiếu cột (missing column) {LABELS[canon]}",
                file=path,
                row=1,
                column=LABELS[canon],
                expected="các cột " + accepted_text("counts", m),
            )
    source = str(path)
    codes = _unit_codes(frame, cols, path, resolver, periods)
    metric_col = cols["metric"]
    metrics = strings(frame[metric_col])
    if metrics.isna().any():
        raise MkbidxError(
            "ô mã chỉ số trống (metric empty)",
            file=path,
            row=first_row(metrics.isna()),
            column=metric_col,
            expected="mã chỉ số, vd. ON_TIME",
        )
    metrics = per_unique(metrics, str.upper)
    group_of = {mt.code: g.key for g in m.groups for mt in g.metrics}
    groups = per_unique(metrics, lambda code: group_of.get(code, np.nan))
    if groups.isna().any():
        row = first_row(groups.isna())
        raise MkbidxError(
            f"mã chỉ số không có trong phương pháp tính {m.id} (unknown metric code): "
            f"{shown(frame.loc[row, metric_col])}",
            file=path,
            row=row,
            column=metric_col,
            expected="một trong " + ", ".join(group_of),
        )
    if "group" in cols:
        given = strings(frame[cols["group"]])
        lookup = group_lookup(m)
        mapped = per_unique(given, lambda v: lookup.get(fold(v), np.nan))
        bad = given.notna() & (mapped != groups)
        if bad.any():
            row = first_row(bad)
            expected_group = m.group(groups[row])
            raise MkbidxError(
                f"nhóm {shown(given[row])} không khớp chỉ số {metrics[row]} (group mismatch)",
                file=path,
                row=row,
                column=cols["group"],
                expected=f"{expected_group.key} ({expected_group.name}) hoặc để trống",
            )
    num_col, den_col = cols["numerator"], cols["denominator"]
    num = numbers(frame, num_col, path)
    den = numbers(frame, den_col, path)
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
                row = first_row(bad)
                raise MkbidxError(
                    f"{problem}: {shown(frame.loc[row, col])}",
                    file=path,
                    row=row,
                    column=col,
                    expected=expected,
                )
    half = num.isna() != den.isna()
    if half.any():
        row = first_row(half)
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
        row = first_row(above)
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
            numbers(frame, cols[canon], path, decimal_comma=True) if canon in cols else np.nan
        )
    out["data_quality_status"] = _optional_text(frame, cols, "data_quality_status")
    out["source_file"] = source
    _check_duplicates(
        out, ["period", "unit_code", "metric"], path, metric_col, "cùng kỳ, đơn vị và chỉ số"
    )
    units = _table_units(frame, cols, periods, codes, source, path)
    return Part(
        file=path,
        counts=out.reset_index(drop=True),
        groups=empty_frame(GROUPS_COLUMNS),
        units=units,
    )


def _groups_table(
    frame: pd.DataFrame,
    cols: dict[str, str],
    group_cols: dict[str, str],
    path: Path,
    *,
    periods: pd.Series | str,
    m: Methodology,
    resolver: Callable[..., str] | None,
) -> Part:
    source = str(path)
    codes = _unit_codes(frame, cols, path, resolver, periods)
    ident = pd.DataFrame({"period": periods, "unit_code": codes}, index=frame.index)
    unit_col = cols.get("unit_code") or cols["unit_name"]
    _check_duplicates(ident, ["period", "unit_code"], path, unit_col, "cùng kỳ và đơn vị")
    values: dict[str, pd.Series] = {}
    for key, header in group_cols.items():
        scores = numbers(frame, header, path, decimal_comma=True)
        top = m.group(key).max
        bad = (scores < 0) | (scores > top)
        if bad.any():
            row = first_row(bad)
            raise MkbidxError(
                f"điểm nhóm ngoài khoảng (score out of range): {shown(frame.loc[row, header])}",
                file=path,
                row=row,
                column=header,
                expected=f"từ 0 đến {top:g}",
            )
        values[key] = scores
    if "total" in cols:
        total = numbers(frame, cols["total"], path, decimal_comma=True)
        summed = pd.DataFrame(values).sum(axis=1, min_count=1)
        bad = total.notna() & ((total - summed).abs() > TOTAL_TOLERANCE + 1e-9)
        if bad.any():
            row = first_row(bad)
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
    return Part(
        file=path, counts=empty_frame(COUNTS_COLUMNS), groups=groups, units=units, notes=[note]
    )
