"""The monthly report: its content, its files, the HTML export and the papermill runner.

The content is checked against the embedded data set, whose August 2024 reproduces the real
letter of Mường Khương (88,23/100 điểm, xếp hạng 1/9). The runner tests execute the template in
a real kernel on a two-month slice of the sample (fast), into temporary output folders.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest
from conftest import NO_SAMPLE, SAMPLE, requires

from mkbidx import __version__, cli, paths
from mkbidx import io as mkio
from mkbidx.core import alerts as core_alerts
from mkbidx.errors import MkbidxError
from mkbidx.inputs.loading import load_inputs
from mkbidx.reports import monthly as report
from mkbidx.reports.params import validate_parameters
from mkbidx.run import artifacts, batch, export, index
from mkbidx.run import monthly as run_monthly

COUNTS = SAMPLE / "mkbidx-sample-counts.csv"
HOSTILE = "<script>alert(1)</script>"
PERIOD, SCOPE = "2024-08", "083"
PNG = b"\x89PNG\r\n\x1a\n"

pytestmark = requires(COUNTS.exists(), NO_SAMPLE)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def slice_of_sample(folder: Path, periods: list[str], rename: dict[str, str] | None = None) -> Path:
    """A data folder with some months of the embedded sample (unit names optionally changed)."""
    frame = pd.read_csv(COUNTS, dtype=str, keep_default_na=False)
    frame = frame[frame["period"].isin(periods)]
    for code, name in (rename or {}).items():
        frame.loc[frame["unit_code"] == code, "unit_name"] = name
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / "counts.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def inputs():
    return load_inputs(SAMPLE)


@pytest.fixture(scope="module")
def ctx(inputs):
    return report.build_monthly_report(inputs, period=PERIOD, scope=SCOPE)


def with_counts(
    inputs, counts: pd.DataFrame, units: pd.DataFrame | None = None, published: bool = True
):
    """The same inputs with other counts (and unit labels, without published group scores)."""
    dataset = dataclasses.replace(inputs.dataset, counts=counts)
    if not published:
        groups = inputs.dataset.published_groups
        dataset = dataclasses.replace(dataset, published_groups=groups.iloc[0:0])
    new = dataclasses.replace(inputs, dataset=dataset)
    if units is not None:
        new = dataclasses.replace(new, units=units)
    return new


# ------------------------------------------------------------------------------- parameters
def test_validate_parameters_normalises():
    p = validate_parameters(period="8/2024", scope=" 083 ", data_path="", output_dir="")
    assert (p.period, p.scope, p.data_path, p.output_dir, p.methodology) == (
        "2024-08",
        "083",
        SAMPLE.resolve(),
        None,
        None,
    )
    assert p.as_dict()["data_path"] == str(SAMPLE.resolve())


@pytest.mark.parametrize(
    "changes",
    [
        {"period": "2024-13"},
        {"period": "2024"},
        {"period": "2026-Q3"},
        {"period": ""},
        {"scope": ""},
        {"scope": "../etc"},
        {"scope": "a/b"},
        {"data_path": "/nonexistent/data"},
        {"methodology": "no-such-methodology"},
    ],
)
def test_validate_parameters_rejects_bad_values(changes):
    args = {"period": PERIOD, "scope": SCOPE, "data_path": "", "methodology": ""} | changes
    with pytest.raises(MkbidxError):
        validate_parameters(**args)


# ------------------------------------------------------------------------------- content
def test_headline_says_what_the_letter_says(ctx):
    assert ctx.headline_text == "88,23/100 điểm, xếp hạng 1/9 huyện, thành phố"
    assert ctx.title == "Bộ chỉ số 766: Huyện Mường Khương, tháng 8/2024"
    assert ctx.units_text.startswith("13/16 xã, thị trấn đạt từ 80 điểm (Tốt)")
    assert "so với tháng 7/2024" in ctx.change_text
    html = ctx.headline.markup
    assert "88,23/100 điểm, xếp hạng 1/9" in html and "<h1>" in html


def test_table_ranks_the_16_communes_with_their_change(ctx, method):
    t = ctx.table
    assert len(t) == 16 and t["rank"].tolist() == list(range(1, 17))
    assert set(method.group_keys) <= set(t.columns)
    expected = (t["total"] - t["previous_total"]).round(2)
    pd.testing.assert_series_equal(t["change"], expected, check_names=False)
    sums = t[method.group_keys].sum(axis=1).round(2)
    assert (sums == t["total"].round(2)).all()
    html = ctx.table_view.to_html()
    assert re.search(r">\d+,\d\d<", html) and not re.search(r">\d+\.\d\d<", html)
    assert "So với tháng 7/2024" in html and "T_ranking" in html


def test_alerts_follow_their_rules(ctx, method):
    t, a = ctx.table, ctx.alerts
    below = set(t.loc[t["total"] < method.bands[0].min, "unit_code"])
    assert set(a.loc[a["kind"] == "below_threshold", "unit_code"]) == below
    fell = set(t.loc[t["change"] <= -core_alerts.DROP_ALERT_POINTS, "unit_code"])
    assert set(a.loc[a["kind"] == "drop", "unit_code"]) == fell
    # Tung Chung Phố paid no fee online (the letter's section 3)
    tcp = a[(a["unit_code"] == "02758") & (a["kind"] == "metric_zero")]
    assert tcp["detail"].str.contains("thanh toán trực tuyến").any()
    # every "metric at 0" alert is a real 0, never a null (no-denominator) score
    zeros = ctx.metrics[(ctx.metrics["score"] == 0) & (ctx.metrics["max_score"] > 0)]
    assert len(a[a["kind"] == "metric_zero"]) == len(zeros)
    assert set(a["kind"]) <= set(core_alerts.ALERT_KINDS)
    html = ctx.alerts_view.to_html()
    assert "Tung Chung Phố" in html and "T_alerts" in html


def test_missing_data_and_group_at_zero_are_alerts(inputs):
    c = inputs.dataset.counts
    this = c["period"] == PERIOD
    drop = (
        (this & (c["unit_code"] == "02752") & (c["group"] == "so_hoa"))  # a whole group
        | ((c["period"] == "2024-05") & (c["unit_code"] == "02755"))  # a month of a unit
        | (this & (c["unit_code"] == "02767"))  # the unit has no data this month
    )
    counts = c[~drop].copy()
    pay = this & (counts["unit_code"] == "02797") & (counts["group"] == "thanh_toan")
    counts.loc[pay, "numerator"] = 0.0
    changed = with_counts(inputs, counts, published=False)
    r = report.build_monthly_report(changed, period=PERIOD, scope=SCOPE)
    a = r.alerts.set_index(["unit_code", "kind"])["detail"]
    assert "Số hóa hồ sơ" in a[("02752", "missing")]
    assert "tháng 5/2024" in a[("02755", "missing")]
    assert a[("02767", "missing")] == "Không có số liệu tháng 8/2024."
    assert "02767" not in set(r.table["unit_code"]) and len(r.table) == 15
    assert "Thanh toán trực tuyến" in a[("02797", "group_zero")]
    # a group at 0 is one alert, not one per metric
    metric_zeros = r.alerts[
        (r.alerts["unit_code"] == "02797") & (r.alerts["kind"] == "metric_zero")
    ]
    assert not metric_zeros["detail"].str.contains("Thanh toán trực tuyến").any()


def test_trend_is_the_last_12_months_of_the_scope(ctx):
    tr = ctx.trend
    assert tr["period"].tolist() == [f"2023-{m:02d}" for m in range(9, 13)] + [
        f"2024-{m:02d}" for m in range(1, 9)
    ]
    assert tr["unit_code"].eq(SCOPE).all()
    assert tr["total"].iloc[-1] == 88.23 and tr["rank"].iloc[-1] == 1
    assert pd.isna(tr["change"].iloc[0])


def test_gap_plans_lift_each_unit_below_80_to_80(ctx, method):
    t = ctx.table
    below = set(t.loc[t["total"] < method.bands[0].min, "unit_code"])
    g = ctx.gap
    assert g is not None and set(g["unit_code"]) == below
    last = g.groupby("unit_code")["score_after"].last()
    assert (last >= method.bands[0].min).all()
    html = ctx.gap_view.markup
    assert "thêm" in html and "T_gap" in html


def test_figures_are_deterministic_pngs(inputs, ctx):
    assert set(ctx.figures) == {"ranking", "heatmap", "profile", "trend"}
    assert all(png.startswith(PNG) for png in ctx.figures.values())
    again = report.build_monthly_report(inputs, period=PERIOD, scope=SCOPE)
    assert again.figures == ctx.figures
    html = ctx.ranking_chart.markup
    assert html.count('src="data:image/png;base64,') == 1 and 'alt="' in html


def test_unknown_period_or_scope_is_a_user_error(inputs):
    with pytest.raises(MkbidxError, match="2019-01"):
        report.build_monthly_report(inputs, period="2019-01", scope=SCOPE)
    with pytest.raises(MkbidxError, match="empty scope"):
        report.build_monthly_report(inputs, period=PERIOD, scope="999")


def test_hostile_unit_names_are_escaped_everywhere(inputs):
    units = inputs.units.copy()
    units.loc[units["unit_code"] == "02758", "unit_name"] = HOSTILE
    units.loc[units["unit_code"] == SCOPE, "unit_name"] = "Huyện <b>X</b> & Y"
    r = report.build_monthly_report(
        with_counts(inputs, inputs.dataset.counts, units), period=PERIOD, scope=SCOPE
    )
    shown = [
        r.headline.markup,
        r.table_view.to_html(),
        r.alerts_view.to_html(),
        r.gap_view.markup,
        r.profile_chart.markup,
        r.trend_view.to_html(),
    ]
    for html in shown:
        assert "<script>" not in html and "<b>X</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown[1]
    assert "Huyện &lt;b&gt;X&lt;/b&gt; &amp; Y" in shown[0]


# ------------------------------------------------------------------------------- files
@pytest.mark.slow
def test_artifacts_are_byte_identical_across_runs(inputs, ctx, tmp_path):
    first = artifacts.write_artifacts(ctx, tmp_path / "a", letter=False)
    again = report.build_monthly_report(inputs, period=PERIOD, scope=SCOPE)
    second = artifacts.write_artifacts(again, tmp_path / "b", letter=False)
    names = sorted(p.relative_to(tmp_path / "a").as_posix() for p in first)
    assert names == sorted(p.relative_to(tmp_path / "b").as_posix() for p in second)
    assert {
        "figures/ranking.png",
        "figures/heatmap.png",
        "figures/profile.png",
        "figures/trend.png",
        "tables/ranking.csv",
        "tables/alerts.csv",
        "tables/metrics.csv",
        "tables/trend.csv",
        "tables/gap.csv",
        "tables/tables.xlsx",
        "summary.json",
    } <= set(names)
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    ranking = pd.read_csv(tmp_path / "a" / "tables/ranking.csv", dtype={"unit_code": str})
    assert ranking["unit_code"].tolist() == ctx.table["unit_code"].tolist()
    assert artifacts.write_artifacts(ctx, None) == []


def test_xlsx_has_fixed_timestamps_and_vietnamese_headers(ctx, tmp_path):
    artifacts.write_artifacts(ctx, tmp_path, letter=False)
    data = (tmp_path / "tables" / "tables.xlsx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {i.date_time for i in z.infolist()} == {mkio.ZIP_TIMESTAMP}
        core = z.read("docProps/core.xml").decode()
    assert "2000-01-01T00:00:00Z" in core
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames[:4] == ["Xếp hạng", "Cảnh báo", "Chỉ số", "Xu hướng"]
    header = [c.value for c in book["Xếp hạng"][1]]
    assert "Đơn vị" in header and "Tổng điểm" in header and "Xếp loại" in header
    assert mkio.xlsx_bytes({"A": ctx.table}) == mkio.xlsx_bytes({"A": ctx.table})


def test_summary_lists_the_ranking_and_the_input_hashes(ctx):
    s = ctx.summary()
    assert (s["total"], s["rank"], s["rank_of"], s["band"]) == (88.23, 1, 9, "Tốt")
    assert [r["rank"] for r in s["ranking"]] == list(range(1, 17))
    files = {f["path"]: f["sha256"] for f in s["inputs"]}
    assert files["mkbidx-sample-counts.csv"] == sha(COUNTS)
    json.dumps(s)  # JSON-ready


# ------------------------------------------------------------------------------- HTML export
def test_network_references_are_found():
    assert export.network_references('<p>xem https://dichvucong.gov.vn</p><a href="#x">') == []
    assert export.network_references('<img src="data:image/png;base64,AAAA">') == []
    for bad in (
        '<script src="https://cdn.example/require.js"></script>',
        "<link href='http://fonts.example/x.css' rel=stylesheet>",
        '<img src="//cdn.example/a.png">',
        "<style>@import 'x.css';</style>",
        "<div style=\"background:url('https://x/y.png')\"></div>",
    ):
        assert export.network_references(bad), bad


def _notebook_with_outputs() -> nbformat.NotebookNode:
    v4 = nbformat.v4
    params = v4.new_code_cell('period: str = "2024-08"  # kỳ', metadata={"tags": ["parameters"]})
    injected = v4.new_code_cell(
        '# Parameters\nperiod = "2024-09"\n', metadata={"tags": ["injected-parameters"]}
    )
    shown = v4.new_code_cell("ctx.headline_secret_source")
    shown.outputs = [
        v4.new_output(
            "display_data",
            data={
                "text/html": '<p class="x">Tổng điểm 88,23</p><img src="data:image/png;base64,'
                'iVBORw0KGgo=" alt="hình">',
                "text/plain": "<Html>",
            },
        ),
        v4.new_output("stream", name="stderr", text="FutureWarning: noise"),
    ]
    shown.execution_count = 7
    silent = v4.new_code_cell("x = 1")
    heading = v4.new_markdown_cell("## Bảng điểm")
    return v4.new_notebook(cells=[params, injected, shown, silent, heading])


def test_export_html_is_self_contained_without_code(tmp_path):
    nb_path = tmp_path / "r.ipynb"
    nbformat.write(_notebook_with_outputs(), nb_path)
    out = export.export_html(nb_path, tmp_path / "r.html", title="Tiêu đề <thử>", methodology="m")
    html = out.read_text("utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="vi">' in html
    assert '<meta charset="utf-8">' in html
    assert "<title>Tiêu đề &lt;thử&gt;</title>" in html
    assert "Tổng điểm 88,23" in html and "Bảng điểm" in html
    for gone in (
        "headline_secret_source",
        "period",
        "2024-09",
        "x = 1",
        "In&nbsp;[",
        "Out[",
        "FutureWarning",
        "<script",
    ):
        assert gone not in html, gone
    assert export.network_references(html) == []
    assert 'src="data:image/png;base64,' in html


def test_index_lists_reports_escaped(tmp_path):
    folder = tmp_path / "2024-08" / "083"
    folder.mkdir(parents=True)
    (folder / "report.html").write_text("x", encoding="utf-8")
    (folder / "cong-van.html").write_text("x", encoding="utf-8")
    summary = {"scope_name": HOSTILE, "total": 88.23, "rank": 1, "rank_of": 9, "band": "Tốt"}
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    odd = tmp_path / "not-a-period" / "083"
    odd.mkdir(parents=True)
    (odd / "report.html").write_text("x", encoding="utf-8")
    (odd / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    html = index.write_index(tmp_path).read_text("utf-8")
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert 'href="2024-08/083/report.html"' in html and 'href="2024-08/083/cong-van.html"' in html
    assert "88,23" in html and "1/9" in html and "tháng 8/2024" in html
    assert "not-a-period" not in html
    assert export.network_references(html) == []


# ------------------------------------------------------------------------------- runner
@pytest.fixture(scope="module")
def data_two_months(tmp_path_factory):
    return slice_of_sample(tmp_path_factory.mktemp("data"), ["2024-07", PERIOD])


@pytest.fixture(scope="module")
def made(data_two_months, tmp_path_factory):
    """One report made through the command line (a real kernel)."""
    root = tmp_path_factory.mktemp("outputs")
    out = io.StringIO()
    import contextlib

    argv = ["report", "--period", PERIOD, "--scope", SCOPE, "--input", str(data_two_months)]
    with contextlib.redirect_stdout(out):
        code = cli.main([*argv, "--output", str(root)])
    assert code == 0
    return root, root / PERIOD / SCOPE, out.getvalue()


@pytest.mark.notebooks
def test_cli_prints_where_the_report_is_and_the_ranking(made):
    root, folder, printed = made
    lines = printed.splitlines()
    assert lines[0] == f"Đã tạo báo cáo: {folder / 'report.html'}"
    assert "88,23/100 điểm, xếp hạng 1/9" in lines[1]
    assert sum(1 for ln in lines if re.match(r"\s+\d+\s+\S", ln)) == 16


@pytest.mark.notebooks
def test_report_folder_holds_every_output(made):
    root, folder, _ = made
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert {
        "report.ipynb",
        "report.html",
        "manifest.json",
        "summary.json",
        "figures/ranking.png",
        "figures/heatmap.png",
        "figures/profile.png",
        "figures/trend.png",
        "tables/ranking.csv",
        "tables/tables.xlsx",
        "cong-van.html",
        "cong-van.docx",
    } <= names
    assert (root / "index.html").is_file()
    assert not [p for p in (root / PERIOD).iterdir() if p.name.startswith(".")]


@pytest.mark.notebooks
def test_manifest_records_version_methodology_inputs_and_parameters(made, data_two_months):
    root, folder, _ = made
    m = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert m["mkbidx_version"] == __version__
    assert m["methodology"]["id"] == "qd766-2026"
    assert m["parameters"] == {
        "period": PERIOD,
        "scope": SCOPE,
        "data_path": str(data_two_months.resolve()),
        "methodology": "qd766-2026",
    }
    assert m["inputs"] == [
        {
            "path": "counts.csv",
            "sha256": sha(data_two_months / "counts.csv"),
            "size": (data_two_months / "counts.csv").stat().st_size,
        }
    ]
    assert m["template"]["path"] == "notebooks/reports/monthly_report.ipynb"
    assert m["template"]["sha256"] == sha(paths.MONTHLY_TEMPLATE)
    assert m["letter"] == "drafted"
    for entry in m["outputs"]:
        assert sha(folder / entry["path"]) == entry["sha256"], entry["path"]


@pytest.mark.notebooks
def test_report_html_shows_no_code_and_needs_no_network(made):
    _, folder, _ = made
    html = (folder / "report.html").read_text("utf-8")
    assert '<html lang="vi">' in html and '<meta charset="utf-8">' in html
    assert export.network_references(html) == []
    assert re.findall(r'<img [^>]*src="([^"]{0,22})', html) == ["data:image/png;base64,"] * 4
    for code in ("monthly_context", "validate_parameters", "import ", "In&nbsp;[", "Out["):
        assert code not in html, code
    assert "period: str" not in html and "# Parameters" not in html
    assert "88,23/100 điểm, xếp hạng 1/9" in html
    assert 'href="cong-van.html"' in html
    assert "<script" not in html


@pytest.mark.notebooks
def test_existing_report_is_kept_without_force_then_replaced_with_force(made, data_two_months):
    root, folder, _ = made
    before = {p: sha(p) for p in folder.rglob("*") if p.is_file()}
    with pytest.raises(MkbidxError, match="--force"):
        run_monthly.run_report(PERIOD, SCOPE, data_path=data_two_months, output_root=root)
    assert before == {p: sha(p) for p in folder.rglob("*") if p.is_file()}

    edited = "<p>Công văn đã sửa tay</p>"
    (folder / "cong-van.html").write_text(edited, encoding="utf-8")
    run_monthly.run_report(PERIOD, SCOPE, data_path=data_two_months, output_root=root, force=True)
    assert (folder / "cong-van.html").read_text("utf-8") == edited  # the letter is kept
    assert json.loads((folder / "manifest.json").read_text("utf-8"))["letter"] == "kept"
    after = {p: sha(p) for p in folder.rglob("*") if p.is_file()}
    same = [p for p in before if p.parent.name in ("figures", "tables")]
    assert same and all(before[p] == after[p] for p in same)  # byte-identical rerun
    assert not [p for p in (root / PERIOD).iterdir() if p.name.startswith(".")]


@pytest.mark.notebooks
def test_failed_run_leaves_no_partial_folder(made, data_two_months, tmp_path):
    root, folder, _ = made
    with pytest.raises(MkbidxError, match="2019-01"):
        run_monthly.run_report("2019-01", SCOPE, data_path=data_two_months, output_root=root)
    assert not (root / "2019-01").exists()
    # a run that fails half-way through the notebook leaves the old report untouched
    before = {p: sha(p) for p in folder.rglob("*") if p.is_file()}
    nb = nbformat.read(paths.MONTHLY_TEMPLATE, as_version=4)
    nb.cells.insert(4, nbformat.v4.new_code_cell("raise RuntimeError('boom')"))
    broken = tmp_path / "broken.ipynb"
    nbformat.write(nb, broken)
    with pytest.raises(Exception, match="boom"):
        run_monthly.run_report(
            PERIOD, SCOPE, data_path=data_two_months, output_root=root, force=True, template=broken
        )
    assert before == {p: sha(p) for p in folder.rglob("*") if p.is_file()}
    assert not [p for p in (root / PERIOD).iterdir() if p.name.startswith(".")]


@pytest.mark.notebooks
def test_all_months_in_parallel_with_an_index(tmp_path):
    data = slice_of_sample(tmp_path / "data", ["2024-07", PERIOD], rename={"02758": HOSTILE})
    root = tmp_path / "outputs"
    made = batch.run_all(SCOPE, data_path=data, output_root=root, workers=2, progress=False)
    assert made.made == ("2024-07", PERIOD) and not made.failed and not made.skipped
    index = (root / "index.html").read_text("utf-8")
    assert 'href="2024-07/083/report.html"' in index and 'href="2024-08/083/report.html"' in index
    assert export.network_references(index) == []
    again = batch.run_all(SCOPE, data_path=data, output_root=root, progress=False)
    assert again.skipped == ("2024-07", PERIOD) and not again.made
    assert "Bỏ qua 2 tháng" in batch.describe_batch(again)
    html = (root / PERIOD / SCOPE / "report.html").read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and HOSTILE not in html


# ------------------------------------------------------------------ published scores only
PUBLISHED = SAMPLE / "mkbidx-sample-published-2024-08.xlsx"
PUBLISHED_ONLY = "Bảng điểm đã công bố không có số liệu chi tiết (tử số, mẫu số)"


@requires(PUBLISHED.exists(), NO_SAMPLE)
def test_published_scores_only_give_a_report_with_notes(tmp_path):
    """An analyst's table of published group scores (no counts, 3 communes under 80): every
    part that needs counts says so in one sentence; the files are written, letter included."""
    r = report.build_monthly_report(load_inputs(PUBLISHED), period=PERIOD, scope=SCOPE)
    assert len(r.table) == 16 and r.scope_row is None
    assert r.gap is None and PUBLISHED_ONLY in r.gap_note and "3 đơn vị dưới 80" in r.gap_note
    assert PUBLISHED_ONLY in r.gap_view.markup
    assert r.counts_note.startswith(PUBLISHED_ONLY) and r.counts_note in r.alerts_summary.markup
    assert set(r.alerts["kind"]) == {"below_threshold"}
    assert r.metrics.empty and "metrics" not in report.report_tables(r)
    written = {p.name for p in artifacts.write_artifacts(r, tmp_path)}
    assert {"ranking.csv", "tables.xlsx", "summary.json", "cong-van.docx"} <= written
    letter_html = (tmp_path / paths.LETTER_HTML).read_text("utf-8")
    assert "chưa có tổng số điểm của huyện Mường Khương" in letter_html
    assert not [n for n in r.notes if n.startswith("Chưa soạn được")]


@requires(PUBLISHED.exists(), NO_SAMPLE)
def test_published_scores_only_for_another_month_name_the_file_and_periods():
    with pytest.raises(MkbidxError) as err:
        report.build_monthly_report(load_inputs(PUBLISHED), period="2024-07", scope=SCOPE)
    assert PUBLISHED.name in str(err.value) and "2024-08" in str(err.value)


@pytest.mark.notebooks
@requires(PUBLISHED.exists(), NO_SAMPLE)
def test_report_from_published_scores_only(tmp_path, capsys):
    argv = ["report", "--period", PERIOD, "--scope", SCOPE, "--input", str(PUBLISHED)]
    assert cli.main([*argv, "--output", str(tmp_path)]) == 0
    folder = tmp_path / PERIOD / SCOPE
    html = (folder / "report.html").read_text("utf-8")
    assert html.count(PUBLISHED_ONLY) >= 2  # alerts and gap to the target
    assert (folder / "cong-van.docx").exists() and (folder / "brief.pdf").exists()
    assert "Traceback" not in capsys.readouterr().err


@requires(PUBLISHED.exists(), NO_SAMPLE)
def test_letter_from_published_scores_only_with_official_names(tmp_path, capsys):
    """``mkbidx letter`` on a table of the units' published scores: drafted (the district has no
    total of its own), the readers' notes on stderr as rank and gap print them, and the units
    under their official names ("Xã Tả Gia Khâu", not the file's "UBND xã Tả Gia Khâu")."""
    argv = ["letter", "--input", str(PUBLISHED), "--period", PERIOD, "--scope", SCOPE]
    assert cli.main([*argv, "--output", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert f"{PUBLISHED.name}: chỉ có điểm nhóm công bố" in err
    assert "16 đơn vị ghi bằng tên" in err and "'La Pan Tân' → 02791" in err  # the file's text
    folder = tmp_path / PERIOD / SCOPE
    assert str(folder / paths.LETTER_DOCX) in out
    page = (folder / paths.LETTER_HTML).read_text("utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "chưa có tổng số điểm của huyện Mường Khương" in text
    assert "13 xã, thị trấn đạt" in text and "03 xã có chỉ số chưa đạt" in text
    assert "Xã Tả Gia Khâu" in text and "Thị trấn Mường Khương" in text
    assert "UBND xã Tả Gia Khâu" not in text and "(Tả Ngải Chồ, Nấm Lư," in text
    assert "Lũng Vai" not in text and "La Pan Tân" not in text  # the official spelling


@requires(PUBLISHED.exists(), NO_SAMPLE)
def test_rank_shows_the_official_names_of_units_found_by_name(capsys):
    argv = ["rank", "--input", str(PUBLISHED), "--period", PERIOD, "--scope", SCOPE]
    assert cli.main([*argv, "--format", "csv"]) == 0
    out, _ = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(out)))
    names = {r["unit_code"]: r["unit_name"] for r in rows}
    assert names["02767"] == "Xã Tả Gia Khâu" and names["02761"] == "Thị trấn Mường Khương"
    assert names["02794"] == "Xã Tả Thàng"  # written "Tả Thành" in the file
    assert not [n for n in names.values() if n.startswith("UBND")]


@requires(PUBLISHED.exists(), NO_SAMPLE)
def test_names_found_without_registry_stay_as_written():
    from mkbidx.inputs.loading import unit_labels

    labels = unit_labels(load_inputs(PUBLISHED).dataset, None)
    assert "UBND xã Tả Gia Khâu" in set(labels["unit_name"])


# ------------------------------------------------------------------ the files a report used
def test_report_lists_only_the_files_and_notes_of_its_months(inputs, ctx):
    """Item 11 of issue 12: the 2024-08 report of 083 (months 2023-09..2024-08) lists the
    counts and the published table of 2024-08, not the Phú Thọ responses of 2026-08."""
    shown = [f.path for f in ctx.inputs]
    assert shown == ["mkbidx-sample-counts.csv", PUBLISHED.name]
    assert len(inputs.files) > len(shown)  # the folder holds more
    assert [f["path"] for f in ctx.summary()["inputs"]] == shown
    assert [n for n in ctx.notes if PUBLISHED.name in n]
    assert not [n for n in ctx.notes if "phu-tho" in n or "Phú Thọ" in n]
    assert "phu-tho" not in ctx.sources.markup and "Phú Thọ" not in ctx.sources.markup


def test_sources_follow_the_months_asked(inputs):
    files, notes = inputs.sources(["2023-01", "2023-02"])
    assert [f.path for f in files] == ["mkbidx-sample-counts.csv"] and notes == ()
    files, notes = inputs.sources(["2026-08"])
    assert "phu-tho-2026-08/transparency.json" in [f.path for f in files]
    assert PUBLISHED.name not in [f.path for f in files]
    assert any("Tỉnh Phú Thọ" in n for n in notes)
    assert not [n for n in notes if PUBLISHED.name in n]


def test_trend_report_lists_the_files_of_its_range_and_compared_periods(inputs):
    from mkbidx.reports import trend
    from mkbidx.reports.trend_params import TrendParameters

    def sources(first, last, compare=None):
        params = TrendParameters(SCOPE, first, last, None, None, None, SAMPLE, None, None)
        found = trend._sources(inputs, params, compare)
        return [f.path for f in found["inputs"]], found["notes"]

    files, notes = sources("2023-01", "2023-12")
    assert files == ["mkbidx-sample-counts.csv"] and notes == ()
    files, notes = sources("2024-01", "2024-12")
    assert files == ["mkbidx-sample-counts.csv", PUBLISHED.name]
    assert notes and not [n for n in notes if "Phú Thọ" in n]
    files, _ = sources("2023-01", "2023-12", ("2023", "2024-Q3"))  # 2024-08 compared
    assert files == ["mkbidx-sample-counts.csv", PUBLISHED.name]
