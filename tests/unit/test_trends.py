"""Trends: periods, changes, streaks, rank moves, exact group decomposition, pooled period
comparison, history across the 2025 merger, the notebook's frames and the ``trends`` command."""

from __future__ import annotations

import doctest
import io
import math

import numpy as np
import pandas as pd
import pytest
from conftest import NO_SAMPLE, SAMPLE, examples, requires
from hypothesis import given, settings
from hypothesis import strategies as st

from mkbidx import methodology, periods
from mkbidx.cli import main
from mkbidx.core import _frames, compare, history, ranking, scoring, streaks, trends
from mkbidx.errors import MkbidxError
from mkbidx.present import labels

M = methodology.load()
SCORED = [m for g in M.groups for m in g.metrics if m.rule in ("linear", "linear_target")]
SAMPLE_COUNTS = SAMPLE / "mkbidx-sample-counts.csv"


def counts_rows(period, unit, values):
    """Counts of one unit and period: {metric code: (numerator, denominator)}."""
    return [
        {
            "period": period,
            "unit_code": unit,
            "group": M.metric(code).group,
            "metric": code,
            "numerator": float(n),
            "denominator": float(d),
        }
        for code, (n, d) in values.items()
    ]


def total_of(counts: pd.DataFrame) -> float:
    totals = scoring.score(counts, methodology=M).totals
    assert len(totals) == 1
    return float(totals["total"].iloc[0])


@pytest.mark.parametrize("module", [trends, streaks, compare, history, _frames])
def test_module_doctests_pass(module):
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted >= 2


def test_trends_reexports_the_trend_modules():
    """``trends.X`` keeps working for every name moved to a module of its own."""
    assert trends.reconstruct_merged is history.reconstruct_merged
    assert trends.MERGER_PERIOD == history.MERGER_PERIOD == "2025-07"
    assert trends.compare_periods is compare.compare_periods
    assert trends.decompose_change is compare.decompose_change
    assert trends.streaks is streaks.streaks and trends.Run is streaks.Run
    assert trends.months_of is periods.months_of and trends.shift_month is periods.shift_month
    assert all(hasattr(trends, name) for name in trends.__all__)


def test_core_trend_modules_hold_no_report_wording():
    """The label of reconstructed rows is presentation (core only flags the rows)."""
    assert not hasattr(trends, "RECONSTRUCTED_LABEL")
    assert labels.RECONSTRUCTED_LABEL == "số liệu dựng lại"


# --------------------------------------------------------------------------- periods
def test_months_of_every_period_kind():
    assert trends.months_of("2024-08") == ["2024-08"]
    assert trends.months_of("2024-Q4") == ["2024-10", "2024-11", "2024-12"]
    assert trends.months_of("2023")[0] == "2023-01" and trends.months_of("2023")[-1] == "2023-12"
    assert trends.months_of("2024-11..2025-02") == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert trends.months_of(["2024-02", "2024-01", "2024-02"]) == ["2024-01", "2024-02"]
    assert trends.shift_month("2025-01", -1) == "2024-12"
    assert trends.shift_month("2024-08", 12) == "2025-08"


@pytest.mark.parametrize("bad", ["2024-13", "2024/08", "tháng 8", "2024-Q5", "2025-03..2025-01"])
def test_bad_periods_raise_user_errors(bad):
    with pytest.raises(MkbidxError):
        trends.months_of(bad)


def test_default_threshold_is_the_top_band():
    assert trends.default_threshold(M) == 80.0
    assert trends.default_threshold(M.with_bands([("A", 90), ("B", 0)])) == 90.0


# --------------------------------------------------------------------------- changes
def series(values: dict[str, list[tuple[str, float]]]) -> pd.DataFrame:
    rows = [
        {"period": p, "unit_code": u, "unit_name": f"Xã {u.upper()}", "total": t}
        for u, points in values.items()
        for p, t in points
    ]
    return pd.DataFrame(rows)


def test_changes_month_over_month_and_year_over_year():
    s = series(
        {
            "a": [("2023-08", 70.1), ("2024-06", 79.9), ("2024-07", 80.1), ("2024-09", 81.0)],
            "b": [("2024-07", 90.0)],
        }
    )
    mom = trends.changes(s).set_index(["unit_code", "period"])
    assert mom.loc[("a", "2024-07"), "change"] == 0.2  # exact, not 0.20000000000000284
    assert mom.loc[("a", "2024-07"), "prev_total"] == 79.9
    assert math.isnan(mom.loc[("a", "2024-09"), "change"])  # 2024-08 missing: no neighbour
    assert math.isnan(mom.loc[("b", "2024-07"), "prev_total"])
    yoy = trends.changes(s, lag=12).set_index(["unit_code", "period"])
    assert (yoy["lag"] == 12).all()
    assert math.isnan(yoy.loc[("a", "2024-07"), "change"])  # no 2023-07
    s2 = series({"a": [("2023-07", 75.55), ("2024-07", 80.1)]})
    yoy2 = trends.changes(s2, lag=12).set_index("period")
    assert yoy2.loc["2024-07", "prev_period"] == "2023-07"
    assert yoy2.loc["2024-07", "change"] == 4.55
    with pytest.raises(ValueError):
        trends.changes(s, lag=0)


@settings(max_examples=examples(400), deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=2, max_size=14))
def test_changes_are_exact_differences_of_published_totals(cents):
    months = [trends.shift_month("2024-01", i) for i in range(len(cents))]
    s = pd.DataFrame({"period": months, "unit_code": "a", "total": [c / 100 for c in cents]})
    got = trends.changes(s)["change"].tolist()[1:]
    assert got == [(b - a) / 100 for a, b in zip(cents, cents[1:], strict=False)]


# --------------------------------------------------------------------------- streaks
def test_runs_on_hand_made_series():
    months = ["2024-01", "2024-02", "2024-03", "2024-04", "2024-06", "2024-07"]
    r = trends.runs(months, [True, True, False, True, True, True])
    # 2024-05 is missing: 04 and 06 are not consecutive
    assert r == trends.Run(2, 2, "2024-06", "2024-07", 5)
    r = trends.runs(months[::-1], [True, True, True, False, True, True][::-1])
    assert (r.current, r.longest, r.longest_from, r.longest_to) == (2, 3, "2024-01", "2024-03")
    assert trends.runs([], []) == trends.Run(0, 0, None, None, 0)
    assert trends.runs(["2024-12", "2025-01"], [True, True]).longest == 2


def test_streaks_below_threshold_and_zero_groups():
    table = pd.DataFrame(
        {
            "period": ["2024-05", "2024-06", "2024-07", "2024-08", "2024-09"] * 2,
            "unit_code": ["a"] * 5 + ["b"] * 5,
            "unit_name": ["Xã A"] * 5 + ["Xã B"] * 5,
            "total": [79.99, 80.0, 70.0, 75.5, 60.0, 90.0, 85.0, 79.0, 81.0, 82.0],
            "thanh_toan": [0.0, 0.0, 0.0, 2.5, 0.0, 10.0, 10.0, np.nan, 0.0, 0.0],
            "so_hoa": [22.0] * 10,
        }
    )
    s = trends.streaks(table).set_index("unit_code")
    assert s.loc["a", "current_below"] == 3 and s.loc["a", "longest_below"] == 3
    assert (s.loc["a", "longest_below_from"], s.loc["a", "longest_below_to"]) == (
        "2024-07",
        "2024-09",
    )
    assert s.loc["a", "months_below"] == 4  # 80.00 is not below 80
    assert s.loc["b", "current_below"] == 0 and s.loc["b", "longest_below"] == 1
    assert s.loc["a", "thanh_toan_zero_longest"] == 3
    assert s.loc["a", "thanh_toan_zero_current"] == 1
    assert s.loc["b", "thanh_toan_zero_current"] == 2  # NaN (no score) broke the run before
    assert s.loc["b", "so_hoa_zero_longest"] == 0
    assert "cong_khai_zero_current" not in s  # groups absent from the table are not invented
    higher = trends.streaks(table, threshold=85).set_index("unit_code")
    assert higher.loc["b", "longest_below"] == 3


@settings(max_examples=examples(240), deadline=None)
@given(st.lists(st.integers(min_value=7_000, max_value=9_000), min_size=1, max_size=18))
def test_below_agrees_with_the_band(cents):
    months = [trends.shift_month("2023-11", i) for i in range(len(cents))]
    totals = pd.Series([c / 100 for c in cents])
    table = pd.DataFrame({"period": months, "unit_code": "a", "total": totals})
    row = trends.streaks(table, methodology=M).iloc[0]
    below = (ranking.band_of(totals, methodology=M) != M.bands[0].label).tolist()
    assert row["months_below"] == sum(below)
    run = 0
    for flag in below:
        run = run + 1 if flag else 0
    assert row["current_below"] == run


# --------------------------------------------------------------------------- ranks
def test_rank_movement():
    table = pd.DataFrame(
        {
            "period": ["2024-07"] * 3 + ["2024-08"] * 3 + ["2024-10"],
            "unit_code": ["a", "b", "c", "a", "b", "c", "a"],
            "rank": [3, 1, 2, 1, 1, 3, 2],
            "rank_of": [3, 3, 3, 3, 3, 3, 1],
        }
    )
    r = trends.rank_movement(table).set_index(["period", "unit_code"])
    assert r.loc[("2024-08", "a"), "rank_change"] == 2
    assert r.loc[("2024-08", "b"), "rank_change"] == 0
    assert r.loc[("2024-08", "c"), "rank_change"] == -1
    assert r.loc[("2024-10", "a"), "rank_change"] is pd.NA  # no rank in 2024-09
    assert r.loc[("2024-07", "a"), "prev_rank"] is pd.NA
    order = trends.rank_movement(table)
    assert order[order["period"] == "2024-08"]["unit_code"].tolist() == ["a", "b", "c"]


# --------------------------------------------------------------------------- decomposition
group_cents = st.lists(
    st.one_of(st.none(), st.integers(min_value=0, max_value=2200)),
    min_size=len(M.groups),
    max_size=len(M.groups),
)


@pytest.mark.slow
@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.tuples(group_cents, group_cents), min_size=1, max_size=5))
def test_decomposition_sums_exactly_to_the_change_of_total(units):
    rows = []
    for u, (before, after) in enumerate(units):
        for period, values in (("2024-07", before), ("2024-08", after)):
            for g, cents in zip(M.groups, values, strict=True):
                if cents is not None:
                    score = min(cents, int(g.max * 100)) / 100
                    rows.append(
                        {
                            "period": period,
                            "unit_code": f"u{u}",
                            "group": g.key,
                            "score": score,
                            "max_score": g.max,
                            "complete": True,
                        }
                    )
    rows += [
        {"period": p, "unit_code": f"u{u}", "group": "tien_do", "score": 0.0, "max_score": 20.0}
        for u in range(len(units))
        for p in ("2024-07", "2024-08")
        if not any(r["unit_code"] == f"u{u}" and r["period"] == p for r in rows)
    ]
    groups = pd.DataFrame(rows).assign(complete=True)
    d = trends.decompose_change(groups, from_period="2024-07", to_period="2024-08")
    totals = scoring.score_totals(groups, methodology=M).set_index(["period", "unit_code"])
    for code, part in d.groupby("unit_code"):
        assert len(part) == len(M.groups)
        cents = [round(x * 100) for x in part["delta"]]
        want = totals.loc[("2024-08", code), "total"] - totals.loc[("2024-07", code), "total"]
        assert sum(cents) == round(want * 100) == round(part["total_delta"].iloc[0] * 100)
        # the deltas are exact hundredths: their float sum is the float of the exact sum
        assert round(part["delta"].sum(), 2) == part["total_delta"].iloc[0]


def test_decomposition_from_the_wide_ranking_table_and_drivers():
    table = pd.DataFrame(
        {
            "period": ["2024-07", "2024-08", "2024-07", "2024-08", "2024-08"],
            "unit_code": ["a", "a", "b", "b", "c"],
            "unit_name": ["Xã A", "Xã A", "Xã B", "Xã B", "Xã C"],
            "cong_khai": [18.0, 18.0, 12.0, 12.0, 1.0],
            "tien_do": [15.0, 19.5, 20.0, 14.0, 1.0],
            "dvc_truc_tuyen": [10.0, 9.0, 10.0, 10.0, 1.0],
            "thanh_toan": [0.0, 2.0, 5.0, 6.0, 1.0],
            "hai_long": [18.0, 18.0, 18.0, 18.0, 1.0],
            "so_hoa": [20.0, 20.0, 20.0, 20.0, np.nan],
        }
    )
    d = trends.decompose_change(table, from_period="2024-07", to_period="2024-08")
    assert set(d["unit_code"]) == {"a", "b"}  # c has no July: no change to explain
    a = d[d["unit_code"] == "a"].set_index("group")
    assert a["delta"].to_dict() == {
        "cong_khai": 0.0,
        "tien_do": 4.5,
        "dvc_truc_tuyen": -1.0,
        "thanh_toan": 2.0,
        "hai_long": 0.0,
        "so_hoa": 0.0,
    }
    assert a["total_delta"].iloc[0] == 5.5 and a["unit_name"].iloc[0] == "Xã A"
    assert a.loc["tien_do", "group_name"] == "Tiến độ"
    drivers = trends.change_drivers(d).set_index("unit_code")
    assert drivers.loc["a", "group"] == "tien_do"
    assert drivers.loc["b", "group"] == "tien_do" and drivers.loc["b", "delta"] == -6.0


# --------------------------------------------------------------------------- period comparison
count_pair = st.integers(min_value=0, max_value=500).flatmap(
    lambda d: st.tuples(st.integers(min_value=0, max_value=d), st.just(d))
)


@st.composite
def monthly_counts(draw):
    metrics = draw(st.lists(st.sampled_from(SCORED), min_size=1, max_size=6, unique=True))
    months = draw(st.lists(st.sampled_from(trends.months_of("2024")), min_size=1, unique=True))
    rows = []
    for p in months:
        rows += counts_rows(p, "a", {m.code: draw(count_pair) for m in metrics})
    return pd.DataFrame(rows)


@pytest.mark.slow
@settings(max_examples=examples(80), deadline=None)
@given(monthly_counts(), monthly_counts())
def test_compare_periods_pooled_equals_scoring_the_summed_counts(first, second):
    second = second.assign(period=second["period"].str.replace("2024", "2025"))
    counts = pd.concat([first, second], ignore_index=True)
    result = trends.compare_periods(counts, first="2024", second="2025")
    assert len(result) == 1
    row = result.iloc[0]
    for side, part in (("first", first), ("second", second)):
        summed = part.groupby(["unit_code", "group", "metric"], as_index=False)[
            ["numerator", "denominator"]
        ].sum()
        assert row[f"{side}_total"] == total_of(summed.assign(period="x"))
        assert row[f"{side}_months"] == part["period"].nunique()
    assert round(row["difference"] * 100) == round((row["second_total"] - row["first_total"]) * 100)
    assert (row["first_period"], row["second_period"], row["how"]) == ("2024", "2025", "pooled")


def test_compare_periods_mean_is_the_rounded_mean_of_monthly_totals():
    rows = counts_rows("2024-04", "a", {"ON_TIME": (1, 10)})
    rows += counts_rows("2024-05", "a", {"ON_TIME": (90, 100)})
    rows += counts_rows("2024-06", "a", {"ON_TIME": (7, 8)})
    rows += counts_rows("2024-07", "a", {"ON_TIME": (5, 10)})
    counts = pd.DataFrame(rows)
    pooled = trends.compare_periods(counts, first="2024-Q2", second=["2024-07"]).iloc[0]
    mean = trends.compare_periods(counts, first="2024-Q2", second="2024-07", how="mean").iloc[0]
    assert pooled["first_total"] == total_of(
        pd.DataFrame(counts_rows("q", "a", {"ON_TIME": (98, 118)}))
    )
    assert pooled["first_total"] == 16.61  # 20·98/118, from the pooled counts
    assert mean["first_total"] == 12.5  # (2 + 18 + 17.5) / 3, the mean of monthly totals
    assert pooled["second_total"] == mean["second_total"] == 10.0
    assert pooled["first_months"] == 3 and pooled["second_period"] == "2024-07"
    with pytest.raises(MkbidxError):
        trends.compare_periods(counts, first="2024-Q2", second="2024-Q3", how="median")


def test_compare_periods_pools_parents_and_ranks_among_peers():
    rows = []
    for p in ("2024-01", "2024-02"):
        rows += counts_rows(p, "a", {"ON_TIME": (10, 10)})
        rows += counts_rows(p, "b", {"ON_TIME": (0, 30)})
    units = pd.DataFrame(
        {
            "unit_code": ["a", "b", "p"],
            "unit_name": ["Xã A", "Xã B", "Huyện P"],
            "level": ["commune", "commune", "district"],
            "parent_code": ["p", "p", "10"],
        }
    )
    r = trends.compare_periods(pd.DataFrame(rows), units, first="2024-01", second="2024-02")
    r = r.set_index("unit_code")
    assert r.loc["p", "second_total"] == 5.0  # 20·20/80 pooled, not the mean of 20 and 0
    assert r.loc["a", "second_rank"] == 1 and r.loc["b", "second_rank"] == 2
    assert r.loc["b", "unit_name"] == "Xã B" and r.loc["b", "rank_of"] == 2


# --------------------------------------------------------------------------- the merger
MERGER = {"c1": "m1", "c2": "m1", "m1": "m1", "c3": "m2"}


@st.composite
def merger_counts(draw):
    metrics = draw(st.lists(st.sampled_from(SCORED), min_size=1, max_size=5, unique=True))
    rows = []
    for p in ("2025-05", "2025-06"):
        for unit in ("c1", "c2", "m1", "c3", "other"):
            if draw(st.booleans()) or unit == "c1":
                rows += counts_rows(p, unit, {m.code: draw(count_pair) for m in metrics})
    for p in ("2025-07", "2025-08"):
        for unit in ("m1", "m2", "other"):
            rows += counts_rows(p, unit, {m.code: draw(count_pair) for m in metrics})
    return pd.DataFrame(rows)


@pytest.mark.slow
@settings(max_examples=examples(80), deadline=None)
@given(merger_counts())
def test_reconstructed_scores_equal_scoring_the_sum_of_former_communes(counts):
    rebuilt = trends.reconstruct_merged(counts, MERGER)
    for period in ("2025-05", "2025-06"):
        for merged in ("m1", "m2"):
            former = [k for k, v in MERGER.items() if v == merged]
            part = counts[(counts["period"] == period) & counts["unit_code"].isin(former)]
            got = rebuilt[(rebuilt["period"] == period) & (rebuilt["unit_code"] == merged)]
            if part.empty:
                assert got.empty
                continue
            assert got["reconstructed"].all()
            summed = part.groupby(["group", "metric"], as_index=False)[
                ["numerator", "denominator"]
            ].sum()
            assert total_of(got) == total_of(summed.assign(period=period, unit_code=merged))
        # former communes are gone, other units untouched
        assert (
            not rebuilt[(rebuilt["period"] == period)]["unit_code"].isin(["c1", "c2", "c3"]).any()
        )
    untouched = rebuilt[~rebuilt["reconstructed"]].drop(columns="reconstructed")
    expected = counts[
        ~(counts["period"].isin(["2025-05", "2025-06"]) & counts["unit_code"].isin(list(MERGER)))
    ]
    key = ["period", "unit_code", "metric"]
    pd.testing.assert_frame_equal(
        untouched.sort_values(key).reset_index(drop=True),
        expected.sort_values(key).reset_index(drop=True),
    )


def test_reconstruct_keeps_columns_and_flags():
    counts = pd.DataFrame(
        counts_rows("2025-06", "c1", {"ON_TIME": (5, 10)})
        + counts_rows("2025-06", "c3", {"ON_TIME": (1, 10)})
        + counts_rows("2025-07", "m1", {"ON_TIME": (9, 10)})
    ).assign(published_score=[1.0, 2.0, 3.0])
    rebuilt = trends.reconstruct_merged(counts, MERGER)
    assert rebuilt.columns.tolist() == [*counts.columns, "reconstructed"]
    assert rebuilt["reconstructed"].tolist() == [True, True, False]
    assert rebuilt["published_score"].isna().tolist() == [True, True, False]
    unchanged = trends.reconstruct_merged(counts, MERGER, before="2025-06")
    assert not unchanged["reconstructed"].any() and len(unchanged) == 3


def test_totals_over_time_scope_names_and_flags():
    table = pd.DataFrame(
        {
            "period": ["2025-06", "2025-06", "2025-07", "2025-07", "2025-Q2"],
            "unit_code": ["m1", "x", "m1", "y", "m1"],
            "unit_name": ["Thị trấn M", "Xã X", "Xã M", "Xã Y", "Thị trấn M"],
            "parent_code": ["083", "083", "10", "10", "083"],
            "total": [70.0, 85.0, 90.0, 60.0, 71.0],
        }
    )
    flags = pd.DataFrame({"period": ["2025-06"], "unit_code": ["m1"], "reconstructed": [True]})
    s = trends.totals_over_time(table, scope="083", reconstructed=flags)
    assert s["unit_code"].tolist() == ["m1", "m1", "x"]  # m1 first: 90 in its latest month
    assert s["period"].tolist() == ["2025-06", "2025-07", "2025-06"]  # quarters dropped
    assert s["unit_name"].tolist() == ["Xã M", "Xã M", "Xã X"]  # the latest name
    assert s["reconstructed"].tolist() == [True, False, False]
    assert trends.totals_over_time(table, units=["y"], start="2025-07")["total"].tolist() == [60.0]
    assert trends.totals_over_time(table, end="2025-06")["period"].unique().tolist() == ["2025-06"]


# --------------------------------------------------------------------------- notebook frames
def merger_fixture():
    rows = []
    for p in ("2025-05", "2025-06"):
        rows += counts_rows(p, "c1", {"ON_TIME": (8, 10), "ONLINE_PAYMENT_DOSSIERS": (0, 5)})
        rows += counts_rows(p, "c2", {"ON_TIME": (2, 10), "ONLINE_PAYMENT_DOSSIERS": (5, 5)})
        rows += counts_rows(p, "c3", {"ON_TIME": (10, 10), "ONLINE_PAYMENT_DOSSIERS": (1, 5)})
    for p in ("2025-07", "2025-08"):
        rows += counts_rows(p, "m1", {"ON_TIME": (9, 10), "ONLINE_PAYMENT_DOSSIERS": (3, 10)})
        rows += counts_rows(p, "m2", {"ON_TIME": (4, 10), "ONLINE_PAYMENT_DOSSIERS": (5, 5)})
    units = []
    for p in ("2025-05", "2025-06"):
        units += [
            (p, "c1", "Xã C1", "commune", "d"),
            (p, "c2", "Xã C2", "commune", "d"),
            (p, "c3", "Xã C3", "commune", "d"),
            (p, "m1", "Thị trấn M1", "commune", "d"),
            (p, "m2", "Xã M2 cũ", "commune", "d"),
            (p, "d", "Huyện D", "district", "10"),
            (p, "e", "Huyện E", "district", "10"),
        ]
        rows += counts_rows(p, "e", {"ON_TIME": (5, 10)})
    for p in ("2025-07", "2025-08"):
        units += [(p, "m1", "Xã M1", "commune", "10"), (p, "m2", "Xã M2", "commune", "10")]
    units_frame = pd.DataFrame(
        units, columns=["period", "unit_code", "unit_name", "level", "parent_code"]
    )
    merger = {"c1": "m1", "c2": "m1", "c3": "m2"}
    return pd.DataFrame(rows), units_frame, merger


def test_trend_frames_across_the_merger():
    counts, units, merger = merger_fixture()
    tf = trends.trend_frames(counts, units, scope="d", merger_map=merger)
    assert (tf.start, tf.end, tf.scope) == ("2025-05", "2025-08", "d")
    assert sorted(tf.series["unit_code"].unique()) == ["m1", "m2"]
    assert tf.series.groupby("unit_code")["period"].nunique().tolist() == [4, 4]
    rebuilt = tf.series[tf.series["reconstructed"]]
    assert sorted(rebuilt["period"].unique()) == ["2025-05", "2025-06"]
    m1 = tf.series[tf.series["unit_code"] == "m1"].set_index("period")
    pooled = pd.DataFrame(
        counts_rows("x", "m1", {"ON_TIME": (10, 20), "ONLINE_PAYMENT_DOSSIERS": (5, 10)})
    )
    assert m1.loc["2025-06", "total"] == total_of(pooled)
    assert m1["unit_name"].iloc[0] == "Xã M1"
    assert set(tf.summary.columns) >= {"first_total", "last_total", "change", "longest_below"}
    assert tf.peers["unit_code"].tolist()[:2] == ["d", "d"] and set(tf.peers["unit_code"]) == {
        "d",
        "e",
    }
    assert len(tf.month_changes) == len(tf.series) and tf.year_changes["change"].isna().all()
    assert set(tf.decomposition["from_period"]) == {"2025-05"}
    assert len(tf.drivers) == 2 and len(tf.streaks) == 2
    assert tf.counts["reconstructed"].any()
    plain = trends.trend_frames(counts, units, scope="d", end="2025-06")
    assert sorted(plain.series["unit_code"].unique()) == ["c1", "c2", "c3"]
    assert not plain.series["reconstructed"].any()


def test_trend_frames_errors():
    counts, units, merger = merger_fixture()
    with pytest.raises(MkbidxError, match="empty scope"):
        trends.trend_frames(counts, units, scope="zzz")
    with pytest.raises(MkbidxError):
        trends.trend_frames(counts, units, scope="d", start="2025-08", end="2025-05")
    with pytest.raises(MkbidxError, match="no data in range"):
        trends.trend_frames(counts, units, scope="d", start="2020-01", end="2020-02")


def test_trend_summary_hand_made():
    s = series(
        {
            "a": [("2024-01", 70.0), ("2024-02", 85.0), ("2024-03", 85.0), ("2024-04", 79.0)],
            "b": [("2024-03", 90.0)],
        }
    )
    summary = trends.trend_summary(s).set_index("unit_code")
    a = summary.loc["a"]
    assert (a["first_total"], a["last_total"], a["change"]) == (70.0, 79.0, 9.0)
    assert (a["best_period"], a["best_total"]) == ("2024-03", 85.0)  # most recent on a tie
    assert (a["worst_period"], a["worst_total"]) == ("2024-01", 70.0)
    assert (a["longest_below"], a["current_below"], a["n_months"]) == (1, 1, 4)
    assert summary.loc["b", "change"] == 0.0 and summary.loc["b", "unit_name"] == "Xã B"


# --------------------------------------------------------------------------- the command
@pytest.mark.notebooks
@requires(SAMPLE_COUNTS.exists(), NO_SAMPLE)
def test_trends_command_prints_a_summary_across_the_merger(capsys, tmp_path):
    code = main(
        [
            "trends",
            "--scope",
            "083",
            "--from",
            "2025-01",
            "--to",
            "2025-09",
            "--format",
            "csv",
            "--output",
            str(tmp_path),
        ]
    )
    assert code == 0
    captured = capsys.readouterr()
    summary = pd.read_csv(io.StringIO(captured.out), dtype={"unit_code": str})
    assert sorted(summary["unit_code"]) == ["02752", "02761", "02782", "02788"]
    assert (summary["n_months"] == 9).all()
    assert "số liệu dựng lại" in captured.err
    folder = tmp_path / "trends" / "083" / "2025-01_2025-09"
    assert (folder / "report.html").is_file() and (folder / "tables" / "summary.csv").is_file()


# ----------------------------------------------------------------------------- national history
def test_any_communes_history_is_rebuilt_through_the_national_crosswalk():
    from mkbidx.core.history import reconstruct_merged
    from mkbidx.inputs import units as registry_units

    reg = registry_units.default_registry()
    # Xã Liên Sơn (04960, Phú Thọ) was formed from 04957 (divided: its primary successor is
    # 04960, part went to Xã Lương Sơn 04924), 04960 and 04969.
    assert reg.successors("04957") == ["04960", "04924"]
    formers = reg.predecessors("04960")
    assert formers == ["04957", "04960", "04969"]
    rows = [("2025-06", code, 10 * (i + 1), 20 * (i + 1)) for i, code in enumerate(formers)]
    rows.append(("2025-07", "04960", 7, 9))
    counts = pd.DataFrame(rows, columns=["period", "unit_code", "numerator", "denominator"])
    counts = counts.assign(group="tien_do", metric="ON_TIME")
    out = reconstruct_merged(counts, reg.merger_map(formers))
    june = out[out["period"] == "2025-06"]
    # the divided commune's whole history goes to its primary successor, flagged rebuilt
    assert june[["unit_code", "numerator", "denominator", "reconstructed"]].values.tolist() == [
        ["04960", 60.0, 120.0, True]
    ]
    assert "04924" not in set(out["unit_code"])  # the other receiver gets none of it
    assert not out.loc[out["period"] == "2025-07", "reconstructed"].any()
    assert reg.crosswalk.divided_into("04924") == ["04957"]
