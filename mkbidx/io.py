"""Files written safely: atomic files and folders, checksums, reproducible CSV and XLSX bytes.

Every file mkbidx writes goes through here: built aside, moved into place only when complete,
and byte-identical for identical frames (fixed timestamps in XLSX archives).
"""

from __future__ import annotations

import contextlib
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


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists() or candidate.is_symlink():
            return candidate
    return Path(".")


def check_output(path: str | Path, *, folder: bool, force: bool = True, option: str = "--output"):
    """Refuse, before any work, an output path that cannot be written.

    ``path`` is a file (``folder=False``) or a folder to write into: it must not be the other
    kind, lie under a file, or lie in a folder without write permission; an existing file is
    refused without ``force``. Returns the absolute path.

    >>> import tempfile, pathlib
    >>> tmp = tempfile.TemporaryDirectory()
    >>> base = pathlib.Path(tmp.name)
    >>> _ = (base / "a.csv").write_text("x")
    >>> check_output(base / "a.csv" / "b", folder=True)
    Traceback (most recent call last):
    ...
    mkbidx.errors.MkbidxError: ...a.csv: đường dẫn nằm dưới một tệp, không phải thư mục ...
    >>> tmp.cleanup()
    """
    path = Path(path).expanduser().absolute()
    what = "một thư mục ghi được" if folder else "một đường dẫn tệp ghi được"
    expected = f"{what} cho {option}"
    existing = _nearest_existing(path)
    if existing != path and not existing.is_dir():
        raise MkbidxError(
            "đường dẫn nằm dưới một tệp, không phải thư mục (not a directory)",
            file=existing,
            expected=expected,
        )
    if existing == path:
        if folder and not path.is_dir():
            raise MkbidxError(
                "đường dẫn là một tệp, không phải thư mục (not a directory)",
                file=path,
                expected=expected,
            )
        if not folder and path.is_dir():
            raise MkbidxError(
                "đường dẫn là một thư mục, không phải tệp (is a directory)",
                file=path,
                expected=f"tên tệp cho {option}, vd. {path / 'xep-hang.csv'}",
            )
        if not folder and not force:
            raise MkbidxError(
                "tệp đã tồn tại, không ghi đè (file exists)",
                file=path,
                expected="dùng --force để ghi đè",
            )
    if existing != path:
        writable_dir = existing  # the folders below it are made there
    else:
        writable_dir = path if folder else path.parent
    if writable_dir.exists() and not os.access(writable_dir, os.W_OK | os.X_OK):
        raise MkbidxError(
            "không có quyền ghi vào thư mục (permission denied)",
            file=writable_dir,
            expected=expected,
        )
    return path


def write_atomic(path: str | Path, write: Callable[[Path], object], *, force: bool = True) -> Path:
    """Write a file through ``write(tmp_path)`` and move it into place only if that succeeds.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> tmp = tempfile.TemporaryDirectory()
    >>> target = pathlib.Path(tmp.name) / "a.txt"
    >>> write_atomic(target, lambda p: p.write_text("xin chào", encoding="utf-8")).name
    'a.txt'
    >>> target.read_text("utf-8")
    'xin chào'
    >>> tmp.cleanup()
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
    with _folder_lock(target):
        remove_stale_staging(target)
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


def _staging_pattern(target: Path) -> re.Pattern[str]:
    """Names :func:`atomic_folder` gives its staging folders next to ``target``
    (``.083-k2j4x9a_``, ``.083-old-…``): tempfile's 8 random characters, nothing else."""
    return re.compile(rf"\.{re.escape(target.name)}-(?:old-)?[a-z0-9_]{{8}}")


def remove_stale_staging(target: str | Path) -> list[Path]:
    """Remove staging folders of ``target`` left by a run that was killed (``.083-xxxxxxxx``).

    Called with ``target``'s lock held (:func:`atomic_folder`): no live run is staging it, so
    every folder of that exact name pattern is stale. Nothing else is touched. Returns the
    folders removed.

    >>> import tempfile, pathlib
    >>> tmp = tempfile.TemporaryDirectory()
    >>> base = pathlib.Path(tmp.name)
    >>> (base / ".083-abcd1234").mkdir(); (base / ".083-keepme").mkdir()
    >>> [p.name for p in remove_stale_staging(base / "083")], sorted(os.listdir(base))
    (['.083-abcd1234'], ['.083-keepme'])
    >>> tmp.cleanup()
    """
    target = Path(target)
    pattern = _staging_pattern(target)
    removed = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        if pattern.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
    return removed


@contextmanager
def _folder_lock(target: Path):
    """Hold an exclusive lock on ``target`` (a hidden ``.<name>.lock`` file beside it) while a
    run builds it: a second run into the same folder is refused at once, in one line."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock
        yield
        return
    lock_path = target.parent / f".{target.name}.lock"
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666 & ~_umask())
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise MkbidxError(
                "một lần chạy khác đang ghi vào thư mục này (output locked by another run)",
                file=target,
                expected="chờ lần chạy kia xong rồi chạy lại",
            ) from None
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.unlink(lock_path)
    finally:
        os.close(fd)


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file's bytes (hex).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> tmp = tempfile.TemporaryDirectory()
    >>> p = pathlib.Path(tmp.name) / "a.txt"
    >>> _ = p.write_bytes(b"abc")
    >>> sha256_file(p)[:16]
    'ba7816bf8f01cfea'
    >>> tmp.cleanup()
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ----------------------------------------------------------------------------- safe cells
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection)."""

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Control characters that XML (XLSX, DOCX) cannot hold and a CSV should not carry."""

_NUMBER = re.compile(r"[+-]?(?:\d[\d.,]*)(?:[eE][+-]?\d+)?%?")


def clean_text(text: str) -> str:
    """``text`` without control characters (tab, CR and LF are kept).

    >>> clean_text("Xã\\x00 An\\x1b Bình")
    'Xã An Bình'
    """
    return _ILLEGAL.sub("", text)


def neutralise_formula(text: str) -> str:
    """A text cell that a spreadsheet cannot take for a formula: ``'`` before a leading
    ``= + - @``, tab or carriage return (OWASP guidance on CSV injection). Numbers written as
    text (``"-5"``, ``"-1,25"``) are left as they are.

    >>> neutralise_formula("=HYPERLINK(\\"http://x\\")"), neutralise_formula("-5,25")
    ('\\'=HYPERLINK("http://x")', '-5,25')
    """
    if text.startswith(FORMULA_TRIGGERS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def _is_hostile(value: object) -> bool:
    return isinstance(value, str) and (
        value.startswith(FORMULA_TRIGGERS) or _ILLEGAL.search(value) is not None
    )


def safe_frame(frame: pd.DataFrame, *, formulas: bool = True) -> pd.DataFrame:
    """``frame`` with text cells and headers safe to open in a spreadsheet: no control
    character, and (``formulas``) no cell a spreadsheet would evaluate. Numbers, including
    negative ones, are never changed; a clean frame is returned as it is.
    """

    def fix(value: object) -> object:
        if not _is_hostile(value):
            return value
        text = clean_text(value)  # type: ignore[arg-type]
        return neutralise_formula(text) if formulas else text

    columns = [fix(c) for c in frame.columns]
    text_columns = [
        c
        for c in frame.columns
        if frame[c].dtype == object or isinstance(frame[c].dtype, pd.StringDtype)
    ]
    hostile = {
        c: frame[c].map(_is_hostile, na_action="ignore").fillna(False).astype(bool)
        for c in text_columns
    }
    hostile = {c: mask for c, mask in hostile.items() if mask.any()}
    if not hostile and columns == list(frame.columns):
        return frame
    out = frame.copy()
    for c, mask in hostile.items():
        out[c] = out[c].astype(object)
        out.loc[mask, c] = out.loc[mask, c].map(fix)
    out.columns = columns
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with ``\\n`` line ends: the same frame always gives the same bytes.

    Text cells are made safe first (:func:`safe_frame`): no control character, and a cell
    that starts like a formula gets a leading ``'``.

    >>> csv_bytes(pd.DataFrame({"name": ["=1+2", "An"], "change": [-5.0, 1.0]})).decode()
    "name,change\\n'=1+2,-5.0\\nAn,1.0\\n"
    """
    return safe_frame(frame).to_csv(index=False, lineterminator="\n").encode("utf-8")


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
            frame = safe_frame(frame, formulas=False)
            frame.to_excel(writer, sheet_name=name[:31], index=False)
            sheet = writer.sheets[name[:31]]
            _text_not_formulas(sheet)
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


def _text_not_formulas(sheet: Any) -> None:
    """Every cell of ``sheet`` that would be a formula, or starts like one, becomes text with
    Excel's quote prefix (as if typed after ``'``): the workbook holds no live formula."""
    for row in sheet.iter_rows():
        for cell in row:
            value = cell.value
            if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
                if not _NUMBER.fullmatch(value):
                    cell.data_type = "s"
                    cell.quotePrefix = True


def json_bytes(data: Any) -> bytes:
    """Indented UTF-8 JSON with a final newline (manifests and summaries)."""
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
