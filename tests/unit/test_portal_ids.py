"""The portal's identities of the 34 provinces (data/units/portal-provinces.csv)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mkbidx.errors import MkbidxError
from mkbidx.inputs.fetch import resolve_province
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


def former_provinces():
    """(code, name, successor) of the 63 provinces before 1/7/2025 that the portal no longer has."""
    from mkbidx.inputs.units import default_registry

    registry = default_registry()
    frame = registry.frame("2025-06")
    now = set(portal_provinces()["code"])
    return [
        (row.unit_code, row.unit_name, registry.successors(row.unit_code)[0])
        for row in frame[frame["level"] == "province"].itertuples()
        if row.unit_code not in now
    ]


def test_a_former_province_names_the_province_it_is_in_now():
    """``--province`` (fetch, monthly) by old code or old name: the message names the old
    province and the --province to use (the portal has only the 34).
    A name the new province kept (Lào Cai, Bắc Ninh, ...) is the new province itself."""
    gone = former_provinces()
    assert len(gone) == 63 - 34
    assert ("26", "Tỉnh Vĩnh Phúc", "25") in gone and ("02", "Tỉnh Hà Giang", "08") in gone
    names_now = set(portal_provinces()["name"])
    for code, name, successor in gone:
        keys = [code] if name in names_now else [code, name, name.split(" ", 1)[1]]
        for key in keys:
            with pytest.raises(MkbidxError, match="former province") as info:
                resolve_province(key)
            message = str(info.value)
            assert name in message and message.endswith(f"--province {successor}")
            assert portal_province(successor).code == successor
        if name in names_now:
            assert resolve_province(name).name == name


def test_the_old_code_of_a_province_that_kept_its_name_points_to_its_new_code():
    """Lào Cai was 10 before 1/7/2025 and is 15 now (Yên Bái's code): "10" is not a guess."""
    with pytest.raises(MkbidxError, match=r"'10' là Tỉnh Lào Cai \(mã 10\).*--province 15$"):
        resolve_province("10")
    with pytest.raises(MkbidxError, match="unknown province"):  # not a province, then or now
        resolve_province("99")
