"""``--dossiers``: the counts a dossier table derives replace the portal's, and only those."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from mkbidx.errors import MkbidxError
from mkbidx.inputs import loading
from mkbidx.inputs.snapshot import is_provisional
from mkbidx.paths import DEFAULT_DATA

PERIOD = "2024-08"
SAMPLE = DEFAULT_DATA / "mkbidx-sample-counts.csv"


class FakeTable:
    """A DossierTable-like object: fixed counts per period (as ``open_dossiers`` gives)."""

    def __init__(self, path, counts: dict[str, pd.DataFrame], latest=None):
        self.path = Path(path)
        self._counts = counts
        self.latest = latest
        self.engine = "fake"
        frames = list(counts.values())
        self.metrics = tuple(dict.fromkeys(m for f in frames for m in f["metric"]))
        self.units = tuple(sorted({u for f in frames for u in f["unit_code"]}))
        self.calls: list[tuple[str, object]] = []

    def counts(self, period, *, as_of=None):
        self.calls.append((period, as_of))
        empty = next(iter(self._counts.values())).iloc[0:0]
        return self._counts.get(period, empty)


@pytest.fixture(scope="module")
def sample_inputs():
    return loading.load_inputs(SAMPLE)


def _derived(inputs, units, metrics, *, period=PERIOD, change=0):
    c = inputs.dataset.counts
    rows = c[(c["period"] == period) & c["unit_code"].isin(units) & c["metric"].isin(metrics)]
    out = rows[["period", "unit_code", "group", "metric", "numerator", "denominator"]].copy()
    out["numerator"] = (out["numerator"] - change).clip(lower=0).astype("int64")
    out["denominator"] = out["denominator"].astype("int64")
    return out.reset_index(drop=True)


DERIVED = ("ON_TIME", "ONLINE_SUBMISSION", "DOSSIER_SYNC", "ORIGINAL_RESULT_AVAILABLE")


def test_replace_counts_replaces_exactly_the_derived_rows_and_keeps_the_rest(sample_inputs):
    counts = sample_inputs.dataset.counts
    communes = ["02752", "02758"]
    derived = _derived(sample_inputs, communes, DERIVED, change=3)
    out = loading.replace_counts(counts, derived, sample_inputs.units, source="x.parquet")
    assert len(out) == len(counts)
    keys = ["period", "unit_code", "metric"]
    merged = out.merge(counts, on=keys, suffixes=("", "_portal"))
    hit = merged["unit_code"].isin(communes) & merged["metric"].isin(DERIVED)
    hit &= merged["period"] == PERIOD
    assert (merged.loc[hit, "numerator"] == merged.loc[hit, "numerator_portal"] - 3).all()
    assert (merged.loc[hit, "source_file"] == "x.parquet").all()
    # the district's own row loses what its communes lost; everything else is the portal's
    district = merged["unit_code"].eq("083") & merged["metric"].isin(DERIVED)
    district &= merged["period"] == PERIOD
    assert (merged.loc[district, "numerator"] == merged.loc[district, "numerator_portal"] - 6).all()
    assert (merged.loc[district, "denominator"] == merged.loc[district, "denominator_portal"]).all()
    rest = ~hit & ~district
    pd.testing.assert_series_equal(
        merged.loc[rest, "numerator"], merged.loc[rest, "numerator_portal"], check_names=False
    )


def test_equal_counts_change_nothing(sample_inputs):
    from mkbidx.core import ranking

    counts = sample_inputs.dataset.counts
    derived = _derived(sample_inputs, ["02752", "02755", "02758"], DERIVED)
    out = loading.replace_counts(counts, derived, sample_inputs.units)
    units = sample_inputs.units[sample_inputs.units["period"] == PERIOD]
    before = ranking.evaluate(counts[counts["period"] == PERIOD], units).table
    after = ranking.evaluate(out[out["period"] == PERIOD], units).table
    pd.testing.assert_frame_equal(before, after)


def test_with_dossiers_covers_periods_with_receptions_and_says_what_it_replaced(
    sample_inputs, tmp_path
):
    file = tmp_path / "hs.parquet"
    file.write_bytes(b"not read by the fake")
    august = _derived(sample_inputs, ["02752", "02758"], DERIVED, change=1)
    table = FakeTable(file, {PERIOD: august})
    ds, info = loading.with_dossiers(
        sample_inputs.dataset, sample_inputs.units, table, periods=["2024-07", PERIOD]
    )
    assert info.periods == (PERIOD,) and info.units == ("02752", "02758")
    assert set(info.metrics) == set(DERIVED)
    assert len(info.file.sha256) == 64
    line = info.summary_line("data/sample")
    assert line == (
        f"Từ hồ sơ: 4 chỉ số × 2 đơn vị, 2024-08 ({file}); còn lại từ dữ liệu Cổng: data/sample"
    )
    changed = ds.counts.merge(
        sample_inputs.dataset.counts, on=["period", "unit_code", "metric"], suffixes=("", "_p")
    )
    diff = changed[changed["numerator"].fillna(-1) != changed["numerator_p"].fillna(-1)]
    assert set(diff["unit_code"]) == {"02752", "02758", "083"}
    assert set(diff["metric"]) <= set(DERIVED)
    assert not is_provisional(ds.notes, PERIOD)


def test_running_month_needs_provisional_and_is_marked(sample_inputs, tmp_path):
    file = tmp_path / "hs.csv"
    file.write_text("x")
    august = _derived(sample_inputs, ["02752"], DERIVED)
    latest = datetime(2024, 8, 20, 17, 30)
    table = FakeTable(file, {PERIOD: august}, latest=latest)
    today = date(2024, 8, 21)  # August 2024 is running, the table extracted the day before
    with pytest.raises(MkbidxError, match="chưa kết thúc"):
        loading.with_dossiers(
            sample_inputs.dataset, sample_inputs.units, table, periods=[PERIOD], today=today
        )
    ds, info = loading.with_dossiers(
        sample_inputs.dataset,
        sample_inputs.units,
        table,
        periods=["2024-07", PERIOD, "2024-09"],
        provisional=True,
        today=today,
    )
    assert info.provisional == (PERIOD,)
    assert (PERIOD, latest) in table.calls
    assert ("2024-09", None) not in table.calls  # after the extraction: not asked
    assert is_provisional(ds.notes, PERIOD) and not is_provisional(ds.notes, "2024-07")
    assert "20/08/2024 17:30" in info.provisional_notes()[0]
    # once the month has ended it is counted to its last second, whatever the table's last time
    ds, info = loading.with_dossiers(
        sample_inputs.dataset, sample_inputs.units, table, periods=[PERIOD], today=date(2024, 9, 2)
    )
    assert info.provisional == () and (PERIOD, None) in table.calls
