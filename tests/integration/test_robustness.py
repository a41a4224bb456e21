"""Every bad or hostile input is refused in one line or neutralised (issue 12).

The corpus is generated from the embedded sample by ``tests/tools/make_robustness_cases.py``.
Each in-process case asserts: the exit code, a few stderr lines naming the file/row/unit/column
and what was expected, no traceback, no ``np.float64(...)``, and nothing written (existing files
byte-identical) unless the case writes. The kernel-running cases (Ctrl-C, kill, two reports
into one folder) run ``mkbidx report`` in a subprocess.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from mkbidx import cli
from tests.conftest import NO_SAMPLE, SAMPLE_COUNTS, requires

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import make_robustness_cases as corpus  # noqa: E402

pytestmark = requires(SAMPLE_COUNTS.exists(), NO_SAMPLE)

CASES = corpus.cases() if SAMPLE_COUNTS.exists() else []
FORMULA_START = tuple("=+-@\t\r")


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_corpus_size():
    assert len(CASES) >= 120


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case, tmp_path, monkeypatch, capsys):
    if case.setup:
        case.setup(tmp_path)
    argv = case.args(tmp_path)
    before = _snapshot(tmp_path)
    monkeypatch.chdir(tmp_path)
    for target, value in case.monkeypatch.items():
        monkeypatch.setattr(target, value)
    code = cli.main(argv)
    monkeypatch.undo()
    out, err = capsys.readouterr()
    assert code == case.exit, err
    assert "Traceback" not in err and "Traceback" not in out
    assert "np.float64" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    if case.exit == 2:
        assert len(lines) == 1 and lines[0].startswith("mkbidx: lỗi: "), err
    for word in case.stderr:
        assert word.lower() in err.lower(), f"{word!r} not in {err!r}"
    after = _snapshot(tmp_path)
    if not case.writes:
        assert after == before
    else:
        for name, data in before.items():  # an existing file is replaced only with --force
            if "--force" not in argv:
                assert after.get(name) == data
    if case.id.startswith("hostile-names"):
        _assert_neutralised(tmp_path / argv[argv.index("--output") + 1])


def _assert_neutralised(path: Path) -> None:
    if path.is_dir():  # a letter: escaped in HTML, plain text without control characters in DOCX
        _assert_letter_neutralised(path / corpus.PERIOD / corpus.SCOPE)
    elif path.suffix == ".csv":
        import csv

        rows = list(csv.reader(io.StringIO(path.read_text("utf-8"))))
        cells = [c for r in rows for c in r]
        for c in cells:
            if c.startswith(FORMULA_START):
                float(c.replace(",", "."))  # only numbers may start with a sign
        assert any(c.startswith("'=") for c in cells) or "gap" in path.name
    else:
        from openpyxl import load_workbook

        book = load_workbook(path)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for c in row:
                    assert c.data_type != "f", c.value
                    if isinstance(c.value, str) and c.value.startswith(FORMULA_START):
                        assert c.quotePrefix, c.value


def _assert_letter_neutralised(folder: Path) -> None:
    import re

    from docx import Document

    html = (folder / "cong-van.html").read_text("utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#39;x&#39;)" in html
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", html)
    doc = Document(str(folder / "cong-van.docx"))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    text = "\n".join([p.text for p in doc.paragraphs] + cells)
    assert "<script>alert('x')</script>" in text  # shown as typed: plain text, not markup
    assert '=HYPERLINK("http://example.invalid/?x="&A1,"bấm")' in text
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text)
    with zipfile.ZipFile(folder / "cong-van.docx") as archive:
        assert not [n for n in archive.namelist() if "vbaProject" in n or "embeddings" in n]


# ----------------------------------------------------------------------------- writers
def test_csv_bytes_keeps_negative_numbers():
    import pandas as pd

    from mkbidx.io import csv_bytes

    frame = pd.DataFrame({"name": ["=1+1", "-5", "@x", "An"], "change": [-5.0, -0.25, 1.0, 0.0]})
    text = csv_bytes(frame).decode()
    assert text.splitlines()[1:] == ["'=1+1,-5.0", "-5,-0.25", "'@x,1.0", "An,0.0"]


# ----------------------------------------------------------------------------- reports
REPORT = [
    sys.executable,
    "-m",
    "mkbidx.cli",
    "report",
    "--period",
    corpus.PERIOD,
    "--scope",
    corpus.SCOPE,
    "--input",
    str(SAMPLE_COUNTS),
]


def _start(output: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [*REPORT, "--output", str(output)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _hidden(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".*") if p.is_dir()]


def _wait_for_staging(out: Path, timeout: float = 60.0) -> list[Path]:
    """The staging folders of the report under ``out`` once one exists (the kernel is running
    the notebook into it)."""
    folder = out / corpus.PERIOD
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [p for p in folder.glob(f".{corpus.SCOPE}-*") if p.is_dir()]
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"no staging folder under {folder} after {timeout} s")


@pytest.mark.notebooks
@pytest.mark.slow
@pytest.mark.parametrize("when", ["starting", "running"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
def test_interrupted_report(tmp_path, when, sig):
    """Interrupted while it starts (after 1 s: imports, kernel start) or while the notebook
    runs (as soon as its staging folder exists): one line, exit 130 / 143, nothing left."""
    proc = _start(tmp_path / "out")
    if when == "starting":
        time.sleep(1.0)
    else:
        _wait_for_staging(tmp_path / "out")
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0 and when == "starting":  # finished within a second: nothing to check
        return
    assert proc.returncode == (130 if sig == signal.SIGINT else 143), err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines == ["mkbidx: đã dừng (interrupted), không ghi kết quả dở dang"], err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").rglob("*.html"))
    assert not _hidden(tmp_path)


def test_ctrl_c_inside_string_code_still_exits_130(tmp_path):
    """A Ctrl-C that leaves code run by ``exec`` of a string (as fastjsonschema compiles
    nbformat's schema early in ``mkbidx report``) is handled like any other: CPython would end a
    ``python -m`` process by SIGINT (-2) after main() returned 130 (seen on CI, 1 run in 10)."""
    (tmp_path / "interrupted_in_exec.py").write_text(
        "import sys\n"
        "from mkbidx import cli\n"
        "def run(args):\n"
        "    exec('raise KeyboardInterrupt', {})\n"
        "cli.COMMANDS['units'] = (cli.COMMANDS['units'][0], run)\n"
        "sys.exit(cli.main(['units', 'list', '--period', '2024-08']))\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    done = subprocess.run(
        [sys.executable, "-m", "interrupted_in_exec"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 130, done.stderr
    assert done.stderr.splitlines() == ["mkbidx: đã dừng (interrupted), không ghi kết quả dở dang"]


@pytest.mark.notebooks
@pytest.mark.slow
def test_killed_report_leaves_staging_that_next_run_removes(tmp_path):
    out = tmp_path / "out"
    tmp = tmp_path / "tmp"  # temporary files (the kernel's folder...) that a SIGKILL leaves
    tmp.mkdir()
    proc = _start(out, env={**os.environ, "TMPDIR": str(tmp)})
    folder = out / corpus.PERIOD
    _wait_for_staging(out)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert any(p.name.startswith("mkbidx-run-") for p in tmp.iterdir())  # kept out of /tmp
    stale = [p for p in folder.iterdir() if p.is_dir() and p.name.startswith(".")]
    assert stale, "a killed run leaves its staging folder"
    keep = folder / ".083-notours"  # not a staging name: never touched
    keep.mkdir()
    done = subprocess.run([*REPORT, "--output", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert not any(p.exists() for p in stale)
    assert keep.exists()
    assert (folder / corpus.SCOPE / "report.html").exists()


@pytest.mark.notebooks
@pytest.mark.slow
def test_two_reports_into_one_folder(tmp_path):
    out = tmp_path / "out"
    first, second = _start(out), _start(out)
    results = [(p.wait(timeout=180), p.stderr.read()) for p in (first, second)]
    codes = sorted(code for code, _ in results)
    assert codes[0] == 0
    for code, err in results:
        assert "Traceback" not in err
        if code:
            assert code == 2
            assert len(err.strip().splitlines()) == 1
            assert "locked" in err or "output exists" in err
    folder = out / corpus.PERIOD / corpus.SCOPE
    assert (folder / "report.html").exists() and (folder / "manifest.json").exists()
    assert not _hidden(out)
    assert not os.path.exists(out / corpus.PERIOD / f".{corpus.SCOPE}.lock")
