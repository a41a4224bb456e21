"""Gap to target: every plan verified by rescoring with mkbidx.core.scoring, minimal last step,
actions in analysts' units, unreachable units, the ``gap`` command on the sample data.

The plan is computed by :func:`mkbidx.core.gap.to_target` (codes, counts, note kinds) and worded
by :mod:`mkbidx.present.gap_text`; most tests check the worded table, as the command shows it."""

from __future__ import annotations

import ast
import doctest
import inspect
import io

import numpy as np
import pandas as pd
import pytest
from conftest import NO_SAMPLE, SAMPLE, examples, requires
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mkbidx import methodology
from mkbidx.cli import main
from mkbidx.core import gap, scoring
from mkbidx.errors import MkbidxError
from mkbidx.present import gap_text

M = methodology.load()
COUNTED = [m for g in M.groups for m in g.metrics if m.rule in ("linear", "linear_target")]
SAMPLE_COUNTS = SAMPLE / "mkbidx-sample-counts.csv"


def total_cents(counts: pd.DataFrame, m=M) -> int:
    c = counts.assign(period="p", unit_code="u")
    return round(float(scoring.score(c, methodology=m).totals["total"].iloc[0]) * 100)


def apply(counts: pd.DataFrame, actions) -> pd.DataFrame:
    state = counts.copy()
    for metric, k in actions:
        i = state.index[state["metric"] == metric][0]
        state.loc[i, "numerator"] += k
    return state


@pytest.mark.parametrize("module", [gap, gap_text])
def test_module_doctests_pass(module):
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted >= 4


# --------------------------------------------------------------------------- property
@st.composite
def unit_counts(draw):
    """Counts of every metric of one unit, mostly close to full (so that 80 is reachable)."""
    rows = []
    for g in M.groups:
        for metric in g.metrics:
            if metric.rule == "info":
                continue
            if metric.rule == "published_ratio":
                ratio = draw(st.sampled_from([0.0, 100.0, np.nan]))
                rows.append((g.key, metric.code, np.nan, np.nan, ratio))
                continue
            size = draw(st.sampled_from(["zero", "small", "small", "large", "large", "large"]))
            d = {"zero": 0, "small": draw(st.integers(1, 30))}.get(size)
            d = draw(st.integers(1, 20_000)) if d is None else d
            low = draw(st.sampled_from([True, False, False, False, False]))
            n = draw(st.integers(0 if low else int(d * 0.75), d)) if d else 0
            rows.append((g.key, metric.code, float(n), float(d), np.nan))
    frame = pd.DataFrame(
        rows, columns=["group", "metric", "numerator", "denominator", "published_ratio"]
    )
    return frame.assign(period="2024-08", unit_code="u")


def check_plan(counts: pd.DataFrame, target: float, m=M) -> None:
    plan = gap_text.gap_table(counts, period="2024-08", target=target, methodology=m)
    goal = round(target * 100)
    now = total_cents(counts, m)
    if now >= goal:
        assert plan.empty
        return
    assert plan["total"].eq(now / 100).all() and plan["target"].eq(target).all()
    if plan["additional_count"].isna().any():
        # unreachable: full marks on every actionable metric stay below the target
        assert len(plan) == 1 and plan["note"].iloc[0].startswith("không thể đạt")
        full = counts.copy()
        for i, row in full.iterrows():
            metric = m.metric(row["metric"])
            if metric.action and metric.rule in gap.ACTIONABLE_RULES and row["denominator"] > 0:
                full.loc[i, "numerator"] = row["denominator"]
        assert total_cents(full, m) < goal
        return
    steps = list(zip(plan["metric"], plan["additional_count"].astype(int), strict=True))
    assert plan["metric"].is_unique
    state = counts
    for (metric, k), after in zip(steps, plan["score_after"], strict=True):
        assert k >= 1 and m.metric(metric).action  # only actionable metrics
        state = apply(state, [(metric, k)])
        row = state[state["metric"] == metric].iloc[0]
        assert row["numerator"] <= row["denominator"]
        assert total_cents(state, m) == round(after * 100)  # score_after is the real rescoring
    assert total_cents(state, m) >= goal
    last_metric, _ = steps[-1]
    assert total_cents(apply(state, [(last_metric, -1)]), m) < goal  # minimal last step
    assert plan["score_after"].is_monotonic_increasing


@pytest.mark.slow
@settings(max_examples=examples(80), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unit_counts(), st.sampled_from([80.0, 80.0, 65.5, 95.0]))
def test_applying_the_plan_reaches_the_target_and_the_last_step_is_minimal(counts, target):
    check_plan(counts, target)


@pytest.mark.slow
@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unit_counts())
def test_plans_hold_under_every_methodology_option(counts):
    check_plan(counts, 80.0, methodology.load(options={"petitions_without_data": "redistribute"}))
    check_plan(counts, 80.0, methodology.load(options={"payment_fee_formalities_cap": "uncapped"}))


# --------------------------------------------------------------------------- hand-made cases
def frame(values: dict[str, tuple[float, float]], unit="x", period="2024-08") -> pd.DataFrame:
    return pd.DataFrame(
        [
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
    )


FULL_ELSEWHERE = {
    "PUBLISH_ON_TIME": (10, 10),
    "PUBLIC_UPDATE_ON_TIME": (10, 10),
    "PUBLIC_CONTENT_FULL": (10, 10),
    "DOSSIER_SYNC": (100, 100),
    "ONLINE_PROCEDURES": (100, 100),
    "ONLINE_SERVICES_WITH_DOSSIERS": (50, 50),
    "ONLINE_SUBMISSION": (100, 100),
    "ONLINE_PAYMENT_FORMALITIES": (10, 10),
    "FEE_FORMALITIES_ON_PORTAL": (10, 10),
    "DOSSIER_RECEIVING_SATISFACTION": (100, 100),
    "PETITION_PROCESSING_ON_TIME": (0, 0),
    "PETITION_HANDLING_SATISFACTION": (0, 0),
    "ORIGINAL_RESULT_AVAILABLE": (100, 100),
    "SO_HOA_GIAY_TO_GIAI_QUYET": (100, 100),
    "REUSED_DIGITIZED_DATA": (100, 100),
    "SYNCED_WITH_DVCQG_PERSONAL_STORAGE": (100, 100),
    "CITIZEN_DATA_CONNECTED_DOSSIER": (100, 100),
    "CITIZEN_DATA_CONNECTED_FORMALITY": (10, 10),
}


def test_a_unit_without_online_payment_is_told_how_many_dossiers_to_pay_online():
    # Like Tung Chung Phố in August 2024: online fee payment at 0, the rest full except on time.
    values = {**FULL_ELSEWHERE, "ON_TIME": (30, 100), "ONLINE_PAYMENT_DOSSIERS": (0, 40)}
    counts = frame(values)
    assert total_cents(counts) == 7800  # 100 − 14 (on time) − 6 (payment) − 2 (ELECTRONIC copy)
    plan = gap_text.gap_table(counts, period="2024-08")
    # points per count: on time 20/100 = 0.2 beats payment 6/40 = 0.15
    assert plan["metric"].tolist() == ["ON_TIME"]
    assert plan["additional_count"].tolist() == [10]  # 20·40/100 = 8 → 80.00
    assert plan["score_after"].tolist() == [80.0]
    assert plan["action"].tolist() == ["thêm 10 hồ sơ giải quyết đúng hạn"]
    assert plan["metric_name"].tolist() == ["Tỷ lệ hồ sơ giải quyết đúng hạn"]
    assert plan[["numerator", "denominator"]].values.tolist() == [[30.0, 100.0]]
    cheaper_payment = {**values, "ON_TIME": (30, 1000)}  # now 20/1000 per dossier on time
    plan = gap_text.gap_table(frame(cheaper_payment), period="2024-08")
    assert plan["metric"].tolist()[0] == "ONLINE_PAYMENT_DOSSIERS"
    assert plan["action"].iloc[0].endswith("hồ sơ thanh toán phí, lệ phí trực tuyến")


def test_metrics_without_denominator_or_action_are_never_moved():
    values = {
        **FULL_ELSEWHERE,
        "PUBLISH_ON_TIME": (0, 10),  # no action noun: publication is not the unit's count
        "DOSSIER_SYNC": (0, 0),  # no denominator
        "ON_TIME": (50, 100),
        "ORIGINAL_RESULT_AVAILABLE": (0, 0),
    }
    assert total_cents(frame(values)) == 6400
    plan = gap_text.gap_table(frame(values), period="2024-08", target=70)
    assert plan["metric"].tolist() == ["ON_TIME"]  # the only actionable metric below its max
    assert plan["additional_count"].tolist() == [30]
    unreachable = gap_text.gap_table(frame(values), period="2024-08")
    assert "tối đa 74 điểm" in unreachable["note"].iloc[0]
    everything = gap_text.gap_table(
        frame(values), period="2024-08", require_action=False, target=78
    )
    assert everything["metric"].tolist() == ["PUBLISH_ON_TIME", "ON_TIME"]  # 0.6 per count first
    assert (
        everything["action"][everything["metric"] == "PUBLISH_ON_TIME"].iloc[0].startswith("thêm ")
    )


def test_unreachable_unit_gets_one_row_with_a_note():
    counts = frame({"ON_TIME": (10, 100), "ONLINE_PAYMENT_DOSSIERS": (0, 4)})
    plan = gap_text.gap_table(counts, period="2024-08")
    assert len(plan) == 1
    row = plan.iloc[0]
    assert row["additional_count"] is pd.NA and pd.isna(row["score_after"])
    assert row["note"].startswith("không thể đạt 80 điểm chỉ bằng")
    assert "tối đa 26 điểm" in row["note"]  # 20 + 6
    assert row["total"] == 2.0


def test_units_at_target_have_no_rows_and_order_is_by_total():
    a = frame({**FULL_ELSEWHERE, "ON_TIME": (100, 100), "ONLINE_PAYMENT_DOSSIERS": (0, 40)}, "a")
    b = frame({**FULL_ELSEWHERE, "ON_TIME": (5, 100), "ONLINE_PAYMENT_DOSSIERS": (40, 40)}, "b")
    c = frame({**FULL_ELSEWHERE, "ON_TIME": (30, 100), "ONLINE_PAYMENT_DOSSIERS": (0, 40)}, "c")
    counts = pd.concat([a, b, c], ignore_index=True)
    plan = gap_text.gap_table(counts, period="2024-08")
    assert "a" not in set(plan["unit_code"])  # 92 points
    assert plan["unit_code"].drop_duplicates().tolist() == ["b", "c"]  # 79 before 78
    assert list(plan.columns[: len(gap.COLUMNS)]) == gap.COLUMNS


def test_scope_names_and_user_errors():
    counts = pd.concat(
        [
            frame({**FULL_ELSEWHERE, "ON_TIME": (30, 100)}, "a"),
            frame({**FULL_ELSEWHERE, "ON_TIME": (30, 100)}, "b"),
        ]
    )
    units = pd.DataFrame(
        {
            "period": "2024-08",
            "unit_code": ["a", "b", "p", "q"],
            "unit_name": ["Xã A", "Xã B", "Huyện P", "Huyện Q"],
            "level": ["commune", "commune", "district", "district"],
            "parent_code": ["p", "q", "10", "10"],
        }
    )
    plan = gap_text.gap_table(counts, period="2024-08", scope="p", units=units)
    assert set(plan["unit_code"]) == {"a"} and plan["unit_name"].iloc[0] == "Xã A"
    # a district without counts of its own is pooled from its communes first
    district = gap_text.gap_table(counts, period="2024-08", scope="10", units=units)
    assert set(district["unit_code"]) == {"p", "q"}
    with pytest.raises(MkbidxError, match="empty scope"):
        gap_text.gap_table(counts, period="2024-08", scope="zzz", units=units)
    with pytest.raises(MkbidxError, match="missing period"):
        gap_text.gap_table(counts, period="2024-09", scope="p", units=units)
    with pytest.raises(MkbidxError):
        gap_text.gap_table(counts, period="2024-08", scope="p")
    only = gap_text.gap_table(counts, period="2024-08", unit_codes=["b"])
    assert set(only["unit_code"]) == {"b"}
    missing = gap_text.gap_table(counts, period="2024-08", unit_codes=["zz"])
    assert missing["note"].iloc[0].startswith("không có số liệu")


def test_published_groups_count_but_do_not_move():
    values = {k: v for k, v in FULL_ELSEWHERE.items() if M.metric(k).group != "dvc_truc_tuyen"}
    counts = frame({**values, "ON_TIME": (40, 100)})
    published = pd.DataFrame(
        {
            "period": ["2024-08"],
            "unit_code": ["x"],
            "group": ["dvc_truc_tuyen"],
            "published_score": [6.0],
            "published_max": [12.0],
        }
    )
    plan = gap_text.gap_table(counts, period="2024-08", published_groups=published)
    # 18 + 8 + 6 (published) + 4 + 18 + 20 = 74: the published group counts in the total
    assert plan["total"].iloc[0] == total_cents(counts) / 100 + 6.0
    assert "dvc_truc_tuyen" not in set(plan["group"])
    assert plan["score_after"].iloc[-1] >= 80


def test_action_phrase():
    assert gap_text.action_phrase("ONLINE_PAYMENT_DOSSIERS", 12, methodology=M) == (
        "thêm 12 hồ sơ thanh toán phí, lệ phí trực tuyến"
    )
    assert gap_text.action_phrase("ON_TIME", 9) == "thêm 9 hồ sơ giải quyết đúng hạn"
    assert gap_text.action_phrase("PUBLISH_ON_TIME", 2).startswith("thêm 2 ")


# --------------------------------------------------------------------------- core and wording
def test_core_plan_is_structured_and_the_wording_is_added_in_present():
    counts = pd.concat(
        [
            frame({**FULL_ELSEWHERE, "ON_TIME": (30, 100), "ONLINE_PAYMENT_DOSSIERS": (0, 40)}),
            frame({"ON_TIME": (10, 100), "ONLINE_PAYMENT_DOSSIERS": (0, 4)}, "y"),
        ]
    )
    plan = gap.to_target(counts, period="2024-08", unit_codes=["x", "y", "zz"])
    assert plan.columns.tolist() == gap.PLAN_COLUMNS
    assert plan["note"].tolist() == ["", "unreachable", "no_counts"]
    assert plan["best_total"].iloc[1] == 26.0 and plan["best_total"].isna()[[0, 2]].all()
    # no wording in the core frame: every text cell is a code (unit names come from the data)
    texts = plan.drop(columns=["unit_name"]).select_dtypes(exclude="number")
    assert all(str(v).isascii() for v in texts.stack().tolist())
    worded = gap_text.describe(plan)
    pd.testing.assert_frame_equal(
        worded, gap_text.gap_table(counts, period="2024-08", unit_codes=["x", "y", "zz"])
    )
    assert worded.columns.tolist() == gap_text.DETAIL_COLUMNS
    assert worded["action"].tolist()[0] == "thêm 10 hồ sơ giải quyết đúng hạn"
    assert worded["note"].tolist()[1:] == [
        "không thể đạt 80 điểm chỉ bằng việc tăng số hồ sơ, TTHC đạt yêu cầu (tối đa 26 điểm)",
        "không có số liệu kỳ này (no counts)",
    ]
    with pytest.raises(ValueError, match="note kind"):
        gap_text.note_text("other", target=80)


def test_core_gap_module_has_no_presentation_import():
    tree = ast.parse(inspect.getsource(gap))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not any(str(m).startswith("mkbidx.present") for m in imported)
    assert not hasattr(gap, "action_phrase") and not hasattr(gap, "gap")


# --------------------------------------------------------------------------- the command
@requires(SAMPLE_COUNTS.exists(), NO_SAMPLE)
def test_gap_command_on_the_sample_lists_the_three_communes_and_verifies(capsys):
    code = main(["gap", "--period", "2024-08", "--scope", "083", "--format", "csv"])
    assert code == 0
    out = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype={"unit_code": str, "metric": str})
    assert out.columns.tolist() == gap.COLUMNS == gap_text.COLUMNS
    names = set(out["unit_name"])
    assert names == {"Xã Cao Sơn", "Xã Tả Gia Khâu", "Xã Tung Chung Phố"}
    counts = pd.read_csv(SAMPLE_COUNTS, dtype={"unit_code": str, "parent_code": str})
    counts = counts[counts["period"] == "2024-08"]
    for code_, plan in out.groupby("unit_code", sort=False):
        state = counts[counts["unit_code"] == code_][
            ["group", "metric", "numerator", "denominator", "published_ratio"]
        ].reset_index(drop=True)
        assert total_cents(state) == round(plan["total"].iloc[0] * 100)
        for row in plan.itertuples():
            state = apply(state, [(row.metric, int(row.additional_count))])
            assert total_cents(state) == round(row.score_after * 100)
        assert total_cents(state) >= 8000
        last = plan.iloc[-1]
        assert total_cents(apply(state, [(last["metric"], -1)])) < 8000


@requires(SAMPLE_COUNTS.exists(), NO_SAMPLE)
def test_gap_command_table_and_errors(capsys):
    assert main(["gap", "--period", "2024-08", "--scope", "083", "--target", "90"]) == 0
    text = capsys.readouterr().out
    assert "unit_code" in text.splitlines()[0] and "score_after" in text.splitlines()[0]
    assert main(["gap", "--period", "2024-08", "--scope", "083", "--target", "x"]) == 2
    assert "--target" in capsys.readouterr().err
    assert main(["gap", "--period", "2019-08", "--scope", "083"]) == 2
    assert "2019-08" in capsys.readouterr().err


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_a_target_is_a_total_above_0_and_at_most_the_maximum(value):
    if 0 < value <= M.total_max:
        assert gap.check_target(value, M) == value
    else:
        with pytest.raises(MkbidxError, match="invalid target"):
            gap.check_target(value, M)


def test_the_default_target_is_the_top_bands_minimum():
    assert gap.check_target(None, M) == 80.0 == max(b.min for b in M.bands)


@pytest.mark.parametrize("target", ["nan", "inf", "1e400", "-5", "0", "100,01", "101", "1_0"])
def test_gap_command_refuses_a_target_no_total_can_be(target, capsys):
    """Refused before the data is read: one line naming --target, exit 2, nothing printed."""
    assert main(["gap", "--period", "2024-08", "--scope", "083", f"--target={target}"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and '"--target"' in err and "Traceback" not in err


@requires(SAMPLE_COUNTS.exists(), NO_SAMPLE)
def test_gap_command_when_every_unit_has_reached_the_target(capsys):
    assert main(["gap", "--period", "2024-08", "--scope", "083", "--target", "10,5"]) == 0
    assert capsys.readouterr().out == "Mọi đơn vị trực thuộc 083 đã đạt mục tiêu 10,5 điểm.\n"
    assert main(["gap", "--period", "2024-08", "--scope", "083", "--target", "100"]) == 0
    table = capsys.readouterr().out  # no unit can reach 100: one row each, with its best total
    assert "Empty DataFrame" not in table and len(table.splitlines()) == 1 + 16
