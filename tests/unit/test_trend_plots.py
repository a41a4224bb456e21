"""Trend charts, tested by their artists: one facet per unit with the 80 line, bump chart ranks,
decomposition bars summing to the change, rebuilt months labelled, Vietnamese text; and every
chart drawn with the options the trend report uses (titles, floors, labels, legends, colours)."""

from __future__ import annotations

import doctest

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from mkbidx import methodology  # noqa: E402
from mkbidx.core import ranking, trends  # noqa: E402
from mkbidx.present import formatting, plots, trend_plots  # noqa: E402

M = methodology.load()
NAMES = {
    "02752": "Xã Pha Long",
    "02761": "Thị trấn Mường Khương",
    "02782": "Xã Cao Sơn",
    "02788": "Xã Bản Lầu",
    "02758": "Xã Tung Chung Phố",
}
MONTHS = trends.months_of("2024-11..2025-08")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def make_series(rebuilt_until: str | None = None) -> pd.DataFrame:
    rows = []
    for i, (code, name) in enumerate(NAMES.items()):
        for j, period in enumerate(MONTHS):
            if code == "02758" and j % 3 == 1:
                continue  # a unit with missing months
            rows.append(
                {
                    "period": period,
                    "unit_code": code,
                    "unit_name": name,
                    "parent_code": "083",
                    "total": round(70 + 4 * i + 1.5 * np.sin(j + i), 2),
                    "reconstructed": rebuilt_until is not None and period < rebuilt_until,
                }
            )
    return trends.totals_over_time(pd.DataFrame(rows), reconstructed=pd.DataFrame(rows))


def test_module_doctests_pass():
    result = doctest.testmod(trend_plots)
    assert result.failed == 0 and result.attempted >= 10


def test_small_multiples_one_axes_per_unit_with_the_threshold():
    series = make_series()
    fig = trend_plots.plot_small_multiples(series, columns=2)
    assert len(fig.axes) == len(NAMES)  # the unused sixth facet is removed
    order = list(dict.fromkeys(series["unit_code"]))
    for ax, code in zip(fig.axes, order, strict=True):
        part = series[series["unit_code"] == code].set_index("period")["total"]
        line = next(ln for ln in ax.lines if ln.get_gid() == "total")
        want = part.reindex(sorted(series["period"].unique())).to_numpy()
        np.testing.assert_array_equal(line.get_ydata(), want)  # NaN for missing months
        threshold = [ln for ln in ax.lines if ln.get_gid() == "threshold"]
        assert len(threshold) == 1 and list(threshold[0].get_ydata()) == [80.0, 80.0]
        assert ax.get_ylim() == (0.0, 100.0)
    short = {"02752": "Pha Long", "02761": "thị trấn Mường Khương", "02782": "Cao Sơn"}
    short.update({"02788": "Bản Lầu", "02758": "Tung Chung Phố"})
    assert [ax.get_title() for ax in fig.axes] == [short[c] for c in order]  # series order
    legend_texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend_texts == ["Tổng điểm", "80 điểm"]  # nothing rebuilt: no such entry
    labels = [t.get_text() for t in fig.axes[-1].get_xticklabels() if t.get_text()]
    assert labels and all("/" in t for t in labels)  # "11/2024"
    ytick = fig.axes[0].yaxis.get_major_formatter()(62.5, 0)
    assert ytick == "62,5"  # decimal comma


def test_small_multiples_mark_rebuilt_months_and_custom_threshold():
    series = make_series(rebuilt_until="2025-07")
    fig = trend_plots.plot_small_multiples(series, threshold=85, methodology=M)
    ax = next(a for a in fig.axes if a.get_title() == "Cao Sơn")  # a unit with every month
    rebuilt = next(ln for ln in ax.lines if ln.get_gid() == "reconstructed")
    real = next(ln for ln in ax.lines if ln.get_gid() == "total")
    y_rebuilt, y_real = np.asarray(rebuilt.get_ydata()), np.asarray(real.get_ydata())
    n_rebuilt = MONTHS.index("2025-07")
    assert np.isnan(y_real[:n_rebuilt]).all() and np.isfinite(y_rebuilt[:n_rebuilt]).all()
    assert np.isfinite(y_rebuilt[n_rebuilt])  # joined to the first real month
    assert rebuilt.get_linestyle() == "--"
    assert [ln.get_ydata()[0] for ln in ax.lines if ln.get_gid() == "threshold"] == [85.0]
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert texts == ["Tổng điểm", "85 điểm", "số liệu dựng lại"]


def test_bump_chart_has_the_ranks_with_rank_one_on_top():
    table = make_series()
    table = table.assign(level="commune")
    ranked = ranking.rank(table.drop(columns=["rank", "rank_of", "band"]), methodology=M)
    moves = trends.rank_movement(ranked)
    ax = trend_plots.plot_bump(moves)
    lines = [ln for ln in ax.lines if ln.get_gid() == "rank"]
    assert len(lines) == len(NAMES)
    months = sorted(moves["period"].unique())
    for line in lines:
        code = next(
            c for c, n in NAMES.items() if formatting.short_unit_name(n) == line.get_label()
        )
        want = moves[moves["unit_code"] == code].set_index("period")["rank"].reindex(months)
        np.testing.assert_array_equal(
            np.asarray(line.get_ydata(), dtype=float), want.astype("float64").to_numpy()
        )
    bottom, top = ax.get_ylim()
    assert top < bottom and top == 0.5  # inverted: rank 1 at the top
    assert ax.get_ylabel() == "Thứ hạng"
    ends = {t.get_text() for t in ax.texts}
    assert "Cao Sơn" in ends and "thị trấn Mường Khương" in ends


def test_decomposition_bars_sum_to_the_change_of_total():
    groups = []
    rng = np.random.default_rng(7)
    for period in ("2025-07", "2025-08"):
        for code in NAMES:
            for g in M.groups:
                groups.append(
                    {
                        "period": period,
                        "unit_code": code,
                        "group": g.key,
                        "score": round(float(rng.uniform(0, g.max)), 2),
                    }
                )
    d = trends.decompose_change(
        pd.DataFrame(groups), from_period="2025-07", to_period="2025-08", methodology=M
    )
    ax = trend_plots.plot_decomposition(d)
    bars = [p for p in ax.patches if p.get_gid() == "delta"]
    assert len(bars) == int((d["delta"] != 0).sum())
    codes = list(dict.fromkeys(d["unit_code"]))
    for y, code in enumerate(codes):
        widths = [b.get_width() for b in bars if abs(b.get_y() + b.get_height() / 2 - y) < 1e-9]
        want = d[d["unit_code"] == code]["total_delta"].iloc[0]
        assert round(sum(widths), 2) == want
    marker = next(ln for ln in ax.lines if ln.get_gid() == "total_delta")
    assert list(marker.get_xdata()) == d.drop_duplicates("unit_code")["total_delta"].tolist()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [g.short_name for g in M.groups] + ["Thay đổi tổng điểm"]
    assert ax.xaxis.get_major_formatter()(2.5, 0) == "+2,5"
    assert ax.xaxis.get_major_formatter()(-2.5, 0) == "−2,5"


def test_peers_chart_highlights_the_scope():
    series = make_series()
    ax = trend_plots.plot_peers(series, highlight="02761")
    assert ax.lines[0].get_gid() == "total" and ax.lines[0].get_label() == "thị trấn Mường Khương"
    assert sum(ln.get_gid() == "peer" for ln in ax.lines) == len(NAMES) - 1
    with pytest.raises(ValueError):
        trend_plots.plot_peers(series, highlight="nope")


def test_period_comparison_dumbbells():
    comparison = pd.DataFrame(
        {
            "unit_code": list(NAMES),
            "unit_name": list(NAMES.values()),
            "first_period": "2024",
            "second_period": "2025-Q2",
            "first_total": [70.0, 75.5, np.nan, 90.0, 60.0],
            "second_total": [72.0, 74.0, 81.0, 91.25, 79.99],
        }
    )
    ax = trend_plots.plot_period_comparison(comparison)
    first = next(ln for ln in ax.lines if ln.get_gid() == "first")
    second = next(ln for ln in ax.lines if ln.get_gid() == "second")
    np.testing.assert_array_equal(first.get_xdata(), comparison["first_total"].to_numpy())
    np.testing.assert_array_equal(second.get_ydata(), np.arange(len(NAMES)))
    assert sum(ln.get_gid() == "link" for ln in ax.lines) == 4  # no link without a first total
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["năm 2024", "quý 2/2025"]
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "Pha Long"


def test_charts_use_the_vietnamese_font():
    fig = trend_plots.plot_small_multiples(make_series())
    assert fig.axes[0].title.get_fontfamily()[0] in (plots.FONT, "sans-serif")
    assert fig.axes[0].title.get_fontname() == plots.FONT
    png = plots.figure_to_png_bytes(fig)
    assert png == plots.figure_to_png_bytes(fig)  # deterministic bytes for the report


# ---------------------------------------------------------------------------- as the report draws
# The trend report calls each chart once with these options (reports/trend.py) and renders it
# with plots.render_png: what is asserted here is what ships.

THRESHOLD = trends.default_threshold(M)


def _pad_points(ax) -> float:
    return ax.titleOffsetTrans.get_matrix()[1, 2] / ax.figure.dpi * 72


def _legend_drop_inches(ax) -> float:
    """How far below the axes a legend anchored at their bottom edge is, in inches."""
    legend = ax.get_legend()
    x0, y0 = legend.get_bbox_to_anchor().p0
    bottom = ax.transAxes.transform((0.5, 0.0))[1]
    return (bottom - y0) / ax.figure.dpi


def test_axis_floor_and_facet_columns():
    assert trend_plots.axis_floor([70.8, 95.0], 80.0) == 70.0
    assert trend_plots.axis_floor([np.nan, 88.0], 80.0) == 70.0  # 10 under the threshold
    assert trend_plots.axis_floor([59.99], 80.0) == 50.0
    assert trend_plots.axis_floor([], 80.0) == 70.0
    assert [trend_plots.facet_columns(n) for n in (1, 3, 4, 5, 9, 10, 16)] == [1, 3, 4, 3, 3, 4, 4]


def test_display_names_keep_the_kind_only_where_short_names_collide():
    names = {"02761": "Xã Mường Khương", "083": "Huyện Mường Khương", "02782": "Xã Cao Sơn"}
    assert trend_plots.display_names(names) == {
        "02761": "xã Mường Khương",
        "083": "huyện Mường Khương",
        "02782": "Cao Sơn",
    }


def test_small_multiples_as_the_report_draws_them():
    series = make_series(rebuilt_until="2025-01")
    floor = trend_plots.axis_floor(series["total"], THRESHOLD)
    title = "Tổng điểm các xã thuộc huyện Mường Khương, tháng 11/2024 – tháng 8/2025"
    fig = trend_plots.plot_small_multiples(
        series, threshold=THRESHOLD, methodology=M, floor=floor, title=title
    )
    assert floor == 60.0
    assert len(fig.axes) == 5  # 5 units: 3 columns (facet_columns), 2 rows
    assert tuple(fig.get_size_inches()) == pytest.approx((3 * 2.6, 2 * 2.4 + 0.4))
    suptitle = fig._suptitle
    assert suptitle.get_text() == title and suptitle.get_fontsize() == 12
    assert suptitle.get_horizontalalignment() == "left" and suptitle.get_position()[0] == 0.01
    for ax in fig.axes:
        assert ax.get_ylim() == (60.0, 100.0)
        assert ax.title.get_fontsize() == 10
        ticks = [*ax.xaxis.get_major_ticks(), *ax.yaxis.get_major_ticks()]
        assert {t.label1.get_fontsize() for t in ticks} == {8}
        assert {t.label1.get_rotation() for t in ax.xaxis.get_major_ticks()} == {45}
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "Tổng điểm",
        "80 điểm",
        "số liệu dựng lại",
    ]
    legend_top = fig.legends[0].get_window_extent().y1 / fig.dpi
    axes_bottom = min(ax.get_position().y0 for ax in fig.axes) * fig.get_size_inches()[1]
    assert legend_top <= axes_bottom  # the legend sits under the facets
    # the facet with no facet under it (row 1, column 3 above the removed sixth) shows months
    assert any(t.get_text() for t in fig.axes[2].get_xticklabels())


def test_small_multiples_one_unit_is_two_facets_wide_and_custom_labels():
    series = make_series()
    one = series[series["unit_code"] == "02782"]
    fig = trend_plots.plot_small_multiples(one, labels={"02782": "Xã $Cao Sơn"})
    assert tuple(fig.get_size_inches()) == pytest.approx((2 * 2.6, 2.4 + 0.4))
    assert fig.axes[0].get_title() == r"Xã \$Cao Sơn"  # shown literally
    assert fig._suptitle is None  # no title by default


def test_small_multiples_label_colliding_names_with_their_kind():
    series = make_series()
    series.loc[series["unit_code"] == "02782", "unit_name"] = "Xã Mường Khương"
    series.loc[series["unit_code"] == "02761", "unit_name"] = "Huyện Mường Khương"
    fig = trend_plots.plot_small_multiples(series)
    titles = [ax.get_title() for ax in fig.axes]
    assert "xã Mường Khương" in titles and "huyện Mường Khương" in titles


def test_peers_as_the_report_draws_them_with_a_comparison_unit():
    series = make_series()
    floor = trend_plots.axis_floor(series["total"], THRESHOLD)
    title = "Huyện Mường Khương so với các đơn vị cùng cấp"
    ax = trend_plots.plot_peers(
        series,
        highlight="02761",
        compare="02788",
        threshold=THRESHOLD,
        methodology=M,
        floor=floor,
        title=title,
    )
    gids = [ln.get_gid() for ln in ax.lines]
    assert gids == ["total", "peer", "peer", "peer", "peer", "threshold", "compare"]
    compare = ax.lines[-1]
    assert to_hex(compare.get_color()) == trend_plots.COMPARE_COLOR.lower()
    assert compare.get_marker() == "s" and compare.get_zorder() == 3
    want = series[series["unit_code"] == "02788"].set_index("period")["total"]
    np.testing.assert_array_equal(compare.get_ydata(), want.reindex(MONTHS).to_numpy())
    # the comparison unit is also one of the grey peers behind it
    assert sum(ln.get_label() == "Bản Lầu" for ln in ax.lines) == 2
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [
        "thị trấn Mường Khương",
        "Bản Lầu",
        "Các đơn vị cùng cấp",
    ]
    colours = [to_hex(h.get_color()) for h in legend.legend_handles]
    assert colours == [
        trend_plots.HIGHLIGHT_COLOR.lower(),
        trend_plots.COMPARE_COLOR.lower(),
        trend_plots.PEER_COLOR.lower(),
    ]
    assert ax.get_ylim() == (floor, 100.0)
    ticks = [t for t in ax.get_yticks() if floor <= t <= 100]
    assert ticks == [60.0, 70.0, 80.0, 90.0, 100.0]
    assert ax.get_title(loc="left") == title and _pad_points(ax) == pytest.approx(16)
    with pytest.raises(ValueError, match="nope"):
        trend_plots.plot_peers(series, highlight="02761", compare="nope")


def test_peers_legend_marks_rebuilt_months():
    ax = trend_plots.plot_peers(make_series(rebuilt_until="2025-07"), highlight="02782")
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["Cao Sơn", "Các đơn vị cùng cấp", "số liệu dựng lại"]


def test_peers_of_a_unit_alone_is_its_trend_as_in_the_monthly_report():
    series = make_series()
    alone = series[series["unit_code"] == "02782"]
    ax = trend_plots.plot_peers(
        alone, highlight="02782", floor=70.0, methodology=M, title="Xã Cao Sơn: tổng điểm"
    )
    assert tuple(ax.figure.get_size_inches()) == plots.TREND_FIGSIZE
    assert not any(ln.get_gid() == "peer" for ln in ax.lines) and ax.get_legend() is None
    assert ax.get_ylim() == (70.0, 100.0)
    assert ax.get_yticks().tolist() == [70.0, 80.0, 90.0, 100.0]
    assert ax.get_title(loc="left") == "Xã Cao Sơn: tổng điểm"


def make_ranks() -> pd.DataFrame:
    """8 units over 3 months: u8, u7, u6 rise most; u1, u2, u3 fall most; u3 and u4 tie at 7."""
    first = {f"u{i}": i for i in range(1, 9)}
    last = {"u8": 1, "u7": 2, "u6": 3, "u5": 4, "u1": 5, "u2": 6, "u3": 7, "u4": 7}
    rows = []
    for period, ranks in (("2025-01", first), ("2025-02", first), ("2025-03", last)):
        for code, rank in ranks.items():
            rows.append({"period": period, "unit_code": code, "unit_name": f"Xã U{code[1]}"})
            rows[-1]["rank"] = rank
    return pd.DataFrame(rows)


def test_bump_as_the_report_draws_many_units():
    ranks = make_ranks()
    ax = trend_plots.plot_bump(ranks, title="Thứ hạng các xã")
    assert trend_plots.bump_highlights(ranks) == ["u8", "u7", "u6", "u1", "u2", "u3"]
    lines = [ln for ln in ax.lines if ln.get_gid() == "rank"]
    order = ["u8", "u7", "u6", "u5", "u1", "u2", "u3", "u4"]  # by last rank, then code
    assert [ln.get_label() for ln in lines] == [f"U{c[1]}" for c in order]
    palette = sns.color_palette("colorblind").as_hex()
    colour = dict(zip(["u8", "u7", "u6", "u1", "u2", "u3"], palette, strict=False))
    for code, line, text in zip(order, lines, ax.texts, strict=True):
        if code in colour:
            assert to_hex(line.get_color()) == colour[code]
            assert line.get_linewidth() == 2.2 and line.get_zorder() == 3
            assert text.get_color() == colour[code] and text.get_fontweight() == "bold"
        else:
            assert line.get_color() == trend_plots.BUMP_GREY
            assert line.get_linewidth() == 1.0 and line.get_markersize() == 2.5
            assert text.get_color() == trend_plots.MUTED_TEXT
            assert text.get_fontweight() == "normal"
        assert line.get_linestyle() == "-"
    offsets = {t.get_text(): t.xyann for t in ax.texts}
    assert offsets["U3"] == (6, 5.0) and offsets["U4"] == (6, -5.0)  # tied at 7: stacked
    assert offsets["U8"] == (6, 0.0)
    assert ax.get_title(loc="left") == "Thứ hạng các xã" and _pad_points(ax) == pytest.approx(16)


def test_bump_few_units_each_have_a_colour():
    ranks = make_ranks()
    few = ranks[ranks["unit_code"].isin(["u1", "u2", "u3", "u8"])]
    ax = trend_plots.plot_bump(few)
    palette = sns.color_palette("colorblind").as_hex()
    assert [to_hex(ln.get_color()) for ln in ax.lines] == palette[:4]
    assert {t.get_fontweight() for t in ax.texts} == {"normal"}
    everything = trend_plots.plot_bump(ranks, max_coloured=8)
    assert trend_plots.BUMP_GREY not in {ln.get_color() for ln in everything.lines}


def make_decomposition() -> pd.DataFrame:
    rows = []
    for code, name, deltas in (
        ("02761", "Xã Mường Khương", [2.0, -1.0, 0.0, 0.5, 0.0, 0.0]),
        ("083", "Huyện Mường Khương", [-0.5, 0.0, 1.0, 0.0, 0.0, 0.25]),
    ):
        for g, d in zip(M.group_keys, deltas, strict=True):
            rows.append({"unit_code": code, "unit_name": name, "group": g, "delta": d})
    frame = pd.DataFrame(rows)
    return frame.assign(total_delta=frame.groupby("unit_code")["delta"].transform("sum"))


def test_decomposition_as_the_report_draws_it():
    d = make_decomposition()
    title = "Thay đổi tổng điểm từ tháng 1/2024 đến tháng 6/2025, theo nhóm chỉ số"
    ax = trend_plots.plot_decomposition(d, methodology=M, title=title)
    assert tuple(ax.figure.get_size_inches()) == pytest.approx((8.0, 2 * 0.32 + 1.2))
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["xã Mường Khương", "huyện Mường Khương"]  # short names collide
    legend = ax.get_legend()
    assert legend._loc == 9 and legend._ncols == 4  # upper center, 4 columns
    assert _legend_drop_inches(ax) == pytest.approx(trend_plots.LEGEND_DROP)
    texts = [t.get_text() for t in legend.get_texts()]
    assert texts == [g.short_name for g in M.groups] + ["Thay đổi tổng điểm"]
    assert ax.get_title(loc="left") == title and _pad_points(ax) == pytest.approx(16)


def test_period_comparison_as_the_report_draws_it():
    comparison = pd.DataFrame(
        {
            "unit_code": ["02761", "083"],
            "unit_name": ["Xã Mường Khương", "Huyện Mường Khương"],
            "first_period": "2024",
            "second_period": "2025-01..2025-06",
            "first_total": [68.5, 81.0],
            "second_total": [75.0, 90.5],
        }
    )
    values = [*comparison["first_total"], *comparison["second_total"]]
    floor = trend_plots.axis_floor(values, THRESHOLD)
    ax = trend_plots.plot_period_comparison(
        comparison, threshold=THRESHOLD, methodology=M, floor=floor, title="Tổng điểm"
    )
    assert floor == 60.0 and ax.get_xlim() == (60.0, 100.0)
    assert tuple(ax.figure.get_size_inches()) == pytest.approx((8.0, 2 * 0.32 + 0.9))
    assert [t.get_text() for t in ax.get_yticklabels()] == ["xã Mường Khương", "huyện Mường Khương"]
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["năm 2024", "1/2025–6/2025"]
    assert legend._ncols == 2 and _legend_drop_inches(ax) == pytest.approx(0.6)
    threshold = next(ln for ln in ax.lines if ln.get_gid() == "threshold")
    assert list(threshold.get_xdata()) == [80.0, 80.0]
    assert ax.get_title(loc="left") == "Tổng điểm" and _pad_points(ax) == pytest.approx(16)


@pytest.mark.slow  # renders every trend figure twice
def test_report_charts_render_to_deterministic_png():
    series = make_series(rebuilt_until="2025-01")
    draws = [
        lambda: trend_plots.plot_small_multiples(series, floor=60.0, title="T"),
        lambda: trend_plots.plot_peers(series, highlight="02761", compare="02788", title="T"),
        lambda: trend_plots.plot_bump(make_ranks(), title="T"),
        lambda: trend_plots.plot_decomposition(make_decomposition(), title="T"),
    ]
    open_before = plt.get_fignums()
    for draw in draws:
        png = plots.render_png(draw)
        assert png.startswith(b"\x89PNG") and png == plots.render_png(draw)
    assert plt.get_fignums() == open_before
