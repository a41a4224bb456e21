"""``outputs/index.html``: every monthly report found under an output folder, by scope and month.

Each row links the report, its one-page ``brief.pdf`` and draft letter when they are there, and
says "SỐ LIỆU TẠM TÍNH" when the report was made from a provisional fetch (its ``summary.json``
has ``"provisional": true``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from mkbidx import __version__
from mkbidx.inputs.snapshot import PROVISIONAL_MARK
from mkbidx.io import write_atomic
from mkbidx.paths import INDEX_HTML, LETTER_HTML, REPORT_HTML, SUMMARY
from mkbidx.present import formatting, html
from mkbidx.reports.params import SCOPE_PATTERN
from mkbidx.run.brief import BRIEF_PDF

PERIOD_FOLDER = re.compile(r"\d{4}-\d{2}")


def write_index(output_root: str | Path) -> Path:
    """Write ``<output_root>/index.html``: every report found there, by scope and month.

    Self-contained (inline CSS, relative links) and escaped; built from each report's
    ``summary.json``.
    """

    root = Path(output_root)
    scopes: dict[str, dict[str, Any]] = {}
    for summary_path in sorted(root.glob(f"*/*/{SUMMARY}"), reverse=True):
        folder = summary_path.parent
        period, scope = folder.parent.name, folder.name
        if not PERIOD_FOLDER.fullmatch(period) or not SCOPE_PATTERN.fullmatch(scope):
            continue
        if not (folder / REPORT_HTML).is_file():
            continue
        try:
            s = json.loads(summary_path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        entry = scopes.setdefault(
            scope, {"code": scope, "name": s.get("scope_name") or scope, "rows": []}
        )
        letter = folder / LETTER_HTML
        entry["rows"].append(
            {
                "label": formatting.period_label(period),
                "total": formatting.score(s.get("total")),
                "rank": formatting.rank_label(s.get("rank"), s.get("rank_of")),
                "band": s.get("band") or formatting.MISSING,
                "href": f"{period}/{scope}/{REPORT_HTML}",
                "letter": f"{period}/{scope}/{LETTER_HTML}" if letter.is_file() else None,
                "brief": (
                    f"{period}/{scope}/{BRIEF_PDF}" if (folder / BRIEF_PDF).is_file() else None
                ),
                "provisional": PROVISIONAL_MARK if s.get("provisional") is True else None,
            }
        )
    page = html.index_page([scopes[k] for k in sorted(scopes)], version=__version__)
    return write_atomic(root / INDEX_HTML, lambda p: p.write_text(page, encoding="utf-8"))
