"""The sample's dossiers (data/sample/dossiers/): they realise the communes' dossier counts."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import SAMPLE, require
from hypothesis import given, settings
from hypothesis import strategies as st

from mkbidx.inputs.dossiers import columns
from mkbidx.inputs.dossiers.reference import reference_counts
from mkbidx.periods import month_range
from mkbidx.run import sample_dossiers, synthetic
from mkbidx.run.calibration import _shift
from mkbidx.run.simulation import COMMUNE_PROFILE, long_counts, make_profiles, simulate

DOSSIERS = SAMPLE / synthetic.DOSSIERS_FILE
METRICS = list(columns.DOSSIER_ONLY_METRICS)
KEY_MONTHS = ("2023-01", "2024-08", "2025-06", "2025-07", "2026-10")
ID = re.compile(r"^000\.\d\d\.\d\d\.H38-\d{6}-\d{4}$")


def _bounds(period: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    start = pd.Timestamp(f"{period}-01")
    return start, start + pd.offsets.MonthBegin(1) - pd.Timedelta(seconds=1)


def derived(frame: pd.DataFrame, period: str) -> pd.DataFrame:
    """The reference's counts of ``period``, for the units with a dossier seen in it."""
    start, end = _bounds(period)
    seen = (frame["received_at"] <= end) & (
        frame["finished_at"].isna() | (frame["finished_at"] >= start)
    )
    out = reference_counts(frame[seen], start.to_pydatetime(), end.to_pydatetime())
    return out[out["metric"].isin(METRICS)].set_index(["unit_code", "metric"])[
        ["numerator", "denominator"]
    ]


def shipped(counts: pd.DataFrame, period: str) -> pd.DataFrame:
    rows = counts[
        (counts["period"] == period)
        & (counts["level"] == "commune")
        & counts["metric"].isin(METRICS)
    ]
    return rows.set_index(["unit_code", "metric"])[["numerator", "denominator"]].astype("int64")


def assert_realised(frame: pd.DataFrame, counts: pd.DataFrame, period: str) -> None:
    want = shipped(counts, period)
    got = derived(frame, period).astype("int64")
    pd.testing.assert_frame_equal(got.loc[want.index], want, obj=period)
    others = got.drop(want.index)  # units of other months: nothing of this one
    assert (others == 0).all().all(), period


@pytest.fixture(scope="module")
def dossiers() -> pd.DataFrame:
    require(DOSSIERS.exists(), f"{DOSSIERS} not generated")
    return pd.read_parquet(DOSSIERS)


@pytest.fixture(scope="module")
def counts() -> pd.DataFrame:
    frame = pd.read_csv(SAMPLE / synthetic.COUNTS_FILE, dtype={"unit_code": str, "period": str})
    return frame


# ----------------------------------------------------------------------------- the shipped file
@pytest.mark.parametrize("period", KEY_MONTHS)
def test_key_months_are_realised_exactly(dossiers, counts, period):
    assert_realised(dossiers, counts, period)


@pytest.mark.slow
def test_every_month_is_realised_exactly(dossiers, counts):
    for period in month_range("2023-01", "2026-10"):
        assert_realised(dossiers, counts, period)


def test_the_letter_month_from_the_dossiers(dossiers):
    got = derived(dossiers, "2024-08")
    payment = got.loc[("02758", "ONLINE_PAYMENT_DOSSIERS")]  # Tung Chung Phố: nothing paid online
    assert payment["numerator"] == 0 and payment["denominator"] > 0
    assert got.index.get_level_values("unit_code").nunique() == 16


def test_table_format(dossiers):
    assert list(dossiers.columns) == list(columns.DOSSIER_COLUMNS)
    assert dossiers["dossier_id"].is_unique and dossiers["dossier_id"].str.match(ID).all()
    assert set(dossiers["channel"]) == set(columns.CHANNELS)
    for name in columns.BOOL_COLUMNS:
        assert dossiers[name].dtype == bool, name
    assert (dossiers["supplement_requests"] >= 0).all()
    received, due, finished = (dossiers[c] for c in columns.TIMESTAMP_COLUMNS)
    assert (finished.dropna() >= received[finished.notna()]).all()
    assert (due > received).all() and (due.dt.hour == 17).all()
    assert (received.dt.microsecond == 0).all()
    assert (dossiers["paid_online"] <= dossiers["fee_obligation"]).all()
    assert (dossiers["has_e_result"] <= dossiers["result_required"]).all()
    # a few unsynced, a few still open at the end of the data, none of an abolished commune
    assert 0.01 < (~dossiers["synced"]).mean() < 0.15
    still_open = dossiers[finished.isna()]
    assert len(still_open) > 0 and (still_open["received_at"] >= "2026-10-01").all()
    # office hours for dossiers received at the desk
    desk = dossiers[dossiers["channel"] != "online"]
    assert desk["received_at"].dt.hour.between(7, 16).all()
    assert (desk["received_at"].dt.day_of_week < 5).all()


def test_parquet_is_plain_and_reproducible(dossiers):
    meta = pq.ParquetFile(DOSSIERS)
    assert meta.schema_arrow.metadata is None  # no pandas metadata, no write time
    assert meta.metadata.num_rows == len(dossiers)
    assert DOSSIERS.stat().st_size < 4 * 1024 * 1024
    assert sample_dossiers.parquet_bytes(dossiers) == DOSSIERS.read_bytes()


# ----------------------------------------------------------------------------- realisability
def _world(seed: int, n_units: int, n_months: int, close_last: bool) -> pd.DataFrame:
    from mkbidx import methodology

    m = methodology.load()
    rng = np.random.default_rng(seed)
    periods = month_range("2024-01", f"2024-{n_months:02d}")
    profiles = make_profiles(rng, n_units, COMMUNE_PROFILE, rng.normal(0.0, 0.5, n_units))
    sim = simulate(rng, profiles, periods, m, dossiers=True, close_last=close_last)
    codes = [f"0{2752 + 3 * i}" for i in range(n_units)]
    return long_counts(sim, codes, periods, m)


def _moved_and_realised(seed: int, q: float, close_last: bool) -> None:
    """Counts of the dossier world, moved as the calibration moves them (DOSSIER_SYNC kept)
    and projected by ``realisable``, are realised exactly by ``synthesize``."""
    counts = _world(seed, 2, 3, close_last)
    project = sample_dossiers.projector(counts)
    first = counts["unit_code"].iloc[0]
    rows = counts[(counts["unit_code"] == first) & (counts["period"] == "2024-02")]
    den = rows["denominator"].to_numpy(dtype="float64")
    kept = [m for m in METRICS if m != "DOSSIER_SYNC"]  # its numerator is the synced dossiers
    movable = rows["metric"].isin(kept).to_numpy() & (den > 0)
    moved = _shift(rows["numerator"].to_numpy(dtype="float64"), den, q, movable)
    counts.loc[rows.index, "numerator"] = project(rows, moved)
    frame = sample_dossiers.synthesize(counts, seed=seed % 1000)
    for period in sorted(counts["period"].unique()):
        assert_realised(frame, counts.assign(level="commune"), period)


@pytest.mark.parametrize("q", [-0.8, 0.6])
def test_moved_and_projected_counts_are_realised(q):
    _moved_and_realised(11, q, close_last=False)


@pytest.mark.slow
@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), q=st.floats(-1.0, 1.0), close_last=st.booleans())
def test_moved_and_projected_counts_are_realised_property(seed, q, close_last):
    _moved_and_realised(seed, q, close_last)


def test_projection_is_idempotent_and_monotone():
    counts = _world(7, 1, 3, True)
    project = sample_dossiers.projector(counts)
    rows = counts[counts["period"] == "2024-02"]
    num = rows["numerator"].to_numpy(dtype="float64")
    same = lambda a, b: np.array_equal(a, b, equal_nan=True)  # noqa: E731
    assert same(project(rows, num), num)  # the model's counts are realisable already
    den = rows["denominator"].to_numpy(dtype="float64")
    movable = rows["metric"].isin(METRICS).to_numpy() & (den > 0)
    previous = None
    for q in np.linspace(-1, 1, 9):
        kept = project(rows, _shift(num, den, q, movable))
        assert same(project(rows, kept), kept)
        if previous is not None:
            assert (kept[movable] >= previous[movable]).all()
        previous = kept
