"""The one-page A4 brief: one page, A4, fonts embedded, numbers extractable as text."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pandas as pd
import pypdf
import pytest

from mkbidx import methodology
from mkbidx.present.brief import brief_pdf
from mkbidx.reports.brief import brief_view
from mkbidx.run.brief import BRIEF_PDF, write_brief

A4_POINTS = (595.2, 841.9)  # 210 × 297 mm


def _report(n_units: int = 16, *, data_path=None) -> SimpleNamespace:
    """A monthly report's fields the brief reads (what MonthlyReport carries)."""
    names = [f"Xã Đơn Vị Số {i}" for i in range(1, n_units + 1)]
    totals = [round(95 - 1.37 * i, 2) for i in range(n_units)]
    table = pd.DataFrame(
        {
            "unit_code": [f"{i:05d}" for i in range(n_units)],
            "unit_name": names,
            "total": totals,
            "rank": range(1, n_units + 1),
            "band": ["Tốt" if t >= 80 else "Chưa tốt" for t in totals],
        }
    )
    alerts = pd.DataFrame(
        {
            "unit_name": ["Xã Tả Gia Khâu"] * 7,
            "kind_label": ["Giảm từ 5 điểm"] * 7,
            "detail": [f"Tổng điểm giảm 7,0{i} điểm so với tháng 7/2024." for i in range(7)],
        }
    )
    return SimpleNamespace(
        methodology=methodology.load(),
        period="2024-08",
        scope="083",
        scope_name="Huyện Mường Khương",
        scope_row={"total": 88.23, "rank": 1, "rank_of": 9, "band": "Tốt"},
        table=table,
        alerts=alerts,
        headline_text="88,23/100 điểm, xếp hạng 1/9 huyện, thành phố",
        change_text="Tăng 3,73 điểm so với tháng 7/2024 (84,50 điểm, xếp hạng 2/9).",
        units_text="13/16 xã, thị trấn đạt từ 80 điểm (Tốt); 3 đơn vị dưới 80 điểm.",
        inputs=(SimpleNamespace(path="mkbidx-sample-counts.csv"),),
        data_path=data_path,
        notes=(),
    )


def _read(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


@pytest.mark.parametrize("n_units", [3, 16, 163])
def test_one_a4_page_with_numbers_as_text(n_units):
    pdf = brief_pdf(brief_view(_report(n_units)))
    reader = _read(pdf)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(A4_POINTS[0], abs=1)
    assert float(box.height) == pytest.approx(A4_POINTS[1], abs=1)
    text = reader.pages[0].extract_text()
    for expected in (
        "Huyện Mường Khương",
        "tháng 8/2024",
        "88,23 điểm",
        "xếp hạng 1/9",
        "Tăng 3,73 điểm",
        "80 điểm",
        "95,00",  # the first bar's total
        "Cảnh báo chính",
        "Tổng điểm giảm 7,00 điểm",
        "Số liệu tháng 8/2024",
    ):
        assert expected in text, expected


def test_fonts_are_embedded_truetype():
    page = _read(brief_pdf(brief_view(_report()))).pages[0]
    fonts = page["/Resources"]["/Font"]
    assert fonts
    for ref in fonts.values():
        font = ref.get_object()
        desc = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        assert "/FontFile2" in desc["/FontDescriptor"].get_object()  # embedded TrueType
        assert "DejaVuSans" in str(font["/BaseFont"])


def test_units_under_80_listed_and_many_units_fit():
    view = brief_view(_report(163))
    assert len(view.bars) == 30  # first and last 15 of the ranking
    assert view.under and view.under_more > 0
    assert view.alerts_more == 2 and len(view.alerts) == 5
    text = _read(brief_pdf(view)).pages[0].extract_text()
    assert "Đơn vị dưới 80 điểm" in text and "đơn vị khác" in text


def test_same_view_same_bytes_and_written_beside_the_report(tmp_path):
    r = _report()
    path = write_brief(r, tmp_path)
    assert path == tmp_path / BRIEF_PDF
    assert path.read_bytes() == brief_pdf(brief_view(r))


def test_provisional_fetch_is_marked(tmp_path):
    import json

    (tmp_path / "manifest.json").write_text(
        json.dumps(
            {
                "kind": "mkbidx-portal-fetch",
                "period": "2024-08",
                "complete": True,
                "provisional": True,
                "finished_at": "2024-08-20T03:00:00+00:00",
                "files": [],
                "expected_files": [],
            }
        ),
        encoding="utf-8",
    )
    view = brief_view(_report(data_path=tmp_path))
    assert view.provisional and "TẠM TÍNH" in view.provisional
    assert "20/08/2024" in view.data_line or "20/8/2024" in view.data_line
    text = _read(brief_pdf(view)).pages[0].extract_text()
    assert "TẠM TÍNH" in text
