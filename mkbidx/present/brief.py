"""The one-page A4 brief as PDF bytes, drawn with matplotlib's PDF backend (no browser).

:func:`brief_pdf` lays out a :class:`~mkbidx.reports.brief.BriefView`-like object (any object
with its attributes): heading, the scope's total, rank and change, the ranked bars with the
threshold line, the units under the threshold, the top alerts and the data line. The font is
DejaVu Sans (every Vietnamese glyph, shipped with matplotlib), embedded as TrueType (Type 42),
so the PDF prints anywhere and its numbers can be extracted as text. Same view, same bytes.
"""

from __future__ import annotations

import io
import textwrap
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure

from mkbidx.present.plots import FONT, THRESHOLD_COLOR

__all__ = ["A4_INCHES", "brief_pdf"]

A4_INCHES = (8.27, 11.69)
"""A4 portrait (210 × 297 mm)."""
INK = "#1A1A1A"
MUTED = "#555555"
WARNING = "#B00020"
WRAP = 110  # characters per line of body text at 8.5 pt


def _rc() -> dict[str, Any]:
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [FONT],
        "pdf.fonttype": 42,  # embedded TrueType: diacritics print anywhere, text extractable
        "pdf.compression": 6,
        "axes.edgecolor": "#BBBBBB",
        "svg.hashsalt": "mkbidx",
    }


def _lines(text: str, width: int = WRAP) -> list[str]:
    return textwrap.wrap(text, width=width) or [""]


def brief_pdf(view: Any) -> bytes:
    """Draw the brief on one A4 page and return the PDF bytes.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> v = NS(title="Bộ chỉ số 766", scope_name="Xã A", period_label="tháng 8/2024",
    ...     total="88,23 điểm", band="Tốt", band_color="#009E73", rank="xếp hạng 1/9",
    ...     change="Tăng 1,00 điểm", units_line="", threshold=80.0, threshold_label="80 điểm",
    ...     bars=(NS(name="B", total=70.0, label="70,00", color="#D55E00"),),
    ...     under=("B (70,00)",), under_more=0, alerts=(), alerts_more=0, data_line="Số liệu",
    ...     provisional=None, notes=())
    >>> brief_pdf(v)[:5]
    b'%PDF-'
    """
    with mpl.rc_context(_rc()):
        fig = Figure(figsize=A4_INCHES)
        _draw(fig, view)
        buf = io.BytesIO()
        fig.savefig(
            buf,
            format="pdf",
            metadata={"Creator": "mkbidx", "Producer": None, "CreationDate": None},
        )
    return buf.getvalue()


def _draw(fig: Figure, v: Any) -> None:
    left, right = 0.07, 0.93
    y = 0.965

    def text(s: str, *, size: float = 9, weight: str = "normal", color: str = INK, dy: float):
        nonlocal y
        fig.text(left, y, s, fontsize=size, fontweight=weight, color=color, va="top")
        y -= dy

    text(v.title.upper(), size=9, color=MUTED, dy=0.022)
    text(f"{v.scope_name} — {v.period_label}", size=16, weight="bold", dy=0.04)
    if v.provisional:
        text(v.provisional, size=9.5, weight="bold", color=WARNING, dy=0.024)
    # the headline: total, band, rank, change
    fig.text(left, y, v.total, fontsize=26, fontweight="bold", color=v.band_color or INK, va="top")
    if v.band:
        fig.text(
            left + 0.36,
            y - 0.008,
            v.band,
            fontsize=14,
            fontweight="bold",
            color=v.band_color or INK,
            va="top",
        )
    y -= 0.05
    for line in (v.rank, v.change, v.units_line):
        if line:
            for part in _lines(line, 95):
                text(part, size=10.5, dy=0.02)
    y -= 0.008
    # the ranked bars with the threshold line
    n = max(len(v.bars), 1)
    height = min(0.50, 0.06 + 0.0165 * n)
    ax = fig.add_axes((left + 0.2, y - height, right - left - 0.2, height - 0.03))
    fig.text(
        left, y, "Tổng điểm các đơn vị (xếp theo hạng)", fontsize=10.5, fontweight="bold", va="top"
    )
    names = [b.name for b in v.bars][::-1]
    totals = [b.total for b in v.bars][::-1]
    ax.barh(range(len(names)), totals, color=[b.color for b in v.bars][::-1], height=0.72)
    for i, b in enumerate(v.bars[::-1]):
        ax.text(b.total + 0.6, i, b.label, va="center", fontsize=7, color=INK)
    ax.set_yticks(range(len(names)), labels=names, fontsize=7.5)
    ax.set_xlim(0, 108)
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.axvline(v.threshold, color=THRESHOLD_COLOR, linestyle="--", linewidth=1)
    ax.text(
        v.threshold,
        len(names) - 0.4,
        f" {v.threshold_label}",
        fontsize=7.5,
        color=THRESHOLD_COLOR,
        va="bottom",
    )
    ax.tick_params(axis="x", labelsize=7.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    y -= height + 0.012
    # units under the threshold
    text(f"Đơn vị dưới {v.threshold_label}", size=10.5, weight="bold", dy=0.02)
    if v.under:
        body = "; ".join(v.under) + (f"; và {v.under_more} đơn vị khác" if v.under_more else "")
    else:
        body = "Không có đơn vị nào."
    for part in _lines(body):
        text(part, size=8.5, dy=0.016)
    y -= 0.008
    # top alerts
    text("Cảnh báo chính", size=10.5, weight="bold", dy=0.02)
    if not v.alerts:
        text("Không có cảnh báo.", size=8.5, dy=0.016)
    for head, detail in v.alerts:
        if y < 0.09:
            break
        for i, part in enumerate(_lines(f"• {head}: {detail}")):
            text(part if i == 0 else "   " + part, size=8.5, dy=0.015)
    if v.alerts_more:
        text(
            f"… và {v.alerts_more} cảnh báo khác trong báo cáo tháng.",
            size=8.5,
            color=MUTED,
            dy=0.016,
        )
    # footer: where the data comes from
    foot = [v.data_line, *v.notes]
    fy = 0.035 + 0.014 * (len(foot) - 1)
    for line in foot:
        for part in _lines(line, 125):
            fig.text(left, fy, part, fontsize=7.5, color=MUTED, va="bottom")
            fy -= 0.014
