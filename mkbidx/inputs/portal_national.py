"""The portal's national summary (endpoint ``service-results``): the 34 provinces' group scores.

The response (``data.overview`` = "Cả nước", ``data.evaluation`` = one record per province with
``departmentId``, ``departmentCode`` ``H..``, ``totalScore`` and ``groupScores`` under the
portal's group codes) is read as published group scores of the provinces, under the national
unit :data:`NATIONAL_CODE` (``--scope VN``). Each province gets its official code from
``data/units/portal-provinces.csv`` (:mod:`mkbidx.inputs.portal_ids`), its portal code and
``departmentId`` kept as columns; a province not in that table keeps its portal code (named in a
note, never dropped).

>>> from mkbidx import methodology
>>> sorted(GROUP_CODES) == sorted(["CKMB", "TDGQ", "CLGQ", "TTTT", "MDHL", "MDSH"])
True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mkbidx.errors import MkbidxError
from mkbidx.inputs.frames import COUNTS_COLUMNS, GROUPS_COLUMNS, UNITS_COLUMNS, UNKNOWN_PERIOD, Part
from mkbidx.inputs.portal_units import province_of_root
from mkbidx.inputs.text import period_from_path
from mkbidx.methodology import Methodology

__all__ = ["ENDPOINT", "GROUP_CODES", "NATIONAL_CODE", "NATIONAL_NAME", "is_national", "read"]

ENDPOINT = "service-results"
NATIONAL_CODE = "VN"
NATIONAL_NAME = "Cả nước"
GROUP_CODES = {
    "CKMB": "cong_khai",  # Công khai, minh bạch (18)
    "TDGQ": "tien_do",  # Tiến độ giải quyết (20)
    "CLGQ": "dvc_truc_tuyen",  # Dịch vụ công trực tuyến (12)
    "TTTT": "thanh_toan",  # Thanh toán trực tuyến (10)
    "MDHL": "hai_long",  # Mức độ hài lòng (18)
    "MDSH": "so_hoa",  # Số hóa hồ sơ (22)
}
"""The portal's group codes in ``groupScores`` → the methodology's group keys (the six scores
of a province add up to its ``totalScore``)."""


def is_national(data: dict[str, Any]) -> bool:
    """A national summary: records with ``groupScores`` and no ``metrics``."""
    records = data.get("evaluation")
    return (
        isinstance(records, list)
        and bool(records)
        and all(isinstance(r, dict) and isinstance(r.get("groupScores"), dict) for r in records)
    )


def _score(value: Any, *, path: Path, unit: str, column: str) -> float:
    if value is None:
        return float("nan")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
        raise MkbidxError(
            f"giá trị {value!r} không phải số (not a number)",
            file=path,
            unit=unit,
            column=column,
            expected="một số",
        )
    return float(value)


def read(data: dict[str, Any], path: Path, *, period: str | None, m: Methodology) -> Part:
    """The provinces' published group scores of a national summary (see the module)."""
    notes: list[str] = []
    per = period or period_from_path(path)
    if per is None:
        per = UNKNOWN_PERIOD
        notes.append(f"{path}: không xác định được kỳ (period); dùng --period, vd. --period 2026")
    source = str(path)
    keys = {g.key for g in m.groups}
    unknown = sorted({c for r in data["evaluation"] for c in r["groupScores"]} - set(GROUP_CODES))
    if unknown:
        notes.append(
            f"{path}: bỏ qua mã nhóm không biết (unknown group codes): {', '.join(unknown)}"
        )
    units = [
        {
            "period": per,
            "unit_code": NATIONAL_CODE,
            "unit_name": NATIONAL_NAME,
            "level": None,
            "parent_code": None,
            "portal_level": None,
            "department_type": None,
            "is_root": True,
            "source_file": source,
            "extra": {k: v for k, v in data.items() if k != "evaluation"},
            "portal_code": None,
            "department_id": None,
            "_has_code": True,
        }
    ]
    groups: list[tuple[Any, ...]] = []
    unmapped: list[str] = []
    for i, rec in enumerate(data["evaluation"], start=1):
        portal_code = rec.get("departmentCode")
        department_id = rec.get("departmentId")
        label = rec.get("departmentName") or portal_code or department_id or f"tỉnh thứ {i}"
        province = province_of_root(portal_code, department_id)
        if province is None:
            code = portal_code or department_id
            if not code:
                raise MkbidxError(
                    "tỉnh không có mã (unit_code empty)",
                    file=path,
                    unit=str(label),
                    column="departmentCode",
                    expected="departmentCode hoặc departmentId",
                )
            unmapped.append(f"{label} ({code})")
            name = label
        else:
            code, name = province.code, province.name
        units.append(
            {
                "period": per,
                "unit_code": code,
                "unit_name": name,
                "level": "province",
                "parent_code": NATIONAL_CODE,
                "portal_level": "PROVINCE",
                "department_type": rec.get("departmentType"),
                "is_root": False,
                "source_file": source,
                "extra": {k: v for k, v in rec.items() if k != "groupScores"},
                "portal_code": portal_code,
                "department_id": department_id,
                "_has_code": True,
            }
        )
        for portal_group, value in rec["groupScores"].items():
            key = GROUP_CODES.get(portal_group)
            if key is None or key not in keys:
                continue
            score = _score(value, path=path, unit=str(label), column=f"groupScores.{portal_group}")
            groups.append((per, code, key, score, float(m.group(key).max), source, ENDPOINT))
    n = len(data["evaluation"])
    notes.append(
        f"{path}: bảng tổng hợp toàn quốc ({ENDPOINT}): {n - len(unmapped)}/{n} tỉnh, thành phố "
        "ánh xạ sang mã chính thức (official codes); điểm nhóm lấy như công bố"
    )
    if unmapped:
        notes.append(
            f"{path}: {len(unmapped)} tỉnh không ánh xạ được (unmapped provinces), giữ mã của "
            f"Cổng: {', '.join(unmapped)}"
        )
    return Part(
        file=path,
        counts=pd.DataFrame(columns=list(COUNTS_COLUMNS)).astype(
            {c: float for c in ("numerator", "denominator", "published_ratio", "published_score")}
        ),
        groups=pd.DataFrame.from_records(groups, columns=list(GROUPS_COLUMNS)).astype(
            {"published_score": float, "published_max": float}
        ),
        units=pd.DataFrame(units, columns=[*UNITS_COLUMNS, "_has_code"]),
        notes=notes,
        from_json=True,
    )
