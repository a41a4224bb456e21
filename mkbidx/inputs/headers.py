"""Column headers of CSV/Excel tables: what each header means, and what is accepted.

Headers are matched ignoring case, diacritics, spaces and anything in parentheses, in Vietnamese
or English (:data:`ALIASES`); a group column is named by the group's key, Vietnamese name,
short name or endpoint.

>>> from mkbidx import methodology
>>> m = methodology.load()
>>> canonical("Mã đơn vị", m), canonical("Tử số (numerator)", m), canonical("Số hoá", m)
('unit_code', 'numerator', 'group:so_hoa')
"""

from __future__ import annotations

from typing import Any

from mkbidx.inputs.text import fold
from mkbidx.methodology import Methodology

__all__ = [
    "ALIASES",
    "COUNTS_KIND",
    "LABELS",
    "NUMERIC",
    "accepted_text",
    "canonical",
    "group_lookup",
]

ALIASES: dict[str, tuple[str, ...]] = {
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
LABELS = {
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
COUNTS_KIND = ("metric", "numerator", "denominator")
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
NUMERIC = {"numerator", "denominator", "published_ratio", "published_score", "total"}


def group_lookup(m: Methodology) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for g in m.groups:
        for label in (g.key, g.name, g.short_name, g.endpoint):
            lookup.setdefault(fold(label), g.key)
    return lookup


def canonical(header: Any, m: Methodology) -> str | None:
    """Canonical column for a header: an alias name, or ``group:<key>`` for a group column."""
    folded = fold(header)
    for canon, aliases in ALIASES.items():
        if folded in aliases:
            return canon
    key = group_lookup(m).get(folded)
    return f"group:{key}" if key else None


def accepted_text(kind: str, m: Methodology) -> str:
    if kind == "counts":
        return ", ".join(LABELS[c] for c in _COUNTS_ACCEPTED)
    groups = ", ".join(f"{g.name} ({g.key})" for g in m.groups)
    return ", ".join(LABELS[c] for c in _GROUPS_ACCEPTED) + "; một cột mỗi nhóm: " + groups
