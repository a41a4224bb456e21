"""Benchmark of the explorer (``notebooks/explore/explore.ipynb``, ``mkbidx explore``): how long a
change of unit, month or group takes to redraw, in-process, on the embedded sample.

Run: ``.venv/bin/python tests/benchmarks/bench_explorer.py [--switches 10]``

The explorer opens on Xã Tung Chung Phố, August 2024; then, ``--switches`` times, a user picks
another commune, another month and another group. Each redraw (HTML tables, the trend chart,
the Excel download) is timed in this process's CPU time (the wall clock on an idle machine);
medians are printed. Numbers go into the README; nothing here is a test (no assertion on a
clock).
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import IPython.display

from mkbidx.inputs.loading import load_inputs
from mkbidx.reports.explorer import Explorer

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--switches", type=int, default=10)
    args = parser.parse_args(argv)
    IPython.display.display = lambda *parts, **kwargs: None  # no front end: nothing to show
    explorer = Explorer(load_inputs(SAMPLE), period="2024-08", unit="02758", group="thanh_toan")
    times: dict[str, list[float]] = {"unit": [], "period": [], "group": []}
    communes = [code for _, code in explorer.unit.options][2 : 2 + args.switches]
    groups = list(explorer.methodology.group_keys)
    for i, code in enumerate(communes):
        explorer.select(unit=code)
        times["unit"].append(explorer.cpu_seconds)
        explorer.select(period=["2024-07", "2024-06", "2024-08"][i % 3])
        times["period"].append(explorer.cpu_seconds)
        explorer.select(group=groups[i % len(groups)])
        times["group"].append(explorer.cpu_seconds)
    medians = " / ".join(f"{statistics.median(v):.3f}" for v in times.values())
    print(f"explorer: switching unit / month / group, median CPU s over {len(communes)}: {medians}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
