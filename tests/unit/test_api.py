"""The analyst's verbs (``import mkbidx as mk``) on the embedded sample."""

from __future__ import annotations

import subprocess
import sys

import pytest

import mkbidx as mk
from mkbidx.errors import MkbidxError

LETTER_BELOW = {"02782", "02767", "02758"}  # Cao Sơn, Tả Gia Khâu, Tung Chung Phố


@pytest.fixture(scope="module")
def data():
    return mk.load()


def test_import_is_lazy():
    code = "import sys, mkbidx; print('pandas' in sys.modules, 'mkbidx.api' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError):
        _ = mk.no_such_verb
    assert {"load", "rank", "gap"} <= set(dir(mk))


def test_rank_reproduces_the_letter(data):
    districts = mk.rank(data, "2024-08", scope="10").set_index("unit_code")
    assert districts.loc["083", "total"] == 88.23
    assert (districts.loc["083", "rank"], districts.loc["083", "rank_of"]) == (1, 9)
    communes = mk.rank(data, "2024-08", scope="083")
    assert len(communes) == 16
    assert set(communes.loc[communes["total"] < 80, "unit_code"]) == LETTER_BELOW
    assert list(communes["rank"]) == sorted(communes["rank"])


def test_a_scope_without_units_or_no_period_is_an_error_not_an_empty_table(data):
    """A typo in a notebook must not look like a month without data."""
    for verb in (mk.rank, mk.gap):
        with pytest.raises(MkbidxError, match="empty scope") as info:
            verb(data, "2024-08", scope="99999")
        assert "083" in str(info.value)  # the scopes there are
    with pytest.raises(MkbidxError, match="one period"):
        mk.rank(data, None)


def test_score_one_or_several_periods(data):
    ev = mk.score(data, ["2024-07", "2024-08"])
    assert set(ev.table["period"]) == {"2024-07", "2024-08"}
    with pytest.raises(MkbidxError, match="2031-01"):
        mk.score(data, "2031-01")


def test_gap_plans_the_units_below_80(data):
    plan = mk.gap(data, "2024-08", "083")
    assert set(plan["unit_code"]) == LETTER_BELOW
    reached = plan.groupby("unit_code")["score_after"].max()
    assert (reached >= 80).all()


def test_trends_cover_the_range(data):
    frames = mk.trends(data, "083", "2024-01", "2024-12")
    assert frames.series["period"].min() == "2024-01"
    assert frames.series["period"].max() == "2024-12"
    assert frames.series["unit_code"].nunique() == 16
