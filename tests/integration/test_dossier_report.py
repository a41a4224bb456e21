"""``--dossiers`` on the embedded sample: its synthetic dossiers derive the sample's counts, so
replacing them changes no fact of August 2024 (88,23/100, 1/9), and the report lists the
dossiers that cost the communes below 80 their points."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import NO_SAMPLE, SAMPLE, requires

from mkbidx import cli

DOSSIERS = SAMPLE / "dossiers" / "mkbidx-sample-dossiers.parquet"
PERIOD, SCOPE = "2024-08", "083"
BELOW_80 = {"02782": "Xã Cao Sơn", "02767": "Xã Tả Gia Khâu", "02758": "Xã Tung Chung Phố"}

pytestmark = requires(DOSSIERS.exists(), NO_SAMPLE)


def _facade():
    try:
        from mkbidx.inputs.dossiers import open_dossiers  # noqa: F401
    except ImportError:  # pragma: no cover - the dossier reader is not there
        pytest.skip("mkbidx.inputs.dossiers.open_dossiers is not available")


def _rank(capsys, *extra) -> tuple[list[dict], str]:
    code = cli.main(
        ["rank", "--period", PERIOD, "--scope", "10", "--format", "csv", "--input", str(SAMPLE)]
        + list(extra)
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    return list(csv.DictReader(io.StringIO(out.out))), out.err


@pytest.mark.slow
def test_rank_with_the_sample_dossiers_keeps_the_facts_of_august_2024(capsys):
    _facade()
    before, _ = _rank(capsys)
    after, err = _rank(capsys, "--dossiers", str(DOSSIERS))
    assert after == before
    district = next(r for r in after if r["unit_code"] == SCOPE)
    assert (district["total"], district["rank"], district["rank_of"]) == ("88.23", "1", "9")
    line = next(x for x in err.splitlines() if "Từ hồ sơ" in x)
    assert "× 16 đơn vị" in line and DOSSIERS.name in line and "dữ liệu Cổng" in line


@pytest.mark.notebooks
def test_report_with_dossiers_lists_the_costly_dossiers_and_keeps_the_letter(tmp_path, capsys):
    _facade()
    out = tmp_path / "out"
    args = ["report", "--period", PERIOD, "--scope", SCOPE, "--input", str(SAMPLE)]
    assert cli.main([*args, "--output", str(out), "--dossiers", str(DOSSIERS)]) == 0
    assert "Từ hồ sơ" in capsys.readouterr().err
    folder = out / PERIOD / SCOPE
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    assert (summary["total"], summary["rank"], summary["rank_of"]) == (88.23, 1, 9)
    assert {u["unit_code"] for u in summary["dossiers"]["units"]} == set(BELOW_80)
    html = (folder / "report.html").read_text("utf-8")
    assert "Hồ sơ làm giảm điểm" in html
    for name in BELOW_80.values():
        assert f"{name}:" in html
    rows = list(csv.DictReader(io.StringIO((folder / "tables" / "dossiers.csv").read_text())))
    assert {r["unit_code"] for r in rows} == set(BELOW_80)
    assert all(r["reasons"] for r in rows)
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert any(f["path"].endswith(DOSSIERS.name) for f in manifest["inputs"])
    letter = (folder / "cong-van.html").read_text("utf-8")
    assert "88,23" in letter and "1/9" in letter
