"""``mkbidx dossiers explain``: the dossiers that cost a unit points, best gain first.

``mkbidx dossiers explain --input PATH --period P --unit CODE_OR_NAME [--metric CODE]`` prints
one line per dossier with its reasons and the points the unit's total would gain if it were
fixed ("+0,05 điểm"); ``--format csv`` (or ``--output FILE``) gives the whole table.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mkbidx.errors import MkbidxError


def add_explain(sub) -> None:
    """Declare ``explain`` on the ``dossiers`` sub-subparsers ``sub``."""
    p = sub.add_parser(
        "explain",
        help="the dossiers that cost a unit points, with the gain of fixing each",
        description="Hồ sơ làm giảm điểm của một đơn vị trong một kỳ: lý do và số điểm tổng "
        "tăng thêm nếu khắc phục từng hồ sơ (tính lại theo phương pháp), theo thứ tự ưu tiên.",
    )
    p.add_argument("--input", required=True, help="dossier table (.csv or .parquet)")
    p.add_argument("--period", required=True, help="YYYY-MM (or YYYY-Qn, YYYY)")
    p.add_argument("--unit", required=True, help="unit code or name, e.g. 02758 or 'Cao Sơn'")
    p.add_argument("--metric", default=None, help="only the dossiers costing this metric")
    p.add_argument("--engine", default="duckdb", help="duckdb (default) or spark")
    p.add_argument("--procedures", default=None, help="procedures side table (unit, code, fee)")
    p.add_argument("--limit", type=int, default=None, help="show the first N dossiers")
    p.add_argument("--format", choices=["table", "csv"], default="table")
    p.add_argument("--output", default=None, help="CSV file to write (the whole table)")
    p.add_argument("--force", action="store_true", help="overwrite an existing --output file")
    p.add_argument(
        "--provisional", action="store_true", help="a running month, as of the table's last time"
    )
    p.add_argument("--methodology", default=None, help="methodology id or YAML path")
    p.set_defaults(dossiers_handler=run_explain)


def run_explain(args) -> int:
    """Run ``mkbidx dossiers explain``; 0 when done (MkbidxError for the CLI's exit 2)."""
    from mkbidx import methodology as _methodology
    from mkbidx.inputs import readers, units
    from mkbidx.inputs.loading import open_dossier_table
    from mkbidx.io import check_output, csv_bytes, write_atomic
    from mkbidx.present import dossier_text
    from mkbidx.reports.dossiers import explain

    if args.limit is not None and args.limit < 1:
        raise MkbidxError("--limit phải ≥ 1", column="--limit", expected="một số nguyên ≥ 1")
    period = readers.normalize_period(args.period, column="--period")
    if args.output:
        check_output(args.output, folder=False, force=args.force)
    m = _methodology.load(args.methodology)
    table = open_dossier_table(args.input, procedures=args.procedures, engine=args.engine)
    try:
        registry = units.default_registry()
    except MkbidxError:  # pragma: no cover - registry files missing
        registry = None
    result = explain(
        table,
        period,
        args.unit,
        methodology=m,
        metric=args.metric,
        provisional=args.provisional,
        registry=registry,
    )
    frame = result.frame
    if args.limit is not None:
        frame = frame.head(args.limit)
    shown = frame.assign(period=period)[["period", *dossier_text.EXPLAIN_COLUMNS]]
    if args.output:
        data = csv_bytes(shown)
        path = write_atomic(Path(args.output), lambda p: p.write_bytes(data), force=args.force)
        print(f"đã ghi {path}")
        print("\n".join(result.lines(limit=10)), file=sys.stderr)
        return 0
    if args.format == "csv":
        sys.stdout.write(csv_bytes(shown).decode("utf-8"))
        return 0
    print("\n".join(result.lines(limit=args.limit)))
    return 0
