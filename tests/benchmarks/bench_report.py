"""Benchmark of ``mkbidx report`` end to end against the floor of any papermill report.

Run: ``.venv/bin/python tests/benchmarks/bench_report.py [--runs 5] [--months 30] [--serial]``

1. Floor: ``papermill`` running a notebook that only imports pandas, matplotlib and seaborn
   (kernel start, imports, notebook I/O), median of ``--runs`` runs, each run beside one run
   of each report below (one of each in turn: a change of the machine's load touches all).
   Also the same papermill run without jsonschema's IRI grammar, as mkbidx runs papermill
   (``mkbidx/run/__init__.py``: about 1.1 s that the papermill command spends building it),
   so that the ratio is shown against both floors.
2. Report: ``mkbidx report --period 2024-08 --scope 083`` on the embedded data into a fresh
   output folder (papermill run of the template, figures, tables, letter, HTML export,
   manifest), median of ``--runs`` runs; the ratio report / floor (aim: ≤ 2).
3. ``mkbidx report --all --scope 083``: every month of the scope (30 with the embedded data) in
   ``min(2, CPUs)`` processes; wall time and the CPU time of all child processes (kernels
   included). CPU / wall close to 2 means both cores are busy. ``--serial`` also times the same
   batch in one process for the speed-up.

Numbers go into the README; nothing here is a test (no assertion on a clock).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PERIOD, SCOPE = "2024-08", "083"


def timed(cmd: list[str], **kwargs) -> tuple[float, float]:
    """Wall seconds and CPU seconds of the command and all its descendants."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kwargs)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def floor_notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook(
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        cells=[nbformat.v4.new_code_cell("import pandas\nimport matplotlib\nimport seaborn")],
    )
    path = folder / "floor.ipynb"
    nbformat.write(nb, path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--serial", action="store_true", help="also time --all in one process")
    parser.add_argument("--skip-all", action="store_true", help="skip the --all measurement")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mkbidx-bench-") as tmp:
        measure(args, Path(tmp))
    return 0


def measure(args: argparse.Namespace, work: Path) -> None:
    """Run and print every measurement in ``work`` (a folder removed afterwards)."""
    print(f"mkbidx report benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")

    nb = floor_notebook(work)
    papermill = [str(BIN / "papermill"), "-k", "python3", "--no-progress-bar", "--cwd", str(work)]
    lean = "import sys, mkbidx.run; from papermill.cli import papermill; papermill()"
    papermill_lean = [sys.executable, "-c", lean, *papermill[1:]]
    quiet = {"stderr": subprocess.DEVNULL}
    mkbidx = [str(BIN / "mkbidx"), "report", "--period", PERIOD, "--scope", SCOPE]
    timed([*papermill, str(nb), str(work / "floor-out.ipynb")], **quiet)  # warm the caches
    timed([*mkbidx, "--output", str(work / "warm")])
    # side by side: one run of each in turn, so that a change of load touches all three alike
    floor, lean_floor, runs, kept = [], [], [], []
    for i in range(args.runs):
        floor.append(timed([*papermill, str(nb), str(work / "floor-out.ipynb")], **quiet))
        lean_floor.append(timed([*papermill_lean, str(nb), str(work / "lean-out.ipynb")], **quiet))
        runs.append(timed([*mkbidx, "--output", str(work / f"run{i}")]))
        kept.append(timed([*mkbidx, "--output", str(work / "run0"), "--force"]))
    floor_wall = statistics.median(w for w, _ in floor)
    report_wall = statistics.median(w for w, _ in runs)
    kept_wall = statistics.median(w for w, _ in kept)

    lean_wall = statistics.median(w for w, _ in lean_floor)
    print(f"floor  (papermill, imports only)  median {floor_wall:6.2f} s over {args.runs} runs")
    print(
        f"floor without the IRI grammar      median {lean_wall:6.2f} s  "
        f"(report --force / it: {kept_wall / lean_wall:4.2f}, new folder: "
        f"{report_wall / lean_wall:4.2f})"
    )
    print(
        f"report (new folder, letter drafted) median {report_wall:6.2f} s  "
        f"ratio {report_wall / floor_wall:4.2f}"
    )
    print(
        f"report (--force, letter kept)     median {kept_wall:6.2f} s  "
        f"ratio {kept_wall / floor_wall:4.2f}"
    )
    print("  all runs (wall s):", " ".join(f"{w:.2f}" for w, _ in runs))
    print("  --force runs (wall s):", " ".join(f"{w:.2f}" for w, _ in kept))
    print("  floor runs (wall s):", " ".join(f"{w:.2f}" for w, _ in floor))
    print("  floor without the grammar (wall s):", " ".join(f"{w:.2f}" for w, _ in lean_floor))
    ratios = sorted(k / f for (k, _), (f, _) in zip(kept, floor, strict=True))
    print("  --force / floor, run by run:", " ".join(f"{r:.2f}" for r in ratios))

    if not args.skip_all:
        out = work / "all"
        wall, cpu = timed(
            [str(BIN / "mkbidx"), "report", "--all", "--scope", SCOPE, "--output", str(out)],
            stderr=subprocess.DEVNULL,
        )
        months = len(list(out.glob(f"*/{SCOPE}/report.html")))
        print(
            f"--all: {months} months in {wall:.1f} s wall, {cpu:.1f} s CPU of all processes, "
            f"CPU/wall {cpu / wall:.2f} (2 workers), {wall / months:.2f} s per month"
        )
        if args.serial:
            code = (
                "from mkbidx.run import batch; "
                f"batch.run_all({SCOPE!r}, output_root={str(work / 'serial')!r}, workers=1, "
                "progress=False)"
            )
            swall, scpu = timed([sys.executable, "-c", code])
            print(
                f"--all in one process: {swall:.1f} s wall, {scpu:.1f} s CPU, "
                f"speed-up of 2 workers {swall / wall:.2f}x"
            )


if __name__ == "__main__":
    sys.exit(main())
