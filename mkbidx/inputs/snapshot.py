"""A folder fetched from the portal (``mkbidx fetch``): its ``manifest.json``, read and checked.

The manifest says which period the folder holds, whether it is complete and provisional, and
for each file the request that produced it and the SHA-256 of the bytes kept. Readers use
:func:`snapshot_of` to take the period from the manifest and to skip the files that are not
evaluation responses (the manifest itself, the national ``service-results`` summary, pages 2..
of a paginated answer), and :meth:`Snapshot.read` to read a paginated answer's pages
(``<endpoint>.json``, ``<endpoint>.page-2.json``, ...) as one response. No network code here:
:mod:`mkbidx.inputs.fetch` writes these folders.

>>> snapshot_of(Path("data/sample/phu-tho-2026-08/transparency.json")) is None
True
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mkbidx.errors import MkbidxError
from mkbidx.inputs.frames import Part

__all__ = [
    "MANIFEST_KIND",
    "MANIFEST_NAME",
    "NATIONAL_ENDPOINT",
    "PROVISIONAL_MARK",
    "Snapshot",
    "is_provisional",
    "page_file",
    "read_manifest",
    "sha256",
    "snapshot_of",
]

MANIFEST_NAME = "manifest.json"
MANIFEST_KIND = "mkbidx-portal-fetch"
NATIONAL_ENDPOINT = "service-results"
"""The national summary (34 provinces' totals): kept beside the groups, not read as counts."""
PROVISIONAL_PREFIX = "số liệu tạm tính (provisional): kỳ {period} "
PROVISIONAL_NOTE = (
    PROVISIONAL_PREFIX + "chưa kết thúc khi lấy từ Cổng DVCQG ngày {fetched}; "
    "điểm có thể còn thay đổi"
)
PROVISIONAL_MARK = "SỐ LIỆU TẠM TÍNH"
"""What a report made from a provisional fetch says in its headline and in the index."""
PAGE_FILE = re.compile(r"(?P<stem>.+)\.page-(?P<page>[0-9]+)\.json", re.IGNORECASE)
INCOMPLETE_NOTE = (
    "thư mục {folder} lấy từ Cổng DVCQG chưa đủ (incomplete fetch): thiếu {missing}; "
    "chạy lại mkbidx fetch để lấy nốt"
)


def page_file(endpoint: str, page: int) -> str:
    """The file of page ``page`` of ``endpoint``'s answer.

    >>> page_file("transparency", 1), page_file("transparency", 2)
    ('transparency.json', 'transparency.page-2.json')
    """
    return f"{endpoint}.json" if page == 1 else f"{endpoint}.page-{page}.json"


def is_provisional(notes: Iterable[str], period: str) -> bool:
    """Whether the readers' ``notes`` say ``period`` was read from a provisional fetch.

    >>> note = PROVISIONAL_NOTE.format(period="2026-08", fetched="2026-08-20")
    >>> is_provisional([note], "2026-08"), is_provisional([note], "2026-07")
    (True, False)
    """
    prefix = PROVISIONAL_PREFIX.format(period=period)
    return any(str(n).startswith(prefix) for n in notes)


def sha256(data: bytes) -> str:
    """Hex SHA-256 of bytes.

    >>> sha256(b"")[:12]
    'e3b0c44298fc'
    """
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Snapshot:
    """What a reader needs from a fetched folder's manifest."""

    folder: Path
    period: str
    complete: bool
    provisional: bool
    fetched_at: str | None
    files: dict[str, dict[str, Any]]  # file name -> manifest entry
    expected: tuple[str, ...]  # file names of a complete fetch

    def readable(self, path: Path) -> bool:
        """Whether a reader takes ``path`` as an evaluation response (not the manifest, the
        national summary, or a page after the first: :meth:`read` reads those with page 1)."""
        page = PAGE_FILE.fullmatch(path.name)
        stem = page["stem"] if page else path.stem
        return path.name != MANIFEST_NAME and stem != NATIONAL_ENDPOINT and page is None

    def pages(self, path: Path) -> list[Path]:
        """The files of pages 2.. of the answer whose page 1 is ``path``, in page order (those
        the manifest lists)."""
        found = []
        for name in self.files:
            page = PAGE_FILE.fullmatch(name)
            if page and page["stem"] == path.stem and int(page["page"]) > 1:
                found.append((int(page["page"]), self.folder / name))
        return [f for _, f in sorted(found)]

    def read(self, path: Path, read_one: Callable[[Path], Part]) -> Part:
        """``read_one(path)``, with the units of pages 2.. of the same answer added (each page's
        rows keep their own ``source_file``; the root repeated on every page is taken once).

        Raises
        ------
        MkbidxError
            A unit on two pages.
        """
        part = read_one(path)
        pages = self.pages(path)
        if not pages:
            return part
        seen = set(part.units["unit_code"])
        frames: dict[str, list[pd.DataFrame]] = {
            "counts": [part.counts],
            "groups": [part.groups],
            "units": [part.units],
        }
        for page in pages:
            more = read_one(page)
            roots = set(more.units.loc[more.units["is_root"].astype(bool), "unit_code"])
            units = more.units[~more.units["unit_code"].isin(roots)]
            twice = sorted(set(units["unit_code"]) & seen)
            if twice:
                raise MkbidxError(
                    f"đơn vị {twice[0]} có ở hai trang của cùng phản hồi (duplicate unit)",
                    file=page,
                    unit=twice[0],
                    column="departmentCode",
                    expected="mỗi đơn vị ở một trang",
                )
            seen |= set(units["unit_code"])
            frames["units"].append(units)
            frames["counts"].append(more.counts[~more.counts["unit_code"].isin(roots)])
            frames["groups"].append(more.groups[~more.groups["unit_code"].isin(roots)])
            part.notes.extend(n for n in more.notes if n not in part.notes)
        part.counts, part.groups, part.units = (
            pd.concat([f for f in fs if len(f)] or fs[:1], ignore_index=True)
            for fs in (frames["counts"], frames["groups"], frames["units"])
        )
        return part

    def notes(self) -> list[str]:
        """Notes every report made from the folder carries (provisional, incomplete)."""
        out = []
        if self.provisional:
            out.append(
                PROVISIONAL_NOTE.format(period=self.period, fetched=(self.fetched_at or "?")[:10])
            )
        missing = [f for f in self.expected if f not in self.files]
        if not self.complete or missing:
            out.append(
                INCOMPLETE_NOTE.format(folder=self.folder, missing=", ".join(missing) or "?")
            )
        return out


def read_manifest(folder: str | Path) -> dict[str, Any] | None:
    """The fetch manifest of ``folder`` as a dict, None when there is none.

    Raises
    ------
    MkbidxError
        When ``manifest.json`` exists but is not a fetch manifest mkbidx can read.
    """
    path = Path(folder) / MANIFEST_NAME
    if not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MkbidxError(
            f"manifest.json không đọc được (unreadable manifest): {exc}",
            file=path,
            expected="manifest.json do mkbidx fetch ghi",
        ) from None
    if not isinstance(doc, dict) or doc.get("kind") != MANIFEST_KIND:
        return None  # another tool's manifest: not ours to interpret
    return doc


def snapshot_of(path: str | Path) -> Snapshot | None:
    """The fetched folder ``path`` (a file in it) belongs to, or None for any other file."""
    folder = Path(path).parent
    doc = read_manifest(folder)
    if doc is None:
        return None
    files = {e["file"]: e for e in doc.get("files", []) if isinstance(e, dict) and "file" in e}
    return Snapshot(
        folder=folder,
        period=str(doc.get("period")),
        complete=bool(doc.get("complete")),
        provisional=bool(doc.get("provisional")),
        fetched_at=doc.get("finished_at") or doc.get("started_at"),
        files=files,
        expected=tuple(doc.get("expected_files", ())),
    )
