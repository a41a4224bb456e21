"""``mkbidx explore`` end to end: the command serves the explorer (Voilà) on a free port, a
headless Chromium (DevTools protocol, :class:`test_html_browser.Browser`) opens the printed URL,
picks August 2024, types "tung chung pho" (no diacritics) into the search box, selects the
commune, reads "79,53", switches the group and sees the metrics table change; Ctrl-C stops the
server (exit 130, port closed). Every wait is bounded.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import NO_SAMPLE, ROOT, SAMPLE_COUNTS, chromium, require

pytestmark = [pytest.mark.browser, pytest.mark.notebooks]  # Voilà starts a kernel per page
START = 90.0  # seconds for the command to print its URL (reads the data, starts Voilà)
PAGE = 120.0  # seconds for the page to show the explorer (a kernel runs the notebook)
SWITCH = 30.0  # seconds for a change of selection to show
STOP = 60.0  # seconds for Ctrl-C to end it (Voilà gets 10 s, then is killed; CI runs Spark beside)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _interruptible() -> None:
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # a blocked or ignored SIGINT
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # is inherited by the child: undo both


def read_line(process: subprocess.Popen, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    line = b""
    while not line.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or process.poll() is not None:
            err = process.stderr.read().decode() if process.poll() is not None else ""
            raise AssertionError(f"mkbidx explore printed no URL: {line!r} {err}")
        ready, _, _ = select.select([process.stdout], [], [], left)
        if ready:
            chunk = os.read(process.stdout.fileno(), 1)
            if not chunk:
                continue
            line += chunk
    return line.decode().strip()


def wait_for(browser, expression: str, timeout: float, what: str):
    """Poll ``expression`` in the page until it is truthy; its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = browser.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            text = browser.evaluate("document.body ? document.body.innerText : ''")
            raise AssertionError(f"{what}: not within {timeout:.0f} s; page: {text[:1500]!r}")
        time.sleep(0.25)


def choose(browser, css: str, index: int, text: str) -> None:
    """Choose the option showing ``text`` in the ``index``-th ``<select>`` matching ``css``, as
    a user would (the widget listens to ``change``)."""
    done = browser.evaluate(
        f"""(() => {{
        const s = document.querySelectorAll({css!r})[{index}];
        const o = [...s.options].find(o => o.text.replace(/\\s+/g, ' ').trim() === {text!r});
        if (!o) return false;
        s.value = o.value; s.dispatchEvent(new Event('change', {{bubbles: true}}));
        return true; }})()"""
    )
    assert done, f"no option {text!r} in {css}[{index}]"


HEADLINE = "[...document.querySelectorAll('.mkbidx-text')].map(e => e.innerText).join('\\n')"
METRICS = "(document.querySelector('#T_metrics') || {}).innerText || ''"
UNITS = (
    "[...document.querySelector('.widget-select select').options]"
    ".map(o => o.text.replace(/\\s+/g, ' ').trim())"
)  # ipywidgets shows spaces as no-break spaces


@pytest.fixture
def server(tmp_path):
    require(SAMPLE_COUNTS.exists(), NO_SAMPLE)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mkbidx.cli", "explore", "--no-browser", "--port", str(port)],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # as from a terminal: Ctrl-C reaches it even if this test process (an xdist worker that
        # ran Spark, kernels and browsers before) has come to block or ignore SIGINT
        preexec_fn=_interruptible,
    )
    try:
        url = read_line(process, START)
        yield process, url, port
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.communicate(timeout=STOP)  # drains the pipes while waiting
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_explore_serves_the_explorer_to_a_browser(server, tmp_path):
    from test_html_browser import Browser

    process, url, port = server
    assert url.startswith(f"http://127.0.0.1:{port}/?token=")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as bare:
        assert "/login" in bare.geturl()  # without the token: the login page, no explorer
    browser = Browser(chromium(), tmp_path / "profile")
    try:  # Voilà's page links an icon font on a CDN: no test reaches the internet
        browser.call("Network.setBlockedURLs", session=browser.session, urls=["https://*"])
        browser.call("Page.navigate", session=browser.session, url=url)
        wait_for(browser, f"({HEADLINE}).includes('xếp hạng')", PAGE, "the explorer's view")
        text = browser.evaluate("document.body.innerText")
        assert "from mkbidx" not in text and "explore(" not in text  # no code shown

        choose(browser, ".widget-dropdown select", 0, "tháng 8/2024")
        wait_for(browser, f"({HEADLINE}).includes('tháng 8/2024')", SWITCH, "August 2024")
        units = browser.evaluate(UNITS)
        assert units[0].startswith("Tỉnh Lào Cai") and len(units) == 26, units
        browser.evaluate(
            """(() => { const i = document.querySelector('.widget-text input');
            i.value = 'tung chung pho'; i.dispatchEvent(new Event('input', {bubbles: true}));
            })()"""
        )
        narrowed = wait_for(
            browser, f"(({UNITS}).length === 1) && {UNITS}", SWITCH, "the filtered list"
        )
        assert narrowed[0].startswith("Xã Tung Chung Phố"), narrowed
        choose(browser, ".widget-select select", 0, narrowed[0])
        wait_for(browser, f"({HEADLINE}).includes('Xã Tung Chung Phố, tháng 8/2024')", SWITCH, "")
        assert browser.evaluate(METRICS)  # drawn with the headline, in one piece
        headline = browser.evaluate(HEADLINE)
        assert "79,53/100 điểm, xếp hạng 15/16" in headline

        before = browser.evaluate(METRICS)
        assert "Tỷ lệ TTHC công bố đúng hạn" in before  # the first group, preselected
        choose(browser, ".widget-dropdown select", 1, "Thanh toán trực tuyến")
        after = wait_for(
            browser, f"({METRICS}) !== {before!r} && ({METRICS})", SWITCH, "the payment table"
        )
        assert "Tỷ lệ hồ sơ thanh toán trực tuyến\t0\t120\t0,00%" in after  # 0 of 120 paid
        link = browser.evaluate("document.querySelector('a.mkbidx-download').href")
        assert link.startswith("data:application/vnd.openxmlformats")
    finally:
        browser.close()

    process.send_signal(signal.SIGINT)
    # communicate, not wait: Voilà's log lines fill the stderr pipe (64 KiB) on a busy run, and a
    # child blocked writing to a full pipe never exits
    _, err = process.communicate(timeout=STOP)
    assert process.returncode == 130
    assert b"\xc4\x91\xc3\xa3 d\xe1\xbb\xabng" in err  # "đã dừng"
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0  # nothing listens any more


def test_explore_reports_a_wrong_scope_in_one_line():
    require(SAMPLE_COUNTS.exists(), NO_SAMPLE)
    done = subprocess.run(
        [sys.executable, "-m", "mkbidx.cli", "explore", "--no-browser", "--scope", "99999"],
        cwd=Path(ROOT),
        capture_output=True,
        text=True,
        timeout=START,
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert '"--scope"' in done.stderr and "99999" in done.stderr
