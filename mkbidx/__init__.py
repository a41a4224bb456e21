"""mkbidx: score, rank and report the DVCQG 766 service index (Bộ chỉ số 766).

``import mkbidx as mk`` gives the verbs of :mod:`mkbidx.api` (``mk.load``, ``mk.score``,
``mk.rank``, ``mk.trends``, ``mk.gap``, ``mk.report``, ``mk.trend_report``, ``mk.explore``),
imported on first use so that ``import mkbidx`` (and the command line) stays fast.
"""

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from mkbidx.errors import MkbidxError

try:
    __version__ = version("mkbidx")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

VERBS = ("load", "score", "rank", "trends", "gap", "report", "trend_report", "explore")
"""The analyst's verbs, defined in :mod:`mkbidx.api`."""

__all__ = ["MkbidxError", "__version__", *VERBS]


def __getattr__(name: str) -> Any:
    """Import :mod:`mkbidx.api` when a verb is first used (``mk.rank``...)."""
    if name in VERBS:
        from mkbidx import api

        return getattr(api, name)
    raise AttributeError(f"module 'mkbidx' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *VERBS})
