"""Gap to target, batched: the stacked states scored in one call equal each state scored on its
own by the scoring pipeline, and a scope's plans equal each unit planned alone.

:func:`mkbidx.core.gap.to_target` builds the states of all units as one frame (rows taken by
position, changed numerators set by position) and plans every unit together; these tests check
that batching changes no total and no plan."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import NO_SAMPLE, SAMPLE, requires

from mkbidx import methodology
from mkbidx.core import gap, scoring

M = methodology.load()
SAMPLE_COUNTS = SAMPLE / "mkbidx-sample-counts.csv"
pytestmark = requires(SAMPLE_COUNTS.exists(), NO_SAMPLE)


@pytest.fixture(scope="module")
def inputs():
    from mkbidx.inputs.loading import load_inputs

    return load_inputs(Path(SAMPLE))


def month(inputs, period: str) -> dict:
    ds = inputs.dataset
    return {
        "counts": ds.counts[ds.counts["period"] == period],
        "units": inputs.units[inputs.units["period"] == period],
        "published_groups": ds.published_groups[ds.published_groups["period"] == period],
    }


def alone_total(counts: pd.DataFrame, published: pd.DataFrame | None, m=M) -> int:
    """The total (hundredths) of one state scored on its own, as the pipeline does."""
    frame = counts.assign(period="p", unit_code="u")
    groups = scoring.score_groups(scoring.score_metrics(frame, methodology=m), methodology=m)
    if published is not None and len(published):
        groups = scoring.combine_groups(groups, published.assign(period="p", unit_code="u"))
    totals = scoring.score_totals(groups, methodology=m)["total"]
    return round(float(totals.iloc[0]) * 100) if len(totals) else 0


@pytest.mark.parametrize(
    "option",
    [{}, pytest.param({"petitions_without_data": "redistribute"}, marks=pytest.mark.slow)],
)
def test_batched_totals_equal_each_state_scored_on_its_own(inputs, option):
    m = methodology.load(options=option)
    data = month(inputs, "2024-08")
    counts = data["counts"].assign(unit_code=data["counts"]["unit_code"].astype(str))
    pub = data["published_groups"].assign(
        unit_code=data["published_groups"]["unit_code"].astype(str)
    )
    codes = sorted(counts["unit_code"].unique())
    units, has = gap._stack(counts, pub, codes)
    assert all(has) and units.codes == codes
    rng = np.random.default_rng(3)
    states = []
    for _ in range(40):
        u = int(rng.integers(len(codes)))
        rows = np.flatnonzero(
            units.denominator[units.start[u] : units.start[u] + units.size[u]] > 0
        )
        picked = rng.choice(rows, size=min(len(rows), int(rng.integers(0, 4))), replace=False)
        changes = [
            (int(r), float(rng.integers(0, 1 + units.denominator[units.start[u] + r])))
            for r in picked
        ]
        states.append((u, changes))
    got = gap._totals(m, units, states)
    for (u, changes), total in zip(states, got, strict=True):
        start, size = int(units.start[u]), int(units.size[u])
        state = units.counts.iloc[start : start + size].reset_index(drop=True)
        for row, value in changes:
            state.loc[row, "numerator"] = value
        published = units.published.iloc[
            int(units.pub_start[u]) : int(units.pub_start[u] + units.pub_size[u])
        ]
        assert total == alone_total(state, published, m)


@pytest.mark.parametrize(
    ("period", "target"),
    [("2024-08", None), pytest.param("2025-03", 95.0, marks=pytest.mark.slow)],
)
def test_a_scope_plan_is_each_unit_planned_alone(inputs, period, target):
    data = month(inputs, period)
    together = gap.to_target(**data, period=period, scope="083", target=target, methodology=M)
    children = data["units"].loc[data["units"]["parent_code"] == "083", "unit_code"]
    assert len(together)
    for code in children:
        alone = gap.to_target(
            **data, period=period, unit_codes=[code], target=target, methodology=M
        )
        mine = together[together["unit_code"] == code].reset_index(drop=True)
        if alone.empty:  # at the target: no rows
            assert mine.empty
            continue
        pd.testing.assert_frame_equal(mine, alone, check_exact=True)


def test_a_parent_without_counts_asked_by_code_is_pooled(inputs):
    data = month(inputs, "2024-08")
    assert not (data["counts"]["unit_code"] == "10").any()  # the province has no counts of its own
    every = gap.to_target(**data, period="2024-08", target=95.0, methodology=M)
    alone = gap.to_target(**data, period="2024-08", unit_codes=["10"], target=95.0, methodology=M)
    assert len(alone) and (alone["note"] != gap.NOTE_NO_COUNTS).all()
    pd.testing.assert_frame_equal(
        every[every["unit_code"] == "10"].reset_index(drop=True), alone, check_exact=True
    )
