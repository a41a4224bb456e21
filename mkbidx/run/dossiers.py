"""``mkbidx dossiers ...``: commands over a dossier table (``../shared/dossiers.md``).

``mkbidx dossiers counts --input PATH --period P`` derives the 766 counts of a period from a
dossier table (CSV or Parquet) and writes them in the long counts format that ``rank``, ``gap``
and ``report`` read (period, unit_code, group, metric, numerator, denominator), parents pooled
through the registry.

The ``dossiers`` parser has sub-commands; :func:`add_dossiers_parser` returns their
sub-parsers object so that other commands can be added beside ``counts``: give each sub-parser
``set_defaults(dossiers_handler=function)`` (``function(args) -> exit status``) and
:func:`run_dossiers` runs it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mkbidx.errors import MkbidxError


def add_dossiers_parser(sub) -> argparse._SubParsersAction:
    """Declare ``mkbidx dossiers`` and its ``counts`` sub-command on ``sub`` (the top-level
    sub-parsers); returns the ``dossiers`` sub-parsers, for more sub-commands."""
    p = sub.add_parser(
        "dossiers",
        help="counts (and explanations) from a per-dossier table: CSV or Parquet",
        description="Tính số liệu Bộ chỉ số 766 từ bảng hồ sơ (mỗi dòng một hồ sơ, CSV hoặc "
        "Parquet; định nghĩa: dossiers.md).",
    )
    dsub = p.add_subparsers(dest="dossiers_command", required=True)
    c = dsub.add_parser(
        "counts",
        help="the counts of a period (long CSV: period, unit_code, group, metric, ...)",
        description="Số liệu thô (tử số, mẫu số) của một kỳ tính từ bảng hồ sơ, cho mọi đơn vị "
        "có hồ sơ và các đơn vị cấp trên (cộng dồn). Kết quả đọc được bằng rank/gap/report "
        "--input.",
    )
    c.add_argument("--input", required=True, help="dossier table: .csv, .parquet or a folder")
    c.add_argument("--period", required=True, help="YYYY-MM, YYYY-Qn or YYYY")
    c.add_argument("--engine", default="duckdb", help="duckdb (default), spark or pandas")
    c.add_argument(
        "--procedures",
        default=None,
        help="procedures table (unit_code, procedure_code, has_fee); "
        "default procedures.csv/.parquet beside --input",
    )
    c.add_argument("--format", choices=["csv", "table"], default="csv")
    c.add_argument("--output", default=None, help="CSV file to write (default: stdout)")
    c.add_argument("--force", action="store_true", help="overwrite an existing --output file")
    c.add_argument(
        "--provisional",
        action="store_true",
        help="a period not yet ended: counted up to the table's latest time",
    )
    c.set_defaults(dossiers_handler=run_counts)
    return dsub


def run_dossiers(args) -> int:
    """Run the ``dossiers`` sub-command chosen on the command line."""
    return args.dossiers_handler(args)


# --------------------------------------------------------------------------- counts
def check_period(period: str, *, provisional: bool, today=None) -> tuple[str, bool]:
    """The normalised period and whether it is still running (not ended ``today``, Vietnam
    time); a future period, or a running one without ``provisional``, raises.

    >>> from datetime import date
    >>> check_period("2024-q3", provisional=False, today=date(2024, 10, 1))
    ('2024-Q3', False)
    >>> check_period("2024-09", provisional=True, today=date(2024, 9, 30))
    ('2024-09', True)
    >>> check_period("2024-09", provisional=False, today=date(2024, 9, 30))
    Traceback (most recent call last):
    ...
    mkbidx.errors.MkbidxError: cột "--period": kỳ 2024-09 chưa kết thúc (period not ended)...
    """
    from mkbidx import periods
    from mkbidx.inputs.fetch import last_ended_month, today_vn

    today = today or today_vn()
    period = str(periods.parse(period))
    first, last = periods.period_bounds(period)
    if first > today:
        raise MkbidxError(
            f"kỳ {period} chưa bắt đầu (future period)",
            column="--period",
            expected=f"một kỳ đã kết thúc, vd. {last_ended_month(today)}",
        )
    running = last >= today
    if running and not provisional:
        raise MkbidxError(
            f"kỳ {period} chưa kết thúc (period not ended): số liệu còn thay đổi",
            column="--period",
            expected=f"kỳ đã kết thúc, vd. {last_ended_month(today)}, "
            "hoặc --provisional để tính tạm đến thời điểm mới nhất của bảng hồ sơ",
        )
    return period, running


def _check_span(table, period: str, path: str) -> None:
    """A period before every dossier, or after the table's latest time, has nothing to count."""
    from mkbidx.inputs.dossiers import period_span

    start, end = period_span(period)
    if table.earliest is not None and end < table.earliest:
        raise MkbidxError(
            f"kỳ {period} ở trước mọi hồ sơ của bảng (no dossier yet): hồ sơ đầu tiên "
            f"tiếp nhận lúc {table.earliest:%d/%m/%Y %H:%M}",
            file=path,
            column="--period",
            expected=f"một kỳ từ {table.earliest:%Y-%m} đến {table.latest:%Y-%m}",
        )
    if table.latest is not None and start > table.latest:
        raise MkbidxError(
            f"kỳ {period} ở sau thời điểm mới nhất của bảng hồ sơ "
            f"({table.latest:%d/%m/%Y %H:%M}): không có số liệu (no dossier data)",
            file=path,
            column="--period",
            expected=f"một kỳ từ {table.earliest:%Y-%m} đến {table.latest:%Y-%m}",
        )


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def describe(table, period: str, out, *, as_of=None) -> str:
    """The one stderr line: what was read, what was produced, what was not."""
    from mkbidx.inputs.dossiers import columns

    missing = [m for m in columns.DERIVED_METRICS if m not in table.metrics]
    text = (
        f"mkbidx dossiers: đã đọc {_number(table.rows)} hồ sơ của {len(table.units)} đơn vị "
        f"({table.path}, {table.engine}); kỳ {period}: {out['unit_code'].nunique()} đơn vị "
        f"(cả cấp trên) × {len(table.metrics)} chỉ số"
    )
    if missing:
        text += f"; không tính {', '.join(missing)} (cần bảng thủ tục --procedures)"
    if as_of is not None:
        text += f"; SỐ LIỆU TẠM TÍNH (provisional) đến {as_of:%d/%m/%Y %H:%M:%S}"
    over = out[out["metric"].isin(columns.PROCEDURE_METRICS) & out["unit_code"].isin(table.units)]
    over = over[over["numerator"] > over["denominator"]]
    if len(over):
        shown = ", ".join(
            f"{r.unit_code} {r.metric} {r.numerator} > {r.denominator}"
            for r in over.head(3).itertuples(index=False)
        )
        text += (
            f"; lưu ý: {over['unit_code'].nunique()} đơn vị có TTHC có phí trong hồ sơ nhiều hơn "
            f"TTHC có phí trong bảng thủ tục ({shown}"
            + (", …" if len(over) > 3 else "")
            + "): bảng thủ tục thiếu TTHC có phí"
        )
    return text


def _emit(frame, fmt: str, output: str | None, *, force: bool) -> None:
    """Print or write the counts: a file is written whole (atomic) and formula-safe."""
    from mkbidx.io import csv_bytes, safe_frame, write_atomic

    if output:
        data = csv_bytes(frame)
        path = write_atomic(Path(output), lambda tmp: tmp.write_bytes(data), force=force)
        print(f"đã ghi {path}")
        return
    if fmt == "csv":
        sys.stdout.write(csv_bytes(frame).decode("utf-8"))
        return
    import pandas as pd

    with pd.option_context("display.max_rows", None, "display.width", 200):
        print(safe_frame(frame, formulas=False).to_string(index=False))


def run_counts(args) -> int:
    """``mkbidx dossiers counts``: see :func:`add_dossiers_parser`."""
    from mkbidx.inputs.dossiers import engines, open_dossiers, with_parents
    from mkbidx.io import check_output

    engine = engines.check_engine(args.engine)
    period, running = check_period(args.period, provisional=args.provisional)
    if args.output:
        check_output(args.output, folder=False, force=args.force)
    table = open_dossiers(args.input, engine=engine, procedures=args.procedures)
    try:
        _check_span(table, period, args.input)
        as_of = table.latest if running else None
        counts = table.counts(period, as_of=as_of)
        out = with_parents(counts)
    finally:
        table.close()
    print(describe(table, period, out, as_of=as_of), file=sys.stderr)
    _emit(out, args.format, args.output, force=args.force)
    return 0
