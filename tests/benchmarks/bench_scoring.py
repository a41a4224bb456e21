"""Benchmark: score and rank about a million count rows with ``mkbidx.core.ranking.evaluate``.

A script, not a test (pytest does not collect it): ``make bench`` or

    .venv/bin/python tests/benchmarks/bench_scoring.py [--units 725] [--months 60] [--repeat 3]

Input: :func:`mkbidx.run.synthetic.synthetic_counts` — every metric of the methodology (23 rows per
unit and month), so 725 communes × 60 months = 1,000,500 count rows — and
:func:`mkbidx.run.synthetic.synthetic_units`, which puts the communes under 55 districts that
``evaluate`` pools (the 55 × 60 district-months add 75,900 pooled rows). Timed: the whole
``evaluate`` (pooling, metric/group/total scores, ranks, bands, the wide table), then
``scoring.score_metrics`` alone in each arithmetic of the methodology (``binary64``, the portal's
doubles, and ``decimal``) with the number of scores on which they differ.

Reported: wall time (``time.perf_counter``, best of ``--repeat`` runs), the peak of memory
allocated during one ``evaluate`` (``tracemalloc``, a separate run because tracing slows it
down) and the process's peak resident set size (``resource``, includes building the input).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc

import numpy as np

from mkbidx import methodology
from mkbidx.core import ranking, scoring
from mkbidx.run import synthetic

MB = 1024 * 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=725, help="communes (default 725)")
    parser.add_argument("--months", type=int, default=60, help="months (default 60)")
    parser.add_argument("--parents", type=int, default=55, help="districts (default 55)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (default 3)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    m = methodology.load()
    start = time.perf_counter()
    counts = synthetic.synthetic_counts(args.units, args.months, seed=args.seed, methodology=m)
    units = synthetic.synthetic_units(args.units, n_parents=args.parents)
    built = time.perf_counter() - start
    print(
        f"input: {len(counts):,} count rows ({args.units} units × {args.months} months × "
        f"{counts['metric'].nunique()} metrics), {args.parents} parents; built in {built:.2f} s"
    )

    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = ranking.evaluate(counts, units, methodology=m)
        times.append(time.perf_counter() - start)
    print(
        f"evaluate: best {min(times):.3f} s, runs "
        + ", ".join(f"{t:.3f}" for t in times)
        + f" s; {len(result.metrics):,} metric scores, {len(result.totals):,} ranked totals"
    )

    # The portal's arithmetic (binary64, default) against exact decimals: only ties differ.
    by_arithmetic = {}
    for arithmetic in methodology.ARITHMETICS:
        mm = methodology.load(options={"arithmetic": arithmetic})
        runs = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            scores = scoring.score_metrics(counts, methodology=mm)["score"].to_numpy()
            runs.append(time.perf_counter() - start)
        by_arithmetic[arithmetic] = (min(runs), scores)
    (t_bin, s_bin), (t_dec, s_dec) = by_arithmetic.values()
    differ = int((~((s_bin == s_dec) | (np.isnan(s_bin) & np.isnan(s_dec)))).sum())
    print(
        f"score_metrics: best {t_bin:.3f} s binary64, {t_dec:.3f} s decimal; "
        f"{differ:,} of {len(counts):,} scores differ (exact ties)"
    )

    tracemalloc.start()
    ranking.evaluate(counts, units, methodology=m)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    if sys.platform == "darwin":
        rss //= 1024  # bytes on macOS
    print(f"memory: peak allocated during evaluate {peak / MB:,.0f} MB (tracemalloc)")
    print(f"memory: peak resident set of the process {rss / MB:,.0f} MB (ru_maxrss)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
