"""The gap-to-target plan in words: metric names, actions ("thêm 12 hồ sơ ...") and notes.

:func:`mkbidx.core.gap.to_target` plans the fewest additional counts per unit and returns codes,
counts and a note *kind*; :func:`describe` adds the Vietnamese wording, and :func:`gap_table`
does both (the table of ``mkbidx gap`` and of the reports' gap-to-target sections).

Examples
--------
>>> import pandas as pd
>>> c = pd.DataFrame({"period": "2024-08", "unit_code": "x",
...     "group": ["tien_do", "thanh_toan", "so_hoa"],
...     "metric": ["ON_TIME", "ONLINE_PAYMENT_DOSSIERS", "ORIGINAL_RESULT_AVAILABLE"],
...     "numerator": [50, 0, 10], "denominator": [100, 40, 10]})
>>> gap_table(c, period="2024-08", target=30)["action"].tolist()
['thêm 50 hồ sơ giải quyết đúng hạn', 'thêm 27 hồ sơ thanh toán phí, lệ phí trực tuyến']
>>> gap_table(c, period="2024-08", target=99)["note"].tolist()
['không thể đạt 99 điểm chỉ bằng việc tăng số hồ sơ, TTHC đạt yêu cầu (tối đa 32 điểm)']
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from mkbidx import methodology as _methodology
from mkbidx.core import gap
from mkbidx.errors import MkbidxError
from mkbidx.methodology import Methodology
from mkbidx.present import formatting
from mkbidx.present.alerts import published_only_note

COLUMNS = gap.COLUMNS
"""The columns of the command line's gap table, in order (as :data:`mkbidx.core.gap.COLUMNS`)."""
DETAIL_COLUMNS = [*COLUMNS, "metric_name", "action", "numerator", "denominator", "note"]
"""All columns returned by :func:`gap_table` and :func:`describe`."""
NO_COUNTS_NOTE = "không có số liệu kỳ này (no counts)"
"""The note of a unit without counts in the period."""


def _method(methodology: Methodology | None) -> Methodology:
    return methodology if methodology is not None else _methodology.load()


def action_phrase(metric_code: str, k: int, *, methodology: Methodology | None = None) -> str:
    """The Vietnamese action for ``k`` more counts of a metric: "thêm 12 hồ sơ ...".

    Examples
    --------
    >>> action_phrase("ONLINE_PAYMENT_DOSSIERS", 12)
    'thêm 12 hồ sơ thanh toán phí, lệ phí trực tuyến'
    >>> action_phrase("ON_TIME", 1234)
    'thêm 1.234 hồ sơ giải quyết đúng hạn'
    """
    metric = _method(methodology).metric(metric_code)
    noun = metric.action or f"đơn vị đạt yêu cầu của chỉ số «{metric.name}»"
    return f"thêm {formatting.integer(k)} {noun}"


def note_text(kind: str, *, target: float, best_total: float = float("nan")) -> str:
    """The note of a plan row from its kind (:data:`mkbidx.core.gap.NOTE_KINDS`).

    Examples
    --------
    >>> note_text("", target=80)
    ''
    >>> note_text("unreachable", target=80, best_total=79.5)
    'không thể đạt 80 điểm chỉ bằng việc tăng số hồ sơ, TTHC đạt yêu cầu (tối đa 79,5 điểm)'
    """
    if kind == gap.NOTE_NONE:
        return ""
    if kind == gap.NOTE_NO_COUNTS:
        return NO_COUNTS_NOTE
    if kind == gap.NOTE_UNREACHABLE:
        return (
            f"không thể đạt {formatting.points(target)} chỉ bằng việc tăng số hồ sơ, TTHC "
            f"đạt yêu cầu (tối đa {formatting.points(best_total)})"
        )
    raise ValueError(f"unknown gap note kind {kind!r}; expected one of {gap.NOTE_KINDS}")


def describe(plan: pd.DataFrame, *, methodology: Methodology | None = None) -> pd.DataFrame:
    """The plan of :func:`mkbidx.core.gap.to_target` with its wording, in the columns
    :data:`DETAIL_COLUMNS`.

    Parameters
    ----------
    plan
        From :func:`mkbidx.core.gap.to_target` (same methodology).

    Returns
    -------
    DataFrame
        The plan's rows in its order: unit_code, unit_name, total (now), target, group, metric,
        additional_count, score_after, metric_name, action ("thêm 12 hồ sơ ..."), numerator and
        denominator (now), note ("" on action rows; why a unit has no action otherwise).
        metric_name and action are None on note rows.
    """
    m = _method(methodology)
    is_action = plan["note"] == gap.NOTE_NONE
    metric_names, actions, notes = [], [], []
    for action, code, k, kind, target, best in zip(
        is_action,
        plan["metric"],
        plan["additional_count"],
        plan["note"],
        plan["target"],
        plan["best_total"],
        strict=True,
    ):
        metric_names.append(m.metric(str(code)).name if action else None)
        actions.append(action_phrase(str(code), int(k), methodology=m) if action else None)
        notes.append(note_text(kind, target=target, best_total=best))
    # dtypes inferred from the values, as for the plan's other columns (object when empty)
    dtype = None if len(plan) else object
    out = plan.assign(
        metric_name=pd.Series(metric_names, index=plan.index, dtype=dtype),
        action=pd.Series(actions, index=plan.index, dtype=dtype),
        note=pd.Series(notes, index=plan.index, dtype=dtype),
    )
    return out[DETAIL_COLUMNS]


def gap_table(
    counts: pd.DataFrame,
    *,
    period: str,
    scope: str | None = None,
    units: pd.DataFrame | None = None,
    unit_codes: Sequence[str] | None = None,
    target: float | None = None,
    published_groups: pd.DataFrame | None = None,
    require_action: bool = True,
    methodology: Methodology | None = None,
) -> pd.DataFrame:
    """The actions that lift each unit below the target to the target, in words.

    :func:`mkbidx.core.gap.to_target` (same parameters) followed by :func:`describe`.

    Returns
    -------
    DataFrame
        The columns :data:`DETAIL_COLUMNS`; :data:`COLUMNS` are the command line's table.
    """
    m = _method(methodology)
    _check_period(counts, published_groups, period=period)
    plan = gap.to_target(
        counts,
        period=period,
        scope=scope,
        units=units,
        unit_codes=unit_codes,
        target=target,
        published_groups=published_groups,
        require_action=require_action,
        methodology=m,
    )
    return describe(plan, methodology=m)


def _check_period(
    counts: pd.DataFrame, published_groups: pd.DataFrame | None, *, period: str
) -> None:
    """Refuse a month without counts in one line: naming the table of published scores that
    has no counts, or else listing the periods the data has (counts or published scores)."""
    if (counts["period"].astype(str) == str(period)).any():
        return
    pub = published_groups if published_groups is not None else pd.DataFrame(columns=["period"])
    here = pub[pub["period"].astype(str) == str(period)]
    files = sorted(set(here["source_file"].dropna().astype(str))) if "source_file" in here else []
    if len(here):
        raise MkbidxError(
            published_only_note(f"khoảng cách đến mục tiêu kỳ {period}").rstrip("."),
            file=", ".join(files) or None,
            column="numerator, denominator",
            expected="số liệu gốc (phản hồi JSON của Cổng, hoặc bảng có tử số, mẫu số)",
        )
    available = sorted(set(counts["period"].astype(str)) | set(pub["period"].astype(str)))
    files = []
    if "source_file" in counts:
        files = sorted(set(counts["source_file"].dropna().astype(str)))
    raise MkbidxError(
        f"không có số liệu kỳ {period} (missing period)",
        file=formatting.short_list(files, 3) or None,
        column="period",
        expected="một kỳ có trong dữ liệu: " + formatting.short_list(available),
    )
