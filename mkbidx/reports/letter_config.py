"""The letter's configuration: the shipped defaults (``letter-defaults.yaml``), a user's YAML
(``--config``) checked key by key and value by value against them, and their merge for a scope.

A value of the wrong shape (``cc: "Lưu: VT"`` for a list, ``layout.body_pt: -3``) is refused
with one line naming the key, before anything is written: a text where a list is expected
would otherwise become one line per character.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from mkbidx.errors import MkbidxError

__all__ = ["DEFAULTS_FILE", "default_config", "read_config", "resolve_config"]

DEFAULTS_FILE = "letter-defaults.yaml"

OPEN_MAPPINGS = {("recipients_by_level",), ("level_kinds",), ("indicator_names",)}
"""Mappings whose keys the user chooses (levels, metric codes): each value is shaped like the
defaults' values."""
NULL_DEFAULTS: dict[tuple[str, ...], tuple[tuple[type, ...], str]] = {
    ("recipients",): ((list,), "một danh sách"),
    ("data_date",): ((str, date), "một ngày YYYY-MM-DD"),
    ("deadline",): ((str, date), "một ngày YYYY-MM-DD"),
    ("signer", "name"): ((str,), "một văn bản"),
}
"""Keys whose default is null, and what else they may hold."""
RANGES: dict[tuple[str, ...], tuple[float, float]] = {
    ("layout", "body_pt"): (6, 40),
    ("layout", "header_pt"): (6, 40),
    ("layout", "table_pt"): (6, 40),
    ("layout", "paragraph_after_pt"): (0, 72),
    ("layout", "first_line_indent_mm"): (0, 50),
    ("layout", "line_spacing"): (0.5, 3),
}
"""Allowed ranges of the layout's numbers (both ends included); margins are 0-60 mm."""
MARGIN_RANGE = (0, 60)


@lru_cache(maxsize=1)
def _defaults() -> dict[str, Any]:
    """The shipped defaults, parsed once per process (never handed out: callers get copies)."""
    text = resources.files("mkbidx.present").joinpath("templates", DEFAULTS_FILE).read_text("utf-8")
    return yaml.safe_load(text)


def default_config() -> dict[str, Any]:
    """The shipped defaults (``mkbidx/present/templates/letter-defaults.yaml``), a fresh copy.

    Examples
    --------
    >>> default_config()["deadline_day"], default_config()["scopes"]["083"]["signer"]["name"]
    (10, 'Hoàng Trường Minh')
    >>> default_config()["signer"]["name"] = "x"; default_config()["signer"]["name"] != "x"
    True
    """
    return copy.deepcopy(_defaults())


def read_config(path: str | Path) -> dict[str, Any]:
    """Read a user's letter config (YAML mapping with the keys of the defaults).

    Raises
    ------
    MkbidxError
        If the file is missing, not YAML, not a mapping, or has a key the defaults do not know.
    """
    path = Path(path)
    if not path.is_file():
        raise MkbidxError("không tìm thấy tệp cấu hình công văn (letter config)", file=path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise MkbidxError(f"YAML không hợp lệ: {exc}", file=path) from None
    data = {} if data is None else data
    _check_config(data, file=path)
    return data


def _check_config(data: Any, *, file: Any = None) -> None:
    """A user's config: a mapping of the defaults' keys, each value shaped like the default
    (:func:`_check_value`); ``scopes`` maps unit codes to such configs (not nested)."""
    defaults = {k: v for k, v in _defaults().items() if k != "scopes"}
    if not isinstance(data, Mapping):
        raise MkbidxError(
            "cấu hình công văn phải là một bảng khóa: giá trị (YAML mapping)", file=file
        )
    unknown = sorted(set(map(str, data)) - set(defaults) - {"scopes"})
    if unknown:
        raise MkbidxError(
            f"khóa cấu hình không biết (unknown key): {', '.join(unknown)}",
            file=file,
            expected="một trong " + ", ".join(sorted({*defaults, "scopes"})),
        )
    for key, value in data.items():
        if str(key) != "scopes":
            _check_value(value, defaults[str(key)], (str(key),), file)
    scopes = data.get("scopes") or {}
    if not isinstance(scopes, Mapping):
        raise MkbidxError("'scopes' phải là bảng mã đơn vị: cấu hình", file=file, column="scopes")
    for code, part in scopes.items():
        if part is not None and not isinstance(part, Mapping):
            raise MkbidxError(
                f"cấu hình của đơn vị {code} phải là một bảng khóa: giá trị (YAML mapping)",
                file=file,
                column=f"scopes.{code}",
            )
        if part and "scopes" in part:
            raise MkbidxError("'scopes' không lồng nhau (nested scopes)", file=file, unit=code)
        _check_config(dict(part or {}), file=file)


def _kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "một bảng khóa"
    if isinstance(value, list):
        return "một danh sách"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if value is None:
        return "null"
    return repr(value)


def _check_value(value: Any, default: Any, path: tuple[str, ...], file: Any) -> None:
    """``value`` has the shape of ``default``: a mapping (its keys among the default's, or any
    key for :data:`OPEN_MAPPINGS`), a list of texts (a null item is a blank line), a text, a
    true/false, a number in its range (:data:`RANGES`); a null default takes null or the types
    of :data:`NULL_DEFAULTS`."""
    key = ".".join(path)

    def refuse(expected: str) -> None:
        raise MkbidxError(
            f"giá trị cấu hình không hợp lệ (invalid value): {_kind(value)}",
            file=file,
            column=key,
            expected=expected,
        )

    if default is None:
        allowed, what = NULL_DEFAULTS.get(path, ((str, int, float), "một văn bản"))
        if value is not None and (isinstance(value, bool) or not isinstance(value, allowed)):
            refuse(f"null hoặc {what}")
        if isinstance(value, list):
            _check_value(value, [""], path, file)
    elif isinstance(default, Mapping):
        if not isinstance(value, Mapping):
            refuse("một bảng khóa: giá trị (YAML mapping)")
        sample = next(iter(default.values()), None)
        for k, v in value.items():
            if str(k) in default:
                _check_value(v, default[str(k)], (*path, str(k)), file)
            elif path in OPEN_MAPPINGS:
                _check_value(v, sample, (*path, str(k)), file)
            else:
                raise MkbidxError(
                    f"khóa cấu hình không biết (unknown key): {key}.{k}",
                    file=file,
                    expected="một trong " + ", ".join(f"{key}.{d}" for d in default),
                )
    elif isinstance(default, list):
        if not isinstance(value, list):
            refuse("một danh sách, mỗi dòng một mục (- ...)")
        for item in value:
            if item is not None and (isinstance(item, (bool, Mapping, list))):
                refuse("một danh sách văn bản")
    elif isinstance(default, bool):
        if not isinstance(value, bool):
            refuse("true hoặc false")
    elif isinstance(default, (int, float)):
        low, high = RANGES.get(path, MARGIN_RANGE if "margins_mm" in path else (1, 1e9))
        whole = isinstance(default, int) and path not in RANGES and "margins_mm" not in path
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number or not math.isfinite(value) or not low <= value <= high:
            refuse(f"một số từ {low:g} đến {high:g}" if high < 1e9 else "một số nguyên")
        if whole and value != int(value):
            refuse("một số nguyên")
    elif isinstance(value, (bool, Mapping, list)) or value is None:
        refuse("một văn bản")


def _merge(base: dict[str, Any], over: Mapping[str, Any] | None) -> dict[str, Any]:
    """Mappings merged key by key (recursively); anything else replaced."""
    out = copy.deepcopy(base)
    for key, value in (over or {}).items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def resolve_config(config: Mapping[str, Any] | None, *, scope: str) -> dict[str, Any]:
    """The letter's config for one scope: defaults, the defaults' ``scopes[scope]``, the user's
    general keys, the user's ``scopes[scope]``, in that order. Idempotent.

    Examples
    --------
    >>> resolve_config({"signer": {"name": "Nguyễn Văn A"}}, scope="083")["signer"]["name"]
    'Nguyễn Văn A'
    >>> resolve_config(None, scope="083")["signer"]["name"], resolve_config(None, scope="10")[
    ...     "signer"]["name"]
    ('Hoàng Trường Minh', None)
    """
    user = dict(config or {})
    _check_config(user)
    defaults = default_config()
    out = _merge(defaults, (defaults.get("scopes") or {}).get(str(scope)))
    out = _merge(out, {k: v for k, v in user.items() if k != "scopes"})
    out = _merge(out, (user.get("scopes") or {}).get(str(scope)))
    out["scopes"] = {}
    return out
