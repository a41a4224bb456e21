"""The synthetic dossier generator of the dossier benchmark (tests/benchmarks/dossier_data.py):
the contract's columns and types, valid rows per ``dossiers.md``, the same bytes for the same
seed, and DuckDB and the pandas reference agreeing on its counts."""

from __future__ import annotations

import importlib.util
from datetime import datetime

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import ROOT

from mkbidx.inputs.dossiers import columns

ROWS = 3_000


def _load():
    path = ROOT / "tests" / "benchmarks" / "dossier_data.py"
    spec = importlib.util.spec_from_file_location("dossier_data", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


dossier_data = _load()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return dossier_data.build(ROWS, seed=7, cache=tmp_path_factory.mktemp("bench"))


def test_schema_is_the_contract(built):
    table = pq.read_table(built / "dossiers.parquet")
    assert tuple(table.column_names) == columns.DOSSIER_COLUMNS
    assert table.num_rows == ROWS
    types = {f.name: str(f.type) for f in table.schema}
    assert {types[c] for c in (*columns.TEXT_COLUMNS, columns.CHANNEL_COLUMN)} == {"string"}
    assert {types[c] for c in columns.TIMESTAMP_COLUMNS} == {"timestamp[us]"}
    assert types["supplement_requests"] == "int64"
    assert {types[c] for c in columns.BOOL_COLUMNS} == {"bool"}
    procedures = pq.read_table(built / "procedures.parquet")
    assert tuple(procedures.column_names) == columns.PROCEDURE_COLUMNS


def test_rows_are_valid(built):
    t = pq.read_table(built / "dossiers.parquet").to_pandas()
    required = [*columns.TEXT_COLUMNS, "channel", "received_at", "supplement_requests"]
    assert t[required + list(columns.BOOL_COLUMNS)].notna().all().all()
    assert t.dossier_id.is_unique
    assert set(t.channel) <= set(columns.CHANNELS)
    communes = set(dossier_data.commune_codes())
    assert len(communes) == 3321 and set(t.unit_code) <= communes
    assert (t.supplement_requests >= 0).all()
    for c in columns.TIMESTAMP_COLUMNS:  # truncated to the second
        values = t[c].dropna()
        assert (values == values.dt.floor("s")).all()
    assert (t.finished_at.dropna() >= t.received_at[t.finished_at.notna()]).all()
    assert (t.due_at.dropna() > t.received_at[t.due_at.notna()]).all()
    assert t.received_at.is_monotonic_increasing  # reception order, as an export
    assert t.received_at.max() <= datetime(2026, 9, 15, 17) and t.received_at.dt.year.nunique() == 5
    assert not (t.paid_online & ~t.fee_obligation).any()
    # some of each: open, unsynced, late, online, fee
    for share in (
        t.finished_at.isna(),
        ~t.synced,
        t.finished_at > t.due_at,
        t.channel == "online",
        t.fee_obligation,
        t.supplement_requests >= 2,
    ):
        assert 0 < share.mean() < 0.6


def test_same_seed_same_data(built, tmp_path):
    first = pq.read_table(built / "dossiers.parquet")
    again = dossier_data.build(ROWS, seed=7, cache=tmp_path)
    assert pq.read_table(again / "dossiers.parquet").equals(first)
    assert dossier_data.build(ROWS, seed=7, cache=tmp_path) == again  # found, not rebuilt
    other = pq.read_table(dossier_data.build(ROWS, seed=8, cache=tmp_path) / "dossiers.parquet")
    assert not pc.all(pc.equal(other["unit_code"], first["unit_code"])).as_py()


@pytest.mark.slow  # both engines over the benchmark generator's table
def test_duckdb_and_reference_agree_on_it(built):
    import ibis
    import pandas as pd

    from mkbidx.inputs.dossiers import counts, reference

    con = ibis.duckdb.connect()
    table = con.read_parquet(built / "dossiers.parquet")
    procs = con.read_parquet(built / "procedures.parquet")
    start, end = datetime(2025, 1, 1), datetime(2025, 12, 31, 23, 59, 59)
    got = con.execute(counts.derive_counts(table, start, end, procs))
    want = reference.reference_counts(
        pd.read_parquet(built / "dossiers.parquet"),
        start,
        end,
        pd.read_parquet(built / "procedures.parquet"),
    )
    key = ["unit_code", "metric", "numerator", "denominator"]
    got, want = (f[key].sort_values(key[:2]).reset_index(drop=True) for f in (got, want))
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    assert np.asarray(got.denominator).sum() > 0
