"""Charts, tested by their artists: bar widths, tick labels, colours, cell values, line data; and
the four charts of the monthly report drawn exactly as the report calls them (titles, sizes)."""

from __future__ import annotations

import doctest
import re
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from mkbidx import methodology  # noqa: E402
from mkbidx.core import ranking  # noqa: E402
from mkbidx.present import formatting, plots  # noqa: E402

M = methodology.load()
GROUPS = M.group_keys
MAXIMA = np.array([g.max for g in M.groups])

# Lào Cai's 9 district-level units, in an order that is NOT the rank order.
DISTRICTS = [
    ("080", "Thành phố Lào Cai"),
    ("082", "Huyện Bát Xát"),
    ("083", "Huyện Mường Khương"),
    ("084", "Huyện Si Ma Cai"),
    ("085", "Huyện Bắc Hà"),
    ("086", "Huyện Bảo Thắng"),
    ("087", "Huyện Bảo Yên"),
    ("088", "Thị xã Sa Pa"),
    ("089", "Huyện Văn Bàn"),
]
SHARES = [0.95, 0.70, 0.88, 0.55, 0.79, 0.81, 0.92, 0.60, 0.75]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def make_table(shares=SHARES, names=DISTRICTS, period="2024-08") -> pd.DataFrame:
    """A ranking table as mkbidx.core.ranking.ranking_table returns it (rows deliberately
    unsorted)."""
    rows = []
    for i, ((code, name), share) in enumerate(zip(names, shares, strict=True)):
        # vary the groups so that the heatmap is not flat; keep scores within maxima
        wobble = np.clip(share + 0.05 * np.sin(np.arange(len(GROUPS)) + i), 0, 1)
        scores = np.round(wobble * MAXIMA, 2)
        row = {
            "period": period,
            "unit_code": code,
            "unit_name": name,
            "level": "district",
            "parent_code": "10",
        }
        row.update(dict(zip(GROUPS, scores, strict=True)))
        row["total"] = round(float(scores.sum()), 2)
        rows.append(row)
    table = pd.DataFrame(rows)
    table["rank"] = table["total"].rank(method="min", ascending=False).astype("Int64")
    table["rank_of"] = pd.array([len(table)] * len(table), dtype="Int64")
    table["band"] = ranking.band_of(table["total"], methodology=M)
    return table


@pytest.fixture
def table():
    return make_table()


def rank_ordered(table):
    return table.sort_values("rank", kind="stable").reset_index(drop=True)


def test_module_doctests_pass():
    result = doctest.testmod(plots)
    assert result.attempted > 10
    assert result.failed == 0


# ---------------------------------------------------------------------------- ranking bars


def test_ranking_bar_widths_are_totals_in_rank_order(table):
    ax = plots.plot_ranking(table, methodology=M)
    expected = rank_ordered(table)
    widths = [p.get_width() for p in ax.containers[0]]
    assert widths == pytest.approx(expected["total"].tolist())
    # rank 1 is drawn at the top: y axis inverted, first bar at the top
    bottom, top = ax.get_ylim()
    assert bottom > top
    assert ax.containers[0][0].get_y() < ax.containers[0][-1].get_y()


def test_ranking_ytick_labels_are_short_names_in_rank_order(table):
    ax = plots.plot_ranking(table, methodology=M)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    expected = [formatting.short_unit_name(n) for n in rank_ordered(table)["unit_name"]]
    assert labels == expected
    assert labels[0] == "thành phố Lào Cai"  # share 0.95: rank 1
    assert "thị xã Sa Pa" in labels and "Mường Khương" in labels


def test_ranking_bar_colours_follow_bands(table):
    ax = plots.plot_ranking(table, methodology=M)
    colors = formatting.band_colors(M)
    got = [to_hex(p.get_facecolor()).upper() for p in ax.containers[0]]
    expected = [colors[b].upper() for b in rank_ordered(table)["band"]]
    assert got == expected
    assert set(rank_ordered(table)["band"]) == {"Tốt", "Chưa tốt"}  # both colours exercised


def test_ranking_value_labels_and_threshold(table):
    ax = plots.plot_ranking(table, methodology=M)
    value_texts = [t.get_text() for t in ax.texts if t.get_text() != "80 điểm"]
    assert value_texts == [formatting.score(v) for v in rank_ordered(table)["total"]]
    assert all("," in t and "." not in t for t in value_texts)
    dashed = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert len(dashed) == 1
    assert list(dashed[0].get_xdata()) == [M.bands[0].min, M.bands[0].min]
    assert "80 điểm" in [t.get_text() for t in ax.texts]
    assert ax.get_xlabel() == "Tổng điểm (tối đa 100)"


def test_ranking_axis_ticks_use_decimal_comma(table):
    ax = plots.plot_ranking(table, methodology=M)
    ax.figure.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == ["0", "20", "40", "60", "80", "100"]
    formatter = ax.xaxis.get_major_formatter()
    assert formatter(2.5, 0) == "2,5"


def test_ranking_custom_threshold_and_given_axes(table):
    fig, ax = plt.subplots()
    out = plots.plot_ranking(table, methodology=M, threshold=85, ax=ax)
    assert out is ax
    assert len(fig.axes) == 1
    dashed = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert list(dashed[0].get_xdata()) == [85, 85]
    assert "85 điểm" in [t.get_text() for t in ax.texts]


def test_ranking_computes_bands_when_absent(table):
    ax = plots.plot_ranking(table.drop(columns="band"), methodology=M)
    colors = formatting.band_colors(M)
    got = [to_hex(p.get_facecolor()).upper() for p in ax.containers[0]]
    bands = ranking.band_of(rank_ordered(table)["total"], methodology=M)
    assert got == [colors[b].upper() for b in bands]


def test_ranking_with_more_bands_uses_their_colours(table):
    m = M.with_bands([("Tốt", 90), ("Khá", 80), ("Trung bình", 0)])
    t = table.assign(band=ranking.band_of(table["total"], methodology=m))
    ax = plots.plot_ranking(t, methodology=m)
    colors = formatting.band_colors(m)
    got = [to_hex(p.get_facecolor()).upper() for p in ax.containers[0]]
    assert got == [colors[b].upper() for b in rank_ordered(t)["band"]]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0] == "Tốt (từ 90 điểm)"


def test_ranking_missing_total_is_a_dash(table):
    table.loc[0, "total"] = np.nan
    table.loc[0, "rank"] = pd.NA
    table.loc[0, "band"] = None
    ax = plots.plot_ranking(table, methodology=M)
    last = ax.containers[0][-1]  # no rank: drawn last
    assert last.get_width() == 0
    assert to_hex(last.get_facecolor()).upper() == formatting.NO_BAND_COLOR
    assert "–" in [t.get_text() for t in ax.texts]


def test_ranking_rejects_several_periods(table):
    both = pd.concat([table, table.assign(period="2024-09")])
    with pytest.raises(ValueError, match="one period"):
        plots.plot_ranking(both, methodology=M)


def test_dollar_signs_in_names_are_literal(table):
    table.loc[0, "unit_name"] = "Xã $x$ Test"
    ax = plots.plot_ranking(table, methodology=M)
    ax.figure.canvas.draw()
    label = next(t for t in ax.get_yticklabels() if "Test" in t.get_text())
    assert label.get_text() == r"\$x\$ Test"  # escaped: shown as "$x$ Test", not as math


# ---------------------------------------------------------------------------- heatmap


def test_heatmap_cells_are_score_over_max(table):
    ax = plots.plot_group_heatmap(table, methodology=M)
    mesh = ax.collections[0]
    ordered = rank_ordered(table)
    expected = ordered[GROUPS].to_numpy(dtype=float) / MAXIMA
    values = np.ma.filled(mesh.get_array(), np.nan).reshape(expected.shape)
    np.testing.assert_allclose(values, expected)
    assert mesh.get_clim() == (0.0, 1.0)


def test_heatmap_labels_and_annotations(table):
    ax = plots.plot_group_heatmap(table, methodology=M)
    ordered = rank_ordered(table)
    assert [t.get_text() for t in ax.get_xticklabels()] == [g.short_name for g in M.groups]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        formatting.short_unit_name(n) for n in ordered["unit_name"]
    ]
    annotations = [t.get_text() for t in ax.texts]
    expected = [formatting.score(v) for v in ordered[GROUPS].to_numpy().ravel()]
    assert annotations == expected


def test_heatmap_colour_range_is_fixed_whatever_the_data(table):
    low = table.assign(**{g: 0.1 * table[g] for g in GROUPS})
    ax = plots.plot_group_heatmap(low, methodology=M)
    assert ax.collections[0].get_clim() == (0.0, 1.0)


def test_heatmap_missing_score_is_masked(table):
    table.loc[table["rank"] == 1, "thanh_toan"] = np.nan
    ax = plots.plot_group_heatmap(table, methodology=M)
    values = ax.collections[0].get_array()
    first_row = np.ma.getmaskarray(values).reshape(len(table), len(GROUPS))[0]
    assert first_row.tolist() == [g == "thanh_toan" for g in GROUPS]


# ---------------------------------------------------------------------------- profile


def test_profile_bars_and_labels(table):
    row = rank_ordered(table).iloc[0]
    ax = plots.plot_group_profile(row, methodology=M)
    max_bars, score_bars = ax.containers[0], ax.containers[1]
    assert [p.get_width() for p in max_bars] == pytest.approx(MAXIMA.tolist())
    assert [p.get_width() for p in score_bars] == pytest.approx(row[GROUPS].tolist())
    assert to_hex(max_bars[0].get_facecolor()).upper() == plots.MAX_BAR_COLOR
    labels = [t.get_text().strip() for t in ax.texts]
    assert labels == [formatting.score_of_max(row[g.key], g.max) for g in M.groups]
    assert all(re.match(r"^\d+,\d\d/\d+$", t) for t in labels)
    assert [t.get_text() for t in ax.get_yticklabels()] == [g.short_name for g in M.groups]


def test_profile_accepts_frames_and_mappings(table):
    row = rank_ordered(table).iloc[[0]]
    long = row.melt(id_vars=["unit_code"], value_vars=GROUPS, var_name="group", value_name="score")
    expected = row[GROUPS].iloc[0].tolist()
    for data in (row, long, row.iloc[0].to_dict()):
        ax = plots.plot_group_profile(data, methodology=M)
        assert [p.get_width() for p in ax.containers[1]] == pytest.approx(expected)
    with pytest.raises(ValueError):
        plots.plot_group_profile(table, methodology=M)
    with pytest.raises(ValueError):
        plots.plot_group_profile({"tien_do": 10.0}, methodology=M)


# ---------------------------------------------------------------------------- trend


@pytest.fixture
def series():
    periods = formatting.period_range("2024-05", "2024-08")
    frames = [
        make_table([min(1.0, s + 0.02 * k) for s in SHARES], period=p)
        for k, p in enumerate(periods)
    ]
    long = pd.concat(frames, ignore_index=True)
    return long[["period", "unit_code", "unit_name", "total", "band"]].sample(
        frac=1.0, random_state=3
    )


def test_trend_lines_are_the_totals(series):
    codes = ["083", "080", "088"]
    ax = plots.plot_total_trend(series, methodology=M, units=codes)
    periods = sorted(series["period"].unique())
    for line, code in zip(ax.lines[:3], codes, strict=True):
        rows = series[series["unit_code"] == code].set_index("period").loc[periods]
        assert line.get_ydata().tolist() == pytest.approx(rows["total"].tolist())
        assert line.get_xdata().tolist() == list(range(len(periods)))
        name = rows["unit_name"].iloc[0]
        assert line.get_label() == formatting.short_unit_name(name)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["5/2024", "6/2024", "7/2024", "8/2024"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Mường Khương", "thành phố Lào Cai", "thị xã Sa Pa"]


def test_trend_threshold_line(series):
    ax = plots.plot_total_trend(series, methodology=M, units=["083"])
    dashed = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert len(dashed) == 1 and list(dashed[0].get_ydata()) == [80, 80]
    assert "80 điểm" in [t.get_text().strip() for t in ax.texts]
    assert ax.get_ylim() == (0.0, 100.0)
    assert ax.get_legend() is None  # one unit: no legend needed


def test_trend_all_units_by_default_and_gaps_stay_gaps(series):
    gap = series[~((series["unit_code"] == "082") & (series["period"] == "2024-06"))]
    ax = plots.plot_total_trend(gap, methodology=M)
    assert len([ln for ln in ax.lines if ln.get_linestyle() != "--"]) == len(DISTRICTS)
    first_codes = list(dict.fromkeys(gap["unit_code"]))
    line = ax.lines[first_codes.index("082")]
    assert np.isnan(line.get_ydata()[1])
    assert np.isnan(line.get_ydata()).sum() == 1


def test_trend_quarters_and_unknown_unit(series):
    q = series.assign(
        period=series["period"].map(
            {"2024-05": "2024-Q2", "2024-06": "2024-Q3", "2024-07": "2024-Q4", "2024-08": "2025-Q1"}
        )
    )
    ax = plots.plot_total_trend(q, methodology=M, units=["083"])
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "quý 1/2025"
    with pytest.raises(ValueError, match="999"):
        plots.plot_total_trend(series, methodology=M, units=["999"])


# ---------------------------------------------------------------------------- the monthly report

TITLES = {
    "ranking": "Tổng điểm các huyện thuộc tỉnh Lào Cai, tháng 8/2024",
    "heatmap": "Tỷ lệ điểm đạt so với điểm tối đa của từng nhóm, tháng 8/2024",
    "profile": "Huyện Mường Khương: điểm sáu nhóm chỉ số, tháng 8/2024",
    "trend": "Huyện Mường Khương: tổng điểm từ tháng 5/2024 đến tháng 8/2024",
}


def monthly_draws(table, series):
    """The monthly report's four charts, called as ``reports.monthly._figure_pngs`` calls them."""
    scope_row = table[table["unit_code"] == "083"].iloc[0]
    trend = series[series["unit_code"] == "083"].sort_values("period")
    return {
        "ranking": lambda: plots.plot_ranking(table, methodology=M, title=TITLES["ranking"]),
        "heatmap": lambda: plots.plot_group_heatmap(table, methodology=M, title=TITLES["heatmap"]),
        "profile": lambda: plots.plot_group_profile(
            {k: scope_row.get(k) for k in M.group_keys}, methodology=M, title=TITLES["profile"]
        ),
        "trend": lambda: plots.plot_total_trend(trend, methodology=M, title=TITLES["trend"]),
    }


def _pad_points(ax) -> float:
    """Distance of the title above the axes, in points."""
    return ax.titleOffsetTrans.get_matrix()[1, 2] / ax.figure.dpi * 72


@pytest.mark.parametrize(("key", "pad"), [("ranking", 16), ("heatmap", 24), ("profile", 16)])
def test_report_titles_left_and_clear_of_the_ticks(table, series, key, pad):
    with plots.theme():
        ax = monthly_draws(table, series)[key]()
        assert ax.get_title(loc="left") == TITLES[key] and ax.get_title() == ""
        assert _pad_points(ax) == pytest.approx(pad)  # 24: the heatmap's group names on top
        assert ax.title.get_fontsize() == plots.theme_rc()["axes.titlesize"]


def test_report_trend_is_wide_and_titled(table, series):
    with plots.theme():
        ax = monthly_draws(table, series)["trend"]()
    assert tuple(ax.figure.get_size_inches()) == plots.TREND_FIGSIZE
    assert ax.get_title(loc="left") == TITLES["trend"] and _pad_points(ax) == pytest.approx(16)
    assert ax.get_ylim() == (0.0, 100.0) and ax.get_legend() is None
    assert [ln.get_label() for ln in ax.lines][0] == "Mường Khương"


def test_no_title_by_default(table):
    ax = plots.plot_ranking(table, methodology=M)
    assert ax.get_title(loc="left") == "" and ax.get_title() == ""


def test_trend_floor_threshold_and_round_ticks(series):
    ax = plots.plot_total_trend(series, methodology=M, units=["083"], floor=60.0, threshold=85)
    assert ax.get_ylim() == (60.0, 100.0)
    assert ax.get_yticks().tolist() == [60.0, 70.0, 80.0, 90.0, 100.0]
    dashed = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert list(dashed[0].get_ydata()) == [85, 85]
    assert "85 điểm" in [t.get_text().strip() for t in ax.texts]


@pytest.mark.slow  # renders every report figure twice
def test_render_png_closes_its_figure_and_is_deterministic(table, series):
    open_before = plt.get_fignums()
    pngs = {key: plots.render_png(draw) for key, draw in monthly_draws(table, series).items()}
    assert plt.get_fignums() == open_before
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in pngs.values())
    assert pngs["ranking"] == plots.render_png(monthly_draws(table, series)["ranking"])
    untitled = plots.render_png(lambda: plots.plot_ranking(table, methodology=M))
    assert untitled != pngs["ranking"]  # the title is part of the figure


def test_render_png_draws_in_the_theme_and_closes_on_failure():
    seen = {}

    def failing():
        seen["font"] = matplotlib.rcParams["font.sans-serif"][0]
        plt.subplots()
        raise RuntimeError("no data")

    open_before = plt.get_fignums()
    with pytest.raises(RuntimeError, match="no data"):
        plots.render_png(failing)
    assert seen["font"] == plots.FONT and plt.get_fignums() == open_before


def test_render_png_accepts_a_figure(table):
    def draw():
        fig, ax = plt.subplots()
        ax.plot([1, 2])
        return fig

    assert plots.render_png(draw).startswith(b"\x89PNG")


# ---------------------------------------------------------------------------- bytes, theme, glyphs


def _render_all(table, series) -> list[bytes]:
    return [plots.render_png(draw) for draw in monthly_draws(table, series).values()]


@pytest.mark.slow  # renders every report figure twice
def test_png_bytes_identical_for_two_renders(table, series):
    first = _render_all(table, series)
    second = _render_all(table.copy(), series.copy())
    assert all(b.startswith(b"\x89PNG\r\n\x1a\n") for b in first)
    assert first == second
    assert b"Software" not in first[0]
    assert b"Matplotlib" not in first[0]


def test_svg_identical_and_without_date(table):
    def render() -> str:
        with plots.theme():
            ax = plots.plot_ranking(table, methodology=M)
            svg = plots.figure_to_svg(ax.figure)
            plt.close(ax.figure)
            return svg

    a, b = render(), render()
    assert a == b
    assert "<dc:date>" not in a
    assert "Matplotlib v" not in a


def test_png_dpi(table):
    ax = plots.plot_ranking(table, methodology=M)
    small = plots.figure_to_png_bytes(ax.figure, dpi=50)
    big = plots.figure_to_png_bytes(ax.figure)
    width = int.from_bytes(big[16:20], "big")
    assert width > 2 * int.from_bytes(small[16:20], "big")


def test_theme_sets_and_restores_rc():
    before = dict(matplotlib.rcParams)
    with plots.theme():
        assert matplotlib.rcParams["font.sans-serif"][0] == "DejaVu Sans"
        assert matplotlib.rcParams["svg.hashsalt"] == plots.SVG_HASHSALT
    assert dict(matplotlib.rcParams) == before


VIETNAMESE = ["Xã Tả Ngải Chồ", "Thị trấn Mường Khương", "Huyện Đồng Văn", "Xã Nậm Chảy"]


def test_vietnamese_glyphs_render_without_missing_glyph_warnings(table):
    names = VIETNAMESE + [n for _, n in DISTRICTS][: len(DISTRICTS) - len(VIETNAMESE)]
    t = table.assign(unit_name=names)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with plots.theme():
            title = "Đồng Tả Ngải Chồ Mường Khương ẳẵặ ỡợ ữự ỹỵ"
            for ax in (
                plots.plot_ranking(t, methodology=M, title=title),
                plots.plot_group_heatmap(t, methodology=M, title=title),
                plots.plot_group_profile(t.iloc[0], methodology=M, title=title),
            ):
                ax.figure.canvas.draw()
                plots.figure_to_png_bytes(ax.figure)
                plots.figure_to_svg(ax.figure)


def test_missing_glyph_check_would_catch_a_missing_glyph():
    # The check above is only meaningful if a missing glyph does warn: prove it with a
    # character DejaVu Sans lacks.
    with plots.theme():
        fig, ax = plt.subplots()
        ax.set_title("\u6f22")  # a CJK ideograph
        with pytest.warns(UserWarning, match="missing from font"):
            fig.canvas.draw()


def test_plots_never_show_or_save(table, series, monkeypatch, tmp_path):
    def forbidden(*args, **kwargs):
        raise AssertionError("plots must not show or save")

    monkeypatch.setattr(plt, "show", forbidden)
    monkeypatch.setattr(plt, "savefig", forbidden)
    monkeypatch.chdir(tmp_path)
    plots.plot_ranking(table, methodology=M)
    plots.plot_group_heatmap(table, methodology=M)
    plots.plot_group_profile(table.iloc[0], methodology=M)
    plots.plot_total_trend(series, methodology=M)
    assert list(tmp_path.iterdir()) == []
