"""The dossiers that cost points: gains (against scoring done by hand), wording, the command."""

from __future__ import annotations

import pandas as pd
import pytest

from mkbidx import methodology as _methodology
from mkbidx.core.dossier_gain import GAIN_COLUMNS, dossier_gains, metric_gains
from mkbidx.errors import MkbidxError
from mkbidx.present import dossier_text

M = _methodology.load()
PERIOD = "2024-08"


def _counts(rows):
    return pd.DataFrame(
        [
            {
                "period": PERIOD,
                "unit_code": "02758",
                "group": group,
                "metric": metric,
                "numerator": n,
                "denominator": d,
            }
            for group, metric, n, d in rows
        ]
    )


# by hand (methodology 766): score = min(max, max / target · n / d), rounded to 2 decimals
COUNTS = _counts(
    [
        ("tien_do", "ON_TIME", 18, 20),  # 18,00 → 19,00: +1,00
        ("hai_long", "DOSSIER_RECEIVING_SATISFACTION", 17, 20),  # 6/0,9·0,85 = 5,67 → 6: +0,33
        ("dvc_truc_tuyen", "ONLINE_SUBMISSION", 12, 20),  # 60 % > target 50 %: full 6 already
        ("thanh_toan", "ONLINE_PAYMENT_DOSSIERS", 3, 8),  # 37,50 % · 6 = 2,25 → 3,00: +0,75
        ("so_hoa", "SO_HOA_GIAY_TO_GIAI_QUYET", 10, 20),  # 2,00 → 2,20: +0,20
        ("cong_khai", "PUBLISH_ON_TIME", 3, 4),  # not derivable: in the total, never bumped
    ]
)
HAND = {
    "ON_TIME": 1.00,
    "DOSSIER_RECEIVING_SATISFACTION": 0.33,
    "ONLINE_SUBMISSION": 0.00,
    "ONLINE_PAYMENT_DOSSIERS": 0.75,
    "SO_HOA_GIAY_TO_GIAI_QUYET": 0.20,
}


def _costly(rows):
    base = {"unit_code": "02758", "procedure_code": "1.000001", "days_late": 0}
    return pd.DataFrame([{**base, **r} for r in rows])


COSTLY = _costly(
    [
        {"dossier_id": "A", "metric": "ON_TIME", "reason": "late", "days_late": 3},
        {
            "dossier_id": "A",
            "metric": "DOSSIER_RECEIVING_SATISFACTION",
            "reason": "late",
            "days_late": 3,
        },
        {"dossier_id": "B", "metric": "ON_TIME", "reason": "late", "days_late": 5},
        {
            "dossier_id": "B",
            "metric": "DOSSIER_RECEIVING_SATISFACTION",
            "reason": "late",
            "days_late": 5,
        },
        {"dossier_id": "C", "metric": "ONLINE_SUBMISSION", "reason": "not_online"},
        {"dossier_id": "D", "metric": "ONLINE_PAYMENT_DOSSIERS", "reason": "fee_not_paid_online"},
        {"dossier_id": "E", "metric": "SO_HOA_GIAY_TO_GIAI_QUYET", "reason": "no_component_file"},
        {"dossier_id": "E", "metric": "ONLINE_SUBMISSION", "reason": "not_online"},
        {"dossier_id": "F", "metric": "DOSSIER_RECEIVING_SATISFACTION", "reason": "complained"},
    ]
)


def test_metric_gains_match_scoring_by_hand():
    gains = metric_gains(COUNTS, list(HAND), methodology=M)
    assert gains.to_dict() == pytest.approx(HAND, abs=1e-9)


def test_metric_gain_of_a_metric_the_unit_lacks_is_zero():
    assert metric_gains(COUNTS, ["REUSED_DIGITIZED_DATA"], methodology=M).tolist() == [0.0]


def test_dossier_gains_sum_the_metrics_and_order_by_gain_then_days_late_then_id():
    out = dossier_gains(COSTLY, COUNTS, methodology=M)
    assert list(out.columns) == list(GAIN_COLUMNS)
    assert out["dossier_id"].tolist() == ["B", "A", "D", "F", "E", "C"]
    gains = dict(zip(out["dossier_id"], out["gain"], strict=True))
    assert gains == pytest.approx(
        {"A": 1.33, "B": 1.33, "C": 0.0, "D": 0.75, "E": 0.20, "F": 0.33}, abs=1e-9
    )
    e = out.set_index("dossier_id").loc["E"]
    assert e["metrics"] == ("SO_HOA_GIAY_TO_GIAI_QUYET", "ONLINE_SUBMISSION")
    assert e["reasons"] == ("no_component_file", "not_online")


def test_dossier_gain_is_the_rescored_total_when_one_metric():
    # fixing D alone: rescore the whole unit with the numerator + 1 and compare totals
    from mkbidx.core import scoring

    before = scoring.score(COUNTS, methodology=M).totals["total"].iloc[0]
    bumped = COUNTS.copy()
    bumped.loc[bumped["metric"] == "ONLINE_PAYMENT_DOSSIERS", "numerator"] += 1
    after = scoring.score(bumped, methodology=M).totals["total"].iloc[0]
    out = dossier_gains(COSTLY, COUNTS, methodology=M).set_index("dossier_id")
    assert out.loc["D", "gain"] == pytest.approx(round(after - before, 2), abs=1e-9)


def test_no_costly_dossier_gives_an_empty_frame():
    out = dossier_gains(COSTLY.iloc[0:0], COUNTS, methodology=M)
    assert out.empty and list(out.columns) == list(GAIN_COLUMNS)


# --------------------------------------------------------------------------- wording
@pytest.mark.parametrize(
    ("code", "kw", "text"),
    [
        ("late", {"days_late": 3}, "quá hạn 3 ngày"),
        ("late", {"days_late": 0}, "quá hạn dưới 1 ngày"),
        ("supplements", {"supplements": 2}, "yêu cầu bổ sung hồ sơ 2 lần"),
        ("supplements", {}, "yêu cầu bổ sung hồ sơ từ 2 lần trở lên"),
        ("fee_not_paid_online", {}, "có phí, lệ phí nhưng không thanh toán trực tuyến"),
        ("not_online", {}, "nộp trực tiếp, không nộp trực tuyến"),
        ("no_e_result", {}, "không có kết quả giải quyết điện tử"),
        ("not_synced", {}, "chưa đồng bộ lên Cổng DVCQG"),
    ],
)
def test_reason_wording(code, kw, text):
    assert dossier_text.reason_text(code, **kw) == text


def test_every_reason_code_has_vietnamese_wording():
    from mkbidx.inputs.dossiers.costly import REASONS

    codes = set(REASONS)  # every reason the engine gives
    assert len(codes) == 11
    assert set(dossier_text.REASONS) == codes
    assert all(dossier_text.reason_text(c) != c for c in codes)


def test_explain_lines_name_reasons_metrics_and_gains_in_order():
    gains = dossier_gains(COSTLY, COUNTS, methodology=M)
    frame = dossier_text.explain_frame(
        gains, methodology=M, unit_names={"02758": "Xã Tung Chung Phố"}
    )
    assert frame["order"].tolist() == [1, 2, 3, 4, 5, 6]
    lines = dossier_text.explain_lines(
        frame, unit_name="Xã Tung Chung Phố", unit_code="02758", period=PERIOD, limit=4
    )
    assert lines[0].startswith("Xã Tung Chung Phố (02758), tháng 8/2024: 6 hồ sơ làm giảm điểm")
    assert "1. B (TTHC 1.000001)  +1,33 điểm  quá hạn 5 ngày [" in lines[1]
    assert "Tỷ lệ hồ sơ giải quyết đúng hạn; Tỷ lệ hài lòng" in lines[1]
    assert "2. A" in lines[2] and "quá hạn 3 ngày" in lines[2]
    assert "+0,75 điểm  có phí, lệ phí nhưng không thanh toán trực tuyến" in lines[3]
    assert "+0,33 điểm  có phản ánh, kiến nghị hoặc đánh giá không hài lòng" in lines[4]
    assert lines[5] == "… và 2 hồ sơ khác (--limit để xem thêm)"
    assert len(lines) == 6


# --------------------------------------------------------------------------- explain, section
class FakeTable:
    """A DossierTable-like object (see ``open_dossiers``): fixed counts and costly dossiers."""

    def __init__(self, counts, costly, path="hs.parquet", latest=None):
        self.path, self.latest, self.engine = path, latest, "fake"
        self._counts, self._costly = counts, costly
        self.units = tuple(sorted(set(counts["unit_code"])))
        self.metrics = tuple(dict.fromkeys(counts["metric"]))

    def counts(self, period, *, as_of=None):
        return self._counts[self._counts["period"] == period]

    def costly(self, period, *, unit_code=None, metric=None, as_of=None):
        out = self._costly
        if unit_code is not None:
            out = out[out["unit_code"] == unit_code]
        if metric is not None:
            out = out[out["metric"] == metric]
        return out


def _sync(unit="02758", n=20):
    return pd.DataFrame(
        [
            {
                "period": PERIOD,
                "unit_code": unit,
                "group": "cong_khai",
                "metric": "DOSSIER_SYNC",
                "numerator": n,
                "denominator": n,
            }
        ]
    )


def test_explain_resolves_a_name_and_prices_the_dossiers():
    from mkbidx.inputs.units import default_registry
    from mkbidx.reports.dossiers import explain

    table = FakeTable(pd.concat([COUNTS, _sync()], ignore_index=True), COSTLY)
    result = explain(table, PERIOD, "Tung Chung Pho", methodology=M, registry=default_registry())
    assert result.unit_code == "02758" and result.unit_name == "Xã Tung Chung Phố"
    assert result.frame["dossier_id"].tolist() == ["B", "A", "D", "F", "E", "C"]
    only = explain(table, PERIOD, "02758", methodology=M, metric="ONLINE_SUBMISSION")
    assert only.frame["dossier_id"].tolist() == ["C", "E"]  # gain 0 each: by id


def test_explain_refuses_a_unit_without_dossiers_in_one_line():
    from mkbidx.inputs.units import default_registry
    from mkbidx.reports.dossiers import explain

    table = FakeTable(pd.concat([COUNTS, _sync()], ignore_index=True), COSTLY)
    with pytest.raises(MkbidxError) as err:
        explain(table, PERIOD, "Lùng Vai", methodology=M, registry=default_registry())
    text = str(err.value)
    assert "không có hồ sơ nào" in text and "02785" in text and "\n" not in text
    with pytest.raises(MkbidxError, match="không tính được từ hồ sơ"):
        explain(table, PERIOD, "02758", methodology=M, metric="PUBLISH_ON_TIME")


def test_report_section_lists_units_below_80_with_their_top_dossiers(tmp_path):
    from mkbidx.core import ranking
    from mkbidx.inputs import loading
    from mkbidx.paths import DEFAULT_DATA
    from mkbidx.reports.dossiers import dossier_section

    inputs = loading.load_inputs(DEFAULT_DATA / "mkbidx-sample-counts.csv")
    ev = ranking.evaluate_periods(inputs, [PERIOD])
    table = ranking.scope_table(ev.table, period=PERIOD, scope="083")
    below = table[table["total"] < 80]
    above = table[table["total"] >= 80]
    units = [below["unit_code"].iloc[0], above["unit_code"].iloc[0]]
    costly = pd.concat(
        [
            _costly(
                [
                    {
                        "dossier_id": f"{u}-{i:02d}",
                        "metric": "ON_TIME",
                        "reason": "late",
                        "days_late": i,
                    }
                    for i in range(12)
                ]
            ).assign(unit_code=u)
            for u in units
        ],
        ignore_index=True,
    )
    file = tmp_path / "hs.parquet"
    file.write_bytes(b"fake")
    fake = FakeTable(pd.concat([_sync(u) for u in units], ignore_index=True), costly, path=file)
    ds, source = loading.with_dossiers(inputs.dataset, inputs.units, fake, periods=[PERIOD])
    inputs.dataset, inputs.dossier_table, inputs.dossier_source = ds, fake, source
    section = dossier_section(inputs, table, period=PERIOD, methodology=M)
    assert [u["code"] for u in section.units] == [units[0]]  # the unit above 80 is left out
    u = section.units[0]
    assert u["count"] == 12 and u["rest"] == 2 and len(u["rows"]) == 10
    assert u["rows"][0]["dossier_id"] == f"{units[0]}-11"  # same gain: most days late first
    assert u["rows"][0]["reasons"] == "quá hạn 11 ngày"
    html = str(section.view)
    assert "Hồ sơ làm giảm điểm" in html and "… và 2 hồ sơ khác" in html
    assert "Từ hồ sơ: 1 chỉ số × 2 đơn vị" in html
    assert len(section.table()) == 12
