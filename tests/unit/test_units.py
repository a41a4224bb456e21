"""Tests for mkbidx.inputs.units: registry data, period-aware hierarchy, name resolution."""

from __future__ import annotations

import csv
import itertools
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from conftest import examples
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mkbidx.errors import MkbidxError
from mkbidx.inputs.names import split_official, strip_tones
from mkbidx.inputs.unit_commands import resolve_command
from mkbidx.inputs.units import (
    FUZZY_MARGIN,
    FUZZY_THRESHOLD,
    REGISTRY_FILE,
    SNAPSHOT_FILE,
    UNITS_DIR,
    Registry,
    _check_snapshot,
    default_registry,
    load_registry,
    normalize_name,
    resolve_many,
)

SHARED = Path(__file__).resolve().parents[3] / "shared"
SHARED_UNITS = SHARED / "units" / "lao-cai-2024.csv"
HEADER = "code,name,level,parent_code,valid_from,valid_to,merged_into\n"
OLD_COMMUNES = [f"027{n:02d}" for n in range(52, 98, 3)]
NEW_COMMUNES = ["02752", "02761", "02782", "02788"]

# Every commune exactly as written in the seed letter (../shared/seed/), with its official code.
SEED_NAMES = {
    "Tả Thành": "02794",
    "Bản Lầu": "02788",
    "Bản Sen": "02797",
    "Lũng Vai": "02785",
    "Thanh Bình": "02779",
    "Nậm Lư": "02773",
    "Tả Ngải Chồ": "02755",
    "La Pan Tân": "02791",
    "thị trấn Mường Khương": "02761",
    "Nậm Chảy": "02770",
    "Lũng Khấu Nhin": "02776",
    "Dìn Chín": "02764",
    "Pha Long": "02752",
    "Tung Chung Phố": "02758",
}


@pytest.fixture(scope="module")
def reg() -> Registry:
    return load_registry()


def write_registry(tmp_path: Path, body: str, name: str = "units.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def synthetic(tmp_path: Path, communes: list[tuple[str, str]]) -> Registry:
    """A one-district registry with the given (code, name) communes."""
    rows = "01,Tỉnh Thử,province,,,,\n001,Huyện Thử,district,01,,,\n"
    rows += "".join(f"{code},{name},commune,001,,,\n" for code, name in communes)
    return load_registry(write_registry(tmp_path, rows))


def raised(func, *args, **kwargs) -> MkbidxError:
    with pytest.raises(MkbidxError) as info:
        func(*args, **kwargs)
    return info.value


# --------------------------------------------------------------------------- data files


def test_project_data_lives_in_the_project():
    assert UNITS_DIR == Path(__file__).resolve().parents[2] / "data" / "units"
    assert (UNITS_DIR / REGISTRY_FILE).is_file()
    assert (UNITS_DIR / SNAPSHOT_FILE).is_file()
    assert (UNITS_DIR / "README.md").is_file()


@pytest.mark.skipif(not SHARED_UNITS.is_file(), reason="shared folder not available")
def test_snapshot_is_a_verbatim_copy_of_the_official_list():
    assert (UNITS_DIR / SNAPSHOT_FILE).read_bytes() == SHARED_UNITS.read_bytes()


def test_registry_agrees_with_the_2024_list(reg):
    with open(UNITS_DIR / SNAPSHOT_FILE, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    codes = [r["code"] for r in rows]
    frame = reg.units_frame("2024-08", codes).set_index("unit_code")
    assert sorted(frame.index) == sorted(codes)
    known = ["10", *reg.children("10", "2024-08"), *reg.children("083", "2024-08")]
    assert sorted(known) == sorted(codes)
    for r in rows:
        assert frame.loc[r["code"], "unit_name"] == r["name"]
        assert frame.loc[r["code"], "level"] == r["level"]
        assert (frame.loc[r["code"], "parent_code"] or "") == r["parent_code"]
        if r["commune_after_2025_07_01"]:
            new = reg.merger_map()[r["code"]]
            assert reg.name(new, "2025-07") == r["commune_after_2025_07_01"]


def test_snapshot_disagreement_is_an_error(reg, tmp_path):
    text = (UNITS_DIR / SNAPSHOT_FILE).read_text(encoding="utf-8")
    bad = tmp_path / "snapshot.csv"
    bad.write_text(text.replace("Xã Bản Sen", "Xã Bản Sến"), encoding="utf-8")
    err = raised(_check_snapshot, reg, bad)
    assert err.column == "name" and err.row == 27 and "snapshot.csv" in str(err)


def test_default_registry_is_cached():
    assert default_registry() is default_registry()


# --------------------------------------------------------------------------- hierarchy


def test_children_are_period_aware(reg):
    assert reg.children("083", "2024-08") == OLD_COMMUNES
    assert len(reg.children("083", "2024-08")) == 16
    assert set(NEW_COMMUNES) <= set(reg.children("15", "2025-07"))
    assert len(reg.children("15", "2025-07")) == 99
    assert reg.children("10", "2024-08") == ["080", "082", "083", "084", "085", "086", "087"] + [
        "088",
        "089",
    ]
    assert reg.children("10", "2025-07") == []  # province 10 ended on 30/6/2025
    assert reg.children("083", "2025-07") == []
    # period=None: every child ever known (code 15 was Yên Bái before, new Lào Cai after)
    assert set(reg.children("15")) == set(reg.children("15", "2024-08")) | set(
        reg.children("15", "2025-07")
    )


def test_quarters_and_years_are_looked_at_their_last_month(reg):
    assert reg.children("15", "2025-Q3") == reg.children("15", "2025-07")
    assert reg.children("15", "2025") == reg.children("15", "2025-12")
    assert len(reg.children("083", "2025-Q2")) == 16
    assert len(reg.children("083", "2024")) == 16
    err = raised(reg.children, "083", "08/2024")
    assert "YYYY-MM" in str(err)


def test_descendants(reg):
    assert len(reg.descendants("10", "2024-08")) == 9 + 151
    assert len(reg.descendants("15", "2025-07")) == 99
    assert reg.descendants("083", "2024-08") == OLD_COMMUNES


def test_versions_of_one_code(reg):
    assert reg.name("02761", "2024-08") == "Thị trấn Mường Khương"
    assert reg.name("02761", "2025-07") == "Xã Mường Khương"
    assert reg.name("02761") == "Xã Mường Khương"  # latest
    assert reg.parent("02761", "2024-08") == "083"
    assert reg.parent("02761", "2025-07") == "15"
    assert reg.parent("10") is None
    assert reg.name("15", "2024-08") == "Tỉnh Yên Bái"
    assert reg.name("15", "2025-07") == "Tỉnh Lào Cai"
    assert reg.level("083") == "district"
    assert reg.level("02761", "2025-07") == "commune"
    assert reg.level("10") == "province"


def test_unknown_code_or_period_outside_validity(reg):
    err = raised(reg.name, "99999")
    assert err.unit == "99999" and "unknown unit code" in str(err)
    err = raised(reg.name, "02794", "2025-07")
    assert "2025-07" in str(err) and "2025-06" in str(err)
    err = raised(reg.children, "083x")
    assert err.unit == "083x"


def test_short_names(reg):
    assert reg.short_name("02794") == "Tả Thàng"
    assert reg.short_name("083") == "Mường Khương"
    assert reg.short_name("10") == "Lào Cai"
    assert reg.short_name("02761", "2024-08") == "thị trấn Mường Khương"
    assert reg.short_name("02761", "2025-07") == "Mường Khương"
    assert reg.short_name("088") == "thị xã Sa Pa"
    assert reg.short_name("080") == "thành phố Lào Cai"


def test_merger_map(reg):
    m = reg.merger_map(OLD_COMMUNES)
    assert sorted(m) == OLD_COMMUNES
    assert sorted(set(m.values())) == NEW_COMMUNES
    assert m["02794"] == "02782" and m["02758"] == "02761" and m["02797"] == "02788"
    assert m["02752"] == "02752"  # Pha Long keeps its code
    for new in NEW_COMMUNES:
        assert reg.parent(new, "2025-07") == "15"
    counts = pd.Series(m).value_counts().to_dict()
    assert counts == {"02752": 4, "02761": 5, "02782": 4, "02788": 3}
    # the whole country: every old commune has one primary successor, provinces left out
    full = reg.merger_map()
    assert len(full) == 10035 + 5 and "10" not in full
    assert all(reg.level(new, "2025-07") == "commune" for new in set(full.values()))


def test_frames(reg):
    full = reg.frame()
    assert list(full.columns) == [
        "unit_code",
        "unit_name",
        "level",
        "parent_code",
        "valid_from",
        "valid_to",
        "merged_into",
    ]
    assert len(full) == 63 + 696 + 10035 + 34 + 3321
    assert full.loc[full.unit_code == "10", "valid_to"].tolist() == ["2025-06"]
    new = reg.frame("2025-07")
    assert len(new) == 34 + 3321
    assert set(new.loc[new.unit_code.isin(NEW_COMMUNES), "parent_code"]) == {"15"}
    assert (new.loc[new.level == "commune", "valid_from"] == "2025-07").all()
    old = reg.frame("2024-08")
    assert (old["valid_to"] == "2025-06").all()
    units = reg.units_frame("2024-08", [*OLD_COMMUNES, "082"])
    assert list(units.columns) == ["unit_code", "unit_name", "level", "parent_code"]
    assert len(units) == 19 and units.unit_code.is_unique
    assert set(units.level) == {"province", "district", "commune"}
    assert units.loc[units.unit_code == "10", "parent_code"].tolist() == [None]


# --------------------------------------------------------------------------- resolution


@pytest.mark.skipif(not (SHARED / "seed").is_dir(), reason="shared folder not available")
def test_seed_names_are_spelled_as_in_the_letter():
    letter = "".join(p.read_text(encoding="utf-8") for p in (SHARED / "seed").glob("*.txt"))
    letter = unicodedata.normalize("NFC", letter)
    for name in SEED_NAMES:
        assert name in letter


@pytest.mark.parametrize(("name", "code"), SEED_NAMES.items())
def test_seed_letter_names_resolve_within_the_district(reg, name, code):
    assert reg.resolve(name, scope="083") == code
    assert reg.resolve(name, scope="083", period="2024-08") == code


def test_seed_letter_names_all_at_once(reg):
    assert resolve_many(list(SEED_NAMES), scope="083") == list(SEED_NAMES.values())
    assert len(set(SEED_NAMES.values())) == 14


def test_muong_khuong_needs_a_level_in_the_province(reg):
    err = raised(reg.resolve, "Mường Khương", scope="10")
    assert "ambiguous" in str(err) and "(083)" in str(err) and "(02761)" in str(err)
    assert {code for code, _ in err.candidates} == {"083", "02761"}
    assert reg.resolve("huyện Mường Khương", scope="10") == "083"
    assert reg.resolve("H. Mường Khương", scope="10") == "083"
    assert reg.resolve("UBND huyện Muong Khuong", scope="10") == "083"
    assert reg.resolve("thị trấn Mường Khương", scope="10") == "02761"
    assert reg.resolve("TT. Mường Khương", scope="10") == "02761"
    assert reg.resolve("TT.Mường Khương", scope="10") == "02761"
    # inside the district there is only the commune
    assert reg.resolve("Mường Khương", scope="083") == "02761"


def test_kind_word_picks_city_over_province(reg):
    err = raised(reg.resolve, "Lào Cai", period="2024-08")
    assert {code for code, _ in err.candidates} == {"10", "080", "02641"}
    assert reg.resolve("TP. Lào Cai", period="2024-08") == "080"
    assert reg.resolve("thành phố Lào Cai", period="2024-08") == "080"
    assert reg.resolve("Tỉnh Lào Cai", period="2024-08") == "10"
    assert reg.resolve("UBND tinh Lao Cai", period="2024-08") == "10"
    assert reg.resolve("Tỉnh Lào Cai", period="2025-08") == "15"
    assert reg.resolve("TX. Sa Pa", scope="10") == "088"
    assert reg.resolve("thị xã Sa Pa", scope="10") == "088"


@pytest.mark.parametrize(
    "name",
    [
        "Tả Gia Khâu",
        "Ta Gia Khau",
        "TA GIA KHAU",
        "TẢ GIA KHÂU",
        "tả gia khâu",
        "  Tả   Gia\tKhâu  ",
        "Xã Tả Gia Khâu",
        "xã Tả Gia Khâu",
        "Xa Ta Gia Khau",
        "UBND xã Tả Gia Khâu",
        "UBND XÃ TẢ GIA KHÂU",
        "Ủy ban nhân dân xã Tả Gia Khâu",
        "Uỷ ban nhân dân xã Tả Gia Khâu",
        "uy ban nhan dan xa ta gia khau",
        "Tả Gia Khấu",
        "Ta Gia Khâu",
        "Tả-Gia-Khâu",
    ],
)
def test_spelling_variants(reg, name):
    assert reg.resolve(name, scope="083") == "02767"
    assert reg.resolve(unicodedata.normalize("NFD", name), scope="083") == "02767"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Muong Khuong", "02761"),
        ("TT Muong Khuong", "02761"),
        ("Lùng Vai", "02785"),
        ("Lũng Vai", "02785"),
        ("Lung Vai", "02785"),
        ("Lũng Khấu Nhìn", "02776"),
        ("Nam Lu", "02773"),
        ("Nấm Lư", "02773"),
        ("Dìn Chin", "02764"),
        ("Din Chin", "02764"),
        ("La Pan Tan", "02791"),
        ("Tả Thàng", "02794"),
        ("Ta Thang", "02794"),
        ("Ta Thanh", "02794"),
        ("Bản Lâu", "02788"),
        ("02758", "02758"),
        (" 02758 ", "02758"),
    ],
)
def test_more_variants_and_codes(reg, name, code):
    assert reg.resolve(name, scope="083") == code


def test_fuzzy_threshold_and_margin_are_documented_constants():
    assert 0 < FUZZY_MARGIN < FUZZY_THRESHOLD <= 100
    # one wrong letter in an 8-character key passes, a 6-character one does not
    from rapidfuzz import fuzz

    assert fuzz.ratio("ta thanh", "ta thang") >= FUZZY_THRESHOLD
    assert fuzz.ratio("nam li", "nam lu") < FUZZY_THRESHOLD


def test_extra_syllable_is_not_a_typo(reg):
    err = raised(reg.resolve, "Tả Tháng X", scope="083")
    text = str(err)
    assert text.startswith('không xác định được đơn vị "Tả Tháng X" (unknown unit name)')
    assert "gần nhất: Tả Thàng (02794)" in text
    assert err.candidates[0] == ("02794", "Xã Tả Thàng")


@pytest.mark.parametrize("name", ["Xã Hà Nội", "Phường Bến Nghé", "Tỉnh Hà Nội", "Ta Nhiu"])
@pytest.mark.parametrize("scope", ["083", "10"])
def test_names_of_no_unit_raise_with_closest_candidates(reg, name, scope):
    err = raised(reg.resolve, name, scope=scope, period="2024-08")
    text = str(err)
    assert f'"{name}"' in text and "unknown unit name" in text and "gần nhất:" in text
    assert 1 <= len(err.candidates) <= 3
    for code, _ in err.candidates:
        assert f"({code})" in text
    if scope == "083":
        assert len(err.candidates) == 3
        assert all(code in OLD_COMMUNES for code, _ in err.candidates)


def test_codes_must_be_known_and_in_scope(reg):
    assert reg.resolve("083", scope="10") == "083"
    err = raised(reg.resolve, "02758", scope="084")
    assert "out of scope" in str(err)
    err = raised(reg.resolve, "99999", scope="083")
    assert "unknown unit code" in str(err)
    err = raised(reg.resolve, "02794", scope="10", period="2025-07")
    assert "out of scope" in str(err)
    err = raised(reg.resolve, "Tả Thàng", scope="x")
    assert err.unit == "x"


def test_empty_names_raise(reg):
    for bad in ["", "   ", None, float("nan")]:
        raised(reg.resolve, bad, scope="083")


def test_resolution_is_period_aware(reg):
    assert reg.resolve("Xã Cao Sơn", scope="15", period="2025-07") == "02782"
    assert reg.resolve("Mường Khương", scope="15", period="2025-07") == "02761"
    err = raised(reg.resolve, "Tả Thàng", scope="15", period="2025-07")
    assert "kỳ 2025-07" in str(err)
    err = raised(reg.resolve, "Mường Khương", scope="10", period="2024-08")
    assert {code for code, _ in err.candidates} == {"083", "02761"}


def test_resolve_many_reports_every_failure(reg):
    err = raised(
        reg.resolve_many, ["Tả Thàng", "Xã Hà Nội", "Bản Sen", "Phường Bến Nghé"], scope="083"
    )
    text = str(err)
    assert "2 tên" in text and "Hà Nội" in text and "Bến Nghé" in text
    assert [name for name, _ in err.errors] == ["Xã Hà Nội", "Phường Bến Nghé"]


def test_resolve_many_preserves_order_and_duplicates(reg):
    names = ["Bản Sen", "Tả Thành", "Bản Sen", "02752"]
    assert reg.resolve_many(names, scope="083") == ["02797", "02794", "02797", "02752"]


# --------------------------------------------------------------------------- keys


def test_normalize_name_tone_placement_and_forms():
    assert normalize_name("Hoà") == normalize_name("Hòa") == normalize_name("HOÀ")
    assert normalize_name("Thuỷ") == normalize_name("Thủy")
    assert normalize_name("Khoẻ") == normalize_name("Khỏe")
    assert normalize_name("Quý") == normalize_name("Qúy")
    assert normalize_name("Giữ") == normalize_name("Gĩư")
    assert normalize_name("Tả Thàng") != normalize_name("Tả Thàn")
    assert normalize_name(unicodedata.normalize("NFD", "Nấm Lư")) == "nấm lư"
    assert normalize_name("  UBND,  xã\nTả-Thàng. ") == "ubnd xã tả thàng"
    assert normalize_name("Lũng Vai", diacritics=False) == "lung vai"
    assert normalize_name("Phường 1") == "phường 1"


def test_d_with_stroke_is_mapped_explicitly():
    plain_strip = "".join(
        c for c in unicodedata.normalize("NFD", "đồng") if not unicodedata.combining(c)
    )
    assert plain_strip == "đong"  # why the explicit mapping is needed
    assert normalize_name("Đồng Tuyển", diacritics=False) == "dong tuyen"
    assert normalize_name("ĐỒNG TUYỂN", diacritics=False) == "dong tuyen"
    assert normalize_name("Đồng") != normalize_name("Dồng")


def test_d_with_stroke_in_resolution(tmp_path):
    reg = synthetic(tmp_path, [("00001", "Xã Đồng Tuyển"), ("00002", "Xã Dương Quỳ")])
    assert reg.resolve("Dong Tuyen", scope="001") == "00001"
    assert reg.resolve("DONG TUYEN", scope="001") == "00001"
    assert reg.resolve("đồng tuyển", scope="001") == "00001"
    assert reg.resolve(unicodedata.normalize("NFD", "Đồng Tuyển"), scope="001") == "00001"
    assert reg.resolve("Duong Quy", scope="001") == "00002"


def test_d_and_d_with_stroke_are_different_names(tmp_path):
    reg = synthetic(tmp_path, [("00001", "Xã Đồng Tuyển"), ("00002", "Xã Dồng Tuyển")])
    assert reg.resolve("Đồng Tuyển", scope="001") == "00001"
    assert reg.resolve("Dồng Tuyển", scope="001") == "00002"
    assert reg.resolve("UBND xã đồng tuyển", scope="001") == "00001"
    # with marks written, the fewest edits decides; without any, it is ambiguous
    assert reg.resolve("Dồng Tuyen", scope="001") == "00002"
    assert reg.resolve("Đong Tuyển", scope="001") == "00001"
    err = raised(reg.resolve, "Dong Tuyen", scope="001")
    assert {code for code, _ in err.candidates} == {"00001", "00002"}


def test_moved_tone_marks(tmp_path):
    reg = synthetic(
        tmp_path, [("00001", "Xã Hòa Bình"), ("00002", "Xã Thủy Nguyên"), ("00003", "Xã Hoà An")]
    )
    assert reg.resolve("Hoà Bình", scope="001") == "00001"
    assert reg.resolve("Ho\u0300a Bi\u0300nh", scope="001") == "00001"
    assert reg.resolve("Thuỷ Nguyên", scope="001") == "00002"
    assert reg.resolve("Hòa An", scope="001") == "00003"


def test_ascii_level_word_may_be_part_of_the_name(tmp_path):
    # "Tinh" may be "Tỉnh" (a level word) or "Tịnh" (a syllable of the name)
    reg = synthetic(tmp_path, [("00001", "Xã Tịnh Ấn"), ("00002", "Xã Phương Độ")])
    assert reg.resolve("Tinh An", scope="001") == "00001"
    assert reg.resolve("Tịnh Ấn", scope="01") == "00001"
    assert reg.resolve("Phuong Do", scope="001") == "00002"
    assert reg.resolve("Xã Phương Độ", scope="001") == "00002"
    raised(reg.resolve, "Tỉnh Ấn", scope="001")


def test_similar_long_names_are_not_guessed(tmp_path):
    reg = synthetic(tmp_path, [("00001", "Xã Lùng Khấu Nhin"), ("00002", "Xã Lùng Khấu Nhan")])
    # equally close to both
    err = raised(reg.resolve, "Lung Khau Nhon", scope="001")
    assert "ambiguous" in str(err)
    # closer to Nhin (96.6) than to Nhan (89.7), but both pass the threshold and the lead is
    # under the margin: reported, not guessed
    err = raised(reg.resolve, "Lung Khau Nhinh", scope="001")
    assert {code for code, _ in err.candidates} == {"00001", "00002"}


def test_fuzzy_margin_accepts_a_clear_lead(tmp_path):
    reg = synthetic(tmp_path, [("00001", "Xã Lùng Khấu Nhin"), ("00002", "Xã Lùng Khấu Nha")])
    # 96.6 vs 85.7: both above the threshold, lead >= margin
    assert reg.resolve("Lung Khau Nhinh", scope="001") == "00001"


# --------------------------------------------------------------------------- property


_UNITS = list(load_registry().frame().itertuples(index=False))


@settings(max_examples=examples(300), deadline=None)
@given(
    unit=st.sampled_from(_UNITS),
    case=st.lists(st.booleans(), min_size=1, max_size=40),
    spelling=st.sampled_from(["as_is", "no_diacritics", "no_tones"]),
    nfd=st.booleans(),
    authority=st.sampled_from(["", "UBND ", "Ủy ban nhân dân "]),
    spaces=st.integers(min_value=1, max_value=3),
)
def test_own_name_variants_resolve_back_within_the_parent(
    unit, case, spelling, nfd, authority, spaces
):
    reg = default_registry()
    name = unit.unit_name
    if spelling == "no_diacritics":
        name = normalize_name(name, diacritics=False)
    elif spelling == "no_tones":
        name = strip_tones(name)
    flips = itertools.cycle(case)
    name = "".join(c.upper() if next(flips) else c.lower() for c in name)
    name = (" " * spaces).join(name.split())
    name = authority + name
    if nfd:
        name = unicodedata.normalize("NFD", name)
    period = unit.valid_from or unit.valid_to
    expected = unit.unit_code
    if spelling != "as_is":
        twins, exact = _twins(reg, unit, period, spelling)
        if exact is not None:
            # so spelt, the name is a unit's own exact spelling: that unit (Phường Sa Pả typed
            # "phuong sa pa" is Phường Sa Pa, its neighbour)
            expected = exact
        elif twins:
            # another unit of the parent has the same name so spelt (Vĩnh Hưng/Hùng without
            # diacritics; two names that differ only by their tones, without tones)
            err = raised(reg.resolve, name, scope=unit.parent_code, period=period)
            assert unit.unit_code in {code for code, _ in err.candidates}
            return
    assert reg.resolve(name, scope=unit.parent_code, period=period) == expected


def _twins(reg, unit, period, spelling: str) -> tuple[bool, str | None]:
    """Whether another unit of the parent has the same name so spelt, and the unit (this one or
    a twin) whose proper name that spelling leaves exactly as it is, if any."""

    _, words, plain = split_official(unit.unit_name)
    # Spelt without tones, a name whose letters have no marks of their own ("Minh Quán" →
    # "Minh Quan") has no marks left: it is spelt without diacritics.
    bare = spelling == "no_diacritics" or strip_tones(" ".join(words)) == " ".join(plain)

    def key(name: str) -> str:
        if bare:
            return normalize_name(name, diacritics=False)
        return strip_tones(normalize_name(name))

    def unchanged(name: str) -> bool:
        _, words, plain = split_official(name)
        proper = " ".join(words)
        return (" ".join(plain) if bare else strip_tones(proper)) == proper

    frame = reg.frame(period)
    peers = frame[frame["parent_code"] == unit.parent_code]
    peers = peers[peers["unit_code"] != unit.unit_code]
    twins = [r for r in peers.itertuples() if key(r.unit_name) == key(unit.unit_name)]
    if not twins or unchanged(unit.unit_name):
        return bool(twins), unit.unit_code if twins else None
    exact = [r.unit_code for r in twins if unchanged(r.unit_name)]
    return True, exact[0] if len(exact) == 1 else None


def test_a_name_typed_without_any_tone_does_not_pick_the_unit_with_fewer_tones():
    # Hậu Lộc (400) had Xã Hoa Lộc and Xã Hòa Lộc; Hoằng Hóa (399) Xã Hoằng Đồng and Xã Hoằng
    # Đông: typed without tones, either may be meant (found by going through every unit)
    reg = default_registry()
    for text, scope, codes in [
        ("Xa Hoa Lôc", "400", {"16063", "16075"}),
        ("xã Hoăng Đông", "399", {"15952", "15997"}),
    ]:
        err = raised(reg.resolve, text, scope=scope, period="2025-06")
        assert {code for code, _ in err.candidates} == codes and "đủ dấu" in str(err)
    assert reg.resolve("Xã Hòa Lôc", scope="400", period="2025-06") == "16075"  # a tone typed
    # a name that is one unit's exact spelling is that unit (Sa Pa had Phường Sa Pa, Sa Pả)
    assert reg.resolve("phuong sa pa", scope="088", period="2025-06") == "03001"


def test_a_name_with_a_dash_of_its_own_resolves():
    # "X - Y" is read as unit X in Y ("Xã Lâm Thao - Tỉnh Phú Thọ"), and otherwise as one name
    reg = default_registry()
    for text in ("Tỉnh Bà Rịa - Vũng Tàu", "Bà Rịa – Vũng Tàu", "tinh ba ria - vung tau"):
        assert reg.resolve(text, period="2025-06") == "77"
    assert reg.resolve("Xã Lâm Thao - Tỉnh Phú Thọ", period="2025-06") == "08494"


def test_a_name_typed_without_tones_is_the_unit_whose_letters_it_keeps():
    # Kỳ Sơn (417) had Xã Nậm Cắn (16837) and Xã Nậm Càn (16873): without tones "Nâm Căn"
    # and "Nâm Can", the same without any diacritics (found by the property above)
    reg = default_registry()
    assert reg.resolve("xã Nâm Can", scope="417", period="2025-06") == "16873"
    assert reg.resolve("XA NÂM CĂN", scope="417", period="2025-06") == "16837"
    err = raised(reg.resolve, "Xã Nam Can", scope="417", period="2025-06")
    assert {code for code, _ in err.candidates} == {"16837", "16873"}


# --------------------------------------------------------------------------- loading


def test_user_csv_with_minimal_or_aliased_columns(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(
        "\ufeffunit_code,unit_name,level,parent_code,note\n"
        "01,Tỉnh Thử,province,,x\n001, Huyện Thử ,district,01,\n00001,Xã Một,commune,001,\n",
        encoding="utf-8",
    )
    reg = load_registry(path)
    assert reg.children("001", "2030-01") == ["00001"]
    assert reg.name("001") == "Huyện Thử"
    assert reg.resolve("xa mot", scope="01") == "00001"
    assert reg.merger_map() == {}


def test_verbatim_2024_list_loads_as_a_user_csv():
    reg = load_registry(UNITS_DIR / SNAPSHOT_FILE)
    assert len(reg.children("083")) == 16
    assert reg.resolve("Tả Thành", scope="083") == "02794"


@pytest.mark.parametrize(
    ("body", "row", "column", "words"),
    [
        ("01,Tỉnh A,province,,,,\n001,Huyện B,county,01,,,\n", 3, "level", "unknown level"),
        ("01,Tỉnh A,province,,,,\n,Huyện B,district,01,,,\n", 3, "code", "empty code"),
        ("01,Tỉnh A,province,,,,\n001,,district,01,,,\n", 3, "name", "empty name"),
        ("01,Tỉnh A,province,,,,\n001,Huyện B,district,02,,,\n", 3, "parent_code", "parent"),
        ("01,Tỉnh A,province,,,,\n001,Huyện B,district,,,,\n", 3, "parent_code", "parent"),
        (
            "01,Tỉnh A,province,,,,\n001,Huyện B,district,01,,,\n0001,Huyện C,district,001,,,\n",
            4,
            "parent_code",
            "not higher",
        ),
        (
            "01,Tỉnh A,province,,,,\n001,Huyện B,district,01,,2025-06,\n"
            "001,Huyện B2,district,01,2025-06,,\n",
            4,
            "code",
            "overlapping",
        ),
        ("01,Tỉnh A,province,,,,\n001,Huyện B,district,01,2025-13,,\n", 3, "valid_from", "month"),
        (
            "01,Tỉnh A,province,,,,\n001,Huyện B,district,01,2025-07,2025-06,\n",
            3,
            "valid_to",
            "before",
        ),
        (
            "01,Tỉnh A,province,,,,\n001,Huyện B,district,01,,,01\n",
            3,
            "valid_to",
            "needs valid_to",
        ),
        (
            "01,Tỉnh A,province,,,,\n001,Huyện B,district,01,,2025-06,002\n",
            3,
            "merged_into",
            "target",
        ),
        (
            "01,Tỉnh A,province,,,2025-06,\n001,Huyện B,district,01,,,\n",
            3,
            "parent_code",
            "parent missing",
        ),
    ],
)
def test_invalid_registry_rows_are_reported(tmp_path, body, row, column, words):
    path = write_registry(tmp_path, body, "bad.csv")
    err = raised(load_registry, path)
    assert err.row == row and err.column == column
    assert words in str(err) and "bad.csv" in str(err) and f"dòng {row}" in str(err)


def test_missing_file_or_column(tmp_path):
    err = raised(load_registry, tmp_path / "nope.csv")
    assert "nope.csv" in str(err)
    path = tmp_path / "cols.csv"
    path.write_text("code,name,parent_code\n01,Tỉnh A,\n", encoding="utf-8")
    err = raised(load_registry, path)
    assert err.column == "level"
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    raised(load_registry, empty)


def test_same_code_in_successive_windows_is_allowed(tmp_path):
    body = (
        "01,Tỉnh A,province,,,,\n001,Huyện B,district,01,,2025-06,\n"
        "0001,Thị trấn C,commune,001,,2025-06,0001\n0001,Xã C,commune,01,2025-07,,\n"
    )
    reg = load_registry(write_registry(tmp_path, body))
    assert reg.merger_map() == {"0001": "0001"}
    assert reg.parent("0001", "2025-06") == "001"
    assert reg.parent("0001", "2025-07") == "01"


# --------------------------------------------------------------------------- command


def test_resolve_command(reg):
    text, code = resolve_command(["Tả Thành", "thị trấn Mường Khương"], "083", reg)
    assert code == 0
    lines = [line.split("\t") for line in text.splitlines()]
    assert lines == [["Tả Thành", "02794"], ["thị trấn Mường Khương", "02761"]]
    text, code = resolve_command(["Tả Thành", "Xã Hà Nội"], "083", reg)
    name, error = text.splitlines()[1].split("\t")
    assert code == 1 and name == "Xã Hà Nội" and "gần nhất" in error
    text, code = resolve_command(["Tả Thành"], "999", reg)
    assert code == 2 and "999" in text
    text, code = resolve_command(["Xã Cao Sơn"], "15", reg, period="2025-07")
    assert code == 0 and text.splitlines() == ["Xã Cao Sơn\t02782"]


@given(st.text(min_size=1, max_size=30))
@example("Xã\tTả Thành").via("a pasted tab")
@example("Tả\nThành\r").via("line breaks")
@example("\x1b[31mTả Thành").via("a terminal escape")
@settings(max_examples=examples(50), deadline=None)
def test_resolve_command_prints_one_line_of_two_fields_per_name(name):
    """Whatever a pasted name holds (tabs, line breaks, control characters), its line has two
    fields: a script reading the output keeps names and codes in step."""
    text, _ = resolve_command([name, "Tả Thành"], "083", default_registry(), period="2024-08")
    lines = text.split("\n")
    assert len(lines) == 2 and all(line.count("\t") == 1 for line in lines)
    assert lines[1] == "Tả Thành\t02794"


def test_cli_units_resolve(capsys):
    from mkbidx.cli import main

    old = ["--period", "2024-08"]
    assert main(["units", "resolve", "Tả Thành", "Dìn Chín", "--scope", "083", *old]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["Tả Thành\t02794", "Dìn Chín\t02764"]
    assert main(["units", "resolve", "Mường Khương", "--scope", "10", *old]) == 1
    assert "ambiguous" in capsys.readouterr().out
    assert main(["units", "resolve", "Tả Thành", "--scope", "999"]) == 2
    assert "999" in capsys.readouterr().err


@pytest.mark.parametrize(
    "name, code",
    [("TX Sapa", "088"), ("Thị xã SaPa", "088"), ("H. Simacai", "084"), ("Huyện BátXát", "082")],
)
def test_syllables_written_together_resolve(reg, name, code):
    assert reg.resolve(name, scope="10", period="2024-08") == code


# --------------------------------------------------------------------------- national registry


def test_national_counts_before_and_after_the_reorganisation(reg):
    before, after = reg.frame("2025-06"), reg.frame("2025-07")
    assert before["level"].value_counts().to_dict() == {
        "commune": 10035,
        "district": 696,
        "province": 63,
    }
    assert after["level"].value_counts().to_dict() == {"commune": 3321, "province": 34}
    assert reg.frame("2024-12").equals(before)
    assert len(reg.children("25", "2025-08")) == 148


def test_new_lao_cai_is_code_15(reg):
    assert reg.name("15", "2025-08") == "Tỉnh Lào Cai"
    assert reg.successors("10") == ["15"] and reg.successors("15") == ["15"]  # Yên Bái too
    for code, name in [
        ("02752", "Xã Pha Long"),
        ("02761", "Xã Mường Khương"),
        ("02782", "Xã Cao Sơn"),
        ("02788", "Xã Bản Lầu"),
    ]:
        assert reg.name(code, "2025-08") == name and reg.parent(code, "2025-08") == "15"


def test_crosswalk_both_ways_and_divided_communes(reg):
    assert reg.successors("02758") == ["02761"]
    assert set(reg.predecessors("02761")) == {
        c for c, n in reg.merger_map(OLD_COMMUNES).items() if n == "02761"
    }
    divided = reg.crosswalk.divided()
    assert len(divided) == 471
    old, news = next(iter(divided.items()))
    assert reg.merger_map()[old] == news[0]  # the primary successor carries the history
    for new in news[1:]:
        assert old in reg.crosswalk.divided_into(new)


def test_crosswalk_file_matches_the_registry(reg):
    primary = reg.crosswalk.primary()
    for old, new in reg.merger_map().items():
        assert primary[old] == new


def test_ambiguous_without_scope_lists_candidates_with_their_province(reg):
    err = raised(reg.resolve, "Xã Cao Sơn", period="2025-08")
    text = str(err)
    assert "ambiguous" in text and "(02782, Tỉnh Lào Cai)" in text
    assert len(err.candidates) >= 2
    assert reg.resolve("Xã Cao Sơn", scope="15", period="2025-08") == "02782"


@pytest.mark.parametrize(
    ("name", "scope", "code"),
    [
        ("UBND xã Hy Cương", "25", "08515"),
        ("UBND Phường Việt Trì", "25", "07900"),
        ("Xã Lâm Thao - Tỉnh Phú Thọ", None, "08494"),
        ("Xã Lâm Thao, Tỉnh Phú Thọ", None, "08494"),
        ("TT. Muong Khuong", "083", "02761"),
        ("Xã Mưòng Khương", "15", "02761"),
    ],
)
def test_usual_spellings_nationwide(reg, name, scope, code):
    assert reg.resolve(name, scope=scope, period="2025-08" if scope != "083" else "2024-08") == code


def test_all_current_communes_resolve_within_their_province(reg):
    frame = reg.frame("2025-08")
    communes = frame[frame["level"] == "commune"]
    got = [
        reg.resolve(name, scope=parent, period="2025-08")
        for name, parent in zip(communes["unit_name"], communes["parent_code"], strict=True)
    ]
    assert got == communes["unit_code"].tolist()


def test_user_file_extends_the_national_registry(tmp_path):
    path = write_registry(
        tmp_path,
        "99001,Xã Thử Nghiệm,commune,15,2025-07,,\n02752,Xã Pha Long Mới,commune,15,2025-07,,\n",
    )
    reg = load_registry(path, extend=True)
    assert reg.resolve("Thử Nghiệm", scope="15", period="2025-08") == "99001"
    assert reg.name("02752", "2025-08") == "Xã Pha Long Mới"
    assert reg.name("02752", "2024-08") == "Xã Pha Long"  # the old version stays
    assert len(reg.children("15", "2025-08")) == 100


# --------------------------------------------------------------------------- units commands


def _csv_rows(capsys) -> list[list[str]]:
    return [line.split(",") for line in capsys.readouterr().out.splitlines()]


@pytest.mark.parametrize(
    ("args", "count"),
    [
        (["--period", "2025-08", "--level", "province"], 34),
        (["--period", "2024-12", "--level", "province"], 63),
        (["--period", "2024-12", "--level", "district"], 696),
        (["--period", "2025-08", "--level", "commune"], 3321),
        (["--period", "2024-12", "--level", "commune"], 10035),
        (["--period", "2025-08", "--scope", "25"], 148),
        (["--period", "2024-08", "--scope", "083"], 16),
    ],
)
def test_cli_units_list_counts(capsys, args, count):
    from mkbidx.cli import main

    assert main(["units", "list", *args, "--format", "csv"]) == 0
    rows = _csv_rows(capsys)
    assert rows[0][:4] == ["code", "name", "level", "parent_code"]
    assert len(rows) - 1 == count


def test_cli_units_list_table_and_bad_scope(capsys):
    from mkbidx.cli import main

    assert (
        main(["units", "list", "--period", "2025-08", "--scope", "15", "--level", "commune"]) == 0
    )
    out = capsys.readouterr().out
    assert "02761" in out and "Xã Mường Khương" in out
    assert main(["units", "list", "--period", "2025-08", "--scope", "98765"]) == 2
    err = capsys.readouterr().err
    assert "98765" in err and "gần nhất" in err and len(err.strip().splitlines()) == 1


def test_cli_units_crosswalk(capsys):
    from mkbidx.cli import main

    assert main(["units", "crosswalk", "02758"]) == 0
    assert capsys.readouterr().out.splitlines() == ["02758\t02761\tXã Mường Khương"]
    assert main(["units", "crosswalk", "--reverse", "02782"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[1] for line in lines] == ["02776", "02782", "02791", "02794"]
    old, news = next(iter(default_registry().crosswalk.divided().items()))
    assert main(["units", "crosswalk", old]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[1] for line in lines] == news and len(lines) >= 2
    assert main(["units", "crosswalk", "99999"]) == 2
    assert "99999" in capsys.readouterr().err


def test_cli_units_resolve_defaults_to_the_newest_units(capsys):
    from mkbidx.cli import main

    assert main(["units", "resolve", "Xã Mường Khương", "--scope", "15"]) == 0
    assert capsys.readouterr().out.strip() == "Xã Mường Khương\t02761"
    assert main(["units", "resolve", "Xã Cao Sơn"]) == 1
    out = capsys.readouterr().out
    assert "Tỉnh Lào Cai" in out and "Tỉnh Phú Thọ" in out


def test_cli_units_registry_extends(tmp_path, capsys):
    from mkbidx.cli import main

    path = write_registry(tmp_path, "99001,Xã Thử Nghiệm,commune,15,2025-07,,\n")
    assert main(["units", "resolve", "Thử Nghiệm", "--scope", "15", "--registry", str(path)]) == 0
    assert capsys.readouterr().out.strip() == "Thử Nghiệm\t99001"


def test_generated_files_are_those_recorded_in_sources_json():
    import hashlib
    import json

    sources = json.loads((UNITS_DIR / "sources.json").read_text(encoding="utf-8"))
    assert sources["source"]["package"] == "vietnamadminunits"
    assert sources["source"]["version"] == "1.0.4" and sources["source"]["licence"] == "MIT"
    for name, digest in sources["outputs"].items():
        assert hashlib.sha256((UNITS_DIR / name).read_bytes()).hexdigest() == digest, name


def test_portal_provinces_agree_with_the_registry(reg):
    from mkbidx.inputs.portal_ids import portal_provinces

    table = portal_provinces()
    assert sorted(table["code"]) == sorted(
        reg.frame("2025-08").query("level == 'province'")["unit_code"]
    )
    for code, name in zip(table["code"], table["name"], strict=True):
        assert reg.name(code, "2025-08") == name


# --------------------------------------------------------------------------- cache
@pytest.mark.slow  # reads and checks the national registry several times
def test_national_registry_is_cached_until_its_files_or_code_change(tmp_path, monkeypatch):
    from mkbidx.inputs import units

    monkeypatch.setenv(units.CACHE_ENV, str(tmp_path / "cache"))
    fresh = units._load_national()
    first = load_registry()
    cached = list((tmp_path / "cache").glob("registry-*.pickle"))
    assert len(cached) == 1
    # read from the cache now, not from data/units/
    monkeypatch.setattr(units, "_load_national", lambda: pytest.fail("registry read again"))
    again = load_registry()
    assert again is not first  # a registry of its own, as before
    pd.testing.assert_frame_equal(again.frame(), fresh.frame())
    assert again.crosswalk.pairs == fresh.crosswalk.pairs and again.source == fresh.source
    assert again.resolve("UBND xã Tả Thành", scope="083") == "02794"
    assert again.resolve_many(["Ta Gia Khau"], scope="083") == ["02767"]
    monkeypatch.setattr(units, "_load_national", lambda: fresh)
    # a damaged cache is rebuilt
    cached[0].write_bytes(b"not a pickle")
    assert load_registry() is fresh and cached[0].read_bytes() != b"not a pickle"
    # another key (a registry file or the code changed): a new cache, the old one removed
    monkeypatch.setattr(units, "_registry_key", lambda: "other")
    load_registry()
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["registry-other.pickle"]
    # turned off, or not writable: loaded without a cache
    monkeypatch.setenv(units.CACHE_ENV, "")
    assert units.cache_dir() is None and load_registry() is fresh
    blocked = tmp_path / "file"
    blocked.write_text("x")
    monkeypatch.setenv(units.CACHE_ENV, str(blocked / "cache"))
    assert load_registry() is fresh
