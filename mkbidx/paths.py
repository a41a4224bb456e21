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
