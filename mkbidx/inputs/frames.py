"""The frames :func:`mkbidx.inputs.readers.read` returns, and what one file gives.

:class:`Dataset` is the result of reading; :class:`Part` is what one file (portal response or
table) gives before codes are reconciled across files. The column tuples fix the order of
every frame's columns.

>>> from mkbidx.inputs.frames import COUNTS_COLUMNS, empty_frame
>>> empty_frame(COUNTS_COLUMNS).dtypes["numerator"]
dtype('float64')
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

__all__ = [
    "COUNTS_COLUMNS",
    "GROUPS_COLUMNS",
    "UNITS_COLUMNS",
    "UNKNOWN_PERIOD",
    "Dataset",
    "Part",
    "empty_frame",
]

COUNTS_COLUMNS = (
    "period",
    "unit_code",
    "group",
    "metric",
    "numerator",
    "denominator",
    "published_ratio",
    "published_score",
    "data_quality_status",
    "source_file",
)
GROUPS_COLUMNS = (
    "period",
    "unit_code",
    "group",
    "published_score",
    "published_max",
    "source_file",
    "endpoint",
)
UNITS_COLUMNS = (
    "period",
    "unit_code",
    "unit_name",
    "level",
    "parent_code",
    "portal_level",
    "department_type",
    "is_root",
    "source_file",
    "extra",
    "portal_code",
    "department_id",
)
UNKNOWN_PERIOD = "unknown"


@dataclass(frozen=True)
class Dataset:
    """Everything read from a set of input files.

    Attributes
    ----------
    counts
        period, unit_code, group, metric, numerator, denominator (float, NaN when not given),
        published_ratio (percent), published_score, data_quality_status, source_file.
    published_groups
        period, unit_code, group, published_score, published_max, source_file, endpoint
        (portal endpoint, None for tables).
    units
        period, unit_code, unit_name, level ("province", "district", "commune", "department"
        or None), parent_code (str or None), portal_level, department_type (raw portal values),
        is_root, source_file, extra (dict of the portal fields not mapped to a column),
        portal_code and department_id (the portal's departmentCode and departmentId, None for
        tables; see :mod:`mkbidx.inputs.portal_units`). One row
        per unit and file: drop duplicates on (period, unit_code) for a unit list.
    files
        Every file read, in reading order (for SHA-256 manifests).
    notes
        Human-readable remarks (Vietnamese), e.g. units that publish a score but no counts.
    file_periods, file_notes
        The periods each file of ``files`` holds and the notes it gave, in the order of
        ``files`` (see :meth:`files_of` and :meth:`notes_of`: a report lists only the files of
        its months, and their notes).
    """

    counts: pd.DataFrame
    published_groups: pd.DataFrame
    units: pd.DataFrame
    files: tuple[Path, ...] = ()
    notes: tuple[str, ...] = ()
    periods_seen: tuple[str, ...] = ()
    """Every period met in the files, also those of files left out by ``only_period``."""
    file_periods: tuple[tuple[str, ...], ...] = ()
    file_notes: tuple[tuple[str, ...], ...] = ()

    def _held(self, periods: Iterable[str]) -> list[int]:
        """Positions in ``files`` of the files that hold data of some of ``periods`` (all of
        them when the dataset does not say what each file holds)."""
        if len(self.file_periods) != len(self.files):
            return list(range(len(self.files)))
        wanted = {str(p) for p in periods}
        return [i for i, held in enumerate(self.file_periods) if wanted & set(held)]

    def files_of(self, periods: Iterable[str]) -> tuple[Path, ...]:
        """The files that hold data of some of ``periods``, in reading order.

        >>> e = empty_frame(COUNTS_COLUMNS)
        >>> ds = Dataset(e, e, e, files=(Path("a.csv"), Path("b.json")),
        ...              file_periods=(("2024-07", "2024-08"), ("2026-08",)))
        >>> [f.name for f in ds.files_of(["2024-08"])]
        ['a.csv']
        """
        return tuple(self.files[i] for i in self._held(periods))

    def notes_of(self, periods: Iterable[str]) -> tuple[str, ...]:
        """The notes of the files that hold data of some of ``periods`` (each note once, in
        reading order); every note when the dataset does not say which file gave which."""
        if len(self.file_notes) != len(self.files):
            return self.notes
        held = self._held(periods)
        return tuple(dict.fromkeys(n for i in held for n in self.file_notes[i]))


@dataclass
class Part:
    """What one file gave, before codes are reconciled across files."""

    file: Path
    counts: pd.DataFrame
    groups: pd.DataFrame
    units: pd.DataFrame  # with a private "_has_code" column
    notes: list[str] = field(default_factory=list)
    from_json: bool = False
    periods: set[str] = field(default_factory=set)
    """The periods the file holds (also rows left out by ``only_period``)."""


def empty_frame(columns: Sequence[str]) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    for c in ("numerator", "denominator", "published_ratio", "published_score", "published_max"):
        if c in frame:
            frame[c] = frame[c].astype(float)
    if "is_root" in frame:
        frame["is_root"] = frame["is_root"].astype(bool)
    return frame
