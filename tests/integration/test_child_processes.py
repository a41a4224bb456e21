"""The processes mkbidx starts (the report's Jupyter kernel, Voilà for ``mkbidx explore``) never
outlive it: a Ctrl-C or SIGTERM that lands while one is being launched stops it too.

Both run in sessions of their own, so a signal reaches only mkbidx, which must stop them. CI once
sent Ctrl-C 1 s into ``mkbidx report`` just as the kernel's process had started but before
jupyter_client recorded it: the kernel's folder was removed with the kernel still running in it,
and its ``FileNotFoundError`` traceback (``os.getcwd()``) ended up in mkbidx's stderr. Here the
signal is raised in-process at exactly that point, which a signal sent from outside hits only by
luck (:mod:`mkbidx.run.signals` holds it over the launch).
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest
from jupyter_client import launcher
from jupyter_client.provisioning import local_provisioner

from mkbidx.run import explore
from mkbidx.run import kernel as kernel_module
from mkbidx.run.kernel import Kernel

pytestmark = pytest.mark.notebooks  # starts kernels and Voilà (quickly stopped)


class _Terminated(KeyboardInterrupt):
    """What ``mkbidx.cli`` raises on SIGTERM."""


@pytest.fixture
def command_handlers():
    """The signal handlers of a running mkbidx command: Ctrl-C raises KeyboardInterrupt, SIGTERM
    :class:`_Terminated`; neither blocked (an xdist worker may have come to block them)."""

    def terminated(signum, frame):
        raise _Terminated()

    signals = {signal.SIGINT, signal.SIGTERM}
    mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, signals)
    previous = {
        signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
        signal.SIGTERM: signal.signal(signal.SIGTERM, terminated),
    }
    yield
    for sig, handler in previous.items():
        signal.signal(sig, handler)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _signal_after(make, sig: int, launched: list):
    """``make`` (a process launcher), followed at once by ``sig`` to this process: the signal
    arrives after the child exists, before its launcher has returned it."""

    def launch(*args, **kwargs):
        process = make(*args, **kwargs)
        launched.append(process)
        signal.raise_signal(sig)
        return process

    return launch


def _folders(monkeypatch) -> list[Path]:
    """The kernel folders made from now on."""
    made: list[Path] = []
    original = kernel_module.tempfile.TemporaryDirectory

    def temporary_directory(*args, **kwargs):
        folder = original(*args, **kwargs)
        made.append(Path(folder.name))
        return folder

    monkeypatch.setattr(kernel_module.tempfile, "TemporaryDirectory", temporary_directory)
    return made


def _gone(process: subprocess.Popen) -> bool:
    """Whether the process has ended (waiting a little for it), with nothing left in its
    process group; a child still running is killed here so that the test leaves nothing."""
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return False
    try:
        os.killpg(process.pid, 0)
    except ProcessLookupError:
        return True
    os.killpg(process.pid, signal.SIGKILL)
    return False


SIGNALS = pytest.mark.parametrize(
    ("sig", "raised"),
    [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, _Terminated)],
    ids=["ctrl-c", "kill"],
)


@SIGNALS
def test_signal_during_kernel_launch_stops_the_kernel(monkeypatch, command_handlers, sig, raised):
    launched: list[subprocess.Popen] = []
    launch = _signal_after(launcher.launch_kernel, sig, launched)
    monkeypatch.setattr(local_provisioner, "launch_kernel", launch)
    folders = _folders(monkeypatch)
    with pytest.raises(raised) as caught:
        Kernel()
    assert type(caught.value) is raised  # the command's own handler acted, after the launch
    assert len(launched) == 1 and len(folders) == 1
    assert _gone(launched[0]) and launched[0].returncode == -signal.SIGKILL
    assert not folders[0].exists()


@SIGNALS
def test_signal_during_voila_launch_stops_voila(monkeypatch, command_handlers, sig, raised):
    launched: list[subprocess.Popen] = []
    monkeypatch.setattr(subprocess, "Popen", _signal_after(subprocess.Popen, sig, launched))
    with pytest.raises(raised), explore.serving(period="2024-08", check=lambda **_: None):
        pytest.fail("the server was handed out after the signal")
    assert len(launched) == 1
    assert _gone(launched[0]), "Voilà left running"
    assert launched[0].returncode == -signal.SIGTERM  # stopped by mkbidx, not by chance


def test_kernel_stops_once_and_removes_its_folder(monkeypatch):
    folders = _folders(monkeypatch)
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with Kernel() as kernel:
        process = kernel.manager.provisioner.process
        assert process.poll() is None and folders[0].is_dir()
        kernel.shutdown()
        assert process.poll() is not None and not folders[0].exists()
    kernel.shutdown()  # idempotent, as the runner's `with` calls it again
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == handlers
