"""Deterministic synthetic raw counts: the embedded sample data set and benchmark inputs.

Two uses:

1. :func:`sample_counts` builds the project's default data set (``data/sample/``): raw counts of
   every metric of the methodology, per month, for the 16 communes of Mường Khương (083) and the
   9 districts of Lào Cai from 2023-01 to 2025-06, then for the 4 communes that replaced them
   (1 July 2025) from 2025-07 to 2026-10. It is calibrated so that August 2024 tells what the
   real letter of Mường Khương (September 2024) says: the district totals 88.23 and ranks 1st of
   9; 13 communes score 80 or more; Tung Chung Phố paid no fee online. ``python -m
   mkbidx.run.synthetic --output data/sample`` writes it (:func:`write_sample`).
2. :func:`synthetic_counts` and :func:`synthetic_units` build large inputs (a million count rows)
   for ``tests/benchmarks/bench_scoring.py``, vectorised with numpy.

The model
---------
Per unit and month, dossiers received are Poisson around the unit's size × a seasonal factor
(Tết in January/February low, mid-year high) × a slow growth × log-normal noise. Every other
count is drawn from the ones it belongs to (on time ≤ received, paid online ≤ dossiers with a
fee, ...), each rate being a logistic function of a metric's level at 2023-01, its monthly
improvement (online payment and digitisation improve fastest), the unit's strength, a fixed
unit-metric offset, month noise and the story's events (:data:`EVENTS`). Petitions are rare
(most commune-months have none, so the two petition indicators score full marks); some
commune-months publish no procedure (PUBLISH_ON_TIME 0/0).

Calibration
-----------
Targets are checked by scoring with :mod:`mkbidx.core.scoring` itself, never by hard-coding a score.
A unit-month that misses a target (e.g. a commune that must score ≥ 80) has its numerators moved
toward their denominators (or toward 1) by the smallest fraction found by bisection. The
district's own agencies (its departments, pooled with its communes by
:func:`mkbidx.core.scoring.pool_counts`) are then adjusted the same way until the pooled total is
just
below 88.23, and one own-agency numerator is searched (binary search) for the exact 88.23.
Everything derives from ``numpy.random.default_rng`` streams of one seed: the output is
byte-identical from run to run.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mkbidx import methodology as _methodology
from mkbidx.core import scoring
from mkbidx.methodology import Methodology

__all__ = [
    "COUNTS_FILE",
    "PUBLISHED_FILE",
    "Sample",
    "main",
    "sample_counts",
    "synthetic_counts",
    "synthetic_units",
    "write_sample",
]

from mkbidx.paths import DEFAULT_DATA as DEFAULT_OUTPUT  # noqa: E402

COUNTS_FILE = "mkbidx-sample-counts.csv"
PUBLISHED_FILE = "mkbidx-sample-published-2024-08.xlsx"
FILE_MODE = 0o644  # the written files are readable by everyone (mkstemp makes them private)
CSV_COLUMNS = [
    "period",
    "unit_code",
    "unit_name",
    "level",
    "parent_code",
    "group",
    "metric",
    "numerator",
    "denominator",
    "published_ratio",
]

SEED = 766
FIRST_PERIOD = "2023-01"
LAST_DISTRICT_PERIOD = "2025-06"  # district-level government was abolished on 1 July 2025
LAST_PERIOD = "2026-10"

# Facts of the letter (UBND huyện Mường Khương, September 2024, on the results of 8/2024).
CALIBRATION_PERIOD = "2024-08"
PROVINCE = "10"
LETTER_DISTRICT = "083"
LETTER_DISTRICT_TOTAL = 88.23  # "88,23/100 điểm, xếp hạng 1/9 huyện, thành phố"
LETTER_BELOW = ("02782", "02767", "02758")  # Cao Sơn, Tả Gia Khâu, Tung Chung Phố: below 80
NO_ONLINE_PAYMENT = "02758"  # Tung Chung Phố: "chỉ số thanh toán phí, lệ phí trực tuyến ... bằng 0"
# Commune names as the letter spells them (the published Excel uses them, as real tables do).
LETTER_NAMES = {
    "02794": "Tả Thành",
    "02788": "Bản Lầu",
    "02797": "Bản Sen",
    "02785": "Lũng Vai",
    "02779": "Thanh Bình",
    "02773": "Nậm Lư",
    "02755": "Tả Ngải Chồ",
    "02791": "La Pan Tân",
    "02761": "thị trấn Mường Khương",
    "02770": "Nậm Chảy",
    "02776": "Lũng Khấu Nhin",
    "02764": "Dìn Chín",
    "02752": "Pha Long",
    "02782": "UBND xã Cao Sơn",
    "02767": "UBND xã Tả Gia Khâu",
    "02758": "UBND xã Tung Chung Phố",
}
XLSX_TITLE = "Kết quả Bộ chỉ số 766 {period}"
XLSX_SHEET = "Phụ lục 02"
XLSX_ROW_NUMBER = "STT"
XLSX_UNIT_NAME = "Tên đơn vị"
XLSX_TOTAL = "Tổng điểm"
XLSX_TIMESTAMP = (2024, 9, 5, 0, 0, 0)  # "số liệu cập nhật ngày 05/9/2024"

# Story of the other months (unit, period, "ge"/"lt", total). "Tốt" is the top band (80).
CAO_SON = "02782"  # below 80 from 2024-05 to 2024-09, then recovers
CAO_SON_LOW = ("2024-05", "2024-09")
CAO_SON_GOOD = ("2024-03", "2024-04", "2024-10", "2024-11", "2024-12")
SHARP_FALL = ("02767", "2024-07", "2024-08")  # Tả Gia Khâu: a fall of more than 5 points
SHARP_FALL_POINTS = 5.5
DISTRICT_RANGE = (60.0, 88.0)  # the 8 other districts in 2024-08: varied, below 083

# ----------------------------------------------------------------------------- the model
# metric: (logit of the rate at FIRST_PERIOD, logit change per month, month-to-month noise sd)
RATES: dict[str, tuple[float, float, float]] = {
    "PUBLISH_ON_TIME": (2.4, 0.02, 0.5),
    "PUBLIC_UPDATE_ON_TIME": (2.0, 0.02, 0.5),
    "PUBLIC_CONTENT_FULL": (3.0, 0.02, 0.3),
    "DOSSIER_SYNC": (2.6, 0.03, 0.3),
    "ON_TIME": (2.8, 0.02, 0.3),
    "ONLINE_PROCEDURES": (0.6, 0.05, 0.2),
    "ONLINE_SERVICES_WITH_DOSSIERS": (-1.2, 0.03, 0.25),
    "ONLINE_SUBMISSION": (-0.6, 0.07, 0.3),
    "ONLINE_PAYMENT_DOSSIERS": (-1.8, 0.09, 0.35),
    "ONLINE_PAYMENT_FORMALITIES": (-0.5, 0.07, 0.35),
    "FEE_FORMALITIES_ON_PORTAL": (0.0, 0.05, 0.25),
    "DOSSIER_RECEIVING_SATISFACTION": (3.0, 0.02, 0.3),
    "PETITION_PROCESSING_ON_TIME": (1.5, 0.03, 0.3),
    "PETITION_HANDLING_SATISFACTION": (1.2, 0.02, 0.3),
    "PETITION_CLASSIFICATION_TTHC": (0.4, 0.0, 0.3),
    "PETITION_CLASSIFICATION_STAFF": (-1.0, 0.0, 0.3),
    "ORIGINAL_RESULT_AVAILABLE": (0.4, 0.08, 0.3),
    "SO_HOA_GIAY_TO_GIAI_QUYET": (0.0, 0.08, 0.3),
    "REUSED_DIGITIZED_DATA": (-1.8, 0.08, 0.3),
    "SYNCED_WITH_DVCQG_PERSONAL_STORAGE": (-0.8, 0.07, 0.3),
    "CITIZEN_DATA_CONNECTED_DOSSIER": (-0.4, 0.08, 0.3),
    "CITIZEN_DATA_CONNECTED_FORMALITY": (-1.0, 0.05, 0.2),
}
# Metrics published as a ratio only (no counts), with that ratio in percent.
PUBLISHED_RATIOS = {"ELECTRONIC_CERTIFIED_COPY": 100.0}
# Denominators made of dossiers (large, so that one dossier moves a score by about a cent):
# the only ones the exact calibration of the district total moves.
DOSSIER_METRICS = (
    "DOSSIER_SYNC",
    "ON_TIME",
    "ONLINE_SUBMISSION",
    "ONLINE_PAYMENT_DOSSIERS",
    "DOSSIER_RECEIVING_SATISFACTION",
    "ORIGINAL_RESULT_AVAILABLE",
    "SO_HOA_GIAY_TO_GIAI_QUYET",
    "REUSED_DIGITIZED_DATA",
    "SYNCED_WITH_DVCQG_PERSONAL_STORAGE",
    "CITIZEN_DATA_CONNECTED_DOSSIER",
)
SERVICE_METRICS = (
    "DOSSIER_SYNC",
    "ON_TIME",
    "ONLINE_SUBMISSION",
    "DOSSIER_RECEIVING_SATISFACTION",
    "ORIGINAL_RESULT_AVAILABLE",
    "SO_HOA_GIAY_TO_GIAI_QUYET",
    "SYNCED_WITH_DVCQG_PERSONAL_STORAGE",
)
PAYMENT_METRICS = ("ONLINE_PAYMENT_DOSSIERS", "ONLINE_PAYMENT_FORMALITIES")
# (unit, first period, last period, metrics, logit change): what happened in the story.
EVENTS: tuple[tuple[str, str, str, tuple[str, ...], float], ...] = (
    (CAO_SON, "2024-05", "2024-09", SERVICE_METRICS, -1.8),  # short of staff for five months
    ("02767", "2024-08", "2024-08", SERVICE_METRICS, -1.2),  # Tả Gia Khâu: one bad month
    ("02758", "2024-04", "2024-07", PAYMENT_METRICS, -1.5),  # Tung Chung Phố: payment dwindles
    ("02758", "2024-09", "2025-06", PAYMENT_METRICS, 0.8),  # ... and recovers after the letter
    ("02770", "2023-11", "2023-11", SERVICE_METRICS, -1.5),  # Nậm Chảy: system outage
)
# The merged communes' first months: new staff and systems (logit change on service metrics).
MERGER_TRANSITION = {"2025-07": -0.8, "2025-08": -0.4}
# Dossiers received, by month of the year: Tết (January/February) low, mid-year high.
SEASON = np.array([0.80, 0.65, 0.95, 1.00, 1.05, 1.15, 1.20, 1.15, 1.05, 1.00, 1.00, 1.05])
GROWTH_PER_MONTH = 0.008  # more dossiers go through the system every month
VOLUME_NOISE = 0.15  # sd of the log of the month's volume around its expectation
UNIT_METRIC_SD = 0.3  # sd of a unit's fixed offset on each metric's logit
RESOLVED_SHARE = 0.93  # dossiers resolved in the month / received
RATED_SHARE = 0.6  # dossiers whose applicant rated the service / resolved
FEE_SHARE = 0.3  # dossiers with a fee or charge / received
FEE_FORMALITY_SHARE = 0.08  # procedures with fees that had dossiers / procedures
RATED_PETITION_SHARE = 0.7  # petitions whose sender rated the handling
UPDATES_PER_RELEASE = 2.0  # procedures updated per procedure published
ONLINE_VOLUME_EFFECT = 0.4  # logit effect of log(dossiers/100) on services with dossiers
ONLINE_VOLUME_REFERENCE = 100.0
PROCEDURE_GROWTH = 0.002  # procedures under a unit's authority, growth per month
PROCEDURE_NOISE = 2  # procedures added or withdrawn in a month, at most
# Unit profiles: (median dossiers/month, sd of log, procedures, petitions/month, releases/month)
COMMUNE_PROFILE = (110.0, 0.45, 110.0, 0.15, 3.0)
DISTRICT_AGENCIES_PROFILE = (600.0, 0.0, 280.0, 1.2, 8.0)
COMMUNE_STRENGTH = (0.3, 0.35)  # mean and sd of the logit shift of a commune
DISTRICT_AGENCIES_STRENGTH = 1.0  # departments are better staffed than communes
DISTRICT_COMMUNES = (12, 23)  # communes of another district (generated as totals): range
DISTRICT_STRENGTHS = (-1.2, 0.2)  # the other districts: strengths spread over this range
MERGED_PROCEDURE_FACTOR = 1.5  # a merged commune handles more procedure kinds (from the district)

# ----------------------------------------------------------------------------- calibration
BISECTION_STEPS = 20  # numerators are integers: 2**-20 of a distance is below one count
CENTS = 100


@dataclass(frozen=True)
class _Profiles:
    """Per-unit model parameters (arrays of one value per unit)."""

    size: np.ndarray  # median dossiers received per month
    procedures: np.ndarray  # procedures under the unit's authority
    strength: np.ndarray  # logit shift of every rate
    petitions: np.ndarray  # mean petitions per month
    releases: np.ndarray  # mean procedures published per month


def _method(methodology: Methodology | None) -> Methodology:
    return methodology if methodology is not None else _methodology.load()


def _periods(first: str, last: str) -> list[str]:
    return [str(p) for p in pd.period_range(first, last, freq="M")]


def _month_index(periods: Sequence[str]) -> np.ndarray:
    """Months since :data:`FIRST_PERIOD` (the time axis of the trends)."""
    start = pd.Period(FIRST_PERIOD, freq="M")
    return np.array([(pd.Period(p, freq="M") - start).n for p in periods], dtype="int64")


def _month_of_year(periods: Sequence[str]) -> np.ndarray:
    return np.array([int(p[5:7]) for p in periods], dtype="int64")


def _expit(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _simulate(
    rng: np.random.Generator,
    profiles: _Profiles,
    periods: Sequence[str],
    m: Methodology,
    shocks: dict[str, np.ndarray] | None = None,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Counts of every metric for units × months: ``{metric: (numerator, denominator)}``.

    Arrays have shape (units, months), float64 (NaN where the portal publishes no counts).
    """
    shocks = shocks or {}
    t = _month_index(periods)[None, :]
    season = SEASON[_month_of_year(periods) - 1][None, :]
    n_units, n_months = len(profiles.size), len(periods)
    shape = (n_units, n_months)

    def rate(metric: str, extra: np.ndarray | float = 0.0) -> np.ndarray:
        level, slope, noise = RATES[metric]
        z = (
            level
            + slope * t
            + profiles.strength[:, None]
            + rng.normal(0.0, UNIT_METRIC_SD, (n_units, 1))
            + rng.normal(0.0, noise, shape)
            + shocks.get(metric, 0.0)
            + extra
        )
        return _expit(z)

    def draw(metric: str, den: np.ndarray, extra: np.ndarray | float = 0.0) -> np.ndarray:
        return rng.binomial(den, rate(metric, extra))

    expected = (
        profiles.size[:, None]
        * season
        * (1.0 + GROWTH_PER_MONTH * t)
        * rng.lognormal(0.0, VOLUME_NOISE, shape)
    )
    received = rng.poisson(expected)
    resolved = rng.binomial(received, RESOLVED_SHARE)
    rated = rng.binomial(resolved, RATED_SHARE)
    with_fee = rng.binomial(received, FEE_SHARE)
    authority = np.rint(profiles.procedures[:, None] * (1.0 + PROCEDURE_GROWTH * t)).astype(
        "int64"
    ) + rng.integers(-PROCEDURE_NOISE, PROCEDURE_NOISE + 1, shape)
    authority = np.maximum(authority, 1)
    fee_formalities = rng.binomial(authority, FEE_FORMALITY_SHARE)
    releases = rng.poisson(np.broadcast_to(profiles.releases[:, None], shape))
    updates = rng.poisson(np.broadcast_to(UPDATES_PER_RELEASE * profiles.releases[:, None], shape))
    petitions = rng.poisson(np.broadcast_to(profiles.petitions[:, None], shape))
    rated_petitions = rng.binomial(petitions, RATED_PETITION_SHARE)

    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def put(metric: str, num: np.ndarray, den: np.ndarray) -> None:
        out[metric] = (num.astype("float64"), den.astype("float64"))

    put("PUBLISH_ON_TIME", draw("PUBLISH_ON_TIME", releases), releases)
    put("PUBLIC_UPDATE_ON_TIME", draw("PUBLIC_UPDATE_ON_TIME", updates), updates)
    put("PUBLIC_CONTENT_FULL", draw("PUBLIC_CONTENT_FULL", authority), authority)
    put("DOSSIER_SYNC", draw("DOSSIER_SYNC", received), received)
    put("ON_TIME", draw("ON_TIME", received), received)
    online_procedures = draw("ONLINE_PROCEDURES", authority)
    put("ONLINE_PROCEDURES", online_procedures, authority)
    online = draw("ONLINE_SUBMISSION", received)
    volume = ONLINE_VOLUME_EFFECT * np.log(np.maximum(online, 1) / ONLINE_VOLUME_REFERENCE)
    services = np.minimum(draw("ONLINE_SERVICES_WITH_DOSSIERS", online_procedures, volume), online)
    put("ONLINE_SERVICES_WITH_DOSSIERS", services, online_procedures)
    put("ONLINE_SUBMISSION", online, received)
    paid = draw("ONLINE_PAYMENT_DOSSIERS", with_fee)
    put("ONLINE_PAYMENT_DOSSIERS", paid, with_fee)
    paid_formalities = np.minimum(draw("ONLINE_PAYMENT_FORMALITIES", fee_formalities), paid)
    put("ONLINE_PAYMENT_FORMALITIES", paid_formalities, fee_formalities)
    put(
        "FEE_FORMALITIES_ON_PORTAL",
        draw("FEE_FORMALITIES_ON_PORTAL", fee_formalities),
        fee_formalities,
    )
    put("DOSSIER_RECEIVING_SATISFACTION", draw("DOSSIER_RECEIVING_SATISFACTION", rated), rated)
    put("PETITION_PROCESSING_ON_TIME", draw("PETITION_PROCESSING_ON_TIME", petitions), petitions)
    put(
        "PETITION_HANDLING_SATISFACTION",
        draw("PETITION_HANDLING_SATISFACTION", rated_petitions),
        rated_petitions,
    )
    about_procedures = draw("PETITION_CLASSIFICATION_TTHC", petitions)
    put("PETITION_CLASSIFICATION_TTHC", about_procedures, petitions)
    about_staff = draw("PETITION_CLASSIFICATION_STAFF", petitions - about_procedures)
    put("PETITION_CLASSIFICATION_STAFF", about_staff, petitions)
    for metric in (
        "ORIGINAL_RESULT_AVAILABLE",
        "SO_HOA_GIAY_TO_GIAI_QUYET",
        "REUSED_DIGITIZED_DATA",
        "SYNCED_WITH_DVCQG_PERSONAL_STORAGE",
        "CITIZEN_DATA_CONNECTED_DOSSIER",
    ):
        put(metric, draw(metric, resolved), resolved)
    put(
        "CITIZEN_DATA_CONNECTED_FORMALITY",
        draw("CITIZEN_DATA_CONNECTED_FORMALITY", authority),
        authority,
    )
    for metric in PUBLISHED_RATIOS:
        out[metric] = (np.full(shape, np.nan), np.full(shape, np.nan))

    expected_metrics = set(m.metrics_frame()["metric"])
    if set(out) != expected_metrics:
        raise ValueError(
            "the synthetic model and the methodology disagree on the metrics: "
            f"model only {sorted(set(out) - expected_metrics)}, "
            f"methodology only {sorted(expected_metrics - set(out))}"
        )
    return out


def _long(
    sim: dict[str, tuple[np.ndarray, np.ndarray]],
    codes: Sequence[str],
    periods: Sequence[str],
    m: Methodology,
) -> pd.DataFrame:
    """Tidy counts (period, unit_code, group, metric, numerator, denominator, published_ratio),
    ordered by period, unit, then the methodology's metric order. No per-row Python loop."""
    metrics = m.metrics_frame()
    codes_arr = np.asarray(codes, dtype=object)
    n_units, n_months, n_metrics = len(codes_arr), len(periods), len(metrics)
    num = np.stack([sim[k][0] for k in metrics["metric"]], axis=-1).transpose(1, 0, 2)
    den = np.stack([sim[k][1] for k in metrics["metric"]], axis=-1).transpose(1, 0, 2)
    ratio = np.array([PUBLISHED_RATIOS.get(k, np.nan) for k in metrics["metric"]])
    per_month = n_units * n_metrics
    return pd.DataFrame(
        {
            "period": np.repeat(np.asarray(periods, dtype=object), per_month),
            "unit_code": np.tile(np.repeat(codes_arr, n_metrics), n_months),
            "group": np.tile(metrics["group"].to_numpy(dtype=object), n_units * n_months),
            "metric": np.tile(metrics["metric"].to_numpy(dtype=object), n_units * n_months),
            "numerator": num.reshape(-1),
            "denominator": den.reshape(-1),
            "published_ratio": np.tile(ratio, n_units * n_months),
        }
    )


def _profiles(
    rng: np.random.Generator,
    n: int,
    profile: tuple[float, float, float, float, float],
    strength: np.ndarray,
) -> _Profiles:
    median, sd, procedures, petitions, releases = profile
    return _Profiles(
        size=median * rng.lognormal(0.0, sd, n) if sd else np.full(n, median),
        procedures=np.full(n, procedures),
        strength=np.asarray(strength, dtype="float64"),
        petitions=np.full(n, petitions),
        releases=np.full(n, releases),
    )


# ----------------------------------------------------------------------------- benchmark input
def synthetic_units(n_units: int, *, n_parents: int = 55) -> pd.DataFrame:
    """Units of :func:`synthetic_counts`: ``n_units`` communes spread over ``n_parents`` districts.

    Returns
    -------
    DataFrame
        unit_code, unit_name, level, parent_code: communes "00000", "00001", ... (parent
        ``"D" + 3 digits``, assigned round-robin), then the districts (missing parent).

    Examples
    --------
    >>> u = synthetic_units(4, n_parents=2)
    >>> u["unit_code"].tolist(), u["parent_code"].head(4).tolist()
    (['00000', '00001', '00002', '00003', 'D000', 'D001'], ['D000', 'D001', 'D000', 'D001'])
    >>> u.loc[u["level"] == "district", "parent_code"].isna().all()
    np.True_
    """
    communes = np.array([f"{i:05d}" for i in range(n_units)], dtype=object)
    districts = np.array([f"D{j:03d}" for j in range(n_parents)], dtype=object)
    parents = districts[np.arange(n_units) % n_parents]
    return pd.DataFrame(
        {
            "unit_code": np.concatenate([communes, districts]),
            "unit_name": np.concatenate(
                ["Xã " + communes.astype(str).astype(object), "Huyện " + districts.astype(str)]
            ).astype(object),
            "level": ["commune"] * n_units + ["district"] * n_parents,
            "parent_code": np.concatenate([parents, np.full(n_parents, None, dtype=object)]),
        }
    )


def synthetic_counts(
    n_units: int,
    n_months: int,
    *,
    seed: int = 0,
    first_period: str = "2021-01",
    methodology: Methodology | None = None,
) -> pd.DataFrame:
    """Realistic commune counts of every metric for ``n_units`` units over ``n_months`` months.

    The same model as the sample data set (seasons, trends, rare petitions, zero denominators),
    without its calibration. One row per unit, month and metric of the methodology (23 metrics):
    725 units × 60 months give 1,000,500 rows, the size of the scoring benchmark.

    Parameters
    ----------
    n_units, n_months
        How many communes (codes of :func:`synthetic_units`) and months.
    seed
        Seed of ``numpy.random.default_rng``: equal seeds give equal frames.
    first_period
        The first month (``"YYYY-MM"``).

    Returns
    -------
    DataFrame
        period, unit_code, group, metric, numerator, denominator (float, NaN for metrics
        published as a ratio only), published_ratio.

    Examples
    --------
    >>> c = synthetic_counts(3, 2)
    >>> len(c), c["period"].unique().tolist()
    (138, ['2021-01', '2021-02'])
    >>> bool((c["numerator"] <= c["denominator"]).where(c["denominator"].notna(), True).all())
    True
    """
    m = _method(methodology)
    rng = np.random.default_rng(seed)
    start = pd.Period(first_period, freq="M")
    periods = [str(start + i) for i in range(n_months)]
    profiles = _profiles(rng, n_units, COMMUNE_PROFILE, rng.normal(*COMMUNE_STRENGTH, n_units))
    sim = _simulate(rng, profiles, periods, m)
    codes = [f"{i:05d}" for i in range(n_units)]
    return _long(sim, codes, periods, m)


# ----------------------------------------------------------------------------- calibration
def _total_cents(rows: pd.DataFrame, m: Methodology) -> int:
    """Total of one unit-month (rows of one period and unit), in hundredths of a point."""
    totals = scoring.score(rows, methodology=m).totals
    if len(totals) != 1:
        raise ValueError(f"expected the rows of one unit and month, got {len(totals)}")
    return int(round(float(totals["total"].iloc[0]) * CENTS))


def _shift(num: np.ndarray, den: np.ndarray, q: float, movable: np.ndarray) -> np.ndarray:
    """Move movable numerators toward their denominator (q > 0) or toward 1 (q < 0).

    Each moves by the fraction |q| of its distance, rounded down: monotone in q, so scores are
    monotone in q. A numerator never goes below 1 when its denominator is positive (no zero is
    created).
    """
    floor = np.minimum(num, (den > 0).astype("float64"))
    if q >= 0:
        moved = num + np.floor(q * (den - num))
    else:
        moved = num - np.floor(-q * (num - floor))
    return np.where(movable, moved, num)


def _bisect(
    total_of: Callable[[np.ndarray], int],
    num: np.ndarray,
    den: np.ndarray,
    movable: np.ndarray,
    *,
    ok: Callable[[int], bool],
    sign: int,
) -> np.ndarray | None:
    """The numerators shifted by the smallest fraction that satisfies ``ok`` (None if none)."""
    if ok(total_of(num)):
        return num
    if not ok(total_of(_shift(num, den, float(sign), movable))):
        return None
    lo, hi = 0.0, 1.0
    for _ in range(BISECTION_STEPS):
        mid = (lo + hi) / 2
        if ok(total_of(_shift(num, den, sign * mid, movable))):
            hi = mid
        else:
            lo = mid
    return _shift(num, den, sign * hi, movable)


def _movable(rows: pd.DataFrame, m: Methodology, only: Sequence[str] | None = None) -> np.ndarray:
    scored = rows["metric"].map(lambda c: m.metric(c).max > 0).to_numpy(dtype=bool)
    den = rows["denominator"].to_numpy()
    movable = scored & np.isfinite(den) & (den > 0)
    if only is not None:
        movable &= rows["metric"].isin(only).to_numpy()
    return movable


def _meet(
    counts: pd.DataFrame,
    unit: str,
    period: str,
    op: str,
    cents: int,
    m: Methodology,
    pinned: Sequence[str] = (),
) -> None:
    """Make the total of ``unit`` in ``period`` satisfy ``op`` ("ge"/"lt") ``cents``, in place."""
    mask = ((counts["unit_code"] == unit) & (counts["period"] == period)).to_numpy()
    rows = counts.loc[mask]
    num = rows["numerator"].to_numpy(dtype="float64")
    den = rows["denominator"].to_numpy(dtype="float64")
    movable = _movable(rows, m) & ~rows["metric"].isin(pinned).to_numpy()

    def total_of(values: np.ndarray) -> int:
        return _total_cents(rows.assign(numerator=values), m)

    if op == "ge":
        new = _bisect(total_of, num, den, movable, ok=lambda c: c >= cents, sign=1)
    else:
        new = _bisect(total_of, num, den, movable, ok=lambda c: c < cents, sign=-1)
    if new is None:
        raise RuntimeError(f"calibration: cannot bring {unit} {period} to {op} {cents / CENTS}")
    counts.loc[mask, "numerator"] = new


def _hit_exact(
    own: pd.DataFrame, children: pd.DataFrame, parent_of: dict[str, str], cents: int, m: Methodology
) -> np.ndarray:
    """Own-agency numerators whose pooling with ``children`` totals exactly ``cents``.

    Bisection over a shift of the own dossier metrics brings the pooled total just below the
    target; a binary search over one own numerator (ON_TIME first) then hits it exactly.
    """
    num = own["numerator"].to_numpy(dtype="float64")
    den = own["denominator"].to_numpy(dtype="float64")

    def total_of(values: np.ndarray) -> int:
        pooled = scoring.pool_counts(
            pd.concat([own.assign(numerator=values), children], ignore_index=True), parent_of
        )
        return _total_cents(pooled, m)

    movable = _movable(own, m, DOSSIER_METRICS)
    start = total_of(num)
    if start == cents:
        return num
    if start > cents:
        below = _bisect(total_of, num, den, movable, ok=lambda c: c < cents, sign=-1)
    else:
        below = _step_back(total_of, num, den, movable, cents)
    if below is None:
        raise RuntimeError(f"calibration: the district total cannot reach {cents / CENTS}")
    if total_of(below) == cents:
        return below
    metrics = own["metric"].to_numpy()
    for metric in DOSSIER_METRICS:
        (where,) = np.nonzero(metrics == metric)
        i = int(where[0])
        lo, hi = int(below[i]), int(den[i])
        trial = below.copy()
        while lo < hi:  # smallest numerator reaching the target
            mid = (lo + hi) // 2
            trial[i] = mid
            if total_of(trial) >= cents:
                hi = mid
            else:
                lo = mid + 1
        trial[i] = lo
        if total_of(trial) == cents:
            return trial
    raise RuntimeError(f"calibration: no own-agency count gives exactly {cents / CENTS}")


def _step_back(
    total_of: Callable[[np.ndarray], int],
    num: np.ndarray,
    den: np.ndarray,
    movable: np.ndarray,
    cents: int,
) -> np.ndarray:
    """Numerators shifted by the largest fraction whose total is still below ``cents``."""
    lo, hi = 0.0, 1.0
    for _ in range(BISECTION_STEPS):
        mid = (lo + hi) / 2
        if total_of(_shift(num, den, mid, movable)) < cents:
            lo = mid
        else:
            hi = mid
    return _shift(num, den, lo, movable)


# ----------------------------------------------------------------------------- the sample
@dataclass(frozen=True)
class Sample:
    """The embedded data set: what :func:`write_sample` writes, and the hidden own agencies.

    Attributes
    ----------
    counts
        The rows of :data:`COUNTS_FILE`: period, unit_code, unit_name, level, parent_code, group,
        metric, numerator, denominator (nullable integers), published_ratio.
    published
        The table of :data:`PUBLISHED_FILE`: the communes' group scores in
        :data:`CALIBRATION_PERIOD` as a district office would publish them (Vietnamese headers,
        names spelled as in the letter).
    own_agencies
        Counts of the district's own agencies (departments) of :data:`LETTER_DISTRICT`, pooled
        into its rows of ``counts`` and not written anywhere.
    """

    counts: pd.DataFrame
    published: pd.DataFrame
    own_agencies: pd.DataFrame


def _shocks(
    codes: Sequence[str],
    periods: Sequence[str],
    events: Sequence[tuple[str, str, str, tuple[str, ...], float]],
) -> dict[str, np.ndarray]:
    """Logit changes per metric (units × months) from story events."""
    shocks: dict[str, np.ndarray] = {}
    unit_index = {c: i for i, c in enumerate(codes)}
    months = np.asarray(periods)
    for unit, first, last, metrics, change in events:
        if unit not in unit_index:
            continue
        when = (months >= first) & (months <= last)
        for metric in metrics:
            shock = shocks.setdefault(metric, np.zeros((len(codes), len(periods))))
            shock[unit_index[unit], when] += change
    return shocks


def _story_targets(communes: Sequence[str], m: Methodology) -> list[tuple[str, str, str, int]]:
    """(unit, period, "ge"/"lt", cents) that the communes' totals must satisfy."""
    good = int(round(m.bands[0].min * CENTS))  # the top band, "Tốt": 80 points
    targets = [
        (code, CALIBRATION_PERIOD, "lt" if code in LETTER_BELOW else "ge", good)
        for code in communes
    ]
    targets += [(CAO_SON, p, "lt", good) for p in _periods(*CAO_SON_LOW)]
    targets += [(CAO_SON, p, "ge", good) for p in CAO_SON_GOOD]
    unit, before, after = SHARP_FALL
    targets.append((unit, before, "ge", good + int(round(SHARP_FALL_POINTS * CENTS))))
    targets.append((unit, after, "lt", good))
    return targets


def _no_unexplained_zeros(counts: pd.DataFrame, period: str, m: Methodology) -> None:
    """In ``period``, give every scored metric with a denominator at least one success."""
    rows = (counts["period"] == period).to_numpy()
    movable = np.zeros(len(counts), dtype=bool)
    movable[rows] = _movable(counts.loc[rows], m)
    zero = movable & (counts["numerator"].to_numpy() == 0)
    counts.loc[zero, "numerator"] = 1.0


def _district_profiles(rng: np.random.Generator, n: int) -> _Profiles:
    """Profiles of whole districts (own agencies + their communes) generated as totals."""
    n_communes = rng.integers(DISTRICT_COMMUNES[0], DISTRICT_COMMUNES[1] + 1, n)
    agencies, commune = DISTRICT_AGENCIES_PROFILE, COMMUNE_PROFILE
    return _Profiles(
        size=agencies[0] * rng.lognormal(0.0, commune[1], n) + n_communes * commune[0],
        procedures=agencies[2] + n_communes * commune[2],
        strength=rng.permutation(np.linspace(*DISTRICT_STRENGTHS, n)),
        petitions=agencies[3] + n_communes * commune[3],
        releases=agencies[4] + n_communes * commune[4],
    )


def sample_counts(
    *, seed: int = SEED, methodology: Methodology | None = None, registry=None
) -> Sample:
    """Build the embedded data set (see the module docstring), calibrated on the letter.

    Parameters
    ----------
    seed
        Seed of the ``numpy.random.default_rng`` streams. The calibration targets hold for
        :data:`SEED`; another seed may need other story strengths (a RuntimeError says so).
    registry
        A :class:`mkbidx.inputs.units.Registry`; default the project's (``data/units/``).

    Returns
    -------
    Sample
    """
    m = _method(methodology)
    if registry is None:
        from mkbidx.inputs import units

        registry = units.default_registry()
    old = _periods(FIRST_PERIOD, LAST_DISTRICT_PERIOD)
    new = _periods(str(pd.Period(LAST_DISTRICT_PERIOD, freq="M") + 1), LAST_PERIOD)
    communes = registry.children(LETTER_DISTRICT, CALIBRATION_PERIOD)
    districts = registry.children(PROVINCE, CALIBRATION_PERIOD)
    others = [d for d in districts if d != LETTER_DISTRICT]
    merged = registry.children(PROVINCE, new[0])
    merger = {c: registry.merger_map()[c] for c in communes}
    rngs = [np.random.default_rng([seed, stream]) for stream in range(4)]

    # 16 communes, 2023-01 .. 2025-06
    strength = rngs[0].normal(*COMMUNE_STRENGTH, len(communes))
    commune_profiles = _profiles(rngs[0], len(communes), COMMUNE_PROFILE, strength)
    sim = _simulate(rngs[0], commune_profiles, old, m, _shocks(communes, old, EVENTS))
    commune_counts = _long(sim, communes, old, m)
    # the district's own agencies (pooled into its rows, never written)
    own_profiles = _profiles(rngs[1], 1, DISTRICT_AGENCIES_PROFILE, [DISTRICT_AGENCIES_STRENGTH])
    own = _long(_simulate(rngs[1], own_profiles, old, m), [LETTER_DISTRICT], old, m)
    # the 8 other districts, as district totals
    sim = _simulate(rngs[2], _district_profiles(rngs[2], len(others)), old, m)
    other_counts = _long(sim, others, old, m)
    # the 4 merged communes, 2025-07 .. 2026-10: magnitudes of their former communes
    index = {c: i for i, c in enumerate(communes)}
    formers = [[index[c] for c in communes if merger[c] == code] for code in merged]
    merged_profiles = _Profiles(
        size=np.array([commune_profiles.size[f].sum() for f in formers]),
        procedures=np.full(len(merged), COMMUNE_PROFILE[2] * MERGED_PROCEDURE_FACTOR),
        strength=np.array([commune_profiles.strength[f].mean() for f in formers]),
        petitions=np.array([commune_profiles.petitions[f].sum() for f in formers]),
        releases=np.full(len(merged), COMMUNE_PROFILE[4] * MERGED_PROCEDURE_FACTOR),
    )
    transition = [
        (code, period, period, SERVICE_METRICS, change)
        for code in merged
        for period, change in MERGER_TRANSITION.items()
    ]
    sim = _simulate(rngs[3], merged_profiles, new, m, _shocks(merged, new, transition))
    merged_counts = _long(sim, merged, new, m)

    # calibration on the letter (August 2024)
    for frame in (commune_counts, own, other_counts):
        _no_unexplained_zeros(frame, CALIBRATION_PERIOD, m)
    no_payment = (
        (commune_counts["unit_code"] == NO_ONLINE_PAYMENT)
        & (commune_counts["period"] == CALIBRATION_PERIOD)
        & commune_counts["metric"].isin(PAYMENT_METRICS)
    )
    if not (commune_counts.loc[no_payment, "denominator"] > 0).all():
        raise RuntimeError("calibration: Tung Chung Phố needs dossiers with a fee in 2024-08")
    commune_counts.loc[no_payment, "numerator"] = 0.0
    for unit, period, op, cents in _story_targets(communes, m):
        pinned = (
            PAYMENT_METRICS if (unit, period) == (NO_ONLINE_PAYMENT, CALIBRATION_PERIOD) else ()
        )
        _meet(commune_counts, unit, period, op, cents, m, pinned)
    in_period = own["period"] == CALIBRATION_PERIOD
    parent_of = dict.fromkeys(communes, LETTER_DISTRICT)
    own.loc[in_period, "numerator"] = _hit_exact(
        own[in_period],
        commune_counts[commune_counts["period"] == CALIBRATION_PERIOD],
        parent_of,
        int(round(LETTER_DISTRICT_TOTAL * CENTS)),
        m,
    )
    low, high = (int(round(v * CENTS)) for v in DISTRICT_RANGE)
    for unit in others:
        _meet(other_counts, unit, CALIBRATION_PERIOD, "lt", high, m)
        _meet(other_counts, unit, CALIBRATION_PERIOD, "ge", low, m)

    district = scoring.pool_counts(pd.concat([own, commune_counts], ignore_index=True), parent_of)
    counts = pd.concat([commune_counts, district, other_counts, merged_counts], ignore_index=True)
    counts = _labelled(counts, registry, m)
    return Sample(counts=counts, published=published_table(counts, m), own_agencies=own)


def _labelled(counts: pd.DataFrame, registry, m: Methodology) -> pd.DataFrame:
    """Counts with unit labels of their period, in file order, integer columns nullable."""
    labels = pd.concat(
        [registry.units_frame(p).assign(period=p) for p in sorted(counts["period"].unique())],
        ignore_index=True,
    )
    out = counts.drop(columns=["published_score"], errors="ignore").merge(
        labels, on=["period", "unit_code"], how="left", validate="many_to_one"
    )
    if out["unit_name"].isna().any():
        raise RuntimeError("a generated unit is missing from the registry")
    order = {code: i for i, code in enumerate(m.metrics_frame()["metric"])}
    out = out.assign(_metric=out["metric"].map(order)).sort_values(
        ["period", "unit_code", "_metric"], kind="stable"
    )
    for column in ("numerator", "denominator", "published_ratio"):
        values = out[column].to_numpy(dtype="float64")
        if np.any(np.isfinite(values) & (values != np.round(values))):
            raise RuntimeError(f"non-integer {column} in the sample")
        out[column] = pd.array(np.round(values), dtype="Int64")
    return out[CSV_COLUMNS].reset_index(drop=True)


def published_table(
    counts: pd.DataFrame,
    methodology: Methodology | None = None,
    *,
    period: str = CALIBRATION_PERIOD,
    parent: str = LETTER_DISTRICT,
) -> pd.DataFrame:
    """Group scores of ``parent``'s communes in ``period``, as a district publishes them.

    Columns: STT, Tên đơn vị (spelled as in the letter), one column per group (its Vietnamese
    name), Tổng điểm; sorted by total, highest first. The scores are computed from ``counts``.
    """
    m = _method(methodology)
    rows = counts[(counts["period"] == period) & (counts["parent_code"] == parent)]
    rows = rows.assign(
        numerator=rows["numerator"].astype("float64"),
        denominator=rows["denominator"].astype("float64"),
        published_ratio=rows["published_ratio"].astype("float64"),
    )
    scores = scoring.score(rows, methodology=m)
    wide = scores.groups.pivot(index="unit_code", columns="group", values="score")
    wide = wide[m.group_keys].rename(columns={g.key: g.name for g in m.groups})
    wide[XLSX_TOTAL] = scores.totals.set_index("unit_code")["total"]
    wide = wide.reset_index().sort_values([XLSX_TOTAL, "unit_code"], ascending=[False, True])
    wide.insert(0, XLSX_UNIT_NAME, wide["unit_code"].map(LETTER_NAMES))
    wide.insert(0, XLSX_ROW_NUMBER, np.arange(1, len(wide) + 1))
    return wide.drop(columns="unit_code").reset_index(drop=True)


# ----------------------------------------------------------------------------- writing
def _csv_bytes(counts: pd.DataFrame) -> bytes:
    return counts.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _xlsx_bytes(table: pd.DataFrame, title: str) -> bytes:
    """The published table as .xlsx, with fixed timestamps so that the bytes are reproducible."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        table.to_excel(writer, sheet_name=XLSX_SHEET, index=False, startrow=1)
        sheet = writer.sheets[XLSX_SHEET]
        sheet.cell(row=1, column=1, value=title)
        for column_cells in sheet.iter_cols(min_row=2, min_col=3):
            for cell in column_cells[1:]:
                cell.number_format = "0.00"
        sheet.column_dimensions["B"].width = 26
        for letter in "CDEFGHI":
            sheet.column_dimensions[letter].width = 14
        writer.book.properties.creator = "mkbidx"
    return _fixed_zip(buffer.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite a zip (xlsx) with fixed entry dates and fixed document timestamps."""
    stamp = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format(*XLSX_TIMESTAMP)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                    lambda match: match.group(1) + stamp.encode() + match.group(3),
                    content,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=XLSX_TIMESTAMP)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, content)
    return out.getvalue()


def _write_bytes(path: Path, data: bytes) -> None:
    """Write through a hidden temporary file in the same folder, moved into place at the end."""
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def sample_files(sample: Sample) -> dict[str, bytes]:
    """File name → bytes of the sample's files."""
    from mkbidx.present import formatting

    title = XLSX_TITLE.format(period=formatting.period_label(CALIBRATION_PERIOD))
    return {
        COUNTS_FILE: _csv_bytes(sample.counts),
        PUBLISHED_FILE: _xlsx_bytes(sample.published, title),
    }


def write_sample(output: str | Path = DEFAULT_OUTPUT, *, seed: int = SEED) -> list[Path]:
    """Generate the sample and write its files into ``output`` (other files there are kept)."""
    output = Path(output)
    written = []
    for name, data in sample_files(sample_counts(seed=seed)).items():
        _write_bytes(output / name, data)
        written.append(output / name)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mkbidx.run.synthetic --output data/sample``."""
    parser = argparse.ArgumentParser(
        prog="python -m mkbidx.run.synthetic",
        description="Tạo lại bộ dữ liệu mẫu tổng hợp (synthetic sample data set) của mkbidx.",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"thư mục ghi tệp (mặc định {DEFAULT_OUTPUT})",
    )
    parser.add_argument("--seed", type=int, default=SEED, help=f"hạt giống ngẫu nhiên ({SEED})")
    args = parser.parse_args(argv)
    for path in write_sample(args.output, seed=args.seed):
        print(f"Đã ghi {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
