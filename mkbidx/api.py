"""The verbs an analyst uses in a notebook, as ``import mkbidx as mk``.

>>> import mkbidx as mk
>>> data = mk.load()                                  # the embedded sample (data/sample)
>>> table = mk.rank(data, "2024-08", scope="083")     # Mường Khương's 16 communes, ranked
>>> first = table.iloc[0]
>>> first["unit_name"], float(first["total"]), int(first["rank"])
('Xã Tả Ngải Chồ', 91.59, 1)
>>> float(mk.rank(data, "2024-08", scope="10").set_index("unit_code").loc["083", "total"])
88.23

Each verb is a thin call into the layers (:mod:`mkbidx.inputs`, :mod:`mkbidx.core`,
:mod:`mkbidx.reports`, :mod:`mkbidx.run`); ``mkbidx/__init__.py`` imports this module only when a
verb is first used, so ``import mkbidx`` and the command line stay fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from mkbidx import periods as _periods
from mkbidx.core import ranking
from mkbidx.core import trends as _trends
from mkbidx.core.ranking import Evaluation
from mkbidx.errors import MkbidxError
from mkbidx.inputs.loading import Inputs, data_periods, load_inputs
from mkbidx.inputs.units import default_registry
from mkbidx.paths import DEFAULT_DATA
from mkbidx.reports.common import gap_plan
from mkbidx.reports.explorer import Explorer
from mkbidx.run import monthly as _monthly
from mkbidx.run import trend as _trend

__all__ = ["explore", "gap", "load", "rank", "report", "score", "trend_report", "trends"]


def load(path: str | Path | None = None, *, methodology: str | None = None) -> Inputs:
    """Read a data file or folder (portal JSON, CSV/XLSX tables); default the embedded sample.

    Returns the data with its units' labels, the files read and the methodology.
    """
    return load_inputs(path if path not in (None, "") else DEFAULT_DATA, methodology=methodology)


def _months(data: Inputs, period: str | Sequence[str] | None) -> list[str]:
    available = data_periods(data)
    if period is None:
        return available
    wanted = [period] if isinstance(period, str) else list(period)
    missing = [p for p in wanted if p not in available]
    if missing:
        raise MkbidxError(
            f"không có số liệu kỳ {missing[0]} (missing period)",
            file=data.data_path,
            column="period",
            expected="một kỳ có trong dữ liệu: " + ", ".join(available[-8:]),
        )
    return wanted


def score(data: Inputs, period: str | Sequence[str] | None = None) -> Evaluation:
    """Score and rank every unit of the data in ``period`` (one, several, or all periods).

    Returns the :class:`~mkbidx.core.ranking.Evaluation`: metric scores, group scores and the
    ranking table (totals, ranks among peers, bands).
    """
    return ranking.evaluate_periods(data, _months(data, period))


def rank(data: Inputs, period: str, *, scope: str | None = None) -> pd.DataFrame:
    """The ranking of the units directly under ``scope`` in ``period`` (all units if None):
    six group scores, total, rank among peers and band, in rank order."""
    if not isinstance(period, str):
        raise MkbidxError(
            f"cần một kỳ (one period), không phải {period!r}",
            column="period",
            expected="vd. 2024-08",
        )
    return ranking.scope_rows(score(data, period).table, period=period, scope=scope)


def trends(
    data: Inputs, scope: str, start: str | None = None, end: str | None = None
) -> _trends.TrendFrames:
    """Every frame of the trend analysis of the units under ``scope`` from ``start`` to ``end``
    (months; default the whole data): totals over time, changes, streaks, rank moves, group
    decomposition, with the merged communes' history rebuilt across 1/7/2025."""
    ds = data.dataset
    merger = default_registry().merger_map()
    return _trends.trend_frames(
        ds.counts,
        data.units,
        scope=scope,
        start=start,
        end=end,
        published_groups=ds.published_groups,
        merger_map=merger,
        methodology=data.methodology,
    )


def gap(data: Inputs, period: str, scope: str) -> pd.DataFrame:
    """For each unit under ``scope`` below the top band in ``period``, the fewest additional
    dossiers or procedures that lift it there (each plan verified by rescoring)."""
    if not _periods.is_month(period):
        _periods.month_ordinal(period)  # raises the usual message
    table = rank(data, period, scope=scope)
    m = data.methodology
    below = table[table["total"].round(m.rank_decimals) < m.bands[0].min]
    return gap_plan(data, below["unit_code"], period=period, methodology=m)


def report(period: str, scope: str, **options: Any) -> _monthly.ReportResult:
    """Make the monthly report (``mkbidx report``): see :func:`mkbidx.run.monthly.run_report`."""
    return _monthly.run_report(period, scope, **options)


def trend_report(scope: str, first: str, last: str, **options: Any) -> _trend.TrendResult:
    """Make the trend report (``mkbidx trends``): see :func:`mkbidx.run.trend.run_trend_report`."""
    return _trend.run_trend_report(scope, first, last, **options)


def explore(data: Inputs, *, period: str | None = None, unit: str | None = None) -> Explorer:
    """The interactive explorer (ipywidgets) over the data."""
    return Explorer(data, period=period, unit=unit)
