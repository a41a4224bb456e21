"""Synthetic dossier tables for the dossier benchmark (``bench_dossiers.py``).

:func:`build` writes ``N`` synthetic dossiers (the columns of
:data:`mkbidx.inputs.dossiers.columns.DOSSIER_COLUMNS`, already normalised, as ``dossiers.md``
defines them) to ``dossiers.parquet`` (zstd, row groups of 1 M rows) and their procedures side
table to ``procedures.parquet`` beside it, in a folder keyed by ``N`` and the seed under
``.bench/`` (ignored by git), and reuses that folder when it exists. Numpy draws everything in
vectorised form; the strings are built by Arrow compute kernels, so 10 M rows take about
half a minute.

The distributions, chosen to look like a country's one-door systems (not measured ones):

- units: the 3,321 communes of the national registry in force since 2025-07
  (``data/units/vn-units.csv``), with log-normal volumes (a busy urban ward receives about
  20 times a quiet mountain commune);
- procedures: 1,000 codes (``1.00xxxx``, like ``MaTTHC``) with Zipf-like popularity, 30 % with a
  fee; every unit's catalogue (the side table) lists the 250 most common ones;
- ``received_at``: 2022-01-01 to the extraction time 2026-09-15 17:00, working hours, weekdays
  (Saturdays a tenth, Sundays rare), volume growing about 15 % a year; rows in reception order,
  as a one-door export is;
- ``due_at``: 0.5 to 30 days after reception by procedure, empty for 8 %; ``finished_at``: 0.1 to
  1.6 times the allowed time (about 6 % late), empty when that is after the extraction time
  (open) and for 1 % stalled dossiers;
- ``supplement_requests`` mostly 0 (2 or more for 3 %), ``synced`` 97 %, and shares of the flags
  that improve from year to year.

Run alone to build (or find) a table: ``.venv/bin/python tests/benchmarks/dossier_data.py
--rows 1000000``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from mkbidx.inputs.dossiers import columns

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".bench"
UNITS_CSV = ROOT / "data" / "units" / "vn-units.csv"
FIRST_DAY = np.datetime64("2022-01-01", "D")
EXTRACTED_AT = np.datetime64("2026-09-15T17:00:00", "s")
PROCEDURES = 1000
CATALOGUE = 250  # the procedures each unit's catalogue lists (the most common ones)
CHUNK = 1_000_000
SCHEMA = pa.schema(
    [(c, pa.string()) for c in columns.TEXT_COLUMNS]
    + [(columns.CHANNEL_COLUMN, pa.string())]
    + [(c, pa.timestamp("us")) for c in columns.TIMESTAMP_COLUMNS]
    + [(c, pa.int64()) for c in columns.INT_COLUMNS]
    + [(c, pa.bool_()) for c in columns.BOOL_COLUMNS]
)
PROCEDURE_SCHEMA = pa.schema(
    [("unit_code", pa.string()), ("procedure_code", pa.string()), ("has_fee", pa.bool_())]
)
# allowed processing time by procedure, in days, and how often
DUE_DAYS = np.array([0.5, 1, 3, 5, 7, 10, 15, 20, 30])
DUE_WEIGHTS = np.array([10, 15, 20, 15, 10, 12, 8, 5, 5], dtype=float)


def commune_codes() -> np.ndarray:
    """The official codes of the communes in force (``valid_to`` empty): 3,321."""
    import csv

    with UNITS_CSV.open(encoding="utf-8") as f:
        codes = [
            r["code"] for r in csv.DictReader(f) if r["level"] == "commune" and not r["valid_to"]
        ]
    return np.array(sorted(codes))


def procedure_codes() -> np.ndarray:
    return np.array([f"1.{1000 + i * 7:06d}" for i in range(PROCEDURES)])


def folder(rows: int, seed: int) -> Path:
    return CACHE / f"dossiers-n{rows}-s{seed}"


def build(rows: int, seed: int = 0, cache: Path | None = None) -> Path:
    """The folder holding ``dossiers.parquet`` and ``procedures.parquet`` for ``rows`` and
    ``seed``, built when missing (the same ``rows`` and ``seed`` give the same bytes of data)."""
    out = (cache / f"dossiers-n{rows}-s{seed}") if cache else folder(rows, seed)
    done = out / "dossiers.parquet"
    if done.exists() and (out / "procedures.parquet").exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    units = commune_codes()
    procs = procedure_codes()
    unit_weights = rng.lognormal(0.0, 0.8, len(units))
    unit_weights /= unit_weights.sum()
    proc_weights = 1.0 / (np.arange(PROCEDURES) + 5.0) ** 1.1
    proc_weights /= proc_weights.sum()
    proc_fee = rng.random(PROCEDURES) < 0.3
    proc_due = rng.choice(len(DUE_DAYS), PROCEDURES, p=DUE_WEIGHTS / DUE_WEIGHTS.sum())
    proc_no_due = rng.random(PROCEDURES) < 0.08
    received = _reception_times(rng, rows)
    tmp = out / "dossiers.parquet.part"
    with pq.ParquetWriter(tmp, SCHEMA, compression="zstd") as writer:
        for lo in range(0, rows, CHUNK):
            hi = min(rows, lo + CHUNK)
            batch = _chunk(
                rng, lo, received[lo:hi], units, unit_weights, procs, proc_weights,
                proc_fee, proc_due, proc_no_due,
            )  # fmt: skip
            writer.write_table(batch, row_group_size=CHUNK)
    pq.write_table(_procedures(units, procs, proc_fee), out / "procedures.parquet")
    tmp.rename(done)
    return out


def _reception_times(rng: np.random.Generator, rows: int) -> np.ndarray:
    """``rows`` reception times in order, weekdays and working hours, growing 15 % a year."""
    last_day = EXTRACTED_AT.astype("datetime64[D]")
    days = np.arange(FIRST_DAY, last_day + 1)
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    weight = np.select([weekday == 5, weekday == 6], [0.1, 0.02], 1.0)
    years = (days - FIRST_DAY).astype(np.int64) / 365.25
    weight = weight * 1.15**years
    day = rng.choice(len(days), rows, p=weight / weight.sum())
    seconds = rng.integers(7 * 3600 + 1800, 17 * 3600, rows)  # 07:30 to 17:00
    at = days[day].astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    at = np.minimum(at, EXTRACTED_AT)
    at.sort()
    return at


def _chunk(
    rng: np.random.Generator,
    offset: int,
    received: np.ndarray,
    units: np.ndarray,
    unit_weights: np.ndarray,
    procs: np.ndarray,
    proc_weights: np.ndarray,
    proc_fee: np.ndarray,
    proc_due: np.ndarray,
    proc_no_due: np.ndarray,
) -> pa.Table:
    n = len(received)
    # flags improve over the years: progress 0 in 2022 to about 1 in late 2026
    progress = (received - np.datetime64("2022-01-01T00:00:00", "s")).astype(np.int64) / (
        4.7 * 365.25 * 86400
    )
    share = lambda base, gain: rng.random(n) < base + gain * progress  # noqa: E731
    unit = rng.choice(len(units), n, p=unit_weights)
    proc = rng.choice(PROCEDURES, n, p=proc_weights)
    channel = np.where(
        rng.random(n) < 0.25 + 0.35 * progress, 0, np.where(rng.random(n) < 0.92, 1, 2)
    )
    allowed = (DUE_DAYS[proc_due[proc]] * 86400).astype(np.int64)
    due = received + allowed.astype("timedelta64[s]")
    factor = rng.lognormal(np.log(0.55), 0.45, n).clip(0.1, 1.6)
    finished = received + (allowed * factor).astype(np.int64).astype("timedelta64[s]")
    is_open = (finished > EXTRACTED_AT) | (rng.random(n) < 0.01)
    supplements = rng.choice(4, n, p=[0.90, 0.07, 0.02, 0.01])
    result_required = rng.random(n) < 0.85
    fee = proc_fee[proc] & (rng.random(n) < 0.9)
    online = channel == 0
    flags = {
        "result_required": result_required,
        "has_e_result": np.where(result_required, share(0.45, 0.45), rng.random(n) < 0.1),
        "fee_obligation": fee,
        "paid_online": fee & np.where(online, share(0.4, 0.5), share(0.05, 0.2)),
        "has_component_file": share(0.55, 0.4),
        "reused_digitized": share(0.1, 0.4),
        "from_personal_store": share(0.02, 0.15),
        "citizen_data_used": share(0.2, 0.6),
        "complained": rng.random(n) < 0.003,
        "synced": rng.random(n) < 0.97,
    }
    ids = pc.utf8_lpad(pc.cast(pa.array(np.arange(offset, offset + n) + 1), pa.string()), 10, "0")
    data = {
        "dossier_id": pc.binary_join_element_wise("HS", ids, ""),
        "unit_code": pa.array(units).take(pa.array(unit)),
        "procedure_code": pa.array(procs).take(pa.array(proc)),
        "channel": pa.array(np.array(columns.CHANNELS)).take(pa.array(channel)),
        "received_at": pa.array(received.astype("datetime64[us]")),
        "due_at": pa.array(due.astype("datetime64[us]"), mask=proc_no_due[proc]),
        "finished_at": pa.array(finished.astype("datetime64[us]"), mask=is_open),
        "supplement_requests": pa.array(supplements.astype(np.int64)),
        **{c: pa.array(v) for c, v in flags.items()},
    }
    return pa.table([data[c] for c in columns.DOSSIER_COLUMNS], schema=SCHEMA)


def _procedures(units: np.ndarray, procs: np.ndarray, proc_fee: np.ndarray) -> pa.Table:
    """Every unit's catalogue: the :data:`CATALOGUE` most common procedures."""
    unit = np.repeat(np.arange(len(units)), CATALOGUE)
    proc = np.tile(np.arange(CATALOGUE), len(units))
    return pa.table(
        {
            "unit_code": pa.array(units).take(pa.array(unit)),
            "procedure_code": pa.array(procs).take(pa.array(proc)),
            "has_fee": pa.array(proc_fee[proc]),
        },
        schema=PROCEDURE_SCHEMA,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    start = time.perf_counter()
    out = build(args.rows, args.seed)
    size = sum(p.stat().st_size for p in out.iterdir()) / 2**20
    print(f"{out} ({size:.0f} MiB) in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
