"""The one-page brief for a leader: what :func:`mkbidx.present.brief.brief_pdf` lays out.

Built from the monthly report of a scope (:class:`~mkbidx.reports.monthly.MonthlyReport`): the
scope's total and rank with the change from last month, the ranked units (bars, coloured by
band, with the top band's threshold), the units under it and the top alerts, and where and
when the data comes from (a fetched folder's date, provisional or not).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from mkbidx.inputs.snapshot import snapshot_of
from mkbidx.present import formatting

__all__ = ["Bar", "BriefView", "brief_view"]

MAX_ALERTS = 5
MAX_UNDER = 12


@dataclass(frozen=True)
class Bar:
    """One unit's bar: its name, total, band label and colour."""

    name: str
    total: float
    label: str
    color: str


@dataclass(frozen=True)
class BriefView:
    """Every text and number on the brief, already worded in Vietnamese."""

    title: str
    scope_name: str
    period_label: str
    total: str
    band: str | None
    band_color: str | None
    rank: str
    change: str
    units_line: str
    bars: tuple[Bar, ...]
    threshold: float
    threshold_label: str
    under: tuple[str, ...]
    under_more: int
    alerts: tuple[tuple[str, str], ...]  # (unit and kind, detail)
    alerts_more: int
    data_line: str
    provisional: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def _data_line(r: Any) -> tuple[str, str | None]:
    """Where and when the data comes from; the provisional warning when it is."""
    period = formatting.period_label(r.period)
    files = ", ".join(f.path for f in r.inputs[:3]) + (", …" if len(r.inputs) > 3 else "")
    snap = None
    if r.data_path is not None:
        path = Path(r.data_path)
        snap = snapshot_of(path / "x" if path.is_dir() else path)
    if snap is None:
        return f"Số liệu {period}; nguồn: {files or 'không rõ'}.", None
    fetched = formatting.date_vn(snap.fetched_at[:10]) if snap.fetched_at else "?"
    line = f"Số liệu {period}, lấy từ Cổng Dịch vụ công quốc gia ngày {fetched}."
    warning = None
    if snap.provisional:
        warning = (
            f"SỐ LIỆU TẠM TÍNH: {period} chưa kết thúc khi lấy số liệu; điểm còn có thể thay đổi."
        )
    return line, warning


def brief_view(r: Any, *, max_bars: int = 30) -> BriefView:
    """The brief's view model from a monthly report (``MonthlyReport``).

    Parameters
    ----------
    r
        The monthly report of one scope and month.
    max_bars
        At most this many bars: with more units, the first and last halves of the ranking.
    """
    m = r.methodology
    colors = formatting.band_colors(m)
    threshold = float(m.bands[0].min)
    row = r.scope_row or {}
    band = row.get("band") if isinstance(row.get("band"), str) else None
    table = r.table.sort_values(["rank", "unit_name"], kind="stable")
    bars = [
        Bar(
            name=formatting.short_unit_name(str(t.unit_name)),
            total=float(t.total) if pd.notna(t.total) else 0.0,
            label=formatting.score(t.total),
            color=colors.get(t.band, "#999999") if isinstance(t.band, str) else "#999999",
        )
        for t in table.itertuples(index=False)
    ]
    if len(bars) > max_bars:
        half = max_bars // 2
        bars = bars[:half] + bars[-half:]
    below = table[table["total"] < threshold]
    under = [
        f"{formatting.short_unit_name(str(t.unit_name))} ({formatting.score(t.total)})"
        for t in below.itertuples(index=False)
    ]
    alerts = [
        (f"{a.unit_name}: {a.kind_label}", str(a.detail))
        for a in r.alerts.head(MAX_ALERTS).itertuples(index=False)
    ]
    data_line, provisional = _data_line(r)
    total = formatting.score(row.get("total"))
    return BriefView(
        title="Bộ chỉ số 766 — tóm tắt",
        scope_name=r.scope_name,
        period_label=formatting.period_label(r.period),
        total=f"{total} điểm" if row.get("total") is not None else total,
        band=band,
        band_color=colors.get(band) if band else None,
        rank=r.headline_text,
        change=r.change_text,
        units_line=r.units_text,
        bars=tuple(bars),
        threshold=threshold,
        threshold_label=f"{formatting.compact(threshold)} điểm",
        under=tuple(under[:MAX_UNDER]),
        under_more=max(0, len(under) - MAX_UNDER),
        alerts=tuple(alerts),
        alerts_more=max(0, len(r.alerts) - MAX_ALERTS),
        data_line=data_line,
        provisional=provisional,
        notes=tuple(n for n in r.notes if "incomplete" in n),
    )
