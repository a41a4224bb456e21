"""Write ``brief.pdf``, the one-page A4 brief, beside a monthly report.

>>> BRIEF_PDF
'brief.pdf'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkbidx.io import write_atomic

__all__ = ["BRIEF_PDF", "write_brief"]

BRIEF_PDF = "brief.pdf"


def write_brief(r: Any, folder: str | Path) -> Path:
    """Write the brief of monthly report ``r`` to ``<folder>/brief.pdf`` (atomically).

    Same report, same bytes (no creation date in the PDF).
    """
    # imported here: the commands import this module for BRIEF_PDF (the index) before their
    # kernel starts, and the brief's matplotlib is not needed in their process
    from mkbidx.present.brief import brief_pdf
    from mkbidx.reports.brief import brief_view

    data = brief_pdf(brief_view(r))
    return write_atomic(Path(folder) / BRIEF_PDF, lambda p: p.write_bytes(data))
