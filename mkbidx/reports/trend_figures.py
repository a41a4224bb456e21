"""The trend report's figures, one call each to a complete chart of
:mod:`mkbidx.present.trend_plots` with the report's options (nothing is changed afterwards).

TRANSITIONAL: each function returns a draw callable for the report's ``render_png(draw,
title=...)``. Once the report renders with :func:`mkbidx.present.plots.render_png` and passes
the titles to the chart functions (the calls are in the functions below), this module can go;
its helpers now live in :mod:`mkbidx.present.trend_plots` (``axis_floor``, ``display_names``,
``unit_names``, ``BUMP_ALL_COLOURS``, ``BUMP_HIGHLIGHT``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from mkbidx.present import trend_plots as tp

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from mkbidx.methodology import Methodology

BUMP_ALL_COLOURS = tp.BUMP_ALL_COLOURS
BUMP_HIGHLIGHT = tp.BUMP_HIGHLIGHT
display_names = tp.display_names
_names = tp.unit_names
_axis_floor = tp.axis_floor

Draw = Callable[[], "Axes"]


def _small_multiples(series: pd.DataFrame, m: Methodology, title: str) -> Draw:
    """The facet grid (also the merger chart), titled; returns its first Axes."""
    floor = tp.axis_floor(series["total"], float(m.bands[0].min))
    return lambda: tp.plot_small_multiples(series, methodology=m, floor=floor, title=title).axes[0]


def _bump(ranks: pd.DataFrame) -> Draw:
    """The bump chart (largest risers and fallers in colour when there are many units)."""
    return lambda: tp.plot_bump(ranks)


def _peers_chart(r: Any) -> Draw:
    """The scope against its peers (alone: its own trend), with the comparison unit."""
    return lambda: tp.plot_peers(
        r.peers,
        highlight=r.scope,
        compare=r.params.compare_scope or None,
        threshold=r.threshold,
        methodology=r.methodology,
        floor=tp.axis_floor(r.peers["total"], r.threshold),
    )


def _decomposition_chart(decomposition: pd.DataFrame, m: Methodology) -> Draw:
    """Which groups drove each unit's change."""
    return lambda: tp.plot_decomposition(decomposition, methodology=m)


def _comparison_chart(r: Any) -> Draw:
    """Two periods side by side."""
    c = r.comparison
    floor = tp.axis_floor(pd.concat([c["first_total"], c["second_total"]]), r.threshold)
    return lambda: tp.plot_period_comparison(
        c, threshold=r.threshold, methodology=r.methodology, floor=floor
    )
