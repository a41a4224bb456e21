"""The dossiers that cost points, in words: reasons, metric names, gains ("+0,05 điểm").

:func:`explain_frame` turns the gains of :func:`mkbidx.core.dossier_gain.dossier_gains` into the
rows ``mkbidx dossiers explain`` prints and the report's section "Hồ sơ làm giảm điểm" shows;
:func:`explain_lines` is the command's text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from mkbidx.methodology import Methodology
from mkbidx.present import formatting

REASONS = {
    "late": "quá hạn",
    "supplements": "yêu cầu bổ sung hồ sơ từ 2 lần trở lên",
    "complained": "có phản ánh, kiến nghị hoặc đánh giá không hài lòng",
    "not_online": "nộp trực tiếp, không nộp trực tuyến",
    "no_e_result": "không có kết quả giải quyết điện tử",
    "fee_not_paid_online": "có phí, lệ phí nhưng không thanh toán trực tuyến",
    "no_component_file": "thành phần hồ sơ không được số hóa",
    "not_reused": "không tái sử dụng dữ liệu đã số hóa",
    "not_from_store": "không sử dụng dữ liệu từ Kho dữ liệu điện tử của công dân",
    "no_citizen_data": "không khai thác dữ liệu dân cư",
    "not_synced": "chưa đồng bộ lên Cổng DVCQG",
}
"""Vietnamese wording of each reason code of ``costly_dossiers``."""

EXPLAIN_COLUMNS = (
    "order",
    "dossier_id",
    "unit_code",
    "unit_name",
    "procedure_code",
    "gain",
    "reasons",
    "metrics",
    "days_late",
    "received_at",
    "due_at",
    "finished_at",
)
"""Columns of :func:`explain_frame` (the CSV of ``mkbidx dossiers explain`` and the report)."""

LABELS = {
    "order": "STT",
    "dossier_id": "Mã hồ sơ",
    "unit_code": "Mã đơn vị",
    "unit_name": "Đơn vị",
    "procedure_code": "Mã TTHC",
    "gain": "Điểm tăng nếu khắc phục",
    "reasons": "Lý do làm giảm điểm",
    "metrics": "Chỉ số bị ảnh hưởng",
    "days_late": "Số ngày quá hạn",
    "received_at": "Ngày tiếp nhận",
    "due_at": "Ngày hẹn trả",
    "finished_at": "Ngày kết thúc",
}
"""Vietnamese column labels of :func:`explain_frame`."""


def _count(x: Any) -> int | None:
    if x is None:
        return None
    try:
        if pd.isna(x):
            return None
    except (TypeError, ValueError):
        return None
    return int(x)


def reason_text(code: str, *, days_late: Any = None, supplements: Any = None) -> str:
    """One reason in Vietnamese.

    Examples
    --------
    >>> reason_text("late", days_late=3), reason_text("late", days_late=0)
    ('quá hạn 3 ngày', 'quá hạn dưới 1 ngày')
    >>> reason_text("supplements", supplements=2), reason_text("supplements")
    ('yêu cầu bổ sung hồ sơ 2 lần', 'yêu cầu bổ sung hồ sơ từ 2 lần trở lên')
    >>> reason_text("fee_not_paid_online")
    'có phí, lệ phí nhưng không thanh toán trực tuyến'
    """
    if code == "late":
        days = _count(days_late)
        if days is None:
            return REASONS["late"]
        return f"quá hạn {formatting.integer(days)} ngày" if days > 0 else "quá hạn dưới 1 ngày"
    if code == "supplements":
        n = _count(supplements)
        return f"yêu cầu bổ sung hồ sơ {n} lần" if n is not None and n >= 2 else REASONS[code]
    return REASONS.get(code, code)


def reasons_text(codes: Iterable[str], *, days_late: Any = None, supplements: Any = None) -> str:
    """Every reason of a dossier, joined by "; " (each once).

    >>> reasons_text(["late", "complained", "late"], days_late=5)
    'quá hạn 5 ngày; có phản ánh, kiến nghị hoặc đánh giá không hài lòng'
    """
    texts = [reason_text(c, days_late=days_late, supplements=supplements) for c in codes]
    return "; ".join(dict.fromkeys(texts))


def gain_text(gain: Any) -> str:
    """A gain in points: ``"+0,05 điểm"``.

    >>> gain_text(0.05), gain_text(1.2), gain_text(0)
    ('+0,05 điểm', '+1,20 điểm', '+0,00 điểm')
    """
    text = formatting.signed(gain)
    return f"{text if text.startswith(('+', formatting.MINUS)) else '+' + text} điểm"


def metric_names(methodology: Methodology) -> dict[str, str]:
    """metric code → its name in the methodology ("Tỷ lệ hồ sơ giải quyết đúng hạn")."""
    frame = methodology.metrics_frame()
    return dict(zip(frame["metric"], frame["metric_name"], strict=True))


def explain_frame(
    gains: pd.DataFrame,
    *,
    methodology: Methodology,
    unit_names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The dossiers that cost points, in words, in the order of ``gains``.

    Parameters
    ----------
    gains
        :func:`mkbidx.core.dossier_gain.dossier_gains` (one or several units).
    unit_names
        unit code → name (default: the code).

    Returns
    -------
    DataFrame
        :data:`EXPLAIN_COLUMNS`: order (1, 2, … per unit), reasons and metrics as Vietnamese
        text, gain in points (float), timestamps as ``dd/mm/yyyy hh:mm``.
    """
    names = metric_names(methodology)
    unit_names = unit_names or {}
    rows = []
    for g in gains.itertuples(index=False):
        rows.append(
            {
                "dossier_id": g.dossier_id,
                "unit_code": g.unit_code,
                "unit_name": unit_names.get(g.unit_code, g.unit_code),
                "procedure_code": g.procedure_code,
                "gain": float(g.gain),
                "reasons": reasons_text(
                    g.reasons, days_late=g.days_late, supplements=g.supplement_requests
                ),
                "metrics": "; ".join(names.get(m, m) for m in g.metrics),
                "days_late": int(g.days_late),
                "received_at": _when(g.received_at),
                "due_at": _when(g.due_at),
                "finished_at": _when(g.finished_at),
            }
        )
    frame = pd.DataFrame(rows, columns=[c for c in EXPLAIN_COLUMNS if c != "order"])
    frame.insert(0, "order", frame.groupby("unit_code", sort=False).cumcount() + 1)
    return frame


def _when(x: Any) -> str:
    """``05/08/2024 09:30``; empty for a missing time."""
    if x is None:
        return ""
    ts = pd.Timestamp(x) if not isinstance(x, pd.Timestamp) else x
    if pd.isna(ts):
        return ""
    return ts.strftime("%d/%m/%Y %H:%M")


def explain_lines(
    frame: pd.DataFrame,
    *,
    unit_name: str,
    unit_code: str,
    period: str,
    total: Any = None,
    limit: int | None = None,
    provisional: bool = False,
) -> list[str]:
    """What ``mkbidx dossiers explain`` prints: a heading, then one line per dossier.

    ``frame`` is :func:`explain_frame` of one unit; ``limit`` shows the first rows only and
    says how many more there are.

    Examples
    --------
    >>> f = pd.DataFrame({"order": [1], "dossier_id": ["HS-1"], "procedure_code": ["1.0001"],
    ...     "gain": [0.05], "reasons": ["quá hạn 3 ngày"],
    ...     "metrics": ["Tỷ lệ hồ sơ giải quyết đúng hạn"]})
    >>> print("\\n".join(explain_lines(f, unit_name="Xã A", unit_code="1", period="2024-08")))
    Xã A (1), tháng 8/2024: 1 hồ sơ làm giảm điểm, theo điểm tăng nếu khắc phục
     1. HS-1 (TTHC 1.0001)  +0,05 điểm  quá hạn 3 ngày [Tỷ lệ hồ sơ giải quyết đúng hạn]
    """
    label = formatting.period_label(period)
    head = f"{unit_name} ({unit_code}), {label}"
    if provisional:
        head += " (số liệu tạm tính)"
    if total is not None and not pd.isna(total):
        head += f", tổng điểm {formatting.score(total)}"
    n = len(frame)
    if n == 0:
        return [f"{head}: không có hồ sơ nào làm giảm điểm."]
    lines = [f"{head}: {formatting.integer(n)} hồ sơ làm giảm điểm, theo điểm tăng nếu khắc phục"]
    shown = frame if limit is None else frame.head(limit)
    width = len(str(len(shown)))
    for r in shown.itertuples(index=False):
        procedure = f" (TTHC {r.procedure_code})" if _present(r.procedure_code) else ""
        lines.append(
            f"{r.order:>{width + 1}}. {r.dossier_id}{procedure}  {gain_text(r.gain)}  "
            f"{r.reasons} [{r.metrics}]"
        )
    if len(shown) < n:
        lines.append(f"… và {formatting.integer(n - len(shown))} hồ sơ khác (--limit để xem thêm)")
    return lines


def _present(x: Any) -> bool:
    return x is not None and not (isinstance(x, float) and pd.isna(x)) and str(x) != ""
