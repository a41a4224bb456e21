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

The dossier world (``simulate(..., dossiers=True)``, the communes of the sample) draws the 10
counts a dossier table gives (:data:`mkbidx.inputs.dossiers.columns.DOSSIER_ONLY_METRICS`) as
the rules of ``dossiers.md`` derive them from one set of dossiers (:func:`dossier_world`): a few
dossiers are not synced; a small share of the synced ones is still open at the end of the month
(on time then) and finishes the next month, so ON_TIME and satisfaction count the dossiers
handled in the month (received + carried over); satisfaction is "on time and not complained";
original results count the dossiers finished in the month with a required result; online
submission and digitised papers count only dossiers whose result, when one is required, is
electronic. :mod:`mkbidx.run.sample_dossiers` builds the dossiers themselves.

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

from collections.abc import Callable, Sequence
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
    "dossier_world",
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
RESULT_SHARE = 0.55  # dossiers whose procedure requires a written result (dossier world)
COMPLAINT_SHIFT = 1.2  # logit shift of "not complained" over the satisfaction rate (dossier world)
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


def _previous(values: np.ndarray) -> np.ndarray:
    """The previous month's values (0 before the first month)."""
    out = np.zeros_like(values)
    out[:, 1:] = values[:, :-1]
    return out


def dossier_world(
    rng: np.random.Generator,
    received: np.ndarray,
    rate: Callable[..., np.ndarray],
    *,
    close_last: bool = True,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The 10 dossier counts of units × months, derived from one set of dossiers.

    ``received`` are all the dossiers received (units × months); ``rate(metric, extra=0)`` is
    the model's logistic rate of a metric (it draws the month noise). Per unit and month P:

    - ``S`` synced of the received; ``B`` of them still open at the end of P, finished in P+1
      (none after the last month when ``close_last``), ``A = S - B`` finished in P;
    - handled ``H = S + B(P-1)``; the ``B`` open ones are on time at the end of P, the others
      on time at the ON_TIME rate; complaints only on dossiers received and finished in P;
    - a result is required for :data:`RESULT_SHARE` of the dossiers; of those finished in the
      month they were received, some lack an electronic result (the misses of
      ORIGINAL_RESULT_AVAILABLE), the carried-over ones all have one;
    - online submission and digitised papers are drawn among the received dossiers that are not
      misses; payment among those with a fee; the personal store among citizen-data dossiers.

    The counts are the ones :mod:`mkbidx.run.sample_dossiers` can realise as dossiers.
    """

    def draw(metric: str, den: np.ndarray, extra: float = 0.0) -> np.ndarray:
        return rng.binomial(den, rate(metric, extra))

    def pair(num: np.ndarray, den: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return num.astype("float64"), den.astype("float64")

    synced = draw("DOSSIER_SYNC", received)
    carried = rng.binomial(synced, 1.0 - RESOLVED_SHARE)
    if close_last:
        carried[:, -1] = 0
    carried_in = _previous(carried)
    here = synced - carried  # received and finished in the month
    handled = synced + carried_in
    on_time = carried + draw("ON_TIME", handled - carried)
    late_here = np.maximum(handled - on_time - carried_in, 0)
    complaints = rng.binomial(
        here - late_here, 1.0 - rate("DOSSIER_RECEIVING_SATISFACTION", COMPLAINT_SHIFT)
    )
    required_here = rng.binomial(here, RESULT_SHARE)
    required_carried = rng.binomial(carried, RESULT_SHARE)
    electronic_here = draw("ORIGINAL_RESULT_AVAILABLE", required_here)
    misses = required_here - electronic_here
    required_in = _previous(required_carried)
    result_ok = synced - misses
    with_fee = rng.binomial(synced, FEE_SHARE)
    citizen = draw("CITIZEN_DATA_CONNECTED_DOSSIER", synced)
    personal = np.minimum(draw("SYNCED_WITH_DVCQG_PERSONAL_STORAGE", synced), citizen)
    return {
        "DOSSIER_SYNC": pair(synced, received),
        "ON_TIME": pair(on_time, handled),
        "DOSSIER_RECEIVING_SATISFACTION": pair(on_time - complaints, handled),
        "ONLINE_SUBMISSION": pair(draw("ONLINE_SUBMISSION", result_ok), synced),
        "ONLINE_PAYMENT_DOSSIERS": pair(draw("ONLINE_PAYMENT_DOSSIERS", with_fee), with_fee),
        "ORIGINAL_RESULT_AVAILABLE": pair(
            electronic_here + required_in, required_here + required_in
        ),
        "SO_HOA_GIAY_TO_GIAI_QUYET": pair(draw("SO_HOA_GIAY_TO_GIAI_QUYET", result_ok), synced),
        "REUSED_DIGITIZED_DATA": pair(draw("REUSED_DIGITIZED_DATA", synced), synced),
        "SYNCED_WITH_DVCQG_PERSONAL_STORAGE": pair(personal, synced),
        "CITIZEN_DATA_CONNECTED_DOSSIER": pair(citizen, synced),
    }


def simulate(
    rng: np.random.Generator,
    profiles: Profiles,
    periods: Sequence[str],
    m: Methodology,
    shocks: dict[str, np.ndarray] | None = None,
    *,
    dossiers: bool = False,
    close_last: bool = True,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Counts of every metric for units × months: ``{metric: (numerator, denominator)}``.

    Arrays have shape (units, months), float64 (NaN where the portal publishes no counts).
    ``dossiers``: draw the dossier counts from one set of dossiers (:func:`dossier_world`);
    ``close_last``: then no dossier stays open after the last month (the unit's books close).
    Without ``dossiers`` the draws are those of the original model, in the same order.
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
    world = dossier_world(rng, received, rate, close_last=close_last) if dossiers else None
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

    def put_dossiers(metric: str, numerator=None, denominator=None) -> None:
        if world is not None:
            out[metric] = world[metric]
        else:
            put(metric, numerator(), denominator)

    put_dossiers("DOSSIER_SYNC", lambda: draw("DOSSIER_SYNC", received), received)
    put_dossiers("ON_TIME", lambda: draw("ON_TIME", received), received)
    online_procedures = draw("ONLINE_PROCEDURES", authority)
    put("ONLINE_PROCEDURES", online_procedures, authority)
    if world is not None:
        online = world["ONLINE_SUBMISSION"][0].astype("int64")
    else:
        online = draw("ONLINE_SUBMISSION", received)
    volume = ONLINE_VOLUME_EFFECT * np.log(np.maximum(online, 1) / ONLINE_VOLUME_REFERENCE)
    services = np.minimum(draw("ONLINE_SERVICES_WITH_DOSSIERS", online_procedures, volume), online)
    put("ONLINE_SERVICES_WITH_DOSSIERS", services, online_procedures)
    put_dossiers("ONLINE_SUBMISSION", lambda: online, received)
    if world is not None:
        paid = world["ONLINE_PAYMENT_DOSSIERS"][0].astype("int64")
    else:
        paid = draw("ONLINE_PAYMENT_DOSSIERS", with_fee)
    put_dossiers("ONLINE_PAYMENT_DOSSIERS", lambda: paid, with_fee)
    paid_formalities = np.minimum(draw("ONLINE_PAYMENT_FORMALITIES", fee_formalities), paid)
    put("ONLINE_PAYMENT_FORMALITIES", paid_formalities, fee_formalities)
    put(
        "FEE_FORMALITIES_ON_PORTAL",
        draw("FEE_FORMALITIES_ON_PORTAL", fee_formalities),
        fee_formalities,
    )
    put_dossiers(
        "DOSSIER_RECEIVING_SATISFACTION",
        lambda: draw("DOSSIER_RECEIVING_SATISFACTION", rated),
        rated,
    )
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
        put_dossiers(metric, lambda metric=metric: draw(metric, resolved), resolved)
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
