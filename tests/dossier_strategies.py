"""Hypothesis strategies for normalised dossier tables (``mkbidx.inputs.dossiers.columns``) that
hit every edge of ``../shared/dossiers.md``: instants one second around the period's bounds, open
dossiers, carried-over dossiers, dossiers finished after the period, empty due dates, a due time
equal to ``min(finished_at, end)``, one and two supplement requests, unsynced dossiers, several
dossiers of one procedure in one unit, fee / no fee, result required with / without e-result.

Shared by the unit test (DuckDB vs pandas) and the Spark integration test.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pandas as pd
import pyarrow as pa
from hypothesis import strategies as st

from mkbidx.inputs.dossiers import columns
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
