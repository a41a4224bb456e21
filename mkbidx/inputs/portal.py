"""Portal JSON responses: unwrap, the two response shapes, group detection, unit levels.

:func:`read_json` reads one response of the six evaluation endpoints of the DVCQG portal
(``{"code": "OK", "data": ..., "message": "OK"}``), in shape A (``overview``/``evaluation``,
metrics by code) or shape B (``parent``/``children``, API count fields named in the
methodology). The group is detected from the content; the file name only breaks ties.

>>> import json, pathlib, tempfile
>>> doc = {"code": "OK", "data": {"overview": {"departmentCode": "H44", "metrics": [
...     {"code": "ON_TIME", "numerator": 9, "denominator": 10}]}}}
>>> tmp = tempfile.TemporaryDirectory()
>>> path = pathlib.Path(tmp.name) / "2024-08.json"
>>> _ = path.write_text(json.dumps(doc), encoding="utf-8")
>>> from mkbidx import methodology
>>> part = read_json(path, period=None, m=methodology.load())
>>> part.counts[["period", "unit_code", "metric", "numerator"]].values.tolist()
[['2024-08', 'H44', 'ON_TIME', 9.0]]
>>> tmp.cleanup()
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mkbidx.errors import MkbidxError
from mkbidx.inputs import portal_national
from mkbidx.inputs.cells import CONTROL_CHARACTERS
from mkbidx.inputs.frames import COUNTS_COLUMNS, GROUPS_COLUMNS, UNITS_COLUMNS, UNKNOWN_PERIOD, Part
from mkbidx.inputs.text import period_from_path
from mkbidx.methodology import Methodology

__all__ = ["read_json"]

_SHAPES = {"A": ("overview", "evaluation"), "B": ("parent", "children")}
_A_FIELDS = {
    "departmentCode",
    "departmentName",
    "departmentLevel",
    "level",
    "departmentType",
    "totalScore",
    "totalMaxScore",
    "score",
    "maxScore",
    "metrics",
}
_METRIC_FIELDS = {
    "code",
    "name",
    "numerator",
    "denominator",
    "ratio",
    "score",
    "maxScore",
    "dataQualityStatus",
}
_TOP_LEVEL_CODE = re.compile(r"[A-Z]+\d+")
_PORTAL_LEVELS = {"PROVINCE": "province", "DISTRICT": "district", "COMMUNE": "commune"}
_PORTAL_EXPECTED = (
    'phản hồi của Cổng DVCQG dạng {"code": "OK", "data": {"overview", "evaluation"}} '
    'hoặc {"code": "OK", "data": {"parent", "children"}}'
)


# The note of a file whose name carries no period (``mkbidx reconcile`` says it once).
UNKNOWN_PERIOD_NOTE = "không xác định được kỳ (period) từ tên tệp hoặc thư mục"


def _unwrap(doc: Any, path: Path) -> dict[str, Any]:
    """The ``data`` object of a portal response (also when wrapped once more)."""
    data = doc
    for _ in range(4):
        if not isinstance(data, dict):
            break
        if "code" in data and ("data" in data or "message" in data):
            code = data.get("code")
            if str(code).strip().upper() != "OK":
                raise MkbidxError(
                    f"Cổng DVCQG trả về lỗi (response code {code!r}): {data.get('message')!r}",
                    file=path,
                    column="code",
                    expected='code "OK" (tải lại dữ liệu từ Cổng)',
                )
        if any(k in data for shape in _SHAPES.values() for k in shape):
            return data
        if "data" in data:
            data = data["data"]
            continue
        if len(data) == 1 and isinstance(next(iter(data.values())), dict):
            data = next(iter(data.values()))
            continue
        break
    raise MkbidxError(
        "không phải phản hồi của Cổng DVCQG (not a portal response)",
        file=path,
        expected=_PORTAL_EXPECTED,
    )


MAX_INT_DIGITS = 18
"""Longest integer accepted in portal JSON (a count of dossiers has a few digits)."""


def _bounded_int(path: Path):
    def parse(digits: str) -> int:
        if len(digits.lstrip("-")) > MAX_INT_DIGITS:
            raise MkbidxError(
                f"số quá lớn (number too large): {digits[:12]}… ({len(digits)} chữ số)",
                file=path,
                expected=f"số đếm tối đa {MAX_INT_DIGITS} chữ số",
            )
        return int(digits)

    return parse


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    s = CONTROL_CHARACTERS.sub("", str(value)).strip()  # NUL, ESC... arrive with copy-paste
    return s or None


def _json_number(value: Any, *, path: Path, unit: str, column: str) -> float:
    """A number of a portal record (numbers may come as strings of digits)."""
    if value is None:
        return np.nan
    number = np.nan
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        if not value.strip():
            return np.nan
        try:
            number = float(value.strip())
        except ValueError:
            number = np.nan
    if not np.isfinite(number):
        raise MkbidxError(
            f"giá trị không phải số (non-numeric value): {value!r}",
            file=path,
            unit=unit,
            column=column,
            expected="một số, vd. 144625",
        )
    return number


def _check_counts(
    num: float,
    den: float,
    *,
    path: Path,
    unit: str,
    num_col: str,
    den_col: str,
    notes: list[str] | None = None,
) -> None:
    """Reject negative counts; a numerator above its denominator or a fractional count is an
    error in a user's table, but only a note in a portal response (``notes`` given): the
    portal's numbers are the oracle, its score is recomputed as published (capped at the
    metric's maximum) and reconcile shows any difference."""
    for value, col in ((num, num_col), (den, den_col)):
        if value < 0:
            raise MkbidxError(
                f"số âm (negative count): {value:g}",
                file=path,
                unit=unit,
                column=col,
                expected="một số ≥ 0",
            )
    for value, col in ((num, num_col), (den, den_col)):
        if notes is not None and np.isfinite(value) and value % 1:
            notes.append(
                f"{path}: đơn vị {unit}: số đếm {value:g} ({col}) không nguyên trong dữ liệu "
                "của Cổng (non-integer count, kept as published)"
            )
    if num > den and notes is not None:
        notes.append(
            f"{path}: đơn vị {unit}: tử số {num:g} ({num_col}) lớn hơn mẫu số {den:g} ({den_col}) "
            "trong dữ liệu của Cổng (numerator above denominator, kept as published)"
        )
    elif num > den:
        raise MkbidxError(
            f"tử số {num:g} lớn hơn mẫu số {den:g} (numerator above denominator)",
            file=path,
            unit=unit,
            column=num_col,
            expected=f"tử số ≤ mẫu số ({den_col})",
        )


def _unit_label(rec: dict[str, Any], where: str) -> str:
    return (
        _text(rec.get("departmentCode"))
        or _text(rec.get("departmentName"))
        or _text(rec.get("departmentId"))
        or where
    )


def _records(data: dict[str, Any], shape: str, path: Path) -> list[tuple[dict[str, Any], bool]]:
    root_key, children_key = _SHAPES[shape]
    root = data.get(root_key)
    children = data.get(children_key)
    if children is None:
        children = []
    if not isinstance(children, list) or (root is not None and not isinstance(root, dict)):
        raise MkbidxError(
            "cấu trúc phản hồi không đúng (unexpected response structure)",
            file=path,
            column=children_key if not isinstance(children, list) else root_key,
            expected=_PORTAL_EXPECTED,
        )
    records = [(root, True)] if root is not None else []
    for i, child in enumerate(children, start=1):
        if not isinstance(child, dict):
            raise MkbidxError(
                f"phần tử thứ {i} của {children_key} không phải một đơn vị (not an object)",
                file=path,
                column=children_key,
                expected=_PORTAL_EXPECTED,
            )
        records.append((child, False))
    if not records:
        raise MkbidxError(
            "phản hồi không có đơn vị nào (no units in response)",
            file=path,
            expected=_PORTAL_EXPECTED,
        )
    return records


def _endpoint_in_name(path: Path, m: Methodology) -> str | None:
    name = path.stem.lower()
    hits = [g.key for g in m.groups if g.endpoint in name]
    # "dvc-progress-tree" must not also match a shorter endpoint contained in it.
    hits.sort(key=lambda k: -len(m.group(k).endpoint))
    return hits[0] if hits else None


def _group_shape_a(records: list[tuple[dict[str, Any], bool]], path: Path, m: Methodology) -> str:
    known = {mt.code: mt.group for g in m.groups for mt in g.metrics}
    groups: dict[str, str] = {}
    for rec, is_root in records:
        unit = _unit_label(rec, "overview" if is_root else "evaluation")
        metrics = rec.get("metrics") or []
        if not isinstance(metrics, list):
            raise MkbidxError(
                "metrics phải là một danh sách (list)", file=path, unit=unit, column="metrics"
            )
        for metric in metrics:
            code = _text(metric.get("code")) if isinstance(metric, dict) else None
            if code is None:
                raise MkbidxError(
                    "chỉ số không có mã (metric without code)",
                    file=path,
                    unit=unit,
                    column="metrics.code",
                    expected="mỗi chỉ số có trường code",
                )
            if code not in known:
                raise MkbidxError(
                    f"mã chỉ số không có trong phương pháp tính {m.id} (unknown metric code): "
                    f"{code!r}",
                    file=path,
                    unit=unit,
                    column="metrics.code",
                    expected="một trong " + ", ".join(known),
                )
            groups.setdefault(known[code], code)
    if len(groups) > 1:
        raise MkbidxError(
            "một tệp có chỉ số của nhiều nhóm (metrics of several groups): "
            + ", ".join(f"{g} ({c})" for g, c in groups.items()),
            file=path,
            column="metrics.code",
            expected="mỗi tệp một nhóm (một endpoint)",
        )
    if groups:
        return next(iter(groups))
    by_name = _endpoint_in_name(path, m)
    if by_name and m.group(by_name).shape == "A":
        return by_name
    raise MkbidxError(
        "không xác định được nhóm chỉ số (cannot detect group): không có chỉ số nào",
        file=path,
        column="metrics",
        expected="các chỉ số (metrics) hoặc tên tệp theo endpoint, vd. transparency.json",
    )


def _group_shape_b(records: list[tuple[dict[str, Any], bool]], path: Path, m: Methodology) -> str:
    candidates = [g for g in m.groups if g.shape == "B"]

    def fields(g: Any) -> set[str]:
        return {f for mt in g.metrics for f in (*mt.numerator, mt.denominator)}

    for pool in ([r for r, is_root in records if is_root], [r for r, _ in records]):
        hits = [g for g in candidates if any(fields(g) <= rec.keys() for rec in pool)]
        if hits:
            hits.sort(key=lambda g: -len(fields(g)))
            if len(hits) > 1 and len(fields(hits[0])) == len(fields(hits[1])):
                raise MkbidxError(
                    "không xác định được nhóm chỉ số (ambiguous group): có trường của "
                    + " và ".join(g.key for g in hits),
                    file=path,
                    expected="mỗi tệp một nhóm (một endpoint)",
                )
            return hits[0].key
    by_name = _endpoint_in_name(path, m)
    if by_name and m.group(by_name).shape == "B":
        return by_name
    expected = "; ".join(f"{g.endpoint}: {', '.join(sorted(fields(g)))}" for g in candidates)
    raise MkbidxError(
        "không xác định được nhóm chỉ số (cannot detect group): không có trường số liệu nào "
        "của phương pháp tính",
        file=path,
        expected=expected,
    )


def _level(portal_level: str | None, dept_type: str | None, is_root: bool, root_level: str | None):
    pl = (portal_level or "").strip().upper()
    if is_root:
        return _PORTAL_LEVELS.get(pl or (root_level or ""))
    if "DEPARTMENT" in (dept_type or "").upper():
        return "department"
    if pl == "PROVINCE" or (pl and pl == root_level):
        return "department"
    return _PORTAL_LEVELS.get(pl)


def read_json(path: Path, *, period: str | None, m: Methodology) -> Part:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise MkbidxError(
            "tệp JSON không phải UTF-8 (encoding)", file=path, expected="tệp JSON mã UTF-8"
        ) from None
    if not text.strip():
        raise MkbidxError("tệp rỗng (empty file)", file=path, expected="một phản hồi JSON")
    try:
        doc = json.loads(text, parse_int=_bounded_int(path))
    except RecursionError:
        raise MkbidxError(
            "JSON lồng quá sâu (nesting too deep)",
            file=path,
            expected=_PORTAL_EXPECTED,
        ) from None
    except json.JSONDecodeError as exc:
        raise MkbidxError(
            f"JSON không hợp lệ (malformed JSON): {exc.msg}, ký tự thứ {exc.colno}",
            file=path,
            row=exc.lineno,
            expected=_PORTAL_EXPECTED,
        ) from None
    data = _unwrap(doc, path)
    if portal_national.is_national(data):  # the national summary (service-results)
        return portal_national.read(data, path, period=period, m=m)
    shape = "A" if ("overview" in data or "evaluation" in data) else "B"
    records = _records(data, shape, path)
    group_key = (_group_shape_a if shape == "A" else _group_shape_b)(records, path, m)
    group = m.group(group_key)
    notes: list[str] = []
    named = _endpoint_in_name(path, m)
    if named and named != group_key:
        notes.append(
            f"{path}: tên tệp gợi ý nhóm {named} nhưng nội dung là nhóm {group_key} "
            f"({group.endpoint}); dùng theo nội dung"
        )
    per = period or period_from_path(path)
    if per is None:
        per = UNKNOWN_PERIOD
        notes.append(
            f"{path}: {UNKNOWN_PERIOD_NOTE}; ghi là "
            f"'{UNKNOWN_PERIOD}' (dùng --period hoặc đặt tên thư mục như phu-tho-2026-08)"
        )
    source = str(path)
    used_fields = {f for mt in group.metrics for f in (*mt.numerator, mt.denominator or "")}
    root_code: str | None = None
    root_level: str | None = None
    counts: list[tuple[Any, ...]] = []
    groups: list[tuple[Any, ...]] = []
    units: list[dict[str, Any]] = []
    no_counts: list[str] = []
    max_mismatch: dict[str, tuple[float, float]] = {}
    seen: dict[str, int] = {}
    for index, (rec, is_root) in enumerate(records):
        where = "overview/parent" if is_root else f"đơn vị thứ {index} trong danh sách con"
        label = _unit_label(rec, where)
        code = _text(rec.get("departmentCode"))
        has_code = code is not None
        if code is None:
            code = _text(rec.get("departmentId"))
        if code is None:
            raise MkbidxError(
                "đơn vị không có mã (unit_code empty)",
                file=path,
                unit=label,
                column="departmentCode",
                expected="departmentCode hoặc departmentId",
            )
        if code in seen:
            raise MkbidxError(
                f"đơn vị {code} xuất hiện hai lần trong tệp (duplicate unit)",
                file=path,
                unit=label,
                column="departmentCode",
                expected="mỗi đơn vị một lần",
            )
        seen[code] = index
        portal_level = _text(rec.get("departmentLevel")) or _text(rec.get("level"))
        if is_root:
            root_code = code
            root_level = (portal_level or "").upper() or None
        if shape == "A":
            metrics = rec.get("metrics") or []
            metric_extra: dict[str, Any] = {}
            for metric in metrics:
                mcode = _text(metric["code"])
                num = _json_number(
                    metric.get("numerator"), path=path, unit=label, column="numerator"
                )
                den = _json_number(
                    metric.get("denominator"), path=path, unit=label, column="denominator"
                )
                col = f"metrics[{mcode}]"
                _check_counts(
                    num,
                    den,
                    path=path,
                    unit=label,
                    num_col=f"{col}.numerator",
                    den_col=f"{col}.denominator",
                    notes=notes,
                )
                ratio = _json_number(metric.get("ratio"), path=path, unit=label, column="ratio")
                score = _json_number(metric.get("score"), path=path, unit=label, column="score")
                published_max = _json_number(
                    metric.get("maxScore"), path=path, unit=label, column=f"{col}.maxScore"
                )
                expected_max = m.metric(mcode).max
                if np.isfinite(published_max) and abs(published_max - expected_max) > 1e-9:
                    max_mismatch.setdefault(mcode, (published_max, expected_max))
                counts.append(
                    (
                        per,
                        code,
                        group_key,
                        mcode,
                        num,
                        den,
                        ratio,
                        score,
                        _text(metric.get("dataQualityStatus")),
                        source,
                    )
                )
                unknown = {k: v for k, v in metric.items() if k not in _METRIC_FIELDS}
                if unknown:
                    metric_extra[mcode] = unknown
            consumed = _A_FIELDS
        else:
            metric_extra = {}
            consumed = _A_FIELDS | used_fields
            rows = []
            missing_all = True
            for mt in group.metrics:
                names = (*mt.numerator, mt.denominator)
                present = [f for f in names if rec.get(f) is not None]
                if not present:
                    continue
                missing_all = False
                absent = [f for f in names if rec.get(f) is None]
                if absent:
                    raise MkbidxError(
                        f"thiếu trường số liệu (missing count field) của chỉ số {mt.code}",
                        file=path,
                        unit=label,
                        column=absent[0],
                        expected="đủ các trường " + ", ".join(names),
                    )
                num = sum(
                    _json_number(rec[f], path=path, unit=label, column=f) for f in mt.numerator
                )
                den = _json_number(
                    rec[mt.denominator], path=path, unit=label, column=mt.denominator
                )
                num_col = "+".join(mt.numerator)
                _check_counts(
                    num,
                    den,
                    path=path,
                    unit=label,
                    num_col=num_col,
                    den_col=mt.denominator,
                    notes=notes,
                )
                rows.append((per, code, group_key, mt.code, num, den, np.nan, np.nan, None, source))
            if missing_all:
                no_counts.append(label)
            counts.extend(rows)
        score_key = "totalScore" if "totalScore" in rec else "score" if "score" in rec else None
        if score_key is not None:
            max_key = "totalMaxScore" if "totalMaxScore" in rec else "maxScore"
            groups.append(
                (
                    per,
                    code,
                    group_key,
                    _json_number(rec.get(score_key), path=path, unit=label, column=score_key),
                    _json_number(rec.get(max_key), path=path, unit=label, column=max_key),
                    source,
                    group.endpoint,
                )
            )
        extra = {k: v for k, v in rec.items() if k not in consumed}
        if metric_extra:
            extra["metrics_extra"] = metric_extra
        if is_root:
            for key, value in data.items():
                if key not in _SHAPES[shape]:
                    extra.setdefault(key, value)
        units.append(
            {
                "period": per,
                "unit_code": code,
                "unit_name": _text(rec.get("departmentName")),
                "portal_level": portal_level,
                "department_type": _text(rec.get("departmentType")),
                "is_root": is_root,
                "source_file": source,
                "extra": extra,
                "portal_code": code if has_code else None,
                "department_id": _text(rec.get("departmentId")),
                "_has_code": has_code,
            }
        )
    if root_level is None and any(
        (u["portal_level"] or "").upper() == "PROVINCE" for u in units if not u["is_root"]
    ):
        root_level = "PROVINCE"  # shape-B roots carry no level; departments say it is a province
    if root_level is None and root_code and _TOP_LEVEL_CODE.fullmatch(root_code):
        root_level = "PROVINCE"  # portal codes are dotted below the province ("H44" > "H44.100")
    for unit in units:
        unit["level"] = _level(
            unit["portal_level"], unit["department_type"], unit["is_root"], root_level
        )
        unit["parent_code"] = None if unit["is_root"] else root_code
    if no_counts:
        notes.append(
            f"{path} ({group.endpoint}): {len(no_counts)} đơn vị chỉ công bố điểm, không có số "
            f"liệu gốc (no raw counts); không tính lại được điểm của các đơn vị này, dùng điểm "
            f"công bố: " + ", ".join(no_counts[:5]) + (" …" if len(no_counts) > 5 else "")
        )
    for mcode, (published, expected) in max_mismatch.items():
        notes.append(
            f"{path}: điểm tối đa (maxScore) của chỉ số {mcode} trên Cổng là {published:g}, "
            f"phương pháp tính {m.id} ghi {expected:g}"
        )
    return Part(
        file=path,
        counts=pd.DataFrame.from_records(counts, columns=list(COUNTS_COLUMNS)).astype(
            {c: float for c in ("numerator", "denominator", "published_ratio", "published_score")}
        ),
        groups=pd.DataFrame.from_records(groups, columns=list(GROUPS_COLUMNS)).astype(
            {"published_score": float, "published_max": float}
        ),
        units=pd.DataFrame(units, columns=[*UNITS_COLUMNS, "_has_code"]),
        notes=notes,
        from_json=True,
    )
