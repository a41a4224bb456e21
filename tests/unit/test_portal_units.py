"""Portal responses mapped to official unit codes (mkbidx.inputs.portal_units)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mkbidx.inputs import readers, units
from mkbidx.paths import DEFAULT_DATA

PHU_THO = DEFAULT_DATA / "phu-tho-2026-08"
TREE = PHU_THO / "dvc-progress-tree.json"
NATIONAL = (
    Path(__file__).resolve().parents[1] / "fixtures" / "portal" / "service-results-2026-vn.json"
)


@pytest.fixture(scope="module")
def phu_tho():
    return readers.read(PHU_THO, resolver=units.default_registry().resolve)


def test_every_commune_of_the_tree_gets_its_official_code(phu_tho):
    units = phu_tho.units.drop_duplicates(["period", "unit_code"])
    communes = units[(units["level"] == "commune") & units["portal_code"].notna()]
    assert len(communes) == 148
    assert communes["unit_code"].str.fullmatch(r"\d{5}").all()
    assert set(communes["parent_code"]) == {"25"}
    assert communes["portal_code"].str.fullmatch(r"H44\.\d{3}").all()
    assert communes["unit_code"].is_unique
    by_portal = dict(zip(communes["portal_code"], communes["unit_code"], strict=True))
    assert by_portal["H44.100"] == "07900"  # Phường Việt Trì
    assert any("148/148 xã, phường" in note for note in phu_tho.notes)


def test_the_province_and_its_departments(phu_tho):
    units = phu_tho.units.drop_duplicates(["period", "unit_code"])
    roots = phu_tho.units[phu_tho.units["is_root"]]
    assert set(roots["unit_code"]) == {"25"} and set(roots["portal_code"]) == {"H44"}
    tree = roots[roots["source_file"] == str(TREE)]
    assert set(tree["department_id"]) == {"019d2be3-6a88-732b-8b17-b68020c8553a"}
    departments = units[(units["level"] == "department") & units["portal_code"].notna()]
    assert len(departments) == 15
    assert (departments["unit_code"] == departments["portal_code"]).all()
    assert set(departments["parent_code"]) == {"25"}


def test_counts_follow_the_codes(phu_tho):
    codes = set(phu_tho.counts["unit_code"])
    assert "25" in codes and "07900" in codes and "H44" not in codes and "H44.100" not in codes


def test_unmapped_communes_are_named_never_dropped(tmp_path):
    doc = json.loads(TREE.read_text(encoding="utf-8"))
    child = doc["data"]["children"][30]
    assert child["level"] == "COMMUNE"
    child["departmentName"] = "UBND xã Không Có Thật"
    path = tmp_path / "phu-tho-2026-08" / TREE.name
    path.parent.mkdir()
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    ds = readers.read(path, resolver=units.default_registry().resolve)
    assert child["departmentCode"] in set(ds.counts["unit_code"])  # kept, with its portal code
    assert any("147/148 xã, phường" in note for note in ds.notes)
    assert any("Không Có Thật" in note and "unmapped" in note for note in ds.notes)


def test_responses_before_the_reorganisation_keep_the_portal_codes(tmp_path):
    path = tmp_path / "phu-tho-2025-06" / TREE.name
    path.parent.mkdir()
    path.write_bytes(TREE.read_bytes())
    ds = readers.read(path, resolver=units.default_registry().resolve)
    assert "H44" in set(ds.counts["unit_code"])


def test_without_a_registry_the_portal_codes_stay():
    ds = readers.read(TREE)
    assert "H44" in set(ds.counts["unit_code"]) and "H44.100" in set(ds.counts["unit_code"])


def test_national_summary_ranks_the_34_provinces(capsys):
    from mkbidx.cli import main

    assert (
        main(
            [
                "rank",
                "--input",
                str(NATIONAL),
                "--period",
                "2026",
                "--scope",
                "VN",
                "--format",
                "csv",
            ]
        )
        == 0
    )
    out = capsys.readouterr()
    lines = out.out.splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
    assert len(rows) == 34 and "34/34 tỉnh, thành phố" in out.err
    doc = json.loads(NATIONAL.read_text(encoding="utf-8"))
    published = {r["departmentCode"]: r["totalScore"] for r in doc["data"]["evaluation"]}
    for row in rows:
        assert float(row["total"]) == pytest.approx(published[row["portal_code"]], abs=0.005)
        assert row["level"] == "province" and len(row["unit_code"]) == 2
    by_code = {r["unit_code"]: r for r in rows}
    assert by_code["15"]["portal_code"] == "H38" and by_code["25"]["portal_code"] == "H44"
    assert [r["rank"] for r in rows[:2]] == ["1", "2"] and rows[0]["unit_code"] == "82"


def test_national_summary_units_keep_the_portal_identities():
    ds = readers.read(NATIONAL, period="2026", resolver=units.default_registry().resolve)
    provinces = ds.units[ds.units["level"] == "province"]
    assert len(provinces) == 34 and set(provinces["parent_code"]) == {"VN"}
    lao_cai = provinces.set_index("unit_code").loc["15"]
    assert lao_cai["department_id"] == "019d2be3-6a88-732b-8b12-58410ba7b5df"
    assert set(ds.published_groups["group"]) == {
        "cong_khai",
        "tien_do",
        "dvc_truc_tuyen",
        "thanh_toan",
        "hai_long",
        "so_hoa",
    }
