"""``mkbidx fetch`` against a replay of real portal responses on 127.0.0.1 (never the internet).

The replay (tests/fixtures/replay/server.py) serves the recorded responses of Phú Thọ, 8/2026
byte for byte, records what the client sent, and plays the portal's faults.
"""

from __future__ import annotations

import importlib.util
import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from mkbidx import cli
from mkbidx.errors import MkbidxError
from mkbidx.inputs import fetch, readers
from mkbidx.inputs import portal_client as pc
from mkbidx.inputs.snapshot import sha256, snapshot_of

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "replay_server", ROOT / "tests" / "fixtures" / "replay" / "server.py"
)
replay_server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(replay_server)

PHU_THO_ID = "019d2be3-6a88-732b-8b17-b68020c8553a"
ENDPOINTS = [*pc.GROUP_ENDPOINTS, "service-results"]


@pytest.fixture
def replay():
    with replay_server.Replay(slow_seconds=1.0) as server:
        yield server


@pytest.fixture
def no_wait(monkeypatch):
    """Sessions the commands make do not wait between requests: for tests of what is asked and
    written (the spacing is checked in the CLI and pagination tests, which wait for real)."""
    monkeypatch.setitem(pc.PortalSession.__init__.__kwdefaults__, "sleep", lambda s: None)


@pytest.fixture
def province():
    return fetch.resolve_province("25")


def _fast_fetch(replay, province, folder, **kw):
    """fetch() with a session that does not wait (spacing is checked in the CLI test)."""
    session = pc.PortalSession(
        replay.url, delay=0.5, timeout=kw.pop("timeout", 5.0), sleep=lambda s: None
    )
    with session:
        return fetch.fetch(
            province, "2026-08", folder=folder, session=session, progress=lambda line: None, **kw
        )


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text("utf-8"))


# ------------------------------------------------------------------------ request bodies
def test_request_bodies_per_endpoint_and_period_kind():
    root = PHU_THO_ID
    month = pc.request_body("transparency", "2026-08", root_department_id=root)
    assert month == {
        "timeType": "month",
        "year": 2026,
        "month": 8,
        "rootDepartmentId": root,
        "currentPage": 1,
        "pageSize": 200,
    }
    quarter = pc.request_body("dvc-progress-tree", "2026-Q3", root_department_id=root)
    assert quarter["timeType"] == "quarter" and quarter["quarter"] == 3
    assert "month" not in quarter and quarter["pageSize"] == 100
    year = pc.request_body("provide-online-tree", "2026", root_department_id=root)
    assert year["timeType"] == "year" and "month" not in year and "quarter" not in year
    for period, first, last in (
        ("2026-08", "2026-08-01", "2026-08-31"),
        ("2026-Q3", "2026-07-01", "2026-09-30"),
        ("2026", "2026-01-01", "2026-12-31"),
    ):
        body = pc.request_body("handling-satisfaction", period, root_department_id=root)
        assert body["fromDate"] == first and body["toDate"] == last
        assert "timeType" not in body
    fid = "019d2bfd-8e22-77ef-819f-e49460350904"
    assert (
        pc.request_body("dossier-digitized", "2026-08", root_department_id=root, formality_id=fid)[
            "formalityID"
        ]
        == fid
    )
    assert (
        pc.request_body("transparency", "2026-08", root_department_id=root, formality_id=fid)[
            "formalityId"
        ]
        == fid
    )
    national = pc.request_body("service-results", "2026-08", root_department_id=None)
    assert national == {
        "timeType": "month",
        "year": 2026,
        "month": 8,
        "departmentType": "ADMINISTRATIVE_UNIT",
    }


# ------------------------------------------------------------------------ done when
def test_cli_fetch_byte_identical_reconcile_and_readers(replay, tmp_path, capsys):
    out = tmp_path / "out"  # no period in the folder name: the manifest gives it
    code = cli.main(
        [
            "fetch",
            "--province",
            "25",
            "--period",
            "2026-08",
            "--base-url",
            replay.url,
            "--output",
            str(out),
            "--delay",
            "0.5",
        ]
    )
    assert code == 0, capsys.readouterr().err
    served = replay_server.recordings()
    for endpoint in ENDPOINTS:
        assert (out / f"{endpoint}.json").read_bytes() == served[endpoint]
    m = _manifest(out)
    assert m["complete"] is True and m["period"] == "2026-08" and m["provisional"] is False
    assert [e["file"] for e in m["files"]] == [f"{e}.json" for e in ENDPOINTS]
    for e in m["files"]:
        assert e["status"] == 201 and e["method"] == "POST"
        assert e["url"] == f"{replay.url}/api/v1/reporting/evaluation/{e['endpoint']}"
        assert e["bytes"] == len(served[e["endpoint"]]) and len(e["sha256"]) == 64
    assert m["mkbidx_version"]
    # what the client sent, per endpoint
    sent = {r["endpoint"]: r for r in replay.requests}
    assert [r["endpoint"] for r in replay.requests] == ENDPOINTS  # one request each, in order
    assert sent["transparency"]["body"]["rootDepartmentId"] == PHU_THO_ID
    assert sent["handling-satisfaction"]["body"]["fromDate"] == "2026-08-01"
    assert "rootDepartmentId" not in sent["service-results"]["body"]
    assert sent["transparency"]["headers"]["Content-Type"] == "application/json"
    assert sent["transparency"]["headers"]["Origin"] == replay.url
    for e in m["files"]:
        assert e["request_body"] == sent[e["endpoint"]]["body"]
    # polite: one at a time, at least --delay seconds apart
    times = [r["time"] for r in replay.requests]
    assert all(b - a >= 0.5 for a, b in zip(times, times[1:], strict=False))
    capsys.readouterr()
    # readers take the folder as it is, period from the manifest
    assert cli.main(["reconcile", str(out)]) == 0
    assert "reproduced 365/365" in capsys.readouterr().out
    # the province's units, under its official code (or its portal code, as the data names it)
    codes = [
        cli.main(["rank", "--input", str(out), "--period", "2026-08", "--scope", scope])
        for scope in ("25", "H44")
    ]
    assert 0 in codes
    assert "H44." in capsys.readouterr().out


def test_cli_refused_exits_3_then_rerun_completes(replay, no_wait, tmp_path, capsys):
    out = tmp_path / "snap"
    replay.faults["provide-online-tree"] = ["403"]
    args = [
        "fetch",
        "--province",
        "Phú Thọ",
        "--period",
        "2026-08",
        "--base-url",
        replay.url,
        "--output",
        str(out),
        "--delay",
        "0.5",
    ]
    assert cli.main(args) == 3
    err = capsys.readouterr().err
    assert "HTTP 403" in err and "Request Rejected".lower() in err.lower() and "2/7" in err
    # stopped at once: nothing asked after the refusal
    assert [r["endpoint"] for r in replay.requests] == ENDPOINTS[:3]
    m = _manifest(out)
    assert m["complete"] is False and m["stopped"]["reason"] == "refused"
    assert sorted(p.name for p in out.iterdir()) == [
        "dvc-progress-tree.json",
        "manifest.json",
        "transparency.json",
    ]
    n = len(replay.requests)
    assert cli.main(args) == 0
    assert [r["endpoint"] for r in replay.requests[n:]] == ENDPOINTS[2:]  # only what was missing
    assert _manifest(out)["complete"] is True


def test_cli_bad_arguments_exit_2(tmp_path, capsys):
    base = ["fetch", "--output", str(tmp_path / "x"), "--base-url", "http://127.0.0.1:9"]
    assert cli.main([*base, "--province", "Atlantis", "--period", "2026-08"]) == 2
    assert cli.main([*base, "--province", "25", "--period", "2026-13"]) == 2
    assert cli.main([*base, "--province", "25", "--period", "2026-08", "--delay", "0.1"]) == 2
    assert cli.main([*base, "--province", "25", "--period", "2999-01"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("mkbidx: lỗi:") == 4
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--delay", "nan"),
        ("--delay", "inf"),
        ("--timeout", "nan"),
        ("--timeout", "inf"),
        ("--timeout", "-1"),
        ("--timeout", "0"),
        ("--base-url", "ftp://x"),
        ("--base-url", "http://"),
        ("--base-url", "http://127.0.0.1:99999"),
        ("--base-url", "http://127.0.0.1:9/ x"),
    ],
)
def test_cli_connection_options_out_of_range_exit_2(tmp_path, capsys, option, value):
    """A number no request can take (nan gave a traceback from the clock, inf an overflow) or
    an address that is not http(s)://host is refused before any request or folder."""
    args = ["fetch", "--province", "25", "--period", "2026-08", "--output", str(tmp_path / "x")]
    args += ["--base-url", "http://127.0.0.1:9", f"{option}={value}"]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f'"{option}"' in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


# ------------------------------------------------------------------------ faults
@pytest.mark.parametrize(
    ("fault", "reason", "requests_after"),
    [
        (["403"], "refused", 0),
        (["waf200"], "refused", 0),
        (["429"], "refused", 0),
        (["truncated"], "wrong_answer", 0),
        (["other"], "wrong_answer", 0),
        (["national"], "wrong_answer", 0),
        (["500", "500", "500"], "unreachable", 0),
        (["reset", "reset", "reset"], "unreachable", 0),
        (["slow", "slow", "slow"], "unreachable", 0),
    ],
)
def test_fault_stops_keeps_verified_files_and_rerun_completes(
    replay, province, tmp_path, fault, reason, requests_after
):
    out = tmp_path / "f"
    replay.faults["formality-online-payment-tree"] = list(fault)
    first = _fast_fetch(replay, province, out, timeout=0.4)
    assert first.complete is False and first.exit_code == 3
    m = _manifest(out)
    assert m["complete"] is False and m["stopped"]["reason"] == reason
    assert m["stopped"]["endpoint"] == "formality-online-payment-tree"
    kept = [e["file"] for e in m["files"]]
    assert kept == [f"{e}.json" for e in ENDPOINTS[:3]]
    assert not (out / "formality-online-payment-tree.json").exists()  # never a wrong body
    asked = [r["endpoint"] for r in replay.requests]
    assert asked[-1] == "formality-online-payment-tree"  # stopped: nothing asked after it
    # nothing partial is presented as complete
    snap = snapshot_of(out / "transparency.json")
    assert snap is not None and not snap.complete
    ds = readers.read(out)
    assert any("incomplete" in n for n in ds.notes)
    # a rerun fetches only what is missing and completes
    n = len(replay.requests)
    second = _fast_fetch(replay, province, out)
    assert second.complete and second.exit_code == 0
    assert [r["endpoint"] for r in replay.requests[n:]] == ENDPOINTS[3:]
    served = replay_server.recordings()
    assert all((out / f"{e}.json").read_bytes() == served[e] for e in ENDPOINTS)


@pytest.mark.parametrize("fault", [["500"], ["reset"], ["slow"]])
def test_transient_fault_is_retried(replay, province, tmp_path, fault):
    replay.faults["transparency"] = list(fault)
    result = _fast_fetch(replay, province, tmp_path / "t", timeout=0.4)
    assert result.complete
    entry = _manifest(tmp_path / "t")["files"][0]
    assert entry["endpoint"] == "transparency" and entry["attempts"] == 2


def test_rerun_of_complete_set_asks_nothing_and_damage_is_refetched(replay, province, tmp_path):
    out = tmp_path / "c"
    assert _fast_fetch(replay, province, out).complete
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    n = len(replay.requests)
    again = _fast_fetch(replay, province, out)
    assert again.complete and len(replay.requests) == n and again.fetched == []
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    # a damaged file in a complete set: the set is kept, a new snapshot is made beside it
    (out / "transparency.json").write_bytes(b'{"code": "OK"}')
    fixed = _fast_fetch(replay, province, out)
    assert fixed.complete and fixed.folder != out and fixed.folder.parent == out.parent
    assert (out / "transparency.json").read_bytes() == b'{"code": "OK"}'


def test_resume_refetches_damaged_file_of_incomplete_set(replay, province, tmp_path):
    out = tmp_path / "r"
    replay.faults["handling-satisfaction"] = ["429"]
    assert not _fast_fetch(replay, province, out).complete
    (out / "dvc-progress-tree.json").write_bytes(b"damaged")
    n = len(replay.requests)
    assert _fast_fetch(replay, province, out).complete
    asked = [r["endpoint"] for r in replay.requests[n:]]
    assert asked == [
        "dvc-progress-tree",
        "handling-satisfaction",
        "dossier-digitized",
        "service-results",
    ]


def test_refresh_makes_a_new_snapshot_beside_the_old(replay, province, tmp_path):
    out = tmp_path / "2026-08"
    assert _fast_fetch(replay, province, out).complete
    old = _manifest(out)
    new = _fast_fetch(replay, province, out, refresh=True)
    assert new.complete and new.folder.name.startswith("2026-08_snapshot-")
    assert _manifest(out) == old
    assert len(replay.requests) == 2 * len(ENDPOINTS)


def test_folder_of_another_fetch_or_other_files_is_refused(replay, province, tmp_path):
    out = tmp_path / "o"
    assert _fast_fetch(replay, province, out).complete
    with pytest.raises(MkbidxError, match="another fetch"):
        fetch.fetch(fetch.resolve_province("15"), "2026-08", folder=out, base_url=replay.url)
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("x")
    with pytest.raises(MkbidxError, match="folder not empty"):
        fetch.fetch(province, "2026-08", folder=other, base_url=replay.url)


def test_running_period_needs_provisional_and_is_marked(replay, province, tmp_path):
    today = date(2026, 8, 20)
    with pytest.raises(MkbidxError, match="period not ended"):
        fetch.fetch(province, "2026-08", folder=tmp_path / "p", today=today, base_url=replay.url)
    assert fetch.default_folder(province, "2026-08", provisional=True).name == "2026-08-provisional"
    session = pc.PortalSession(replay.url, delay=0.5, sleep=lambda s: None)
    with session:
        result = fetch.fetch(
            province,
            "2026-08",
            folder=tmp_path / "p",
            today=today,
            provisional=True,
            session=session,
            progress=lambda line: None,
        )
    assert result.complete and _manifest(tmp_path / "p")["provisional"] is True
    ds = readers.read(tmp_path / "p")
    assert any("provisional" in n for n in ds.notes)
    assert set(ds.counts["period"]) == {"2026-08"}


def test_last_ended_month():
    assert fetch.last_ended_month(date(2026, 9, 5)) == "2026-08"
    assert fetch.last_ended_month(date(2026, 8, 31)) == "2026-07"


# ------------------------------------------------------------------------ mkbidx monthly
def test_monthly_refused_exits_3_and_makes_no_report(replay, no_wait, tmp_path, capsys):
    replay.faults["transparency"] = ["429"]
    args = [
        "monthly",
        "--province",
        "25",
        "--period",
        "2026-08",
        "--base-url",
        replay.url,
        "--raw-dir",
        str(tmp_path / "raw"),
        "--output",
        str(tmp_path / "out"),
        "--delay",
        "0.5",
    ]
    assert cli.main(args) == 3
    out = tmp_path / "out"
    assert not (out / "2026-08").exists()  # nothing made from an incomplete fetch
    logs = list((out / "logs").glob("monthly-2026-08-*.log"))
    assert len(logs) == 1 and "HTTP 429" in logs[0].read_text("utf-8")
    assert _manifest(tmp_path / "raw" / "25" / "2026-08")["complete"] is False
    assert "incomplete" in capsys.readouterr().out


def test_monthly_bad_arguments_exit_2(tmp_path, capsys):
    base = ["monthly", "--output", str(tmp_path / "o")]
    assert cli.main(base) == 2
    assert cli.main([*base, "--province", "Atlantis"]) == 2
    assert cli.main([*base, "--province", "25", "--period", "2026-Q3"]) == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.notebooks
def test_monthly_fetches_then_reports_letter_brief_index(
    replay, no_wait, tmp_path, capsys, monkeypatch
):
    raw, out = tmp_path / "raw", tmp_path / "out"
    args = [
        "monthly",
        "--province",
        "25",
        "--period",
        "2026-08",
        "--base-url",
        replay.url,
        "--raw-dir",
        str(raw),
        "--output",
        str(out),
        "--delay",
        "0.5",
    ]
    assert cli.main(args) == 0, capsys.readouterr()
    # the province's report, under its official code (or its portal code, as the data names it)
    made = [f for f in (out / "2026-08" / "25", out / "2026-08" / "H44") if f.is_dir()]
    assert len(made) == 1
    folder = made[0]
    for name in ("report.html", "brief.pdf", "summary.json", "index.html"):
        assert (out / name if name == "index.html" else folder / name).is_file(), name
    assert _manifest(raw / "25" / "2026-08")["complete"] is True
    import pypdf

    brief = pypdf.PdfReader(folder / "brief.pdf")
    assert len(brief.pages) == 1 and "Phú Thọ" in brief.pages[0].extract_text()
    # a rerun reuses the complete fetch: the portal is not asked again, and the reports are
    # made from the same folder (the report itself was checked above: not run a second time)
    from mkbidx.run import job, monthly

    reported = []

    def report_again(period, scope, *, data_path, output_root, **_):
        reported.append((period, scope, Path(data_path)))
        return monthly.ReportResult(period, scope, Path(output_root) / period / scope, {})

    monkeypatch.setattr(job, "run_report", report_again)
    n = len(replay.requests)
    assert cli.main(args) == 0
    assert len(replay.requests) == n
    assert [(p, d) for p, _s, d in reported] == [("2026-08", raw / "25" / "2026-08")]


@pytest.mark.notebooks
def test_monthly_on_the_embedded_data_without_network(tmp_path, capsys):
    out = tmp_path / "out"
    data = ROOT / "data" / "sample"  # the embedded data set, as shipped
    args = [
        "monthly",
        "--input",
        str(data),
        "--period",
        "2024-08",
        "--scope",
        "083",
        "--output",
        str(out),
        "--base-url",
        "http://127.0.0.1:9",
    ]
    assert cli.main(args) == 0, capsys.readouterr()
    folder = out / "2024-08" / "083"
    for name in ("report.html", "brief.pdf", "cong-van.docx", "cong-van.html"):
        assert (folder / name).is_file(), name
    assert (out / "index.html").is_file()
    import pypdf

    text = pypdf.PdfReader(folder / "brief.pdf").pages[0].extract_text()
    assert "88,23 điểm" in text and "xếp hạng 1/9" in text
    assert len(list((out / "logs").glob("monthly-2024-08-*.log"))) == 1


def test_interrupted_run_keeps_what_was_fetched(replay, province, tmp_path):
    calls = []

    class Interrupting(pc.PortalSession):
        def post(self, endpoint, body):
            calls.append(endpoint)
            if len(calls) == 3:
                raise KeyboardInterrupt
            return super().post(endpoint, body)

    with Interrupting(replay.url, delay=0.5, sleep=lambda s: None) as session:
        result = fetch.fetch(
            province, "2026-08", folder=tmp_path / "i", session=session, progress=lambda s: None
        )
    assert result.exit_code == 3
    m = _manifest(tmp_path / "i")
    assert m["stopped"]["reason"] == "interrupted" and len(m["files"]) == 2
    assert _fast_fetch(replay, province, tmp_path / "i").complete


# ------------------------------------------------------------------------ pagination
def _paged(replay, endpoint="transparency", size=5):
    pages = replay_server.paginate(replay_server.recordings()[endpoint], size)
    replay.pages[endpoint] = pages
    return pages


def test_paginated_answer_every_page_fault_on_page_2_exits_3_then_rerun_completes(
    replay, tmp_path, capsys
):
    pages = _paged(replay)  # 14 children, 5 per page: 3 pages
    assert len(pages) == 3
    replay.faults["transparency@2"] = ["403"]
    out = tmp_path / "paged"
    args = [
        "fetch",
        "--province",
        "25",
        "--period",
        "2026-08",
        "--base-url",
        replay.url,
        "--output",
        str(out),
        "--delay",
        "0.5",
    ]
    assert cli.main(args) == 3
    err = capsys.readouterr().err
    assert "transparency trang 2" in err and "HTTP 403" in err
    m = _manifest(out)
    assert m["complete"] is False and m["stopped"]["page"] == 2
    assert [e["file"] for e in m["files"]] == ["transparency.json"]
    assert m["expected_files"][:3] == [
        "transparency.json",
        "transparency.page-2.json",
        "transparency.page-3.json",
    ]
    assert [(r["endpoint"], r["page"]) for r in replay.requests] == [
        ("transparency", 1),
        ("transparency", 2),
    ]
    n = len(replay.requests)
    assert cli.main(args) == 0
    asked = [(r["endpoint"], r["body"].get("currentPage")) for r in replay.requests[n:]]
    assert asked[:2] == [("transparency", 2), ("transparency", 3)]  # page 1 kept (hash)
    assert [e for e, _ in asked[2:]] == ENDPOINTS[1:]
    # polite across pages too
    times = [r["time"] for r in replay.requests[n:]]
    assert all(b - a >= 0.5 for a, b in zip(times, times[1:], strict=False))
    m = _manifest(out)
    assert m["complete"] is True and len(m["files"]) == len(ENDPOINTS) + 2
    for k, page in enumerate(pages, start=1):
        name = "transparency.json" if k == 1 else f"transparency.page-{k}.json"
        assert (out / name).read_bytes() == page  # byte for byte
        entry = next(e for e in m["files"] if e["file"] == name)
        assert entry["page"] == k and entry["request_body"]["currentPage"] == k
        assert entry["sha256"] == sha256(page) and entry["bytes"] == len(page)
    # the readers take the pages as one response: the same data as the answer in one page
    del replay.pages["transparency"]
    whole = tmp_path / "whole"
    assert _fast_fetch(replay, fetch.resolve_province("25"), whole).complete
    paged, one = readers.read(out), readers.read(whole)
    cols = ["period", "unit_code", "group", "metric", "numerator", "denominator"]
    for a, b in ((paged.counts, one.counts), (paged.published_groups, one.published_groups)):
        keys = [c for c in cols if c in a]
        a = a[keys].sort_values(keys[:4]).reset_index(drop=True)
        b = b[keys].sort_values(keys[:4]).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b)
    sources = set(paged.counts["source_file"].astype(str))
    assert {str(out / f"transparency{s}.json") for s in ("", ".page-2", ".page-3")} <= sources
    capsys.readouterr()
    assert cli.main(["reconcile", str(out)]) == 0
    assert "reproduced 365/365" in capsys.readouterr().out


def test_pages_that_disagree_are_all_dropped_and_refetched(replay, province, tmp_path):
    pages = _paged(replay, "dossier-digitized", 3)  # 8 children: 3 pages
    changed = json.loads(pages[1])
    changed["data"]["pagination"]["total"] = 9  # the data moved between two requests
    replay.pages["dossier-digitized"] = [pages[0], json.dumps(changed).encode(), pages[2]]
    out = tmp_path / "d"
    first = _fast_fetch(replay, province, out)
    assert first.exit_code == 3
    m = _manifest(out)
    assert m["stopped"]["reason"] == "wrong_answer" and "pages disagree" in m["stopped"]["detail"]
    assert not list(out.glob("dossier-digitized*"))  # none of the pages is kept
    replay.pages["dossier-digitized"] = pages
    assert _fast_fetch(replay, province, out).complete
    assert (out / "dossier-digitized.page-3.json").read_bytes() == pages[2]


def test_check_pages_missing_duplicate_and_short():
    pages = [
        json.loads(p) for p in replay_server.paginate(replay_server.recordings()["transparency"], 5)
    ]
    pc.check_pages("transparency", pages)
    with pytest.raises(pc.WrongAnswer, match="missing pages"):
        pc.check_pages("transparency", pages[:2])
    dup = json.loads(json.dumps(pages))
    dup[2]["data"]["evaluation"][0] = dup[0]["data"]["evaluation"][0]
    with pytest.raises(pc.WrongAnswer, match="duplicate child"):
        pc.check_pages("transparency", dup)
    short = json.loads(json.dumps(pages))
    del short[2]["data"]["evaluation"][-1]
    with pytest.raises(pc.WrongAnswer, match="pagination total"):
        pc.check_pages("transparency", short)
    one = json.loads(json.dumps(pages[0]))
    one["data"]["pagination"]["totalPages"] = 1  # says one page of 14, holds 5
    with pytest.raises(pc.WrongAnswer, match="5/14"):
        pc.check_pages("transparency", [one])
    pc.check_pages("dvc-progress-tree", [{"data": {"children": []}}])  # trees: no pages


# ------------------------------------------------------------------------ --formality
FORMALITY_ID = "019d2bfd-8e22-77ef-819f-e49460350904"


def test_formality_by_code_is_looked_up_in_the_catalogue(replay, no_wait, tmp_path, capsys):
    out = tmp_path / "tthc"
    args = ["fetch", "--province", "25", "--period", "2026-08", "--base-url", replay.url]
    assert cli.main([*args, "--output", str(out), "--formality", "2.000815"]) == 0, (
        capsys.readouterr().err
    )
    first = replay.requests[0]
    assert first["path"] == "/api/v1/reporting/formalities"
    assert first["body"] == {"q": "2.000815", "currentPage": 1, "pageSize": 10}
    sent = {r["endpoint"]: r["body"] for r in replay.requests[1:]}
    assert set(sent) == {
        "transparency",
        "dvc-progress-tree",
        "provide-online-tree",
        "formality-online-payment-tree",
        "dossier-digitized",
    }
    assert sent["transparency"]["formalityId"] == FORMALITY_ID
    assert sent["dossier-digitized"]["formalityID"] == FORMALITY_ID
    m = _manifest(out)
    assert m["formality_id"] == FORMALITY_ID and m["formality"]["code"] == "2.000815"
    assert m["formality"]["name"].startswith("Chứng thực bản sao")
    assert m["formality"]["sha256"] and m["complete"] is True
    # the UUID itself: no catalogue request; the same folder is complete already
    n = len(replay.requests)
    assert cli.main([*args, "--output", str(out), "--formality", FORMALITY_ID.upper()]) == 0
    assert len(replay.requests) == n
    # the default folder is named by the formalityId
    p = fetch.resolve_province("25")
    assert fetch.default_folder(p, "2026-08", formality_id=FORMALITY_ID).name == (
        f"2026-08-tthc-{FORMALITY_ID}"
    )


def test_unknown_or_malformed_formality_exits_2_in_one_line(replay, no_wait, tmp_path, capsys):
    base = ["fetch", "--province", "25", "--period", "2026-08", "--base-url", replay.url]
    out = tmp_path / "x"
    assert cli.main([*base, "--output", str(out), "--formality", "1.999999"]) == 2
    assert [r["endpoint"] for r in replay.requests] == ["formalities"]  # one question only
    assert cli.main([*base, "--output", str(out), "--formality", "chứng thực"]) == 2
    assert len(replay.requests) == 1  # not even asked
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 2 and "Traceback" not in err
    assert "1.999999" in lines[0] and "unknown procedure code" in lines[0]
    assert not out.exists()


def test_catalogue_refused_exits_3_without_files(replay, no_wait, tmp_path, capsys):
    replay.faults["formalities"] = ["429"]
    out = tmp_path / "r"
    args = ["fetch", "--province", "25", "--period", "2026-08", "--base-url", replay.url]
    assert cli.main([*args, "--output", str(out), "--formality", "2.000815"]) == 3
    assert "HTTP 429" in capsys.readouterr().err
    assert not out.exists() and len(replay.requests) == 1


# ------------------------------------------------------------------------ provisional mark
@pytest.mark.slow  # two monthly reports of a province (148 communes) in this process
def test_report_from_provisional_fetch_is_marked_and_index_links_brief(replay, tmp_path):
    from mkbidx.reports import monthly
    from mkbidx.run import index
    from mkbidx.run.brief import write_brief

    folder = tmp_path / "raw" / "2026-08-provisional"
    with pc.PortalSession(replay.url, delay=0.5, sleep=lambda s: None) as session:
        got = fetch.fetch(
            fetch.resolve_province("25"),
            "2026-08",
            folder=folder,
            today=date(2026, 8, 20),
            provisional=True,
            session=session,
            progress=lambda line: None,
        )
    assert got.complete
    r, error = None, None
    for scope in ("25", "H44"):  # the province under its official code, else its portal code
        try:
            r = monthly.monthly_context(folder, "2026-08", scope)
            break
        except MkbidxError as exc:
            error = exc
    assert r is not None, error
    assert "SỐ LIỆU TẠM TÍNH" in str(r.headline)
    summary = r.summary()
    assert summary["provisional"] is True
    out = tmp_path / "outputs"
    report_dir = out / "2026-08" / r.scope
    report_dir.mkdir(parents=True)
    (report_dir / "report.html").write_text(f"<html>{r.headline}</html>", encoding="utf-8")
    (report_dir / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    write_brief(r, report_dir)
    page = index.write_index(out).read_text("utf-8")
    assert "SỐ LIỆU TẠM TÍNH" in page
    assert f'href="2026-08/{r.scope}/brief.pdf"' in page
    # the same month fetched after it ended: no mark
    final = tmp_path / "raw" / "2026-08"
    with pc.PortalSession(replay.url, delay=0.5, sleep=lambda s: None) as session:
        assert fetch.fetch(
            fetch.resolve_province("25"),
            "2026-08",
            folder=final,
            session=session,
            progress=lambda line: None,
        ).complete
    r2 = monthly.monthly_context(final, "2026-08", r.scope)
    assert "TẠM TÍNH" not in str(r2.headline) and r2.summary()["provisional"] is False
    (report_dir / "summary.json").write_text(json.dumps(r2.summary()), encoding="utf-8")
    (report_dir / "brief.pdf").unlink()
    page = index.write_index(out).read_text("utf-8")
    assert "TẠM TÍNH" not in page and "brief.pdf" not in page
