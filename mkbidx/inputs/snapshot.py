"""A folder fetched from the portal (``mkbidx fetch``): its ``manifest.json``, read and checked.

The manifest says which period the folder holds, whether it is complete and provisional, and
for each file the request that produced it and the SHA-256 of the bytes kept. Readers use
:func:`snapshot_of` to take the period from the manifest and to skip the files that are not
evaluation responses (the manifest itself, the national ``service-results`` summary). No
network code here: :mod:`mkbidx.inputs.fetch` writes these folders.

>>> snapshot_of(Path("data/sample/phu-tho-2026-08/transparency.json")) is None
True
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkbidx.errors import MkbidxError

__all__ = [
    "MANIFEST_KIND",
    "MANIFEST_NAME",
    "NATIONAL_ENDPOINT",
    "Snapshot",
    "read_manifest",
    "sha256",
    "snapshot_of",
]

MANIFEST_NAME = "manifest.json"
MANIFEST_KIND = "mkbidx-portal-fetch"
NATIONAL_ENDPOINT = "service-results"
"""The national summary (34 provinces' totals): kept beside the groups, not read as counts."""
PROVISIONAL_NOTE = (
    "số liệu tạm tính (provisional): kỳ {period} chưa kết thúc khi lấy từ Cổng DVCQG "
    "ngày {fetched}; điểm có thể còn thay đổi"
)
INCOMPLETE_NOTE = (
    "thư mục {folder} lấy từ Cổng DVCQG chưa đủ (incomplete fetch): thiếu {missing}; "
    "chạy lại mkbidx fetch để lấy nốt"
)


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
        """Whether a reader takes ``path`` as an evaluation response (not the manifest or the
        national summary)."""
        return path.name != MANIFEST_NAME and path.stem != NATIONAL_ENDPOINT

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
