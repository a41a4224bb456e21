"""The trend report: parameters, content, files, and ``mkbidx trends`` end to end.

Content tests build the report in-process from the embedded sample (fast); the command-line
tests run the real template in a kernel into temporary output folders (a few seconds each, one
run shared by several tests). The notebook itself is also executed by ``test_notebooks.py``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import NO_SAMPLE, SAMPLE, chromium, requires
from hypothesis import given, settings
from hypothesis import strategies as st

from mkbidx import cli
from mkbidx.core import trends
from mkbidx.errors import MkbidxError
from mkbidx.inputs import units
from mkbidx.inputs.loading import load_inputs
from mkbidx.present import formatting
from mkbidx.present import trend_plots as tp
from mkbidx.reports import trend as trend_report
from mkbidx.reports import trend_params
from mkbidx.run import artifacts, export

COUNTS = SAMPLE / "mkbidx-sample-counts.csv"
HOSTILE = "<script>alert(1)</script>"
MERGED = ["Xã Pha Long", "Xã Mường Khương", "Xã Cao Sơn", "Xã Bản Lầu"]
PNG = b"\x89PNG\r\n\x1a\n"

pytestmark = requires(COUNTS.exists(), NO_SAMPLE)


def communes_of(scope: str, period: str) -> list[str]:
    frame = units.default_registry().units_frame(period)
    return sorted(frame.loc[frame["parent_code"] == scope, "unit_name"])


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def hashes(folder: Path, *parts: str) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): sha(p)
        for part in parts
        for p in sorted((folder / part).rglob("*"))
        if p.is_file()
    }


def params(scope: str, first: str, last: str, **extra) -> trend_params.TrendParameters:
    return trend_params.validate_trend_parameters(
        scope=scope, first_period=first, last_period=last, data_path=SAMPLE, **extra
    )


@pytest.fixture(scope="module")
def inputs():
    return load_inputs(SAMPLE)


@pytest.fixture(scope="module")
def august(inputs):
    """Mường Khương's communes from January to August 2024 (the month of the real letter)."""
    return trend_report.build_trend_report(inputs, params("083", "2024-01", "2024-08"))


@pytest.fixture(scope="module")
def merger(inputs):
    """The new Lào Cai (15, from 1/7/2025) in 2025: its 4 merged communes of the sample, rebuilt
    from their 16 former communes before July."""
    return trend_report.build_trend_report(inputs, params("15", "2025-01", "2025-12"))


@pytest.fixture(scope="module")
def old_lao_cai(inputs):
    """The old Lào Cai (10) in 2025: its 9 districts until 30/6/2025."""
    return trend_report.build_trend_report(inputs, params("10", "2025-01", "2025-06"))


# ------------------------------------------------------------------------------- parameters
def test_validate_normalises_months_and_periods():
    p = trend_params.validate_trend_parameters(
        scope=" 083 ",
        first_period="1/2024",
        last_period="tháng 6/2025",
        compare_first="quý 2/2024",
        compare_second=" 2024-07..2024-09 ",
        compare_scope="084",
        data_path="",
    )
    assert (p.scope, p.first_period, p.last_period) == ("083", "2024-01", "2025-06")
    assert p.compare == ("2024-Q2", "2024-07..2024-09")
    assert p.compare_scope == "084" and p.data_path == SAMPLE.resolve()
    assert p.folder_name == "2024-01_2025-06" and p.reconstruct is True
    assert p.as_dict()["compare_first"] == "2024-Q2"


@pytest.mark.parametrize(
    "changes",
    [
        {"first_period": "2025-01", "last_period": "2024-12"},  # from after to
        {"first_period": "2024-13"},
        {"first_period": "2024"},  # not a month
        {"last_period": ""},
        {"compare_first": "2024-Q2"},  # one comparison period without the other
        {"compare_first": "2024-Q5", "compare_second": "2024-Q3"},
        {"compare_first": "2024-06..2024-01", "compare_second": "2024"},
        {"scope": "../etc"},
        {"compare_scope": "a/b"},
        {"data_path": "/nonexistent/data"},
        {"methodology": "no-such-methodology"},
    ],
)
def test_validate_rejects_bad_parameters(changes):
    args = {"scope": "083", "first_period": "2024-01", "last_period": "2024-12"} | changes
    with pytest.raises(MkbidxError):
        trend_params.validate_trend_parameters(**args)


@given(start=st.integers(2020 * 12, 2027 * 12), length=st.integers(1, 40))
@settings(max_examples=200, deadline=None)
def test_default_comparison_is_two_consecutive_periods_inside_the_range(start, length):
    months = [trends.month_of(o) for o in range(start, start + length)]
    chosen = trend_params.default_comparison(months)
    if length < 2:
        assert chosen is None
        return
    first, second = (trends.months_of(p) for p in chosen)
    assert set(first) <= set(months) and set(second) <= set(months)
    assert len(first) == len(second)
    assert trends.month_ordinal(second[0]) == trends.month_ordinal(first[-1]) + 1
    # nothing later of the same kind fits: the second period ends in the range's last stretch
    assert trends.month_ordinal(months[-1]) - trends.month_ordinal(second[-1]) < len(second)


def test_default_comparison_prefers_years_then_quarters():
    assert trend_params.default_comparison(trends.months_of("2023-03..2025-12")) == (
        "2024",
        "2025",
    )
    assert trend_params.default_comparison(trends.months_of("2024-01..2025-06")) == (
        "2025-Q1",
        "2025-Q2",
    )
    assert trend_params.default_comparison(trends.months_of("2024-02..2024-05")) == (
        "2024-04",
        "2024-05",
    )


# ------------------------------------------------------------------------------- content
def test_headline_of_august_2024_matches_the_letter(august):
    html = august.headline.markup
    assert august.title == (
        "Xu hướng Bộ chỉ số 766: Huyện Mường Khương, tháng 1/2024 – tháng 8/2024"
    )
    assert "88,23/100 điểm, xếp hạng 1/9 huyện, thành phố" in html
    assert "Tháng 8/2024: 13/16 đơn vị đạt từ 80 điểm" in html


def test_every_commune_is_followed_month_by_month(august):
    s = august.series
    assert sorted(s["unit_name"].unique()) == communes_of("083", "2024-08")
    assert s.groupby("unit_code")["period"].nunique().eq(8).all()
    assert not s["reconstructed"].any() and august.merged is None
    assert august.months == formatting.period_range("2024-01", "2024-08")


def test_changes_of_the_last_month(august):
    c = august.changes
    assert len(c) == 16 and c["rank"].tolist() == sorted(c["rank"].tolist())
    assert (c["change"] == (c["total"] - c["prev_total"]).round(2)).all()
    assert c["year_period"].eq("2023-08").all() and c["year_total"].notna().all()
    assert (c["year_change"] == (c["total"] - c["year_total"]).round(2)).all()
    html = august.changes_view.markup
    assert "So với tháng 7/2024" in html and "So với tháng 8/2023" in html
    assert re.search(r">[+−]\d+,\d\d<", html) and not re.search(r">[+-]?\d+\.\d\d<", html)


def test_decomposition_sums_to_the_change_and_names_a_driver(august, method):
    d = august.decomposition
    per_unit = d.groupby("unit_code").agg(delta=("delta", "sum"), total=("total_delta", "first"))
    assert (per_unit["delta"].round(2) == per_unit["total"].round(2)).all()
    heads = d.drop_duplicates("unit_code")["total_delta"].tolist()
    assert heads == sorted(heads, reverse=True)  # largest rise first
    html = august.drivers_view.markup
    assert all(g.short_name in html for g in method.groups)
    assert "Nhóm tác động lớn nhất" in html


def test_streaks_list_the_units_below_80(august):
    s = august.streaks.set_index("unit_code")
    assert s.loc["02758", "longest_below"] >= 1  # Tung Chung Phố, below 80 in January
    html = august.streaks_view.markup
    assert "Xã Tung Chung Phố" in html and "dưới 80 điểm" in html


def test_comparison_defaults_to_the_last_two_full_quarters(august):
    assert august.comparison_periods == ("2024-Q1", "2024-Q2")
    c = august.comparison
    assert len(c) == 16 and c["first_months"].eq(3).all() and c["second_months"].eq(3).all()
    assert "So sánh quý 1/2024 với quý 2/2024" in august.comparison_intro.markup


@pytest.mark.slow
def test_comparison_and_second_scope_can_be_chosen(inputs):
    p = params("083", "2024-01", "2024-08", compare_first="2023", compare_second="2024-01..2024-08")
    r = trend_report.build_trend_report(inputs, dataclasses.replace(p, compare_scope="084"))
    assert r.comparison_periods == ("2023", "2024-01..2024-08")
    assert r.comparison["first_months"].eq(12).all() and r.comparison["second_months"].eq(8).all()
    assert r.peers["unit_code"].iloc[0] == "083" and "084" in set(r.peers["unit_code"])
    assert "Huyện Si Ma Cai" in r.peers_view.markup and r.compare_scope_name == "Huyện Si Ma Cai"
    assert "Tổng điểm 1/2024–8/2024" in r.comparison_view.markup


def test_gap_plans_for_the_units_below_80_in_the_last_month(august):
    below = august.changes.loc[august.changes["total"] < 80, "unit_code"]
    assert set(august.gap["unit_code"]) == set(below) and len(below) == 3
    html = august.gap_view.markup
    assert "3 đơn vị dưới 80 điểm" in html and "thêm " in html


def test_figures_are_png_and_described(august):
    assert set(august.figures) == {
        "small_multiples",
        "peers",
        "bump",
        "decomposition",
        "comparison",
    }
    for key, png in august.figures.items():
        assert png.startswith(PNG), key
        alt, caption = august.figure_text[key]
        assert alt and caption
    assert "data:image/png;base64," in august.small_multiples_chart.markup
    assert "không đi qua ngày sáp nhập" in august.merger_chart.markup


def test_across_the_merger_the_merged_communes_are_rebuilt(merger):
    assert merger.reconstructed
    m = merger.merged
    assert sorted(m["unit_name"].unique()) == sorted(MERGED)
    rebuilt = m.loc[m["reconstructed"], "period"]
    assert (rebuilt.min(), rebuilt.max()) == ("2025-01", "2025-06")
    assert not m.loc[m["period"] >= "2025-07", "reconstructed"].any()
    html = merger.merger_view.markup
    assert html.count("số liệu dựng lại") >= 6 and all(name in html for name in MERGED)
    assert "Tả Ngải Chồ" in html  # a former commune of Pha Long
    assert "số liệu dựng lại" in merger.headline.markup
    assert merger.changes["year_reconstructed"].all()  # 12/2024, before the merger
    assert sorted(merger.current) == ["02752", "02761", "02782", "02788"]
    assert "merger" in merger.figures


def test_units_sharing_a_short_name_are_told_apart(merger, old_lao_cai):
    names = tp.display_names(tp.unit_names(pd.concat([old_lao_cai.series, merger.series])))
    assert names["02761"] == "xã Mường Khương" and names["083"] == "huyện Mường Khương"
    assert names["02752"] == "Pha Long"


@pytest.mark.slow
def test_hostile_unit_names_are_escaped(inputs, tmp_path):
    frame = pd.read_csv(COUNTS, dtype=str, keep_default_na=False)
    frame = frame[frame["period"].isin(["2024-06", "2024-07", "2024-08"])]
    frame.loc[frame["unit_code"] == "02758", "unit_name"] = HOSTILE
    frame.to_csv(tmp_path / "counts.csv", index=False)
    hostile = load_inputs(tmp_path)
    r = trend_report.build_trend_report(hostile, params("083", "2024-06", "2024-08"))
    pieces = [
        getattr(r, name).markup
        for name in (
            "headline",
            "changes_view",
            "month_changes_view",
            "ranks_view",
            "peers_view",
            "streaks_view",
            "drivers_view",
            "comparison_view",
            "gap_view",
        )
    ]
    text = "\n".join(pieces)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script" not in text


@pytest.mark.slow
def test_artifacts_are_byte_identical(inputs, tmp_path):
    p = params("083", "2024-06", "2024-08")
    for name in ("a", "b"):
        r = trend_report.build_trend_report(inputs, p)
        artifacts.write_trend_artifacts(r, tmp_path / name)
    a, b = hashes(tmp_path / "a", "figures", "tables"), hashes(tmp_path / "b", "figures", "tables")
    assert a == b and "tables/tables.xlsx" in a and "figures/bump.png" in a
    assert (tmp_path / "a" / "summary.json").read_bytes() == (
        tmp_path / "b" / "summary.json"
    ).read_bytes()
    assert artifacts.write_trend_artifacts(r, None) == []


# ------------------------------------------------------------------------------- command line
def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["trends", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """``mkbidx trends --scope 083 --from 2024-01 --to 2025-06`` into a fresh output folder."""
    import contextlib
    import io

    root = tmp_path_factory.mktemp("outputs")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(
            ["trends", "--scope", "083", "--from", "2024-01", "--to", "2025-06"]
            + ["--input", str(SAMPLE), "--output", str(root)]
        )
    folder = root / "trends" / "083" / "2024-01_2025-06"
    return {"code": code, "out": out.getvalue(), "err": err.getvalue(), "root": root, "f": folder}


@pytest.mark.notebooks
def test_cli_writes_the_report_folder(made):
    assert made["code"] == 0, made["err"]
    f = made["f"]
    for name in ("report.html", "report.ipynb", "manifest.json", "summary.json"):
        assert (f / name).is_file(), name
    assert {p.name for p in (f / "figures").iterdir()} >= {
        "small_multiples.png",
        "peers.png",
        "bump.png",
        "decomposition.png",
        "comparison.png",
    }
    assert (f / "tables" / "tables.xlsx").is_file() and (f / "tables" / "totals.csv").is_file()
    assert not list(made["root"].glob("trends/083/.*"))  # no temporary folder left


@pytest.mark.notebooks
def test_cli_prints_the_path_and_the_summary(made):
    out = made["out"]
    assert f"Đã tạo báo cáo xu hướng: {made['f'] / 'report.html'}" in out
    assert "So sánh hai kỳ: quý 1/2025 và quý 2/2025" in out
    lines = [line for line in out.splitlines() if re.match(r"\s*027\d\d ", line)]
    assert len(lines) == 16 and "Xã Thanh Bình" in out


@pytest.mark.notebooks
def test_html_is_self_contained_vietnamese_and_complete(made):
    html = (made["f"] / "report.html").read_text("utf-8")
    assert export.network_references(html) == []
    assert '<html lang="vi">' in html and "<script" not in html
    missing = [n for n in communes_of("083", "2024-08") if n not in html]
    assert missing == [], missing
    summary = json.loads((made["f"] / "summary.json").read_text("utf-8"))
    for row in summary["summary"]:
        assert formatting.score(row["last_total"]) in html  # "94,70": decimal comma
    import mkbidx as mk

    june = mk.rank(mk.load(), "2025-06", scope="10").set_index("unit_code")
    district = formatting.score(june.loc["083", "total"])  # the district in June 2025 ("93,81")
    assert f"{district}/100 điểm" in html
    for title in ("Thứ hạng qua các tháng", "So sánh hai kỳ", "Khoảng cách đến mục tiêu"):
        assert title in html
    assert html.count('src="data:image/png;base64,') == 5
    assert "trend_report." not in html and "params = " not in html  # no code


@pytest.mark.notebooks
def test_manifest_records_parameters_inputs_and_outputs(made):
    f = made["f"]
    manifest = json.loads((f / "manifest.json").read_text("utf-8"))
    assert manifest["parameters"]["scope"] == "083"
    assert manifest["parameters"]["first_period"] == "2024-01"
    assert manifest["parameters"]["last_period"] == "2025-06"
    assert manifest["template"]["path"] == "notebooks/reports/trend_comparison.ipynb"
    assert any(i["path"] == "mkbidx-sample-counts.csv" for i in manifest["inputs"])
    for entry in manifest["outputs"]:
        assert sha(f / entry["path"]) == entry["sha256"], entry["path"]
    assert {"report.html", "report.ipynb", "figures/bump.png"} <= {
        e["path"] for e in manifest["outputs"]
    }


@pytest.mark.notebooks
def test_existing_report_is_kept_without_force_and_rebuilt_identically_with_it(made, capsys):
    f = made["f"]
    args = ["--scope", "083", "--from", "2024-01", "--to", "2025-06"]
    args += ["--input", str(SAMPLE), "--output", str(made["root"])]
    before = hashes(f, "figures", "tables")
    html = sha(f / "report.html")
    code, _out, err = run_cli(capsys, *args)
    assert code == 2 and "--force" in err and "đã tồn tại" in err
    assert sha(f / "report.html") == html
    # --force with a comparison period that has no data fails: the old report stays
    code, _out, err = run_cli(capsys, *args, "--force", "--compare", "2019", "2020")
    assert code == 2 and "2019" in err
    assert sha(f / "report.html") == html and hashes(f, "figures", "tables") == before
    code, out, err = run_cli(capsys, *args, "--force")
    assert code == 0, err
    assert hashes(f, "figures", "tables") == before  # byte-identical tables and figures
    assert not list(made["root"].glob("trends/083/.*"))


@pytest.mark.notebooks  # the runner starts its kernel before the scope and data are checked
@pytest.mark.parametrize(
    "argv",
    [
        ["--scope", "083", "--from", "2025-01", "--to", "2024-12"],  # from after to
        ["--scope", "999", "--from", "2024-01", "--to", "2024-03"],  # unknown scope
        ["--scope", "083", "--from", "2031-01", "--to", "2031-03"],  # no data in the range
    ],
    ids=["from-after-to", "unknown-scope", "no-data"],
)
def test_bad_range_or_scope_exits_2_and_leaves_no_folder(argv, tmp_path, capsys):
    root = tmp_path / "outputs"
    code, out, err = run_cli(capsys, *argv, "--input", str(SAMPLE), "--output", str(root))
    assert code == 2 and err.startswith("mkbidx: lỗi:") and "Traceback" not in err
    assert not (root / "trends").exists()


@pytest.mark.notebooks
def test_cli_across_the_merger_labels_the_rebuilt_history(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a relative --output: the kernel runs in a folder of its own
    code, out, err = run_cli(
        capsys,
        *["--scope", "15", "--from", "2025-01", "--to", "2025-12"],
        *["--input", str(SAMPLE), "--output", "ra"],
    )
    assert code == 0, err
    assert "2025-01..2025-06 là số liệu dựng lại" in err
    folder = tmp_path / "ra" / "trends" / "15" / "2025-01_2025-12"
    assert str(folder / "report.html") in out  # the path printed is absolute
    html = (folder / "report.html").read_text("utf-8")
    assert all(name in html for name in MERGED)
    assert html.count("số liệu dựng lại") >= 6
    assert (folder / "figures" / "merger.png").is_file()
    merged = pd.read_csv(folder / "tables" / "merged.csv", dtype={"unit_code": str})
    assert sorted(merged["unit_code"].unique()) == ["02752", "02761", "02782", "02788"]
    assert merged.loc[merged["period"] < "2025-07", "reconstructed"].all()


# ------------------------------------------------------------------------------- browser
@pytest.mark.browser
@pytest.mark.notebooks
def test_trend_report_opens_offline_in_chromium(made, tmp_path):
    from test_html_browser import Browser, offline_only

    browser = Browser(chromium(), tmp_path / "profile")
    try:
        browser.open(made["f"] / "report.html")
        text = browser.evaluate("document.body.innerText")
        assert browser.problems() == []
        assert offline_only(browser.requests()) == []
        assert browser.evaluate("document.documentElement.lang") == "vi"
        assert browser.evaluate("document.scripts.length") == 0
        missing = [n for n in communes_of("083", "2024-08") if n not in text]
        assert missing == [], f"not visible: {missing}"
        images = browser.evaluate("[...document.images].map(i => i.complete && i.naturalWidth > 0)")
        assert images == [True] * 5
        assert "Xu hướng Bộ chỉ số 766: Huyện Mường Khương" in text
    finally:
        browser.close()
