"""The frames :func:`mkbidx.inputs.readers.read` returns, and what one file gives.

:class:`Dataset` is the result of reading; :class:`Part` is what one file (portal response or
table) gives before codes are reconciled across files. The column tuples fix the order of
every frame's columns.

>>> from mkbidx.inputs.frames import COUNTS_COLUMNS, empty_frame
>>> empty_frame(COUNTS_COLUMNS).dtypes["numerator"]
dtype('float64')
"""

from __future__ import annotations

from collections.abc import Sequence
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
    """

    counts: pd.DataFrame
    published_groups: pd.DataFrame
    units: pd.DataFrame
    files: tuple[Path, ...] = ()
    notes: tuple[str, ...] = ()
    periods_seen: tuple[str, ...] = ()
    """Every period met in the files, also those of files left out by ``only_period``."""


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
