"""The synthetic generator and the embedded sample data set (data/sample/mkbidx-sample-*)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import SAMPLE
from hypothesis import given, settings
from hypothesis import strategies as st

from mkbidx.core import ranking, scoring
from mkbidx.inputs import readers, units
from mkbidx.run import sample as sample_module
from mkbidx.run import synthetic

PERIOD = "2024-08"
DISTRICT = "083"
# The 13 communes the letter praises (Tả Thành, Bản Lầu, Bản Sen, Lũng Vai, Thanh Bình, Nậm Lư,
# Tả Ngải Chồ, La Pan Tân, thị trấn Mường Khương, Nậm Chảy, Lũng Khấu Nhin, Dìn Chín, Pha Long)
GOOD = {
    "02794",
    "02788",
    "02797",
    "02785",
    "02779",
    "02773",
    "02755",
    "02791",
    "02761",
    "02770",
    "02776",
    "02764",
    "02752",
}
BELOW = {"02782", "02767", "02758"}  # Cao Sơn, Tả Gia Khâu, Tung Chung Phố
TUNG_CHUNG_PHO = "02758"
CAO_SON = "02782"
OTHER_DISTRICTS = {"080", "082", "084", "085", "086", "087", "088", "089"}
MERGED = {"02752", "02761", "02782", "02788"}
NUMERIC = ["numerator", "denominator", "published_ratio"]


def _read_csv(path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    for column in NUMERIC:
        frame[column] = frame[column].astype("float64")
    return frame


@pytest.fixture(scope="module")
def generation(tmp_path_factory):
    """A fresh generation through the command line, into a temporary folder: the folder and
    the :class:`~mkbidx.run.sample.Sample` the command built (kept for the tests that look
    inside it, so that the 8 s generation runs once)."""
    out = tmp_path_factory.mktemp("sample")
    built = []

    def keep(**kwargs):
        built.append(real(**kwargs))
        return built[-1]

    real = sample_module.sample_counts
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sample_module, "sample_counts", keep)
        assert synthetic.main(["--output", str(out)]) == 0
    assert len(built) == 1
    return out, built[0]


@pytest.fixture(scope="module")
def regenerated(generation):
    return generation[0]


@pytest.fixture(scope="module")
def counts() -> pd.DataFrame:
    return _read_csv(SAMPLE / synthetic.COUNTS_FILE)


@pytest.fixture(scope="module")
def evaluation(counts, method):
    unit_labels = counts[["period", "unit_code", "unit_name", "level", "parent_code"]]
    return ranking.evaluate(
        counts.drop(columns=["unit_name", "level", "parent_code"]),
        unit_labels.drop_duplicates(),
        methodology=method,
    )


# ----------------------------------------------------------------------------- determinism
@pytest.mark.slow
@pytest.mark.parametrize(
    "name", [synthetic.COUNTS_FILE, synthetic.PUBLISHED_FILE, synthetic.DOSSIERS_FILE]
)
def test_files_equal_a_fresh_generation(regenerated, name):
    assert (regenerated / name).read_bytes() == (SAMPLE / name).read_bytes()


def test_csv_format(counts):
    text = (SAMPLE / synthetic.COUNTS_FILE).read_text(encoding="utf-8")
    header, first = text.splitlines()[:2]
    assert header.split(",") == synthetic.CSV_COLUMNS
    assert ".0," not in text and not text.rstrip("\n").endswith(".0")
    codes = set(counts["unit_code"])
    assert codes == {*GOOD, *BELOW, *OTHER_DISTRICTS, DISTRICT}
    # Lào Cai is 10 until 30/6/2025, the new Lào Cai (with Yên Bái) is 15 from 1/7/2025
    assert set(counts["parent_code"].dropna()) == {"10", "15", DISTRICT}


# ----------------------------------------------------------------------------- structure
def test_months_and_units(counts, method):
    n_metrics = len(method.metrics_frame())
    periods = sorted(counts["period"].unique())
    assert periods == [str(p) for p in pd.period_range("2023-01", "2026-10", freq="M")]
    units_by_period = counts.groupby("period")["unit_code"].agg(lambda s: frozenset(s))
    before = frozenset({*GOOD, *BELOW, *OTHER_DISTRICTS, DISTRICT})
    for period, codes in units_by_period.items():
        assert codes == (before if period <= "2025-06" else frozenset(MERGED)), period
    per_unit = counts.groupby(["period", "unit_code"])["metric"].agg(["size", "nunique"])
    assert (per_unit["size"] == n_metrics).all() and (per_unit["nunique"] == n_metrics).all()
    after = counts[counts["period"] >= "2025-07"]
    assert set(after["level"]) == {"commune"} and set(after["parent_code"]) == {"15"}
    assert not (after["level"] == "district").any()


def test_counts_are_consistent(counts):
    has = counts["denominator"].notna()
    num, den = counts.loc[has, "numerator"], counts.loc[has, "denominator"]
    assert num.notna().all()
    assert (num >= 0).all() and (num <= den).all()
    assert (num % 1 == 0).all() and (den % 1 == 0).all()
    copy = counts[counts["metric"] == "ELECTRONIC_CERTIFIED_COPY"]
    assert copy["numerator"].isna().all() and copy["denominator"].isna().all()
    assert (copy["published_ratio"] == 100).all()
    assert (
        counts.loc[counts["metric"] != "ELECTRONIC_CERTIFIED_COPY", "published_ratio"].isna().all()
    )


def test_structure_of_related_counts(counts):
    wide = counts.pivot_table(
        index=["period", "unit_code"], columns="metric", values=["numerator", "denominator"]
    )
    handled = wide["denominator", "ON_TIME"]
    received = wide["denominator", "ONLINE_SUBMISSION"]
    assert (wide["numerator", "ON_TIME"] <= handled).all()
    assert (wide["numerator", "DOSSIER_RECEIVING_SATISFACTION"] <= handled).all()
    assert (wide["denominator", "ONLINE_PAYMENT_DOSSIERS"] <= received).all()
    # communes (the dossier world): synced dossiers received = the DOSSIER_SYNC numerator;
    # handled = received + carried over, a few percent more; satisfied ≤ on time
    commune = counts.groupby(["period", "unit_code"])["level"].first() == "commune"
    assert (received[commune] == wide["numerator", "DOSSIER_SYNC"][commune]).all()
    assert (received[commune] <= handled[commune]).all()
    assert 0.01 < handled[commune].sum() / received[commune].sum() - 1 < 0.15
    on_time = wide["numerator", "ON_TIME"][commune]
    assert (wide["numerator", "DOSSIER_RECEIVING_SATISFACTION"][commune] <= on_time).all()
    # the other districts (generated as totals) keep the original model: handled = received
    units = wide.index.get_level_values("unit_code")
    others = units.isin(sorted(OTHER_DISTRICTS))
    assert (received[others] == handled[others]).all()
    assert (received[units == DISTRICT] <= handled[units == DISTRICT]).all()
    assert (
        wide["numerator", "ONLINE_PAYMENT_FORMALITIES"]
        <= wide["numerator", "ONLINE_PAYMENT_DOSSIERS"]
    ).all()
    petitions = wide["denominator", "PETITION_PROCESSING_ON_TIME"]
    classified = (
        wide["numerator", "PETITION_CLASSIFICATION_TTHC"]
        + wide["numerator", "PETITION_CLASSIFICATION_STAFF"]
    )
    assert (classified <= petitions).all()


def test_district_counts_contain_its_communes(counts):
    old = counts[counts["period"] <= "2025-06"]
    communes = old[old["parent_code"] == DISTRICT]
    keys = ["period", "metric"]
    summed = communes.groupby(keys)[["numerator", "denominator"]].sum(min_count=1)
    district = old[old["unit_code"] == DISTRICT].set_index(keys)[["numerator", "denominator"]]
    district, summed = district.align(summed, join="outer")
    counted = summed["denominator"].notna()
    assert len(district) == len(old["period"].unique()) * len(old["metric"].unique())
    assert (district.loc[counted] >= summed.loc[counted]).all().all()
    # the district's own agencies add dossiers every month
    on_time = district.xs("ON_TIME", level="metric")["denominator"]
    assert (on_time > summed.xs("ON_TIME", level="metric")["denominator"]).all()


@pytest.mark.slow
def test_pooling_own_agencies_gives_the_district_rows(counts, generation):
    own = generation[1].own_agencies
    old = counts[counts["period"] <= "2025-06"]
    communes = old[old["parent_code"] == DISTRICT]
    pooled = scoring.pool_counts(
        pd.concat([own, communes.drop(columns=["unit_name", "level", "parent_code"])]),
        dict.fromkeys(communes["unit_code"].unique(), DISTRICT),
    ).set_index(["period", "metric"])
    written = old[old["unit_code"] == DISTRICT].set_index(["period", "metric"])
    pd.testing.assert_frame_equal(
        pooled.loc[written.index, NUMERIC], written[NUMERIC], check_names=False
    )


# ----------------------------------------------------------------------------- the letter
def test_district_total_and_rank_in_august_2024(evaluation):
    totals = evaluation.totals.set_index(["period", "unit_code"])
    row = totals.loc[(PERIOD, DISTRICT)]
    assert row["total"] == 88.23
    assert (row["rank"], row["rank_of"]) == (1, 9)
    others = totals.loc[PERIOD].loc[sorted(OTHER_DISTRICTS), "total"]
    assert (others < 88.23).all() and (others >= 60).all()
    assert others.max() - others.min() > 10  # varied


def test_communes_at_or_above_80_in_august_2024(evaluation):
    table = evaluation.table
    communes = table[(table["period"] == PERIOD) & (table["parent_code"] == DISTRICT)]
    assert len(communes) == 16 and set(communes["rank_of"]) == {16}
    good = set(communes.loc[communes["total"] >= 80, "unit_code"])
    assert good == GOOD
    assert set(communes.loc[communes["total"] < 80, "unit_code"]) == BELOW
    assert set(communes.loc[communes["band"] == "Tốt", "unit_code"]) == GOOD


def test_tung_chung_pho_paid_nothing_online(evaluation):
    ms = evaluation.metrics
    row = ms[
        (ms["period"] == PERIOD)
        & (ms["unit_code"] == TUNG_CHUNG_PHO)
        & (ms["metric"] == "ONLINE_PAYMENT_DOSSIERS")
    ].iloc[0]
    assert row["score"] == 0 and row["numerator"] == 0 and row["denominator"] > 0


def test_only_tung_chung_pho_has_an_unexplained_zero(evaluation):
    ms = evaluation.metrics
    month = ms[(ms["period"] == PERIOD) & ms["unit_code"].isin(GOOD | BELOW)]
    zero = month[(month["max_score"] > 0) & (month["score"] == 0) & ~month["no_data"]]
    assert set(zero["unit_code"]) == {TUNG_CHUNG_PHO}
    assert set(zero["metric"]) <= set(synthetic.PAYMENT_METRICS)
    gs = evaluation.groups
    groups = gs[(gs["period"] == PERIOD) & gs["unit_code"].isin(GOOD | BELOW)]
    assert (groups["score"] > 0).all()


# ----------------------------------------------------------------------------- the story
def test_cao_son_falls_below_80_and_recovers(evaluation):
    totals = evaluation.totals
    cao_son = totals[totals["unit_code"] == CAO_SON].set_index("period")["total"]
    assert (cao_son.loc["2024-05":"2024-09"] < 80).all()
    assert cao_son.loc["2024-04"] >= 80 and cao_son.loc["2024-10"] >= 80


def test_a_sharp_fall_and_rank_changes(evaluation):
    totals = evaluation.totals
    communes = totals[totals["parent_code"] == DISTRICT].pivot(
        index="period", columns="unit_code", values="total"
    )
    assert (communes.diff() <= -5).any().any()
    districts = totals[totals["level"] == "district"].pivot(
        index="period", columns="unit_code", values="rank"
    )
    assert districts.loc[PERIOD, DISTRICT] == 1
    assert (districts[DISTRICT] != 1).any()
    assert districts.idxmin(axis=1).nunique() >= 2  # the first place changes hands


def test_realistic_magnitudes(counts):
    communes = counts[(counts["level"] == "commune") & (counts["period"] <= "2025-06")]
    received = communes[communes["metric"] == "ON_TIME"]["denominator"]
    assert 10 <= received.median() <= 400 and received.max() < 1000
    district = counts[(counts["unit_code"] == DISTRICT) & (counts["metric"] == "ON_TIME")]
    assert district["denominator"].median() > received.median() * 10
    petitions = communes[communes["metric"] == "PETITION_PROCESSING_ON_TIME"]["denominator"]
    assert (petitions == 0).mean() > 0.6 and (petitions > 0).any()
    publish = counts[counts["metric"] == "PUBLISH_ON_TIME"]["denominator"]
    assert (publish == 0).any()


def test_seasons_and_trends(counts):
    on_time = counts[(counts["metric"] == "ON_TIME") & (counts["period"] <= "2025-06")]
    month = on_time["period"].str[5:7]
    by_month = on_time.groupby(month)["denominator"].mean()
    assert by_month["02"] < by_month["07"] and by_month["01"] < by_month["06"]

    def pooled_ratio(metric: str, years: str) -> float:
        rows = counts[(counts["metric"] == metric) & counts["period"].str.startswith(years)]
        rows = rows[rows["level"] == "commune"]
        return rows["numerator"].sum() / rows["denominator"].sum()

    for metric in ("ONLINE_PAYMENT_DOSSIERS", "SO_HOA_GIAY_TO_GIAI_QUYET"):
        assert pooled_ratio(metric, "2025") > pooled_ratio(metric, "2023") + 0.15


def test_merged_communes_have_the_size_of_their_former_communes(counts):
    merger = units.default_registry().merger_map()
    on_time = counts[counts["metric"] == "ON_TIME"]
    before = on_time[on_time["period"].between("2025-01", "2025-06")]
    before = before[before["level"] == "commune"]
    former = before.groupby(before["unit_code"].map(merger))["denominator"].sum() / 6
    after = on_time[on_time["period"] >= "2025-07"].groupby("unit_code")["denominator"].mean()
    ratio = after / former
    assert set(ratio.index) == MERGED
    assert ((ratio > 0.7) & (ratio < 1.6)).all()


# ----------------------------------------------------------------------------- published xlsx
def test_published_xlsx_agrees_with_scoring_the_counts(evaluation, method):
    table = pd.read_excel(SAMPLE / synthetic.PUBLISHED_FILE, header=1)
    title = pd.read_excel(SAMPLE / synthetic.PUBLISHED_FILE, header=None, nrows=1).iloc[0, 0]
    assert title == "Kết quả Bộ chỉ số 766 tháng 8/2024"
    groups = [g.name for g in method.groups]
    assert list(table.columns) == ["STT", "Tên đơn vị", *groups, "Tổng điểm"]
    assert len(table) == 16
    assert {"Tả Thành", "Lũng Vai", "Nậm Lư", "La Pan Tân", "Dìn Chín"} <= set(table["Tên đơn vị"])
    assert "thị trấn Mường Khương" in set(table["Tên đơn vị"])
    by_name = table.set_index("Tên đơn vị")
    codes = {synthetic.LETTER_NAMES[c]: c for c in GOOD | BELOW}
    computed = evaluation.table.set_index(["period", "unit_code"]).loc[PERIOD]
    for name, row in by_name.iterrows():
        expected = computed.loc[codes[name]]
        for g in method.groups:
            assert row[g.name] == expected[g.key], (name, g.key)
        assert row["Tổng điểm"] == expected["total"]
    assert (table["Tổng điểm"].diff().dropna() <= 0).all()


def test_published_xlsx_read_back_by_the_readers(evaluation):
    registry = units.default_registry()
    resolver = lambda name: registry.resolve(name, scope=DISTRICT, period=PERIOD)  # noqa: E731
    ds = readers.read(SAMPLE / synthetic.PUBLISHED_FILE, resolver=resolver)
    published = ds.published_groups.set_index(["period", "unit_code", "group"])["published_score"]
    gs = evaluation.groups
    computed = gs[(gs["period"] == PERIOD) & gs["unit_code"].isin(GOOD | BELOW)]
    computed = computed.set_index(["period", "unit_code", "group"])["score"]
    pd.testing.assert_series_equal(published.sort_index(), computed.sort_index(), check_names=False)


def test_the_whole_sample_folder_reads_and_ranks():
    registry = units.default_registry()
    ds = readers.read(SAMPLE, resolver=registry.resolve)
    assert {"2024-08", "2026-08"} <= set(ds.counts["period"])
    mine = ds.counts[ds.counts["source_file"].str.endswith(synthetic.COUNTS_FILE)]
    assert len(mine) == len(_read_csv(SAMPLE / synthetic.COUNTS_FILE))
    # the dossiers (Parquet, in a subfolder) are not count files: the readers skip them
    assert (SAMPLE / synthetic.DOSSIERS_FILE).exists()
    assert not ds.counts["source_file"].str.contains("dossiers").any()


# ----------------------------------------------------------------------------- benchmark input
def test_synthetic_counts_size_and_determinism(method):
    a = synthetic.synthetic_counts(5, 4, seed=3)
    assert len(a) == 5 * 4 * len(method.metrics_frame())
    pd.testing.assert_frame_equal(a, synthetic.synthetic_counts(5, 4, seed=3))
    assert not a.equals(synthetic.synthetic_counts(5, 4, seed=4))
    assert sorted(a["period"].unique()) == ["2021-01", "2021-02", "2021-03", "2021-04"]


@settings(max_examples=15, deadline=None)
@given(
    n_units=st.integers(1, 30),
    n_months=st.integers(1, 30),
    seed=st.integers(0, 2**32 - 1),
)
def test_synthetic_counts_are_valid_counts(n_units, n_months, seed):
    c = synthetic.synthetic_counts(n_units, n_months, seed=seed)
    has = c["denominator"].notna()
    num, den = c.loc[has, "numerator"], c.loc[has, "denominator"]
    assert (num >= 0).all() and (num <= den).all() and (num % 1 == 0).all()
    assert c["unit_code"].nunique() == n_units and c["period"].nunique() == n_months


def test_synthetic_units_and_evaluate(method):
    u = synthetic.synthetic_units(20, n_parents=3)
    communes = u[u["level"] == "commune"]
    assert len(communes) == 20 and communes["parent_code"].nunique() == 3
    assert u.loc[u["level"] == "district", "parent_code"].isna().all()
    ev = ranking.evaluate(synthetic.synthetic_counts(20, 2), u, methodology=method)
    districts = ev.totals[ev.totals["level"] == "district"]
    assert len(districts) == 3 * 2 and set(districts["rank_of"]) == {3}
    assert np.isfinite(ev.totals["total"]).all()
