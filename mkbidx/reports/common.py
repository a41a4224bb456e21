"""Pieces shared by the report view models: the peers phrase, right-aligned Stylers, figures."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from mkbidx.errors import MkbidxError
from mkbidx.inputs.loading import Inputs
from mkbidx.methodology import Methodology
from mkbidx.present import formatting, gap_text


def peers_phrase(table: pd.DataFrame, row: Mapping[str, Any] | None) -> str:
    """How a unit's peers are called in a rank phrase ("huyện, thành phố"); empty when the row
    has no level or its peers have no common name."""
    if row is None or not isinstance(row.get("level"), str):
        return ""
    peers = table[
        (table["period"] == row["period"])
        & (table["level"] == row["level"])
        & (table["parent_code"].fillna("") == (row.get("parent_code") or ""))
    ]
    try:
        return formatting.peers_phrase(row["level"], list(peers["unit_name"].astype(str)))
    except MkbidxError:
        return ""


def right_aligned(styler, columns: Sequence[str]):
    """Numbers right-aligned (text stays left, the page's default)."""
    return styler.set_properties(subset=list(columns), **{"text-align": "right"})


def sheet_frame(frame: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    """A table as an Excel sheet shows it: Vietnamese headers, yes/no as "Có"/"Không"."""
    shown = frame.copy()
    for col in shown.columns:
        if shown[col].dtype == bool or str(shown[col].dtype) == "boolean":
            shown[col] = shown[col].map({True: "Có", False: "Không"})
    return shown.rename(columns=labels)


def scope_label(inputs: Inputs, scope: str, period: str) -> tuple[str, str | None]:
    units = inputs.units
    rows = units[(units["unit_code"] == scope) & (units["period"] == period)]
    if rows.empty:
        rows = units[units["unit_code"] == scope]
    if rows.empty:
        return scope, None
    row = rows.iloc[-1]
    name = row["unit_name"] if isinstance(row["unit_name"], str) else scope
    return name, row["level"] if isinstance(row["level"], str) else None


GAP_COLUMNS = [
    "unit_code",
    "unit_name",
    "total",
    "target",
    "group",
    "group_name",
    "metric",
    "metric_name",
    "additional_count",
    "action",
    "score_after",
    "note",
]
"""Columns of a report's gap-to-target table."""


def gap_plan(
    inputs: Inputs,
    unit_codes: Iterable[str],
    *,
    period: str,
    methodology: Methodology,
    group_names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The gap-to-target plan (:func:`mkbidx.present.gap_text.gap_table`) of some units in one
    period, with the group names shown (``group_names``: key → label, default the groups' full
    names)."""
    ds = inputs.dataset
    plan = gap_text.gap_table(
        ds.counts[ds.counts["period"] == period],
        period=period,
        units=inputs.units[inputs.units["period"] == period],
        unit_codes=list(unit_codes),
        published_groups=ds.published_groups[ds.published_groups["period"] == period],
        methodology=methodology,
    )
    names = group_names or {g.key: g.name for g in methodology.groups}
    plan = plan.assign(group_name=plan["group"].map(names))
    return plan[[c for c in GAP_COLUMNS if c in plan]].reset_index(drop=True)
