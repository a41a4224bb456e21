"""Trend charts, tested by their artists: one facet per unit with the 80 line, bump chart ranks,
decomposition bars summing to the change, rebuilt months labelled, Vietnamese text."""

from __future__ import annotations

import doctest

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

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
