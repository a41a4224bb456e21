"""The embedded sample data set (``data/sample/``): the calibrated story of Mường Khương.

:func:`sample_counts` builds the project's default data set (``data/sample/``): raw counts of
every metric of the methodology, per month, for the 16 communes of Mường Khương (083) and the
9 districts of Lào Cai from 2023-01 to 2025-06, then for the 4 communes that replaced them
(1 July 2025) from 2025-07 to 2026-10. It is calibrated so that August 2024 tells what the
real letter of Mường Khương (September 2024) says: the district totals 88.23 and ranks 1st of
9; 13 communes score 80 or more; Tung Chung Phố paid no fee online. ``python -m
mkbidx.run.synthetic --output data/sample`` writes it (:func:`write_sample`).

The counts come from the model of :mod:`mkbidx.run.simulation`; the targets of the story are
met by :mod:`mkbidx.run.calibration`. The output is byte-identical from run to run.

>>> COUNTS_FILE, LETTER_NAMES[NO_ONLINE_PAYMENT]
('mkbidx-sample-counts.csv', 'UBND xã Tung Chung Phố')
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mkbidx.core import scoring
from mkbidx.inputs import units
from mkbidx.io import csv_bytes, write_atomic
from mkbidx.methodology import Methodology
from mkbidx.paths import DEFAULT_DATA as DEFAULT_OUTPUT
from mkbidx.periods import month_range, shift_month
from mkbidx.present import formatting
from mkbidx.run import sample_dossiers
from mkbidx.run.calibration import CENTS, hit_cents, hit_exact, meet, movable_mask
from mkbidx.run.simulation import (
    COMMUNE_PROFILE,
    COMMUNE_STRENGTH,
    FIRST_PERIOD,
    Profiles,
    load_methodology,
    long_counts,
    make_profiles,
    simulate,
)

__all__ = [
    "COUNTS_FILE",
    "CSV_COLUMNS",
    "DOSSIERS_FILE",
    "LETTER_NAMES",
    "PAYMENT_METRICS",
    "PUBLISHED_FILE",
    "SEED",
    "Sample",
    "main",
    "published_table",
    "sample_counts",
    "sample_files",
    "write_sample",
]

COUNTS_FILE = "mkbidx-sample-counts.csv"
DOSSIERS_FILE = sample_dossiers.DOSSIERS_FILE  # in a subfolder, as Parquet: the readers skip it
PUBLISHED_FILE = "mkbidx-sample-published-2024-08.xlsx"
FILE_MODE = 0o644  # the written files are readable by everyone, whatever the umask
CSV_COLUMNS = [
    "period",
    "unit_code",
    "unit_name",
    "level",
    "parent_code",
    "group",
    "metric",
    "numerator",
    "denominator",
    "published_ratio",
]

SEED = 766
LAST_DISTRICT_PERIOD = "2025-06"  # district-level government was abolished on 1 July 2025
LAST_PERIOD = "2026-10"

# Facts of the letter (UBND huyện Mường Khương, September 2024, on the results of 8/2024).
CALIBRATION_PERIOD = "2024-08"
PROVINCE = "10"  # Lào Cai until 30/6/2025
NEW_PROVINCE = "15"  # new Lào Cai (with Yên Bái) from 1/7/2025: the merged communes' parent
LETTER_DISTRICT = "083"
LETTER_DISTRICT_TOTAL = 88.23  # "88,23/100 điểm, xếp hạng 1/9 huyện, thành phố"
LETTER_BELOW = ("02782", "02767", "02758")  # Cao Sơn, Tả Gia Khâu, Tung Chung Phố: below 80
# Their totals, kept from the first sample (quoted by the explorer's and the reports' tests).
BELOW_TOTALS = {"02782": 78.05, "02767": 79.96, "02758": 79.53}
NO_ONLINE_PAYMENT = "02758"  # Tung Chung Phố: "chỉ số thanh toán phí, lệ phí trực tuyến ... bằng 0"
# Commune names as the letter spells them (the published Excel uses them, as real tables do).
LETTER_NAMES = {
    "02794": "Tả Thành",
    "02788": "Bản Lầu",
    "02797": "Bản Sen",
    "02785": "Lũng Vai",
    "02779": "Thanh Bình",
    "02773": "Nậm Lư",
    "02755": "Tả Ngải Chồ",
    "02791": "La Pan Tân",
    "02761": "thị trấn Mường Khương",
    "02770": "Nậm Chảy",
    "02776": "Lũng Khấu Nhin",
    "02764": "Dìn Chín",
    "02752": "Pha Long",
    "02782": "UBND xã Cao Sơn",
    "02767": "UBND xã Tả Gia Khâu",
    "02758": "UBND xã Tung Chung Phố",
}
XLSX_TITLE = "Kết quả Bộ chỉ số 766 {period}"
XLSX_SHEET = "Phụ lục 02"
XLSX_ROW_NUMBER = "STT"
XLSX_UNIT_NAME = "Tên đơn vị"
XLSX_TOTAL = "Tổng điểm"
XLSX_TIMESTAMP = (2024, 9, 5, 0, 0, 0)  # "số liệu cập nhật ngày 05/9/2024"

# Story of the other months (unit, period, "ge"/"lt", total). "Tốt" is the top band (80).
CAO_SON = "02782"  # below 80 from 2024-05 to 2024-09, then recovers
CAO_SON_LOW = ("2024-05", "2024-09")
CAO_SON_GOOD = ("2024-03", "2024-04", "2024-10", "2024-11", "2024-12")
SHARP_FALL = ("02767", "2024-07", "2024-08")  # Tả Gia Khâu: a fall of more than 5 points
SHARP_FALL_POINTS = 5.5
DISTRICT_RANGE = (60.0, 88.0)  # the 8 other districts in 2024-08: varied, below 083

# Metrics the story's events move (staff shortages and outages; online payment).
SERVICE_METRICS = (
    "DOSSIER_SYNC",
    "ON_TIME",
    "ONLINE_SUBMISSION",
    "DOSSIER_RECEIVING_SATISFACTION",
    "ORIGINAL_RESULT_AVAILABLE",
    "SO_HOA_GIAY_TO_GIAI_QUYET",
    "SYNCED_WITH_DVCQG_PERSONAL_STORAGE",
)
PAYMENT_METRICS = ("ONLINE_PAYMENT_DOSSIERS", "ONLINE_PAYMENT_FORMALITIES")
# (unit, first period, last period, metrics, logit change): what happened in the story.
EVENTS: tuple[tuple[str, str, str, tuple[str, ...], float], ...] = (
    (CAO_SON, "2024-05", "2024-09", SERVICE_METRICS, -1.8),  # short of staff for five months
    ("02767", "2024-08", "2024-08", SERVICE_METRICS, -1.2),  # Tả Gia Khâu: one bad month
    ("02758", "2024-04", "2024-07", PAYMENT_METRICS, -1.5),  # Tung Chung Phố: payment dwindles
    ("02758", "2024-09", "2025-06", PAYMENT_METRICS, 0.8),  # ... and recovers after the letter
    ("02770", "2023-11", "2023-11", SERVICE_METRICS, -1.5),  # Nậm Chảy: system outage
)
# The merged communes' first months: new staff and systems (logit change on service metrics).
MERGER_TRANSITION = {"2025-07": -0.8, "2025-08": -0.4}
DISTRICT_AGENCIES_PROFILE = (600.0, 0.0, 280.0, 1.2, 8.0)
DISTRICT_AGENCIES_STRENGTH = 1.0  # departments are better staffed than communes
DISTRICT_COMMUNES = (12, 23)  # communes of another district (generated as totals): range
DISTRICT_STRENGTHS = (-1.2, 0.2)  # the other districts: strengths spread over this range
MERGED_PROCEDURE_FACTOR = 1.5  # a merged commune handles more procedure kinds (from the district)
# A commune's DOSSIER_SYNC numerator is its synced dossiers, the denominator of the other dossier
# metrics: the calibration never moves it.
COMMUNE_FIXED = ("DOSSIER_SYNC",)


# ----------------------------------------------------------------------------- the sample
@dataclass(frozen=True)
class Sample:
    """The embedded data set: what :func:`write_sample` writes, and the hidden own agencies.

    Attributes
    ----------
    counts
        The rows of :data:`COUNTS_FILE`: period, unit_code, unit_name, level, parent_code, group,
        metric, numerator, denominator (nullable integers), published_ratio.
    published
        The table of :data:`PUBLISHED_FILE`: the communes' group scores in
        :data:`CALIBRATION_PERIOD` as a district office would publish them (Vietnamese headers,
        names spelled as in the letter).
    own_agencies
        Counts of the district's own agencies (departments) of :data:`LETTER_DISTRICT`, pooled
        into its rows of ``counts`` and not written anywhere.
    dossiers
        The communes' dossiers (:data:`DOSSIERS_FILE`, columns of
        :data:`mkbidx.inputs.dossiers.columns.DOSSIER_COLUMNS`): the rules of ``dossiers.md``
        derive from them exactly the communes' dossier counts of ``counts``.
    """

    counts: pd.DataFrame
    published: pd.DataFrame
    own_agencies: pd.DataFrame
    dossiers: pd.DataFrame


def _shocks(
    codes: Sequence[str],
    periods: Sequence[str],
    events: Sequence[tuple[str, str, str, tuple[str, ...], float]],
) -> dict[str, np.ndarray]:
    """Logit changes per metric (units × months) from story events."""
    shocks: dict[str, np.ndarray] = {}
    unit_index = {c: i for i, c in enumerate(codes)}
    months = np.asarray(periods)
    for unit, first, last, metrics, change in events:
        if unit not in unit_index:
            continue
        when = (months >= first) & (months <= last)
        for metric in metrics:
            shock = shocks.setdefault(metric, np.zeros((len(codes), len(periods))))
            shock[unit_index[unit], when] += change
    return shocks


def _story_targets(communes: Sequence[str], m: Methodology) -> list[tuple[str, str, str, int]]:
    """(unit, period, "ge"/"lt", cents) that the communes' totals must satisfy."""
    good = int(round(m.bands[0].min * CENTS))  # the top band, "Tốt": 80 points
    targets = [
        (code, CALIBRATION_PERIOD, "lt" if code in LETTER_BELOW else "ge", good)
        for code in communes
    ]
    targets += [(CAO_SON, p, "lt", good) for p in month_range(*CAO_SON_LOW)]
    targets += [(CAO_SON, p, "ge", good) for p in CAO_SON_GOOD]
    unit, before, after = SHARP_FALL
    targets.append((unit, before, "ge", good + int(round(SHARP_FALL_POINTS * CENTS))))
    targets.append((unit, after, "lt", good))
    return targets


def _no_unexplained_zeros(
    counts: pd.DataFrame, period: str, m: Methodology, fixed: Sequence[str] = ()
) -> None:
    """In ``period``, give every scored metric with a denominator at least one success
    (``fixed`` metrics excepted)."""
    rows = (counts["period"] == period).to_numpy()
    movable = np.zeros(len(counts), dtype=bool)
    movable[rows] = movable_mask(counts.loc[rows], m) & ~counts.loc[rows, "metric"].isin(fixed)
    zero = movable & (counts["numerator"].to_numpy() == 0)
    counts.loc[zero, "numerator"] = 1.0


def _district_profiles(rng: np.random.Generator, n: int) -> Profiles:
    """Profiles of whole districts (own agencies + their communes) generated as totals."""
    n_communes = rng.integers(DISTRICT_COMMUNES[0], DISTRICT_COMMUNES[1] + 1, n)
    agencies, commune = DISTRICT_AGENCIES_PROFILE, COMMUNE_PROFILE
    return Profiles(
        size=agencies[0] * rng.lognormal(0.0, commune[1], n) + n_communes * commune[0],
        procedures=agencies[2] + n_communes * commune[2],
        strength=rng.permutation(np.linspace(*DISTRICT_STRENGTHS, n)),
        petitions=agencies[3] + n_communes * commune[3],
        releases=agencies[4] + n_communes * commune[4],
    )


def sample_counts(
    *, seed: int = SEED, methodology: Methodology | None = None, registry=None
) -> Sample:
    """Build the embedded data set (see the module docstring), calibrated on the letter.

    Parameters
    ----------
    seed
        Seed of the ``numpy.random.default_rng`` streams. The calibration targets hold for
        :data:`SEED`; another seed may need other story strengths (a RuntimeError says so).
    registry
        A :class:`mkbidx.inputs.units.Registry`; default the project's (``data/units/``).

    Returns
    -------
    Sample
    """
    m = load_methodology(methodology)
    if registry is None:
        registry = units.default_registry()
    old = month_range(FIRST_PERIOD, LAST_DISTRICT_PERIOD)
    new = month_range(shift_month(LAST_DISTRICT_PERIOD, 1), LAST_PERIOD)
    communes = registry.children(LETTER_DISTRICT, CALIBRATION_PERIOD)
    districts = registry.children(PROVINCE, CALIBRATION_PERIOD)
    others = [d for d in districts if d != LETTER_DISTRICT]
    merger = registry.merger_map(communes)
    merged = sorted(set(merger.values()))
    if any(registry.parent(code, new[0]) != NEW_PROVINCE for code in merged):
        raise RuntimeError(f"registry: the merged communes must be under {NEW_PROVINCE}")
    rngs = [np.random.default_rng([seed, stream]) for stream in range(4)]

    # 16 communes, 2023-01 .. 2025-06
    strength = rngs[0].normal(*COMMUNE_STRENGTH, len(communes))
    commune_profiles = make_profiles(rngs[0], len(communes), COMMUNE_PROFILE, strength)
    sim = simulate(rngs[0], commune_profiles, old, m, _shocks(communes, old, EVENTS), dossiers=True)
    commune_counts = long_counts(sim, communes, old, m)
    # the district's own agencies (pooled into its rows, never written)
    own_profiles = make_profiles(
        rngs[1], 1, DISTRICT_AGENCIES_PROFILE, [DISTRICT_AGENCIES_STRENGTH]
    )
    own = long_counts(simulate(rngs[1], own_profiles, old, m), [LETTER_DISTRICT], old, m)
    # the 8 other districts, as district totals
    sim = simulate(rngs[2], _district_profiles(rngs[2], len(others)), old, m)
    other_counts = long_counts(sim, others, old, m)
    # the 4 merged communes, 2025-07 .. 2026-10: magnitudes of their former communes
    index = {c: i for i, c in enumerate(communes)}
    formers = [[index[c] for c in communes if merger[c] == code] for code in merged]
    merged_profiles = Profiles(
        size=np.array([commune_profiles.size[f].sum() for f in formers]),
        procedures=np.full(len(merged), COMMUNE_PROFILE[2] * MERGED_PROCEDURE_FACTOR),
        strength=np.array([commune_profiles.strength[f].mean() for f in formers]),
        petitions=np.array([commune_profiles.petitions[f].sum() for f in formers]),
        releases=np.full(len(merged), COMMUNE_PROFILE[4] * MERGED_PROCEDURE_FACTOR),
    )
    transition = [
        (code, period, period, SERVICE_METRICS, change)
        for code in merged
        for period, change in MERGER_TRANSITION.items()
    ]
    sim = simulate(
        rngs[3],
        merged_profiles,
        new,
        m,
        _shocks(merged, new, transition),
        dossiers=True,
        close_last=False,
    )
    merged_counts = long_counts(sim, merged, new, m)

    # calibration on the letter (August 2024)
    _no_unexplained_zeros(commune_counts, CALIBRATION_PERIOD, m, COMMUNE_FIXED)
    for frame in (own, other_counts):
        _no_unexplained_zeros(frame, CALIBRATION_PERIOD, m)
    project = sample_dossiers.projector(commune_counts)
    no_payment = (
        (commune_counts["unit_code"] == NO_ONLINE_PAYMENT)
        & (commune_counts["period"] == CALIBRATION_PERIOD)
        & commune_counts["metric"].isin(PAYMENT_METRICS)
    )
    if not (commune_counts.loc[no_payment, "denominator"] > 0).all():
        raise RuntimeError("calibration: Tung Chung Phố needs dossiers with a fee in 2024-08")
    commune_counts.loc[no_payment, "numerator"] = 0.0
    for unit, period, op, cents in _story_targets(communes, m):
        pinned = COMMUNE_FIXED + (
            PAYMENT_METRICS if (unit, period) == (NO_ONLINE_PAYMENT, CALIBRATION_PERIOD) else ()
        )
        meet(commune_counts, unit, period, op, cents, m, pinned, project)
    for unit, total in BELOW_TOTALS.items():
        pinned = COMMUNE_FIXED + (PAYMENT_METRICS if unit == NO_ONLINE_PAYMENT else ())
        hit_cents(
            commune_counts,
            unit,
            CALIBRATION_PERIOD,
            int(round(total * CENTS)),
            m,
            pinned,
            project,
        )
    in_period = own["period"] == CALIBRATION_PERIOD
    parent_of = dict.fromkeys(communes, LETTER_DISTRICT)
    own.loc[in_period, "numerator"] = hit_exact(
        own[in_period],
        commune_counts[commune_counts["period"] == CALIBRATION_PERIOD],
        parent_of,
        int(round(LETTER_DISTRICT_TOTAL * CENTS)),
        m,
    )
    low, high = (int(round(v * CENTS)) for v in DISTRICT_RANGE)
    for unit in others:
        meet(other_counts, unit, CALIBRATION_PERIOD, "lt", high, m)
        meet(other_counts, unit, CALIBRATION_PERIOD, "ge", low, m)

    district = scoring.pool_counts(pd.concat([own, commune_counts], ignore_index=True), parent_of)
    counts = pd.concat([commune_counts, district, other_counts, merged_counts], ignore_index=True)
    counts = _labelled(counts, registry, m)
    dossiers = sample_dossiers.synthesize(
        pd.concat([commune_counts, merged_counts], ignore_index=True), seed=seed
    )
    return Sample(
        counts=counts, published=published_table(counts, m), own_agencies=own, dossiers=dossiers
    )


def _labelled(counts: pd.DataFrame, registry, m: Methodology) -> pd.DataFrame:
    """Counts with unit labels of their period, in file order, integer columns nullable."""
    codes = set(counts["unit_code"])
    labels = pd.concat(
        [
            registry.units_frame(p, codes).assign(period=p)
            for p in sorted(counts["period"].unique())
        ],
        ignore_index=True,
    )
    out = counts.drop(columns=["published_score"], errors="ignore").merge(
        labels, on=["period", "unit_code"], how="left", validate="many_to_one"
    )
    if out["unit_name"].isna().any():
        raise RuntimeError("a generated unit is missing from the registry")
    order = {code: i for i, code in enumerate(m.metrics_frame()["metric"])}
    out = out.assign(_metric=out["metric"].map(order)).sort_values(
        ["period", "unit_code", "_metric"], kind="stable"
    )
    for column in ("numerator", "denominator", "published_ratio"):
        values = out[column].to_numpy(dtype="float64")
        if np.any(np.isfinite(values) & (values != np.round(values))):
            raise RuntimeError(f"non-integer {column} in the sample")
        out[column] = pd.array(np.round(values), dtype="Int64")
    return out[CSV_COLUMNS].reset_index(drop=True)


def published_table(
    counts: pd.DataFrame,
    methodology: Methodology | None = None,
    *,
    period: str = CALIBRATION_PERIOD,
    parent: str = LETTER_DISTRICT,
) -> pd.DataFrame:
    """Group scores of ``parent``'s communes in ``period``, as a district publishes them.

    Columns: STT, Tên đơn vị (spelled as in the letter), one column per group (its Vietnamese
    name), Tổng điểm; sorted by total, highest first. The scores are computed from ``counts``.
    """
    m = load_methodology(methodology)
    rows = counts[(counts["period"] == period) & (counts["parent_code"] == parent)]
    rows = rows.assign(
        numerator=rows["numerator"].astype("float64"),
        denominator=rows["denominator"].astype("float64"),
        published_ratio=rows["published_ratio"].astype("float64"),
    )
    scores = scoring.score(rows, methodology=m)
    wide = scores.groups.pivot(index="unit_code", columns="group", values="score")
    wide = wide[m.group_keys].rename(columns={g.key: g.name for g in m.groups})
    wide[XLSX_TOTAL] = scores.totals.set_index("unit_code")["total"]
    wide = wide.reset_index().sort_values([XLSX_TOTAL, "unit_code"], ascending=[False, True])
    wide.insert(0, XLSX_UNIT_NAME, wide["unit_code"].map(LETTER_NAMES))
    wide.insert(0, XLSX_ROW_NUMBER, np.arange(1, len(wide) + 1))
    return wide.drop(columns="unit_code").reset_index(drop=True)


# ----------------------------------------------------------------------------- writing
def _xlsx_bytes(table: pd.DataFrame, title: str) -> bytes:
    """The published table as .xlsx, with fixed timestamps so that the bytes are reproducible."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        table.to_excel(writer, sheet_name=XLSX_SHEET, index=False, startrow=1)
        sheet = writer.sheets[XLSX_SHEET]
        sheet.cell(row=1, column=1, value=title)
        for column_cells in sheet.iter_cols(min_row=2, min_col=3):
            for cell in column_cells[1:]:
                cell.number_format = "0.00"
        sheet.column_dimensions["B"].width = 26
        for letter in "CDEFGHI":
            sheet.column_dimensions[letter].width = 14
        writer.book.properties.creator = "mkbidx"
    return _fixed_zip(buffer.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite a zip (xlsx) with fixed entry dates and fixed document timestamps."""
    stamp = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format(*XLSX_TIMESTAMP)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                    lambda match: match.group(1) + stamp.encode() + match.group(3),
                    content,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=XLSX_TIMESTAMP)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, content)
    return out.getvalue()


def _write_bytes(path: Path, data: bytes) -> None:
    """Write through a hidden temporary file moved into place at the end
    (:func:`mkbidx.io.write_atomic`), then make it readable by everyone (:data:`FILE_MODE`)."""
    write_atomic(path, lambda tmp: tmp.write_bytes(data))
    os.chmod(path, FILE_MODE)


def sample_files(sample: Sample) -> dict[str, bytes]:
    """File name → bytes of the sample's files."""
    title = XLSX_TITLE.format(period=formatting.period_label(CALIBRATION_PERIOD))
    return {
        COUNTS_FILE: csv_bytes(sample.counts),
        PUBLISHED_FILE: _xlsx_bytes(sample.published, title),
        DOSSIERS_FILE: sample_dossiers.parquet_bytes(sample.dossiers),
    }


def write_sample(output: str | Path = DEFAULT_OUTPUT, *, seed: int = SEED) -> list[Path]:
    """Generate the sample and write its files into ``output`` (other files there are kept)."""
    output = Path(output)
    written = []
    for name, data in sample_files(sample_counts(seed=seed)).items():
        _write_bytes(output / name, data)
        written.append(output / name)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mkbidx.run.synthetic --output data/sample``."""
    parser = argparse.ArgumentParser(
        prog="python -m mkbidx.run.synthetic",
        description="Tạo lại bộ dữ liệu mẫu tổng hợp (synthetic sample data set) của mkbidx.",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"thư mục ghi tệp (mặc định {DEFAULT_OUTPUT})",
    )
    parser.add_argument("--seed", type=int, default=SEED, help=f"hạt giống ngẫu nhiên ({SEED})")
    args = parser.parse_args(argv)
    for path in write_sample(args.output, seed=args.seed):
        print(f"Đã ghi {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
