"""The trend report's tables: snake_case frames for the CSV files, Vietnamese sheets for the
workbook."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from mkbidx.present import formatting
from mkbidx.present.labels import RECONSTRUCTED_LABEL
from mkbidx.reports.common import sheet_frame
from mkbidx.reports.trend_view import TrendReport


def report_tables(r: TrendReport) -> dict[str, pd.DataFrame]:
    """The report's tables with snake_case columns (what the CSV files hold)."""
    tables = {
        "totals": r.series,
        "changes": r.changes,
        "month_changes": r.month_changes,
        "year_changes": r.frames.year_changes,
        "ranks": r.ranks,
        "streaks": r.streaks,
        "decomposition": r.decomposition,
        "drivers": r.drivers,
        "peers": r.peers,
        "summary": r.frames.summary,
    }
    if r.comparison is not None:
        tables["comparison"] = r.comparison
    if r.gap is not None:
        tables["gap"] = r.gap
    if r.merged is not None:
        tables["merged"] = r.merged
    return tables


SHEET_NAMES = {
    "totals": "Tổng điểm",
    "changes": "Thay đổi tháng cuối",
    "month_changes": "So với tháng trước",
    "year_changes": "So với cùng kỳ",
    "ranks": "Thứ hạng",
    "streaks": "Chuỗi tháng",
    "decomposition": "Theo nhóm chỉ số",
    "drivers": "Nhóm tác động",
    "peers": "Đơn vị cùng cấp",
    "summary": "Tóm tắt",
    "comparison": "So sánh hai kỳ",
    "gap": "Khoảng cách",
    "merged": "Xã sau sáp nhập",
}


def vietnamese_sheets(r: TrendReport, tables: Mapping[str, pd.DataFrame]):
    labels = formatting.column_labels(r.methodology)
    labels.update(
        {
            "reconstructed": RECONSTRUCTED_LABEL.capitalize(),
            "prev_period": "Kỳ trước",
            "prev_total": "Tổng điểm kỳ trước",
            "change": "Thay đổi",
            "lag": "Số tháng so sánh",
            "prev_rank": "Xếp hạng tháng trước",
            "rank_change": "Thứ hạng thay đổi",
            "year_period": "Cùng kỳ năm trước",
            "year_total": "Tổng điểm cùng kỳ năm trước",
            "year_change": "So với cùng kỳ năm trước",
            "year_reconstructed": "Cùng kỳ là số liệu dựng lại",
            "group": "Mã nhóm",
            "group_name": "Nhóm",
            "from_period": "Từ kỳ",
            "to_period": "Đến kỳ",
            "from_score": "Điểm đầu",
            "to_score": "Điểm cuối",
            "delta": "Thay đổi của nhóm",
            "from_total": "Tổng điểm đầu",
            "to_total": "Tổng điểm cuối",
            "total_delta": "Thay đổi tổng điểm",
            "first_period": "Kỳ thứ nhất",
            "second_period": "Kỳ thứ hai",
            "first_total": "Tổng điểm kỳ thứ nhất",
            "second_total": "Tổng điểm kỳ thứ hai",
            "difference": "Chênh lệch",
            "first_rank": "Xếp hạng kỳ thứ nhất",
            "second_rank": "Xếp hạng kỳ thứ hai",
            "first_months": "Số tháng kỳ thứ nhất",
            "second_months": "Số tháng kỳ thứ hai",
            "how": "Cách gộp",
            "metric": "Mã chỉ số",
            "metric_name": "Chỉ số",
            "target": "Mục tiêu",
            "additional_count": "Số lượng cần thêm",
            "action": "Việc cần làm",
            "score_after": "Tổng điểm sau đó",
            "numerator": "Tử số",
            "denominator": "Mẫu số",
            "note": "Ghi chú",
        }
    )
    sheets = {
        SHEET_NAMES.get(key, key): sheet_frame(frame, labels) for key, frame in tables.items()
    }
    scores = [labels[k] for k in r.methodology.group_keys] + [
        labels[k]
        for k in (
            "total",
            "prev_total",
            "change",
            "year_total",
            "year_change",
            "from_total",
            "to_total",
            "total_delta",
            "first_total",
            "second_total",
            "difference",
            "score_after",
        )
    ]
    return sheets, dict.fromkeys(scores, "0.00")
