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
