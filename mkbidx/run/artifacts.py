"""The files a report notebook writes into its folder: figures, tables, summary, draft letter.

Called from the notebooks (``output_dir`` empty: an interactive run writes nothing). Same
inputs, same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from mkbidx.errors import MkbidxError
from mkbidx.io import csv_bytes, json_bytes, write_atomic, xlsx_bytes
from mkbidx.paths import FIGURES_DIR, SUMMARY, TABLES_DIR, XLSX_NAME
from mkbidx.reports import letter, trend_tables
from mkbidx.reports.monthly import MonthlyReport, report_tables, vietnamese_sheets
from mkbidx.reports.trend_view import TrendReport
from mkbidx.run.brief import write_brief
from mkbidx.run.letter import write_letter
from mkbidx.run.runner import letter_files


def write_artifacts(
    r: MonthlyReport, folder: str | Path | None, *, letter: bool = True
) -> list[Path]:
    """Write the report's figures (PNG), tables (CSV, one XLSX) and ``summary.json``.

    Nothing is written when ``folder`` is None (an interactive run). Same inputs, same bytes.
    With ``letter``, the draft letter (:func:`draft_letter`) is written too when the folder has
    none (an existing letter may have been edited and is never replaced).

    Returns
    -------
    list of Path
        The files written, in order.
    """
    if folder is None:
        return []
    folder = Path(folder)
    tables = report_tables(r)
    written = _write_files(folder, r.figures, tables, vietnamese_sheets(r, tables), r.summary())
    written.append(write_brief(r, folder))  # brief.pdf, the one-page A4 brief
    if letter and not letter_files(folder):
        written.extend(draft_letter(r, folder))
    return written


def draft_letter(r: MonthlyReport, folder: str | Path) -> list[Path]:
    """Write the draft letter of the report's scope and month (:mod:`mkbidx.reports.letter`).

    Returns the files written; none when the letter cannot be drafted for this scope (the
    reason is added to the report's notes, the report itself does not fail).
    """
    try:
        facts = letter.letter_facts(
            r.evaluation,
            period=r.period,
            scope=r.scope,
            methodology=r.methodology,
            scope_name=r.scope_name,
        )
        return list(write_letter(facts, folder))
    except MkbidxError as exc:
        r.notes = (*r.notes, f"Chưa soạn được dự thảo công văn: {exc}")
        return []


def write_trend_artifacts(r: TrendReport, folder: str | Path | None) -> list[Path]:
    """Write the figures (PNG), tables (CSV, one XLSX) and ``summary.json`` of a trend report.

    Nothing is written when ``folder`` is None (an interactive run). Same inputs, same bytes.

    Returns
    -------
    list of Path
        The files written, in order.
    """
    if folder is None:
        return []
    tables = trend_tables.report_tables(r)
    sheets = trend_tables.vietnamese_sheets(r, tables)
    return _write_files(Path(folder), r.figures, tables, sheets, r.summary())


def _write_files(
    folder: Path,
    figures: Mapping[str, bytes],
    tables: Mapping[str, pd.DataFrame],
    sheets: tuple[Mapping[str, pd.DataFrame], Mapping[str, str]],
    summary: Mapping[str, Any],
) -> list[Path]:
    """Write figures (``figures/<key>.png``), tables (``tables/<key>.csv`` and one workbook of
    the Vietnamese ``sheets`` with their number formats) and ``summary.json``; the files
    written, in order."""
    written: list[Path] = []

    def put(relative: str, data: bytes) -> None:
        written.append(write_atomic(folder / relative, lambda p: p.write_bytes(data)))

    for key, png in figures.items():
        put(f"{FIGURES_DIR}/{key}.png", png)
    for key, frame in tables.items():
        put(f"{TABLES_DIR}/{key}.csv", csv_bytes(frame))
    frames, formats = sheets
    put(f"{TABLES_DIR}/{XLSX_NAME}", xlsx_bytes(frames, number_formats=formats))
    put(SUMMARY, json_bytes(summary))
    return written
