"""The dossiers that cost a unit points: ``mkbidx dossiers explain`` and the monthly report's
section "Hồ sơ làm giảm điểm".

Both read the costly dossiers of a unit from a dossier table
(:meth:`DossierTable.costly <mkbidx.inputs.dossiers.open_dossiers>`), price each by the exact
gain of the unit's total if it were fixed (:func:`mkbidx.core.dossier_gain.dossier_gains`) and
word them (:mod:`mkbidx.present.dossier_text`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from mkbidx.core.dossier_gain import dossier_gains
from mkbidx.errors import MkbidxError
from mkbidx.inputs.dossiers.columns import DERIVED_METRICS
from mkbidx.inputs.loading import dossier_counts
from mkbidx.methodology import Methodology
from mkbidx.present import dossier_text, formatting
from mkbidx.present.html import Html, paragraphs_html, render

PER_UNIT = 10
"""Dossiers shown per unit in the report's section (the CSV table holds all of them)."""


# =============================================================================== explain
@dataclass(frozen=True)
class Explanation:
    """The costly dossiers of one unit and period, best gain first."""

    unit_code: str
    unit_name: str
    period: str
    frame: pd.DataFrame
    provisional: bool = False

    def lines(self, limit: int | None = None) -> list[str]:
        return dossier_text.explain_lines(
            self.frame,
            unit_name=self.unit_name,
            unit_code=self.unit_code,
            period=self.period,
            limit=limit,
            provisional=self.provisional,
        )


def resolve_unit(table: Any, unit: str, period: str, registry: Any = None) -> str:
    """The code of ``unit`` (a code or a name) among the units with dossiers in ``table``.

    A name is resolved with the official registry under each parent of the table's units (so a
    "Xã Cao Sơn" means the one of the table). A unit without dossiers is refused in one line.
    """
    text = str(unit).strip()
    have = set(table.units)
    if text in have:
        return text
    code = None
    if registry is not None:
        found: set[str] = set()
        parents = _parents(registry, have, period)
        for parent in parents or [None]:
            try:
                found.add(registry.resolve(text, scope=parent, period=period))
            except MkbidxError:
                continue
        inside = found & have
        code = next(iter(inside)) if len(inside) == 1 else (next(iter(found)) if found else None)
    if code in have:
        return code
    shown = f"'{text}'" + (f" ({code})" if code and code != text else "")
    raise MkbidxError(
        f"đơn vị {shown} không có hồ sơ nào trong bảng hồ sơ (no dossiers)",
        file=getattr(table, "path", None),
        unit=text,
        column="unit_code",
        expected="một đơn vị có hồ sơ: " + formatting.short_list(sorted(have)),
    )


def _parents(registry: Any, codes: set[str], period: str) -> list[str]:
    try:
        frame = registry.units_frame(period, codes)
    except MkbidxError:
        return []
    rows = frame[frame["unit_code"].isin(codes)]
    return sorted(str(p) for p in rows["parent_code"].dropna().unique())


def _unit_name(registry: Any, code: str, period: str) -> str:
    if registry is None:
        return code
    try:
        frame = registry.units_frame(period, {code})
    except MkbidxError:
        return code
    row = frame[frame["unit_code"] == code]
    return str(row["unit_name"].iloc[0]) if len(row) and row["unit_name"].notna().iloc[0] else code


def explain(
    table: Any,
    period: str,
    unit: str,
    *,
    methodology: Methodology,
    metric: str | None = None,
    provisional: bool = False,
    registry: Any = None,
) -> Explanation:
    """The costly dossiers of ``unit`` in ``period``, priced and worded.

    The gains are computed on the counts the table derives for the unit (the metrics it cannot
    derive add the same points before and after, so they do not change a gain).

    Raises
    ------
    MkbidxError
        An unknown metric, a unit without dossiers, a running period without ``provisional``.
    """
    if metric is not None and metric not in DERIVED_METRICS:
        raise MkbidxError(
            f"chỉ số '{metric}' không tính được từ hồ sơ (not derivable)",
            column="--metric",
            expected="một trong: " + ", ".join(DERIVED_METRICS),
        )
    code = resolve_unit(table, unit, period, registry)
    counts, covered, running = dossier_counts(table, [period], provisional=provisional)
    as_of = table.latest if running else None
    costly = table.costly(period, unit_code=code, metric=metric, as_of=as_of)
    unit_counts = counts[counts["unit_code"] == code]
    gains = dossier_gains(costly, unit_counts, methodology=methodology)
    name = _unit_name(registry, code, period)
    frame = dossier_text.explain_frame(gains, methodology=methodology, unit_names={code: name})
    return Explanation(code, name, period, frame, provisional=bool(running))


# =============================================================================== report section
@dataclass
class DossierSection:
    """The report's section "Hồ sơ làm giảm điểm": per unit below the target, its costly
    dossiers (the first :data:`PER_UNIT` shown, all in :attr:`frame`)."""

    period: str
    target: float
    frame: pd.DataFrame
    units: list[dict[str, Any]] = field(default_factory=list)
    source_line: str = ""

    @property
    def view(self) -> Html:
        """The section's HTML (escaped templates)."""
        intro = (
            f"Các đơn vị dưới {formatting.points(self.target)} có hồ sơ trong bảng hồ sơ: "
            f"{PER_UNIT} hồ sơ nên xử lý trước ở mỗi đơn vị, theo điểm tổng tăng thêm nếu hồ sơ "
            "được khắc phục (tính lại theo phương pháp; một hồ sơ có thể ảnh hưởng nhiều chỉ "
            "số). Danh sách đầy đủ: tables/dossiers.csv."
        )
        if not self.units:
            return paragraphs_html(
                [f"Không có đơn vị dưới {formatting.points(self.target)} có hồ sơ làm giảm điểm."]
            )
        return render(
            "dossiers",
            intro=intro,
            units=self.units,
            labels=dossier_text.LABELS,
            source=self.source_line,
        )

    def table(self) -> pd.DataFrame:
        """Every costly dossier of the section's units (the CSV ``tables/dossiers.csv``)."""
        return self.frame.assign(period=self.period)[["period", *dossier_text.EXPLAIN_COLUMNS]]


def dossier_section(
    inputs: Any,
    ranking: pd.DataFrame,
    *,
    period: str,
    methodology: Methodology,
    per_unit: int = PER_UNIT,
) -> DossierSection | None:
    """The section of a monthly report whose ``inputs`` were read with a dossier table (None
    without one): every unit of ``ranking`` below the top band's threshold that has dossiers.

    The gains use the unit's full counts of the month (dossier-derived and portal), as scored in
    the report.
    """
    table, source = inputs.dossier_table, inputs.dossier_source
    if table is None or source is None:
        return None
    m = methodology
    target = m.bands[0].min
    have = set(table.units)
    below = ranking[(ranking["total"].round(m.rank_decimals) < target)]
    below = below[below["unit_code"].isin(have)]
    as_of = table.latest if period in source.provisional else None
    counts = inputs.dataset.counts
    counts = counts[counts["period"] == period]
    frames, units = [], []
    for row in below.itertuples(index=False):
        costly = table.costly(period, unit_code=row.unit_code, as_of=as_of)
        gains = dossier_gains(costly, counts[counts["unit_code"] == row.unit_code], methodology=m)
        frame = dossier_text.explain_frame(
            gains, methodology=m, unit_names={row.unit_code: row.unit_name}
        )
        frames.append(frame)
        shown = frame.head(per_unit)
        units.append(
            {
                "code": row.unit_code,
                "name": row.unit_name,
                "total": formatting.score(row.total),
                "count": len(frame),
                "rest": max(0, len(frame) - per_unit),
                "rows": [
                    {
                        "order": r.order,
                        "dossier_id": r.dossier_id,
                        "procedure_code": r.procedure_code,
                        "reasons": r.reasons,
                        "metrics": r.metrics,
                        "gain": dossier_text.gain_text(r.gain),
                    }
                    for r in shown.itertuples(index=False)
                ],
            }
        )
    columns = list(dossier_text.EXPLAIN_COLUMNS)
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return DossierSection(period, target, frame, units, source.summary_line(inputs.data_path))
