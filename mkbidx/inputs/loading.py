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
from mkbidx.schemas import COUNT_COLUMNS, UNIT_PERIOD_COLUMNS


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
    dossier_table: Any = None
    """The dossier table given with ``dossiers=`` (see :func:`load_inputs`), or None."""
    dossier_source: DossierSource | None = None
    """What the dossier table replaced, or None."""

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
    periods = _periods_of(dataset)
    rows: list[tuple] = []
    placed = False  # some period placed: its rows (maybe none) are merged
    if registry is not None:
        codes = set(own["unit_code"].unique())  # the data's units and the units above them
        for period in periods:
            try:
                found = registry.units_rows(period, codes)
            except MkbidxError:  # a period the registry cannot place (e.g. "unknown")
                continue
            placed = True
            rows.extend((period, *row) for row in found)
    if placed:
        # one frame for every period, typed as the registry's frames (object labels) with
        # the period as text
        reg = pd.DataFrame(rows, columns=UNIT_PERIOD_COLUMNS, dtype=object)
        reg["period"] = reg["period"].astype("str")
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


def load_inputs(
    data_path: str | Path,
    *,
    methodology: Methodology | str | None = None,
    dossiers: str | Path | None = None,
    procedures: str | Path | None = None,
    engine: str = "duckdb",
    periods: Iterable[str] | None = None,
    provisional: bool = False,
) -> Inputs:
    """Read a data file or folder for a report (the one place the report reads data).

    Units known only by name are resolved with the official registry; the SHA-256 of every file
    read is kept for the manifest. With ``dossiers`` (a dossier table, ``../shared/dossiers.md``)
    the counts it derives replace the portal's for its units in ``periods`` (default: every
    period of the data; see :func:`with_dossiers`).
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
    labels = unit_labels(dataset, registry)
    if dossiers is None:
        return Inputs(dataset, labels, tuple(files), m, path)
    table = open_dossier_table(dossiers, procedures=procedures, engine=engine)
    dataset, source = with_dossiers(
        dataset, labels, table, periods=periods, provisional=provisional
    )
    return Inputs(dataset, labels, tuple(files), m, path, table, source)


def data_periods(inputs: Inputs) -> list[str]:
    """Every period with counts or published group scores, sorted."""
    return _periods_of(inputs.dataset)


def _periods_of(dataset: Any) -> list[str]:
    """Every period of ``dataset``'s counts and published groups, sorted (each column's distinct
    values first: iterating 20,000 text cells one by one takes 5 ms)."""
    counts, groups = dataset.counts["period"], dataset.published_groups["period"]
    return sorted(set(counts.unique()) | set(groups.unique()))


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


# =============================================================================== dossiers
@dataclass(frozen=True)
class DossierSource:
    """What a dossier table gave a command: the counts that replaced the portal's.

    Attributes
    ----------
    file
        The dossier file (path as given, SHA-256, size), for the manifest.
    metrics
        The metric codes replaced, in the methodology's order of ``dossiers.md``.
    units
        The units whose counts were replaced (units with dossiers).
    periods
        The periods replaced (those in which the table has dossiers received).
    provisional
        The running periods counted as of the table's latest time.
    latest
        That time (``dt.latest``) or None.
    """

    file: InputFile
    metrics: tuple[str, ...]
    units: tuple[str, ...]
    periods: tuple[str, ...]
    provisional: tuple[str, ...] = ()
    latest: Any = None

    def summary_line(self, portal: str | Path) -> str:
        """``Từ hồ sơ: 10 chỉ số × 16 đơn vị, 2024-08 (x.parquet); còn lại từ dữ liệu Cổng: …``"""
        periods = _periods_text(self.periods)
        return (
            f"Từ hồ sơ: {len(self.metrics)} chỉ số × {len(self.units)} đơn vị, {periods} "
            f"({self.file.path}); còn lại từ dữ liệu Cổng: {portal}"
        )

    def provisional_notes(self) -> tuple[str, ...]:
        """The readers' provisional mark (:data:`mkbidx.inputs.snapshot.PROVISIONAL_PREFIX`) of
        each running period counted as of the table's latest time."""
        from mkbidx.inputs.snapshot import PROVISIONAL_PREFIX

        when = self.latest.strftime("%d/%m/%Y %H:%M") if self.latest is not None else "?"
        return tuple(
            PROVISIONAL_PREFIX.format(period=p)
            + f"chưa kết thúc; số liệu từ hồ sơ trích xuất đến {when}; điểm có thể còn thay đổi"
            for p in self.provisional
        )


def _periods_text(periods: Iterable[str]) -> str:
    periods = sorted(periods)
    if not periods:
        return "không kỳ nào"
    if len(periods) <= 3:
        return ", ".join(periods)
    return f"{periods[0]}…{periods[-1]} ({len(periods)} kỳ)"


def open_dossier_table(
    path: str | Path, *, procedures: str | Path | None = None, engine: str = "duckdb"
) -> Any:
    """Open and validate a dossier table (:func:`mkbidx.inputs.dossiers.open_dossiers`)."""
    from mkbidx.inputs.dossiers import open_dossiers

    return open_dossiers(path, engine=engine, procedures=procedures)


def dossier_counts(
    table: Any, periods: Iterable[str], *, provisional: bool = False, today: Any = None
) -> tuple[pd.DataFrame, tuple[str, ...], tuple[str, ...]]:
    """The counts a dossier table gives for ``periods``, for its units with dossiers.

    A period is covered when the table has dossiers received in it. A period not yet ended
    ``today`` (Vietnam time, the rule of ``mkbidx fetch``) is counted as of the table's latest
    time (``table.latest``) with ``provisional`` and refused without it; an ended period is
    counted to its last second, however early the table's last dossier came.

    Returns
    -------
    (counts, covered periods, provisional periods)
    """
    from mkbidx.inputs.dossiers import period_span
    from mkbidx.inputs.fetch import today_vn

    today = pd.Timestamp(today or today_vn())
    frames, covered, running = [], [], []
    latest = getattr(table, "latest", None)
    for period in sorted(set(periods)):
        try:
            start, end = map(pd.Timestamp, period_span(period))
        except MkbidxError:
            continue
        as_of = None
        if end.normalize() >= today.normalize():
            if start > today or latest is None or pd.Timestamp(latest) < start:
                continue
            if not provisional:
                raise MkbidxError(
                    f"kỳ {period} chưa kết thúc (running period): số liệu hồ sơ còn thay đổi "
                    f"(bảng trích xuất đến {pd.Timestamp(latest):%d/%m/%Y %H:%M})",
                    file=getattr(table, "path", None),
                    column="--period",
                    expected="một kỳ đã kết thúc, hoặc --provisional để tính tạm",
                )
            as_of = min(pd.Timestamp(latest), end).to_pydatetime()
        counts = table.counts(period, as_of=as_of)
        received = counts.loc[counts["metric"] == "DOSSIER_SYNC", "denominator"]
        if not len(counts) or not received.fillna(0).gt(0).any():
            continue
        frames.append(counts)
        covered.append(period)
        if as_of is not None:
            running.append(period)
    if not frames:
        return pd.DataFrame(columns=COUNT_COLUMNS), (), ()
    return pd.concat(frames, ignore_index=True), tuple(covered), tuple(running)


def replace_counts(
    counts: pd.DataFrame, derived: pd.DataFrame, units: pd.DataFrame, *, source: str = ""
) -> pd.DataFrame:
    """Portal counts with the dossier-derived ones in their place.

    Every (period, unit, metric) row of ``derived`` replaces the portal's row (or is added).
    A parent that has a row of its own in ``counts`` (a district's published counts include its
    communes' dossiers) gets the difference its descendants' replaced rows make, so that it
    stays the sum of its own agencies and its units; a parent without a row of its own is pooled
    from its units afterwards, as always (:func:`mkbidx.core.ranking.fill_parents`).

    Parameters
    ----------
    counts
        The portal's counts (readers' columns).
    derived
        period, unit_code, group, metric, numerator, denominator.
    units
        period, unit_code, parent_code: the hierarchy (official labels).
    source
        What ``source_file`` says of the replaced rows (the dossier file).

    Examples
    --------
    >>> c = pd.DataFrame({"period": "2024-08", "unit_code": ["a", "b", "p"],
    ...     "group": "tien_do", "metric": "ON_TIME", "numerator": [8.0, 9.0, 20.0],
    ...     "denominator": [10.0, 10.0, 25.0]})
    >>> d = pd.DataFrame({"period": ["2024-08"], "unit_code": ["a"], "group": ["tien_do"],
    ...     "metric": ["ON_TIME"], "numerator": [5], "denominator": [6]})
    >>> u = pd.DataFrame({"period": "2024-08", "unit_code": ["a", "b", "p"],
    ...     "parent_code": ["p", "p", None]})
    >>> out = replace_counts(c, d, u).sort_values("unit_code")
    >>> out[["unit_code", "numerator", "denominator"]].values.tolist()
    [['a', 5.0, 6.0], ['b', 9.0, 10.0], ['p', 17.0, 21.0]]
    """
    keys = ["period", "unit_code", "metric"]
    if derived.empty:
        return counts
    derived = derived[[*keys, "group", "numerator", "denominator"]].copy()
    derived[["numerator", "denominator"]] = derived[["numerator", "denominator"]].astype("float64")
    old = counts.merge(derived[keys], on=keys, how="inner")
    # the change each replaced row makes, carried up to every ancestor with a row of its own
    change = old[keys].merge(derived, on=keys, how="inner")
    change = change.merge(old[[*keys, "numerator", "denominator"]], on=keys, suffixes=("", "_old"))
    change["d_num"] = change["numerator"] - change["numerator_old"].fillna(0)
    change["d_den"] = change["denominator"] - change["denominator_old"].fillna(0)
    links = units.dropna(subset=["parent_code"])[["period", "unit_code", "parent_code"]]
    links = links.drop_duplicates(["period", "unit_code"])
    replaced = pd.MultiIndex.from_frame(derived[keys])
    kept = counts[~pd.MultiIndex.from_frame(counts[keys]).isin(replaced)].copy()
    step = change[["period", "unit_code", "metric", "d_num", "d_den"]]
    for _ in range(4):  # commune → district → province → country at most
        step = step.merge(links, on=["period", "unit_code"], how="inner")
        if step.empty:
            break
        step = (
            step.groupby(["period", "parent_code", "metric"], sort=False)[["d_num", "d_den"]]
            .sum()
            .reset_index()
            .rename(columns={"parent_code": "unit_code"})
        )
        own = kept.reset_index().merge(step, on=keys, how="inner")
        if len(own):
            idx = own["index"].to_numpy()
            num = kept.loc[idx, "numerator"].to_numpy(dtype="float64") + own["d_num"].to_numpy()
            den = kept.loc[idx, "denominator"].to_numpy(dtype="float64") + own["d_den"].to_numpy()
            kept.loc[idx, "numerator"] = num.clip(min=0)
            kept.loc[idx, "denominator"] = den.clip(min=0)
            for col in ("published_score", "published_ratio"):
                if col in kept:
                    kept.loc[idx, col] = float("nan")
    added = derived.assign(source_file=source)
    for col in counts.columns:
        if col not in added:
            added[col] = None if counts[col].dtype == object else float("nan")
    out = pd.concat([kept, added[list(counts.columns)]], ignore_index=True)
    return out.reset_index(drop=True)


def with_dossiers(
    dataset: Any,
    labels: pd.DataFrame,
    table: Any,
    *,
    periods: Iterable[str] | None = None,
    provisional: bool = False,
    today: Any = None,
) -> tuple[Any, DossierSource]:
    """``dataset`` with the counts ``table`` derives for ``periods`` (default: every period of
    the data) in place of the portal's, and what was replaced (:class:`DossierSource`).

    Running periods counted with ``provisional`` get the readers' provisional note, so reports
    mark them "tạm tính" as they mark a provisional fetch. ``today``: the date that decides
    which periods are still running (default: today in Vietnam).
    """
    from dataclasses import replace

    if periods is None:
        periods = set(dataset.counts["period"]) | set(dataset.published_groups["period"])
    derived, covered, running = dossier_counts(table, periods, provisional=provisional, today=today)
    path = Path(table.path)
    source = InputFile(str(table.path), sha256_file(path), path.stat().st_size)
    counts = replace_counts(dataset.counts, derived, labels, source=str(table.path))
    info = DossierSource(
        file=source,
        metrics=tuple(m for m in table.metrics if m in set(derived["metric"])),
        units=tuple(sorted(set(derived["unit_code"]))),
        periods=covered,
        provisional=running,
        latest=getattr(table, "latest", None),
    )
    notes = tuple(dataset.notes) + info.provisional_notes()
    return replace(dataset, counts=counts, notes=notes), info
