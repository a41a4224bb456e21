"""The draft letter (công văn): facts from a hand-built fixture, the .docx and the HTML."""

from __future__ import annotations

import doctest
import re
from html.parser import HTMLParser
from pathlib import Path

import docx
import jinja2
import pandas as pd
import pytest
from conftest import NO_SAMPLE, requires
from docx.shared import Mm

from mkbidx import cli, methodology
from mkbidx.core import ranking
from mkbidx.errors import MkbidxError
from mkbidx.present import html, letter_docx
from mkbidx.reports import letter
from mkbidx.run import letter as run_letter
from mkbidx.run.letter import write_letter

M = methodology.load()
ROOT = Path(__file__).resolve().parents[2]
SAMPLE_COUNTS = ROOT / "data" / "sample" / "mkbidx-sample-counts.csv"
PERIOD = "2024-08"

UNITS = pd.DataFrame(
    [
        ("10", "Tỉnh Lào Cai", "province", None),
        ("080", "Thành phố Lào Cai", "district", "10"),
        ("082", "Huyện Bát Xát", "district", "10"),
        ("083", "Huyện Mường Khương", "district", "10"),
        ("02794", "Xã Tả Thàng", "commune", "083"),
        ("02761", "Thị trấn Mường Khương", "commune", "083"),
        ("02758", "Xã Tung Chung Phố", "commune", "083"),
    ],
    columns=["unit_code", "unit_name", "level", "parent_code"],
)


def unit_counts(code, ratio, *, zero=(), no_denominator=(), period=PERIOD):
    """Counts of every scored metric at the same ratio (denominator 100); ``zero`` metrics get
    numerator 0, ``no_denominator`` metrics numerator and denominator 0."""
    rows = []
    for group in M.groups:
        for metric in group.metrics:
            if not metric.scored:
                continue
            num, den = round(ratio * 100), 100
            if metric.code in zero:
                num = 0
            if metric.code in no_denominator:
                num = den = 0
            rows.append(
                {
                    "period": period,
                    "unit_code": code,
                    "group": group.key,
                    "metric": metric.code,
                    "numerator": num,
                    "denominator": den,
                }
            )
    return rows


def fixture_counts(**tung_chung):
    """3 communes of Mường Khương (Tung Chung Phố without online payment, below 80 points) and
    two other districts; the district and the province are pooled from their units."""
    tung_chung = {"zero": ("ONLINE_PAYMENT_DOSSIERS",), **tung_chung}
    rows = (
        unit_counts("02794", 0.95)
        + unit_counts("02761", 0.90)
        + unit_counts("02758", 0.70, **tung_chung)
        + unit_counts("080", 0.97)
        + unit_counts("082", 0.60)
    )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def evaluation():
    return ranking.evaluate(fixture_counts(), UNITS, methodology=M)


@pytest.fixture(scope="module")
def facts(evaluation):
    return letter.letter_facts(evaluation, period=PERIOD, scope="083", methodology=M)


def body_text(facts, config=None):
    """The letter's body (legal basis to closing) as plain text, one paragraph a line."""
    parts = html.environment().get_template(letter.PARTS_TEMPLATE)
    module = parts.make_module(letter._context(facts, config))
    return letter_docx.fragment_text(str(module.body()))


# ------------------------------------------------------------------------------------- facts
def test_facts_of_the_fixture(facts):
    f = facts
    assert (f.scope_name, f.scope_kind, f.scope_inline_name, f.scope_bare_name) == (
        "Huyện Mường Khương",
        "huyện",
        "huyện Mường Khương",
        "Mường Khương",
    )
    assert (f.issuer_title, f.issuer_unit, f.issuer_short, f.issuer_inline) == (
        "ỦY BAN NHÂN DÂN",
        "HUYỆN MƯỜNG KHƯƠNG",
        "UBND huyện",
        "UBND huyện Mường Khương",
    )
    assert f.place == "Mường Khương"
    assert f.date_line == "ngày" + letter.BLANK + "tháng 9 năm 2024"
    assert f.period_long == "tháng 8 năm 2024"
    assert (f.date_from, f.date_to, f.data_date, f.deadline) == (
        "01/8/2024",
        "31/8/2024",
        "05/9/2024",
        "10/9/2024",
    )
    assert (f.score_text, f.rank_text, f.peers_phrase, f.has_rank) == (
        "86,27/100",
        "2/3",
        "huyện, thành phố",
        True,
    )
    assert (f.good_count_text, f.good_kind, f.good_names) == (
        "02",
        "xã, thị trấn",
        "Tả Thàng, thị trấn Mường Khương",
    )
    assert (f.weak_count_text, f.weak_kind, f.weak_names) == ("01", "xã", "Tung Chung Phố")
    assert f.units_kind_all == "xã, thị trấn"
    assert [(z.unit.inline_name, z.indicator_names) for z in f.zero_units] == [
        ("xã Tung Chung Phố", ["chỉ số thanh toán phí, lệ phí trực tuyến"])
    ]
    assert f.zero_units[0].indicators[0].zero_denominator is False
    assert (f.top_band_label, f.top_band_min_text, f.total_max_text) == ("Tốt", "80", "100")


def test_appendices_of_the_fixture(facts):
    peers, units = facts.appendices
    assert (peers.number, peers.kind, peers.with_band) == ("01", "peers", False)
    assert peers.units_kind == "huyện, thành phố"
    assert peers.parent_name == "tỉnh Lào Cai"
    assert [(r.number, r.name, r.total, r.rank, r.highlight) for r in peers.rows] == [
        ("1", "Thành phố Lào Cai", "97,60", "1", False),
        ("2", "Huyện Mường Khương", "86,27", "2", True),
        ("3", "Huyện Bát Xát", "64,00", "3", False),
    ]
    assert (units.number, units.kind, units.with_band) == ("02", "units", True)
    assert [(r.name, r.groups, r.total, r.rank, r.band) for r in units.rows] == [
        ("Xã Tả Thàng", ("17,10", "19,00", "11,80", "9,70", "17,40", "21,00"), "96,00", "1", "Tốt"),
        (
            "Thị trấn Mường Khương",
            ("16,20", "18,00", "11,60", "9,40", "16,80", "20,00"),
            "92,00",
            "2",
            "Tốt",
        ),
        (
            "Xã Tung Chung Phố",
            ("12,60", "14,00", "10,55", "3,50", "13,07", "15,75"),
            "69,47",
            "3",
            "Chưa tốt",
        ),
    ]


def test_body_follows_the_seed(facts):
    text = body_text(facts)
    assert "Căn cứ Quyết định số 766/QĐ-TTg ngày 23/6/2022 của Thủ tướng Chính phủ" in text
    assert "(https://quantri.dichvucong.gov.vn/)" in text
    assert (
        "1. UBND huyện Mường Khương công khai kết quả các nhóm Chỉ số phục vụ người dân và "
        "doanh nghiệp tháng 8 năm 2024" in text
    )
    assert (
        "(Chi tiết theo phụ lục số 01, 02 ban hành kèm theo, số liệu cập nhật ngày 05/9/2024)"
        in text
    )
    assert (
        "Tính đến ngày 05/9/2024 tổng số điểm huyện Mường Khương đạt: "
        "86,27/100 điểm, xếp hạng 2/3 huyện, thành phố." in text
    )
    assert (
        "2. Biểu dương Chủ tịch UBND và công chức UBND 02 xã, thị trấn đạt tổng số điểm từ "
        "80/100 điểm trở lên (tốt): (Tả Thàng, thị trấn Mường Khương)" in text
    )
    assert (
        "- UBND huyện yêu cầu Chủ tịch UBND 01 xã có chỉ số chưa đạt mức tốt (Tung Chung Phố) "
        "tiếp tục chỉ đạo" in text
    )
    assert (
        "3. Riêng Chủ tịch UBND xã Tung Chung Phố báo cáo làm rõ tổng số hồ sơ thủ tục hành "
        "chính tiếp nhận từ ngày 01/8/2024 đến hết ngày 31/8/2024 và giải trình làm rõ lý do "
        "chỉ số thanh toán phí, lệ phí trực tuyến của tháng 8 năm 2024 bằng 0, thời gian hoàn "
        "thành gửi về UBND huyện trước ngày 10/9/2024." in text
    )
    assert text.endswith("Yêu cầu lãnh đạo các cơ quan, đơn vị, địa phương thực hiện./.")


def test_zero_denominator_policy():
    # ON_TIME without any dossier received (rule "zero"): listed by default, flagged as such;
    # PUBLISH_ON_TIME without data (rule "null"): never listed.
    counts = fixture_counts(no_denominator=("ON_TIME", "PUBLISH_ON_TIME"))
    ev = ranking.evaluate(counts, UNITS, methodology=M)
    f = letter.letter_facts(ev, period=PERIOD, scope="083", methodology=M)
    (z,) = f.zero_units
    assert [(i.key, i.zero_denominator) for i in z.indicators] == [
        ("ON_TIME", True),
        ("ONLINE_PAYMENT_DOSSIERS", False),
    ]
    assert z.indicator_names[0] == "chỉ số tỷ lệ hồ sơ giải quyết đúng hạn"
    text = body_text(f)
    assert (
        "lý do chỉ số tỷ lệ hồ sơ giải quyết đúng hạn và chỉ số thanh toán phí, lệ phí trực "
        "tuyến của tháng 8 năm 2024 bằng 0" in text
    )
    config = {"zero_indicators": {"include_zero_denominator": False}}
    f = letter.letter_facts(ev, period=PERIOD, scope="083", methodology=M, config=config)
    assert [i.key for i in f.zero_units[0].indicators] == ["ONLINE_PAYMENT_DOSSIERS"]


def test_a_group_at_zero_is_named_once():
    payment = [m.code for m in M.group("thanh_toan").metrics]
    ev = ranking.evaluate(fixture_counts(zero=payment), UNITS, methodology=M)
    f = letter.letter_facts(ev, period=PERIOD, scope="083", methodology=M)
    assert [(i.kind, i.key, i.name) for i in f.zero_units[0].indicators] == [
        ("group", "thanh_toan", "nhóm chỉ số thanh toán trực tuyến")
    ]


def test_several_units_at_zero_are_listed():
    counts = fixture_counts()
    counts.loc[
        (counts["unit_code"] == "02794") & (counts["metric"] == "ONLINE_SUBMISSION"), "numerator"
    ] = 0
    ev = ranking.evaluate(counts, UNITS, methodology=M)
    f = letter.letter_facts(ev, period=PERIOD, scope="083", methodology=M)
    assert [z.unit.code for z in f.zero_units] == ["02794", "02758"]
    assert f.zero_kind == "xã"
    text = body_text(f)
    assert "3. Riêng Chủ tịch UBND các xã dưới đây báo cáo làm rõ" in text
    assert "- xã Tả Thàng: chỉ số tỷ lệ hồ sơ nộp trực tuyến;" in text
    assert "- xã Tung Chung Phố: chỉ số thanh toán phí, lệ phí trực tuyến." in text


def test_from_a_ranking_table_zeros_are_groups(evaluation):
    table = evaluation.table.copy()
    table.loc[table["unit_code"] == "02758", "thanh_toan"] = 0.0
    f = letter.letter_facts(table, period=PERIOD, scope="083", methodology=M)
    assert [(z.unit.code, [i.key for i in z.indicators]) for z in f.zero_units] == [
        ("02758", ["thanh_toan"])
    ]


def test_province_scope_degrades(evaluation):
    f = letter.letter_facts(evaluation, period=PERIOD, scope="10", methodology=M)
    assert (f.issuer_unit, f.place, f.has_rank, f.peers_phrase) == (
        "TỈNH LÀO CAI",
        "Lào Cai",
        False,
        "",
    )
    assert [a.kind for a in f.appendices] == ["units"]
    assert f.appendix_numbers == ["01"]
    text = body_text(f)
    assert "tổng số điểm tỉnh Lào Cai đạt: 81,87/100 điểm." in text
    assert "xếp hạng" not in text
    assert "phụ lục số 01 ban hành" in text
    assert "UBND 02 huyện, thành phố" in text  # the two districts of 80 points and more
    texts = letter._texts(f, letter.resolve_config(None, scope="10"))
    assert texts["recipients"] == ["Các sở, ban, ngành tỉnh;", "UBND các huyện, thành phố."]
    assert texts["signer_name"] == ""
    assert texts["signer_lines"] == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    assert "LĐ UBND tỉnh;" in texts["cc"]


def test_communes_directly_under_the_province():
    units = pd.DataFrame(
        [
            ("10", "Tỉnh Lào Cai", "province", None),
            ("02752", "Xã Pha Long", "commune", "10"),
            ("02761", "Xã Mường Khương", "commune", "10"),
        ],
        columns=["unit_code", "unit_name", "level", "parent_code"],
    )
    counts = pd.DataFrame(
        unit_counts("02752", 0.9, period="2025-08") + unit_counts("02761", 0.7, period="2025-08")
    )
    ev = ranking.evaluate(counts, units, methodology=M)
    f = letter.letter_facts(ev, period="2025-08", scope="10", methodology=M)
    assert (f.good_count_text, f.good_kind, f.weak_names) == ("01", "xã", "Mường Khương")
    assert f.date_line.endswith("tháng 9 năm 2025")
    assert letter._texts(f, letter.resolve_config(None, scope="10"))["recipients"][1] == (
        "UBND các xã."
    )


def test_config_overrides(evaluation):
    config = {
        "signer": {"name": "Nguyễn Văn A"},
        "data_date": "2024-09-06",
        "deadline_day": 15,
        "indicator_names": {"ONLINE_PAYMENT_DOSSIERS": "chỉ số thanh toán trực tuyến"},
        "place": "Mường Khương, tỉnh Lào Cai",
        "scopes": {"083": {"cc": ["Như kính gửi;", "Lưu: VT, {{ f.scope_bare_name }}."]}},
    }
    f = letter.letter_facts(evaluation, period=PERIOD, scope="083", methodology=M, config=config)
    assert (f.data_date, f.deadline, f.place) == ("06/9/2024", "15/9/2024", config["place"])
    assert f.zero_units[0].indicator_names == ["chỉ số thanh toán trực tuyến"]
    texts = letter._texts(f, letter.resolve_config(config, scope="083"))
    assert texts["signer_name"] == "Nguyễn Văn A"
    assert texts["cc"] == ["Như kính gửi;", "Lưu: VT, Mường Khương."]
    # the defaults of 083 (Hoàng Trường Minh) stay where the user is silent
    assert letter.resolve_config({}, scope="083")["signer"]["name"] == "Hoàng Trường Minh"


def test_bad_config_is_a_user_error(evaluation, tmp_path):
    with pytest.raises(MkbidxError, match="signr"):
        letter.resolve_config({"signr": {"name": "x"}}, scope="083")
    with pytest.raises(MkbidxError, match="YYYY-MM-DD"):
        letter.letter_facts(
            evaluation, period=PERIOD, scope="083", config={"deadline": "10/9/2024"}
        )
    with pytest.raises(MkbidxError, match="template error"):
        letter.letter_facts(evaluation, period=PERIOD, scope="083", config={"place": "{{ f."})
    bad = tmp_path / "letter.yaml"
    bad.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(MkbidxError, match="mapping"):
        letter.read_config(bad)
    good = tmp_path / "ok.yaml"
    good.write_text("signer:\n  name: Lò Văn B\n", encoding="utf-8")
    assert letter.read_config(good) == {"signer": {"name": "Lò Văn B"}}


def test_unknown_or_empty_scope(evaluation):
    with pytest.raises(MkbidxError, match="999"):
        letter.letter_facts(evaluation, period=PERIOD, scope="999", methodology=M)
    with pytest.raises(MkbidxError, match="empty scope"):
        letter.letter_facts(evaluation, period=PERIOD, scope="02794", methodology=M)
    with pytest.raises(MkbidxError):
        letter.letter_facts(evaluation, period="2024-09", scope="083", methodology=M)


# ------------------------------------------------------------------------------------- .docx
def run_sizes(paragraphs):
    return {r.font.size.pt for p in paragraphs for r in p.runs if r.text.strip()}


def test_docx_page_and_margins(facts):
    doc = letter.render_docx(facts)
    assert len(doc.sections) == 1 + len(facts.appendices)
    for i, section in enumerate(doc.sections):
        landscape = i > 0
        width, height = (297, 210) if landscape else (210, 297)
        assert abs(section.page_width - Mm(width)) < Mm(0.5)
        assert abs(section.page_height - Mm(height)) < Mm(0.5)
        assert Mm(20) <= section.top_margin <= Mm(25)
        assert Mm(20) <= section.bottom_margin <= Mm(25)
        assert Mm(30) <= section.left_margin <= Mm(35)
        assert Mm(15) <= section.right_margin <= Mm(20)


def test_docx_fonts(facts):
    doc = letter.render_docx(facts)
    runs = [r for p in doc.paragraphs for r in p.runs]
    for table in doc.tables:
        runs += [r for c in table._cells for p in c.paragraphs for r in p.runs]
    assert runs and {r.font.name for r in runs} == {"Times New Roman"}
    assert run_sizes(doc.paragraphs) <= {13.0, 14.0}
    body = [p for p in doc.paragraphs if p.text.startswith(("Căn cứ", "1.", "2.", "3."))]
    assert len(body) == 5 and run_sizes(body) == {14.0}
    header, closing, *appendices = doc.tables
    assert run_sizes(p for c in header._cells for p in c.paragraphs) <= {13.0, 14.0}
    for table in appendices:
        assert run_sizes(p for c in table._cells for p in c.paragraphs) == {13.0}
    # the "Nơi nhận" block is 12/11 pt as in Nghị định 30; the signature 14 pt
    cc, signature = closing.rows[0].cells
    assert run_sizes(cc.paragraphs) == {11.0, 12.0}
    assert run_sizes(signature.paragraphs) == {14.0}


def test_docx_header_is_a_borderless_two_column_table(facts):
    doc = letter.render_docx(facts)
    header = doc.tables[0]
    assert len(header.columns) == 2
    (issuer, motto), (number, place) = [[c.text for c in row.cells] for row in header.rows]
    assert issuer == "ỦY BAN NHÂN DÂN\nHUYỆN MƯỜNG KHƯƠNG"
    assert motto == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    assert re.fullmatch(
        r"Số:\xa0+/UBND-VX\nV/v công khai kết quả bộ Chỉ số phục vụ người dân, "
        r"doanh nghiệp tháng 8 năm 2024",
        number,
    )
    assert re.fullmatch(r"Mường Khương, ngày\xa0+tháng 9 năm 2024", place)
    borders = header._tbl.tblPr.xpath("./w:tblBorders/*")
    assert borders and {b.get(docx.oxml.ns.qn("w:val")) for b in borders} == {"nil"}
    texts = [p.text for p in doc.paragraphs]
    assert "Kính gửi:" in texts and "- UBND các xã, thị trấn." in texts
    signature = doc.tables[1].rows[0].cells[1].text
    assert signature.startswith("TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH")
    assert signature.endswith("Hoàng Trường Minh")
    assert "Lưu: VT." in doc.tables[1].rows[0].cells[0].text


def test_docx_appendix_tables(facts):
    doc = letter.render_docx(facts)
    peers, units = doc.tables[2:]
    header = [c.text for c in peers.rows[0].cells]
    assert header == [
        "STT",
        "Đơn vị",
        "Công khai\n(18)",
        "Tiến độ\n(20)",
        "DVC trực tuyến\n(12)",
        "Thanh toán\n(10)",
        "Hài lòng\n(18)",
        "Số hóa\n(22)",
        "Tổng điểm\n(100)",
        "Xếp hạng",
    ]
    assert [" ".join(c.text for c in row.cells) for row in peers.rows[1:]] == [
        "1 Thành phố Lào Cai 17,46 19,40 11,88 9,82 17,64 21,40 97,60 1",
        "2 Huyện Mường Khương 15,30 17,00 11,40 7,70 15,87 19,00 86,27 2",
        "3 Huyện Bát Xát 10,80 12,00 9,90 6,60 11,20 13,50 64,00 3",
    ]
    assert all(r.bold for r in peers.rows[2].cells[1].paragraphs[0].runs)  # the scope itself
    assert [c.text for c in units.rows[0].cells][-1] == "Xếp loại"
    assert [row.cells[1].text for row in units.rows[1:]] == [
        "Xã Tả Thàng",
        "Thị trấn Mường Khương",
        "Xã Tung Chung Phố",
    ]
    assert [row.cells[-1].text for row in units.rows[1:]] == ["Tốt", "Tốt", "Chưa tốt"]
    assert units.rows[3].cells[-3].text == "69,47"
    headings = [p.text for p in doc.paragraphs if p.text.startswith("Phụ lục")]
    assert headings == ["Phụ lục 01", "Phụ lục 02"]


# ------------------------------------------------------------------------------------- HTML
class Resources(HTMLParser):
    """Tags, and every URL-bearing attribute, of a page."""

    def __init__(self):
        super().__init__()
        self.tags, self.urls, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in {"src", "href", "srcset", "data", "action", "poster"}:
                self.urls.append((tag, name, value))

    def handle_data(self, data):
        self.text.append(data)


def parse(page):
    parser = Resources()
    parser.feed(page)
    return parser


HOSTILE = "<script>alert(1)</script>"


def test_html_is_self_contained_and_print_ready(facts):
    page = letter.render_html(facts)
    parsed = parse(page)
    assert parsed.urls == [("a", "href", "https://quantri.dichvucong.gov.vn/")]
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(parsed.tags)
    assert "@import" not in page and "url(" not in page
    assert "@page" in page and "size: A4" in page and "Times New Roman" in page
    text = " ".join("".join(parsed.text).split())
    assert "86,27/100 điểm, xếp hạng 2/3 huyện, thành phố." in text
    assert "Hoàng Trường Minh" in text and "Phụ lục 02" in text
    assert page.count('<table class="scores">') == 2


def test_html_and_docx_escape_hostile_names():
    units = UNITS.copy()
    units.loc[units["unit_code"] == "02758", "unit_name"] = HOSTILE
    ev = ranking.evaluate(fixture_counts(), units, methodology=M)
    config = {"signer": {"name": "<b>Ký</b>"}}
    f = letter.letter_facts(ev, period=PERIOD, scope="083", methodology=M, config=config)
    page = letter.render_html(f, config)
    assert HOSTILE not in page and "<b>Ký" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "script" not in parse(page).tags
    doc = letter.render_docx(f, config)
    assert HOSTILE in doc.tables[-1].rows[3].cells[1].text
    assert any(HOSTILE in p.text for p in doc.paragraphs)


# ------------------------------------------------------------------------------------- I/O
def test_write_letter_refuses_to_overwrite(facts, tmp_path):
    folder = tmp_path / "2024-08" / "083"
    folder.mkdir(parents=True)
    (folder / "report.html").write_text("report", encoding="utf-8")
    docx_path, html_path = write_letter(facts, folder)
    assert docx_path.name == "cong-van.docx" and html_path.name == "cong-van.html"
    assert docx.Document(str(docx_path)).tables
    before = html_path.read_bytes()
    with pytest.raises(MkbidxError, match="--force"):
        write_letter(facts, folder)
    assert html_path.read_bytes() == before
    write_letter(facts, folder, force=True)
    assert sorted(p.name for p in folder.iterdir()) == [
        "cong-van.docx",
        "cong-van.html",
        "report.html",
    ]


def test_cli_letter_on_a_counts_table(tmp_path, capsys):
    counts = fixture_counts().merge(UNITS, on="unit_code")
    data = tmp_path / "counts.csv"
    counts.to_csv(data, index=False)
    config = tmp_path / "letter.yaml"
    config.write_text("signer:\n  name: Lò Văn B\n", encoding="utf-8")
    out = tmp_path / "outputs"
    args = ["letter", "--period", "2024-08", "--scope", "083", "--input", str(data)]
    args += ["--output", str(out), "--config", str(config)]
    assert cli.main(args) == 0
    folder = out / "2024-08" / "083"
    assert sorted(p.name for p in folder.iterdir()) == ["cong-van.docx", "cong-van.html"]
    page = (folder / "cong-van.html").read_text(encoding="utf-8")
    assert "86,27/100" in page and "Lò Văn B" in page
    assert cli.main(args) == 2
    assert "--force" in capsys.readouterr().err
    assert cli.main([*args, "--force"]) == 0
    assert cli.main([*args[:-2], "--period", "2024-09", "--force"]) == 2


@pytest.mark.parametrize(
    ("yaml_text", "key", "expected"),
    [
        ('cc: "Lưu: VT"', "cc", "danh sách"),  # a text would be one line per character
        ("signer: {lines: TM}", "signer.lines", "danh sách"),
        ("signer: null", "signer", "bảng khóa"),
        ("signer: {nme: Lò Văn B}", "signer.nme", "signer.name"),
        ("recipients: 5", "recipients", "danh sách"),
        ("data_date: 5", "data_date", "YYYY-MM-DD"),
        ("data_date_day: 5.5", "data_date_day", "số nguyên"),
        ('zero_indicators: {include_zero_denominator: "no"}', "include_zero", "true"),
        ("layout: {body_pt: -3}", "layout.body_pt", "6 đến 40"),
        ("layout: {body_pt: .nan}", "layout.body_pt", "6 đến 40"),
        ('layout: {body_pt: "big"}', "layout.body_pt", "6 đến 40"),
        ("layout: {font: null}", "layout.font", "văn bản"),
        ("layout: {margins_mm: {top: 900}}", "layout.margins_mm.top", "0 đến 60"),
        ("indicator_names: {ON_TIME: [a]}", "indicator_names.ON_TIME", "văn bản"),
        ('scopes: {"083": [1]}', "scopes.083", "bảng khóa"),
        ('scopes: {"083": {cc: "Lưu"}}', "cc", "danh sách"),
    ],
)
def test_a_config_value_of_the_wrong_shape_is_refused_by_key(tmp_path, yaml_text, key, expected):
    config = tmp_path / "letter.yaml"
    config.write_text(yaml_text + "\n", encoding="utf-8")
    with pytest.raises(MkbidxError) as info:
        letter.read_config(config)
    message = str(info.value)
    assert "letter.yaml" in message and key in message and expected in message


def test_a_config_of_the_right_shapes_is_read_as_written(tmp_path):
    text = (
        "signer: {lines: [TM. UBND HUYỆN, null, CHỦ TỊCH], name: Lò Văn B}\n"
        "recipients: [Các phòng;, UBND các xã.]\nnumber_suffix: 123\ndeadline: 2024-09-20\n"
        "layout: {body_pt: 13.5, margins_mm: {left: 25}}\nlevel_kinds: {district: quận}\n"
    )
    config = tmp_path / "letter.yaml"
    config.write_text(text, encoding="utf-8")
    cfg = letter.resolve_config(letter.read_config(config), scope="083")
    assert cfg["signer"]["lines"][1] is None and cfg["layout"]["margins_mm"]["top"] == 20
    assert cfg["recipients"] == ["Các phòng;", "UBND các xã."] and cfg["layout"]["body_pt"] == 13.5


def test_cli_letter_with_a_bad_config_writes_nothing(tmp_path, capsys):
    config = tmp_path / "letter.yaml"
    config.write_text('cc: "Lưu: VT"\n', encoding="utf-8")
    out = tmp_path / "outputs"
    args = ["letter", "--period", "2024-08", "--scope", "083", "--output", str(out)]
    assert cli.main([*args, "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and '"cc"' in err and not out.exists()


# ------------------------------------------------------------------------------------- the seed
SEED_GOOD_COMMUNES = {
    "Tả Thàng",
    "Bản Lầu",
    "Bản Sen",
    "Lùng Vai",
    "Thanh Bình",
    "Nấm Lư",
    "Tả Ngải Chồ",
    "La Pan Tẩn",
    "thị trấn Mường Khương",
    "Nậm Chảy",
    "Lùng Khấu Nhin",
    "Dìn Chin",
    "Pha Long",
}


@requires(SAMPLE_COUNTS.exists(), NO_SAMPLE)
def test_the_seed_letter_from_the_sample_data(tmp_path):
    """August 2024, Mường Khương (083): the facts of the real letter in ../shared/seed/."""
    args = ["letter", "--period", "2024-08", "--scope", "083", "--output", str(tmp_path)]
    assert cli.main(args) == 0
    folder = tmp_path / "2024-08" / "083"
    doc = docx.Document(str(folder / "cong-van.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "đạt: 88,23/100 điểm, xếp hạng 1/9 huyện, thành phố." in text
    good = re.search(r"UBND 13 xã, thị trấn đạt tổng số điểm [^(]*\(tốt\): \(([^)]*)\)", text)
    assert good and set(good.group(1).split(", ")) == SEED_GOOD_COMMUNES
    assert "Chủ tịch UBND 03 xã có chỉ số chưa đạt mức tốt (" in text
    assert (
        "3. Riêng Chủ tịch UBND xã Tung Chung Phố báo cáo làm rõ tổng số hồ sơ thủ tục hành "
        "chính tiếp nhận từ ngày 01/8/2024 đến hết ngày 31/8/2024 và giải trình làm rõ lý do "
        "chỉ số thanh toán phí, lệ phí trực tuyến của tháng 8 năm 2024 bằng 0, thời gian hoàn "
        "thành gửi về UBND huyện trước ngày 10/9/2024." in text
    )
    assert "số liệu cập nhật ngày 05/9/2024" in text
    header = doc.tables[0]
    assert header.cell(0, 0).text == "ỦY BAN NHÂN DÂN\nHUYỆN MƯỜNG KHƯƠNG"
    assert header.cell(1, 1).text.startswith("Mường Khương, ngày")
    assert header.cell(1, 1).text.endswith("tháng 9 năm 2024")
    assert doc.tables[1].cell(0, 1).text.endswith("Hoàng Trường Minh")
    peers, communes = doc.tables[2:]
    assert len(peers.rows) == 1 + 9 and peers.cell(1, 1).text == "Huyện Mường Khương"
    assert peers.cell(1, 8).text == "88,23"
    assert len(communes.rows) == 1 + 16
    bands = [row.cells[-1].text for row in communes.rows[1:]]
    assert bands.count("Tốt") == 13 and bands.count("Chưa tốt") == 3
    page = (folder / "cong-van.html").read_text(encoding="utf-8")
    assert "88,23/100 điểm, xếp hạng 1/9 huyện, thành phố." in " ".join(page.split())


@pytest.mark.parametrize("module", [letter, letter_docx, run_letter])
def test_module_doctests_pass(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


def test_one_jinja_environment_for_every_template():
    """The letter renders with the package's one environment (no environment of its own)."""
    assert not hasattr(letter, "_env")
    env = html.environment()
    assert env.autoescape and env.keep_trailing_newline
    assert env.undefined is jinja2.StrictUndefined
