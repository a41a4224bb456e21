"""Data read for a report: the dataset, its units' labels (completed by the official registry),
the files read and their SHA-256, and the periods the data covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mkbidx import methodology as _methodology
from mkbidx import periods as _periods
from mkbidx.errors import MkbidxError
from mkbidx.inputs import readers, units
from mkbidx.io import sha256_file
from mkbidx.methodology import Methodology
from mkbidx.schemas import UNIT_PERIOD_COLUMNS


@dataclass(frozen=True)
class InputFile:
    """A file the report was computed from."""

    path: str
    sha256: str
    size: int


@dataclass
class Inputs:
    """Everything read for a report: the dataset, the unit labels, the files and their hashes."""

    dataset: Any
    units: pd.DataFrame
    files: tuple[InputFile, ...]
    methodology: Methodology
    data_path: Path


def _registry() -> units.Registry | None:
    """The official registry, or None when its files cannot be read."""
    try:
        return units.default_registry()
    except MkbidxError:  # pragma: no cover - registry files missing
        return None


def unit_labels(dataset: Any, registry: Any = None) -> pd.DataFrame:
    """Units of every period of the data: the data's own labels completed by the registry.

    Returns
    -------
    DataFrame
        period, unit_code, unit_name, level, parent_code; one row per period and unit. A label
        given in the data wins; a missing one (None) is taken from the official registry.
    """
    own = dataset.units[UNIT_PERIOD_COLUMNS].drop_duplicates(["period", "unit_code"], keep="first")
    periods = sorted(set(dataset.counts["period"]) | set(dataset.published_groups["period"]))
    official = []
    if registry is not None:
        codes = set(own["unit_code"])  # the data's units and the units above them
        for period in periods:
            try:
                official.append(registry.units_frame(period, codes).assign(period=period))
            except MkbidxError:  # a period the registry cannot place (e.g. a quarter)
                continue
    if not official:
        return own.reset_index(drop=True)
    reg = pd.concat(official, ignore_index=True)[UNIT_PERIOD_COLUMNS]
    merged = own.merge(reg, on=["period", "unit_code"], how="outer", suffixes=("", "_reg"))
    for col in ("unit_name", "level", "parent_code"):
        merged[col] = merged[col].astype(object).where(merged[col].notna(), merged[f"{col}_reg"])
        merged[col] = merged[col].astype(object).where(merged[col].notna(), None)
    return merged[UNIT_PERIOD_COLUMNS].reset_index(drop=True)


def load_inputs(data_path: str | Path, *, methodology: Methodology | str | None = None) -> Inputs:
    """Read a data file or folder for a report (the one place the report reads data).

    Units known only by name are resolved with the official registry; the SHA-256 of every file
    read is kept for the manifest.
    """
    m = methodology if isinstance(methodology, Methodology) else _methodology.load(methodology)
    path = Path(data_path)
    registry = _registry()
    resolver = registry.resolve if registry is not None else None
    dataset = readers.read([path], methodology=m, resolver=resolver)
    base = path if path.is_dir() else path.parent
    files = []
    for f in dataset.files:
        f = Path(f)
        try:
            shown = f.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            shown = str(f)
        files.append(InputFile(shown, sha256_file(f), f.stat().st_size))
    return Inputs(dataset, unit_labels(dataset, registry), tuple(files), m, path)


def data_periods(inputs: Inputs) -> list[str]:
    """Every period with counts or published group scores, sorted."""
    ds = inputs.dataset
    return sorted(set(ds.counts["period"]) | set(ds.published_groups["period"]))


def scope_periods(inputs: Inputs, scope: str) -> list[str]:
    """The months in which some unit directly under ``scope`` has data (what ``--all`` makes).

    Examples
    --------
    >>> from mkbidx.paths import DEFAULT_DATA
    >>> scope_periods(load_inputs(DEFAULT_DATA), "083")[:2]
    ['2023-01', '2023-02']
    """
    labels = inputs.units
    children = labels[labels["parent_code"] == scope][["period", "unit_code"]]
    ds = inputs.dataset
    have = pd.concat(
        [ds.counts[["period", "unit_code"]], ds.published_groups[["period", "unit_code"]]]
    ).drop_duplicates()
    found = have.merge(children, on=["period", "unit_code"])["period"].unique()
    months = []
    for p in found:
        try:
            if _periods.period_kind(p) == "month":
                months.append(str(p))
        except MkbidxError:
            continue
    return sorted(months)
