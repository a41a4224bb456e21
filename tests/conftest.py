"""Shared fixtures and helpers: project paths, the methodology, requirements that skip locally
but fail on CI, Chromium, and a kernel client that never sleeps on a missed reply.

Requirements (a data file, a browser): call :func:`require` in a test or fixture, or decorate
with :func:`requires`. Locally an unmet requirement skips with its reason; with ``CI=true`` it
fails, so a missing sample file or browser cannot turn a CI run green. Only material outside
the repository (``../shared``) may skip on CI too (``outside_repo=True``).

Property-based searches (hypothesis) run under a profile chosen with ``HYPOTHESIS_PROFILE``:
``fast`` (a quarter of the examples: ``make test-fast``, the loop while editing), ``ci`` (the
default, ``make test``) or ``thorough`` (four times the examples, e.g.
``HYPOTHESIS_PROFILE=thorough make test`` before a release). A heavy property sets its budget
with :func:`examples`; the assertions are the same in every profile.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

import mkbidx.run  # noqa: F401  (first: no IRI grammar in nbformat's jsonschema, see its docstring)
from mkbidx import methodology

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
SAMPLE_COUNTS = SAMPLE / "mkbidx-sample-counts.csv"
PORTAL_SAMPLE = SAMPLE / "phu-tho-2026-08"
SHARED = ROOT.parent / "shared"  # material outside the repository (absent from a clean clone)

ON_CI = os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}
NO_SAMPLE = "embedded sample data not generated (data/sample/mkbidx-sample-counts.csv)"
NO_SHARED = "../shared not available: compares against material outside the repository"
NO_CHROMIUM = "chromium not found (apt-get install chromium); the browser test needs it"

CHROMIUM: str | None = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)


# ------------------------------------------------------------------------------ hypothesis
THOROUGH_FACTOR = 4
"""How many times more examples the ``thorough`` profile runs than ``ci``."""
settings.register_profile("fast", max_examples=25, deadline=None)
settings.register_profile("ci", max_examples=100, deadline=None)
settings.register_profile("thorough", max_examples=100 * THOROUGH_FACTOR, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def examples(thorough: int, *, least: int = 10) -> int:
    """``max_examples`` of a heavy property: ``thorough`` in the ``thorough`` profile, a
    ``THOROUGH_FACTOR``-th of it (at least ``least``) in ``ci``; any other profile scales it by
    its own ``max_examples`` (``ci``: 100)."""
    scaled = thorough * settings.default.max_examples // (100 * THOROUGH_FACTOR)
    return max(least, min(thorough, scaled))


def require(condition: object, reason: str, *, outside_repo: bool = False) -> None:
    """Skip the running test unless ``condition`` holds; with ``CI=true`` fail instead.

    ``outside_repo=True``: the requirement is material outside the repository, absent from a
    clean clone, so the test skips on CI too (the reason says so).
    """
    if condition:
        return
    if outside_repo:
        pytest.skip(f"{reason} (skips on CI too)")
    if ON_CI:
        pytest.fail(f"{reason} (CI=true: a missing requirement fails, never skips)", pytrace=False)
    pytest.skip(reason)


def requires(condition: object, reason: str, *, outside_repo: bool = False):
    """:func:`require` as a mark, for ``@requires(...)`` or ``pytestmark = requires(...)``
    (in place of ``pytest.mark.skipif(not condition, reason=...)``)."""
    return pytest.mark.requirement(
        condition=bool(condition), reason=reason, outside_repo=outside_repo
    )


@pytest.hookimpl(tryfirst=True)  # before the test's fixtures are set up
def pytest_runtest_setup(item: pytest.Item) -> None:
    _RUNNING["test"] = item.nodeid
    _RUNNING["kernels"] = item.get_closest_marker("notebooks") is not None
    for mark in item.iter_markers("requirement"):
        require(mark.kwargs["condition"], mark.kwargs["reason"], **_outside(mark))


def pytest_configure(config: pytest.Config) -> None:
    _guard_kernel_starts()


def _outside(mark) -> dict[str, bool]:
    return {"outside_repo": bool(mark.kwargs.get("outside_repo", False))}


def chromium() -> str:
    """The Chromium executable (skip, or fail on CI, without one)."""
    require(CHROMIUM is not None, NO_CHROMIUM)
    assert CHROMIUM is not None
    return CHROMIUM


@pytest.fixture(scope="session")
def method():
    return methodology.load()


@pytest.fixture(scope="session")
def sample_counts() -> Path:
    """The embedded sample's counts file (skip, or fail on CI, when it is missing)."""
    require(SAMPLE_COUNTS.exists(), NO_SAMPLE)
    return SAMPLE_COUNTS


# ------------------------------------------------------------------------------ kernels
# Only tests marked ``notebooks`` may start a Jupyter kernel, so that ``make test-fast``
# (``-m "not notebooks and not browser and not slow"``) never runs one: a kernel started
# during an unmarked test (or a fixture it is the first to use) fails with this message.
_RUNNING: dict = {"test": None, "kernels": True}  # the test being set up or run


def _guard_kernel_starts() -> None:
    from jupyter_client.provisioning.local_provisioner import LocalProvisioner

    if getattr(LocalProvisioner.launch_kernel, "mkbidx_guard", False):
        return
    launch = LocalProvisioner.launch_kernel

    async def guarded(self, cmd, **kwargs):
        if not _RUNNING["kernels"]:
            raise RuntimeError(
                f"{_RUNNING['test']} starts a Jupyter kernel: mark it @pytest.mark.notebooks "
                "(tests/conftest.py)"
            )
        return await launch(self, cmd, **kwargs)

    guarded.mkbidx_guard = True
    LocalProvisioner.launch_kernel = guarded


def robust_kernel_manager_class():
    """An ``AsyncKernelManager`` whose clients poll shell and IOPub in short slices, as the
    report runner's do (:func:`mkbidx.run.kernel.sliced_client_class`, jupyter/nbclient#312);
    for ``papermill.execute_notebook(..., kernel_manager_class=...)``."""
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import Type

    from mkbidx.run.kernel import sliced_client_class

    class RobustKernelManager(AsyncKernelManager):
        client_factory = Type(sliced_client_class())

    return RobustKernelManager
