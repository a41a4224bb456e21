"""Ranking: competition ranks among peers, bands, independence of row order, pooled parents."""

from __future__ import annotations

import pandas as pd
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from mkbidx import methodology
from mkbidx.core import ranking

M = methodology.load()


def totals(values, parent="083", level="commune", period="2024-08"):
    return pd.DataFrame(
        {
            "period": period,
            "unit_code": [f"{i:05d}" for i in range(len(values))],
            "total": values,
            "level": level,
            "parent_code": parent,
        }
    )


def test_competition_ranking_1_1_3():
    r = ranking.rank(totals([90.0, 95.5, 90.0, 70.0]), methodology=M)
    assert r["rank"].tolist() == [2, 1, 2, 4]
    assert r["rank_of"].tolist() == [4, 4, 4, 4]


def test_peers_are_same_period_level_and_parent():
    frame = pd.concat(
        [
            totals([80.0, 70.0]),
            totals([60.0], parent="084"),
            totals([88.23, 70.0], parent="10", level="district"),
            totals([99.0], period="2024-09"),
        ],
        ignore_index=True,
    )
    frame["unit_code"] = [f"u{i}" for i in range(len(frame))]
    r = ranking.rank(frame, methodology=M)
    assert r["rank"].tolist() == [1, 2, 1, 1, 2, 1]
    assert r["rank_of"].tolist() == [2, 2, 1, 2, 2, 1]


def test_bands_at_the_threshold():
    r = ranking.rank(totals([80.0, 79.99, 100.0, 0.0]), methodology=M)
    assert r["band"].tolist() == ["Tốt", "Chưa tốt", "Tốt", "Chưa tốt"]
    custom = M.with_bands([("Xuất sắc", 90), ("Tốt", 80), ("Cần cố gắng", 0)])
    r = ranking.rank(totals([95.0, 85.0, 50.0]), methodology=custom)
    assert r["band"].tolist() == ["Xuất sắc", "Tốt", "Cần cố gắng"]


@settings(max_examples=examples(400), deadline=None)
@given(
    st.lists(
        st.integers(min_value=0, max_value=10000).map(lambda c: c / 100), min_size=1, max_size=30
    ),
    st.randoms(use_true_random=False),
)
def test_ranks_do_not_depend_on_row_order(values, rnd):
    frame = totals(values)
    shuffled = frame.sample(frac=1, random_state=rnd.randint(0, 2**31)).reset_index(drop=True)
    a = ranking.rank(frame, methodology=M).set_index("unit_code")[["rank", "rank_of", "band"]]
    b = ranking.rank(shuffled, methodology=M).set_index("unit_code")[["rank", "rank_of", "band"]]
    pd.testing.assert_frame_equal(a.sort_index(), b.sort_index())
    # competition ranking: rank = 1 + number of strictly better peers
    better = [sum(v > x for v in values) + 1 for x in values]
    assert a.loc[frame["unit_code"], "rank"].tolist() == better


def test_evaluate_pools_a_parent_without_counts_and_ranks_wide():
    counts = pd.DataFrame(
        {
            "period": "2024-08",
            "unit_code": ["02752", "02755", "02752", "02755"],
            "group": ["tien_do", "tien_do", "thanh_toan", "thanh_toan"],
            "metric": ["ON_TIME", "ON_TIME", "ONLINE_PAYMENT_DOSSIERS", "ONLINE_PAYMENT_DOSSIERS"],
            "numerator": [30, 10, 0, 5],
            "denominator": [40, 10, 7, 5],
        }
    )
    units = pd.DataFrame(
        {
            "unit_code": ["083", "02752", "02755"],
            "unit_name": ["Huyện Mường Khương", "Xã Pha Long", "Xã Tả Ngải Chồ"],
            "level": ["district", "commune", "commune"],
            "parent_code": ["10", "083", "083"],
        }
    )
    ev = ranking.evaluate(counts, units, methodology=M)
    table = ev.table.set_index("unit_code")
    # 083 pooled: 40/50 on time → 16.00; payment 5/12 → 41.67 % → 2.50
    assert table.loc["083", "tien_do"] == 16.0
    assert table.loc["083", "thanh_toan"] == 2.5
    assert table.loc["083", "total"] == 18.5
    assert table.loc["02755", "rank"] == 1 and table.loc["02752", "rank"] == 2
    assert not table["complete"].any()  # four groups missing everywhere
    scoped = ranking.scope_table(ev.table, period="2024-08", scope="083")
    assert scoped["unit_code"].tolist() == ["02755", "02752"]
    assert list(scoped.columns[5:11]) == M.group_keys
