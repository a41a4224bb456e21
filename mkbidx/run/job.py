"""``mkbidx monthly``: the scheduled run of a month, from the portal to the brief.

fetch (or reuse a complete fetch) → the monthly report of the province and of each scope (each
with its draft letter and ``brief.pdf``) → ``outputs/index.html``. One log file per run in
``<output>/logs/``. Exit status: 0 when everything was made, 3 when the portal refused or could
not be reached (no report is made from an incomplete fetch), 2 for bad arguments or a scope
without data.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from mkbidx.errors import MkbidxError
from mkbidx.inputs import fetch as portal_fetch
from mkbidx.inputs.text import normalize_period
from mkbidx.paths import DEFAULT_OUTPUT
from mkbidx.periods import is_month
from mkbidx.run.brief import BRIEF_PDF
from mkbidx.run.index import write_index
from mkbidx.run.monthly import ReportResult, run_report

__all__ = ["MonthlyOutcome", "describe", "run_monthly"]

EXIT_BAD_INPUT = 2


@dataclass
class MonthlyOutcome:
    """What a monthly run made."""

    period: str
    exit_code: int = 0
    data_path: Path | None = None
    reports: list[ReportResult] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    index: Path | None = None
    log: Path | None = None
    message: str = ""


class _Log:
    """Lines to stderr and to the run's log file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file = path.open("a", encoding="utf-8")

    def __call__(self, line: str) -> None:
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        self._file.write(f"{stamp} {line}\n")
        self._file.flush()
        print(line, file=sys.stderr)

    def close(self) -> None:
        self._file.close()


def _month(period: str) -> str:
    if period == "last":
        return portal_fetch.last_ended_month()
    month = normalize_period(period, column="--period")
    if not is_month(month):
        raise MkbidxError(
            f"kỳ {month} không phải là tháng (not a month)",
            column="--period",
            expected="last hoặc YYYY-MM",
        )
    return month


def run_monthly(
    *,
    province: str | None,
    period: str = "last",
    scopes: list[str] | tuple[str, ...] = (),
    data_path: str | Path | None = None,
    output_root: str | Path | None = None,
    raw_root: str | Path | None = None,
    base_url: str | None = None,
    delay: float = 1.0,
    timeout: float = 30.0,
    methodology: str | None = None,
    log_dir: str | Path | None = None,
) -> MonthlyOutcome:
    """Run the month: fetch or reuse, reports (letter, brief) per scope, the index.

    Parameters
    ----------
    province
        Official code, portal code or name; its report is made first. Needed to fetch.
    period
        ``"last"`` (the last month that has ended) or ``"YYYY-MM"``.
    scopes
        More unit codes to report (e.g. communes' parents).
    data_path
        Use this data (no fetch, no network), e.g. ``data/sample``.
    raw_root
        Where fetched folders go (default ``data/raw/portal``).

    Raises
    ------
    MkbidxError
        Bad arguments (unknown province, not a month); the CLI exits 2.
    """
    root = Path(output_root) if output_root is not None else DEFAULT_OUTPUT
    month = _month(period)
    prov = portal_fetch.resolve_province(province) if province else None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    log = _Log(Path(log_dir or root / "logs") / f"monthly-{month}-{stamp}.log")
    outcome = MonthlyOutcome(month, log=log.path)
    try:
        log(f"mkbidx monthly: kỳ {month}, tỉnh {prov.name if prov else '-'}, phạm vi {scopes}")
        if data_path is None:
            if prov is None:
                raise MkbidxError("cần --province hoặc --input", column="--province")
            folder = portal_fetch.default_folder(
                prov, month, root=Path(raw_root) if raw_root else portal_fetch.RAW_PORTAL
            )
            got = portal_fetch.fetch(
                prov,
                month,
                folder=folder,
                base_url=base_url,
                delay=delay,
                timeout=timeout,
                progress=log,
            )
            log(f"mkbidx fetch: {got.message}")
            if not got.complete:
                outcome.exit_code = portal_fetch.EXIT_PORTAL
                outcome.message = "chưa đủ số liệu từ Cổng; không lập báo cáo (incomplete fetch)"
                log(f"mkbidx monthly: {outcome.message}")
                return outcome
            data = got.folder
        else:
            data = Path(data_path)
        outcome.data_path = data
        # the province's own report: under its official code, or under its portal code when
        # the data names units by portal codes only (e.g. "H44" in a fetched folder)
        todo: list[tuple[str, ...]] = [(s,) for s in dict.fromkeys(scopes)]
        if prov is not None:
            todo = [(prov.code, prov.portal_code)] + [
                t for t in todo if t[0] not in (prov.code, prov.portal_code)
            ]
        if not todo:
            raise MkbidxError(
                "không có phạm vi nào (no scope)",
                column="--scope",
                expected="--province hoặc --scope CODE",
            )
        for candidates in todo:
            made, error = _report(month, candidates, data, root, methodology)
            if made is None:
                outcome.failures.append(f"{candidates[0]}: {error}")
                log(f"mkbidx monthly: lỗi phạm vi {candidates[0]}: {error}")
                continue
            outcome.reports.append(made)
            log(f"mkbidx monthly: {made.scope}: {made.html}, {made.folder / BRIEF_PDF}")
        outcome.index = write_index(root)
        outcome.exit_code = EXIT_BAD_INPUT if outcome.failures else 0
        outcome.message = (
            f"đã lập {len(outcome.reports)}/{len(todo)} báo cáo tháng {month}; "
            f"mục lục {outcome.index}"
        )
        log(f"mkbidx monthly: {outcome.message}; mã thoát {outcome.exit_code}")
        return outcome
    finally:
        log.close()


def _report(
    month: str, candidates: tuple[str, ...], data: Path, root: Path, methodology: str | None
) -> tuple[ReportResult | None, MkbidxError | None]:
    """The monthly report of the first candidate code that the data has as a scope."""
    first: MkbidxError | None = None
    for scope in candidates:
        try:
            made = run_report(
                month,
                scope,
                data_path=data,
                output_root=root,
                methodology=methodology,
                force=True,
                update_index=False,
            )
            return made, None
        except MkbidxError as exc:
            first = first or exc
            if "scope" not in str(exc):  # not a scope the data lacks: a real error
                break
    return None, first


def describe(outcome: MonthlyOutcome) -> str:
    """What ``mkbidx monthly`` prints on stdout."""
    lines = [outcome.message]
    for r in outcome.reports:
        lines.append(f"{r.scope}: {r.html}  {r.folder / BRIEF_PDF}")
    lines.extend(f"lỗi: {f}" for f in outcome.failures)
    if outcome.log:
        lines.append(f"nhật ký: {outcome.log}")
    return "\n".join(lines)
