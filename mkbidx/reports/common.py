"""Pieces shared by the report view models: the peers phrase, right-aligned Stylers, figures
drawn on first use."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import pandas as pd

from mkbidx.errors import MkbidxError
from mkbidx.inputs.loading import Inputs
from mkbidx.methodology import Methodology
from mkbidx.present import alerts as alert_text
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


class Drawing:
    """A report's figures, drawn once, on first use.

    ``draw(figures, texts)`` fills two dicts: PNG bytes, and (alternative text, caption), by
    figure key. :attr:`figures` and :attr:`texts` are read-only mappings over them; the first
    look at either draws every figure. A view model built for its tables or text only (a test, a
    letter) draws nothing; a report's files and pages are the same, drawn a little later.

    Examples
    --------
    >>> calls = []
    >>> def draw(figures, texts):
    ...     calls.append(1)
    ...     figures["a"], texts["a"] = b"png", ("alt", "caption")
    >>> d = Drawing(draw)
    >>> len(calls)  # nothing drawn yet
    0
    >>> "a" in d.figures, dict(d.texts), dict(d.figures), len(calls)  # drawn once
    (True, {'a': ('alt', 'caption')}, {'a': b'png'}, 1)
    """

    def __init__(self, draw: Callable[[dict[str, bytes], dict[str, tuple[str, str]]], None]):
        self._draw: Callable[..., None] | None = draw
        self._figures: dict[str, bytes] = {}
        self._texts: dict[str, tuple[str, str]] = {}
        self.figures: Mapping[str, bytes] = _Drawn(self, self._figures)
        self.texts: Mapping[str, tuple[str, str]] = _Drawn(self, self._texts)

    def drawn(self) -> None:
        """Draw the figures now, unless done."""
        if self._draw is not None:
            self._draw(self._figures, self._texts)
            self._draw = None


class _Drawn(Mapping):
    """One of a :class:`Drawing`'s two mappings."""

    def __init__(self, drawing: Drawing, values: dict) -> None:
        self._drawing, self._values = drawing, values

    def __getitem__(self, key: str) -> Any:
        self._drawing.drawn()
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        self._drawing.drawn()
        return iter(self._values)

    def __len__(self) -> int:
        self._drawing.drawn()
        return len(self._values)

    def __repr__(self) -> str:  # never draws: a look at the report stays cheap
        if self._drawing._draw is not None:
            return "Drawn(not drawn yet)"
        return f"Drawn({sorted(self._values)})"


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
GAP_UNAVAILABLE = alert_text.published_only_note("số hồ sơ, TTHC cần thêm để đạt mục tiêu")
"""The note of a unit in a gap plan when the month has published group scores only."""


def with_official_children(units: pd.DataFrame, period: str, scope: str) -> pd.DataFrame:
    """``units`` (unit labels per period) and the official registry's units directly under
    ``scope`` in ``period``: the units a ranking of the scope should hold, with data or not."""
    from mkbidx.inputs.units import default_registry

    registry = default_registry()
    try:
        official = registry.units_frame(period, registry.children(scope, period))
    except MkbidxError:  # a scope or a period the registry does not know: the data's units only
        return units
    official = official[official["parent_code"] == scope].assign(period=period)
    known = set(units.loc[units["period"] == period, "unit_code"])
    extra = official[~official["unit_code"].isin(known)][list(units.columns)]
    return pd.concat([units, extra], ignore_index=True) if len(extra) else units


def has_counts(inputs: Inputs, period: str, unit_codes: Iterable[str] | None = None) -> bool:
    """Whether the data holds counts (numerators, denominators) of ``period``, for some of
    ``unit_codes`` when given (a table of published group scores has none)."""
    counts = inputs.dataset.counts
    rows = counts[counts["period"] == period]
    if unit_codes is not None:
        rows = rows[rows["unit_code"].isin(set(unit_codes))]
    return not rows.empty


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
        unit_codes=unit_codes,
        published_groups=ds.published_groups[ds.published_groups["period"] == period],
        methodology=methodology,
    )
    names = group_names or {g.key: g.name for g in methodology.groups}
    plan = plan.assign(group_name=plan["group"].map(names))
    return plan[[c for c in GAP_COLUMNS if c in plan]].reset_index(drop=True)


def _unavailable_plan(
    inputs: Inputs, unit_codes: Sequence[str], *, period: str, methodology: Methodology
) -> pd.DataFrame:
    """One note row per unit: no counts, so no action can be planned (its published total)."""
    units = inputs.units[inputs.units["period"] == period]
    names = dict(zip(units["unit_code"], units["unit_name"], strict=False))
    pub = inputs.dataset.published_groups
    pub = pub[pub["period"] == period]
    totals = pub.groupby("unit_code")["published_score"].sum().round(2)
    target = float(max(b.min for b in methodology.bands))
    return pd.DataFrame(
        {
            "unit_code": unit_codes,
            "unit_name": [names.get(c) for c in unit_codes],
            "total": [float(totals.get(c, float("nan"))) for c in unit_codes],
            "target": target,
            "group": None,
            "group_name": None,
            "metric": None,
            "metric_name": None,
            "additional_count": pd.array([pd.NA] * len(unit_codes), dtype="Int64"),
            "action": None,
            "score_after": float("nan"),
            "note": GAP_UNAVAILABLE,
        },
        columns=GAP_COLUMNS,
    )
