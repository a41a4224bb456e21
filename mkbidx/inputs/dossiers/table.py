"""Read, validate and normalise a dossier table (``../shared/dossiers.md``) with DuckDB.

A dossier file is a CSV (UTF-8, optional BOM, comma, a header row; every cell read as text) or
Parquet (one file, or a folder of ``*.parquet`` files read in name order). It is loaded in one
pass into an in-memory DuckDB table whose columns and types are those of :mod:`.columns`, with
one ``_bad_<column>`` flag per checked column. Every check is then set-based SQL: the first bad
row of each check is a ``min(rowid)`` (a CSV keeps its order in the table, so the line number is
``rowid + 2``; a Parquet row is the 1-based data row of its file), never a Python loop over rows.

Value conventions (``dossiers.md``):

- timestamps: ``2024-08-05T09:30:00``, ``2024-08-05 09:30:00`` (fractions of a second allowed,
  seconds optional), a date alone ``2024-08-05`` (00:00:00, but 23:59:59 for ``due_at``), the
  sync format ``20240805093000`` (or ``20240805``); naive local time, truncated to the second. An
  offset (``Z``, ``+07:00``) is refused: the table is in local time. Parquet timestamps and dates
  are taken as they are (a timestamp with a time zone is converted to Asia/Ho_Chi_Minh);
- booleans: ``true/false``, ``1/0``, ``yes/no``, ``có/không`` (also without diacritics), any
  case; Parquet booleans;
- ``channel``: ``online``/``direct``/``postal``, the sync codes ``2``/``1``/``3``, the Vietnamese
  words ``trực tuyến``/``trực tiếp``/``bưu chính``; empty = direct;
- ``supplement_requests``: an integer ≥ 0 (``2.0`` accepted); empty = 0.

Refused, in one line naming the file, the row, the column and what was expected (the first bad
row of the file): a missing column (the closest header is suggested), an empty required value
(``dossier_id``, ``unit_code``, ``procedure_code``, ``received_at``, every boolean), a value that
does not parse, ``finished_at`` before ``received_at``, a ``unit_code`` the official registry
does not know (in any period), a ``dossier_id`` given twice (both rows named). Extra columns
are ignored; header names are matched without regard to case or surrounding spaces.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from mkbidx.errors import MkbidxError
from mkbidx.inputs.dossiers import columns

TIMESTAMP_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%n",
    "%Y-%m-%dT%H:%M:%S.%n",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
    "%Y%m%d%H%M%S",
    "%Y%m%d",
)
"""The accepted spellings of a timestamp (DuckDB ``strptime``; ``%n``: up to 9 decimals)."""

DATE_ONLY_MAX_LENGTH = 10
"""A timestamp text of at most this many characters is a date alone (``2024-08-05``)."""

TRUE_WORDS = ("true", "1", "yes", "có", "co", "t", "y")
FALSE_WORDS = ("false", "0", "no", "không", "khong", "f", "n")
CHANNEL_WORDS = {
    "online": ("online", "2", "trực tuyến", "truc tuyen"),
    "direct": ("direct", "1", "trực tiếp", "truc tiep"),
    "postal": ("postal", "3", "bưu chính", "buu chinh"),
}

REQUIRED_TEXT = columns.TEXT_COLUMNS
"""Text columns that may not be empty."""

EXPECTED = {
    "text": "một giá trị không rỗng",
    "timestamp": "thời điểm dạng 2024-08-05 09:30:00, 2024-08-05T09:30:00, 2024-08-05 "
    "hoặc 20240805093000 (giờ Việt Nam, không kèm múi giờ)",
    "bool": "true/false, 1/0, yes/no hoặc có/không",
    "channel": "online/direct/postal, mã 2/1/3 hoặc để trống (= direct)",
    "int": "một số nguyên ≥ 0 (để trống = 0)",
}

DOSSIER_KINDS: dict[str, str] = {
    **{c: "text" for c in columns.TEXT_COLUMNS},
    columns.CHANNEL_COLUMN: "channel",
    **{c: "timestamp" for c in columns.TIMESTAMP_COLUMNS},
    **{c: "int" for c in columns.INT_COLUMNS},
    **{c: "bool" for c in columns.BOOL_COLUMNS},
}
PROCEDURE_KINDS: dict[str, str] = {"unit_code": "text", "procedure_code": "text", "has_fee": "bool"}
REQUIRED_TIMESTAMPS = ("received_at",)
END_OF_DAY_TIMESTAMPS = ("due_at",)

PROCEDURE_FILES = ("procedures.csv", "procedures.parquet")
"""Names of the procedures side table looked for beside the dossiers file."""


# --------------------------------------------------------------------------- sources
@dataclass(frozen=True)
class Source:
    """A file (or folder of Parquet files) to read: its kind and DuckDB table function."""

    path: Path
    kind: str  # "csv" or "parquet"
    files: tuple[Path, ...]
    names: tuple[str, ...] = ()  # a CSV's header, as read by :func:`csv_header`

    def scan(self) -> str:
        """The DuckDB table function reading the source (every CSV cell as text, no sniffing:
        the header is the file's first record, a record with another number of cells fails)."""
        if self.kind == "csv":
            names = "{" + ", ".join(f"{_literal(n)}: 'VARCHAR'" for n in self.names) + "}"
            return (
                f"read_csv({_literal(self.path)}, auto_detect = false, header = true, "
                f"delim = ',', quote = '\"', escape = '\"', columns = {names}, "
                "strict_mode = true, encoding = 'utf-8')"
            )
        files = ", ".join(_literal(f) for f in self.files)
        return f"read_parquet([{files}])"


def csv_header(path: Path) -> tuple[str, ...]:
    """The header of a CSV (first record, BOM removed); repeated names get a suffix ``~2``."""
    import csv

    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not a character cut at the end of the sample
            raise MkbidxError(
                "tệp không phải văn bản UTF-8 (not UTF-8)",
                file=path,
                row=text_line(head[: exc.start]),
                expected="CSV mã hoá UTF-8 (Excel: Lưu thành → CSV UTF-8)",
            ) from None
        text = head[: exc.start].decode("utf-8-sig")
    first = next(csv.reader(text.splitlines()[:1] or [""]), [])
    names: list[str] = []
    for i, name in enumerate(first):
        candidate, n = name if name.strip() else f"~{i + 1}", 1  # an unnamed column
        while candidate in names:
            n += 1
            candidate = f"{name}~{n}"
        names.append(candidate)
    if not any(n.strip() for n in names):
        raise MkbidxError(
            "tệp trống hoặc không có dòng tiêu đề (no header)",
            file=path,
            row=1,
            expected="dòng đầu là tên các cột: " + ", ".join(columns.DOSSIER_COLUMNS),
        )
    return tuple(names)


def text_line(data: bytes) -> int:
    return data.count(b"\n") + 1


def source_of(path: str | Path, *, what: str = "tệp hồ sơ") -> Source:
    """The :class:`Source` of a path: ``.csv``, ``.parquet`` or a folder of ``.parquet`` files.

    >>> source_of("/nowhere/dossiers.csv")
    Traceback (most recent call last):
    ...
    mkbidx.errors.MkbidxError: /nowhere/dossiers.csv: không tìm thấy tệp hồ sơ (file not found)...
    """
    path = Path(path).expanduser()
    if path.is_dir():
        files = tuple(sorted(p for p in path.glob("*.parquet") if p.is_file()))
        if not files:
            raise MkbidxError(
                f"thư mục không có tệp .parquet nào ({what})",
                file=path,
                expected="một tệp .csv, một tệp .parquet hoặc một thư mục các tệp .parquet",
            )
        return Source(path, "parquet", files)
    if not path.is_file():
        raise MkbidxError(
            f"không tìm thấy {what} (file not found)",
            file=path,
            expected="một tệp .csv, một tệp .parquet hoặc một thư mục các tệp .parquet",
        )
    suffix = path.suffix.lower()
    if suffix == ".parquet" or suffix == ".pq":
        return Source(path, "parquet", (path,))
    if suffix in (".csv", ".txt"):
        return Source(path, "csv", (path,), csv_header(path))
    raise MkbidxError(
        f"định dạng tệp '{path.suffix}' không đọc được ({what})",
        file=path,
        expected="tệp .csv (UTF-8, dấu phẩy, dòng tiêu đề) hoặc .parquet",
    )


def procedures_beside(path: str | Path) -> Path | None:
    """``procedures.csv`` (or ``.parquet``) in the dossiers file's folder (inside a folder of
    Parquet files: in that folder), if there is one."""
    path = Path(path).expanduser()
    folder = path if path.is_dir() else path.parent
    for name in PROCEDURE_FILES:
        candidate = folder / name
        if candidate.exists() and candidate.resolve() != path.resolve():
            return candidate
    return None


# --------------------------------------------------------------------------- summary
@dataclass(frozen=True)
class Loaded:
    """What :func:`load_dossiers` learned while validating: size, units and time span."""

    rows: int
    units: tuple[str, ...]
    earliest: datetime | None
    latest: datetime | None


def _literal(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _duckdb_error(exc: Exception, source: Source) -> MkbidxError:
    """A DuckDB reading error as one line naming the file (and the line when DuckDB says)."""
    import re

    text = " ".join(str(exc).split())
    line = re.search(r"[Ll]ine:? (\d+)", text)  # DuckDB counts records (header = 1)
    if "unicode" in text.lower() or "utf" in text.lower():
        problem = "tệp không phải văn bản UTF-8 (not UTF-8)"
        expected = "CSV mã hoá UTF-8 (Excel: Lưu thành → CSV UTF-8)"
    elif source.kind == "parquet":
        problem = "không đọc được tệp Parquet (unreadable Parquet)"
        expected = "một tệp Parquet hợp lệ"
    else:
        problem = "không đọc được tệp CSV (malformed CSV)"
        expected = "CSV có dòng tiêu đề, dấu phẩy, mỗi dòng cùng số cột"
    return MkbidxError(
        problem, file=source.path, row=int(line.group(1)) if line else None, expected=expected
    )


def _describe(con: Any, source: Source) -> dict[str, str]:
    """Column name -> DuckDB type of the source, as the file spells the names."""
    import duckdb

    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {source.scan()}").fetchall()
    except duckdb.Error as exc:
        raise _duckdb_error(exc, source) from None
    return {str(r[0]): str(r[1]) for r in rows}


def match_columns(found: dict[str, str], kinds: dict[str, str], source: Source) -> dict[str, str]:
    """Expected column -> the file's column name; a missing one raises, with the closest name.

    >>> s = Source(Path("d.csv"), "csv", ())
    >>> match_columns({" Dossier_ID ": "VARCHAR"}, {"dossier_id": "text"}, s)
    {'dossier_id': ' Dossier_ID '}
    >>> match_columns({"dosier_id": "VARCHAR"}, {"dossier_id": "text"}, s)
    Traceback (most recent call last):
    ...
    mkbidx.errors.MkbidxError: d.csv, dòng 1, cột "dossier_id": thiếu cột "dossier_id" ...
    """
    by_key: dict[str, str] = {}
    for name in found:
        by_key.setdefault(name.strip().lstrip("\ufeff").strip().lower(), name)
    mapping = {c: by_key[c] for c in kinds if c in by_key}
    missing = [c for c in kinds if c not in mapping]
    if missing:
        column = missing[0]
        unused = [k for k in by_key if k not in kinds]
        close = difflib.get_close_matches(column, unused, n=1, cutoff=0.6)
        hint = f'; có cột "{by_key[close[0]]}", có phải là "{column}"?' if close else ""
        also = f" (thiếu cả: {', '.join(missing[1:])})" if len(missing) > 1 else ""
        raise MkbidxError(
            f'thiếu cột "{column}" (missing column){hint}{also}',
            file=source.path if source.kind == "csv" else source.files[0],
            row=1 if source.kind == "csv" else None,
            column=column,
            expected="các cột " + ", ".join(kinds),
        )
    return mapping


# --------------------------------------------------------------------------- expressions
# Each column is normalised by one SQL expression, computed once per row: a value that does not
# parse becomes a marker the checks look for (NULL for booleans and channels, -1 for integers,
# BAD_TIMESTAMP for timestamps, '' for empty text), so that no flag column is stored and no
# expression is evaluated twice. Common spellings take a fast path (an exact match, one
# strptime format) before the lenient one (trim, lower case, NFC, every format).
BAD_TIMESTAMP = "TIMESTAMP '0001-01-01 00:00:00'"
FAST_FORMAT = "%Y-%m-%d %H:%M:%S"


def _is_empty(col: str, dtype: str) -> str:
    if dtype.upper() == "VARCHAR":
        return f"({col} IS NULL OR trim({col}) = '')"
    return f"({col} IS NULL)"


def _text(col: str, dtype: str = "VARCHAR") -> str:
    return f"trim({col})" if dtype.upper() == "VARCHAR" else f"trim(CAST({col} AS VARCHAR))"


def _words(words) -> str:
    return ", ".join(_literal(w) for w in words)


FAST_TRUE = ("1", "true", "True", "TRUE")
FAST_FALSE = ("0", "false", "False", "FALSE")


def _bool_expr(col: str, dtype: str) -> str:
    if dtype.upper() == "BOOLEAN":
        return col
    low = f"lower({_text(col, dtype)})"
    fast = ""
    if dtype.upper() == "VARCHAR":
        fast = (
            f"WHEN {col} IN ({_words(FAST_TRUE)}) THEN true "
            f"WHEN {col} IN ({_words(FAST_FALSE)}) THEN false "
        )
    return (
        f"CASE {fast}WHEN {low} IN ({_words(TRUE_WORDS)}) THEN true "
        f"WHEN {low} IN ({_words(FALSE_WORDS)}) THEN false "
        f"WHEN nfc_normalize({low}) IN ({_words(TRUE_WORDS)}) THEN true "
        f"WHEN nfc_normalize({low}) IN ({_words(FALSE_WORDS)}) THEN false END"
    )


def _channel_expr(col: str, dtype: str) -> str:
    low = f"lower({_text(col, dtype)})"
    fast = ""
    if dtype.upper() == "VARCHAR":
        fast = " ".join(
            f"WHEN {col} IN ({_words((words[0], words[1]))}) THEN '{name}'"
            for name, words in CHANNEL_WORDS.items()
        )
    slow = " ".join(
        f"WHEN {low} IN ({_words(words)}) OR nfc_normalize({low}) IN ({_words(words)}) "
        f"THEN '{name}'"
        for name, words in CHANNEL_WORDS.items()
    )
    return f"CASE {fast} WHEN {_is_empty(col, dtype)} THEN 'direct' {slow} END"


def _int_expr(col: str, dtype: str) -> str:
    kind = dtype.upper()
    if kind in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"):
        return (
            f"CASE WHEN {col} IS NULL THEN 0 WHEN {col} >= 0 THEN CAST({col} AS BIGINT) ELSE -1 END"
        )
    number = f"try_cast({_text(col, dtype)} AS DOUBLE)"
    ok = f"({number} >= 0 AND {number} = floor({number}) AND {number} < 9.0e15)"
    fast = (
        f"WHEN strpos({col}, '.') = 0 THEN try_cast({col} AS UINTEGER) "
        if kind == "VARCHAR"
        else ""
    )
    slow = (
        f"CASE WHEN {_is_empty(col, dtype)} THEN 0 WHEN {ok} THEN CAST({number} AS BIGINT) "
        "ELSE -1 END"
    )
    if not fast:
        return slow
    return f"coalesce(CASE {fast}END, {slow})"


def _timestamp_expr(col: str, dtype: str, *, end_of_day: bool) -> str:
    kind = dtype.upper()
    day = "INTERVAL 86399 SECOND" if end_of_day else "INTERVAL 0 SECOND"
    if kind == "DATE":
        return f"CAST({col} AS TIMESTAMP) + {day}"
    if kind.startswith("TIMESTAMP WITH TIME ZONE") or kind == "TIMESTAMPTZ":
        return f"date_trunc('second', {col} AT TIME ZONE 'Asia/Ho_Chi_Minh')"
    if kind.startswith("TIMESTAMP"):
        return f"date_trunc('second', CAST({col} AS TIMESTAMP))"
    text = _text(col, dtype)
    formats = "[" + ", ".join(_literal(f) for f in TIMESTAMP_FORMATS) + "]"
    parsed = f"try_strptime({text}, {formats})"
    if end_of_day:
        parsed = (
            f"CASE WHEN length({text}) <= {DATE_ONLY_MAX_LENGTH} THEN {parsed} + {day} "
            f"ELSE {parsed} END"
        )
    slow = (
        f"CASE WHEN {_is_empty(col, dtype)} THEN NULL "
        f"ELSE coalesce(CAST(date_trunc('second', {parsed}) AS TIMESTAMP), {BAD_TIMESTAMP}) END"
    )
    if kind != "VARCHAR":
        return slow
    return f"coalesce(try_strptime({col}, {_literal(FAST_FORMAT)}), {slow})"


def column_exprs(
    kinds: dict[str, str], mapping: dict[str, str], types: dict[str, str]
) -> tuple[list[str], list[str]]:
    """SQL select items of the normalised columns, and per column the condition that marks a
    bad row of the normalised table (a value that does not parse, an empty required value)."""
    values, bad = [], []
    for name, kind in kinds.items():
        source = mapping[name]
        col, dtype, out = _ident(source), types[source], _ident(name)
        if kind == "text":
            value, check = f"coalesce({_text(col, dtype)}, '')", f"{out} = ''"
        elif kind == "bool":
            value, check = _bool_expr(col, dtype), f"{out} IS NULL"
        elif kind == "channel":
            value, check = _channel_expr(col, dtype), f"{out} IS NULL"
        elif kind == "int":
            value, check = _int_expr(col, dtype), f"{out} < 0"
        else:
            value = _timestamp_expr(col, dtype, end_of_day=name in END_OF_DAY_TIMESTAMPS)
            check = f"{out} = {BAD_TIMESTAMP}"
            if name in REQUIRED_TIMESTAMPS:
                check = f"({out} IS NULL OR {check})"
        values.append(f"{value} AS {out}")
        bad.append(check)
    return values, bad


# --------------------------------------------------------------------------- errors
def _where(source: Source, con: Any, rowid: int) -> tuple[Path, int]:
    """The file and row a user sees for a table ``rowid``: the CSV line (header = line 1), or
    the Parquet file and its 1-based data row."""
    if source.kind == "csv":
        return source.path, rowid + 2
    offset = 0
    for file in source.files:
        count = con.execute(f"SELECT count(*) FROM read_parquet({_literal(file)})").fetchone()[0]
        if rowid < offset + count:
            return file, rowid - offset + 1
        offset += count
    return source.files[-1], rowid + 1  # pragma: no cover - rowid beyond the files


def _raw_value(con: Any, source: Source, column: str, rowid: int) -> str:
    """The cell as the file has it (for the error message)."""
    value = con.execute(
        f"SELECT CAST({_ident(column)} AS VARCHAR) FROM {source.scan()} LIMIT 1 OFFSET {rowid}"
    ).fetchone()[0]
    if value is None or not str(value).strip():
        return ""
    text = str(value).strip()
    return text if len(text) <= 40 else text[:37] + "..."


def _value_error(con, source, column, kind, raw_name, rowid) -> MkbidxError:
    file, row = _where(source, con, rowid)
    raw = _raw_value(con, source, raw_name, rowid)
    if not raw:
        problem = "ô trống (empty value)"
    elif kind == "timestamp":
        problem = f"'{raw}' không phải một thời điểm hợp lệ (unparseable timestamp)"
    elif kind == "bool":
        problem = f"'{raw}' không phải giá trị đúng/sai (bad boolean)"
    elif kind == "channel":
        problem = f"'{raw}' không phải kênh nộp hồ sơ (bad channel)"
    else:
        problem = f"'{raw}' không phải số nguyên ≥ 0 (bad integer)"
    return MkbidxError(problem, file=file, row=row, column=column, expected=EXPECTED[kind])


# --------------------------------------------------------------------------- loading
def load_table(
    con: Any,
    path: str | Path,
    name: str,
    kinds: dict[str, str],
    *,
    what: str = "tệp hồ sơ",
) -> tuple[Source, dict[str, str]]:
    """Read ``path`` into the DuckDB table ``name`` (normalised columns + ``_bad_*`` flags),
    then raise the first bad value (the smallest row of any check). Returns the source and the
    mapping expected column -> file column."""
    import duckdb

    source = source_of(path, what=what)
    types = _describe(con, source)
    mapping = match_columns(types, kinds, source)
    values, checks = column_exprs(kinds, mapping, types)
    try:
        con.execute(
            f"CREATE OR REPLACE TABLE {_ident(name)} AS SELECT "
            + ", ".join(values)
            + f" FROM {source.scan()}"
        )
    except duckdb.Error as exc:
        raise _duckdb_error(exc, source) from None
    firsts = ", ".join(f"min(rowid) FILTER (WHERE {check})" for check in checks)
    first = con.execute(f"SELECT {firsts} FROM {_ident(name)}").fetchone()
    bad = [(rowid, c) for rowid, c in zip(first, kinds, strict=True) if rowid is not None]
    if bad:
        rowid, column = min(bad)
        raise _value_error(con, source, column, kinds[column], mapping[column], rowid)
    return source, mapping


def _check_units(con: Any, source: Source, name: str, registry: Any) -> tuple[str, ...]:
    """The table's distinct unit codes; one the registry does not know raises (first row)."""
    codes = [r[0] for r in con.execute(f"SELECT DISTINCT unit_code FROM {_ident(name)}").fetchall()]
    if registry is not None:
        unknown = [c for c in codes if c not in registry]
        if unknown:
            rowid = con.execute(
                f"SELECT min(rowid) FROM {_ident(name)} WHERE list_contains(?, unit_code)",
                [unknown],
            ).fetchone()[0]
            code = con.execute(
                f"SELECT unit_code FROM {_ident(name)} WHERE rowid = ?", [rowid]
            ).fetchone()[0]
            file, row = _where(source, con, rowid)
            padded = code.zfill(5) if code.isdigit() else code
            hint = (
                f"; có phải {padded} (mất số 0 ở đầu khi mở bằng Excel)?"
                if padded != code and padded in registry
                else ""
            )
            raise MkbidxError(
                f"mã đơn vị '{code}' không có trong danh mục đơn vị hành chính "
                f"(unknown unit){hint}",
                file=file,
                row=row,
                column="unit_code",
                expected="mã chính thức của đơn vị (xem mkbidx units list)",
            )
    return tuple(sorted(codes))


def _check_unique(con: Any, source: Source, name: str, keys: tuple[str, ...]) -> None:
    """Rows that repeat ``keys``: the first repeated row and the row it repeats are named."""
    on = ", ".join(_ident(k) for k in keys)
    found = con.execute(
        f"""
        WITH dup AS (SELECT {on} FROM {_ident(name)} GROUP BY {on} HAVING count(*) > 1),
        ranked AS (
            SELECT rowid AS r, {on}, row_number() OVER (PARTITION BY {on} ORDER BY rowid) AS n,
                   min(rowid) OVER (PARTITION BY {on}) AS first
            FROM {_ident(name)} SEMI JOIN dup USING ({on})
        )
        SELECT r, first, {on} FROM ranked WHERE n = 2 ORDER BY r LIMIT 1
        """
    ).fetchone()
    if found is None:
        return
    rowid, first, *values = found
    file, row = _where(source, con, rowid)
    _, first_row = _where(source, con, first)
    shown = ", ".join(f"{k} = '{v}'" for k, v in zip(keys, values, strict=True))
    raise MkbidxError(
        f"{shown} trùng với dòng {first_row} (duplicate)",
        file=file,
        row=row,
        column=keys[-1] if len(keys) == 1 else ", ".join(keys),
        expected="mỗi hồ sơ một dòng" if keys == ("dossier_id",) else "mỗi cặp một dòng",
    )


def load_dossiers(con: Any, path: str | Path, *, name: str = "dossiers", registry: Any = None):
    """Validate and normalise the dossier file ``path`` into the DuckDB table ``name``.

    ``con`` is a DuckDB connection (``duckdb.DuckDBPyConnection``); ``registry`` the official
    unit registry (``None``: unit codes not checked). Returns :class:`Loaded`.
    """
    source, _ = load_table(con, path, name, DOSSIER_KINDS, what="tệp hồ sơ")
    t = _ident(name)
    if con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] == 0:
        raise MkbidxError(
            "bảng hồ sơ không có dòng dữ liệu nào (no data rows, header only)",
            file=source.path,
            expected="mỗi dòng một hồ sơ, dưới dòng tiêu đề",
        )
    rowid = con.execute(f"SELECT min(rowid) FROM {t} WHERE finished_at < received_at").fetchone()[0]
    if rowid is not None:
        file, row = _where(source, con, rowid)
        finished, received = con.execute(
            f"SELECT finished_at, received_at FROM {t} WHERE rowid = ?", [rowid]
        ).fetchone()
        raise MkbidxError(
            f"kết thúc lúc {finished} trước khi tiếp nhận lúc {received} "
            "(finished_at before received_at)",
            file=file,
            row=row,
            column="finished_at",
            expected="finished_at ≥ received_at, hoặc để trống khi hồ sơ chưa kết thúc",
        )
    units = _check_units(con, source, name, registry)
    _check_unique(con, source, name, ("dossier_id",))
    rows, earliest, latest = con.execute(
        f"SELECT count(*), min(received_at), greatest(max(received_at), max(finished_at)) FROM {t}"
    ).fetchone()
    return Loaded(rows, units, earliest, latest)


def load_procedures(con: Any, path: str | Path, *, name: str = "procedures", registry: Any = None):
    """Validate and normalise the procedures side table (unit_code, procedure_code, has_fee)
    into the DuckDB table ``name``; a (unit_code, procedure_code) pair given twice is refused.
    Returns the number of rows."""
    source, _ = load_table(con, path, name, PROCEDURE_KINDS, what="tệp thủ tục")
    _check_units(con, source, name, registry)
    _check_unique(con, source, name, ("unit_code", "procedure_code"))
    return con.execute(f"SELECT count(*) FROM {_ident(name)}").fetchone()[0]
