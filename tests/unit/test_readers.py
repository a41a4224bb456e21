"""Tests of mkbidx.inputs.readers: real portal samples, CSV/Excel tables, and every kind of bad
input."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mkbidx import methodology
from mkbidx.errors import MkbidxError
from mkbidx.inputs import readers

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample" / "phu-tho-2026-08"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "readers"
ENDPOINTS = (
    "transparency",
    "dvc-progress-tree",
    "provide-online-tree",
    "formality-online-payment-tree",
    "handling-satisfaction",
    "dossier-digitized",
)


@pytest.fixture(scope="module")
def sample() -> readers.Dataset:
    return readers.read(SAMPLE)


def _rows(frame: pd.DataFrame, **where) -> pd.DataFrame:
    mask = pd.Series(True, index=frame.index)
    for col, value in where.items():
        mask &= frame[col] == value
    return frame[mask]


def _count(ds: readers.Dataset, unit: str, metric: str) -> pd.Series:
    rows = _rows(ds.counts, unit_code=unit, metric=metric)
    assert len(rows) == 1, rows
    return rows.iloc[0]


def _write_json(path: Path, doc) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _sample_doc(endpoint: str) -> dict:
    return json.loads((SAMPLE / f"{endpoint}.json").read_text(encoding="utf-8"))


def _error(paths, **kwargs) -> str:
    with pytest.raises(MkbidxError) as info:
        readers.read(paths, **kwargs)
    return str(info.value)


# ----------------------------------------------------------------------------- real samples
def test_sample_folder_reads_all_six_endpoints(sample):
    assert [p.name for p in sample.files] == sorted(f"{e}.json" for e in ENDPOINTS)
    assert set(sample.counts["period"]) == {"2026-08"}
    assert set(sample.published_groups["period"]) == {"2026-08"}
    m = methodology.load()
    assert set(sample.published_groups["group"]) == set(m.group_keys)
    by_group = sample.published_groups.groupby("group")["endpoint"].unique()
    for g in m.groups:
        assert list(by_group[g.key]) == [g.endpoint]
    assert list(sample.counts.columns) == list(readers.COUNTS_COLUMNS)
    assert list(sample.published_groups.columns) == list(readers.GROUPS_COLUMNS)
    assert list(sample.units.columns) == list(readers.UNITS_COLUMNS)


def test_each_sample_file_loads_alone():
    for endpoint in ENDPOINTS:
        ds = readers.read(SAMPLE / f"{endpoint}.json")
        assert len(ds.published_groups) >= 1
        assert ds.units["is_root"].sum() == 1


def test_progress_tree_structure(sample):
    units = _rows(sample.units, source_file=str(SAMPLE / "dvc-progress-tree.json"))
    assert len(units) == 164
    root = units[units["is_root"]].iloc[0]
    assert root["unit_code"] == "H44"
    assert root["unit_name"] == "UBND tỉnh Phú Thọ"
    assert root["level"] == "province"
    assert root["parent_code"] is None
    children = units[~units["is_root"]]
    assert set(children["parent_code"]) == {"H44"}
    assert children["level"].value_counts().to_dict() == {"commune": 148, "department": 15}
    assert set(children["portal_level"]) == {"COMMUNE", "PROVINCE"}
    assert _rows(children, unit_code="H44.100")["unit_name"].item() == "UBND Phường Việt Trì"

    on_time = _rows(sample.counts, group="tien_do")
    assert len(on_time) == 164 and set(on_time["metric"]) == {"ON_TIME"}
    h44 = _count(sample, "H44", "ON_TIME")
    assert (h44["numerator"], h44["denominator"]) == (144625, 184513)
    assert math.isnan(h44["published_score"])  # shape B publishes group scores only
    children_counts = on_time[on_time["unit_code"] != "H44"]
    assert children_counts["numerator"].sum() == 144625
    assert children_counts["denominator"].sum() == 184513

    pub = _rows(sample.published_groups, group="tien_do")
    assert len(pub) == 164
    assert _rows(pub, unit_code="H44")[["published_score", "published_max"]].values.tolist() == [
        [15.68, 20.0]
    ]
    assert _rows(pub, unit_code="H44.03")["published_score"].item() == 16.53


def test_progress_tree_unknown_fields_are_kept(sample):
    units = _rows(sample.units, source_file=str(SAMPLE / "dvc-progress-tree.json"))
    root = units[units["is_root"]].iloc[0]["extra"]
    assert root["totalCompleted"] == 147765
    assert root["avgProcessingDays"] == 7.05
    assert len(root["monthlyChart"]) == 12  # a data-level field, kept on the root
    child = _rows(units, unit_code="H44.03").iloc[0]["extra"]
    assert child["totalOverdue"] == 102
    assert "scoreDelta" in child and child["departmentId"].startswith("019d2be3")
    assert "totalOnTime" not in child  # consumed into counts


def test_payment_root_counts(sample):
    assert _rows(sample.counts, unit_code="H44", group="thanh_toan")["metric"].tolist() == [
        "ONLINE_PAYMENT_DOSSIERS",
        "ONLINE_PAYMENT_FORMALITIES",
        "FEE_FORMALITIES_ON_PORTAL",
    ]
    values = {
        "ONLINE_PAYMENT_DOSSIERS": (82913, 98459),
        "ONLINE_PAYMENT_FORMALITIES": (93, 310),
        "FEE_FORMALITIES_ON_PORTAL": (56, 310),
    }
    for metric, expected in values.items():
        row = _count(sample, "H44", metric)
        assert (row["numerator"], row["denominator"]) == expected
    pub = _rows(sample.published_groups, unit_code="H44", group="thanh_toan").iloc[0]
    assert (pub["published_score"], pub["published_max"]) == (6.25, 10.0)
    assert len(_rows(sample.counts, group="thanh_toan")) == 37 * 3
    extra = _rows(sample.units, unit_code="H44", source_file=str(pub["source_file"]))
    assert extra["extra"].item()["totalFeeDossierFormalityDistinct"] == 310


def test_provide_online_root_counts_sum_the_listed_fields(sample):
    rows = _rows(sample.counts, unit_code="H44", group="dvc_truc_tuyen")
    got = {r.metric: (r.numerator, r.denominator) for r in rows.itertuples()}
    assert got == {
        "ONLINE_PROCEDURES": (31 + 21, 56),  # partialCount + fullCount over authorityCount
        "ONLINE_SERVICES_WITH_DOSSIERS": (406, 1968),
        "ONLINE_SUBMISSION": (150956, 152595),
    }
    root = _rows(
        sample.units, unit_code="H44", source_file=str(SAMPLE / "provide-online-tree.json")
    )
    assert root["level"].item() == "province"  # shape-B root has no level: taken from elsewhere


def test_shape_a_metrics_and_data_quality_status(sample):
    sync = _count(sample, "H44", "DOSSIER_SYNC")
    assert sync["data_quality_status"] == "TEMP_NATIONAL_REPORT_DENOMINATOR"
    assert (sync["numerator"], sync["denominator"]) == (138744, 138744)
    assert (sync["published_ratio"], sync["published_score"]) == (100, 6)
    transparency = _rows(sample.counts, group="cong_khai")
    assert transparency["data_quality_status"].value_counts().to_dict() == {
        "TEMP_NATIONAL_REPORT_DENOMINATOR": 14,
        "NO_NATIONAL_REPORT_DATA": 1,
    }
    null_ratio = _count(sample, "H44", "PUBLISH_ON_TIME")
    assert (null_ratio["numerator"], null_ratio["denominator"]) == (0, 0)
    assert math.isnan(null_ratio["published_ratio"]) and math.isnan(null_ratio["published_score"])

    copy = _count(sample, "H44", "ELECTRONIC_CERTIFIED_COPY")
    assert math.isnan(copy["numerator"]) and math.isnan(copy["denominator"])
    assert (copy["published_ratio"], copy["published_score"]) == (100, 2)

    info = _count(sample, "H44", "PETITION_CLASSIFICATION_TTHC")  # maxScore 0, kept
    assert (info["numerator"], info["denominator"], info["published_ratio"]) == (179, 247, 72.47)
    assert math.isnan(info["published_score"])
    assert len(_rows(sample.counts, group="hai_long")) == 13 * 5
    assert len(_rows(sample.counts, group="so_hoa")) == 9 * 7


def test_root_without_code_is_mapped_by_name(sample):
    roots = sample.units[sample.units["is_root"]]
    assert set(roots["unit_code"]) == {"H44"}
    assert len(roots) == 6
    for endpoint in ("transparency", "handling-satisfaction"):
        units = _rows(sample.units, source_file=str(SAMPLE / f"{endpoint}.json"))
        children = units[~units["is_root"]]
        assert set(children["parent_code"]) == {"H44"}
        # children keep their departmentId: their placeholder names match no coded unit
        assert children["unit_code"].str.len().eq(36).all()
    satisfaction = _rows(sample.published_groups, unit_code="H44", group="hai_long")
    assert satisfaction["published_score"].item() == 12.96
    assert any("'UBND tỉnh Phú Thọ' → H44" in n for n in sample.notes)


def test_root_without_code_alone_keeps_department_id():
    ds = readers.read(SAMPLE / "transparency.json")
    root = ds.units[ds.units["is_root"]].iloc[0]
    assert root["unit_code"] == "f5228b5a-6254-7b02-81c3-4f9ef0330709"
    assert any("departmentId" in n for n in ds.notes)


def test_shape_a_levels_and_unknown_fields(sample):
    units = _rows(sample.units, source_file=str(SAMPLE / "dossier-digitized.json"))
    assert units.set_index("unit_code")["level"].to_dict() == {
        "H44": "province",
        "H44.01": "department",
        "H44.03": "department",
        "H44.07": "department",
        "H44.08": "department",
        "H44.100": "commune",
        "H44.101": "commune",
        "H44.102": "commune",
        "H44.103": "commune",
    }
    assert set(units["department_type"]) == {
        "PROVINCE",
        "PROVINCIAL_DEPARTMENT",
        "COMMUNE_PEOPLE_COMMITTEE",
    }
    root = units[units["is_root"]].iloc[0]["extra"]
    assert root["agencyLevel"] == "level_1" and root["stt"] == 1 and root["ratio"] == 37.45
    satisfaction = _rows(sample.units, unit_code="H44", is_root=True)
    extras = {Path(r.source_file).stem: r.extra for r in satisfaction.itertuples()}
    assert extras["handling-satisfaction"]["totalPetitions"] == 247
    assert extras["transparency"]["averageScore"] == 7.89


# ----------------------------------------------------------------------------- JSON variants
def test_group_is_detected_from_content_not_file_name(tmp_path):
    doc = _sample_doc("dvc-progress-tree")
    path = _write_json(tmp_path / "phu-tho-2026-08" / "transparency.json", doc)
    ds = readers.read(path)
    assert set(ds.counts["group"]) == {"tien_do"}
    assert set(ds.published_groups["endpoint"]) == {"dvc-progress-tree"}
    assert set(ds.counts["period"]) == {"2026-08"}
    assert any("tien_do" in n and "transparency" in n for n in ds.notes)
    shape_a = _write_json(tmp_path / "x" / "capture-2026-08.json", _sample_doc("dossier-digitized"))
    assert set(readers.read(shape_a).counts["group"]) == {"so_hoa"}


def test_methodology_option_changes_shape_b_denominator(tmp_path):
    doc = _sample_doc("formality-online-payment-tree")
    doc["data"]["parent"]["totalFeeDossierFormalityDistinct"] = 300
    path = _write_json(tmp_path / "pay-2026-08.json", doc)
    default = _count(readers.read(path), "H44", "ONLINE_PAYMENT_FORMALITIES")
    assert default["denominator"] == 310
    m = methodology.load(
        options={"payment_formalities_denominator": "totalFeeDossierFormalityDistinct"}
    )
    changed = _count(readers.read(path, methodology=m), "H44", "ONLINE_PAYMENT_FORMALITIES")
    assert changed["denominator"] == 300
    extra = readers.read(path, methodology=m).units.iloc[0]["extra"]
    assert "totalFeeDossierFormalityDistinct" not in extra  # now a count, not an extra field


def test_shape_b_children_without_counts_give_published_scores_and_a_note(tmp_path):
    doc = _sample_doc("provide-online-tree")
    doc["data"]["children"] = [
        {"departmentCode": f"H44.{i}", "departmentName": f"Xã {i}", "level": "COMMUNE",
         "totalScore": i / 10 - 1, "totalMaxScore": 12}
        for i in range(100, 112)
    ]  # fmt: skip
    path = _write_json(tmp_path / "provide-online-tree-2026-08.json", doc)
    ds = readers.read(path)
    assert set(ds.counts["unit_code"]) == {"H44"}
    assert len(ds.published_groups) == 13
    assert _rows(ds.published_groups, unit_code="H44.105")["published_score"].item() == 9.5
    assert set(ds.units["level"]) == {"province", "commune"}
    note = [n for n in ds.notes if "provide-online-tree" in n and "12 đơn vị" in n]
    assert note and "no raw counts" in note[0]


def test_tolerant_json_wrapped_strings_and_empty_children(tmp_path):
    doc = {
        "code": "OK",
        "message": "OK",
        "data": {
            "data": {
                "parent": {
                    "departmentCode": "H44",
                    "departmentName": "UBND tỉnh Phú Thọ",
                    "totalReceived": "184513",
                    "totalOnTime": "144625",
                    "totalScore": "15.68",
                    "totalMaxScore": 20,
                    "newPortalField": {"a": 1},
                },
                "children": None,
            }
        },
    }
    ds = readers.read(_write_json(tmp_path / "tien-do.json", doc), period="tháng 8/2026")
    row = _count(ds, "H44", "ON_TIME")
    assert (row["period"], row["numerator"], row["denominator"]) == ("2026-08", 144625, 184513)
    assert ds.published_groups["published_score"].item() == 15.68
    assert ds.units["extra"].item()["newPortalField"] == {"a": 1}


@pytest.mark.parametrize(
    ("folder", "name", "expected"),
    [
        ("phu-tho-2026-08", "transparency.json", "2026-08"),
        ("phu-tho-2026-q3", "transparency.json", "2026-Q3"),
        ("phu-tho-2026", "transparency.json", "2026"),
        ("thang-8-2026", "transparency.json", "2026-08"),
        ("du-lieu", "transparency-quy-3-2026.json", "2026-Q3"),
        ("du-lieu", "transparency.json", readers.UNKNOWN_PERIOD),
    ],
)
def test_json_period_from_file_or_folder_name(tmp_path, folder, name, expected):
    path = _write_json(tmp_path / folder / name, _sample_doc("transparency"))
    ds = readers.read(path)
    assert set(ds.counts["period"]) == {expected}
    if expected == readers.UNKNOWN_PERIOD:
        assert any("period" in n for n in ds.notes)
    assert set(readers.read(path, period="2025-1").counts["period"]) == {"2025-01"}


def test_same_unit_and_metric_in_two_files_is_an_error(tmp_path):
    for name in ("a", "b"):
        shutil.copy(SAMPLE / "dvc-progress-tree.json", tmp_path / f"{name}-2026-08.json")
    message = _error(tmp_path)
    assert "a-2026-08.json" in message and "b-2026-08.json" in message
    assert "H44" in message and "duplicate" in message


def test_concat_equals_one_read(sample):
    parts = [readers.read(SAMPLE / f"{e}.json") for e in ENDPOINTS]
    assert len(readers.concat(parts).counts) == len(sample.counts)
    both = readers.concat([readers.read(SAMPLE / "transparency.json")] * 1)
    assert len(both.files) == 1
    with pytest.raises(MkbidxError, match="duplicate"):
        readers.concat([parts[1], parts[1]])


# ----------------------------------------------------------------------------- CSV / Excel
def test_counts_csv_vietnamese_headers():
    ds = readers.read(FIXTURES / "counts-vi-2024-08.csv")
    counts = ds.counts
    assert set(counts["period"]) == {"2024-08"}
    assert set(counts["unit_code"]) == {"083", "02758"}  # zero padding kept
    assert _count(ds, "083", "ON_TIME")[["group", "numerator", "denominator"]].tolist() == [
        "tien_do",
        903,
        1012,
    ]
    assert _count(ds, "083", "DOSSIER_SYNC")["group"] == "cong_khai"  # derived from the metric
    assert _count(ds, "02758", "ONLINE_PAYMENT_FORMALITIES")["group"] == "thanh_toan"
    assert math.isnan(_count(ds, "02758", "ELECTRONIC_CERTIFIED_COPY")["numerator"])
    units = ds.units.set_index("unit_code")
    assert units.loc["083", "level"] == "district" and units.loc["083", "parent_code"] == "10"
    assert units.loc["02758", "level"] == "commune" and units.loc["02758", "parent_code"] == "083"
    assert units.loc["02758", "unit_name"] == "Xã Tung Chung Phố"
    assert ds.published_groups.empty


def test_counts_csv_english_headers():
    ds = readers.read(FIXTURES / "counts-en.csv")
    assert sorted(set(ds.counts["period"])) == ["2024-08", "2024-09"]
    on_time = _rows(ds.counts, unit_code="083", period="2024-08").iloc[0]
    assert (on_time["published_ratio"], on_time["published_score"]) == (89.23, 17.85)
    copy = _count(ds, "02758", "ELECTRONIC_CERTIFIED_COPY")
    assert copy["published_ratio"] == 100 and math.isnan(copy["denominator"])
    assert len(ds.units) == 3  # one row per period and unit


def test_counts_round_trip_csv_and_xlsx(tmp_path):
    frame = pd.DataFrame(
        {
            "Mã đơn vị": ["083", "083", "02758"],
            "Mã chỉ số": ["ON_TIME", "PETITION_PROCESSING_ON_TIME", "ON_TIME"],
            "Tử số": [90, 0, 45],
            "Mẫu số": [100, 0, 50],
            "Điểm công bố": [18.0, 6.0, 18.0],
        }
    )
    csv_path = tmp_path / "so-lieu-2024-08.csv"
    frame.to_csv(csv_path, index=False)
    xlsx_path = tmp_path / "so-lieu-thang-8-2024.xlsx"
    with pd.ExcelWriter(xlsx_path) as writer:
        pd.DataFrame([["BÁO CÁO SỐ LIỆU BỘ CHỈ SỐ 766"], ["Đơn vị: UBND tỉnh Lào Cai"]]).to_excel(
            writer, sheet_name="Sheet1", index=False, header=False
        )
        frame.to_excel(writer, sheet_name="Sheet1", index=False, startrow=3)
    from_csv = readers.read(csv_path).counts
    from_xlsx = readers.read(xlsx_path).counts
    columns = ["period", "unit_code", "group", "metric", "numerator", "denominator"]
    pd.testing.assert_frame_equal(from_csv[columns], from_xlsx[columns])
    assert from_csv["unit_code"].tolist() == ["083", "083", "02758"]
    assert from_csv["published_score"].tolist() == [18.0, 6.0, 18.0]
    assert set(from_csv["period"]) == {"2024-08"}


def test_xlsx_error_row_counts_title_rows(tmp_path):
    frame = pd.DataFrame(
        {"Kỳ": ["2024-08"] * 3, "Mã đơn vị": ["083", "084", "085"], "Chỉ số": ["ON_TIME"] * 3,
         "Tử số": [1, 2, 9], "Mẫu số": [5, 5, 5]}
    )  # fmt: skip
    path = tmp_path / "so-lieu.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame([["Số liệu tháng 8"]]).to_excel(writer, index=False, header=False)
        frame.to_excel(writer, index=False, startrow=2)  # header on sheet row 3
    message = _error(path)
    assert "so-lieu.xlsx" in message and "dòng 6" in message and '"Tử số"' in message


def test_published_groups_csv_wide_vietnamese():
    ds = readers.read(FIXTURES / "groups-vi-2024-08.csv")
    assert ds.counts.empty
    pub = ds.published_groups
    assert set(pub["period"]) == {"2024-08"}
    h083 = _rows(pub, unit_code="083").set_index("group")
    assert h083["published_score"].to_dict() == {
        "cong_khai": 15.5,  # decimal comma
        "tien_do": 18.2,
        "dvc_truc_tuyen": 10,
        "thanh_toan": 7.25,
        "hai_long": 16,
        "so_hoa": 12.1,
    }
    assert h083["published_max"].to_dict()["so_hoa"] == 22
    assert len(_rows(pub, unit_code="02758")) == 5  # empty cell: no published score
    assert pub["endpoint"].isna().all()
    assert any("published group scores" in n for n in ds.notes)


def test_published_groups_xlsx_keys_and_names_with_resolver(tmp_path):
    frame = pd.DataFrame(
        {
            "Tên đơn vị": ["Huyện Mường Khương", "Huyện Bát Xát"],
            "Kỳ": ["8/2024", "8/2024"],
            "cong_khai": [15.5, 14],
            "Tiến độ": [18.2, 20],
            "TOTAL": [33.7, 34],
        }
    )
    path = tmp_path / "diem.xlsx"
    frame.to_excel(path, index=False)
    registry = {"Huyện Mường Khương": "083", "Huyện Bát Xát": "082"}
    ds = readers.read(path, resolver=registry.__getitem__)
    assert sorted(set(ds.published_groups["unit_code"])) == ["082", "083"]
    assert (
        _rows(ds.published_groups, unit_code="082", group="tien_do")["published_max"].item() == 20
    )
    assert ds.units.set_index("unit_code")["unit_name"].to_dict()["082"] == "Huyện Bát Xát"

    def refuse(name: str) -> str:
        raise MkbidxError(f"không tìm thấy đơn vị '{name}'", file=path, column="Tên đơn vị")

    with pytest.raises(MkbidxError, match="không tìm thấy đơn vị 'Huyện Mường Khương'"):
        readers.read(path, resolver=refuse)
    message = _error(path)
    assert "diem.xlsx" in message and '"Tên đơn vị"' in message and "unit_code" in message


def test_semicolon_csv_and_period_argument(tmp_path):
    path = tmp_path / "so-lieu.csv"
    path.write_text("ma_don_vi;metric;numerator;denominator\n083;ON_TIME;9;10\n", encoding="utf-8")
    ds = readers.read(path, period="2024-08")
    assert ds.counts[["period", "unit_code", "numerator"]].values.tolist() == [
        ["2024-08", "083", 9]
    ]
    message = _error(path)
    assert "so-lieu.csv" in message and "period" in message


def test_mixed_folder_of_json_csv_and_xlsx(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "phu-tho-2026-08")
    shutil.copy(FIXTURES / "counts-en.csv", tmp_path / "counts-en.csv")
    ds = readers.read(tmp_path)
    assert len(ds.files) == 7
    assert set(ds.counts["period"]) == {"2026-08", "2024-08", "2024-09"}


# ----------------------------------------------------------------------------- bad input
def test_error_malformed_json(tmp_path):
    path = tmp_path / "transparency.json"
    path.write_text('{"code": "OK",\n "data": {"overview": }', encoding="utf-8")
    message = _error(path)
    assert "transparency.json" in message and "dòng 2" in message and "malformed JSON" in message


def test_error_response_code_not_ok(tmp_path):
    doc = {"code": "ERR_RATE_LIMIT", "data": None, "message": "Quá nhiều yêu cầu"}
    message = _error(_write_json(tmp_path / "x-2026-08.json", doc))
    assert "x-2026-08.json" in message and "ERR_RATE_LIMIT" in message
    assert "Quá nhiều yêu cầu" in message and 'cột "code"' in message


def test_error_json_not_a_portal_response(tmp_path):
    message = _error(_write_json(tmp_path / "x.json", {"items": [1, 2, 3]}))
    assert "x.json" in message and "not a portal response" in message and "overview" in message
    message = _error(_write_json(tmp_path / "y.json", [1, 2]))
    assert "y.json" in message and "not a portal response" in message


def test_error_missing_required_column(tmp_path):
    path = tmp_path / "so-lieu-2024-08.csv"
    path.write_text("Mã đơn vị,Mã chỉ số,Tử số\n083,ON_TIME,9\n", encoding="utf-8")
    message = _error(path)
    assert "so-lieu-2024-08.csv" in message and "dòng 1" in message
    assert "missing column" in message and "Mẫu số (denominator)" in message


def test_error_unknown_column_lists_accepted_columns(tmp_path):
    path = tmp_path / "so-lieu-2024-08.csv"
    path.write_text("Mã đơn vị,Mã chỉ số,Tử số,Mẫu số,Ghi chú\n083,ON_TIME,9,10,x\n", "utf-8")
    message = _error(path)
    assert "so-lieu-2024-08.csv" in message and "dòng 1" in message and 'cột "Ghi chú"' in message
    assert "unknown column" in message
    for accepted in ("Mã đơn vị (unit_code)", "Tử số (numerator)", "Kỳ (period)"):
        assert accepted in message


def test_error_negative_count(tmp_path):
    path = tmp_path / "so-lieu-2024-08.csv"
    path.write_text(
        "Mã đơn vị,Mã chỉ số,Tử số,Mẫu số\n083,ON_TIME,9,10\n084,ON_TIME,-1,10\n", "utf-8"
    )
    message = _error(path)
    assert "so-lieu-2024-08.csv" in message and "dòng 3" in message and '"Tử số"' in message
    assert "negative" in message
    doc = _sample_doc("dvc-progress-tree")
    doc["data"]["children"][2]["totalReceived"] = -5
    message = _error(_write_json(tmp_path / "tree-2026-08.json", doc))
    assert "tree-2026-08.json" in message and "H44.07" in message
    assert '"totalReceived"' in message and "negative" in message


def test_error_numerator_above_denominator(tmp_path):
    path = tmp_path / "so-lieu-2024-08.csv"
    path.write_text("Mã đơn vị,Mã chỉ số,Tử số,Mẫu số\n083,ON_TIME,11,10\n", encoding="utf-8")
    message = _error(path)
    assert "so-lieu-2024-08.csv" in message and "dòng 2" in message and '"Tử số"' in message
    assert "numerator above denominator" in message and "Mẫu số" in message


def test_portal_numerator_above_denominator_is_kept_with_a_note(tmp_path):
    # The portal's own numbers are the oracle: such a response still loads, and says so.
    doc = _sample_doc("handling-satisfaction")
    doc["data"]["overview"]["metrics"][1]["numerator"] = 200000
    ds = readers.read(_write_json(tmp_path / "hl-2026-08.json", doc))
    row = ds.counts[ds.counts["metric"] == "DOSSIER_RECEIVING_SATISFACTION"].iloc[0]
    assert row["numerator"] == 200000
    note = next(n for n in ds.notes if "numerator above denominator" in n)
    assert "hl-2026-08.json" in note and "UBND tỉnh Phú Thọ" in note
    assert "DOSSIER_RECEIVING_SATISFACTION" in note


def test_error_non_numeric_cell(tmp_path):
    path = tmp_path / "so-lieu-2024-08.csv"
    path.write_text(
        "Mã đơn vị,Mã chỉ số,Tử số,Mẫu số\n083,ON_TIME,9,10\n084,ON_TIME,9,mười\n", "utf-8"
    )
    message = _error(path)
    assert "so-lieu-2024-08.csv" in message and "dòng 3" in message and '"Mẫu số"' in message
    assert "non-numeric" in message and "mười" in message
    thousands = tmp_path / "nghin-2024-08.csv"
    thousands.write_text("Mã đơn vị,Mã chỉ số,Tử số,Mẫu số\n083,ON_TIME,1.5,10\n", "utf-8")
    assert "non-integer" in _error(thousands)
    doc = _sample_doc("dvc-progress-tree")
    doc["data"]["parent"]["totalOnTime"] = "nhiều"
    message = _error(_write_json(tmp_path / "tree-2026-08.json", doc))
    assert "tree-2026-08.json" in message and "H44" in message and '"totalOnTime"' in message


def test_error_duplicate_unit_rows(tmp_path):
    path = tmp_path / "so-lieu.csv"
    path.write_text(
        "Kỳ,Mã đơn vị,Mã chỉ số,Tử số,Mẫu số\n"
        "2024-08,083,ON_TIME,9,10\n2024-09,083,ON_TIME,9,10\n8/2024,083,ON_TIME,1,10\n",
        encoding="utf-8",
    )
    message = _error(path)
    assert "so-lieu.csv" in message and "dòng 4" in message and "dòng 2" in message
    assert "đơn vị 083" in message
    assert '"Mã chỉ số"' in message and "duplicate" in message
    wide = tmp_path / "diem-2024-08.csv"
    wide.write_text("Mã đơn vị,Công khai,Tiến độ\n083,10,11\n084,9,9\n083,10,12\n", "utf-8")
    message = _error(wide)
    assert "diem-2024-08.csv" in message and "dòng 4" in message and '"Mã đơn vị"' in message
    doc = _sample_doc("dvc-progress-tree")
    doc["data"]["children"].append(doc["data"]["children"][0])
    message = _error(_write_json(tmp_path / "tree-2026-08.json", doc))
    assert "tree-2026-08.json" in message and "H44.01" in message and "duplicate" in message


def test_error_unknown_period_format(tmp_path):
    path = tmp_path / "so-lieu.csv"
    path.write_text("Kỳ,Mã đơn vị,Mã chỉ số,Tử số,Mẫu số\n2024-08,083,ON_TIME,9,10\n"
                    "tháng tám,084,ON_TIME,9,10\n", encoding="utf-8")  # fmt: skip
    message = _error(path)
    assert "so-lieu.csv" in message and "dòng 3" in message and 'cột "Kỳ"' in message
    assert "tháng tám" in message and "2026-Q3" in message
    with pytest.raises(MkbidxError, match="unknown period format"):
        readers.read(SAMPLE, period="mùa thu 2026")


def test_error_empty_file(tmp_path):
    for name in ("rong.csv", "rong.json", "rong.xlsx"):
        (tmp_path / name).write_bytes(b"")
        message = _error(tmp_path / name)
        assert name in message and "empty file" in message
    header_only = tmp_path / "tieu-de-2024-08.csv"
    header_only.write_text("Mã đơn vị,Mã chỉ số,Tử số,Mẫu số\n", encoding="utf-8")
    message = _error(header_only)
    assert "tieu-de-2024-08.csv" in message and "header only" in message
    xlsx = tmp_path / "tieu-de-2024-08.xlsx"
    pd.DataFrame(columns=["Mã đơn vị", "Mã chỉ số", "Tử số", "Mẫu số"]).to_excel(xlsx, index=False)
    assert "header only" in _error(xlsx)


def test_error_unknown_metric_code(tmp_path):
    path = tmp_path / "so-lieu-2024-08.csv"
    path.write_text(
        "Mã đơn vị,Mã chỉ số,Tử số,Mẫu số\n083,ON_TIME,9,10\n083,ON_TIMES,1,2\n", "utf-8"
    )
    message = _error(path)
    assert "so-lieu-2024-08.csv" in message and "dòng 3" in message and '"Mã chỉ số"' in message
    assert "ON_TIMES" in message and "unknown metric code" in message and "ON_TIME," in message
    doc = _sample_doc("dossier-digitized")
    doc["data"]["evaluation"][1]["metrics"][0]["code"] = "NEW_PORTAL_METRIC"
    message = _error(_write_json(tmp_path / "so-hoa-2026-08.json", doc))
    assert "so-hoa-2026-08.json" in message and "H44.03" in message
    assert "NEW_PORTAL_METRIC" in message and "metrics.code" in message


def test_error_unit_code_empty(tmp_path):
    path = tmp_path / "so-lieu-2024-08.csv"
    path.write_text("Mã đơn vị,Mã chỉ số,Tử số,Mẫu số\n083,ON_TIME,9,10\n  ,ON_TIME,1,2\n", "utf-8")
    message = _error(path)
    assert "so-lieu-2024-08.csv" in message and "dòng 3" in message and '"Mã đơn vị"' in message
    assert "unit_code empty" in message
    doc = _sample_doc("dvc-progress-tree")
    del doc["data"]["children"][4]["departmentCode"]
    del doc["data"]["children"][4]["departmentId"]
    message = _error(_write_json(tmp_path / "tree-2026-08.json", doc))
    assert "tree-2026-08.json" in message and "UBND Phường Việt Trì" in message
    assert '"departmentCode"' in message


def test_error_total_differs_from_group_sum(tmp_path):
    path = tmp_path / "diem-2024-08.csv"
    path.write_text(
        "Mã đơn vị,Công khai,Tiến độ,Tổng điểm\n083,10,11,21\n084,9,9.5,18.52\n", "utf-8"
    )
    message = _error(path)
    assert "diem-2024-08.csv" in message and "dòng 3" in message and '"Tổng điểm"' in message
    ok = tmp_path / "ok-2024-08.csv"
    ok.write_text("Mã đơn vị,Công khai,Tiến độ,Tổng điểm\n084,9,9.5,18.51\n", "utf-8")
    assert len(readers.read(ok).published_groups) == 2


def test_error_group_score_above_maximum(tmp_path):
    path = tmp_path / "diem-2024-08.csv"
    path.write_text("Mã đơn vị,Thanh toán trực tuyến\n083,10.5\n", "utf-8")
    message = _error(path)
    assert "dòng 2" in message and '"Thanh toán trực tuyến"' in message and "0 đến 10" in message


def test_error_group_column_contradicts_metric(tmp_path):
    path = tmp_path / "so-lieu-2024-08.csv"
    path.write_text("Mã đơn vị,Nhóm,Mã chỉ số,Tử số,Mẫu số\n083,Số hóa,ON_TIME,9,10\n", "utf-8")
    message = _error(path)
    assert "dòng 2" in message and 'cột "Nhóm"' in message and "tien_do" in message


def test_error_missing_path_and_unsupported_type(tmp_path):
    assert "file not found" in _error(tmp_path / "khong-co.csv")
    (tmp_path / "bang.xls").write_bytes(b"x")
    assert "unsupported file type" in _error(tmp_path / "bang.xls")
    (tmp_path / "rong").mkdir()
    assert "no data files" in _error(tmp_path / "rong")


def test_errors_never_leak_pandas_exceptions(tmp_path):
    ragged = tmp_path / "le-2024-08.csv"
    ragged.write_text("Mã đơn vị,Mã chỉ số,Tử số,Mẫu số\n083,ON_TIME,9,10,7\n", "utf-8")
    message = _error(ragged)
    assert "le-2024-08.csv" in message and "dòng 2" in message
    broken = tmp_path / "hong.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    assert "hong.xlsx" in _error(broken)
    latin = tmp_path / "latin-2024-08.csv"
    latin.write_bytes("Mã don vi,metric,numerator,denominator\n".encode("latin-1"))
    assert "UTF-8" in _error(latin)


# ----------------------------------------------------------------------------- periods
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-08", "2024-08"),
        ("2024-8", "2024-08"),
        ("8/2024", "2024-08"),
        ("08/2024", "2024-08"),
        ("tháng 8/2024", "2024-08"),
        ("Tháng 08 năm 2024", "2024-08"),
        ("T8/2024", "2024-08"),
        ("2024-08-01 00:00:00", "2024-08"),
        ("2026-Q3", "2026-Q3"),
        ("2026-q3", "2026-Q3"),
        ("Q3/2026", "2026-Q3"),
        ("quý 3/2026", "2026-Q3"),
        ("Quý III/2026", "2026-Q3"),
        ("2026", "2026"),
        ("năm 2026", "2026"),
        (2026, "2026"),
        (pd.Timestamp("2024-08-01"), "2024-08"),
    ],
)
def test_normalize_period(text, expected):
    assert readers.normalize_period(text) == expected


@pytest.mark.parametrize("text", ["2024-13", "13/2024", "Q5/2026", "2024-08-x", "", "tháng tám"])
def test_normalize_period_rejects(text):
    with pytest.raises(MkbidxError) as info:
        readers.normalize_period(text, file="a.csv", row=4, column="Kỳ")
    assert 'a.csv, dòng 4, cột "Kỳ"' in str(info.value)


@given(st.integers(1900, 2199), st.integers(1, 12))
def test_normalize_period_round_trips_months(year, month):
    canonical = f"{year:04d}-{month:02d}"
    assert readers.normalize_period(canonical) == canonical
    assert readers.normalize_period(f"{month}/{year}") == canonical
    assert readers.normalize_period(f"tháng {month}/{year}") == canonical
    assert readers.normalize_period(readers.normalize_period(f"{year}-{month}")) == canonical


@given(st.integers(1900, 2199), st.integers(1, 4))
def test_normalize_period_round_trips_quarters(year, quarter):
    canonical = f"{year:04d}-Q{quarter}"
    assert readers.normalize_period(canonical) == canonical
    assert readers.normalize_period(f"quý {quarter}/{year}") == canonical
