"""Alerts of a monthly report: which units need attention, and why, as data.

Five kinds, in this order for a unit: ``below_threshold`` (total under the top band),
``group_zero`` (a group scored 0 of a positive maximum), ``metric_zero`` (a metric at 0 outside
a zero group), ``drop`` (the total fell by at least ``drop_alert`` points since last month) and
``missing`` (groups or months without data, or no data at all in the month). The wording is in
:mod:`mkbidx.present.alerts`.

>>> import pandas as pd
>>> from mkbidx import methodology
>>> m = methodology.load()
>>> table = pd.DataFrame({"unit_code": ["1"], "unit_name": ["Xã A"], "rank": [1],
...     "total": [79.5], "band": ["Khá"], "change": [-6.0], "previous_total": [85.5]})
>>> empty_groups = pd.DataFrame(columns=["period", "unit_code", "group", "score", "max_score",
...     "complete"])
>>> empty_metrics = pd.DataFrame(columns=["unit_code", "group", "metric", "score", "max_score",
...     "no_data", "numerator", "denominator"])
>>> alerts = find_alerts(table, empty_groups, empty_metrics, pd.DataFrame(columns=["period",
...     "unit_code"]), pd.DataFrame(columns=["period", "unit_code", "unit_name", "parent_code"]),
...     period="2024-08", scope="0", window=["2024-08"], methodology=m, drop_alert=5.0)
>>> list(alerts["kind"])
['below_threshold', 'drop', 'missing']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from mkbidx.methodology import Methodology

ALERT_KINDS = ("below_threshold", "group_zero", "metric_zero", "drop", "missing")
"""The kinds of alert, in the order they are listed for a unit."""
DROP_ALERT_POINTS = 5.0
"""A unit whose total fell by at least this many points since last month gets an alert."""
ALERT_COLUMNS = [
    "unit_code",
    "unit_name",
    "rank",
    "kind",
    "total",
    "band",
    "group",
    "metric",
    "numerator",
    "denominator",
    "no_data",
    "max_score",
    "change",
    "previous_total",
    "absent_groups",
    "partial_groups",
    "missing_periods",
]
"""Columns of :func:`find_alerts`: the unit, the kind, and the facts of that kind (others
null): total and band (below_threshold), group (group_zero), metric with its counts
(metric_zero), change and previous_total (drop), absent/partial groups and months without data
(missing; all empty: no data at all in the month)."""


def find_alerts(
    table: pd.DataFrame,
    groups: pd.DataFrame,
    metrics: pd.DataFrame,
    full_table: pd.DataFrame,
    units: pd.DataFrame,
    *,
    period: str,
    scope: str,
    window: Sequence[str],
    methodology: Methodology,
    drop_alert: float = DROP_ALERT_POINTS,
) -> pd.DataFrame:
    """Alerts per unit of ``table`` (the scope's ranking in ``period``).

    Parameters
    ----------
    table
        The units under the scope: unit_code, unit_name, rank, total, band, change,
        previous_total.
    groups
        Group scores (period, unit_code, group, score, max_score, complete).
    metrics
        The month's metric scores of the units (unit_code, group, metric, score, max_score,
        no_data, numerator, denominator).
    full_table
        Every ranked unit and period of the window (period, unit_code): months without data.
    units
        Unit labels per period (period, unit_code, unit_name, parent_code): expected units.
    window
        The months looked at for missing data.
    drop_alert
        A fall of at least this many points since last month is an alert.

    Returns
    -------
    DataFrame
        :data:`ALERT_COLUMNS`, sorted by rank (units without data last), unit, kind.

    Notes
    -----
    Each frame is read once into plain per-unit lookups (:func:`_group_facts`,
    :func:`_zero_metrics`, :func:`_periods_by_unit`), then the units of ``table`` are walked
    over Python values: no pandas operation per unit (a province: ~25 ms, it was ~0.7 s).
    """
    m = methodology
    top = m.bands[0]
    rows: list[dict[str, Any]] = []

    def add(unit_code: str, unit_name: str, rank: Any, kind: str, **facts: Any) -> None:
        rows.append(
            {"unit_code": unit_code, "unit_name": unit_name, "rank": rank, "kind": kind, **facts}
        )

    g_month = groups[(groups["period"] == period) & groups["unit_code"].isin(table["unit_code"])]
    zero_groups, present_groups = _group_facts(g_month)
    zero_metrics = _zero_metrics(metrics)
    have = _periods_by_unit(full_table, table["unit_code"])
    months_with_data = set(window)
    nothing: frozenset[Any] = frozenset()
    for r in table.itertuples(index=False):
        code, name, rank = r.unit_code, r.unit_name, r.rank
        total = float(r.total)
        if round(total, m.rank_decimals) < top.min:
            add(code, name, rank, "below_threshold", total=total, band=r.band)
        zeros = zero_groups.get(code, nothing)
        for key in [k for k in m.group_keys if k in zeros]:
            add(code, name, rank, "group_zero", group=key)
        for z in zero_metrics.get(code, ()):
            if z.group in zeros:
                continue
            add(
                code,
                name,
                rank,
                "metric_zero",
                group=z.group,
                metric=z.metric,
                numerator=z.numerator,
                denominator=z.denominator,
                no_data=bool(z.no_data),
                max_score=z.max_score,
            )
        if not pd.isna(r.change) and float(r.change) <= -drop_alert:
            add(
                code,
                name,
                rank,
                "drop",
                total=total,
                change=float(r.change),
                previous_total=r.previous_total,
            )
        present = present_groups.get(code, {})
        absent = tuple(k for k in m.group_keys if k not in present)
        partial = tuple(k for k in m.group_keys if k in present and not present[k])
        unit_have = have.get(code, nothing)
        gaps = tuple(p for p in window if p in months_with_data and p not in unit_have)
        if absent or partial or gaps:
            add(
                code,
                name,
                rank,
                "missing",
                absent_groups=absent,
                partial_groups=partial,
                missing_periods=gaps,
            )
    expected = units[(units["period"] == period) & (units["parent_code"] == scope)]
    for u in expected[~expected["unit_code"].isin(table["unit_code"])].itertuples(index=False):
        uname = u.unit_name if isinstance(u.unit_name, str) else u.unit_code
        add(
            u.unit_code,
            uname,
            pd.NA,
            "missing",
            absent_groups=(),
            partial_groups=(),
            missing_periods=(),
        )
    frame = pd.DataFrame(rows, columns=ALERT_COLUMNS)
    if frame.empty:
        return frame
    frame["kind_order"] = frame["kind"].map({k: i for i, k in enumerate(ALERT_KINDS)})
    frame["rank"] = frame["rank"].astype("Int64")
    frame = frame.sort_values(
        ["rank", "unit_code", "kind_order"], kind="stable", na_position="last"
    )
    return frame.drop(columns="kind_order").reset_index(drop=True)


def _group_facts(
    g_month: pd.DataFrame,
) -> tuple[dict[Any, set[Any]], dict[Any, dict[Any, bool]]]:
    """Per unit, the groups scored 0 of a positive maximum and whether each group is complete.

    Parameters
    ----------
    g_month
        The month's group scores of the units (unit_code, group, score, max_score, complete).

    Returns
    -------
    tuple of dict
        unit_code -> set of zero groups (only units with one); unit_code -> {group: complete}
        (a group listed twice: its last row).
    """
    zero = ((g_month["score"] == 0) & (g_month["max_score"] > 0)).tolist()
    complete = g_month["complete"].astype(bool).tolist()
    zero_groups: dict[Any, set[Any]] = {}
    present: dict[Any, dict[Any, bool]] = {}
    codes, keys = g_month["unit_code"].tolist(), g_month["group"].tolist()
    for code, key, is_zero, done in zip(codes, keys, zero, complete, strict=True):
        present.setdefault(code, {})[key] = done
        if is_zero:
            zero_groups.setdefault(code, set()).add(key)
    return zero_groups, present


def _zero_metrics(metrics: pd.DataFrame) -> dict[Any, list[Any]]:
    """The metrics scored 0 of a positive maximum, per unit, in the order of ``metrics``.

    Parameters
    ----------
    metrics
        Metric scores (unit_code, group, metric, score, max_score, no_data, numerator,
        denominator).

    Returns
    -------
    dict
        unit_code -> the rows (named tuples of ``metrics``' columns).
    """
    zero = metrics[(metrics["score"] == 0) & (metrics["max_score"] > 0)]
    by_unit: dict[Any, list[Any]] = {}
    for z in zero.itertuples(index=False):
        by_unit.setdefault(z.unit_code, []).append(z)
    return by_unit


def _periods_by_unit(full_table: pd.DataFrame, codes: pd.Series) -> dict[Any, set[Any]]:
    """The periods with data of each unit of ``codes``.

    Parameters
    ----------
    full_table
        Every ranked unit and period (period, unit_code).
    codes
        The units looked at.

    Returns
    -------
    dict
        unit_code -> set of periods (units without any: absent).
    """
    mine = full_table[full_table["unit_code"].isin(codes)]
    have: dict[Any, set[Any]] = {}
    for code, p in zip(mine["unit_code"].tolist(), mine["period"].tolist(), strict=True):
        have.setdefault(code, set()).add(p)
    return have
