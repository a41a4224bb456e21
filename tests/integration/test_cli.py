"""The command line, run as a user runs it: real files, exit codes, messages, no tracebacks.

The commands run in this process through :func:`mkbidx.cli.main`, as the console script calls
it (stdout and stderr captured); the first test and ``--version`` run them as processes too.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import PORTAL_SAMPLE

from mkbidx import cli

MKBIDX = [sys.executable, "-m", "mkbidx.cli"]
LAST_LINE = "reproduced {n}/{n} published scores (max difference 0.00)"


def run(*args, cwd=None, process=False):
    """``mkbidx ARGS`` in this process (what a shell sees: exit code, stdout, stderr), or with
    ``process`` as ``python -m mkbidx.cli`` in a process of its own (1-2 s more a command)."""
    argv = [str(a) for a in args]
    if process:
        return subprocess.run(
            [*MKBIDX, *argv], capture_output=True, text=True, cwd=cwd, timeout=300
        )
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.chdir(cwd or Path.cwd()),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            code = cli.main(argv)
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code if isinstance(exc.code, int) else 1
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def test_reconcile_reproduces_every_published_score_of_the_real_samples():
    result = run("reconcile", PORTAL_SAMPLE, process=True)  # the command as a process too
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    # 126 published metric scores (shape A) + 239 published group scores, all recomputable
    assert lines[-1] == LAST_LINE.format(n=365)
    assert "DIFFERS" not in result.stdout
    assert len([ln for ln in lines if ln.endswith("reproduced")]) == 6  # one line per endpoint


def test_reconcile_reports_a_changed_score_and_exits_1(tmp_path):
    for f in PORTAL_SAMPLE.glob("*.json"):
        shutil.copy(f, tmp_path / f.name)
    path = tmp_path / "dvc-progress-tree.json"
    doc = json.loads(path.read_text("utf-8"))
    doc["data"]["children"][4]["score"] += 0.01  # the portal "published" one cent more
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = run("reconcile", tmp_path)
    assert result.returncode == 1
    code = doc["data"]["children"][4]["departmentCode"]
    assert f"DIFFERS {code}" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == (
        "reproduced 364/365 published scores (max difference 0.01)"
    )


def test_reconcile_counts_unrecomputable_scores_apart(tmp_path):
    path = tmp_path / "provide-online-tree.json"
    doc = json.loads((PORTAL_SAMPLE / path.name).read_text("utf-8"))
    doc["data"]["children"] = [
        {
            "departmentCode": "H44.100",
            "departmentName": "UBND Phường Việt Trì",
            "level": "COMMUNE",
            "totalScore": 9.5,
            "totalMaxScore": 12,
        }
    ]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = run("reconcile", path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "cannot be recomputed" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == LAST_LINE.format(n=1)


def test_reconcile_unreadable_input_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "transparency.json"
    bad.write_text('{"code": "OK", "data": {', encoding="utf-8")
    result = run("reconcile", bad)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "transparency.json" in result.stderr


def test_rank_csv_of_the_portal_sample(tmp_path):
    out = tmp_path / "rank.csv"
    result = run(
        "rank",
        "--input",
        PORTAL_SAMPLE,
        "--period",
        "2026-08",
        "--scope",
        "H44",
        "--format",
        "csv",
        "--output",
        out,
    )
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out, dtype={"unit_code": str})
    assert list(table.columns) == [
        "unit_code",
        "portal_code",
        "unit_name",
        "level",
        "cong_khai",
        "tien_do",
        "dvc_truc_tuyen",
        "thanh_toan",
        "hai_long",
        "so_hoa",
        "total",
        "rank",
        "rank_of",
        "band",
    ]
    communes = table[table["level"] == "commune"]
    assert communes["rank"].min() == 1 and communes["rank_of"].nunique() == 1
    # the portal's codes (H44.100...) beside the official codes (issue 10): 148 communes of 25
    named = communes[communes["portal_code"].notna()]
    assert len(named) == 148 and named["unit_code"].str.fullmatch(r"\d{5}").all()
    assert named["portal_code"].str.fullmatch(r"H44\.\d{3}").all()
    assert "148/148 xã, phường" in result.stderr
    assert (communes["rank"].diff().dropna() >= 0).all()  # in rank order
    # the partial samples hold only some groups for most units: said on stderr, not hidden
    assert "thiếu số liệu" in result.stderr


def test_rank_xlsx_needs_output_and_writes_whole_file(tmp_path):
    result = run("rank", "--input", PORTAL_SAMPLE, "--period", "2026-08", "--format", "xlsx")
    assert result.returncode == 2 and "--output" in result.stderr
    out = tmp_path / "rank.xlsx"
    result = run(
        "rank",
        "--input",
        PORTAL_SAMPLE,
        "--period",
        "2026-08",
        "--format",
        "xlsx",
        "--output",
        out,
    )
    assert result.returncode == 0, result.stderr
    assert len(pd.read_excel(out)) > 100
    assert [p.name for p in tmp_path.iterdir()] == ["rank.xlsx"]  # no temporary file left


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--period", "08-2026x"], "08-2026x"),
        (["--period", "2026-07"], "2026-07"),
        (["--period", "2026-08", "--scope", "NOPE"], "NOPE"),
        (["--period", "2026-08", "--band", "Tốt=abc"], "Tốt=abc"),
    ],
)
def test_rank_bad_arguments_exit_2_with_message(args, fragment):
    result = run("rank", "--input", PORTAL_SAMPLE, *args)
    assert result.returncode == 2
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["rank", "gap"])
@pytest.mark.parametrize("scope", ["99999", '=HYPERLINK("http://x")'])
def test_unknown_scope_over_named_units_is_the_scopes_error(command, scope):
    """The sample's published table names its units (no codes): an unknown --scope is reported
    as the scope's error, not as the table's first name (which resolves once not narrowed by a
    scope the registry does not know)."""
    result = run(command, "--period", "2024-08", "--scope", scope)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert '"--scope"' in result.stderr and f"'{scope}'" in result.stderr
    assert ".xlsx" not in result.stderr  # the data file is not to blame


def test_rank_custom_bands(tmp_path):
    out = tmp_path / "r.csv"
    result = run(
        "rank",
        "--input",
        PORTAL_SAMPLE,
        "--period",
        "2026-08",
        "--format",
        "csv",
        "--output",
        out,
        "--band",
        "Khá=30",
        "--band",
        "Yếu=0",
    )
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out)
    assert set(table["band"]) <= {"Khá", "Yếu"}
    assert (table.loc[table["total"] >= 30, "band"] == "Khá").all()


def test_failed_rank_writes_no_file(tmp_path):
    out = tmp_path / "rank.csv"
    result = run("rank", "--input", PORTAL_SAMPLE, "--period", "2026-09", "--output", out)
    assert result.returncode == 2
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_console_script_installed():
    exe = Path(sys.executable).parent / "mkbidx"
    result = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("mkbidx ")


def test_reconcile_same_month_in_two_files_each_on_its_own(tmp_path):
    # e.g. all procedures and one procedure of the same month, side by side in one folder
    for sub in ("phu-tho-2026-08", "phu-tho-2026-08-mot-thu-tuc"):
        (tmp_path / sub).mkdir()
        shutil.copy(PORTAL_SAMPLE / "dvc-progress-tree.json", tmp_path / sub)
    path = tmp_path / "phu-tho-2026-08-mot-thu-tuc" / "dvc-progress-tree.json"
    doc = json.loads(path.read_text("utf-8"))
    doc["data"]["parent"]["totalOnTime"] -= 1000  # a different, consistent response
    doc["data"]["parent"]["totalScore"] = 15.57  # 20 × 143625 / 184513 = 15.568…
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = run("reconcile", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1] == LAST_LINE.format(n=328)
    # ranking the same data is ambiguous (two values for one unit and month): a clear error
    ranked = run("rank", "--input", tmp_path, "--period", "2026-08")
    assert ranked.returncode == 2 and "duplicate" in ranked.stderr
