"""The methodology YAML: invariants, options and their effect."""

from __future__ import annotations

import pytest
import yaml

from mkbidx import methodology
from mkbidx.errors import MkbidxError


def test_groups_and_maxima(method):
    assert method.group_keys == [
        "cong_khai",
        "tien_do",
        "dvc_truc_tuyen",
        "thanh_toan",
        "hai_long",
        "so_hoa",
    ]
    assert [g.max for g in method.groups] == [18, 20, 12, 10, 18, 22]
    assert sum(g.max for g in method.groups) == method.total_max == 100
    for g in method.groups:
        assert sum(m.max for m in g.metrics) == g.max, g.key


def test_options_have_documented_defaults(method):
    for name, spec in method.option_docs.items():
        assert spec["doc"].strip(), name
        assert spec["default"] in spec["choices"]
        assert method.options[name] == spec["default"]


def test_bands_default_and_override(method):
    assert [(b.label, b.min) for b in method.bands] == [("Tốt", 80), ("Chưa tốt", 0)]
    custom = method.with_bands([("Khá", 65), ("Tốt", 85), ("Yếu", 0)])
    assert [(b.label, b.min) for b in custom.bands] == [("Tốt", 85), ("Khá", 65), ("Yếu", 0)]
    with pytest.raises(MkbidxError):
        method.with_bands([("Tốt", 80), ("Khá", 80), ("Yếu", 0)])


@pytest.mark.parametrize(
    ("bands", "fragment"),
    [
        ([("Tốt", float("nan")), ("Kém", 0)], "ngoài khoảng 0-100"),
        ([("Tốt", float("inf")), ("Kém", 0)], "ngoài khoảng 0-100"),
        ([("Tốt", 101), ("Kém", 0)], "ngoài khoảng 0-100"),
        ([("Tốt", 80), ("Kém", -5)], "ngoài khoảng 0-100"),
        ([("", 80), ("Kém", 0)], "không có tên"),
        ([("Tốt", 80), ("Tốt", 0)], "trùng"),
    ],
)
def test_a_band_no_total_can_reach_or_without_a_name_is_refused(method, bands, fragment):
    """A NaN threshold put every unit in the lowest band; an empty label printed blank bands."""
    with pytest.raises(MkbidxError, match=fragment):
        method.with_bands(bands)


def test_unknown_option_and_value_rejected():
    with pytest.raises(MkbidxError, match="petitions"):
        methodology.load(options={"no_such_option": "x"})
    with pytest.raises(MkbidxError, match="redistribute"):
        methodology.load(options={"petitions_without_data": "maybe"})


def test_uncapped_option_lifts_part_c(method):
    uncapped = methodology.load(options={"payment_fee_formalities_cap": "uncapped"})
    assert uncapped.metric("FEE_FORMALITIES_ON_PORTAL").max == 2.5
    assert uncapped.group_caps == {"thanh_toan": 10.0}
    assert method.metric("FEE_FORMALITIES_ON_PORTAL").max == 2


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d["groups"][0].update(max=19), "101"),
        (lambda d: d["groups"][0]["metrics"][0].update(max=7), "≠"),
        (lambda d: d["groups"][1]["metrics"][0].update(code="PUBLISH_ON_TIME"), "trùng"),
        (lambda d: d["groups"][0]["metrics"][0].update(rule="cubic"), "cubic"),
    ],
)
def test_invariants_checked_on_load(tmp_path, mutate, message):
    from importlib import resources

    raw = yaml.safe_load(
        resources.files("mkbidx.methodology").joinpath("qd766-2026.yaml").read_text("utf-8")
    )
    mutate(raw)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(MkbidxError, match=message) as err:
        methodology.load(path)
    assert "broken.yaml" in str(err.value)


def test_dependencies_match_environment_yml():
    import re
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    project = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["project"]
    extras = project["optional-dependencies"]
    wanted = project["dependencies"] + extras["dev"] + extras["spark"]

    def name(spec: str) -> str:
        return re.split(r"[<>=!~ \[]", spec, maxsplit=1)[0].lower().replace("_", "-")

    env = yaml.safe_load((root / "environment.yml").read_text("utf-8"))
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    conda_names = {name(d) for d in conda} - {"python", "pip"}
    assert conda_names == {name(d) for d in wanted}
    pip_part = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip_part

    # versions agree too
    def version(spec: str) -> str:  # ">=10.0" of "ibis-framework[duckdb]>=10.0"
        return re.sub(r"^\[[^\]]*\]", "", spec[len(name(spec)) :])

    pins = {name(d): version(d) for d in wanted}
    for d in conda:
        if name(d) in pins:
            assert d[len(name(d)) :] == pins[name(d)], d
