"""The dossier -> counts derivation (``mkbidx.inputs.dossiers.counts``, one Ibis expression) on
DuckDB equals the independent pandas reference (``reference``) on hypothesis-generated tables with
every edge of ``../shared/dossiers.md``; hand-worked examples (``tests/dossier_strategies.py``)
pin both to numbers worked out by hand; the costly dossiers (``costly``) add up to
denominator - numerator of every dossier-level metric. The same on Spark:
``tests/integration/test_dossier_engines_spark.py``."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest
from conftest import examples
from dossier_strategies import (
    HAND_CASES,
    cases,
    check_costly,
    check_hand_costly,
    check_hand_counts,
    costly_case,
    hand_case,
    normalised,
    procedures_arrow,
    to_arrow,
)
from hypothesis import HealthCheck, given, settings

from mkbidx.inputs.dossiers import columns
from mkbidx.inputs.dossiers.costly import costly_dossiers
from mkbidx.inputs.dossiers.counts import derive_counts
from mkbidx.inputs.dossiers.reference import reference_counts


@pytest.fixture(scope="module")
def con():
    return ibis.duckdb.connect()


def engines_agree(con, case) -> pd.DataFrame:
    """DuckDB's counts of ``case`` equal the reference's (returned)."""
    frame, procedures, start, end = case
    expected = normalised(reference_counts(frame, start, end, procedures))
    procs = None if procedures is None else ibis.memtable(procedures_arrow(procedures))
    got = con.execute(derive_counts(ibis.memtable(to_arrow(frame)), start, end, procs))
    pd.testing.assert_frame_equal(normalised(got), expected)
    return expected


def costly_of(con, case) -> pd.DataFrame:
    frame, _, start, end = case
    return con.execute(costly_dossiers(ibis.memtable(to_arrow(frame)), start, end))


def check_case(con, case) -> None:
    frame, procedures, start, end = case
    expected = engines_agree(con, case)
    # shape: every unit of the table x every metric it can produce, 0/0 included
    metrics = columns.DERIVED_METRICS if procedures is not None else columns.DOSSIER_ONLY_METRICS
    assert len(expected) == frame["unit_code"].nunique() * len(metrics)
    dossier_level = ~expected["metric"].isin(columns.PROCEDURE_METRICS)
    assert (expected.numerator <= expected.denominator)[dossier_level].all()
    assert (expected.numerator >= 0).all()
    if procedures is not None:  # a procedure counts once per unit, listed in the catalogue or not
        charged = frame[frame.synced & frame.fee_obligation & frame.received_at.between(start, end)]
        per_unit = charged.groupby("unit_code")["procedure_code"].nunique()
        fee_on = expected[expected["metric"] == "FEE_FORMALITIES_ON_PORTAL"].set_index("unit_code")
        assert fee_on["numerator"].to_dict() == {u: int(per_unit.get(u, 0)) for u in fee_on.index}
    check_costly(costly_of(con, case), expected, end)


SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@settings(max_examples=examples(60), **SETTINGS)
@given(case=cases())
def test_duckdb_equals_reference(con, case):
    check_case(con, case)


@pytest.mark.slow
@settings(max_examples=examples(100), **SETTINGS)
@given(case=cases())
def test_duckdb_equals_reference_long_search(con, case):
    check_case(con, case)


@pytest.mark.parametrize("name", list(HAND_CASES))
def test_hand_examples(con, name):
    check_hand_counts(name, engines_agree(con, hand_case(name)))


def test_hand_costly(con):
    case = costly_case()
    costly = costly_of(con, case)
    check_costly(costly, engines_agree(con, case), case[3])
    check_hand_costly(costly)
