"""Files written safely: atomic files and folders, checksums, reproducible CSV and XLSX bytes.

Every file mkbidx writes goes through here: built aside, moved into place only when complete,
and byte-identical for identical frames (fixed timestamps in XLSX archives).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from mkbidx.errors import MkbidxError

FIXED_TIMESTAMP = datetime(2000, 1, 1)
"""Created/modified time written into XLSX documents (openpyxl would stamp the current time)."""
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
"""Date of every member of a written ZIP archive (XLSX)."""


def _umask() -> int:
    """The process's file-creation mask (read once; temporary files get the modes it allows)."""
    mask = getattr(_umask, "_value", None)
    if mask is None:
        mask = os.umask(0o022)
        os.umask(mask)
        _umask._value = mask  # type: ignore[attr-defined]
    return mask


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
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a normal file follows the umask
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
    os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700
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


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file's bytes (hex).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = p.write_bytes(b"abc")
    >>> sha256_file(p)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with ``\\n`` line ends: the same frame always gives the same bytes."""
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


_CORE_DATES = re.compile(r"(<dcterms:(?:created|modified)[^>]*>)([^<]*)(</dcterms:)")


def _normalize_zip(data: bytes) -> bytes:
    """Rewrite a ZIP archive (an XLSX) with fixed member timestamps and permissions."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=ZIP_TIMESTAMP)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            member.create_system = 3
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" when saving
                content = _CORE_DATES.sub(
                    lambda m: (
                        m.group(1) + FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ") + m.group(3)
                    ),
                    content.decode("utf-8"),
                ).encode("utf-8")
            dst.writestr(member, content)
    return out.getvalue()


def xlsx_bytes(
    sheets: Mapping[str, pd.DataFrame], *, number_formats: Mapping[str, str] | None = None
) -> bytes:
    """An XLSX workbook, one sheet per frame, byte-identical for identical frames.

    The document's created/modified times are :data:`FIXED_TIMESTAMP` and every archive member
    is dated :data:`ZIP_TIMESTAMP` (openpyxl would write the current time).

    Parameters
    ----------
    sheets
        Sheet name → frame (column headers as they should appear).
    number_formats
        Column header → Excel number format (e.g. ``"0.00"``).
    """
    from openpyxl.utils import get_column_letter

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
            sheet = writer.sheets[name[:31]]
            for i, col in enumerate(frame.columns, start=1):
                letter = get_column_letter(i)
                texts = [str(col), *(str(v) for v in frame[col].head(200))]
                sheet.column_dimensions[letter].width = min(60, max(8, *map(len, texts)) + 2)
                fmt = (number_formats or {}).get(str(col))
                if fmt:
                    for cell in sheet[letter][1:]:
                        cell.number_format = fmt
            sheet.freeze_panes = "A2"
        props = writer.book.properties
        props.created = FIXED_TIMESTAMP
        props.modified = FIXED_TIMESTAMP
        props.creator = "mkbidx"
        props.lastModifiedBy = "mkbidx"
    return _normalize_zip(buffer.getvalue())


def json_bytes(data: Any) -> bytes:
    """Indented UTF-8 JSON with a final newline (manifests and summaries)."""
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
