"""The ``mkbidx`` command line.

Each subcommand has an ``_add_<name>(subparsers)`` that declares its arguments and a
``_cmd_<name>(args) -> int`` that runs it. User errors (:class:`MkbidxError`) are printed
without a traceback and exit with status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from mkbidx import __version__
from mkbidx.errors import MkbidxError, short_list

if TYPE_CHECKING:  # pandas is imported by the commands that need it: a fast start for all
    import pandas as pd

from mkbidx.paths import DEFAULT_DATA, DEFAULT_OUTPUT, TREND_TEMPLATE

EXIT_DIFFERS = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


# --------------------------------------------------------------------------- shared helpers
def _load(paths, *, period=None, methodology=None, scope=None, resolve_period=None, **options):
    # names are resolved in each table's own period (the resolver's period is a default)
    """Read input files; tables that name units without codes are resolved with the registry.

    ``period`` forces the period of portal responses; ``scope`` and ``resolve_period`` narrow
    the candidates of name resolution (e.g. the 16 communes of scope 083 in August 2024).
    """
    from functools import partial

    from mkbidx.inputs import readers, units

    registry = units.default_registry()
    # Only a scope the registry knows narrows the names: an unknown --scope (a typo, a portal
    # code) is then the command's own one-line error, not blamed on the table's first name.
    within = scope if scope is not None and str(scope).strip() in registry else None
    resolver = partial(registry.resolve, scope=within, period=resolve_period or period)
    return readers.read(paths, period=period, methodology=methodology, resolver=resolver, **options)


def _units_for(dataset) -> pd.DataFrame:
    """Unit labels of every period: those in the data, completed by the official registry."""
    from mkbidx.inputs import units
    from mkbidx.inputs.loading import unit_labels

    return unit_labels(dataset, units.default_registry())


def _portal_codes(dataset, period: str) -> dict[str, str]:
    """``{unit_code: portal code}`` of the units of ``period`` read from portal responses."""
    rows = dataset.units[dataset.units["period"] == period]
    rows = rows.dropna(subset=["portal_code"])
    rows = rows[rows["portal_code"] != rows["unit_code"]]
    return dict(zip(rows["unit_code"], rows["portal_code"], strict=True))


def _official_scope(dataset, scope: str | None, period: str) -> str | None:
    """A scope given by the portal's code ("H44") as the official code of that unit ("25")."""
    if scope is None:
        return None
    official = {v: k for k, v in _portal_codes(dataset, period).items()}
    return official.get(scope.strip(), scope)


class PeriodData(NamedTuple):
    """One period of input, scored and ranked (see :func:`_evaluate_period`)."""

    dataset: object
    units: pd.DataFrame
    evaluation: object


def _evaluate_period(args, m, period: str, *, names_in_scope: bool = True) -> PeriodData:
    """Read ``args.input``, check that ``period`` is in it, and score and rank that period.

    Unit names in tables resolve within ``args.scope`` when ``names_in_scope`` (else within the
    whole registry, e.g. for a letter that also names the scope's peers).
    """
    from mkbidx.core import ranking

    scope = getattr(args, "scope", None) if names_in_scope else None
    dataset = _load(
        [args.input], methodology=m, scope=scope, resolve_period=period, only_period=period
    )
    available = set(dataset.periods_seen)
    if dataset.counts.empty and dataset.published_groups.empty:
        raise MkbidxError(
            f"không có số liệu kỳ {period} (missing period)",
            file=args.input,
            column="period",
            expected="một kỳ có trong dữ liệu: " + short_list(sorted(available)),
        )
    units = _units_for(dataset)
    dataset = _with_dossiers(args, dataset, units, [period])
    evaluation = ranking.evaluate(
        dataset.counts[dataset.counts["period"] == period],
        units[units["period"] == period],
        dataset.published_groups[dataset.published_groups["period"] == period],
        methodology=m,
    )
    return PeriodData(dataset, units, evaluation)


def _dossier_options(p) -> None:
    """``--dossiers`` (and its options) on a command that scores portal data."""
    p.add_argument(
        "--dossiers",
        default=None,
        help="dossier table (.csv/.parquet): its derivable counts replace the portal's",
    )
    p.add_argument("--procedures", default=None, help="procedures side table of --dossiers")
    p.add_argument("--engine", default="duckdb", help="engine of --dossiers: duckdb or spark")
    p.add_argument(
        "--provisional", action="store_true", help="a running month from --dossiers (tạm tính)"
    )


def _with_dossiers(args, dataset, units, periods):
    """``dataset`` with the counts of ``--dossiers`` in place of the portal's (one stderr line
    says which came from where); unchanged without it."""
    if not getattr(args, "dossiers", None):
        return dataset
    from mkbidx.inputs.loading import open_dossier_table, with_dossiers

    table = open_dossier_table(args.dossiers, procedures=args.procedures, engine=args.engine)
    dataset, info = with_dossiers(
        dataset, units, table, periods=periods, provisional=args.provisional
    )
    print(f"mkbidx: {info.summary_line(args.input)}", file=sys.stderr)
    return dataset


def _warn_incomplete(table: pd.DataFrame) -> None:
    """Say on stderr which units lack the data of some groups (their missing points count 0)."""
    incomplete = table[~table["complete"].astype(bool)]
    if len(incomplete):
        print(
            f"mkbidx: chú ý: {len(incomplete)}/{len(table)} đơn vị thiếu số liệu của một số nhóm "
            f"chỉ số (incomplete data), điểm thiếu tính 0: {short_list(incomplete['unit_code'])}",
            file=sys.stderr,
        )


def _methodology(args):
    from mkbidx import methodology

    m = methodology.load(getattr(args, "methodology", None))
    bands = getattr(args, "band", None)
    if bands:
        m = m.with_bands([_parse_band(b) for b in bands])
    return m


def _parse_band(text: str) -> tuple[str, float]:
    label, _, threshold = text.rpartition("=")
    try:
        return label.strip(), float(threshold.replace(",", "."))
    except ValueError:
        raise MkbidxError(
            f"ngưỡng xếp loại '{text}' không hợp lệ (invalid band)", expected='dạng "Tốt=80"'
        ) from None


# --------------------------------------------------------------------------- reconcile
def _add_reconcile(sub) -> None:
    p = sub.add_parser(
        "reconcile",
        help="recompute every published score of portal responses from their raw counts",
        description="Đối chiếu điểm công bố của Cổng DVCQG với điểm tính lại từ số liệu gốc.",
    )
    p.add_argument("paths", nargs="+", metavar="FILE_OR_FOLDER")
    p.add_argument("--methodology", default=None, help="methodology id or YAML path")
    p.add_argument("--period", default=None, help="period of the responses (else from file names)")


def _cmd_reconcile(args) -> int:
    from mkbidx.core import scoring
    from mkbidx.inputs.frames import UNKNOWN_PERIOD
    from mkbidx.inputs.portal import UNKNOWN_PERIOD_NOTE

    m = _methodology(args)
    dataset = _load(args.paths, period=args.period, methodology=m, files_independent=True)
    result = scoring.reconcile(dataset, methodology=m)
    for note in dataset.notes:
        if UNKNOWN_PERIOD_NOTE not in note:
            print(f"mkbidx: ghi chú: {note}", file=sys.stderr)
    unknown = sorted(set(result.loc[result["period"] == UNKNOWN_PERIOD, "source_file"].astype(str)))
    if unknown:
        # The period is not part of a score's arithmetic: the files are reconciled all the same.
        print(
            f"mkbidx: ghi chú: {len(unknown)} tệp không rõ kỳ báo cáo (unknown period), vẫn đối "
            f"chiếu được; dùng --period hoặc đặt kỳ vào tên tệp, vd. {Path(unknown[0]).name}",
            file=sys.stderr,
        )
    print(scoring.reconciliation_report(result))
    recomputable = result[result["status"] != "not_recomputable"]
    return 0 if recomputable["status"].eq("reproduced").all() else EXIT_DIFFERS


# --------------------------------------------------------------------------- rank
def _add_rank(sub) -> None:
    p = sub.add_parser(
        "rank",
        help="score and rank the units under a scope for one period",
        description="Tính điểm và xếp hạng các đơn vị trực thuộc một phạm vi trong một kỳ.",
    )
    p.add_argument("--input", default=str(DEFAULT_DATA), help="file or folder (default: sample)")
    p.add_argument("--period", required=True, help="YYYY-MM (or YYYY-Qn, YYYY)")
    p.add_argument("--scope", default=None, help="code of the parent unit (default: top unit)")
    p.add_argument("--format", choices=["table", "csv", "xlsx"], default="table")
    p.add_argument("--output", default=None, help="file to write (xlsx needs it)")
    p.add_argument("--force", action="store_true", help="overwrite an existing --output file")
    p.add_argument("--methodology", default=None, help="methodology id or YAML path")
    p.add_argument(
        "--band", action="append", help='band label and threshold, e.g. --band "Tốt=80" (repeat)'
    )
    _dossier_options(p)


def _cmd_rank(args) -> int:
    from mkbidx.core import ranking
    from mkbidx.inputs import readers

    m = _methodology(args)
    period = readers.normalize_period(args.period, column="--period")
    _check_emit(args)
    dataset, units, evaluation = _evaluate_period(args, m, period)
    scope = _official_scope(dataset, args.scope, period) or _default_scope(evaluation.table)
    table = ranking.scope_rows(evaluation.table, period=period, scope=scope, column="--scope")
    _print_notes(dataset, units, period=period, scope=scope)  # after the checks: one-line errors
    out = table[
        ["unit_code", "unit_name", "level", *m.group_keys, "total", "rank", "rank_of", "band"]
    ]
    portal = _portal_codes(dataset, period)  # the portal's own codes beside the official ones
    if portal:
        out = out.copy()
        out.insert(1, "portal_code", out["unit_code"].map(portal))
    _warn_incomplete(table)
    _emit(out, args.format, args.output, force=args.force)
    return 0


def _default_scope(table: pd.DataFrame) -> str | None:
    """The top unit of the data: the parent that is not itself anyone's child."""
    parents = set(table["parent_code"].dropna())
    children = set(table["unit_code"][table["parent_code"].notna()])
    roots = sorted(parents - children)
    return roots[0] if roots else None


def _print_notes(dataset, units=None, *, period=None, scope=None) -> None:
    """The readers' notes on stderr (files left out, cleaned cells, published-only tables,
    fractional counts and numerators above denominators), then, with ``units`` and ``period``,
    the month's unit codes that no scope holds and the scope's units without data: no unit is
    left out of a ranking without a word."""
    from mkbidx.present import alerts
    from mkbidx.reports.common import with_official_children

    notes = list(dataset.notes)
    if units is not None and period is not None:
        counts, published = dataset.counts, dataset.published_groups
        notes.append(alerts.unplaced_units_note(counts, published, units, period=period))
        if scope is not None:
            expected = with_official_children(units, period, scope)
            notes.append(
                alerts.absent_units_note(counts, published, expected, period=period, scope=scope)
            )
    for note in filter(None, notes):
        print(f"mkbidx: ghi chú: {_one_line(note)}", file=sys.stderr)


def _check_emit(args) -> None:
    """Refuse a bad ``--format``/``--output`` pair before reading any data."""
    if args.format == "xlsx" and not args.output:
        raise MkbidxError("--format xlsx cần --output (an .xlsx path)", column="--output")
    if args.output:
        from mkbidx.io import check_output

        check_output(args.output, folder=False, force=args.force)


def _emit(frame: pd.DataFrame, fmt: str, output: str | None, *, force: bool = True) -> None:
    """Print or write a table; files are written whole or not at all, through
    :func:`mkbidx.io.csv_bytes`/:func:`~mkbidx.io.xlsx_bytes` (no live formula, no control
    character); an existing file is replaced only with ``force``."""
    from mkbidx.io import csv_bytes, safe_frame, write_atomic, xlsx_bytes

    if fmt == "xlsx" and not output:
        raise MkbidxError("--format xlsx cần --output (an .xlsx path)", column="--output")
    if output:
        path = Path(output)
        data = xlsx_bytes({"Sheet1": frame}) if fmt == "xlsx" else csv_bytes(frame)
        write_atomic(path, lambda tmp: tmp.write_bytes(data), force=force)
        print(f"đã ghi {path}")
        return
    if fmt == "csv":
        sys.stdout.write(csv_bytes(frame).decode("utf-8"))
    else:
        import pandas as pd

        with pd.option_context("display.max_rows", None, "display.width", 200):
            shown = safe_frame(frame, formulas=False)
            print(shown.to_string(index=False, float_format=lambda x: f"{x:.2f}", na_rep="–"))


# --------------------------------------------------------------------------- units
def _add_units(sub) -> None:
    p = sub.add_parser(
        "units",
        help="administrative-unit registry: list units, the 2025 crosswalk, resolve names",
        description="Danh mục đơn vị hành chính cả nước (trước và sau 1/7/2025): liệt kê đơn vị, "
        "bảng chuyển đổi mã cũ → mới, tra mã chính thức từ tên đơn vị.",
    )
    units_sub = p.add_subparsers(dest="units_command", required=True)
    registry_help = "user registry CSV that adds or overrides units (default: data/units only)"
    ls = units_sub.add_parser(
        "list",
        help="units valid in a month (table or CSV: code,name,level,parent_code,...)",
        description="Liệt kê các đơn vị có hiệu lực trong một kỳ.",
    )
    ls.add_argument("--period", required=True, help="YYYY-MM (or YYYY-Qn, YYYY)")
    ls.add_argument(
        "--level", default=None, choices=["province", "district", "commune", "department"]
    )
    ls.add_argument("--scope", default=None, help="only the units under this unit (code/name)")
    ls.add_argument("--format", default="table", choices=["table", "csv"])
    ls.add_argument("--registry", default=None, help=registry_help)
    cw = units_sub.add_parser(
        "crosswalk",
        help="new code(s) of old units (1/7/2025): old<TAB>new<TAB>new name, one line each",
        description="Bảng chuyển đổi mã đơn vị cũ → mới (sắp xếp từ 1/7/2025).",
    )
    cw.add_argument("codes", nargs="+", metavar="CODE")
    cw.add_argument("--reverse", action="store_true", help="old codes of new units")
    cw.add_argument("--registry", default=None, help=registry_help)
    r = units_sub.add_parser(
        "resolve",
        help="official code of each unit name (exit 1 if some cannot be resolved)",
        description='Tra mã đơn vị từ tên (vd. "UBND xã Tả Thành", "TT. Mường Khương").',
    )
    r.add_argument("names", nargs="+", metavar="NAME")
    r.add_argument("--scope", default=None, help="code of the unit to search under, e.g. 083")
    r.add_argument(
        "--period", default=None, help="YYYY-MM: only units valid then (default: the newest)"
    )
    r.add_argument("--registry", default=None, help=registry_help)


def _cmd_units(args) -> int:
    from mkbidx.inputs import unit_commands, units

    registry = (
        units.load_registry(args.registry, extend=True)
        if args.registry
        else units.default_registry()
    )
    if args.units_command == "list":
        frame = unit_commands.list_frame(registry, args.period, level=args.level, scope=args.scope)
        _emit(frame, args.format, None)
        return 0
    if args.units_command == "crosswalk":
        text, code = unit_commands.crosswalk_command(args.codes, registry, reverse=args.reverse)
        print(text)
        return code
    period = args.period or unit_commands.newest_period(registry)
    text, code = unit_commands.resolve_command(args.names, args.scope, registry, period=period)
    if code == EXIT_BAD_INPUT:
        print(f"mkbidx: lỗi: {text}", file=sys.stderr)
    else:
        print(text)
    return code


# --------------------------------------------------------------------------- letter
def _add_letter(sub) -> None:
    p = sub.add_parser(
        "letter",
        help="draft letter (công văn) publishing a period's results to a scope's units",
        description="Soạn dự thảo công văn công khai kết quả Bộ chỉ số (cong-van.docx, .html).",
    )
    p.add_argument("--period", required=True, help="YYYY-MM (or YYYY-Qn, YYYY)")
    p.add_argument("--scope", required=True, help="code of the issuing unit, e.g. 083")
    p.add_argument("--config", default=None, help="letter YAML (issuer, signer, recipients...)")
    p.add_argument("--output", default=str(DEFAULT_OUTPUT), help="folder of outputs/")
    p.add_argument("--input", default=str(DEFAULT_DATA), help="file or folder (default: sample)")
    p.add_argument("--methodology", default=None, help="methodology id or YAML path")
    p.add_argument("--force", action="store_true", help="overwrite existing letter files")


def _cmd_letter(args) -> int:
    from mkbidx.inputs import readers
    from mkbidx.reports import letter
    from mkbidx.run.letter import write_letter

    m = _methodology(args)
    period = readers.normalize_period(args.period, column="--period")
    config = letter.read_config(args.config) if args.config else None
    # names resolve in the whole registry: the letter names the scope's peers too
    dataset, units, evaluation = _evaluate_period(args, m, period, names_in_scope=False)
    facts = letter.letter_facts(
        evaluation,
        period=period,
        scope=args.scope,
        methodology=m,
        config=config,
        # the scope's official name: a table of its units' published scores gets its letter too
        scope_name=letter.unit_name(units, args.scope, period),
    )
    table = evaluation.table
    _warn_incomplete(table[table["unit_code"].isin([u.code for u in facts.units])])
    folder = Path(args.output) / period / args.scope
    written = write_letter(facts, folder, config=config, force=args.force)
    _print_notes(dataset, units, period=period, scope=args.scope)  # once written: one-line errors
    for path in written:
        print(f"đã ghi {path}")
    return 0


# --------------------------------------------------------------------------- gap
def _add_gap(sub) -> None:
    p = sub.add_parser(
        "gap",
        help="fewest additional counts that lift each unit under a scope to the target",
        description="Khoảng cách đến mục tiêu: số hồ sơ, TTHC cần thêm để mỗi đơn vị đạt 80 điểm.",
    )
    p.add_argument("--period", required=True, help="YYYY-MM")
    p.add_argument("--scope", required=True, help="code of the parent unit, e.g. 083")
    p.add_argument("--target", default=None, help="target total (default: top band, 80)")
    p.add_argument("--input", default=str(DEFAULT_DATA), help="file or folder (default: sample)")
    p.add_argument("--format", choices=["table", "csv", "xlsx"], default="table")
    p.add_argument("--output", default=None, help="file to write (xlsx needs it)")
    p.add_argument("--force", action="store_true", help="overwrite an existing --output file")
    p.add_argument("--methodology", default=None, help="methodology id or YAML path")
    _dossier_options(p)


def _cmd_gap(args) -> int:
    from mkbidx.core import gap
    from mkbidx.inputs import readers
    from mkbidx.present import formatting, gap_text

    m = _methodology(args)
    period = readers.normalize_period(args.period, column="--period")
    target = None
    if args.target is not None:
        text = str(args.target).strip()
        if not re.fullmatch(r"[+-]?\d+([.,]\d+)?", text):
            raise MkbidxError(
                f"mục tiêu '{args.target}' không phải là số (invalid target)",
                column="--target",
                expected="một số điểm, vd. 80 hoặc 80,5",
            )
        target = float(text.replace(",", "."))
    target = gap.check_target(target, m, column="--target")
    _check_emit(args)
    dataset, units, _ = _evaluate_period(args, m, period)
    result = gap_text.gap_table(
        dataset.counts,
        period=period,
        scope=args.scope,
        units=units[units["period"] == period],
        target=target,
        published_groups=dataset.published_groups,
        methodology=m,
    )
    _print_notes(dataset, units, period=period, scope=args.scope)
    for row in result[result["note"].fillna("") != ""].itertuples():
        print(f"{row.unit_code} {row.unit_name}: {row.note}", file=sys.stderr)
    if result.empty and args.format == "table" and not args.output:
        print(f"Mọi đơn vị trực thuộc {args.scope} đã đạt mục tiêu {formatting.points(target)}.")
        return 0
    _emit(result[gap_text.COLUMNS], args.format, args.output, force=args.force)
    return 0


# --------------------------------------------------------------------------- trends
TREND_NOTEBOOK = TREND_TEMPLATE


def _add_trends(sub) -> None:
    p = sub.add_parser(
        "trends",
        help="trend report of the units under a scope over a range of months (HTML, tables)",
        description="Báo cáo xu hướng của các đơn vị trực thuộc một phạm vi qua các tháng "
        "(outputs/trends/<phạm vi>/<từ>_<đến>/: report.html, hình, bảng CSV/XLSX, "
        "manifest.json); in bảng tóm tắt ra màn hình.",
    )
    p.add_argument("--scope", required=True, help="code of the parent unit, e.g. 083")
    p.add_argument("--from", dest="start", required=True, help="first month YYYY-MM")
    p.add_argument("--to", dest="end", required=True, help="last month YYYY-MM")
    p.add_argument(
        "--compare",
        nargs=2,
        metavar=("FIRST", "SECOND"),
        default=None,
        help="two periods side by side, e.g. 2024-Q2 2024-Q3 or 2023 2024 "
        "(default: the last two full years, else quarters, of the range)",
    )
    p.add_argument(
        "--compare-scope", default=None, help="a second unit drawn with the scope and its peers"
    )
    p.add_argument("--input", default=str(DEFAULT_DATA), help="file or folder (default: sample)")
    p.add_argument("--output", default=str(DEFAULT_OUTPUT), help="folder of outputs/")
    p.add_argument("--force", action="store_true", help="replace an existing trend report")
    p.add_argument(
        "--format", choices=["table", "csv"], default="table", help="summary printed on stdout"
    )
    p.add_argument("--methodology", default=None, help="methodology id or YAML path")
    p.add_argument(
        "--no-reconstruct",
        action="store_true",
        help="do not rebuild merged communes' history before 2025-07 from former communes",
    )
    _dossier_options(p)


def _cmd_trends(args) -> int:
    """Run ``notebooks/trend_comparison.ipynb`` into ``<output>/trends/<scope>/<from>_<to>/``
    (:func:`mkbidx.reports.trend.run_trend_report`), then print the report's path and the
    per-unit summary (:func:`mkbidx.core.trends.trend_summary`)."""
    from mkbidx.io import check_output
    from mkbidx.present import labels
    from mkbidx.run import trend as trend_report

    output = check_output(args.output, folder=True)
    result = trend_report.run_trend_report(
        args.scope,
        args.start,
        args.end,
        compare=args.compare,
        compare_scope=args.compare_scope,
        data_path=args.input,
        output_root=output,
        methodology=args.methodology,
        reconstruct=not args.no_reconstruct,
        force=args.force,
        **(
            dict(dossiers=args.dossiers, procedures=args.procedures, provisional=args.provisional)
            if args.dossiers
            else {}
        ),
    )
    print(trend_report.describe(result), file=sys.stderr if args.format == "csv" else sys.stdout)
    rebuilt = result.summary.get("reconstructed")
    if rebuilt:
        print(
            f"ghi chú: {rebuilt[0]}..{rebuilt[1]} là {labels.RECONSTRUCTED_LABEL} "
            "(cộng số liệu các xã trước sáp nhập)",
            file=sys.stderr,
        )
    _emit(trend_report.summary_frame(result), args.format, None)
    return 0


# --------------------------------------------------------------------------- report
def _add_report(sub) -> None:
    p = sub.add_parser(
        "report",
        help="monthly report of a scope: notebook, HTML, figures, tables, manifest",
        description="Báo cáo tháng của một phạm vi (outputs/<kỳ>/<phạm vi>/: report.html, hình, "
        "bảng CSV/XLSX, manifest.json); --all: mọi tháng có số liệu và outputs/index.html.",
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--period", help="YYYY-MM")
    which.add_argument("--all", action="store_true", help="every month of the data (2 processes)")
    p.add_argument("--scope", required=True, help="code of the parent unit, e.g. 083")
    p.add_argument("--input", default=str(DEFAULT_DATA), help="file or folder (default: sample)")
    p.add_argument("--output", default=str(DEFAULT_OUTPUT), help="folder of outputs/")
    p.add_argument("--methodology", default=None, help="methodology id or YAML path")
    p.add_argument("--force", action="store_true", help="replace existing reports")
    _dossier_options(p)


def _cmd_report(args) -> int:
    from mkbidx.io import check_output
    from mkbidx.run import batch, monthly

    output = check_output(args.output, folder=True)
    options = dict(data_path=args.input, output_root=output, methodology=args.methodology)
    if args.all and args.dossiers:
        raise MkbidxError("--dossiers dùng với --period, không với --all", column="--dossiers")
    if args.all:
        made = batch.run_all(args.scope, force=args.force, **options)
        print(batch.describe_batch(made))
        return EXIT_DIFFERS if made.failed else 0
    if args.dossiers:
        options.update(
            dossiers=args.dossiers, procedures=args.procedures, provisional=args.provisional
        )
    result = monthly.run_report(args.period, args.scope, force=args.force, **options)
    if "dossiers" in result.summary:
        print(f"mkbidx: {result.summary['dossiers']['source']}", file=sys.stderr)
    for note in result.summary.get("warnings", []):  # also in the report's notes
        print(f"mkbidx: ghi chú: {_one_line(note)}", file=sys.stderr)
    print(monthly.describe(result))
    return 0


# --------------------------------------------------------------------------- fetch
def _add_fetch(sub) -> None:
    p = sub.add_parser(
        "fetch",
        help="fetch a province's responses from the DVCQG portal (polite, resumable, immutable)",
        description="Lấy số liệu Bộ chỉ số 766 của một tỉnh từ Cổng DVCQG (6 nhóm chỉ số và bảng "
        "toàn quốc), giữ nguyên từng byte cùng manifest.json. Mã thoát: 0 đủ, 3 Cổng từ chối "
        "hoặc không kết nối được (giữ phần đã lấy; chạy lại để lấy nốt), 2 tham số sai.",
    )
    _fetch_options(p)
    p.add_argument("--period", required=True, help="YYYY-MM, YYYY-Qn or YYYY (ended)")
    p.add_argument(
        "--formality",
        default=None,
        metavar="CODE_OR_ID",
        help='one procedure: its code ("2.000815", looked up in the portal\'s catalogue) '
        "or its formalityId (UUID)",
    )
    p.add_argument("--output", default=None, help="folder (default data/raw/portal/CODE/PERIOD)")
    p.add_argument("--refresh", action="store_true", help="new snapshot beside a complete one")
    p.add_argument("--provisional", action="store_true", help="a running period (kept apart)")


def _fetch_options(p) -> None:
    p.add_argument("--province", required=True, help='official code, portal code or name: "25"')
    p.add_argument(
        "--base-url",
        default=os.environ.get("MKBIDX_PORTAL_URL") or None,
        help="portal address (default https://dichvucong.gov.vn or $MKBIDX_PORTAL_URL)",
    )
    p.add_argument("--delay", type=float, default=1.0, help="seconds between requests (>= 0.5)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per request")


def _cmd_fetch(args) -> int:
    from mkbidx.inputs import fetch

    province = fetch.resolve_province(args.province)
    result = fetch.fetch(
        province,
        args.period,
        folder=args.output,
        formality_id=args.formality,
        base_url=args.base_url,
        delay=args.delay,
        timeout=args.timeout,
        refresh=args.refresh,
        provisional=args.provisional,
    )
    print(f"mkbidx fetch: {result.message}", file=sys.stderr)
    if result.complete:
        print(result.folder)
    return result.exit_code


# --------------------------------------------------------------------------- monthly
def _add_monthly(sub) -> None:
    p = sub.add_parser(
        "monthly",
        help="scheduled run: fetch (or reuse), monthly reports, letters, briefs, index",
        description="Chạy định kỳ hằng tháng: lấy số liệu từ Cổng (hoặc dùng bản đã đủ), báo cáo "
        "tháng của tỉnh và từng phạm vi, công văn, bản tóm tắt brief.pdf, outputs/index.html. "
        "Với --input: dùng dữ liệu có sẵn, không kết nối mạng.",
    )
    p.add_argument("--province", default=None, help='official code, portal code or name: "25"')
    p.add_argument("--period", default="last", help="last (the last ended month) or YYYY-MM")
    p.add_argument("--scope", nargs="*", default=[], help="more scopes (unit codes) to report")
    p.add_argument("--input", default=None, help="data file or folder: no fetch, no network")
    p.add_argument("--output", default=str(DEFAULT_OUTPUT), help="folder of outputs/")
    p.add_argument(
        "--base-url",
        default=os.environ.get("MKBIDX_PORTAL_URL") or None,
        help="portal address (default https://dichvucong.gov.vn or $MKBIDX_PORTAL_URL)",
    )
    p.add_argument("--delay", type=float, default=1.0, help="seconds between requests (>= 0.5)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    p.add_argument("--methodology", default=None, help="methodology id or YAML path")
    p.add_argument("--log-dir", default=None, help="folder of run logs (default outputs/logs)")
    p.add_argument("--raw-dir", default=None, help="fetched folders (default data/raw/portal)")


def _cmd_monthly(args) -> int:
    from mkbidx.run import job

    if not args.province and not args.input:
        raise MkbidxError(
            "cần --province (để lấy từ Cổng) hoặc --input (dữ liệu có sẵn)",
            column="--province",
            expected="vd. --province 25, hoặc --input data/sample --scope 083",
        )
    outcome = job.run_monthly(
        province=args.province,
        period=args.period,
        scopes=args.scope,
        data_path=args.input,
        output_root=args.output,
        base_url=args.base_url,
        delay=args.delay,
        timeout=args.timeout,
        methodology=args.methodology,
        log_dir=args.log_dir,
        raw_root=args.raw_dir,
    )
    print(job.describe(outcome))
    return outcome.exit_code


# --------------------------------------------------------------------------- explore
def _add_explore(sub) -> None:
    p = sub.add_parser(
        "explore",
        help="the explorer as a web app on 127.0.0.1 (Voilà): pick a unit, read its numbers",
        description="Mở trang khám phá Bộ chỉ số 766 trong trình duyệt (Voilà, chỉ trên máy này, "
        "không hiện mã lệnh): chọn tháng, đơn vị (tỉnh → huyện → xã, sở ngành), nhóm chỉ số. "
        "Ctrl-C để dừng (mã thoát 130).",
    )
    p.add_argument("--input", default=str(DEFAULT_DATA), help="file or folder (default: sample)")
    p.add_argument("--period", default="", help="YYYY-MM preselected (default: the last month)")
    p.add_argument("--scope", default="", help="code of the unit preselected, e.g. 02758")
    p.add_argument("--group", default="", help="group key preselected, e.g. thanh_toan")
    p.add_argument("--methodology", default=None, help="methodology id or YAML path")
    p.add_argument("--port", type=int, default=None, help="port (default 8866, or a free one)")
    p.add_argument("--no-browser", action="store_true", help="only print the URL")


def _cmd_explore(args) -> int:
    from mkbidx.run.explore import run_explore

    return run_explore(
        open_browser=not args.no_browser,
        period=args.period,
        scope=args.scope,
        group=args.group,
        data_path=args.input,
        methodology=args.methodology,
        port=args.port,
    )


# --------------------------------------------------------------------------- dossiers
def _add_dossiers(sub):
    """``mkbidx dossiers counts|...``, declared in :mod:`mkbidx.run.dossiers`; returns the
    dossiers sub-parsers (a sub-command added there sets ``dossiers_handler``)."""
    from mkbidx.run.dossier_explain import add_explain
    from mkbidx.run.dossiers import add_dossiers_parser

    dossiers = add_dossiers_parser(sub)
    add_explain(dossiers)
    return dossiers


def _cmd_dossiers(args) -> int:
    from mkbidx.run.dossiers import run_dossiers

    return run_dossiers(args)


# --------------------------------------------------------------------------- main
COMMANDS = {
    "reconcile": (_add_reconcile, _cmd_reconcile),
    "rank": (_add_rank, _cmd_rank),
    "units": (_add_units, _cmd_units),
    "letter": (_add_letter, _cmd_letter),
    "gap": (_add_gap, _cmd_gap),
    "trends": (_add_trends, _cmd_trends),
    "report": (_add_report, _cmd_report),
    "fetch": (_add_fetch, _cmd_fetch),
    "monthly": (_add_monthly, _cmd_monthly),
    "explore": (_add_explore, _cmd_explore),
    "dossiers": (_add_dossiers, _cmd_dossiers),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mkbidx",
        description="Bộ chỉ số 766: tính điểm, xếp hạng, báo cáo, công văn từ dữ liệu Cổng DVCQG.",
    )
    parser.add_argument("--version", action="version", version=f"mkbidx {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for add, _ in COMMANDS.values():
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _, run = COMMANDS[args.command]
    try:
        with _terminate_as_interrupt():
            return run(args)
    except MkbidxError as exc:
        print(f"mkbidx: lỗi: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt as exc:
        _forget_interrupt_in_string_code()
        print("mkbidx: đã dừng (interrupted), không ghi kết quả dở dang", file=sys.stderr)
        return EXIT_TERMINATED if isinstance(exc, _Terminated) else EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `mkbidx rank ... | head`: the reader stopped listening
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # a path the user gave: read-only, full disk, not a folder...
        where = f"{exc.filename}: " if exc.filename else ""
        reason = exc.strerror or type(exc).__name__
        print(f"mkbidx: lỗi: {where}{reason} ({type(exc).__name__})", file=sys.stderr)
        return EXIT_BAD_INPUT


def _forget_interrupt_in_string_code() -> None:
    """Let ``python -m mkbidx.cli`` exit with 130 after a Ctrl-C it has handled.

    CPython (3.8 to 3.13) remembers a KeyboardInterrupt that left code run by ``exec`` of a
    *string*, even when a caller catches it, and at exit a ``python -m`` process then kills
    itself with SIGINT instead of returning its exit code (a parent sees -2, not 130; the
    ``mkbidx`` command itself is not affected). fastjsonschema compiles nbformat's notebook
    schema that way, a few tenths of a second into ``mkbidx report``: a Ctrl-C landing there
    ended the process by SIGINT in about 1 run in 10. Each string ``exec`` clears that memory
    when it starts, so an empty one is run here.
    """
    exec("")


class _Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``), raised like Ctrl-C so that every run cleans up the same way."""


@contextlib.contextmanager
def _terminate_as_interrupt():
    """While a command runs, SIGTERM raises :class:`_Terminated` (staging folders are removed,
    kernels stopped) instead of ending the process on the spot."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise _Terminated()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _one_line(text: str) -> str:
    """An error message on one line: newlines and control characters become spaces."""
    import re

    return re.sub(r"[\x00-\x1f\x7f]+", " ", text).strip()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
