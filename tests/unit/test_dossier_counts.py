"""The dossier -> counts derivation (``mkbidx.inputs.dossiers.counts``, one Ibis expression) on
DuckDB equals the independent pandas reference (``reference``) on hypothesis-generated tables with
every edge of ``../shared/dossiers.md``; hand-worked examples pin both to concrete numbers; the
costly dossiers (``costly``) add up to denominator - numerator of every dossier-level metric."""

from __future__ import annotations

from datetime import datetime

import ibis
import pandas as pd
import pytest
from dossier_strategies import (
    bounds,
    cases,
    procedures_arrow,
    to_arrow,
    to_frame,
)
from hypothesis import HealthCheck, given, settings

from mkbidx.inputs.dossiers import columns
from mkbidx.inputs.dossiers.costly import COSTLY_COLUMNS, REASONS, costly_dossiers
from mkbidx.inputs.dossiers.counts import COUNTS_COLUMNS, derive_counts
from mkbidx.inputs.dossiers.reference import reference_counts


@pytest.fixture(scope="module")
def con():
    return ibis.duckdb.connect()


def normalised(out: pd.DataFrame) -> pd.DataFrame:
    """Counts in a comparable form: plain object strings, int64 counts, a fresh index."""
    out = out[list(COUNTS_COLUMNS)].reset_index(drop=True)
    return out.astype(
        {
            "unit_code": object,
            "group": object,
            "metric": object,
            "numerator": "int64",
            "denominator": "int64",
        }
    )


def duckdb_counts(con, frame, start, end, procedures=None) -> pd.DataFrame:
    table = ibis.memtable(to_arrow(frame))
    procs = None if procedures is None else ibis.memtable(procedures_arrow(procedures))
    return normalised(con.execute(derive_counts(table, start, end, procs)))


def check_engines_agree(con, frame, procedures, start, end) -> pd.DataFrame:
    expected = normalised(reference_counts(frame, start, end, procedures))
    got = duckdb_counts(con, frame, start, end, procedures)
    pd.testing.assert_frame_equal(got, expected)
    return expected


# ------------------------------------------------------------------------------ property
def check_case(con, case) -> None:
    frame, procedures, start, end = case
    expected = check_engines_agree(con, frame, procedures, start, end)
    # shape: every unit of the table x every metric it can produce, 0/0 included
    metrics = columns.DERIVED_METRICS if procedures is not None else columns.DOSSIER_ONLY_METRICS
    assert len(expected) == frame["unit_code"].nunique() * len(metrics)
    assert (expected.numerator <= expected.denominator).all()
    assert (expected.numerator >= 0).all()
    check_costly(con, frame, expected, start, end)


SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@settings(max_examples=15, **SETTINGS)
@given(case=cases())
def test_duckdb_equals_reference(con, case):
    check_case(con, case)


@pytest.mark.slow
@settings(max_examples=100, **SETTINGS)
@given(case=cases())
def test_duckdb_equals_reference_long_search(con, case):
    check_case(con, case)


def check_costly(con, frame, counts, start, end) -> pd.DataFrame:
    """The costly dossiers add up to denominator - numerator per unit and dossier-level metric;
    ``days_late`` is the whole days past ``due_at`` at ``min(finished_at, end)``, rounded up."""
    costly = con.execute(costly_dossiers(ibis.memtable(to_arrow(frame)), start, end))
    assert list(costly.columns) == list(COSTLY_COLUMNS)
    dossier_level = counts[counts.metric.isin(columns.DOSSIER_ONLY_METRICS)]
    missed = costly.groupby(["unit_code", "metric"]).size()
    for u, m, n, d in dossier_level[["unit_code", "metric", "numerator", "denominator"]].values:
        assert missed.get((u, m), 0) == d - n, (u, m)
    assert not costly.duplicated(["dossier_id", "metric"]).any()
    assert set(costly.reason) <= set(REASONS)
    assert (costly.group == costly.metric.map(columns.METRIC_GROUP)).all()
    late = costly[costly.reason == "late"]
    assert costly.days_late.notna().sum() == len(late)
    judged = late.finished_at.where(late.finished_at.notna() & (late.finished_at <= end), end)
    seconds = (judged - late.due_at).dt.total_seconds()
    assert (seconds > 0).all()
    assert (late.days_late.astype("int64") == -(-seconds.astype("int64") // 86400)).all()
    return costly


# ------------------------------------------------------------------------------ hand examples
AUG = bounds("2024-08")  # 2024-08-01 00:00:00 .. 2024-08-31 23:59:59
FALSE = dict.fromkeys(columns.BOOL_COLUMNS, False) | {"synced": True}


def row(unit="u1", proc="p1", channel="direct", rec=None, due=None, fin=None, sup=0, **flags):
    return (
        {
            "unit_code": unit,
            "procedure_code": proc,
            "channel": channel,
            "received_at": pd.Timestamp(rec),
            "due_at": pd.Timestamp(due) if due else None,
            "finished_at": pd.Timestamp(fin) if fin else None,
            "supplement_requests": sup,
        }
        | FALSE
        | flags
    )


def counts_of(con, rows, period=AUG, procedures=None) -> dict[tuple[str, str], tuple[int, int]]:
    frame = to_frame(rows)
    out = check_engines_agree(con, frame, procedures, *period)
    return {
        (u, m): (n, d)
        for u, m, n, d in out[["unit_code", "metric", "numerator", "denominator"]].values
    }


def test_hand_on_time_and_boundaries(con):
    rows = [
        # received at the very first second, finished on time: handled, received, on time
        row(rec="2024-08-01 00:00:00", due="2024-08-05 17:00:00", fin="2024-08-05 17:00:00"),
        # received the second before the period, finished one second late: carried over, late
        row(rec="2024-07-31 23:59:59", due="2024-08-02 00:00:00", fin="2024-08-02 00:00:01"),
        # received in July, finished the last second of July: not handled in August at all
        row(rec="2024-07-20 08:00:00", fin="2024-07-31 23:59:59"),
        # received at the last second, open, no due date: received, handled, on time
        row(rec="2024-08-31 23:59:59"),
        # received one second after the period: neither received nor handled
        row(rec="2024-09-01 00:00:00"),
        # open, due before the end of August: judged at end -> late
        row(rec="2024-08-10 08:00:00", due="2024-08-20 17:00:00"),
        # finished after the period, due after the end: judged at end -> on time
        row(rec="2024-08-25 08:00:00", due="2024-09-03 17:00:00", fin="2024-09-05 00:00:00"),
        # two supplement requests: late though finished before its due time
        row(rec="2024-08-12 08:00:00", due="2024-08-30 17:00:00", fin="2024-08-14 08:00:00", sup=2),
        # one supplement request, on time, but complained about
        row(rec="2024-08-12 08:00:00", fin="2024-08-14 08:00:00", sup=1, complained=True),
        # not synced: only in DOSSIER_SYNC's denominator
        row(rec="2024-08-12 08:00:00", synced=False),
    ]
    got = counts_of(con, rows)
    # handled (synced): rows 1, 2, 4, 6, 7, 8, 9 = 7; on time: 1, 4, 7, 9 = 4
    assert got["u1", "ON_TIME"] == (4, 7)
    # on time and not complained: 1, 4, 7 = 3
    assert got["u1", "DOSSIER_RECEIVING_SATISFACTION"] == (3, 7)
    # received (synced): 1, 4, 6, 7, 8, 9 = 6; all received: + row 10 = 7, synced 6
    assert got["u1", "REUSED_DIGITIZED_DATA"] == (0, 6)
    assert got["u1", "DOSSIER_SYNC"] == (6, 7)
    # nothing requires a result: no ORIGINAL_RESULT_AVAILABLE dossier
    assert got["u1", "ORIGINAL_RESULT_AVAILABLE"] == (0, 0)


def test_hand_results_channels_and_fees(con):
    rows = [
        # online, result required with e-result, finished in August, fee paid online
        row(
            channel="online",
            rec="2024-08-02",
            fin="2024-08-03",
            result_required=True,
            has_e_result=True,
            fee_obligation=True,
            paid_online=True,
            has_component_file=True,
        ),
        # online but result required without e-result: not an online submission; finished in
        # August with a result required: in ORIGINAL_RESULT_AVAILABLE's denominator only
        row(
            channel="online",
            rec="2024-08-02",
            fin="2024-08-04",
            result_required=True,
            fee_obligation=True,
            has_component_file=True,
            proc="p1",
        ),
        # received in July, finished in August with an e-result: counts for the result only
        row(rec="2024-07-15", fin="2024-08-01 00:00:00", result_required=True, has_e_result=True),
        # direct, no result required, fee not paid online, procedure p2
        row(rec="2024-08-05", fee_obligation=True, proc="p2", has_component_file=True),
        # another unit, no fee
        row(unit="u2", rec="2024-08-05", channel="postal", citizen_data_used=True),
    ]
    procedures = pd.DataFrame(
        {
            "unit_code": ["u1", "u1", "u1", "u1", "u2", "u9"],
            "procedure_code": ["p1", "p1", "p2", "p3", "p1", "p1"],
            "has_fee": [True, True, True, False, True, True],
        }
    )
    got = counts_of(con, rows, procedures=procedures)
    # received u1: rows 1, 2, 4 = 3; online and (no result required or e-result): row 1
    assert got["u1", "ONLINE_SUBMISSION"] == (1, 3)
    # fee dossiers received: 1, 2, 4; paid online: 1
    assert got["u1", "ONLINE_PAYMENT_DOSSIERS"] == (1, 3)
    # finished in August with a result required: 1, 2, 3; with e-result: 1, 3
    assert got["u1", "ORIGINAL_RESULT_AVAILABLE"] == (2, 3)
    # component file and (no result required or e-result): rows 1, 4
    assert got["u1", "SO_HOA_GIAY_TO_GIAI_QUYET"] == (2, 3)
    # u1's fee procedures: p1 (listed twice), p2 = 2; paid online: p1 (once, two dossiers)
    assert got["u1", "ONLINE_PAYMENT_FORMALITIES"] == (1, 2)
    # with a fee dossier received in August: p1, p2
    assert got["u1", "FEE_FORMALITIES_ON_PORTAL"] == (2, 2)
    # u2: one fee procedure, no fee dossier; u9 has no dossier: no rows
    assert got["u2", "FEE_FORMALITIES_ON_PORTAL"] == (0, 1)
    assert got["u2", "CITIZEN_DATA_CONNECTED_DOSSIER"] == (1, 1)
    assert not any(u == "u9" for u, _ in got)


def test_hand_quarter_year_and_as_of(con):
    rows = [
        row(rec="2024-03-31 23:59:59", due="2024-04-02 00:00:00", fin="2024-04-03 00:00:00"),
        row(rec="2024-04-01 00:00:00", due="2024-04-10 00:00:00"),
        # received in 2023, open, no due: carried into every period of 2024
        row(rec="2023-12-31 23:59:59"),
    ]
    # Q1: received 1 (row 1) + handled 1, 3 (row 1 judged at end of Q1, before its due: on time)
    q1 = counts_of(con, rows, period=bounds("2024-Q1"))
    assert q1["u1", "ON_TIME"] == (2, 2) and q1["u1", "DOSSIER_SYNC"] == (1, 1)
    # Q2: row 1 finished a day late, row 2 open past its due -> late; row 3 on time
    q2 = counts_of(con, rows, period=bounds("2024-Q2"))
    assert q2["u1", "ON_TIME"] == (1, 3) and q2["u1", "DOSSIER_SYNC"] == (1, 1)
    # the year: same as Q2 for ON_TIME; both 2024 receptions
    y = counts_of(con, rows, period=bounds("2024"))
    assert y["u1", "ON_TIME"] == (1, 3) and y["u1", "DOSSIER_SYNC"] == (2, 2)
    # as of 2024-04-05 12:00: row 1 finished late; row 2 judged then, before its due: on time
    cut = (datetime(2024, 4, 1), datetime(2024, 4, 5, 12))
    assert counts_of(con, rows, period=cut)["u1", "ON_TIME"] == (2, 3)


def test_hand_costly(con):
    rows = [
        # open, due 2/8 17:00, two requests: late (29 days 6:59:59 at the end -> 30 days)
        row(rec="2024-08-01 08:00:00", due="2024-08-02 17:00:00", sup=2, complained=True),
        # finished one second after its due time: late by 1 day (rounded up)
        row(rec="2024-08-01 08:00:00", due="2024-08-02 17:00:00", fin="2024-08-02 17:00:01"),
        # on time but two requests: supplements; online with result required, no e-result
        row(rec="2024-08-03", sup=2, channel="online", result_required=True),
        # on time, complained: only satisfaction; fee not paid online; not synced -> only sync
        row(rec="2024-08-04", complained=True, fee_obligation=True, reused_digitized=True),
        row(rec="2024-08-04", synced=False),
    ]
    frame = to_frame(rows)
    counts = check_engines_agree(con, frame, None, *AUG)
    costly = check_costly(con, frame, counts, *AUG)
    got = {
        (d, m): (r, dl)
        for d, m, r, dl in costly[["dossier_id", "metric", "reason", "days_late"]].values
    }
    assert got["d0", "ON_TIME"] == ("late", 30)
    assert got["d0", "DOSSIER_RECEIVING_SATISFACTION"] == ("late", 30)
    assert got["d1", "ON_TIME"] == ("late", 1)
    assert got["d2", "ON_TIME"][0] == "supplements" and pd.isna(got["d2", "ON_TIME"][1])
    assert got["d2", "ONLINE_SUBMISSION"][0] == "no_e_result"
    assert got["d3", "DOSSIER_RECEIVING_SATISFACTION"][0] == "complained"
    assert got["d3", "ONLINE_PAYMENT_DOSSIERS"][0] == "fee_not_paid_online"
    assert got["d4", "DOSSIER_SYNC"][0] == "not_synced"
    assert {m for d, m in got if d == "d4"} == {"DOSSIER_SYNC"}
    # every received synced dossier lacks reuse except d3: d0, d1, d2 -> 3 rows
    assert sum(1 for d, m in got if m == "REUSED_DIGITIZED_DATA") == 3
    assert ("d3", "ON_TIME") not in got
