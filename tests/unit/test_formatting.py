"""Vietnamese formatting: numbers, periods, dates, unit labels, styled tables."""

from __future__ import annotations

import doctest
import re
import unicodedata
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mkbidx import methodology
from mkbidx.errors import MkbidxError
from mkbidx.present import formatting as f

M = methodology.load()
MINUS = "\u2212"

# The 9 district-level units of Lào Cai in 2024 (7 huyện, 1 thị xã, 1 thành phố).
LAO_CAI_DISTRICTS = [
    "Thành phố Lào Cai",
    "Huyện Bát Xát",
    "Huyện Mường Khương",
    "Huyện Si Ma Cai",
    "Huyện Bắc Hà",
    "Huyện Bảo Thắng",
    "Huyện Bảo Yên",
    "Thị xã Sa Pa",
    "Huyện Văn Bàn",
]
# The 13 units praised in the seed letter, in its order, with their kind prefix.
SEED_GOOD = [
    "Xã Tả Thành",
    "Xã Bản Lầu",
    "Xã Bản Sen",
    "Xã Lũng Vai",
    "Xã Thanh Bình",
    "Xã Nậm Lư",
    "Xã Tả Ngải Chồ",
    "Xã La Pan Tân",
    "Thị trấn Mường Khương",
    "Xã Nậm Chảy",
    "Xã Lũng Khấu Nhin",
    "Xã Dìn Chín",
    "Xã Pha Long",
]


def test_module_doctests_pass():
    result = doctest.testmod(f, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 40
    assert result.failed == 0


# ---------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (88.23, 2, "88,23"),
        (1234.5, 2, "1.234,50"),
        (1234567.891, 2, "1.234.567,89"),
        (0, 2, "0,00"),
        (0.0, 0, "0"),
        (-0.4, 2, f"{MINUS}0,40"),
        (-1234.5, 1, f"{MINUS}1.234,5"),
        (0.125, 2, "0,13"),  # half-up, where round() gives 0.12
        (0.135, 2, "0,14"),
        (2.675, 2, "2,68"),  # as written, not the binary 2.67499…
        (2.5, 0, "3"),  # round() would give 2
        (-2.5, 0, f"{MINUS}3"),  # half away from zero
        (-0.004, 2, "0,00"),  # no negative zero
        (100, 2, "100,00"),
        (np.float64(15.675), 2, "15,68"),
        (np.int64(1234), 0, "1.234"),
        (Decimal("0.005"), 2, "0,01"),
        (1 / 3, 4, "0,3333"),
    ],
)
def test_number(value, decimals, expected):
    assert f.number(value, decimals) == expected


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA, Decimal("NaN")])
def test_missing_values_show_a_dash(missing):
    assert f.number(missing) == "–"
    assert f.score(missing) == "–"
    assert f.percent(missing) == "–"
    assert f.signed(missing) == "–"
    assert f.integer(missing) == "–"
    assert f.compact(missing) == "–"


def test_number_rejects_negative_decimals():
    with pytest.raises(ValueError):
        f.number(1.0, -1)


def test_infinity_is_visible_not_a_crash():
    assert f.number(float("inf")) == "∞"
    assert f.number(float("-inf")) == f"{MINUS}∞"


def test_score_is_two_decimals():
    assert f.score(88.23) == "88,23"
    assert f.score(80) == "80,00"
    assert f.score(15.675) == "15,68"


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [
        (0.8421, "84,21%"),
        (0.842105, "84,21%"),
        (0.84215, "84,22%"),  # half-up on the percent
        (1, "100,00%"),
        (0, "0,00%"),
        (-0.05, f"{MINUS}5,00%"),
        (12.5, "1.250,00%"),
    ],
)
def test_percent(ratio, expected):
    assert f.percent(ratio) == expected


def test_percent_decimals():
    assert f.percent(0.5, 0) == "50%"
    assert f.percent(0.12345, 1) == "12,3%"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (1.25, "+1,25"),
        (-0.4, f"{MINUS}0,40"),
        (0, "0,00"),
        (0.004, "0,00"),
        (-0.004, "0,00"),
        (0.005, "+0,01"),
        (-0.005, f"{MINUS}0,01"),
        (1234.5, "+1.234,50"),
    ],
)
def test_signed(change, expected):
    assert f.signed(change) == expected


def test_signed_decimals():
    assert f.signed(3, 0) == "+3"


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1234, "1.234"), (0, "0"), (-56789, f"{MINUS}56.789"), (1_000_000, "1.000.000"), (2.5, "3")],
)
def test_integer(n, expected):
    assert f.integer(n) == expected


@pytest.mark.parametrize(
    ("n", "expected"), [(0, "00"), (3, "03"), (9, "09"), (10, "10"), (13, "13"), (1234, "1.234")]
)
def test_count_padded(n, expected):
    assert f.count_padded(n) == expected


def test_count_padded_rejects_negative():
    with pytest.raises(ValueError):
        f.count_padded(-1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(100, "100"), (100.0, "100"), (2.5, "2,5"), (88.235, "88,24"), (0, "0"), (12000, "12.000")],
)
def test_compact(value, expected):
    assert f.compact(value) == expected


def test_points():
    assert f.points(80) == "80 điểm"
    assert f.points(88.23) == "88,23 điểm"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("88,23", 88.23),
        ("1.234,50", 1234.5),
        (f"{MINUS}0,40", -0.4),
        ("-0,40", -0.4),
        ("+1,25", 1.25),
        ("84,21%", 84.21),
        ("1.234", 1234.0),
        ("0", 0.0),
    ],
)
def test_parse_number(text, expected):
    assert f.parse_number(text) == expected


def test_parse_number_missing_and_garbage():
    assert np.isnan(f.parse_number("–"))
    assert np.isnan(f.parse_number(""))
    with pytest.raises(ValueError):
        f.parse_number("88.23.1,2,3")
    with pytest.raises(ValueError):
        f.parse_number("abc")


def _half_up(x: float, decimals: int) -> Decimal:
    return Decimal(repr(x)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


@given(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False),
    st.integers(min_value=0, max_value=4),
)
def test_parse_number_inverts_number(x, decimals):
    text = f.number(x, decimals)
    assert f.parse_number(text) == float(_half_up(x, decimals))


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_two_decimal_values_round_trip_exactly(cents):
    x = cents / 100
    text = f.number(x)
    assert f.parse_number(text) == x
    pattern = rf"{MINUS}?\d{{1,3}}(\.\d{{3}})*,\d{{2}}"
    assert re.fullmatch(pattern, text)
    assert text.startswith(MINUS) == (cents < 0)


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
def test_signed_sign_agrees_with_the_rounded_value(x):
    text = f.signed(x)
    rounded = _half_up(x, 2)
    if rounded > 0:
        assert text.startswith("+")
    elif rounded < 0:
        assert text.startswith(MINUS)
    else:
        assert text == "0,00"


# ---------------------------------------------------------------------------- ranks, scores


def test_rank_and_score_labels():
    assert f.rank_label(1, 9) == "1/9"
    assert f.rank_label(np.int64(12), pd.array([16], dtype="Int64")[0]) == "12/16"
    assert f.rank_label(pd.NA, 9) == "–"
    assert f.score_of_max(88.23, 100) == "88,23/100"
    assert f.score_of_max(15.675, 20) == "15,68/20"
    assert f.score_of_max(float("nan"), 18) == "–/18"


def test_seed_sentence_can_be_composed():
    # "88,23/100 điểm, xếp hạng 1/9 huyện, thành phố" (seed letter, point 1).
    peers = f.peers_phrase("district", LAO_CAI_DISTRICTS)
    text = f"{f.score_of_max(88.23, 100)} điểm, {f.rank_phrase(1, 9, peers)}"
    assert text == "88,23/100 điểm, xếp hạng 1/9 huyện, thành phố"


def test_seed_praise_list_and_counts():
    # "UBND 13 xã, thị trấn ... (Tả Thành, Bản Lầu, ..., thị trấn Mường Khương, ...)".
    assert f"UBND {f.units_phrase(SEED_GOOD)}" == "UBND 13 xã, thị trấn"
    assert f.name_list(SEED_GOOD) == (
        "Tả Thành, Bản Lầu, Bản Sen, Lũng Vai, Thanh Bình, Nậm Lư, Tả Ngải Chồ, La Pan Tân, "
        "thị trấn Mường Khương, Nậm Chảy, Lũng Khấu Nhin, Dìn Chín, Pha Long"
    )
    # "Chủ tịch UBND 03 xã (chỉ số chưa đứng ở top tốt)".
    assert f.units_phrase(["Xã Tung Chung Phố", "Xã Cao Sơn", "Xã Tả Gia Khâu"]) == "03 xã"


# ---------------------------------------------------------------------------- periods and dates


@pytest.mark.parametrize(
    ("period", "label", "long", "short", "kind"),
    [
        ("2024-08", "tháng 8/2024", "tháng 8 năm 2024", "8/2024", "month"),
        ("2024-12", "tháng 12/2024", "tháng 12 năm 2024", "12/2024", "month"),
        ("2026-Q3", "quý 3/2026", "quý 3 năm 2026", "quý 3/2026", "quarter"),
        ("2026", "năm 2026", "năm 2026", "2026", "year"),
    ],
)
def test_period_labels(period, label, long, short, kind):
    assert f.period_label(period) == label
    assert f.period_long(period) == long
    assert f.period_short(period) == short
    assert f.period_kind(period) == kind


@pytest.mark.parametrize("bad", ["2024-13", "2024-00", "2024/08", "24-08", "2024-8", "2026-Q5", ""])
def test_bad_period_raises_user_error(bad):
    with pytest.raises(MkbidxError) as info:
        f.period_label(bad)
    assert "period" in str(info.value)


@pytest.mark.parametrize(
    ("period", "first", "last"),
    [
        ("2024-08", date(2024, 8, 1), date(2024, 8, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),  # leap year
        ("2023-02", date(2023, 2, 1), date(2023, 2, 28)),
        ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30)),
        ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_period_bounds(period, first, last):
    assert f.period_bounds(period) == (first, last)


def test_seed_dates_from_period_bounds():
    # "từ ngày 01/8/2024 đến hết ngày 31/8/2024"
    first, last = f.period_bounds("2024-08")
    assert (f.date_vn(first), f.date_vn(last)) == ("01/8/2024", "31/8/2024")


@pytest.mark.parametrize(
    ("period", "previous"),
    [("2024-01", "2023-12"), ("2024-08", "2024-07"), ("2026-Q1", "2025-Q4"), ("2026", "2025")],
)
def test_previous_and_next_period(period, previous):
    assert f.previous_period(period) == previous
    assert f.next_period(previous) == period


@given(st.integers(min_value=1000, max_value=9998), st.integers(min_value=1, max_value=12))
def test_previous_next_are_inverse(year, month):
    p = f"{year:04d}-{month:02d}"
    assert f.previous_period(f.next_period(p)) == p
    first, _ = f.period_bounds(p)
    _, prev_last = f.period_bounds(f.previous_period(p))
    assert (first - prev_last).days == 1


def test_period_range():
    assert f.period_range("2024-08", "2024-08") == ["2024-08"]
    assert f.period_range("2023-11", "2024-02") == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert f.period_range("2025-Q4", "2026-Q2") == ["2025-Q4", "2026-Q1", "2026-Q2"]
    assert f.period_range("2024", "2026") == ["2024", "2025", "2026"]
    assert len(f.period_range("2020-01", "2024-12")) == 60


def test_period_range_errors():
    with pytest.raises(MkbidxError):
        f.period_range("2024-08", "2024-07")
    with pytest.raises(MkbidxError):
        f.period_range("2024-08", "2024-Q3")


def test_month_name():
    assert f.month_name(8) == "Tháng 8"
    assert f.month_name(8, words=True) == "Tháng Tám"
    assert f.month_name(1, words=True) == "Tháng Một"
    assert f.month_name(12, words=True) == "Tháng Mười Hai"
    assert len(f.MONTH_WORDS) == 12
    with pytest.raises(ValueError):
        f.month_name(13)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2024, 9, 5), "05/9/2024"),
        (date(2024, 8, 1), "01/8/2024"),
        (date(2024, 9, 10), "10/9/2024"),
        (date(2022, 6, 23), "23/6/2022"),
        (date(2024, 12, 31), "31/12/2024"),
        (datetime(2024, 9, 5, 17, 30), "05/9/2024"),
        (pd.Timestamp("2024-09-05"), "05/9/2024"),
        ("2024-09-05", "05/9/2024"),
        (None, "–"),
        (pd.NaT, "–"),
    ],
)
def test_date_vn(value, expected):
    assert f.date_vn(value) == expected


def test_date_long():
    assert f.date_long(date(2024, 9, 5)) == "ngày 05 tháng 9 năm 2024"
    assert f.date_long(date(2024, 1, 15)) == "ngày 15 tháng 01 năm 2024"
    assert f.date_long(date(2024, 11, 15)) == "ngày 15 tháng 11 năm 2024"
    blank = f.date_long(date(2024, 9, 5), blank_day=True)
    assert blank.startswith("ngày ") and blank.endswith(" tháng 9 năm 2024")
    assert "05" not in blank


# ---------------------------------------------------------------------------- unit labels


@pytest.mark.parametrize(
    ("name", "short", "inline", "kind"),
    [
        ("Xã Tả Thàng", "Tả Thàng", "xã Tả Thàng", "xã"),
        ("Thị trấn Mường Khương", "thị trấn Mường Khương", "thị trấn Mường Khương", "thị trấn"),
        ("Huyện Mường Khương", "Mường Khương", "huyện Mường Khương", "huyện"),
        ("Thành phố Lào Cai", "thành phố Lào Cai", "thành phố Lào Cai", "thành phố"),
        ("Thị xã Sa Pa", "thị xã Sa Pa", "thị xã Sa Pa", "thị xã"),
        ("Tỉnh Lào Cai", "Lào Cai", "tỉnh Lào Cai", "tỉnh"),
        ("Phường Cốc Lếu", "phường Cốc Lếu", "phường Cốc Lếu", "phường"),
        ("Quận 1", "quận 1", "quận 1", "quận"),
        ("Đặc khu Phú Quốc", "đặc khu Phú Quốc", "đặc khu Phú Quốc", "đặc khu"),
        ("TT. Mường Khương", "thị trấn Mường Khương", "thị trấn Mường Khương", "thị trấn"),
        ("TP.Lào Cai", "thành phố Lào Cai", "thành phố Lào Cai", "thành phố"),
        ("  xã   Pha  Long ", "Pha Long", "xã Pha Long", "xã"),
        ("Sở Tư pháp", "Sở Tư pháp", "Sở Tư pháp", None),
        ("Xãabc", "Xãabc", "Xãabc", None),
        ("Xã Xã", "Xã", "xã Xã", "xã"),
    ],
)
def test_unit_names(name, short, inline, kind):
    assert f.short_unit_name(name) == short
    assert f.inline_unit_name(name) == inline
    assert f.unit_kind(name) == kind


def test_unit_names_are_nfc_normalised():
    nfd = unicodedata.normalize("NFD", "Xã Tả Thàng")
    assert nfd != "Xã Tả Thàng"
    assert f.short_unit_name(nfd) == unicodedata.normalize("NFC", "Tả Thàng")
    assert f.unit_kind(nfd) == "xã"


@pytest.mark.parametrize(
    ("names", "phrase"),
    [
        (["Xã Pha Long", "Xã Bản Lầu"], "xã"),
        (["Thị trấn Mường Khương", "Xã Pha Long"], "xã, thị trấn"),
        (LAO_CAI_DISTRICTS, "huyện, thị xã, thành phố"),
        (["Huyện Bát Xát", "Thành phố Lào Cai"], "huyện, thành phố"),
        (["Phường Cốc Lếu", "Xã Cam Đường"], "xã, phường"),
        (["Quận Ba Đình", "Huyện Sóc Sơn", "Thị xã Sơn Tây"], "quận, huyện, thị xã"),
        (["Tỉnh Lào Cai", "Thành phố Hà Nội"], "tỉnh, thành phố"),
        (["Sở Tư pháp"], "đơn vị"),
        ([], "đơn vị"),
    ],
)
def test_unit_kind_phrase(names, phrase):
    assert f.unit_kind_phrase(names) == phrase


def test_peers_phrase_matches_seed_for_lao_cai_districts():
    assert f.peers_phrase("district", LAO_CAI_DISTRICTS) == "huyện, thành phố"
    assert f.peers_phrase("district", LAO_CAI_DISTRICTS, full=True) == "huyện, thị xã, thành phố"


@pytest.mark.parametrize(
    ("level", "names", "phrase"),
    [
        ("district", ["Huyện A", "Thị xã B"], "huyện, thị xã"),  # no city: thị xã is named
        ("district", ["Huyện A", "Huyện B"], "huyện"),
        ("commune", ["Xã A", "Thị trấn B"], "xã, thị trấn"),
        ("commune", ["Xã A", "Phường B", "Thị trấn C"], "xã, phường"),
        ("province", ["Tỉnh Lào Cai", "Thành phố Hà Nội"], "tỉnh, thành phố"),
        ("department", ["Sở Tư pháp", "Ban Dân tộc"], "sở, ban, ngành"),
        ("district", None, "huyện, thị xã, thành phố"),
        ("commune", None, "xã, phường, thị trấn"),
        ("commune", ["Không rõ"], "xã, phường, thị trấn"),
    ],
)
def test_peers_phrase(level, names, phrase):
    assert f.peers_phrase(level, names) == phrase


def test_peers_phrase_unknown_level():
    with pytest.raises(MkbidxError, match="level"):
        f.peers_phrase("village", ["Xã A"])


# ---------------------------------------------------------------------------- bands, tables


def test_band_colors_follow_band_order():
    colors = f.band_colors(M)
    assert list(colors) == [b.label for b in M.bands]
    assert colors["Tốt"] == "#009E73"
    assert colors["Chưa tốt"] == f.LOWEST_BAND_COLOR
    assert f.band_colors() == colors


def test_band_colors_for_more_bands_are_distinct_hex():
    m = M.with_bands([("Xuất sắc", 90), ("Tốt", 80), ("Khá", 65), ("Trung bình", 50), ("Kém", 0)])
    colors = f.band_colors(m)
    assert list(colors) == ["Xuất sắc", "Tốt", "Khá", "Trung bình", "Kém"]
    assert len(set(colors.values())) == 5
    assert all(re.fullmatch(r"#[0-9A-F]{6}", c) for c in colors.values())
    assert colors["Xuất sắc"] == "#009E73" and colors["Kém"] == f.LOWEST_BAND_COLOR


def test_band_legend_labels():
    assert f.band_legend_labels(M) == {
        "Tốt": "Tốt (từ 80 điểm)",
        "Chưa tốt": "Chưa tốt (dưới 80 điểm)",
    }
    m = M.with_bands([("Tốt", 80), ("Khá", 65.5), ("Kém", 0)])
    assert f.band_legend_labels(m)["Khá"] == "Khá (từ 65,5 đến dưới 80 điểm)"


def test_column_labels_use_methodology_short_names():
    labels = f.column_labels(M)
    for g in M.groups:
        assert labels[g.key] == g.short_name
    assert labels["total"] == "Tổng điểm"


HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def table():
    return pd.DataFrame(
        {
            "unit_code": ["02752", "02755", "02758"],
            "unit_name": ["Xã Pha Long", HOSTILE, "Xã Tung Chung Phố"],
            "tien_do": [15.675, 20.0, np.nan],
            "total": [88.23, 1234.5, 60.004],
            "rank": pd.array([2, 1, pd.NA], dtype="Int64"),
            "ratio": [0.8421, 1.0, np.nan],
            "band": ["Tốt", "Tốt", "Chưa tốt"],
        }
    )


def test_styled_table_escapes_hostile_names(table):
    html = f.styled_table(table, score_columns=["tien_do", "total"]).to_html()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_styled_table_escapes_hostile_headers(table):
    html = f.styled_table(
        table.rename(columns={"unit_code": HOSTILE}), score_columns=["total"]
    ).to_html()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_styled_table_formats_vietnamese(table):
    styler = f.styled_table(
        table,
        score_columns=["tien_do", "total"],
        int_columns=["rank"],
        percent_columns=["ratio"],
        band_column="band",
        methodology=M,
    )
    html = styler.to_html()
    cells = re.findall(r'<td id="T_mkbidx_row(\d+)_col(\d+)"[^>]*>([^<]*)</td>', html)
    by_pos = {(int(r), int(c)): text.strip() for r, c, text in cells}
    cols = list(table.columns)
    assert by_pos[(0, cols.index("tien_do"))] == "15,68"
    assert by_pos[(2, cols.index("tien_do"))] == "–"
    assert by_pos[(1, cols.index("total"))] == "1.234,50"
    assert by_pos[(2, cols.index("total"))] == "60,00"
    assert by_pos[(0, cols.index("rank"))] == "2"
    assert by_pos[(2, cols.index("rank"))] == "–"
    assert by_pos[(0, cols.index("ratio"))] == "84,21%"
    assert by_pos[(0, cols.index("unit_code"))] == "02752"  # codes stay text
    assert "row_heading" not in html  # index hidden
    assert "background-color: #009E73" in html
    assert "background-color: #D55E00" in html


def test_styled_table_is_deterministic_and_does_not_modify_input(table):
    before = table.copy()
    a = f.styled_table(table, score_columns=["total"], band_column="band").to_html()
    b = f.styled_table(table, score_columns=["total"], band_column="band").to_html()
    assert a == b
    assert 'id="T_mkbidx"' in a
    pd.testing.assert_frame_equal(table, before)


def test_styled_table_headers_from_labels(table):
    html = f.styled_table(table, score_columns=["total"], labels=f.column_labels(M)).to_html()
    assert ">Tổng điểm<" in html and ">Tiến độ<" in html and ">Đơn vị<" in html
    assert ">unit_code<" not in html


def test_styled_table_unknown_column(table):
    with pytest.raises(KeyError):
        f.styled_table(table, score_columns=["nope"])
