"""The portal's identities of the 34 provinces (data/units/portal-provinces.csv)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mkbidx.errors import MkbidxError
from mkbidx.inputs.portal_ids import portal_province, portal_provinces

FIXTURE = (
    Path(__file__).resolve().parents[1] / "fixtures" / "portal" / "service-results-2026-vn.json"
)


def test_table_has_the_34_provinces():
    frame = portal_provinces()
    assert list(frame.columns) == ["code", "portal_code", "department_id", "name"]
    assert len(frame) == 34
    assert frame["code"].is_unique and frame["portal_code"].is_unique
    assert frame["department_id"].is_unique
    assert frame["code"].str.fullmatch(r"\d{2}").all()
    assert frame["portal_code"].str.fullmatch(r"H\d{2}").all()


def test_known_identities():
    lao_cai = portal_province("15")
    assert (lao_cai.portal_code, lao_cai.department_id, lao_cai.name) == (
        "H38",
        "019d2be3-6a88-732b-8b12-58410ba7b5df",
        "Tỉnh Lào Cai",
    )
    phu_tho = portal_province("H44")
    assert (phu_tho.code, phu_tho.department_id) == ("25", "019d2be3-6a88-732b-8b17-b68020c8553a")


@pytest.mark.parametrize(
    "key",
    [
        "15",
        "H38",
        "h38",
        "019d2be3-6a88-732b-8b12-58410ba7b5df",
        "Lào Cai",
        "Tỉnh Lào Cai",
        "UBND tỉnh Lào Cai",
        "lao cai",
    ],
)
def test_lookup_by_any_key(key):
    assert portal_province(key).code == "15"


def test_unknown_province_names_closest():
    with pytest.raises(MkbidxError, match="Lào Cai"):
        portal_province("Lào Kai")


def test_every_fixture_record_is_in_the_table():
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    table = portal_provinces().set_index("portal_code")
    for rec in doc["data"]["evaluation"]:
        assert table.loc[rec["departmentCode"], "department_id"] == rec["departmentId"]
