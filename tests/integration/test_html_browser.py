"""The HTML report opened in a real headless browser (Chromium, driven through the DevTools
protocol over a pipe: no extra dependency).

Checks what a reader sees offline: no console error, no request other than the file itself and
its embedded images, the headline and every commune visible, images decoded, Vietnamese text,
and a hostile unit name shown as text (no script runs, no dialog opens).

Without Chromium (or the sample data) the tests skip with a message, except on CI (``CI=true``)
where they fail (:func:`conftest.require`): ``.ci/run`` installs Chromium.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import CHROMIUM, NO_SAMPLE, SAMPLE, SAMPLE_COUNTS, chromium, require

try:
    from mkbidx.run.monthly import run_report
except ImportError:  # pragma: no cover - before the runner moved to run/ (issue 9)
    from mkbidx.reports.monthly import run_report

__all__ = ["CHROMIUM", "Browser", "offline_only"]  # also used by test_trend_report
pytestmark = [pytest.mark.browser, pytest.mark.notebooks]  # the reports are made by a kernel
HOSTILE = "<script>alert(1)</script>"
HOSTILE_IMG = "Xã <img src=x onerror=alert(2)> Bản Sen"
TIMEOUT = 30.0


@pytest.fixture(scope="module")
def browser_path():
    path = chromium()  # skips locally, fails with CI=true
    require(SAMPLE_COUNTS.exists(), NO_SAMPLE)
    return path


class Browser:
    """A headless Chromium driven by the DevTools protocol over ``--remote-debugging-pipe``
    (JSON messages separated by NUL bytes on file descriptors 3 and 4)."""

    def __init__(self, executable: str, profile: Path) -> None:
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def wire() -> None:  # in the child: the pipe ends on fds 3 (read) and 4 (write)
            r, w = os.dup(to_child_r), os.dup(from_child_w)
            os.dup2(r, 3)
            os.dup2(w, 4)

        self.process = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-extensions",
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            preexec_fn=wire,
            close_fds=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        for domain in ("Runtime", "Log", "Page", "Network"):
            self.call(f"{domain}.enable", session=self.session)

    def _send(self, method: str, session: str | None, params: dict) -> int:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        return self._id

    def _wait(self, predicate) -> dict:
        deadline = time.monotonic() + TIMEOUT
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                message = json.loads(raw)
                self.events.append(message)
                if predicate(message):
                    return message
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from chromium")
            ready, _, _ = select.select([self._from_child], [], [], left)
            if ready:
                chunk = os.read(self._from_child, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self._buffer += chunk

    def call(self, method: str, session: str | None = None, **params) -> dict:
        number = self._send(method, session, params)
        answer = self._wait(lambda m: m.get("id") == number)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer.get("result", {})

    def open(self, path: Path) -> None:
        self.call("Page.navigate", session=self.session, url=path.resolve().as_uri())
        self._wait(lambda m: m.get("method") == "Page.loadEventFired")

    def evaluate(self, expression: str):
        result = self.call(
            "Runtime.evaluate", session=self.session, expression=expression, returnByValue=True
        )
        return result["result"].get("value")

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions, error log entries, dialogs."""
        found = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning"):
                found.append(f"console.{params['type']}: {params.get('args')}")
            elif method == "Runtime.exceptionThrown":
                found.append(f"exception: {params.get('exceptionDetails')}")
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                found.append(f"log: {params['entry'].get('text')}")
            elif method == "Page.javascriptDialogOpening":
                found.append(f"dialog: {params.get('message')}")
        return found

    def requests(self) -> list[str]:
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e.get("method") == "Network.requestWillBeSent"
        ]

    def close(self) -> None:
        try:
            self._send("Browser.close", None, {})
            self.process.wait(timeout=10)
        except Exception:
            self.process.kill()
            self.process.wait()
        finally:
            os.close(self._to_child)
            os.close(self._from_child)


@pytest.fixture
def browser(browser_path, tmp_path):
    b = Browser(browser_path, tmp_path / "profile")
    yield b
    b.close()


@pytest.fixture(scope="module")
def sample_report(browser_path, tmp_path_factory):
    root = tmp_path_factory.mktemp("outputs")
    return run_report("2024-08", "083", data_path=SAMPLE, output_root=root)


@pytest.fixture(scope="module")
def hostile_report(browser_path, tmp_path_factory):
    data = tmp_path_factory.mktemp("hostile")
    frame = pd.read_csv(SAMPLE / "mkbidx-sample-counts.csv", dtype=str, keep_default_na=False)
    frame = frame[frame["period"].isin(["2024-07", "2024-08"])]
    frame.loc[frame["unit_code"] == "02758", "unit_name"] = HOSTILE
    frame.loc[frame["unit_code"] == "02797", "unit_name"] = HOSTILE_IMG
    frame.to_csv(data / "counts.csv", index=False)
    root = tmp_path_factory.mktemp("outputs")
    return run_report("2024-08", "083", data_path=data, output_root=root)


def offline_only(urls: list[str]) -> list[str]:
    return [u for u in urls if not u.startswith(("file://", "data:"))]


def test_report_opens_offline_without_errors_and_shows_everything(browser, sample_report):
    browser.open(sample_report.html)
    text = browser.evaluate("document.body.innerText")
    assert browser.problems() == []
    assert offline_only(browser.requests()) == []
    assert browser.evaluate("document.documentElement.lang") == "vi"
    assert browser.evaluate("document.characterSet") == "UTF-8"
    assert browser.evaluate("document.scripts.length") == 0
    assert "88,23/100 điểm, xếp hạng 1/9 huyện, thành phố" in text
    assert "tháng 8/2024" in text and "Tổng điểm" in text
    communes = [r["unit_name"] for r in sample_report.summary["ranking"]]
    assert len(communes) == 16
    missing = [name for name in communes if name not in text]
    assert missing == [], f"not visible: {missing}"
    images = browser.evaluate("[...document.images].map(i => i.complete && i.naturalWidth > 0)")
    assert images == [True] * 4
    assert "print(" not in text and "report." not in text  # no code


def test_hostile_names_show_as_text(browser, hostile_report):
    browser.open(hostile_report.html)
    text = browser.evaluate("document.body.innerText")
    assert browser.problems() == []  # no alert dialog, no error
    assert offline_only(browser.requests()) == []  # the <img src=x> did not load
    assert HOSTILE in text and HOSTILE_IMG in text
    assert browser.evaluate("document.scripts.length") == 0
    assert browser.evaluate("document.querySelectorAll('img[onerror]').length") == 0


def test_index_opens_offline(browser, sample_report):
    browser.open(sample_report.folder.parent.parent / "index.html")
    text = browser.evaluate("document.body.innerText")
    assert browser.problems() == []
    assert offline_only(browser.requests()) == []
    assert "Huyện Mường Khương (083)" in text and "tháng 8/2024" in text
    links = browser.evaluate("[...document.links].map(a => a.getAttribute('href'))")
    assert "2024-08/083/report.html" in links
