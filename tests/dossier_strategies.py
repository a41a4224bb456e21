"""Hypothesis strategies for normalised dossier tables (``mkbidx.inputs.dossiers.columns``) that
hit every edge of ``../shared/dossiers.md``: instants one second around the period's bounds, open
dossiers, carried-over dossiers, dossiers finished after the period, empty due dates, a due time
equal to ``min(finished_at, end)``, one and two supplement requests, unsynced dossiers, several
dossiers of one procedure in one unit, fee / no fee, result required with / without e-result.

Also the checks and hand-worked examples shared by the unit test (DuckDB vs pandas) and the
Spark integration test, and :func:`merge_cases`, which runs many tables in one query (one Spark
job).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pandas as pd
import pyarrow as pa
from hypothesis import strategies as st

from mkbidx.inputs.dossiers import columns
from mkbidx.inputs.dossiers.costly import COSTLY_COLUMNS, REASONS
from mkbidx.inputs.dossiers.counts import COUNTS_COLUMNS
from mkbidx.periods import period_bounds

PERIODS = ("2024-02", "2024-12", "2025-01", "2024-Q1", "2024-Q4", "2024", "2025")
SECOND = timedelta(seconds=1)
UNITS = ("u1", "u2", "u3", "u4", "u5")
PROCEDURES = ("p1", "p2", "p3")


def bounds(period: str) -> tuple[datetime, datetime]:
    """``(start, end)`` of a period: 00:00:00 of its first day, 23:59:59 of its last day."""
    first, last = period_bounds(period)
    return datetime.combine(first, time()), datetime.combine(last, time(23, 59, 59))


@st.composite
def instants(draw, start: datetime, end: datetime) -> datetime:
    """An instant near the bounds of ``[start, end]`` (to the second) or anywhere around it."""
    span = end - start
    edge = draw(
        st.sampled_from(
            [
                start - SECOND,
                start,
                start + SECOND,
                end - SECOND,
                end,
                end + SECOND,
                start + span / 2,
                start - timedelta(days=40),
                end + timedelta(days=3),
            ]
        )
    )
    if draw(st.booleans()):  # or an arbitrary second within two months around the period
        seconds = int((span + timedelta(days=60)).total_seconds())
        edge = start - timedelta(days=30) + timedelta(seconds=draw(st.integers(0, seconds)))
    return edge.replace(microsecond=0)


@st.composite
def dossier_rows(draw, start: datetime, end: datetime, cut: datetime) -> dict:
    received = draw(instants(start, cut))
    finished = draw(
        st.one_of(
            st.none(),  # open
            instants(start, cut),
            st.integers(0, 5 * 86400).map(lambda s: received + timedelta(seconds=s)),
        )
    )
    judged = cut if finished is None or finished > cut else finished
    due = draw(
        st.one_of(
            st.none(),  # empty due date
            st.just(judged),  # exactly min(finished_at, end): on time
            st.just(judged - SECOND),  # one second late
            instants(start, cut),
            st.integers(-3 * 86400, 10 * 86400).map(lambda s: received + timedelta(seconds=s)),
        )
    )
    row = {
        "unit_code": draw(st.sampled_from(UNITS)),
        "procedure_code": draw(st.sampled_from(PROCEDURES)),
        "channel": draw(st.sampled_from(columns.CHANNELS)),
        "received_at": received,
        "due_at": due,
        "finished_at": finished,
        "supplement_requests": draw(st.sampled_from([0, 1, 1, 2, 3])),
    }
    for c in columns.BOOL_COLUMNS:
        row[c] = (
            draw(st.booleans()) if c != "synced" else draw(st.sampled_from([True] * 4 + [False]))
        )
    return row


def to_frame(rows: list[dict]) -> pd.DataFrame:
    """The normalised frame of ``rows`` (dossier ids ``d0``, ``d1``...), with its exact types."""
    frame = pd.DataFrame(rows, columns=[c for c in columns.DOSSIER_COLUMNS if c != "dossier_id"])
    frame.insert(0, "dossier_id", [f"d{i}" for i in range(len(rows))])
    for c in columns.TIMESTAMP_COLUMNS:
        frame[c] = pd.to_datetime(frame[c]).astype("datetime64[us]")
    frame["supplement_requests"] = frame["supplement_requests"].astype("int64")
    for c in columns.BOOL_COLUMNS:
        frame[c] = frame[c].astype(bool)
    return frame


def to_arrow(frame: pd.DataFrame) -> pa.Table:
    """``frame`` as an Arrow table with string, timestamp[us], int64 and bool columns."""
    schema = pa.schema(
        [(c, pa.string()) for c in (*columns.TEXT_COLUMNS, columns.CHANNEL_COLUMN)]
        + [(c, pa.timestamp("us")) for c in columns.TIMESTAMP_COLUMNS]
        + [("supplement_requests", pa.int64())]
        + [(c, pa.bool_()) for c in columns.BOOL_COLUMNS]
    )
    return pa.Table.from_pandas(frame[list(schema.names)], schema=schema, preserve_index=False)


def procedures_arrow(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(
        frame.astype({"unit_code": str, "procedure_code": str, "has_fee": bool}),
        schema=pa.schema(
            [("unit_code", pa.string()), ("procedure_code", pa.string()), ("has_fee", pa.bool_())]
        ),
        preserve_index=False,
    )


@st.composite
def procedure_tables(draw) -> pd.DataFrame:
    """A procedures side table: some units' procedures (a unit ``u9`` without any dossier too),
    with duplicated rows now and then."""
    rows = draw(
        st.lists(
            st.tuples(st.sampled_from((*UNITS, "u9")), st.sampled_from(PROCEDURES), st.booleans()),
            max_size=12,
        )
    )
    return pd.DataFrame(rows, columns=list(columns.PROCEDURE_COLUMNS))


@st.composite
def cases(draw, periods=PERIODS, max_rows: int = 60):
    """``(frame, procedures or None, start, end)``: a dossier table around a period, with the
    period's bounds or an earlier ``as_of`` cut as ``end``."""
    start, end = bounds(draw(st.sampled_from(periods)))
    if draw(st.integers(0, 4)) == 0:  # an as_of cut inside the period
        end = draw(instants(start, end).filter(lambda t: start <= t <= end))
    rows = draw(st.lists(dossier_rows(start, end, end), min_size=1, max_size=max_rows))
    procedures = draw(st.one_of(st.none(), procedure_tables()))
    return to_frame(rows), procedures, start, end


# ------------------------------------------------------------------------------ engines
def normalised(out: pd.DataFrame) -> pd.DataFrame:
    """Counts in a comparable form: plain object strings, int64 counts, sorted by unit then the
    metric order of ``DERIVED_METRICS``, a fresh index."""
    out = out[list(COUNTS_COLUMNS)].astype({"unit_code": object, "group": object, "metric": object})
    out = out.astype({"numerator": "int64", "denominator": "int64"})
    order = out["metric"].map({m: i for i, m in enumerate(columns.DERIVED_METRICS)})
    return (
        out.assign(_o=order)
        .sort_values(["unit_code", "_o"])
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def merge_cases(named: dict) -> tuple:
    """One case from several of the same period: unit codes prefixed ``"name/"``, dossier ids
    too, procedures concatenated (or None when no case has any). Spark runs one job per query
    (seconds each, and a union of many queries is slower still), so its tests merge tables."""
    frames, procs, bounds_ = [], [], set()
    for name, (frame, procedures, start, end) in named.items():
        bounds_.add((start, end))
        frames.append(
            frame.assign(
                unit_code=name + "/" + frame["unit_code"],
                dossier_id=name + "/" + frame["dossier_id"],
            )
        )
        if procedures is not None:
            procs.append(procedures.assign(unit_code=name + "/" + procedures["unit_code"]))
    assert len(bounds_) == 1, "merged cases must share their period"
    (start, end) = bounds_.pop()
    merged = pd.concat(frames, ignore_index=True)
    procedures = pd.concat(procs, ignore_index=True) if procs else None
    return merged, procedures, start, end


def part_of(out: pd.DataFrame, name: str) -> pd.DataFrame:
    """The rows of one merged case, prefixes removed."""
    part = out[out["unit_code"].str.startswith(name + "/")].copy()
    part["unit_code"] = part["unit_code"].str.removeprefix(name + "/")
    if "dossier_id" in part:
        part["dossier_id"] = part["dossier_id"].str.removeprefix(name + "/")
    return part.reset_index(drop=True)


@st.composite
def merged_cases(draw, size: int = 6, max_rows: int = 30) -> tuple:
    """``size`` generated tables of one period (as :func:`cases`) merged into one."""
    start, end = bounds(draw(st.sampled_from(PERIODS)))
    if draw(st.integers(0, 4)) == 0:
        end = draw(instants(start, end).filter(lambda t: start <= t <= end))
    with_procedures = draw(st.booleans())
    named = {}
    for k in range(size):
        rows = draw(st.lists(dossier_rows(start, end, end), min_size=1, max_size=max_rows))
        procedures = draw(procedure_tables()) if with_procedures else None
        named[f"c{k}"] = (to_frame(rows), procedures, start, end)
    return merge_cases(named)


def check_costly(costly: pd.DataFrame, counts: pd.DataFrame, end: datetime) -> None:
    """The costly dossiers add up to denominator - numerator per unit and dossier-level metric,
    once per dossier and metric, with a known reason; ``days_late`` is the whole days past
    ``due_at`` at ``min(finished_at, end)``, rounded up, for the ``late`` ones only."""
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
    finished, due = pd.to_datetime(late.finished_at), pd.to_datetime(late.due_at)
    judged = finished.where(finished.notna() & (finished <= end), pd.Timestamp(end))
    seconds = (judged - due).dt.total_seconds()
    assert (seconds > 0).all()
    assert (late.days_late.astype("int64") == -(-seconds.astype("int64") // 86400)).all()


# ------------------------------------------------------------------------------ hand examples
AUG = bounds("2024-08")  # 2024-08-01 00:00:00 .. 2024-08-31 23:59:59
_FALSE = dict.fromkeys(columns.BOOL_COLUMNS, False) | {"synced": True}


def row(unit="u1", proc="p1", channel="direct", rec=None, due=None, fin=None, sup=0, **flags):
    """A dossier row: synced, every other flag false unless given."""
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
        | _FALSE
        | flags
    )


BOUNDARY_ROWS = [
    # 1. received at the very first second, finished on time: handled, received, on time
    row(rec="2024-08-01 00:00:00", due="2024-08-05 17:00:00", fin="2024-08-05 17:00:00"),
    # 2. received the second before the period, finished one second late: carried over, late
    row(rec="2024-07-31 23:59:59", due="2024-08-02 00:00:00", fin="2024-08-02 00:00:01"),
    # 3. received in July, finished the last second of July: not handled in August at all
    row(rec="2024-07-20 08:00:00", fin="2024-07-31 23:59:59"),
    # 4. received at the last second, open, no due date: received, handled, on time
    row(rec="2024-08-31 23:59:59"),
    # 5. received one second after the period: neither received nor handled
    row(rec="2024-09-01 00:00:00"),
    # 6. open, due before the end of August: judged at end -> late
    row(rec="2024-08-10 08:00:00", due="2024-08-20 17:00:00"),
    # 7. finished after the period, due after the end: judged at end -> on time
    row(rec="2024-08-25 08:00:00", due="2024-09-03 17:00:00", fin="2024-09-05 00:00:00"),
    # 8. two supplement requests: late though finished before its due time
    row(rec="2024-08-12 08:00:00", due="2024-08-30 17:00:00", fin="2024-08-14 08:00:00", sup=2),
    # 9. one supplement request, on time, but complained about
    row(rec="2024-08-12 08:00:00", fin="2024-08-14 08:00:00", sup=1, complained=True),
    # 10. not synced: only in DOSSIER_SYNC's denominator
    row(rec="2024-08-12 08:00:00", synced=False),
]
BOUNDARY_EXPECTED = {
    # handled (synced): rows 1, 2, 4, 6, 7, 8, 9 = 7; on time: 1, 4, 7, 9 = 4
    ("u1", "ON_TIME"): (4, 7),
    # on time and not complained: 1, 4, 7 = 3
    ("u1", "DOSSIER_RECEIVING_SATISFACTION"): (3, 7),
    # received (synced): 1, 4, 6, 7, 8, 9 = 6
    ("u1", "REUSED_DIGITIZED_DATA"): (0, 6),
    # all received: + row 10 = 7, synced 6
    ("u1", "DOSSIER_SYNC"): (6, 7),
    # nothing requires a result: no ORIGINAL_RESULT_AVAILABLE dossier
    ("u1", "ORIGINAL_RESULT_AVAILABLE"): (0, 0),
}

FEE_ROWS = [
    # 1. online, result required with e-result, finished in August, fee paid online
    row(channel="online", rec="2024-08-02", fin="2024-08-03", result_required=True,
        has_e_result=True, fee_obligation=True, paid_online=True, has_component_file=True),
    # 2. online, result required without e-result: not an online submission; finished in
    #    August with a result required: in ORIGINAL_RESULT_AVAILABLE's denominator only
    row(channel="online", rec="2024-08-02", fin="2024-08-04", result_required=True,
        fee_obligation=True, has_component_file=True),
    # 3. received in July, finished in August with an e-result: counts for the result only
    row(rec="2024-07-15", fin="2024-08-01 00:00:00", result_required=True, has_e_result=True),
    # 4. direct, no result required, fee not paid online, procedure p2
    row(rec="2024-08-05", fee_obligation=True, proc="p2", has_component_file=True),
    # 5. another unit, no fee
    row(unit="u2", rec="2024-08-05", channel="postal", citizen_data_used=True),
]  # fmt: skip
FEE_PROCEDURES = pd.DataFrame(
    {
        "unit_code": ["u1", "u1", "u1", "u1", "u2", "u9"],
        "procedure_code": ["p1", "p1", "p2", "p3", "p1", "p1"],
        "has_fee": [True, True, True, False, True, True],
    }
)
FEE_EXPECTED = {
    # received u1: rows 1, 2, 4 = 3; online and (no result required or e-result): row 1
    ("u1", "ONLINE_SUBMISSION"): (1, 3),
    # fee dossiers received: 1, 2, 4; paid online: 1
    ("u1", "ONLINE_PAYMENT_DOSSIERS"): (1, 3),
    # finished in August with a result required: 1, 2, 3; with e-result: 1, 3
    ("u1", "ORIGINAL_RESULT_AVAILABLE"): (2, 3),
    # component file and (no result required or e-result): rows 1, 4
    ("u1", "SO_HOA_GIAY_TO_GIAI_QUYET"): (2, 3),
    # u1's fee procedures: p1 (listed twice), p2 = 2; paid online: p1 (once, two dossiers)
    ("u1", "ONLINE_PAYMENT_FORMALITIES"): (1, 2),
    # with a fee dossier received in August: p1, p2
    ("u1", "FEE_FORMALITIES_ON_PORTAL"): (2, 2),
    # u2: one fee procedure, no fee dossier (u9 has no dossier: no rows at all)
    ("u2", "FEE_FORMALITIES_ON_PORTAL"): (0, 1),
    ("u2", "CITIZEN_DATA_CONNECTED_DOSSIER"): (1, 1),
}

PERIOD_ROWS = [
    row(rec="2024-03-31 23:59:59", due="2024-04-02 00:00:00", fin="2024-04-03 00:00:00"),
    row(rec="2024-04-01 00:00:00", due="2024-04-10 00:00:00"),
    # received in 2023, open, no due: carried into every period of 2024
    row(rec="2023-12-31 23:59:59"),
]

HAND_CASES = {  # name -> (rows, (start, end), procedures, expected {(unit, metric): (n, d)})
    "boundaries": (BOUNDARY_ROWS, AUG, None, BOUNDARY_EXPECTED),
    "results_fees": (FEE_ROWS, AUG, FEE_PROCEDURES, FEE_EXPECTED),
    # Q1: received row 1; handled rows 1 and 3 (row 1 judged at the end of Q1, before its due)
    "quarter_1": (PERIOD_ROWS, bounds("2024-Q1"), None,
                  {("u1", "ON_TIME"): (2, 2), ("u1", "DOSSIER_SYNC"): (1, 1)}),
    # Q2: row 1 finished a day late, row 2 open past its due -> late; row 3 on time
    "quarter_2": (PERIOD_ROWS, bounds("2024-Q2"), None,
                  {("u1", "ON_TIME"): (1, 3), ("u1", "DOSSIER_SYNC"): (1, 1)}),
    # the year: ON_TIME as in Q2; both 2024 receptions
    "year": (PERIOD_ROWS, bounds("2024"), None,
             {("u1", "ON_TIME"): (1, 3), ("u1", "DOSSIER_SYNC"): (2, 2)}),
    # as of 2024-04-05 12:00: row 1 finished late; row 2 judged then, before its due: on time
    "as_of": (PERIOD_ROWS, (datetime(2024, 4, 1), datetime(2024, 4, 5, 12)), None,
              {("u1", "ON_TIME"): (2, 3)}),
}  # fmt: skip


def hand_case(name: str):
    """``(frame, procedures, start, end)`` of a hand-worked example."""
    rows, (start, end), procedures, _ = HAND_CASES[name]
    return to_frame(rows), procedures, start, end


def check_hand_counts(name: str, counts: pd.DataFrame) -> None:
    """The counts of a hand example hold the numbers worked out by hand."""
    rows, _, procedures, expected = HAND_CASES[name]
    got = {
        (u, m): (n, d)
        for u, m, n, d in counts[["unit_code", "metric", "numerator", "denominator"]].values
    }
    for key, value in expected.items():
        assert got[key] == value, (name, key, got[key], value)
    units = {r["unit_code"] for r in rows}
    assert {u for u, _ in got} == units  # units without dossiers (u9) get no rows


COSTLY_ROWS = [
    # d0: open, due 2/8 17:00, two requests: late (29 days 6:59:59 at the end -> 30 days)
    row(rec="2024-08-01 08:00:00", due="2024-08-02 17:00:00", sup=2, complained=True),
    # d1: finished one second after its due time: late by 1 day (rounded up)
    row(rec="2024-08-01 08:00:00", due="2024-08-02 17:00:00", fin="2024-08-02 17:00:01"),
    # d2: on time but two requests: supplements; online with result required, no e-result
    row(rec="2024-08-03", sup=2, channel="online", result_required=True),
    # d3: on time, complained: only satisfaction; fee not paid online; reuses data
    row(rec="2024-08-04", complained=True, fee_obligation=True, reused_digitized=True),
    # d4: not synced -> only DOSSIER_SYNC
    row(rec="2024-08-04", synced=False),
]


def costly_case():
    return to_frame(COSTLY_ROWS), None, *AUG


def check_hand_costly(costly: pd.DataFrame) -> None:
    got = {
        (d, m): (r, None if pd.isna(dl) else int(dl))
        for d, m, r, dl in costly[["dossier_id", "metric", "reason", "days_late"]].values
    }
    assert got["d0", "ON_TIME"] == ("late", 30)
    assert got["d0", "DOSSIER_RECEIVING_SATISFACTION"] == ("late", 30)
    assert got["d1", "ON_TIME"] == ("late", 1)
    assert got["d2", "ON_TIME"] == ("supplements", None)
    assert got["d2", "ONLINE_SUBMISSION"] == ("no_e_result", None)
    assert got["d3", "DOSSIER_RECEIVING_SATISFACTION"] == ("complained", None)
    assert got["d3", "ONLINE_PAYMENT_DOSSIERS"] == ("fee_not_paid_online", None)
    assert ("d3", "ON_TIME") not in got
    assert {m for d, m in got if d == "d4"} == {"DOSSIER_SYNC"}
    assert got["d4", "DOSSIER_SYNC"] == ("not_synced", None)
    # received synced dossiers without reuse: d0, d1, d2 (d3 reuses) -> 3 rows
    assert sum(1 for _, m in got if m == "REUSED_DIGITIZED_DATA") == 3
