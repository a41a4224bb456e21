"""Writing outputs safely: whole files and whole folders or nothing.

Report generation (papermill + nbconvert) lives here too; every writer builds in a temporary
place next to the target and moves it into place only when complete, so a failed run leaves no
partial output and never overwrites a user's file unless asked to.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from mkbidx.errors import MkbidxError


def write_atomic(path: str | Path, write: Callable[[Path], object], *, force: bool = True) -> Path:
    """Write a file through ``write(tmp_path)`` and move it into place only if that succeeds.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> write_atomic(target, lambda p: p.write_text("xin chào", encoding="utf-8")).name
    'a.txt'
    >>> target.read_text("utf-8")
    'xin chào'
    """
    path = Path(path)
    if path.exists() and not force:
        raise MkbidxError(
            "tệp đã tồn tại, không ghi đè (file exists)",
            file=path,
            expected="dùng --force để ghi đè",
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


@contextmanager
def atomic_folder(target: str | Path, *, force: bool = False):
    """Yield a temporary folder that replaces ``target`` only when the block succeeds.

    Without ``force`` an existing ``target`` is an error and is left untouched.
    """
    target = Path(target)
    if target.exists() and not force:
        raise MkbidxError(
            "thư mục kết quả đã tồn tại, không ghi đè (output exists)",
            file=target,
            expected="dùng --force để tạo lại",
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        yield tmp
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
            os.replace(target, old / target.name)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
