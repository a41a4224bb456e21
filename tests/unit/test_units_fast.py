"""The fast paths of the unit labels equal the straightforward ones they replace.

:meth:`Registry.units_frame` of some codes reads only those codes' versions, and
:func:`mkbidx.inputs.loading.unit_labels` gathers every period's registry rows in one frame:
both are checked here against a plain transcription of the loops they replaced, on the national
registry (every state of it) and on random registries (hypothesis).
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from mkbidx.errors import MkbidxError
from mkbidx.inputs import readers
from mkbidx.inputs.frames import COUNTS_COLUMNS, GROUPS_COLUMNS, UNITS_COLUMNS, Dataset
from mkbidx.inputs.loading import unit_labels
from mkbidx.inputs.unit_files import UnitVersion
from mkbidx.inputs.units import Registry, _month, default_registry
from mkbidx.schemas import UNIT_PERIOD_COLUMNS

FRAME_COLUMNS = ["unit_code", "unit_name", "level", "parent_code"]


def reference_units_frame(reg: Registry, period: str, codes=None) -> pd.DataFrame:
    """:meth:`Registry.units_frame` as it was: one pass over every version of the registry."""
    month = _month(period)
    if codes is None:
        chosen = [u for u in reg._units if u.valid_at(month)]
    else:
        keep: set[str] = set()
        for code in {str(c) for c in codes}:
            while code is not None and code not in keep:
                versions = reg._versions.get(code, ())
                unit = next((u for u in versions if u.valid_at(month)), None)
                if unit is None:
                    break
                keep.add(code)
                code = unit.parent_code
        chosen = [u for u in reg._units if u.code in keep and u.valid_at(month)]
    rows = [(u.code, u.name, u.level, u.parent_code) for u in chosen]
    return pd.DataFrame(rows, columns=FRAME_COLUMNS, dtype=object)


def reference_unit_labels(dataset, registry) -> pd.DataFrame:
    """:func:`unit_labels` as it was: one registry frame per period, concatenated."""
    own = dataset.units.drop_duplicates(["period", "unit_code"], keep="first")
    extra = own["extra"] if "extra" in own else pd.Series(None, index=own.index, dtype=object)
    by_name = extra.map(lambda e: isinstance(e, dict) and readers.NAME_IN_FILE in e).astype(bool)
    file_names = own.loc[by_name, ["period", "unit_code", "unit_name"]]
    own = own[UNIT_PERIOD_COLUMNS].assign(
        unit_name=own["unit_name"].astype(object).where(~by_name, None)
    )
    periods = sorted(set(dataset.counts["period"]) | set(dataset.published_groups["period"]))
    official = []
    if registry is not None:
        codes = set(own["unit_code"])
        for period in periods:
            try:
                official.append(
                    reference_units_frame(registry, period, codes).assign(period=period)
                )
            except MkbidxError:
                continue
    if official:
        reg = pd.concat(official, ignore_index=True)[UNIT_PERIOD_COLUMNS]
        own = own.merge(reg, on=["period", "unit_code"], how="outer", suffixes=("", "_reg"))
        for col in ("unit_name", "level", "parent_code"):
            own[col] = own[col].astype(object).where(own[col].notna(), own[f"{col}_reg"])
            own[col] = own[col].astype(object).where(own[col].notna(), None)
    if len(file_names):
        fallback = {(p, c): n for p, c, n in file_names.itertuples(index=False)}
        named = own["unit_name"].isna()
        own.loc[named, "unit_name"] = [
            fallback.get((p, c)) for p, c in own.loc[named, ["period", "unit_code"]].to_numpy()
        ]
        own["unit_name"] = own["unit_name"].astype(object).where(own["unit_name"].notna(), None)
    return own[UNIT_PERIOD_COLUMNS].reset_index(drop=True)


def assert_same(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    for col in fast.columns:  # None stays None, not NaN
        assert [(type(v), v) for v in fast[col]] == [(type(v), v) for v in slow[col]], col


# ------------------------------------------------------------------ the national registry
# Its windows change only at 2025-06/2025-07: months on both sides, quarters and years.
PERIODS = ["2023-01", "2024-08", "2024-Q4", "2024", "2025-06", "2025-07", "2025-Q3", "2026-08"]


@pytest.fixture(scope="module")
def reg() -> Registry:
    return default_registry()


@pytest.mark.parametrize("period", PERIODS)
def test_units_frame_of_codes_equals_one_pass_over_the_registry(reg, period):
    lao_cai = ["02752", "02761", "02782", "02794", "083", "088", "10", "15"]
    every = sorted({u.code for u in reg._units})
    for codes in (lao_cai, every[::97], every, ["nope", "02761", "15"], []):
        assert_same(reg.units_frame(period, codes), reference_units_frame(reg, period, codes))
        assert reg.units_rows(period, codes) == list(
            reference_units_frame(reg, period, codes).itertuples(index=False, name=None)
        )


def test_units_frame_of_every_unit_is_unchanged(reg):
    for period in ("2024-08", "2025-07"):
        assert_same(reg.units_frame(period), reference_units_frame(reg, period))


def test_units_frame_refuses_what_it_refused(reg):
    for period in (None, "2024-13", "unknown"):
        with pytest.raises(MkbidxError):
            reg.units_frame(period, ["02761"])


def _dataset(rows: list[tuple[str, str, str | None]], group_periods: list[str]) -> Dataset:
    """A dataset with units (period, code, name), one count row per unit and group rows."""
    units = pd.DataFrame(
        [
            {c: None for c in UNITS_COLUMNS}
            | {"period": p, "unit_code": c, "unit_name": n, "is_root": False}
            | ({"extra": {readers.NAME_IN_FILE: "UBND xã X"}} if i == 0 else {})
            for i, (p, c, n) in enumerate(rows)
        ],
        columns=list(UNITS_COLUMNS),
    )
    counts = pd.DataFrame(
        [{c: None for c in COUNTS_COLUMNS} | {"period": p, "unit_code": c} for p, c, _ in rows],
        columns=list(COUNTS_COLUMNS),
    )
    groups = pd.DataFrame(
        [
            {c: None for c in GROUPS_COLUMNS} | {"period": p, "unit_code": "10"}
            for p in group_periods
        ],
        columns=list(GROUPS_COLUMNS),
    )
    return Dataset(
        readers._cat([counts], COUNTS_COLUMNS),
        readers._cat([groups], GROUPS_COLUMNS),
        readers._finish_units(readers._cat([units], UNITS_COLUMNS)),
    )


def test_unit_labels_of_the_sample_data_equal_the_reference(reg):
    from mkbidx.inputs.loading import load_inputs
    from mkbidx.paths import DEFAULT_DATA

    ds = load_inputs(DEFAULT_DATA).dataset
    assert_same(unit_labels(ds, reg), reference_unit_labels(ds, reg))
    assert_same(unit_labels(ds, None), reference_unit_labels(ds, None))


@pytest.mark.parametrize(
    "rows, group_periods",
    [
        ([("2024-08", "02761", None), ("2025-07", "02761", "Xã MK"), ("2024-Q3", "083", None)], []),
        ([("unknown", "02761", None), ("2024-08", "zz", "Z")], ["2024"]),
        ([("unknown", "02761", None)], []),  # no period the registry can place
        ([], ["2024-08"]),  # only published groups
        ([], []),
    ],
)
def test_unit_labels_equal_the_reference(reg, rows, group_periods):
    ds = _dataset(rows, group_periods)
    assert_same(unit_labels(ds, reg), reference_unit_labels(ds, reg))


# ------------------------------------------------------------------ random registries
MONTHS = ["2024-01", "2024-06", "2024-12", "2025-06", "2025-07", "2026-01"]
CODES = ["1", "2", "3", "4", "5", "6", "7"]
LEVEL_OF = {"1": "province", "2": "province", "3": "district", "4": "district"}


@st.composite
def versions(draw) -> list[UnitVersion]:
    """Random unit versions: windows may overlap, parents may be missing or cyclic, and the
    rows are in any order (what a hand-written registry could hold before its checks)."""
    out = []
    for row in range(draw(st.integers(0, 14))):
        code = draw(st.sampled_from(CODES))
        start = draw(st.sampled_from([None, *MONTHS]))
        end = draw(st.sampled_from([None, *[m for m in MONTHS if start is None or m >= start]]))
        parent = draw(st.sampled_from([None, *CODES[:4], "9"]))
        name = f"Unit {code} r{row}"
        level = LEVEL_OF.get(code, "commune")
        out.append(UnitVersion(code, name, level, parent, start, end, None, row + 2))
    return out


@settings(max_examples=examples(200), deadline=None)
@given(
    units=versions(),
    codes=st.one_of(st.none(), st.lists(st.sampled_from([*CODES, "9"]), max_size=5)),
    period=st.sampled_from([*MONTHS, "2024-Q2", "2025"]),
)
def test_units_frame_equals_the_reference_on_random_registries(units, codes, period):
    reg = Registry(units, "random")
    assert_same(reg.units_frame(period, codes), reference_units_frame(reg, period, codes))


@settings(max_examples=examples(80), deadline=None)
@given(
    units=versions(),
    rows=st.lists(
        st.tuples(
            st.sampled_from([*MONTHS, "2024-Q2", "unknown"]),
            st.sampled_from([*CODES, "9"]),
            st.sampled_from([None, "Own name"]),
        ),
        max_size=8,
    ),
)
def test_unit_labels_equal_the_reference_on_random_registries(units, rows):
    reg = Registry(units, "random")
    ds = _dataset(rows, [])
    assert_same(unit_labels(ds, reg), reference_unit_labels(ds, reg))


# ------------------------------------------------------------------ readers: codes by name
def reference_codes_by_name(parts) -> None:
    """:func:`mkbidx.inputs.readers._codes_by_name` as it was (a groupby of every coded unit)."""
    coded = [p.units.loc[p.units["_has_code"], ["period", "unit_name", "unit_code"]] for p in parts]
    coded = [c for c in coded if len(c)]
    if not coded:
        return
    known = pd.concat(coded, ignore_index=True).dropna().drop_duplicates()
    by_name = known.groupby(["period", "unit_name"])["unit_code"].agg(lambda s: sorted(set(s)))
    for part in parts:
        if not part.from_json:
            continue
        missing = part.units[~part.units["_has_code"]]
        rename = {}
        for row in missing.itertuples(index=False):
            codes = by_name.get((row.period, row.unit_name))
            if codes is not None and len(codes) == 1:
                rename[row.unit_code] = codes[0]
        if not rename:
            continue
        names = ", ".join(
            f"'{n}' → {rename[c]}"
            for n, c in missing[["unit_name", "unit_code"]].itertuples(index=False)
            if c in rename
        )
        part.notes.append(
            f"{part.file}: đơn vị không có mã (departmentCode) được gán mã theo tên "
            f"ở tệp khác: {names}"
        )
        part.units["_has_code"] = part.units["_has_code"] | part.units["unit_code"].isin(rename)
        for frame, cols in (
            (part.units, ("unit_code", "parent_code")),
            (part.counts, ("unit_code",)),
            (part.groups, ("unit_code",)),
        ):
            for col in cols:
                frame[col] = [rename.get(c, c) for c in frame[col]]


UNIT_ROWS = st.tuples(
    st.sampled_from(["2026-07", "2026-08"]),
    st.sampled_from(["A", "B", "C", "D"]),  # code (or departmentId when not coded)
    st.sampled_from([None, "UBND xã X", "UBND xã Y", "UBND tỉnh Z"]),
    st.booleans(),  # has a code
)


def _part(index: int, rows, from_json: bool):
    from pathlib import Path

    from mkbidx.inputs.frames import Part

    units = pd.DataFrame(
        [
            {c: None for c in UNITS_COLUMNS}
            | {"period": p, "unit_code": c, "unit_name": n, "parent_code": "A", "is_root": False}
            | {"_has_code": h}
            for p, c, n, h in rows
        ],
        columns=[*UNITS_COLUMNS, "_has_code"],
    ).astype({"_has_code": bool})
    counts = pd.DataFrame(
        [{c: None for c in COUNTS_COLUMNS} | {"period": p, "unit_code": c} for p, c, *_ in rows],
        columns=list(COUNTS_COLUMNS),
    )
    groups = pd.DataFrame(columns=list(GROUPS_COLUMNS))
    return Part(Path(f"f{index}.json"), counts, groups, units, from_json=from_json)


@settings(max_examples=examples(120), deadline=None)
@given(
    files=st.lists(
        st.tuples(st.lists(UNIT_ROWS, max_size=6, unique_by=lambda r: (r[0], r[1]))),
        min_size=1,
        max_size=4,
    ),
    json_flags=st.lists(st.booleans(), min_size=4, max_size=4),
)
def test_codes_by_name_equal_the_reference(files, json_flags):
    def make():
        return [_part(i, rows, json_flags[i]) for i, (rows,) in enumerate(files)]

    fast, slow = make(), make()
    readers._codes_by_name(fast)
    reference_codes_by_name(slow)
    for a, b in zip(fast, slow, strict=True):
        assert a.notes == b.notes
        for x, y in ((a.units, b.units), (a.counts, b.counts), (a.groups, b.groups)):
            assert_same(x, y)
