"""The portal's unit identities mapped to the official registry.

The DVCQG portal names units by ``departmentId`` (UUID) and ``departmentCode``: ``H44`` is the
province of Phú Thọ, ``H44.01``-``H44.99`` its Sở/ngành (departments), ``H44.100`` and up its
communes. :func:`map_parts` rewrites the units of the portal responses read together (after
:func:`mkbidx.inputs.portal.read_json` has read each) so that:

- the province's ``unit_code`` is its official code (``25``), found by portal code or
  ``departmentId`` in ``data/units/portal-provinces.csv``;
- every commune's ``unit_code`` is its official 5-digit code, found by its name within the
  province at the response's period (``"UBND xã Chí Đám"`` → the commune of that name in 25);
- departments (level ``department``) keep their portal code as ``unit_code``, under the province;
- ``portal_code`` (``departmentCode``) and ``department_id`` (``departmentId``) are kept as
  columns of every unit.

A note says how many communes were mapped ("148/148 xã, phường"); a commune that cannot be
mapped keeps its portal code (never dropped) and is named in the note (printed on stderr by the
command line). A response of a period before 1/7/2025, or of a root that is not one of the 34
provinces, is left as it is.
"""

from __future__ import annotations

import pandas as pd

from mkbidx.errors import MkbidxError
from mkbidx.inputs import units as registry_units
from mkbidx.inputs.frames import Part
from mkbidx.inputs.portal_ids import PortalProvince, portal_province
from mkbidx.periods import last_month

__all__ = ["UNMAPPED_SHOWN", "map_parts", "province_of_root"]

UNMAPPED_SHOWN = 10
"""Number of unmapped communes named in a note."""
FIRST_MONTH = "2025-07"
"""The portal's codes are those of the 34 provinces created on 1/7/2025."""


def province_of_root(code: str | None, department_id: str | None) -> PortalProvince | None:
    """The province a response's root is, by portal code or ``departmentId`` (None if not one)."""
    for key in (code, department_id):
        if not key:
            continue
        try:
            return portal_province(str(key))
        except MkbidxError:
            continue
    return None


def _rename(frame: pd.DataFrame, columns: tuple[str, ...], rename: dict[str, str]) -> None:
    for col in columns:
        frame[col] = [rename.get(c, c) if isinstance(c, str) else c for c in frame[col]]


def _root(part: Part) -> tuple[pd.Series, PortalProvince, str] | None:
    """The part's root row, its province and the month its units are looked at (or None)."""
    roots = part.units[part.units["is_root"].astype(bool)]
    if len(roots) != 1:
        return None
    root = roots.iloc[0]
    province = province_of_root(root["portal_code"] or root["unit_code"], root["department_id"])
    periods = set(part.units["period"])
    month = last_month(str(next(iter(periods)))) if len(periods) == 1 else None
    if province is None or month is None or month < FIRST_MONTH:
        return None
    return root, province, month


def map_parts(parts: list[Part], resolver=None) -> None:
    """Map the units of the portal responses among ``parts`` to official codes, in place.

    ``resolver``: the name resolver the data are read with (``Registry.resolve``, possibly in a
    :func:`functools.partial`); its registry is used, else the project's.

    Responses of one province and period are mapped together: a commune is found by its name
    in any of them and then recognised by its portal code or ``departmentId`` in the others
    (the portal writes placeholders for some names). A note per province and period says how
    many communes were mapped; the unmapped ones are named.
    """
    batches: dict[tuple[str, str], list[tuple[Part, pd.Series]]] = {}
    info: dict[tuple[str, str], PortalProvince] = {}
    for part in parts:
        if not part.from_json or part.units.empty:
            continue
        found = _root(part)
        if found is None:
            continue
        root, province, month = found
        batches.setdefault((province.code, month), []).append((part, root))
        info[(province.code, month)] = province
    if not batches:
        return
    owner = getattr(getattr(resolver, "func", resolver), "__self__", None)
    reg = owner if isinstance(owner, registry_units.Registry) else registry_units.default_registry()
    for (code, month), items in batches.items():
        _map_batch(items, info[(code, month)], month, reg)


def _identity(row) -> str:
    return row.portal_code or row.department_id or row.unit_code


def _map_batch(
    items: list[tuple[Part, pd.Series]], province: PortalProvince, month: str, reg
) -> None:
    try:
        province_name = reg.name(province.code, month)
    except MkbidxError:
        return
    official: dict[str, str] = {}  # portal code or departmentId -> official code
    communes: dict[str, str] = {}  # identity -> label, every commune seen
    for part, _root_row in items:
        units = part.units
        coded = units["_has_code"].astype(bool) & units["portal_code"].isna()
        units.loc[coded, "portal_code"] = units.loc[coded, "unit_code"]
        for row in units[~units["is_root"].astype(bool)].itertuples(index=False):
            if row.level != "commune":
                continue
            key = _identity(row)
            communes.setdefault(key, f"{row.unit_name or row.unit_code} ({key})")
            if key in official:
                continue
            try:
                code = reg.resolve(str(row.unit_name or ""), scope=province.code, period=month)
            except MkbidxError:
                continue
            if reg.level(code, month) == "commune":
                official[key] = code
                if row.department_id:
                    official[row.department_id] = code
    # one official code for one portal unit only
    owners: dict[str, set[str]] = {}
    for key, code in official.items():
        if key in communes:
            owners.setdefault(code, set()).add(key)
    clash = {key for keys in owners.values() if len(keys) > 1 for key in keys}
    mapped = {key for key in communes if key in official and key not in clash}
    for part, root in items:
        units = part.units
        rename = {str(root["unit_code"]): province.code}
        for row in units[~units["is_root"].astype(bool)].itertuples(index=False):
            if row.level != "commune":
                continue
            key = _identity(row)
            code = official.get(key) or official.get(row.department_id or "")
            if code is not None and key not in clash:
                rename[str(row.unit_code)] = code
        _rename(units, ("unit_code", "parent_code"), rename)
        _rename(part.counts, ("unit_code",), rename)
        _rename(part.groups, ("unit_code",), rename)
        is_root = units["is_root"].astype(bool)
        units.loc[~is_root, "parent_code"] = province.code
        renamed = units["unit_code"].isin(set(rename.values()))
        units.loc[renamed, "_has_code"] = True
        names = {c: reg.name(c, month) for c in set(units.loc[renamed, "unit_code"])}
        units.loc[renamed, "unit_name"] = units.loc[renamed, "unit_code"].map(names)
        units.loc[renamed & ~is_root, "level"] = "commune"
    with_code = [k for k in communes if not _is_uuid(k)]
    note = (
        f"{province_name} ({province.portal_code} → mã chính thức {province.code}), "
        f"kỳ {month}: {sum(1 for k in with_code if k in mapped)}/{len(with_code)} xã, phường "
        "ánh xạ sang mã chính thức (official codes)"
    )
    first = items[0][0]
    first.notes.append(note)
    unmapped = [label for key, label in communes.items() if key not in mapped]
    if unmapped:
        shown = ", ".join(unmapped[:UNMAPPED_SHOWN])
        more = (
            f" và {len(unmapped) - UNMAPPED_SHOWN} đơn vị khác"
            if len(unmapped) > UNMAPPED_SHOWN
            else ""
        )
        first.notes.append(
            f"{province_name}: {len(unmapped)} xã, phường không ánh xạ được sang mã chính thức "
            f"(unmapped communes), giữ mã của Cổng: {shown}{more}"
        )


def _is_uuid(key: str) -> bool:
    return len(key) == 36 and key.count("-") == 4
