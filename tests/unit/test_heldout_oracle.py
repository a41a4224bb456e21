"""Held-out real portal responses (issue 13): every published score recomputed from raw counts.

The files under ``tests/fixtures/portal/heldout/`` are excerpts of real DVCQG responses (Phú Thọ,
month 8, quarter 3 and year 2026, all procedures) kept as read from the public repository
``ChippedTopaz/qd766`` (see the README there). Their names carry no period mkbidx recognises;
``reconcile`` does not need one.

Measured with the default arithmetic (binary64): 90 of 90 published scores reproduced. One of
them fixed the order of operations in the payment group: quarter payment of xã Xuân Lũng
(H44.105), 2226/2494 → 89.25 %, published 6.94. The portal evaluates part A as
``6 × 89.25 / 100`` = the double 5.35500000000000042… → 5.36; ``6 × 0.8925`` would be
5.35499999999999953… → 5.35 and a total of 6.93.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from mkbidx import methodology
from mkbidx.core import scoring
from mkbidx.inputs import readers

ROOT = Path(__file__).resolve().parents[2]
HELDOUT = ROOT / "tests" / "fixtures" / "portal" / "heldout"
BINARY = methodology.load()

FILES = sorted(HELDOUT.glob("*/*.json"))
# The file whose tie settles the order of operations of payment part A (see module doc).
ORDER_CASE = HELDOUT / "formality-online-payment-tree" / "quarter-all.json"

TOTAL_RECOMPUTABLE = 90
TOTAL_REPRODUCED = 90


def _reconcile(paths: list[Path]) -> pd.DataFrame:
    dataset = readers.read(paths, methodology=BINARY, files_independent=True)
    return scoring.reconcile(dataset, methodology=BINARY)


def _recomputable(result: pd.DataFrame) -> pd.DataFrame:
    return result[result["status"] != "not_recomputable"]


def test_heldout_set_is_present():
    assert [f"{p.parent.name}/{p.name}" for p in FILES] == [
        "dvc-progress-tree/month-all.json",
        "dvc-progress-tree/quarter-all.json",
        "dvc-progress-tree/year-all.json",
        "formality-online-payment-tree/month-all.json",
        "formality-online-payment-tree/quarter-all.json",
        "formality-online-payment-tree/year-all.json",
    ]


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_heldout_file_reconciles_without_differences(path):
    result = _recomputable(_reconcile([path]))
    assert len(result)
    assert result["status"].eq("reproduced").all(), result[result["status"] != "reproduced"]


def test_heldout_total():
    result = _recomputable(_reconcile(FILES))
    assert len(result) == TOTAL_RECOMPUTABLE
    assert int(result["status"].eq("reproduced").sum()) == TOTAL_REPRODUCED


def test_payment_part_a_multiplies_by_the_percent_before_dividing_by_100():
    result = _recomputable(_reconcile([ORDER_CASE]))
    row = result[(result["unit_code"] == "H44.105") & (result["group"] == "thanh_toan")]
    assert row[["published", "status"]].values.tolist() == [[6.94, "reproduced"]]
    # 2226/2494 = 89.2542… % → 89.25 %: the two orders of the same product lie on either side.
    assert Decimal(6 * 89.25 / 100) > Decimal("5.355") > Decimal(6 * (89.25 / 100))
