"""CSV and Excel files as frames of text cells, indexed by spreadsheet row numbers.

:func:`read_csv` and :func:`read_excel` only read: the header row is row 1 of a CSV, or the
first row of an Excel sheet that names known columns (titles above it are skipped). Checking
the cells is :mod:`mkbidx.inputs.tables`.

>>> import pathlib, tempfile
>>> from mkbidx import methodology
>>> tmp = tempfile.TemporaryDirectory()
>>> path = pathlib.Path(tmp.name) / "a.csv"
>>> _ = path.write_text("Mã đơn vị;Tử số\\n083;12\\n", encoding="utf-8")
>>> frame = read_csv(path, methodology.load())
>>> frame.to_dict("index")
{2: {'Mã đơn vị': '083', 'Tử số': 12.0}}
>>> tmp.cleanup()
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd

from mkbidx.errors import MkbidxError
from mkbidx.inputs.cells import cell_text
from mkbidx.inputs.headers import NUMERIC, accepted_text, canonical
from mkbidx.methodology import Methodology

__all__ = ["HEADER_SCAN_ROWS", "MAX_XLSX_UNCOMPRESSED", "check_xlsx", "read_csv", "read_excel"]

# How many rows at the top of an Excel sheet may hold titles above the header row.
HEADER_SCAN_ROWS = 10

MAX_XLSX_UNCOMPRESSED = 100 * 2**20
"""Largest uncompressed size of an .xlsx archive read (100 MiB; a year of a province's counts
is a few MiB): a small file that expands past it (a "zip bomb") is refused, not read."""

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_SAVE_AS = "mở bằng Excel hoặc LibreOffice và lưu lại dạng .xlsx (Excel Workbook), không mật khẩu"


def check_xlsx(path: Path) -> None:
    """Refuse, before opening it, a file that is not an .xlsx workbook one can read safely: an
    old .xls or a password-protected workbook renamed .xlsx, another file renamed, or an
    archive that expands past :data:`MAX_XLSX_UNCOMPRESSED`."""
    import zipfile

    with path.open("rb") as handle:
        magic = handle.read(8)
    if magic.startswith(_OLE2):
        raise MkbidxError(
            "tệp Excel 97-2003 (.xls) hoặc tệp có mật khẩu, đặt tên .xlsx (not an xlsx workbook)",
            file=path,
            expected=_SAVE_AS,
        )
    if not magic.startswith(_ZIP):
        raise MkbidxError(
            "không phải tệp .xlsx (not an xlsx workbook: no ZIP signature)",
            file=path,
            expected=_SAVE_AS + "; bảng CSV thì đặt đuôi .csv",
        )
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(max(info.file_size, 0) for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise MkbidxError(
            f"tệp .xlsx bị hỏng (damaged xlsx): {exc}", file=path, expected=_SAVE_AS
        ) from None
    if total > MAX_XLSX_UNCOMPRESSED:
        raise MkbidxError(
            f"tệp .xlsx giải nén ra {total / 2**20:.0f} MiB, quá giới hạn "
            f"{MAX_XLSX_UNCOMPRESSED / 2**20:.0f} MiB (uncompressed size limit, zip bomb?)",
            file=path,
            expected="một bảng nhỏ hơn; số liệu lớn thì dùng CSV",
        )


def _sniff_separator(line: str) -> str:
    counts = {sep: line.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda s: counts[s]) if any(counts.values()) else ","


def read_csv(path: Path, m: Methodology) -> pd.DataFrame:
    """A CSV as a frame indexed by spreadsheet row numbers (header = row 1).

    Identity columns are read as text (zero padding kept); numeric columns as floats when they
    parse cleanly (fast), else as text to be checked cell by cell.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
    except UnicodeDecodeError:
        raise MkbidxError(
            "tệp CSV không phải UTF-8 (encoding)",
            file=path,
            expected="lưu tệp dạng CSV UTF-8 (Excel: CSV UTF-8 (Comma delimited))",
        ) from None
    sep = _sniff_separator(first)
    header = [h.strip() for h in next(csv.reader([first], delimiter=sep), [])]
    if not any(header):
        raise MkbidxError(
            "tệp không có dòng tiêu đề (no header row)",
            file=path,
            row=1,
            expected="dòng 1 là tên các cột, vd. Kỳ, Mã đơn vị, Mã chỉ số, Tử số, Mẫu số",
        )
    repeated = [h for h in dict.fromkeys(header) if header.count(h) > 1]
    if repeated:
        raise MkbidxError(
            f'cột "{repeated[0]}" có hai lần (duplicate column)',
            file=path,
            row=1,
            column=repeated[0],
            expected="mỗi cột một lần",
        )
    header = [h or f"(cột {i + 1} không tên)" for i, h in enumerate(header)]
    numeric = [
        h for h in header if (c := canonical(h, m)) and (c in NUMERIC or c.startswith("group:"))
    ]
    options = dict(
        names=header,
        header=0,
        sep=sep,
        encoding="utf-8-sig",
        keep_default_na=False,
        na_values=[""],
        skip_blank_lines=False,
        skipinitialspace=True,
    )
    dtypes = {h: (float if h in numeric else str) for h in header}
    try:
        frame = pd.read_csv(path, dtype=dtypes, **options)
    except UnicodeDecodeError:
        raise MkbidxError(
            "tệp CSV không phải UTF-8 (encoding)", file=path, expected="tệp CSV mã UTF-8"
        ) from None
    except ValueError:
        frame = None  # a non-numeric cell or a ragged row: read as text and report it below
    if frame is None:
        try:
            frame = pd.read_csv(path, dtype=str, **options)
        except pd.errors.ParserError as exc:
            line = re.search(r"line (\d+)", str(exc))
            raise MkbidxError(
                f"dòng có số cột khác dòng tiêu đề (CSV parse error): {exc}",
                file=path,
                row=int(line.group(1)) if line else None,
                expected=f"{len(header)} cột như dòng tiêu đề, ngăn cách bằng '{sep}'",
            ) from None
        except UnicodeDecodeError:
            raise MkbidxError(
                "tệp CSV không phải UTF-8 (encoding)", file=path, expected="tệp CSV mã UTF-8"
            ) from None
    frame.index = np.arange(2, len(frame) + 2)
    return frame


def read_excel(path: Path, m: Methodology) -> pd.DataFrame:
    """The first sheet with a recognisable header row (titles above it are skipped)."""
    import warnings

    check_xlsx(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's notes on styles and extensions
            sheets = pd.read_excel(
                path, sheet_name=None, header=None, dtype=object, engine="openpyxl"
            )
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise MkbidxError(
            f"không mở được tệp Excel (cannot read xlsx): {type(exc).__name__}",
            file=path,
            expected="tệp .xlsx lưu từ Excel hoặc LibreOffice",
        ) from None
    for sheet in sheets.values():
        top = sheet.head(HEADER_SCAN_ROWS)
        for position in range(len(top)):
            cells = [cell_text(v) for v in top.iloc[position].tolist()]
            names = [c for c in cells if isinstance(c, str)]
            canon = [canonical(c, m) for c in names]
            recognised = [c for c in canon if c]
            identity = {"unit_code", "unit_name", "metric"} & set(recognised)
            if len(recognised) >= 2 and identity:
                body = sheet.iloc[position + 1 :].map(cell_text)
                keep = [
                    i
                    for i, c in enumerate(cells)
                    if isinstance(c, str) or body.iloc[:, i].notna().any()
                ]
                body = body.iloc[:, keep]
                body.columns = [
                    cells[i] if isinstance(cells[i], str) else f"(cột {i + 1} không tên)"
                    for i in keep
                ]
                # spreadsheet row numbers: the header is at sheet row position + 1
                body.index = np.arange(position + 2, position + 2 + len(body))
                return body
    if all(len(s.dropna(how="all")) == 0 for s in sheets.values()):
        raise MkbidxError("tệp rỗng (empty file)", file=path, expected="một bảng có dòng tiêu đề")
    raise MkbidxError(
        "không tìm thấy dòng tiêu đề (no header row) trong "
        f"{HEADER_SCAN_ROWS} dòng đầu của các trang tính",
        file=path,
        expected="số liệu thô: "
        + accepted_text("counts", m)
        + " — hoặc điểm nhóm: "
        + accepted_text("groups", m),
    )
