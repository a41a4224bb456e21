"""Dossier tables (one row per dossier) and the 766 counts derived from them.

See :mod:`.columns` for the table's contract, :mod:`.table` for reading and validation,
:mod:`.engines` for DuckDB / Spark / pandas, :mod:`.counts` for the derivation.

>>> import tempfile, pathlib
>>> tmp = tempfile.TemporaryDirectory()
>>> folder = pathlib.Path(tmp.name)
>>> _ = (folder / "d.csv").write_text(
...     ",".join(columns.DOSSIER_COLUMNS) + "\\n"
...     "HS1,02758,1.001,online,2024-08-05 09:30:00,2024-08-10,2024-08-08 10:00:00,0,"
...     + ",".join(["1"] * len(columns.BOOL_COLUMNS)) + "\\n", encoding="utf-8")
>>> table = open_dossiers(folder / "d.csv")
>>> table.rows, table.units, len(table.metrics), str(table.latest)
(1, ['02758'], 10, '2024-08-08 10:00:00')
>>> counts = table.counts("2024-08")
>>> counts.loc[counts.metric == "ON_TIME", ["numerator", "denominator"]].values.tolist()
[[1, 1]]
>>> pooled = with_parents(counts)
>>> sorted(set(pooled.unit_code))
['02758', '083', '10']
>>> tmp.cleanup()
"""

from __future__ import annotations

import tempfile
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pandas as pd

from mkbidx import periods, schemas
from mkbidx.errors import MkbidxError
from mkbidx.inputs.dossiers import columns, engines, table
from mkbidx.inputs.dossiers.engines import ENGINES

__all__ = ["ENGINES", "DossierTable", "open_dossiers", "period_span", "with_parents"]

DOSSIER_TABLE = "dossiers"
PROCEDURE_TABLE = "procedures"


def period_span(period: str, as_of: datetime | None = None) -> tuple[datetime, datetime]:
    """``[start, end]`` of a period: 00:00:00 of its first day, 23:59:59 of its last, the end
    cut at ``as_of`` (a running period).

    >>> period_span("2024-Q3")
    (datetime.datetime(2024, 7, 1, 0, 0), datetime.datetime(2024, 9, 30, 23, 59, 59))
    >>> period_span("2024-08", as_of=datetime(2024, 8, 20, 10, 0, 0, 500))[1]
    datetime.datetime(2024, 8, 20, 10, 0)
    """
    first, last = periods.period_bounds(str(periods.parse(period)))
    start = datetime.combine(first, time(0, 0, 0))
    end = datetime.combine(last, time(23, 59, 59))
    if as_of is not None:
        cut = pd.Timestamp(as_of).to_pydatetime().replace(microsecond=0, tzinfo=None)
        end = min(end, cut)
    return start, end


class DossierTable:
    """A validated, normalised dossier table, counted on one engine.

    Attributes: ``path``, ``engine``, ``rows``, ``metrics`` (what it can produce: all of
    :data:`~.columns.DERIVED_METRICS` with a procedures table, else
    :data:`~.columns.DOSSIER_ONLY_METRICS`), ``units`` (codes with at least one dossier),
    ``latest`` (greatest ``received_at``/``finished_at``: the extraction time of a running
    month), ``earliest`` (smallest ``received_at``), ``procedures`` (the side table's path).
    """

    def __init__(
        self,
        path: Path,
        engine: str,
        backend: Any,
        loaded: table.Loaded,
        procedures: Path | None,
        registry: Any = None,
    ) -> None:
        self.path = path
        self._registry = registry
        self.engine = engine
        self.rows = loaded.rows
        self.units = list(loaded.units)
        self.latest = loaded.latest
        self.earliest = loaded.earliest
        self.procedures = procedures
        self.metrics = columns.DERIVED_METRICS if procedures else columns.DOSSIER_ONLY_METRICS
        self._duckdb = backend
        self._spark: tuple[Any, Any, Any] | None = None
        self._frames: tuple[pd.DataFrame, pd.DataFrame | None] | None = None
        self._folder: tempfile.TemporaryDirectory | None = None

    def __repr__(self) -> str:
        return (
            f"DossierTable({str(self.path)!r}, engine={self.engine!r}, rows={self.rows}, "
            f"units={len(self.units)}, metrics={len(self.metrics)})"
        )

    # ------------------------------------------------------------ tables on each engine
    def duckdb_tables(self) -> tuple[Any, Any]:
        """The normalised tables (dossiers, procedures or None) as Ibis tables on DuckDB."""
        dossiers = self._duckdb.table(DOSSIER_TABLE).select(*columns.DOSSIER_COLUMNS)
        procs = None
        if self.procedures:
            procs = self._duckdb.table(PROCEDURE_TABLE).select(*columns.PROCEDURE_COLUMNS)
        return dossiers, procs

    def spark_tables(self) -> tuple[Any, Any]:
        """The normalised tables as Ibis tables on Spark (read from the Parquet DuckDB wrote)."""
        if self._spark is None:
            self._folder = tempfile.TemporaryDirectory(prefix="mkbidx-dossiers-")
            folder = Path(self._folder.name)
            con = engines.raw_duckdb(self._duckdb).cursor()
            backend = engines.spark_backend()
            tag = f"{id(self):x}"
            out = []
            names = [(DOSSIER_TABLE, columns.DOSSIER_COLUMNS)]
            if self.procedures:
                names.append((PROCEDURE_TABLE, columns.PROCEDURE_COLUMNS))
            for name, cols in names:
                file = folder / f"{name}.parquet"
                select = ", ".join(f'"{c}"' for c in cols)
                con.execute(
                    f"COPY (SELECT {select} FROM {name} ORDER BY rowid) TO "
                    f"{table._literal(file)} (FORMAT parquet)"
                )
                out.append(engines.spark_read_parquet(backend, file, f"mkbidx_{name}_{tag}"))
            con.close()
            self._spark = (backend, out[0], out[1] if len(out) > 1 else None)
        return self._spark[1], self._spark[2]

    def frames(self) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """The normalised tables as pandas frames (dossiers, procedures or None)."""
        if self._frames is None:
            dossiers, procs = self.duckdb_tables()
            self._frames = (
                dossiers.to_pandas(),
                procs.to_pandas() if procs is not None else None,
            )
        return self._frames

    def close(self) -> None:
        """Free the temporary Parquet copy made for Spark (also done at exit)."""
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
            self._spark = None

    # ------------------------------------------------------------ counts
    def counts(self, period: str, *, as_of: datetime | None = None) -> pd.DataFrame:
        """The counts of ``period`` (month, quarter or year): columns
        :data:`mkbidx.schemas.COUNT_COLUMNS`, every unit of the table x every metric of
        :attr:`metrics` (0/0 included), sorted by unit code then metric order. ``as_of`` cuts
        the period's end (a running month)."""
        from mkbidx.inputs.dossiers import counts as derivation

        period = str(periods.parse(period))
        start, end = period_span(period, as_of)
        if self.engine == "pandas":
            from mkbidx.inputs.dossiers import reference

            frame, procs = self.frames()
            raw = reference.reference_counts(frame, start, end, procs)
        else:
            dossiers, procs = (
                self.spark_tables() if self.engine == "spark" else self.duckdb_tables()
            )
            raw = derivation.derive_counts(dossiers, start, end, procs).to_pandas()
        return self._complete(raw, period)

    def _complete(self, raw: pd.DataFrame, period: str) -> pd.DataFrame:
        grid = pd.MultiIndex.from_product(
            [self.units, list(self.metrics)], names=["unit_code", "metric"]
        ).to_frame(index=False)
        got = raw[["unit_code", "metric", "numerator", "denominator"]].copy()
        got["unit_code"] = got["unit_code"].astype(str)
        out = grid.merge(got, on=["unit_code", "metric"], how="left")
        for col in ("numerator", "denominator"):
            out[col] = out[col].fillna(0).astype("int64")
        out = out[out["unit_code"].isin(self._units_of(out, period))]
        out["group"] = out["metric"].map(columns.METRIC_GROUP)
        out["period"] = period
        order = {m: i for i, m in enumerate(columns.DERIVED_METRICS)}
        out["_o"] = out["metric"].map(order)
        out = out.sort_values(["unit_code", "_o"], kind="stable")
        return out[schemas.COUNT_COLUMNS].reset_index(drop=True)

    def _units_of(self, out: pd.DataFrame, period: str) -> set[str]:
        """The units that get rows in ``period``: every unit of the table, except a unit with
        nothing in the period that the registry says did not exist then (a commune abolished on
        1/7/2025 keeps its code in the table's older dossiers but gets no 0/0 rows after)."""
        active = out.groupby("unit_code")["denominator"].sum()
        keep = set(active[active > 0].index)
        month = periods.last_month(period)
        for code in set(out["unit_code"]) - keep:
            try:
                if self._registry is None or month is None:
                    keep.add(code)
                else:
                    self._registry.name(code, month)
                    keep.add(code)
            except MkbidxError:
                pass
        return keep

    def costly(
        self,
        period: str,
        *,
        unit_code: str | None = None,
        metric: str | None = None,
        as_of: datetime | None = None,
    ) -> pd.DataFrame:
        """The dossiers that cost points in ``period`` (:func:`.costly.costly_dossiers`), for one
        unit and/or metric if given. Runs on DuckDB for the pandas engine."""
        from mkbidx.inputs.dossiers import costly as costly_module

        period = str(periods.parse(period))
        start, end = period_span(period, as_of)
        dossiers = self.spark_tables()[0] if self.engine == "spark" else self.duckdb_tables()[0]
        if unit_code is not None:
            dossiers = dossiers.filter(dossiers.unit_code == str(unit_code))
        result = costly_module.costly_dossiers(dossiers, start, end)
        frame = result if isinstance(result, pd.DataFrame) else result.to_pandas()
        if metric is not None and "metric" in frame.columns:
            frame = frame[frame["metric"] == metric]
        return frame.reset_index(drop=True)


def open_dossiers(
    path: str | Path,
    *,
    engine: str = "duckdb",
    procedures: str | Path | None = None,
    registry: Any = None,
) -> DossierTable:
    """Read, validate and normalise a dossier table (CSV or Parquet, see :mod:`.table`).

    ``procedures``: the procedures side table (default: ``procedures.csv``/``.parquet`` beside
    the file, if any). ``registry``: the unit registry codes are checked against (default the
    official one). Validation runs on DuckDB whatever the engine. Raises
    :class:`~mkbidx.errors.MkbidxError` (one line: file, row, column, what was expected).
    """
    from mkbidx.inputs import units

    engine = engines.check_engine(engine)
    if engine == "spark":
        engines.spark_session()  # a missing pyspark or Java is said before the file is read
    path = Path(path).expanduser()
    registry = registry if registry is not None else units.default_registry()
    backend = engines.duckdb_backend()
    con = engines.raw_duckdb(backend).cursor()  # its own connection to the same database
    try:
        loaded = table.load_dossiers(con, path, name=DOSSIER_TABLE, registry=registry)
        procs = (
            Path(procedures).expanduser()
            if procedures is not None
            else table.procedures_beside(path)
        )
        if procs is not None:
            table.load_procedures(con, procs, name=PROCEDURE_TABLE, registry=registry)
    finally:
        con.close()
    return DossierTable(path, engine, backend, loaded, procs, registry)


def with_parents(counts: pd.DataFrame, registry: Any = None) -> pd.DataFrame:
    """``counts`` with pooled rows (sums) for every ancestor the registry knows of each unit, in
    the period of each row (a quarter or year: the hierarchy of its last month). A unit that is
    also an ancestor of others gets one row: its own counts plus its descendants'. Units the
    registry does not know in that period get no parent. Sorted by period, unit, metric order.
    """
    from mkbidx.inputs import units

    reg = registry if registry is not None else units.default_registry()
    pairs = counts[["period", "unit_code"]].drop_duplicates()
    links = []
    for period, code in pairs.itertuples(index=False):
        links.append((period, code, code))
        current, seen = code, {code}
        while True:
            try:
                parent = reg.parent(current, period)
            except MkbidxError:
                break
            if parent is None or parent in seen:
                break
            links.append((period, code, parent))
            seen.add(parent)
            current = parent
    mapping = pd.DataFrame(links, columns=["period", "unit_code", "pooled"])
    merged = counts.merge(mapping, on=["period", "unit_code"], how="inner")
    out = merged.groupby(["period", "pooled", "group", "metric"], as_index=False, sort=False)[
        ["numerator", "denominator"]
    ].sum()
    out = out.rename(columns={"pooled": "unit_code"})
    for col in ("numerator", "denominator"):
        out[col] = out[col].astype("int64")
    order = {m: i for i, m in enumerate(columns.DERIVED_METRICS)}
    out["_o"] = out["metric"].map(order).fillna(len(order))
    out = out.sort_values(["period", "unit_code", "_o"], kind="stable")
    return out[schemas.COUNT_COLUMNS].reset_index(drop=True)
