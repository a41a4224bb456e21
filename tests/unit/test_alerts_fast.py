"""The grouped :func:`mkbidx.core.alerts.find_alerts` equals the per-unit loop it replaced.

The function used to filter the group, metric and ranking frames once per unit (thousands of
small pandas operations on a province); it now groups each frame once. The reference below is
that loop transcribed; both run on random frames (hypothesis) and must return identical frames:
same columns, dtypes, row order and values.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from mkbidx import methodology
from mkbidx.core import alerts

M = methodology.load()
PERIOD = "2024-08"
SCOPE = "083"
MONTHS = ["2024-05", "2024-06", "2024-07", "2024-08", "2024-09"]
CODES = ["01", "02", "03", "04"]
GROUP_KEYS = [*M.group_keys, "other"]
METRIC_COLUMNS = [
    "unit_code",
    "group",
    "metric",
    "score",
    "max_score",
    "no_data",
    "numerator",
    "denominator",
]
"""The columns of the metric scores ``find_alerts`` reads."""


def reference_find_alerts(
    table, groups, metrics, full_table, units, *, period, scope, window, methodology, drop_alert
) -> pd.DataFrame:
    """:func:`alerts.find_alerts` as it was: one filter of every frame per unit."""
    m = methodology
    top = m.bands[0]
    rows: list[dict[str, Any]] = []

    def add(unit_code, unit_name, rank, kind, **facts) -> None:
        rows.append(
            {"unit_code": unit_code, "unit_name": unit_name, "rank": rank, "kind": kind, **facts}
        )

    g_month = groups[(groups["period"] == period) & groups["unit_code"].isin(table["unit_code"])]
    months_with_data = set(window)
    unit_periods = full_table[["period", "unit_code"]]
    for r in table.itertuples(index=False):
        code, name, rank = r.unit_code, r.unit_name, r.rank
        total = float(r.total)
        if round(total, m.rank_decimals) < top.min:
            add(code, name, rank, "below_threshold", total=total, band=r.band)
        mine = g_month[g_month["unit_code"] == code]
        zero_groups = set(mine[(mine["score"] == 0) & (mine["max_score"] > 0)]["group"])
        for key in [k for k in m.group_keys if k in zero_groups]:
            add(code, name, rank, "group_zero", group=key)
        zm = metrics[
            (metrics["unit_code"] == code)
            & (metrics["score"] == 0)
            & (metrics["max_score"] > 0)
            & ~metrics["group"].isin(zero_groups)
        ]
        for z in zm.itertuples(index=False):
            add(
                code,
                name,
                rank,
                "metric_zero",
                group=z.group,
                metric=z.metric,
                numerator=z.numerator,
                denominator=z.denominator,
                no_data=bool(z.no_data),
                max_score=z.max_score,
            )
        if not pd.isna(r.change) and float(r.change) <= -drop_alert:
            add(
                code,
                name,
                rank,
                "drop",
                total=total,
                change=float(r.change),
                previous_total=r.previous_total,
            )
        present = dict(zip(mine["group"], mine["complete"].astype(bool), strict=True))
        absent = tuple(k for k in m.group_keys if k not in present)
        partial = tuple(k for k in m.group_keys if k in present and not present[k])
        have = set(unit_periods[unit_periods["unit_code"] == code]["period"])
        gaps = tuple(p for p in window if p in months_with_data and p not in have)
        if absent or partial or gaps:
            add(
                code,
                name,
                rank,
                "missing",
                absent_groups=absent,
                partial_groups=partial,
                missing_periods=gaps,
            )
    expected = units[(units["period"] == period) & (units["parent_code"] == scope)]
    for u in expected[~expected["unit_code"].isin(table["unit_code"])].itertuples(index=False):
        uname = u.unit_name if isinstance(u.unit_name, str) else u.unit_code
        add(
            u.unit_code,
            uname,
            pd.NA,
            "missing",
            absent_groups=(),
            partial_groups=(),
            missing_periods=(),
        )
    frame = pd.DataFrame(rows, columns=alerts.ALERT_COLUMNS)
    if frame.empty:
        return frame
    frame["kind_order"] = frame["kind"].map({k: i for i, k in enumerate(alerts.ALERT_KINDS)})
    frame["rank"] = frame["rank"].astype("Int64")
    frame = frame.sort_values(
        ["rank", "unit_code", "kind_order"], kind="stable", na_position="last"
    )
    return frame.drop(columns="kind_order").reset_index(drop=True)


nan = float("nan")
scores = st.sampled_from([0.0, 0.0, 0.0, 1.5, nan])
max_scores = st.sampled_from([0.0, 2.0, 2.0, 6.0, 6.0, nan])
totals = st.one_of(
    st.sampled_from([0.0, 79.99, 79.994, 79.995, 80.0, 100.0]),
    st.floats(0, 100, allow_nan=False),
)
changes = st.one_of(
    st.sampled_from([nan, -10.0, -5.0, -4.99, 0.0, 3.0]), st.floats(-20, 20, allow_nan=False)
)


@st.composite
def cases(draw) -> dict[str, Any]:
    """Random frames shaped like the monthly report's: a few units, groups, metrics, months."""
    codes = draw(st.lists(st.sampled_from(CODES), min_size=0, max_size=5, unique=True))
    table = pd.DataFrame(
        {
            "period": [PERIOD] * len(codes),
            "unit_code": codes,
            "unit_name": [f"Xã {c}" for c in codes],
            "total": [draw(totals) for _ in codes],
            "rank": pd.array(
                [draw(st.one_of(st.none(), st.integers(1, 4))) for _ in codes], dtype="Int64"
            ),
            "band": [draw(st.sampled_from(["Tốt", "Khá", "Chưa tốt"])) for _ in codes],
            "change": [draw(changes) for _ in codes],
            "previous_total": [draw(st.sampled_from([nan, 50.0, 85.5])) for _ in codes],
        }
    )
    all_codes = st.sampled_from(CODES)
    group_row = st.tuples(scores, max_scores, st.booleans())
    group_rows = [
        (PERIOD, code, key, *row)
        for code in CODES
        for key in GROUP_KEYS
        if (row := draw(st.one_of(st.none(), group_row, group_row, group_row))) is not None
    ]
    extra = st.tuples(st.sampled_from([PERIOD, "2024-07"]), all_codes, st.sampled_from(GROUP_KEYS))
    group_rows += [(*key, *draw(group_row)) for key in draw(st.lists(extra, max_size=6))]
    group_rows = draw(st.permutations(group_rows))
    groups = pd.DataFrame(
        group_rows, columns=["period", "unit_code", "group", "score", "max_score", "complete"]
    )
    metric_rows = draw(
        st.lists(
            st.tuples(
                all_codes,
                st.sampled_from(M.group_keys[:2]) | st.sampled_from(GROUP_KEYS),
                st.sampled_from(["A", "B", "C"]),
                scores,
                max_scores,
                st.booleans(),
                st.sampled_from([nan, 0.0, 3.0]),
                st.sampled_from([nan, 0.0, 10.0]),
            ),
            max_size=30,
        )
    )
    metrics = pd.DataFrame(
        metric_rows,
        columns=METRIC_COLUMNS,
    )
    window = draw(st.lists(st.sampled_from(MONTHS), unique=True).map(sorted))
    full_rows = draw(st.lists(st.tuples(st.sampled_from(MONTHS), all_codes), max_size=25))
    full_table = pd.DataFrame(full_rows, columns=["period", "unit_code"])
    unit_rows = draw(
        st.lists(
            st.tuples(
                st.sampled_from([PERIOD, "2024-07"]),
                all_codes,
                st.sampled_from(["Xã X", None]),
                st.sampled_from([SCOPE, "10"]),
            ),
            max_size=10,
        )
    )
    units = pd.DataFrame(unit_rows, columns=["period", "unit_code", "unit_name", "parent_code"])
    drop_alert = draw(st.sampled_from([alerts.DROP_ALERT_POINTS, 0.0, 10.0]))
    return {
        "args": (table, groups, metrics, full_table, units),
        "kwargs": {
            "period": PERIOD,
            "scope": SCOPE,
            "window": window,
            "methodology": M,
            "drop_alert": drop_alert,
        },
    }


@settings(max_examples=examples(80), deadline=None)
@given(cases())
def test_find_alerts_equals_the_per_unit_loop(case):
    got = alerts.find_alerts(*case["args"], **case["kwargs"])
    want = reference_find_alerts(*case["args"], **case["kwargs"])
    assert_frame_equal(got, want, check_exact=True)
    assert list(got.columns) == alerts.ALERT_COLUMNS


def test_doctest_frames_agree():
    """The empty frames of the module's example (object columns, no group or metric rows)."""
    table = pd.DataFrame(
        {
            "unit_code": ["1"],
            "unit_name": ["Xã A"],
            "rank": [1],
            "total": [79.5],
            "band": ["Khá"],
            "change": [-6.0],
            "previous_total": [85.5],
        }
    )
    groups = pd.DataFrame(
        columns=["period", "unit_code", "group", "score", "max_score", "complete"]
    )
    metrics = pd.DataFrame(columns=METRIC_COLUMNS)
    args = (
        table,
        groups,
        metrics,
        pd.DataFrame(columns=["period", "unit_code"]),
        pd.DataFrame(columns=["period", "unit_code", "unit_name", "parent_code"]),
    )
    kwargs = {"period": PERIOD, "scope": "0", "window": [PERIOD], "methodology": M}
    got = alerts.find_alerts(*args, **kwargs, drop_alert=5.0)
    want = reference_find_alerts(*args, **kwargs, drop_alert=5.0)
    assert_frame_equal(got, want, check_exact=True)
    assert list(got["kind"]) == ["below_threshold", "drop", "missing"]
