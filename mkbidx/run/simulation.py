"""The count model behind the synthetic data: realistic raw counts of every metric.

:func:`simulate` draws the counts of units × months from per-unit :class:`Profiles`;
:func:`long_counts` turns them into tidy rows in the methodology's metric order. Both the
benchmark input (:mod:`mkbidx.run.synthetic`) and the calibrated sample data set
(:mod:`mkbidx.run.sample`) are built with it.

The model
---------
Per unit and month, dossiers received are Poisson around the unit's size × a seasonal factor
(Tết in January/February low, mid-year high) × a slow growth × log-normal noise. Every other
count is drawn from the ones it belongs to (on time ≤ received, paid online ≤ dossiers with a
fee, ...), each rate being a logistic function of a metric's level at 2023-01, its monthly
improvement (online payment and digitisation improve fastest), the unit's strength, a fixed
unit-metric offset, month noise and the story's events (:data:`mkbidx.run.sample.EVENTS`).
Petitions are rare (most commune-months have none, so the two petition indicators score full
marks); some commune-months publish no procedure (PUBLISH_ON_TIME 0/0).

Examples
--------
>>> import numpy as np
>>> from mkbidx import methodology
>>> m = methodology.load()
>>> rng = np.random.default_rng(0)
>>> profiles = make_profiles(rng, 2, COMMUNE_PROFILE, np.zeros(2))
>>> counts = long_counts(simulate(rng, profiles, ["2024-01", "2024-02"], m), ["A", "B"],
...                      ["2024-01", "2024-02"], m)
>>> len(counts), counts["unit_code"].unique().tolist()
(92, ['A', 'B'])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mkbidx import methodology as _methodology
from mkbidx.methodology import Methodology
from mkbidx.periods import months_between, parse

__all__ = [
    "COMMUNE_PROFILE",
    "COMMUNE_STRENGTH",
    "FIRST_PERIOD",
    "PUBLISHED_RATIOS",
    "RATES",
    "Profiles",
    "load_methodology",
    "long_counts",
    "make_profiles",
    "simulate",
]

FIRST_PERIOD = "2023-01"  # origin of the trends' time axis; the sample's first month

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
COMMUNE_STRENGTH = (0.3, 0.35)  # mean and sd of the logit shift of a commune


@dataclass(frozen=True)
class Profiles:
    """Per-unit model parameters (arrays of one value per unit)."""

    size: np.ndarray  # median dossiers received per month
    procedures: np.ndarray  # procedures under the unit's authority
    strength: np.ndarray  # logit shift of every rate
    petitions: np.ndarray  # mean petitions per month
    releases: np.ndarray  # mean procedures published per month


def load_methodology(methodology: Methodology | None) -> Methodology:
    """``methodology``, or the current version when None."""
    return methodology if methodology is not None else _methodology.load()


def _month_index(months: Sequence[str]) -> np.ndarray:
    """Months since :data:`FIRST_PERIOD` (the time axis of the trends)."""
    return np.array([months_between(FIRST_PERIOD, p) for p in months], dtype="int64")


def _month_of_year(months: Sequence[str]) -> np.ndarray:
    return np.array([parse(p).index for p in months], dtype="int64")


def _expit(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def simulate(
    rng: np.random.Generator,
    profiles: Profiles,
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


def long_counts(
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


def make_profiles(
    rng: np.random.Generator,
    n: int,
    profile: tuple[float, float, float, float, float],
    strength: np.ndarray,
) -> Profiles:
    median, sd, procedures, petitions, releases = profile
    return Profiles(
        size=median * rng.lognormal(0.0, sd, n) if sd else np.full(n, median),
        procedures=np.full(n, procedures),
        strength=np.asarray(strength, dtype="float64"),
        petitions=np.full(n, petitions),
        releases=np.full(n, releases),
    )
