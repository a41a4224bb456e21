"""Ctrl-C and ``kill`` held back while a child process is launched.

mkbidx starts its children (the report's Jupyter kernel, Voilà) in sessions of their own, so a
Ctrl-C in the terminal reaches only mkbidx, which then stops them. A signal that lands inside the
launch itself, after the child exists but before the caller holds it, would leave the child
running unseen (CI saw a kernel outlive its removed folder this way). :func:`held` defers
SIGINT and SIGTERM over the launch and raises the first one again as soon as it is over, with
the previous handlers back in place: the caller, now holding the child, stops it as usual.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

HELD = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Defer SIGINT and SIGTERM for the ``with`` block; on leaving it, restore the handlers and
    raise the first signal that came (its handler acts then, e.g. ``KeyboardInterrupt``).

    Handlers can be set only in the main thread: elsewhere nothing is held.

    >>> import os
    >>> class Stopped(Exception):
    ...     pass
    >>> def stop(signum, frame):
    ...     raise Stopped
    >>> before = signal.signal(signal.SIGTERM, stop)
    >>> with held():
    ...     os.kill(os.getpid(), signal.SIGTERM)
    ...     launched = True  # still runs: the signal waits
    Traceback (most recent call last):
    mkbidx.run.signals.Stopped
    >>> launched, signal.getsignal(signal.SIGTERM) is stop
    (True, True)
    >>> _ = signal.signal(signal.SIGTERM, before)
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    came: list[int] = []
    previous = {s: signal.signal(s, lambda signum, _frame: came.append(signum)) for s in HELD}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, signal.SIG_DFL if handler is None else handler)  # None: set in C
        if came:
            signal.raise_signal(came[0])
