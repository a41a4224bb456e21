"""Where the project's folders are: the one place that derives paths from the package location.

>>> from mkbidx import paths
>>> paths.DEFAULT_DATA.relative_to(paths.PROJECT_ROOT).as_posix()
'data/sample'
>>> paths.MONTHLY_TEMPLATE.relative_to(paths.PROJECT_ROOT).as_posix()
'notebooks/reports/monthly_report.ipynb'
"""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA = PROJECT_ROOT / "data"
DEFAULT_DATA = DATA / "sample"
UNITS_DIR = DATA / "units"
DEFAULT_OUTPUT = PROJECT_ROOT / "outputs"
NOTEBOOKS = PROJECT_ROOT / "notebooks"
REPORT_NOTEBOOKS = NOTEBOOKS / "reports"
MONTHLY_TEMPLATE = REPORT_NOTEBOOKS / "monthly_report.ipynb"
TREND_TEMPLATE = REPORT_NOTEBOOKS / "trend_comparison.ipynb"
EXPLORE_NOTEBOOK = NOTEBOOKS / "explore" / "explore.ipynb"

# The files of a report folder (``outputs/<period>/<scope>/`` or ``outputs/trends/...``).
REPORT_NOTEBOOK = "report.ipynb"
REPORT_HTML = "report.html"
MANIFEST = "manifest.json"
SUMMARY = "summary.json"
INDEX_HTML = "index.html"
FIGURES_DIR = "figures"
TABLES_DIR = "tables"
XLSX_NAME = "tables.xlsx"
LETTER_PREFIX = "cong-van"
LETTER_HTML = f"{LETTER_PREFIX}.html"
LETTER_DOCX = f"{LETTER_PREFIX}.docx"
TRENDS_DIR = "trends"
"""Trend reports live in ``<output_root>/trends/<scope>/<from>_<to>/``."""
