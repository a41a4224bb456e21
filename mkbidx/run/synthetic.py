"""Deterministic synthetic raw counts: benchmark inputs, and the entry of the sample data set.

:func:`synthetic_counts` and :func:`synthetic_units` build large inputs (a million count rows)
for ``tests/benchmarks/bench_scoring.py``, vectorised with numpy, with the model of
:mod:`mkbidx.run.simulation` and without calibration.

The embedded sample data set (``data/sample/``, the calibrated story of Mường Khương) is
:mod:`mkbidx.run.sample`; its names stay importable from here, and ``python -m
mkbidx.run.synthetic --output data/sample`` writes it (:func:`~mkbidx.run.sample.main`).
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from mkbidx.methodology import Methodology
from mkbidx.periods import shift_month
from mkbidx.run.sample import (  # noqa: F401  (the sample's names, importable from here as before)
    COUNTS_FILE,
    CSV_COLUMNS,
    DOSSIERS_FILE,
    LETTER_NAMES,
    PAYMENT_METRICS,
    PUBLISHED_FILE,
    SEED,
    Sample,
    main,
    published_table,
    sample_counts,
    sample_files,
    write_sample,
)
from mkbidx.run.simulation import (
    COMMUNE_PROFILE,
    COMMUNE_STRENGTH,
    load_methodology,
    long_counts,
    make_profiles,
    simulate,
)

__all__ = [
    "COUNTS_FILE",
    "DOSSIERS_FILE",
    "PUBLISHED_FILE",
    "Sample",
    "main",
    "sample_counts",
    "synthetic_counts",
    "synthetic_units",
    "write_sample",
]


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
    m = load_methodology(methodology)
    rng = np.random.default_rng(seed)
    periods = [shift_month(first_period, i) for i in range(n_months)]
    profiles = make_profiles(rng, n_units, COMMUNE_PROFILE, rng.normal(*COMMUNE_STRENGTH, n_units))
    sim = simulate(rng, profiles, periods, m)
    codes = [f"{i:05d}" for i in range(n_units)]
    return long_counts(sim, codes, periods, m)


if __name__ == "__main__":
    sys.exit(main())
