"""``mkbidx explore``: the explorer notebook (``notebooks/explore/explore.ipynb``) served as a web
app by Voilà on 127.0.0.1: outputs only, no code, one kernel per open page.

The notebook is copied into a temporary folder with the parameters injected after its
parameters cell (as papermill does) and without its cells tagged ``notebook-only``; Voilà runs
in a session of its own (a Ctrl-C in the terminal reaches mkbidx only), with a random token in
the URL, its log in the temporary folder. The parameters are checked in-process while Voilà
starts, so a wrong ``--scope`` is a one-line error, not an error page. Leaving
:func:`serving` (Ctrl-C included) stops Voilà and its kernels and removes the folder.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from mkbidx.errors import MkbidxError
from mkbidx.paths import DEFAULT_DATA, EXPLORE_NOTEBOOK
from mkbidx.run import signals

HOST = "127.0.0.1"
DEFAULT_PORT = 8866
"""Voilà's own default port; when it is taken and no ``--port`` was given, any free port."""
START_TIMEOUT = 60.0
"""Seconds Voilà may take to listen."""
STOP_TIMEOUT = 10.0
"""Seconds Voilà may take to stop its kernels after SIGTERM, before it is killed."""
SKIP_TAG = "notebook-only"
"""Cells with this tag are left out of the app (examples for notebook users)."""
NOTEBOOK_NAME = "explore.ipynb"
TITLE = "Khám phá Bộ chỉ số 766"
"""The page's title."""


@dataclass(frozen=True)
class Server:
    """A running Voilà server: its process, the URL to open (token included), its log."""

    process: subprocess.Popen
    url: str
    log: Path


def app_notebook(folder: Path, parameters: dict[str, str]) -> Path:
    """Write the explorer notebook into ``folder`` with ``parameters`` injected after its
    parameters cell and without its ``notebook-only`` cells; returns its path."""
    import nbformat

    nb = nbformat.read(EXPLORE_NOTEBOOK, as_version=4)
    cells = [c for c in nb.cells if SKIP_TAG not in c.get("metadata", {}).get("tags", [])]
    at = next(
        (i for i, c in enumerate(cells) if "parameters" in c.get("metadata", {}).get("tags", [])),
        -1,
    )
    source = "\n".join(f"{name} = {str(value)!r}" for name, value in parameters.items())
    injected = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    cells.insert(at + 1, injected)
    nb.cells = cells
    nb.metadata["title"] = TITLE
    path = folder / NOTEBOOK_NAME
    nbformat.write(nb, path)
    return path


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def choose_port(port: int | None) -> int:
    """``port`` when it is free (else a user error); without one, :data:`DEFAULT_PORT` or, when
    that is taken, a free port."""
    if port is not None:
        if not 0 < port < 65536:
            raise MkbidxError(
                f"cổng {port} không hợp lệ (invalid port)", column="--port", expected="1..65535"
            )
        if not _port_free(port):
            raise MkbidxError(
                f"cổng {port} đang được dùng (port in use)",
                column="--port",
                expected="một cổng trống, hoặc bỏ --port để tự chọn",
            )
        return port
    if _port_free(DEFAULT_PORT):
        return DEFAULT_PORT
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((HOST, port)) == 0


def _log_tail(log: Path, lines: int = 3) -> str:
    try:
        text = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(text[-lines:])


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM (Voilà shuts its kernels down), then SIGKILL to its session after
    :data:`STOP_TIMEOUT`."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


FLAGS = {"unit": "--scope", "period": "--period", "group": "--group", "data_path": "--input"}
"""The command's option for each parameter of the notebook (named in errors)."""


def _check(check: Callable[..., object], parameters: dict[str, str]) -> None:
    try:
        check(**parameters)
    except MkbidxError as exc:
        if exc.column not in FLAGS:
            raise
        raise MkbidxError(
            exc.problem,
            file=exc.file,
            row=exc.row,
            unit=exc.unit,
            column=FLAGS[exc.column],
            expected=exc.expected,
        ) from None


@contextlib.contextmanager
def serving(
    *,
    period: str = "",
    scope: str = "",
    group: str = "",
    data_path: str | Path | None = None,
    methodology: str | None = None,
    port: int | None = None,
    check: Callable[..., object] | None = None,
) -> Iterator[Server]:
    """Start Voilà on the explorer with these parameters, wait until it listens, yield the
    :class:`Server`; stop it on leaving (also on Ctrl-C or an error).

    ``check(**parameters)`` runs while Voilà starts (default:
    :func:`mkbidx.reports.explorer.validate_explore`): a :class:`MkbidxError` stops the server
    and is raised as it is.
    """
    from mkbidx.reports.explorer import validate_explore

    data = Path(data_path).expanduser().resolve() if data_path else DEFAULT_DATA
    parameters = {
        "period": period or "",
        "unit": scope or "",
        "group": group or "",
        "data_path": str(data),
        "methodology": str(methodology or ""),
    }
    chosen = choose_port(port)
    token = secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory(prefix="mkbidx-explore-") as tmp:
        folder = Path(tmp)
        notebook = app_notebook(folder, parameters)
        log = folder / "voila.log"
        command = [
            sys.executable,
            "-m",
            "voila",
            str(notebook),
            "--no-browser",
            f"--port={chosen}",
            f"--Voila.ip={HOST}",
            f"--Voila.token={token}",
            "--show_tracebacks=False",
            "--strip_sources=True",
            "--theme=light",
            f"--Voila.root_dir={folder}",
        ]
        process = None
        try:
            with open(log, "wb") as out, signals.held():  # Voilà is never left running unseen
                process = subprocess.Popen(
                    command,
                    cwd=folder,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # Ctrl-C reaches mkbidx, which stops Voilà
                )
            _check(check or validate_explore, parameters)
            deadline = time.monotonic() + START_TIMEOUT
            while not _listening(chosen):
                if process.poll() is not None:
                    raise MkbidxError(
                        f"Voilà dừng khi khởi động (exit {process.returncode}): " + _log_tail(log),
                        expected="cài đủ gói: pip install -e . (voila)",
                    )
                if time.monotonic() > deadline:
                    raise MkbidxError(
                        f"Voilà chưa sẵn sàng sau {START_TIMEOUT:.0f} giây: " + _log_tail(log)
                    )
                time.sleep(0.1)
            yield Server(process, f"http://{HOST}:{chosen}/?token={token}", log)
        finally:
            if process is not None:
                _stop(process)


def _has_display() -> bool:
    """Whether a graphical browser can open here (not on a server reached by ssh, where
    :mod:`webbrowser` would start a text browser in the terminal)."""
    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


def run_explore(*, open_browser: bool = True, say: Callable[[str], None] = print, **options) -> int:
    """Serve the explorer until Ctrl-C (``KeyboardInterrupt`` is raised on, after Voilà has
    stopped) or until Voilà ends by itself (exit 1, with its last log lines)."""
    with serving(**options) as server:
        say(server.url)
        sys.stdout.flush()  # the URL is read by scripts and tests as soon as it is printed
        print(f"mkbidx explore: đang chạy tại {server.url} — Ctrl-C để dừng", file=sys.stderr)
        if open_browser and _has_display():
            import webbrowser

            webbrowser.open(server.url)
        elif open_browser:
            print("mkbidx explore: không có màn hình (no display): mở URL trên", file=sys.stderr)
        code = server.process.wait()
    print(f"mkbidx explore: Voilà đã dừng (exit {code}): {_log_tail(server.log)}", file=sys.stderr)
    return 1
