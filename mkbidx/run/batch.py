"""``mkbidx report --all``: every month of a scope in parallel, and the index of all reports."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkbidx.errors import MkbidxError
from mkbidx.inputs.loading import load_inputs, scope_periods
from mkbidx.paths import DEFAULT_DATA, DEFAULT_OUTPUT
from mkbidx.present import formatting
from mkbidx.present.formatting import short_list
from mkbidx.reports.params import validate_parameters
from mkbidx.run.index import write_index
from mkbidx.run.monthly import run_report
from mkbidx.run.runner import has_report

MAX_WORKERS = 2
"""At most this many reports are made at once by :func:`run_all` (never more than the CPUs)."""


def report_periods(
    scope: str, *, data_path: str | Path | None = None, methodology: str | None = None
) -> list[str]:
    """The months of the data in which the scope has units with data (for ``--all``)."""
    data = Path(data_path) if data_path not in (None, "") else DEFAULT_DATA
    inputs = load_inputs(data, methodology=methodology)
    periods = scope_periods(inputs, scope)
    if not periods:
        raise MkbidxError(
            f"không có tháng nào có số liệu của các đơn vị thuộc '{scope}' (empty scope)",
            file=data,
            column="scope",
        )
    return periods


def _run_one(period: str, scope: str, options: dict[str, Any]) -> tuple[str, str | None]:
    """Worker of :func:`run_all`: (period, None) on success, (period, message) on failure."""
    try:
        run_report(period, scope, update_index=False, **options)
    except MkbidxError as exc:
        return period, str(exc)
    return period, None


@dataclass(frozen=True)
class BatchResult:
    """What :func:`run_all` did: months made, skipped (existing), failed (with the reason)."""

    scope: str
    made: tuple[str, ...]
    skipped: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]
    index: Path


def run_all(
    scope: str,
    *,
    data_path: str | Path | None = None,
    output_root: str | Path | None = None,
    methodology: str | None = None,
    force: bool = False,
    workers: int | None = None,
    progress: bool = True,
) -> BatchResult:
    """Make the report of every month of the data for ``scope``, then ``index.html``.

    Months run in parallel in ``min(2, CPUs)`` processes (a tqdm bar shows progress). Months
    that already have a report are skipped unless ``force``; a month that fails does not stop
    the others (see :attr:`BatchResult.failed`).
    """

    from tqdm import tqdm

    validate_parameters(period="2000-01", scope=scope, data_path=data_path, methodology=methodology)
    root = Path(output_root) if output_root is not None else DEFAULT_OUTPUT
    periods = report_periods(scope, data_path=data_path, methodology=methodology)
    skipped = [] if force else [p for p in periods if has_report(root / p / scope)]
    todo = [p for p in periods if p not in skipped]
    options = {
        "data_path": data_path,
        "output_root": root,
        "methodology": methodology,
        "force": force,
    }
    n = max(1, min(workers or MAX_WORKERS, os.cpu_count() or 1))
    failed: list[tuple[str, str]] = []
    made: list[str] = []
    if todo:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=n, mp_context=context) as pool:
            futures = [pool.submit(_run_one, p, scope, options) for p in todo]
            bar = tqdm(
                as_completed(futures),
                total=len(futures),
                desc=f"Báo cáo {scope}",
                unit="tháng",
                disable=not progress,
            )
            for future in bar:
                period, error = future.result()
                if error is None:
                    made.append(period)
                else:
                    failed.append((period, error))
    index = write_index(root)
    return BatchResult(scope, tuple(sorted(made)), tuple(skipped), tuple(sorted(failed)), index)


def describe_batch(batch: BatchResult) -> str:
    """What ``mkbidx report --all`` prints: how many months were made, skipped, failed."""

    lines = [f"Đã tạo {len(batch.made)} báo cáo tháng của {batch.scope}."]
    if batch.skipped:
        lines.append(
            f"Bỏ qua {len(batch.skipped)} tháng đã có báo cáo (dùng --force để tạo lại): "
            + short_list(formatting.period_label(p) for p in batch.skipped)
        )
    for period, error in batch.failed:
        lines.append(f"Lỗi {formatting.period_label(period)}: {error}")
    lines.append(f"Mục lục: {batch.index}")
    return "\n".join(lines)
