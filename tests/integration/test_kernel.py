"""The report kernel's life cycle (:class:`mkbidx.run.kernel.Kernel`): a Ctrl-C or SIGTERM that
lands while jupyter_client launches the kernel must not leave the kernel running.

The kernel runs in a session of its own, so the signal reaches only mkbidx. CI once sent Ctrl-C
1 s into ``mkbidx report`` just as the kernel's process had started but before jupyter_client
recorded it: the old code removed the kernel's folder and left the kernel running in it, and its
``FileNotFoundError`` traceback (``os.getcwd()``) ended up in mkbidx's stderr. Here the signal
is raised in-process at exactly those points, which a signal sent from outside hits only by luck.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest
from jupyter_client import launcher
from jupyter_client.provisioning import local_provisioner

from mkbidx.run import kernel as kernel_module
from mkbidx.run.kernel import Kernel


class _Terminated(KeyboardInterrupt):
    """What ``mkbidx.cli`` raises on SIGTERM."""


@pytest.fixture
def sigterm_raises():
    """SIGTERM raises :class:`_Terminated`, as it does while a mkbidx command runs."""

    def handler(signum, frame):
        raise _Terminated()

    previous = signal.signal(signal.SIGTERM, handler)
    yield
    signal.signal(signal.SIGTERM, previous)


def _launch_then_signal(monkeypatch, sig: int) -> list[subprocess.Popen]:
    """jupyter_client's process launch, followed at once by ``sig`` to this process: the
    signal arrives after the kernel's process exists, before the provisioner records it."""
    launched: list[subprocess.Popen] = []
    original = launcher.launch_kernel

    def launch_kernel(*args, **kwargs):
        process = original(*args, **kwargs)
        launched.append(process)
        signal.raise_signal(sig)
        return process

    monkeypatch.setattr(local_provisioner, "launch_kernel", launch_kernel)
    return launched


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


@pytest.mark.notebooks
@pytest.mark.parametrize(
    ("sig", "raised"),
    [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, _Terminated)],
    ids=["ctrl-c", "kill"],
)
def test_signal_during_kernel_launch_stops_the_kernel(monkeypatch, sigterm_raises, sig, raised):
    launched = _launch_then_signal(monkeypatch, sig)
    folders = _folders(monkeypatch)
    with pytest.raises(raised) as caught:
        Kernel()
    assert type(caught.value) is raised  # the signal's own handler acted, after the launch
    assert len(launched) == 1 and len(folders) == 1
    assert launched[0].wait(timeout=10) == -signal.SIGKILL  # stopped by us, not left running
    assert not folders[0].exists()
    with pytest.raises(ProcessLookupError):  # nothing left in the kernel's process group
        os.killpg(launched[0].pid, 0)


@pytest.mark.notebooks
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
