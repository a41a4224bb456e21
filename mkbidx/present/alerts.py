"""The wording of a monthly report's alerts (:func:`mkbidx.core.alerts.find_alerts`).

>>> import pandas as pd
>>> from mkbidx import methodology
>>> found = pd.DataFrame([{"unit_code": "1", "unit_name": "Xã A", "rank": 1, "kind": "drop",
...     "total": 80.0, "change": -6.0, "previous_total": 86.0}])
>>> alert_table(found, methodology=methodology.load(), period="2024-08").iloc[0]["detail"]
'Tổng điểm giảm 6,00 điểm so với tháng 7/2024 (từ 86,00 xuống 80,00).'
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from mkbidx import periods
from mkbidx.core.alerts import DROP_ALERT_POINTS
from mkbidx.methodology import Methodology
from mkbidx.present import formatting

ALERT_TABLE_COLUMNS = ["unit_code", "unit_name", "rank", "kind", "kind_label", "detail"]
"""Columns of a report's alert table."""


def kind_labels(methodology: Methodology, drop_alert: float = DROP_ALERT_POINTS) -> dict[str, str]:
    """Short Vietnamese label of each alert kind ("Dưới 80 điểm", "Thiếu số liệu"...)."""
    top = methodology.bands[0]
    return {
        "below_threshold": f"Dưới {formatting.points(top.min)}",
        "group_zero": "Nhóm chỉ số bằng 0",
        "metric_zero": "Chỉ số bằng 0",
        "drop": f"Giảm từ {formatting.points(drop_alert)}",
        "missing": "Thiếu số liệu",
    }


def _quoted(names: list[str]) -> str:
    return ", ".join(f"“{g}”" for g in names)


def _detail(a: Any, m: Methodology, period: str, names: dict[str, dict[str, str]]) -> str:
    """The sentence of one alert."""
    top = m.bands[0]
    group_names = names["group"]
    if a.kind == "below_threshold":
        return (
            f"Tổng điểm {formatting.score(a.total)}, dưới {formatting.points(top.min)} "
            f"(xếp loại {a.band}); còn thiếu {formatting.score(top.min - a.total)} điểm."
        )
    if a.kind == "group_zero":
        group_max = {g.key: g.max for g in m.groups}
        return (
            f"Nhóm “{group_names[a.group]}” bằng 0 "
            f"({formatting.score_of_max(0, group_max[a.group])} điểm)."
        )
    if a.kind == "metric_zero":
        if bool(a.no_data):
            counts = "không phát sinh (mẫu số bằng 0)"
        else:
            counts = f"{formatting.integer(a.numerator)}/{formatting.integer(a.denominator)}"
        return (
            f"Chỉ số “{names['metric'][a.metric]}” ({names['group_full'][a.group]}) bằng 0/"
            f"{formatting.compact(a.max_score)} điểm; số liệu: {counts}."
        )
    if a.kind == "drop":
        prev_label = formatting.period_label(periods.previous_period(period))
        return (
            f"Tổng điểm giảm {formatting.score(-float(a.change))} điểm so với {prev_label} "
            f"(từ {formatting.score(a.previous_total)} xuống {formatting.score(a.total)})."
        )
    problems = []
    absent = [group_names[k] for k in _keys(a.absent_groups)]
    partial = [group_names[k] for k in _keys(a.partial_groups)]
    gaps = _keys(a.missing_periods)
    if not (absent or partial or gaps):
        return f"Không có số liệu {formatting.period_label(period)}."
    if absent:
        problems.append("không có số liệu nhóm " + _quoted(absent))
    if partial:
        problems.append("thiếu chỉ số trong nhóm " + _quoted(partial))
    if gaps:
        problems.append("không có số liệu " + ", ".join(formatting.period_label(p) for p in gaps))
    text = "; ".join(problems)
    return text[0].upper() + text[1:] + "."


def _keys(value: Any) -> tuple[str, ...]:
    if isinstance(value, (tuple, list)):
        return tuple(value)
    return ()


def alert_table(
    alerts: pd.DataFrame,
    *,
    methodology: Methodology,
    period: str,
    drop_alert: float = DROP_ALERT_POINTS,
) -> pd.DataFrame:
    """The alerts as the report shows them: unit, rank, kind, label and the detail sentence.

    Parameters
    ----------
    alerts
        :func:`mkbidx.core.alerts.find_alerts`.
    period
        The report month (the drop is "so với" the month before).
    drop_alert
        The drop threshold the alerts were found with (it is in the label).

    Returns
    -------
    DataFrame
        :data:`ALERT_TABLE_COLUMNS`, in the order of ``alerts``.
    """
    m = methodology
    if alerts.empty:
        return pd.DataFrame(columns=ALERT_TABLE_COLUMNS)
    metric_names = dict(
        zip(m.metrics_frame()["metric"], m.metrics_frame()["metric_name"], strict=True)
    )
    groups = m.groups_frame()
    names = {
        "group": {g.key: g.name for g in m.groups},
        "group_full": dict(zip(groups["group"], groups["group_name"], strict=True)),
        "metric": metric_names,
    }
    labels = kind_labels(m, drop_alert)
    out = alerts[["unit_code", "unit_name", "rank", "kind"]].copy()
    out["kind_label"] = alerts["kind"].map(labels)
    out["detail"] = [_detail(a, m, period, names) for a in alerts.itertuples(index=False)]
    return out.reset_index(drop=True)


# ------------------------------------------------------------------------ notes on the data
PUBLISHED_ONLY = "Bảng điểm đã công bố không có số liệu chi tiết (tử số, mẫu số)"
"""The start of every note on a part of a report that needs counts, when there are none."""


def published_only_note(what: str) -> str:
    """``"Bảng điểm đã công bố không có số liệu chi tiết (tử số, mẫu số): không tính được ..."``.

    >>> published_only_note("cảnh báo theo từng chỉ số").split(": ")[-1]
    'không tính được cảnh báo theo từng chỉ số.'
    """
    return f"{PUBLISHED_ONLY}: không tính được {what}."


def _codes_in(frames: list[pd.DataFrame], period: str) -> pd.DataFrame:
    """(unit_code, source_file) of the rows of ``period`` in the data frames."""
    parts = []
    for f in frames:
        if f is None or f.empty:
            continue
        rows = f[f["period"].astype(str) == str(period)]
        files = rows["source_file"] if "source_file" in rows else pd.Series(None, index=rows.index)
        parts.append(pd.DataFrame({"unit_code": rows["unit_code"].astype(str), "file": files}))
    if not parts:
        return pd.DataFrame(columns=["unit_code", "file"])
    return pd.concat(parts, ignore_index=True)


def _file_names(files: pd.Series) -> str:
    from pathlib import Path

    names = sorted({Path(str(f)).name for f in files.dropna()})
    return f" ({', '.join(names)})" if names else ""


def unplaced_units_note(
    counts: pd.DataFrame, published_groups: pd.DataFrame, units: pd.DataFrame, *, period: str
) -> str | None:
    """A note naming the unit codes of ``period``'s data that no scope holds: neither the file
    nor the official registry gives them a parent, and no unit is under them (a code that is not
    in the registry). They cannot be ranked; None when there is none.

    >>> c = pd.DataFrame({"period": "2024-08", "unit_code": ["a", "99999"], "source_file": "x.csv"})
    >>> u = pd.DataFrame({"period": "2024-08", "unit_code": ["a", "p", "99999"],
    ...     "unit_name": ["Xã A", "Huyện P", None], "parent_code": ["p", None, None]})
    >>> unplaced_units_note(c, c.iloc[0:0], u, period="2024-08").split(": ")[-1]
    '99999 (x.csv)'
    """
    found = _codes_in([counts, published_groups], period)
    if found.empty:
        return None
    u = units[units["period"].astype(str) == str(period)] if "period" in units else units
    parents = set(u["parent_code"].dropna().astype(str))
    placed = set(u.loc[u["parent_code"].notna(), "unit_code"].astype(str))
    unplaced = found[~found["unit_code"].isin(placed | parents)]
    if unplaced.empty:
        return None
    codes = sorted(unplaced["unit_code"].unique())
    return (
        f"kỳ {period}: {len(codes)} mã đơn vị không có trong danh mục đơn vị hành chính "
        "(unknown unit code) và không rõ đơn vị cấp trên, không được xếp hạng: "
        f"{formatting.short_list(codes)}{_file_names(unplaced['file'])}"
    )


def absent_units_note(
    counts: pd.DataFrame,
    published_groups: pd.DataFrame,
    units: pd.DataFrame,
    *,
    period: str,
    scope: str,
) -> str | None:
    """A note naming the units under ``scope`` in ``period`` (official registry or file) that
    have no data in the month, so the ranking is among fewer units; None when every unit has
    data."""
    have = set(_codes_in([counts, published_groups], period)["unit_code"])
    u = units[(units["period"].astype(str) == str(period)) & (units["parent_code"] == scope)]
    absent = u[~u["unit_code"].astype(str).isin(have)]
    if absent.empty or not have & set(u["unit_code"].astype(str)):
        return None
    names = [f"{c} {n}" for c, n in zip(absent["unit_code"], absent["unit_name"], strict=True)]
    ranked = len(u) - len(absent)
    return (
        f"kỳ {period}: {len(absent)}/{len(u)} đơn vị trực thuộc {scope} không có số liệu "
        f"(no data), không được xếp hạng (xếp hạng trên {ranked} đơn vị): "
        f"{formatting.short_list(names)}"
    )


def count_notes(counts: pd.DataFrame, *, period: str, above: bool = True) -> list[str]:
    """Notes on counts of ``period`` kept as read but not what counts should be: a fractional
    numerator or denominator, and (with ``above``) a numerator above its denominator — portal
    responses are kept as published (their scores are the oracle). One note per kind, naming the
    files and units.

    >>> c = pd.DataFrame({"period": "2024-08", "unit_code": ["a", "b"], "metric": "ON_TIME",
    ...     "numerator": [2.5, 12.0], "denominator": [10.0, 10.0], "source_file": "x.json"})
    >>> for n in count_notes(c, period="2024-08"):
    ...     print(*n.split(", giữ như đã đọc: "), sep=" | ")
    kỳ 2024-08: 1 số đếm không nguyên (non-integer count) | a ON_TIME 2,5/10 (x.json)
    kỳ 2024-08: 1 tử số lớn hơn mẫu số (numerator above denominator) | b ON_TIME 12/10 (x.json)
    """
    if counts is None or counts.empty:
        return []
    rows = counts[counts["period"].astype(str) == str(period)]
    num = pd.to_numeric(rows["numerator"], errors="coerce")
    den = pd.to_numeric(rows["denominator"], errors="coerce")
    fractional = (num.notna() & (num % 1 != 0)) | (den.notna() & (den % 1 != 0))
    kinds = [(fractional, "số đếm không nguyên (non-integer count)")]
    if above:
        above_den = num.notna() & den.notna() & (num > den)
        kinds.append((above_den, "tử số lớn hơn mẫu số (numerator above denominator)"))
    notes = []
    for mask, what in kinds:
        bad = rows[mask]
        if bad.empty:
            continue
        items = [
            f"{r.unit_code} {r.metric} {formatting.compact(n, 4)}/{formatting.compact(d, 4)}"
            for r, n, d in zip(bad.itertuples(index=False), num[mask], den[mask], strict=True)
        ]
        files = bad["source_file"] if "source_file" in bad else pd.Series(dtype=object)
        notes.append(
            f"kỳ {period}: {len(bad)} {what}, giữ như đã đọc: "
            f"{formatting.short_list(items, 5)}{_file_names(files)}"
        )
    return notes
