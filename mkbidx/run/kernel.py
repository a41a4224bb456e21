"""The Jupyter kernel a report notebook runs in, and papermill's execution of a template.

The kernel starts as soon as it is made (it boots on the other core while the caller prepares
the run), in an empty temporary folder, and is killed as soon as the notebook has run (the
executed notebook is in memory).
"""

from __future__ import annotations

import contextlib
import functools
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mkbidx.errors import MkbidxError
from mkbidx.run import signals
from mkbidx.run.export import warm_exporter

KERNEL_NAME = "python3"
"""Jupyter kernel the templates run in (registered in the venv by ``make``)."""


KERNEL_ARGUMENTS = ("--IPKernelApp.log_level=ERROR", "--HistoryManager.hist_file=:memory:")
"""Kernel command-line options: its own log (e.g. the TCP transport notice) only for errors; no
history file (as nbclient starts kernels)."""


class Kernel:
    """A Jupyter kernel (:data:`KERNEL_NAME`, in an empty temporary folder) for one notebook run.

    It starts as soon as it is made: the kernel boots on the other core while the caller
    prepares the run (papermill is imported only then). :func:`execute` runs the notebook in
    it; :meth:`shutdown` (also on leaving a ``with`` block) stops it and closes the clients'
    channels. Raises :class:`MkbidxError` when the kernel is not installed.
    """

    def __init__(self) -> None:
        from jupyter_client.kernelspec import NoSuchKernel
        from jupyter_core.utils import run_sync

        self._folder = tempfile.TemporaryDirectory(prefix="mkbidx-run-")
        self._stopped = False
        self.manager = _kernel_manager_class()(kernel_name=KERNEL_NAME)
        try:
            with signals.held():  # a Ctrl-C now would leave the kernel running unseen
                run_sync(self.manager.start_kernel)(
                    extra_arguments=list(KERNEL_ARGUMENTS), cwd=self._folder.name
                )
        except NoSuchKernel:
            self._folder.cleanup()
            raise MkbidxError(
                f"không có kernel Jupyter '{KERNEL_NAME}' (no such kernel)",
                expected="chạy make (cài kernel: python -m ipykernel install --sys-prefix "
                "--name python3)",
            ) from None
        except BaseException:
            self.shutdown()  # e.g. Ctrl-C just after the launch: the kernel must not outlive us
            raise

    def shutdown(self) -> None:
        """Stop the kernel at once (the notebook is in memory: no graceful wait) and remove its
        folder; idempotent."""
        from jupyter_core.utils import run_sync

        if self._stopped:
            return
        self._stopped = True
        try:
            for client in self.manager.clients:
                client.stop_channels()
            provisioner = self.manager.provisioner
            process = getattr(provisioner, "process", None)
            if process is not None and process.poll() is None:
                # Killed and reaped here: jupyter_client would poll for the end every 0.1 s.
                run_sync(provisioner.kill)()  # the kernel's process group
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=5)
            if self.manager.has_kernel:  # its connection file and sockets
                run_sync(self.manager.shutdown_kernel)(now=True)
        finally:
            self._folder.cleanup()

    def __enter__(self) -> Kernel:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.shutdown()


@functools.cache
def _kernel_manager_class():
    """jupyter_client's kernel manager, remembering the clients made for it (papermill given a
    started kernel leaves closing their channels to the owner); its clients poll in short slices
    (:func:`sliced_client_class`)."""
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import Type

    class KernelManager(AsyncKernelManager):
        client_factory = Type(sliced_client_class())

        @property
        def clients(self) -> list[Any]:
            return self.__dict__.setdefault("_mkbidx_clients", [])

        def client(self, **kwargs: Any) -> Any:
            made = super().client(**kwargs)
            self.clients.append(made)
            return made

    return KernelManager


def execute(
    template: Path, output: Path, parameters: Mapping[str, Any], *, kernel: Kernel | None = None
) -> Any:
    """Run a template with papermill into ``output``; returns the executed notebook.

    ``kernel``: a kernel started beforehand (:class:`Kernel`), used once and shut down here;
    None: one is started now. While the kernel works, the HTML exporter warms up in a thread
    (:func:`mkbidx.run.export.warm_exporter`).
    """
    kernel = Kernel() if kernel is None else kernel
    _quiet_kernel_death_log()
    try:
        import papermill as pm
        from papermill.exceptions import PapermillExecutionError

        try:
            return pm.execute_notebook(
                str(template),
                str(output),
                parameters=dict(parameters),
                kernel_name=KERNEL_NAME,
                km=kernel.manager,
                progress_bar=False,
                log_output=False,
                request_save_on_cell_execute=False,  # one write at the end, not one per cell
                on_notebook_start=warm_exporter,
            )
        except PapermillExecutionError as exc:
            if exc.ename == "MkbidxError":
                raise MkbidxError(str(exc.evalue)) from None
            raise
        except KeyboardInterrupt:
            # The kernel is killed below (shutdown); nbclient's pending cell task then ends
            # with DeadKernelError, which asyncio would print ("Task exception was never
            # retrieved") when the task is collected. The run is over: say nothing of it.
            _quiet_dead_kernel_tasks()
            raise
    finally:
        kernel.shutdown()


def _quiet_dead_kernel_tasks() -> None:
    """Drop asyncio's "Task exception was never retrieved" reports of DeadKernelError."""
    import logging

    logger = logging.getLogger("asyncio")
    if any(isinstance(f, _DeadKernelFilter) for f in logger.filters):
        return
    logger.addFilter(_DeadKernelFilter())


def _quiet_kernel_death_log() -> None:
    """Drop nbclient's log line "Kernel died while waiting for execute reply." (logged through
    papermill's logger): a run stopped by Ctrl-C or kill says so in its own one line, and a
    kernel that died by itself ends the run with an error that says so."""
    import logging

    logger = logging.getLogger("papermill")
    if not any(isinstance(f, _KernelDeathLineFilter) for f in logger.filters):
        logger.addFilter(_KernelDeathLineFilter())


class _KernelDeathLineFilter:
    """A logging filter: False for nbclient's "Kernel died while waiting" line."""

    def filter(self, record: Any) -> bool:
        return "Kernel died while waiting" not in record.getMessage()


class _DeadKernelFilter:
    """A logging filter: False for asyncio's report of a task that ended with a dead kernel."""

    def filter(self, record: Any) -> bool:
        exc = getattr(record, "exc_info", None)
        error = exc[1] if exc else None
        if error is None:
            context = record.args if isinstance(record.args, dict) else {}
            error = context.get("exception")
        if error is None and isinstance(getattr(record, "msg", None), str):
            return "DeadKernelError" not in record.getMessage()
        return type(error).__name__ != "DeadKernelError"


POLL_SLICE = 0.5
"""Seconds a kernel client waits on a socket at a time (see :func:`sliced_client_class`)."""


@functools.cache
def sliced_client_class():
    """An ``AsyncKernelClient`` whose shell and IOPub channels wait in slices of
    :data:`POLL_SLICE` seconds.

    A reply the kernel has sent can sit unnoticed until the cell timeout (jupyter/nbclient#312):
    nbclient waits for it with one ``zmq.asyncio`` poll of ``timeout`` seconds, and the wake-up
    of that poll is sometimes missed (seen on the explore notebook's widget cell: a reply sent
    2 s into the cell read 13 s later, in 5 runs of 15). Polling in short slices bounds a missed
    wake-up to one slice (0 runs of 15 above 0.5 s).
    """
    from queue import Empty
    from time import monotonic

    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.channels import AsyncZMQSocketChannel
    from traitlets import Type

    class SlicedChannel(AsyncZMQSocketChannel):
        async def get_msg(self, timeout: float | None = None) -> dict:
            deadline = None if timeout is None else monotonic() + timeout
            while True:
                left = None if deadline is None else max(0.0, deadline - monotonic())
                step = POLL_SLICE if left is None else min(POLL_SLICE, left)
                try:
                    return await super().get_msg(timeout=step)
                except Empty:
                    if left is not None and left <= step:
                        raise

    class SlicedKernelClient(AsyncKernelClient):
        shell_channel_class = Type(SlicedChannel)
        iopub_channel_class = Type(SlicedChannel)

    return SlicedKernelClient
