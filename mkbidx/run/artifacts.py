"""The files a report notebook writes into its folder: figures, tables, summary, draft letter.

Called from the notebooks (``output_dir`` empty: an interactive run writes nothing). Same
inputs, same bytes.
"""

from __future__ import annotations

from pathlib import Path

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
    written: list[Path] = []

    def put(relative: str, data: bytes) -> None:
        written.append(write_atomic(folder / relative, lambda p: p.write_bytes(data)))

    for key, png in r.figures.items():
        put(f"{FIGURES_DIR}/{key}.png", png)
    tables = report_tables(r)
    for key, frame in tables.items():
        put(f"{TABLES_DIR}/{key}.csv", csv_bytes(frame))
    sheets, formats = vietnamese_sheets(r, tables)
    put(f"{TABLES_DIR}/{XLSX_NAME}", xlsx_bytes(sheets, number_formats=formats))
    put(SUMMARY, json_bytes(r.summary()))
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
            r.evaluation, period=r.period, scope=r.scope, methodology=r.methodology
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
    folder = Path(folder)
    written: list[Path] = []

    def put(relative: str, data: bytes) -> None:
        written.append(write_atomic(folder / relative, lambda p: p.write_bytes(data)))

    for key, png in r.figures.items():
        put(f"{FIGURES_DIR}/{key}.png", png)
    tables = trend_tables.report_tables(r)
    for key, frame in tables.items():
        put(f"{TABLES_DIR}/{key}.csv", csv_bytes(frame))
    sheets, formats = trend_tables.vietnamese_sheets(r, tables)
    put(f"{TABLES_DIR}/{XLSX_NAME}", xlsx_bytes(sheets, number_formats=formats))
    put(SUMMARY, json_bytes(r.summary()))
    return written
