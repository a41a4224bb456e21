"""Writing the draft letter: ``cong-van.docx`` and ``cong-van.html`` into a report folder.

The facts and both layouts come from :mod:`mkbidx.reports.letter`; this module only writes the
files (atomically, never over an existing letter unless asked).

Examples
--------
>>> import tempfile
>>> import pandas as pd
>>> from mkbidx.core import ranking
>>> from mkbidx.reports import letter
>>> c = pd.DataFrame({"period": "2024-08", "unit_code": ["a", "b"], "group": "tien_do",
...                   "metric": "ON_TIME", "numerator": [20, 0], "denominator": [20, 10]})
>>> u = pd.DataFrame({"unit_code": ["a", "b", "p"], "unit_name": ["Xã A", "Xã B", "Huyện P"],
...                   "level": ["commune", "commune", "district"], "parent_code": ["p", "p", None]})
>>> facts = letter.letter_facts(ranking.evaluate(c, u), period="2024-08", scope="p")
>>> tmp = tempfile.TemporaryDirectory()
>>> [p.name for p in write_letter(facts, tmp.name)]
['cong-van.docx', 'cong-van.html']
>>> tmp.cleanup()
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mkbidx.errors import MkbidxError
from mkbidx.io import write_atomic
from mkbidx.reports.letter import LetterFacts, render_docx, render_html

DOCX_NAME = "cong-van.docx"
HTML_NAME = "cong-van.html"


def write_letter(
    facts: LetterFacts,
    folder: str | Path,
    *,
    config: Mapping[str, Any] | None = None,
    force: bool = False,
) -> tuple[Path, Path]:
    """Write ``cong-van.docx`` and ``cong-van.html`` into ``folder`` (created if needed).

    Each file is written atomically; other files in the folder are left alone. Without
    ``force`` nothing is written if either file exists.

    Parameters
    ----------
    facts
        From :func:`mkbidx.reports.letter.letter_facts`.
    folder
        The report folder (``outputs/<period>/<scope>``).
    config
        The user's letter config (recipients, cc, signer, layout); defaults otherwise.
    force
        Replace existing letter files.

    Returns
    -------
    (Path, Path)
        The .docx and the .html written.

    Raises
    ------
    MkbidxError
        If a letter file exists and ``force`` is false.
    """
    folder = Path(folder)
    docx_path, html_path = folder / DOCX_NAME, folder / HTML_NAME
    if not force:
        for path in (docx_path, html_path):
            if path.exists():
                raise MkbidxError(
                    "công văn đã có, không ghi đè (file exists)",
                    file=path,
                    expected="dùng --force để ghi đè",
                )
    document = render_docx(facts, config)
    page = render_html(facts, config)
    write_atomic(docx_path, lambda tmp: document.save(str(tmp)))
    write_atomic(html_path, lambda tmp: tmp.write_text(page, encoding="utf-8"))
    return docx_path, html_path
