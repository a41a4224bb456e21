"""Benchmark of the dossier -> 766 counts derivation: DuckDB, the pandas reference, Spark.

Run: ``.venv/bin/python tests/benchmarks/bench_dossiers.py [--rows 10000000] [--runs 3]``
(``make bench`` runs it with the defaults).

1. Build (or find in ``.bench/``) ``--rows`` synthetic dossiers and their procedures side table
   (:mod:`dossier_data`: 3,321 communes, 1,000 procedures, 2022-01 to 2026-09).
2. For each case, in a child process of its own (so that its peak memory is its own), derive a
   month's (``--month``, default 2026-08) and a year's (``--year``, default 2025) counts with the
   procedures side table, ``--runs`` times each (``--pandas-runs`` for the pandas cases), and
   report the median wall time:

   - ``duckdb``: :func:`~mkbidx.inputs.dossiers.counts.derive_counts` on an Ibis DuckDB
     connection reading the Parquet file in place (opening = ``read_parquet``, lazy);
   - ``pandas``: the reference (:func:`~mkbidx.inputs.dossiers.reference.reference_counts`)
     on the Parquet file read into pandas (the read is timed apart);
   - ``spark``: ``derive_counts`` through Ibis's PySpark backend on Spark in local mode
     (``local[2]``); the JVM's start is timed apart from the queries;
   - ``*-facade``: the same engines through ``open_dossiers(path, engine=...)`` (reading,
     validating and normalising the user's file, as the command line does) and
     ``.counts(period)``, when the facade exists.

   Peak memory: the peak of the summed resident memory of the child's whole process tree
   (Spark's JVM included), polled every 20 ms from ``/proc``, and the child's ``ru_maxrss``
   (its largest single process).
3. Check that every case returned the same counts (an ``AssertionError`` otherwise) and print
   a Markdown table for the README, with rows per second (rows of the table scanned per second
   of the count query, median), the CPU seconds of the query over the process tree (user +
   system, from ``/proc``: less sensitive than wall time to a busy machine) and rows per CPU
   second (per core), and the load average of the machine.

Numbers go into the README; nothing here is a test (no assertion on a clock).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import dossier_data  # noqa: E402

CASES = ("duckdb", "duckdb-facade", "pandas", "pandas-facade", "spark", "spark-facade")
PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


def bounds(period: str) -> tuple[datetime, datetime]:
    from mkbidx import periods

    first, last = periods.period_bounds(period)
    start = datetime(first.year, first.month, first.day)
    return start, datetime(last.year, last.month, last.day) + timedelta(days=1, seconds=-1)


# --------------------------------------------------------------------------------------------
# child side: one case, timings as JSON on stdout, counts written to Parquet


def _timed(fn, runs: int) -> tuple[list[float], list[float], object]:
    """Wall times and CPU times (of the whole process tree: DuckDB's threads, the JVM) of
    ``runs`` calls, and the last result."""
    times, cpu, out = [], [], None
    for _ in range(runs):
        cpu0, start = _tree_cpu(os.getpid()), time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
        cpu.append(_tree_cpu(os.getpid()) - cpu0)
    return times, cpu, out


def spark_session(cores: int = 2):
    """A local Spark session: the project's (``engines.py``) when it exists, else a plain one."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    try:
        from mkbidx.inputs.dossiers import engines

        return engines.spark_session()
    except (ImportError, AttributeError):
        from pyspark.sql import SparkSession

        return (
            SparkSession.builder.master(f"local[{cores}]")
            .appName("mkbidx-bench")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", str(cores * 2))
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.driver.memory", "2g")
            .getOrCreate()
        )


def worker(case: str, data: Path, periods_: dict[str, str], runs: int, out: Path) -> dict:
    import warnings

    warnings.filterwarnings("ignore")
    timing: dict[str, object] = {}
    start = time.perf_counter()
    import ibis  # noqa: F401

    from mkbidx.inputs.dossiers import counts

    timing["import"] = time.perf_counter() - start
    dossiers, procedures = data / "dossiers.parquet", data / "procedures.parquet"
    engine = case.split("-")[0]
    results = {}
    if case.endswith("-facade"):
        from mkbidx.inputs.dossiers import open_dossiers

        if engine == "spark":
            start = time.perf_counter()
            spark_session()
            timing["jvm"] = time.perf_counter() - start
        start = time.perf_counter()
        table = open_dossiers(dossiers, engine=engine, procedures=procedures)
        timing["open"] = time.perf_counter() - start
        for key, period in periods_.items():
            timing[key], timing[f"{key}_cpu"], results[key] = _timed(
                lambda p=period: table.counts(p), runs
            )
    elif engine == "pandas":
        import pandas as pd

        from mkbidx.inputs.dossiers import reference

        start = time.perf_counter()
        frame = pd.read_parquet(dossiers)
        procs = pd.read_parquet(procedures)
        timing["open"] = time.perf_counter() - start
        for key, period in periods_.items():
            lo, hi = bounds(period)
            timing[key], timing[f"{key}_cpu"], results[key] = _timed(
                lambda lo=lo, hi=hi: reference.reference_counts(frame, lo, hi, procs), runs
            )
    else:
        import ibis

        if engine == "spark":
            start = time.perf_counter()
            session = spark_session()
            timing["jvm"] = time.perf_counter() - start
            con = ibis.pyspark.connect(session)
        else:
            con = ibis.duckdb.connect()
        start = time.perf_counter()
        table, procs = con.read_parquet(dossiers), con.read_parquet(procedures)
        timing["open"] = time.perf_counter() - start
        for key, period in periods_.items():
            lo, hi = bounds(period)
            expr = counts.derive_counts(table, lo, hi, procs)
            timing[key], timing[f"{key}_cpu"], results[key] = _timed(
                lambda e=expr: con.execute(e), runs
            )
    for key, frame in results.items():
        frame = getattr(frame, "frame", frame)  # a facade result may wrap its frame
        frame.reset_index(drop=True).to_parquet(out / f"{case}-{key}.parquet")
    return timing


# --------------------------------------------------------------------------------------------
# parent side: children, memory of their process trees, comparison, table


def _tree(root: int) -> set[int]:
    """``root`` and all its descendants (from ``/proc``)."""
    parent: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    stat = f.read()
            except OSError:
                continue
            parent[int(entry)] = int(stat[stat.rindex(b")") + 2 :].split()[1])
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        kids = [c for c, p in parent.items() if p == pid]
        tree.update(kids)
        frontier.extend(kids)
    return tree


def _rss(pids: set[int]) -> int:
    """Summed resident bytes of ``pids``."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm", "rb") as f:
                total += int(f.read().split()[1]) * PAGE
        except OSError:
            continue
    return total


def _tree_cpu(root: int) -> float:
    """CPU seconds (user + system) used so far by ``root`` and its living descendants."""
    total = 0.0
    for pid in _tree(root):
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2 :].split()
        total += (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
    return total


def run_case(case: str, args: argparse.Namespace, data: Path, out: Path) -> dict:
    cmd = [sys.executable, __file__, "--worker", case, "--data", str(data), "--out", str(out)]
    runs = args.pandas_runs if case.startswith("pandas") else args.runs
    cmd += ["--runs", str(runs), "--month", args.month, "--year", args.year]
    env = dict(os.environ, SPARK_LOCAL_IP="127.0.0.1", PYTHONWARNINGS="ignore")
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    peak, tick, tree = 0, 0, {child.pid}
    while child.poll() is None:
        if tick % 10 == 0:  # the process tree every 0.2 s, its memory every 20 ms
            tree = _tree(child.pid)
        peak = max(peak, _rss(tree))
        tick += 1
        time.sleep(0.02)
    wall = time.perf_counter() - start
    stdout, stderr = child.communicate()
    if child.returncode != 0:
        tail = stderr.decode(errors="replace").strip().splitlines()[-5:]
        return {"case": case, "error": " | ".join(tail)}
    timing = json.loads(stdout.decode().strip().splitlines()[-1])
    return {"case": case, "wall": wall, "peak": peak, **timing}


def _maxrss_note() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20  # KiB -> GiB


def compare(cases: list[str], out: Path, keys: list[str]) -> list[str]:
    """Every case's counts equal the first's (row for row, after sorting); lines to print."""
    import pandas as pd

    lines = []
    for key in keys:
        frames = {}
        for case in cases:
            path = out / f"{case}-{key}.parquet"
            if path.exists():
                frame = pd.read_parquet(path)
                frame = frame[["unit_code", "metric", "numerator", "denominator"]]
                frame = frame.astype({"numerator": "int64", "denominator": "int64"})
                frames[case] = frame.sort_values(["unit_code", "metric"]).reset_index(drop=True)
        first = next(iter(frames))
        for case, frame in frames.items():
            try:
                pd.testing.assert_frame_equal(frame, frames[first], check_dtype=False)
            except AssertionError as e:
                raise AssertionError(f"{key}: {case} differs from {first}: {e}") from None
        base = frames[first]
        lines.append(
            f"{key}: {len(frames)} cases agree ({', '.join(frames)}): {len(base)} rows, "
            f"{base.unit_code.nunique()} units, {int(base.denominator.sum())} in denominators"
        )
    return lines


def fmt_s(values) -> str:
    if values is None:
        return "–"
    if isinstance(values, list):
        med = statistics.median(values)
        return f"{med:.2f} s" if len(values) == 1 else f"{med:.2f} s (first {values[0]:.2f})"
    return f"{values:.2f} s"


def _rate(per_second: float) -> str:
    return f"{per_second / 1e6:.1f} M" if per_second >= 1e6 else f"{per_second / 1e3:.0f} k"


def table(results: list[dict], rows: int) -> str:
    """The README's table: median wall times (first run in brackets when it differs), the
    year query's CPU time over the process tree and its rows per CPU second (per core)."""
    head = (
        "| engine | start (JVM) | open / read | month | year | year, CPU | rows/s (year) "
        "| rows/s/core (year) | peak memory |\n|---|---|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['case']} | failed: {r['error'][:120]} | | | | | | | |")
            continue
        year, cpu = statistics.median(r["year"]), statistics.median(r["year_cpu"])
        lines.append(
            f"| {r['case']} | {fmt_s(r.get('jvm'))} | {fmt_s(r['open'])} | {fmt_s(r['month'])} "
            f"| {fmt_s(r['year'])} | {cpu:.2f} s | {_rate(rows / year)} | {_rate(rows / cpu)} "
            f"| {r['peak'] / 2**30:.2f} GiB |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument(
        "--pandas-runs", type=int, default=1, help="runs of the pandas cases (about 1 min each)"
    )
    ap.add_argument("--month", default="2026-08")
    ap.add_argument("--year", default="2025")
    ap.add_argument("--cases", default=",".join(CASES), help="comma-separated, of " + str(CASES))
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    keys = {"month": args.month, "year": args.year}
    if args.worker:
        print(json.dumps(worker(args.worker, args.data, keys, args.runs, args.out)))
        return
    load_before = os.getloadavg()
    start = time.perf_counter()
    data = dossier_data.build(args.rows, args.seed)
    size = (data / "dossiers.parquet").stat().st_size / 2**20
    print(
        f"data: {args.rows:,} dossiers, {size:.0f} MiB of Parquet (zstd) in {data.name} "
        f"({time.perf_counter() - start:.1f} s to build or find); load average "
        f"{load_before[0]:.2f} on {os.cpu_count()} cores",
        flush=True,
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="mkbidx-bench-") as tmp:
        out = Path(tmp)
        for case in args.cases.split(","):
            r = run_case(case, args, data, out)
            results.append(r)
            if "error" in r:
                print(f"{case}: failed: {r['error']}", flush=True)
            else:
                print(
                    f"{case}: month {fmt_s(r['month'])}, year {fmt_s(r['year'])}, open "
                    f"{fmt_s(r['open'])}, peak {r['peak'] / 2**30:.2f} GiB, child "
                    f"{r['wall']:.1f} s in all; CPU month "
                    f"{statistics.median(r['month_cpu']):.2f} s, year "
                    f"{statistics.median(r['year_cpu']):.2f} s",
                    flush=True,
                )
        done = [r["case"] for r in results if "error" not in r]
        for line in compare(done, out, list(keys)):
            print(line)
    load_after = os.getloadavg()
    print()
    print(
        f"{args.rows / 1e6:g} M dossiers, month {args.month}, year {args.year}, median of "
        f"{args.runs} (pandas: {args.pandas_runs}), {os.cpu_count()} cores, load average "
        f"{load_before[0]:.2f} before, "
        f"{load_after[0]:.2f} after; largest single process {_maxrss_note():.2f} GiB"
    )
    print()
    print(table(results, args.rows))


if __name__ == "__main__":
    main()
