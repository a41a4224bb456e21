"""mkbidx: score, rank and report the DVCQG 766 service index (Bộ chỉ số 766)."""

from importlib.metadata import PackageNotFoundError, version

from mkbidx.errors import MkbidxError

try:
    __version__ = version("mkbidx")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["MkbidxError", "__version__"]
