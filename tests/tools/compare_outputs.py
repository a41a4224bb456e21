"""Compare two output folders of mkbidx reports: tables, figures and the HTML's text.

Used to prove that a refactoring changed nothing a reader sees::

    python tests/tools/compare_outputs.py BEFORE_ROOT AFTER_ROOT

For every report folder (one with a ``manifest.json``) under BEFORE_ROOT, the same folder under
AFTER_ROOT must hold the same tables (``tables/*``: CSV and XLSX bytes), the same figures
(``figures/*.png`` bytes), the same ``summary.json`` and an HTML page with the same text (tags,
embedded images and the notebook's cell ids aside; the images are compared as figures). Prints
one line per folder and exits 1 on any difference.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

COMPARED = ("tables/", "figures/", "summary.json")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        if tag == "img":
            self.parts.append(f"[img alt={dict(attrs).get('alt', '')!r}]")

    def handle_endtag(self, tag):
        if tag in ("style", "script") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(re.sub(r"\s+", " ", data.strip()))


def html_text(path: Path) -> list[str]:
    """The visible text of a page, one entry per text node (images as their alt text)."""
    parser = _Text()
    parser.feed(path.read_text("utf-8"))
    return parser.parts


def digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).as_posix().startswith(COMPARED)
    }


def compare(before: Path, after: Path) -> list[str]:
    problems = []
    folders = sorted(m.parent for m in before.rglob("manifest.json"))
    if not folders:
        return [f"no report folder (manifest.json) under {before}"]
    for folder in folders:
        rel = folder.relative_to(before)
        other = after / rel
        if not (other / "manifest.json").is_file():
            problems.append(f"{rel}: missing in {after}")
            continue
        a, b = digests(folder), digests(other)
        for name in sorted(set(a) | set(b)):
            if a.get(name) != b.get(name):
                problems.append(f"{rel}/{name}: differs")
        if html_text(folder / "report.html") != html_text(other / "report.html"):
            problems.append(f"{rel}/report.html: text differs")
        inputs_a = json.loads((folder / "manifest.json").read_text("utf-8"))["inputs"]
        inputs_b = json.loads((other / "manifest.json").read_text("utf-8"))["inputs"]
        if inputs_a != inputs_b:
            problems.append(f"{rel}/manifest.json: inputs differ")
        print(f"{rel}: {len(a)} tables/figures compared", file=sys.stderr)
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    problems = compare(Path(args[0]), Path(args[1]))
    for line in problems:
        print(line)
    print("identical" if not problems else f"{len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
