"""Benchmark of the national unit registry: loading it and resolving every current commune.

Run: ``.venv/bin/python tests/benchmarks/bench_units.py [--runs 3]``

1. ``load_registry()``: read ``data/units/vn-units.csv`` (14,149 versions), the crosswalk
   (10,665 pairs) and the overrides, check them and the 2024 snapshot (median of ``--runs``).
2. Resolve the 3,321 communes of 2025-08 by their official names within their province, on a
   freshly loaded registry (the candidate indexes of the 34 provinces are built inside the
   timing), then again as written in letters ("UBND " + lower case + NFD).
3. The same names without a scope: how many resolve and how many are ambiguous (an error
   listing the candidates with their province).

Numbers go into the report/README; nothing here is a test (no assertion on a clock).
"""

from __future__ import annotations

import argparse
import statistics
import time
import unicodedata

from mkbidx.inputs import units


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    loads, scoped, written = [], [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        reg = units.load_registry()
        loads.append(time.perf_counter() - start)
        frame = reg.frame("2025-08")
        communes = frame[frame["level"] == "commune"]
        columns = (communes[c] for c in ("unit_name", "parent_code", "unit_code"))
        pairs = list(zip(*columns, strict=True))
        start = time.perf_counter()
        ok = sum(reg.resolve(n, scope=p, period="2025-08") == c for n, p, c in pairs)
        scoped.append(time.perf_counter() - start)
        start = time.perf_counter()
        ok_written = sum(
            reg.resolve(
                "UBND " + unicodedata.normalize("NFD", n.lower()), scope=p, period="2025-08"
            )
            == c
            for n, p, c in pairs
        )
        written.append(time.perf_counter() - start)
    print(f"load_registry: median {statistics.median(loads):.2f} s ({len(reg.frame())} versions)")
    print(
        f"resolve {len(pairs)} communes in their province: median "
        f"{statistics.median(scoped):.3f} s, {ok}/{len(pairs)} right"
    )
    print(
        f"  as written in letters: median {statistics.median(written):.3f} s, "
        f"{ok_written}/{len(pairs)} right"
    )
    resolved = ambiguous = 0
    start = time.perf_counter()
    for n, _p, c in pairs:
        try:
            resolved += reg.resolve(n, period="2025-08") == c
        except Exception:  # noqa: BLE001 - an ambiguity error is the expected answer
            ambiguous += 1
    print(
        f"without a scope: {time.perf_counter() - start:.2f} s, {resolved} resolved, "
        f"{ambiguous} ambiguous (error listing candidates with their province)"
    )


if __name__ == "__main__":
    main()
