"""What ``mkbidx units list|crosswalk|resolve`` print, from the registry.

Each function returns ``(text or frame, exit code)`` or raises
:class:`~mkbidx.errors.MkbidxError` (one line naming what was asked and the closest candidates;
the command line exits 2).

>>> text, code = crosswalk_command(["02758"])
>>> code, text.split("\\t")
(0, ['02758', '02761', 'Xã Mường Khương'])
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Sequence

import pandas as pd

from mkbidx.errors import MkbidxError
from mkbidx.inputs.units import Registry, _month, default_registry

__all__ = [
    "LIST_COLUMNS",
    "crosswalk_command",
    "list_frame",
    "newest_period",
    "resolve_command",
]

LIST_COLUMNS = ["code", "name", "level", "parent_code", "valid_from", "valid_to"]
LIST_LEVELS = ("province", "district", "commune", "department")
CLOSEST_CODES = 3


def newest_period(registry: Registry) -> str:
    """The newest month the registry describes (the first month of its newest units).

    >>> newest_period(default_registry())
    '2025-07'
    """
    starts = registry.frame()["valid_from"].dropna()
    return str(starts.max()) if len(starts) else "1900-01"


def _unknown_code(registry: Registry, code: str, period: str | None) -> MkbidxError:
    known = registry.frame(period)
    pool = sorted(set(known["unit_code"]))
    close = difflib.get_close_matches(code, pool, n=CLOSEST_CODES, cutoff=0.5)
    shown = ", ".join(f"{c} {registry.name(c, period)}" for c in close) or "không có"
    when = f" kỳ {period}" if period else ""
    return MkbidxError(
        f'mã đơn vị "{code}" không có trong danh mục{when} (unknown unit code); gần nhất: {shown}',
        expected="mã chính thức, vd. 15 (tỉnh), 02761 (xã)",
    )


def _scope_code(registry: Registry, scope: str, period: str) -> str:
    """A scope given by code or by name (resolved at ``period``)."""
    text = str(scope).strip()
    if text.isdigit():
        if text not in registry:
            raise _unknown_code(registry, text, period)
        registry.name(text, period)  # valid at period, else an error naming its windows
        return text
    return registry.resolve(text, period=period)


def list_frame(
    registry: Registry | None,
    period: str,
    *,
    level: str | None = None,
    scope: str | None = None,
) -> pd.DataFrame:
    """Units valid at ``period`` (``code, name, level, parent_code, valid_from, valid_to``),
    optionally of one level and under one unit.

    >>> f = list_frame(None, "2025-08", level="province")
    >>> len(f), list(f.columns[:4])
    (34, ['code', 'name', 'level', 'parent_code'])
    """
    reg = registry if registry is not None else default_registry()
    _month(period)
    if level is not None and level not in LIST_LEVELS:
        raise MkbidxError(
            f'cấp "{level}" không hợp lệ (unknown level)', expected=", ".join(LIST_LEVELS)
        )
    frame = reg.frame(period)
    if scope is not None:
        code = _scope_code(reg, scope, period)
        frame = frame[frame["unit_code"].isin(reg.descendants(code, period))]
    if level is not None:
        frame = frame[frame["level"] == level]
    out = frame.rename(columns={"unit_code": "code", "unit_name": "name"})[LIST_COLUMNS]
    return out.sort_values("code", kind="stable").reset_index(drop=True)


def crosswalk_command(
    codes: Sequence[str], registry: Registry | None = None, *, reverse: bool = False
) -> tuple[str, int]:
    """Lines ``old_code<TAB>new_code<TAB>new_name`` (several for a divided commune); with
    ``reverse``, ``new_code<TAB>old_code<TAB>old_name`` (the old units of a new one)."""
    reg = registry if registry is not None else default_registry()
    lines = []
    for raw in codes:
        code = str(raw).strip()
        others = reg.predecessors(code) if reverse else reg.successors(code)
        if not others:
            if code not in reg:
                raise _unknown_code(reg, code, None)
            raise MkbidxError(
                f'đơn vị "{code}" ({reg.name(code)}) '
                + (
                    "không được lập từ đơn vị cũ nào (no predecessor)"
                    if reverse
                    else "không thay đổi khi sắp xếp 1/7/2025 (no successor)"
                ),
                expected="mã một đơn vị cũ"
                + (" (--reverse: mã một đơn vị mới)" if not reverse else ""),
            )
        for other in others:
            at = "2025-06" if reverse else "2025-07"
            lines.append(f"{code}\t{other}\t{reg.name(other, at)}")
    return "\n".join(lines), 0


def resolve_command(
    names: list[str],
    scope: str | None,
    registry: Registry | None = None,
    *,
    period: str | None = None,
) -> tuple[str, int]:
    """Text and exit code of ``mkbidx units resolve NAME... [--scope CODE] [--period P]``.

    One line per name: the name as given, a tab, its code, or for a name that cannot be
    resolved the error (naming the closest candidates). No header, so that the output can be
    read by a script. Exit code 0 if all resolved, 1 if some did not, 2 if the registry, scope
    or period is invalid.

    Examples
    --------
    >>> text, code = resolve_command(["Tả Thành", "Dìn Chín"], "083")
    >>> code
    0
    >>> [line.split("\\t") for line in text.splitlines()]
    [['Tả Thành', '02794'], ['Dìn Chín', '02764']]
    """
    try:
        reg = registry if registry is not None else default_registry()
        if scope is not None:
            reg.name(scope)
        _month(period)
    except MkbidxError as err:
        return str(err), 2
    lines = []
    failed = 0
    for name in names:
        try:
            result = reg.resolve(name, scope=scope, period=period)
        except MkbidxError as err:
            failed += 1
            result = f"lỗi: {err}"
        lines.append(f"{_field(name)}\t{_field(result)}")
    return "\n".join(lines), 1 if failed else 0


def _field(text: str) -> str:
    """``text`` as one field of a tab-separated line: control characters, tabs and line breaks
    each become a space (a name pasted with a tab would shift the columns)."""
    return "".join(" " if unicodedata.category(c) == "Cc" else c for c in str(text))
