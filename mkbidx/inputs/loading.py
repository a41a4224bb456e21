"""Data read for a report: the dataset, its units' labels (completed by the official registry),
the files read and their SHA-256, and the periods the data covers.
"""

from __future__ import annotations

from collections.abc import Iterable
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

    def sources(self, periods: Iterable[str]) -> tuple[tuple[InputFile, ...], tuple[str, ...]]:
        """The files that hold data of some of ``periods`` (a report's months) and the readers'
        notes on them: a report lists only the files it used (see
        :meth:`mkbidx.inputs.frames.Dataset.files_of`)."""
        ds = self.dataset
        periods = list(periods)
        files_of = getattr(ds, "files_of", None)
        if files_of is None or len(self.files) != len(ds.files):
            return self.files, tuple(getattr(ds, "notes", ()) or ())
        used = {Path(f) for f in files_of(periods)}
        files = tuple(i for f, i in zip(ds.files, self.files, strict=True) if Path(f) in used)
        return files, ds.notes_of(periods)


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
        given in the data wins; a missing one (None) is taken from the official registry, and
        so is the name of a unit a table identified by name only (its official name, not the
        file's "UBND xã ...", which stays in the readers' notes).
    """
    own = dataset.units.drop_duplicates(["period", "unit_code"], keep="first")
    # a unit a table named without its code: the registry's name, the file's only if unknown
    extra = own["extra"] if "extra" in own else pd.Series(None, index=own.index, dtype=object)
    by_name = extra.map(lambda e: isinstance(e, dict) and readers.NAME_IN_FILE in e).astype(bool)
    file_names = own.loc[by_name, ["period", "unit_code", "unit_name"]]
    own = own[UNIT_PERIOD_COLUMNS].assign(
        unit_name=own["unit_name"].astype(object).where(~by_name, None)
    )
    periods = sorted(set(dataset.counts["period"]) | set(dataset.published_groups["period"]))
    official = []
    if registry is not None:
        codes = set(own["unit_code"])  # the data's units and the units above them
        for period in periods:
            try:
                official.append(registry.units_frame(period, codes).assign(period=period))
            except MkbidxError:  # a period the registry cannot place (e.g. a quarter)
                continue
    if official:
        reg = pd.concat(official, ignore_index=True)[UNIT_PERIOD_COLUMNS]
        own = own.merge(reg, on=["period", "unit_code"], how="outer", suffixes=("", "_reg"))
        for col in ("unit_name", "level", "parent_code"):
            own[col] = own[col].astype(object).where(own[col].notna(), own[f"{col}_reg"])
            own[col] = own[col].astype(object).where(own[col].notna(), None)
    if len(file_names):
        fallback = {(p, c): n for p, c, n in file_names.itertuples(index=False)}
        named = own["unit_name"].isna()
        own.loc[named, "unit_name"] = [
            fallback.get((p, c)) for p, c in own.loc[named, ["period", "unit_code"]].to_numpy()
        ]
        own["unit_name"] = own["unit_name"].astype(object).where(own["unit_name"].notna(), None)
    return own[UNIT_PERIOD_COLUMNS].reset_index(drop=True)


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
