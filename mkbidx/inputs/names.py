"""Vietnamese unit names: comparison keys, level prefixes and the readings of a written name.

A name's key is lower case, NFC, with each syllable's tone mark moved to one canonical vowel
(so "Hoà"/"Hòa" and "Thuỷ"/"Thủy" are equal); a second key has no diacritics at all ("đ" → "d").
A written name may start with an authority ("UBND") and a level prefix ("xã", "TT.", "huyện"),
which restricts the levels it can name. :mod:`mkbidx.inputs.units` matches these keys against
the registry.

>>> normalize_name("UBND  Xã Tả Thành", diacritics=False)
'ubnd xa ta thanh'
>>> [(p.key1, sorted(p.levels)) for p in parse_name("UBND xã Tả Thành")]
[('tả thành', ['commune'])]
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "CACHE_SIZE",
    "NameParse",
    "normalize_name",
    "parse_name",
    "short_name",
    "split_official",
    "tokens",
]

CACHE_SIZE = 1 << 16  # parsed names kept per process (and resolved names per registry)

# Vietnamese tone marks as combining characters (after NFD): huyền, sắc, ngã, hỏi, nặng.
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
_VOWELS = frozenset("aăâeêioôơuưy")
_MARKED_VOWELS = frozenset("ăâêôơư")
_OPEN_SECOND = frozenset({"oa", "oe", "uy"})

# (prefix text, kind, levels it restricts to). Kinds are compared to the registry names' own
# prefix to break ties ("TP Lào Cai" is the city 080, not the province 10).
_LEVEL_PREFIXES: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("thị trấn", "thi_tran", frozenset({"commune"})),
    ("tt", "thi_tran", frozenset({"commune"})),
    ("thị xã", "thi_xa", frozenset({"district"})),
    ("tx", "thi_xa", frozenset({"district"})),
    ("thành phố", "thanh_pho", frozenset({"province", "district"})),
    ("tp", "thanh_pho", frozenset({"province", "district"})),
    ("xã", "xa", frozenset({"commune"})),
    ("phường", "phuong", frozenset({"commune"})),
    ("huyện", "huyen", frozenset({"district"})),
    ("h", "huyen", frozenset({"district"})),
    ("quận", "quan", frozenset({"district"})),
    ("tỉnh", "tinh", frozenset({"province"})),
)
_AUTHORITY_PREFIXES = ("ubnd", "ủy ban nhân dân")
# Kinds whose prefix word short_name drops ("Xã Tả Thàng" -> "Tả Thàng"); the others are kept
# in lower case as the letters write them ("thị trấn Mường Khương").
_DROPPED_KINDS = frozenset({"xa", "huyen", "tinh"})


def _tone_position(base: str) -> int:
    """Index of the vowel carrying the tone in a toneless syllable (modern placement rule)."""
    idx = [i for i, ch in enumerate(base) if ch in _VOWELS]
    if not idx:
        return len(base) - 1
    if len(idx) > 1 and idx[0] == 1 and base[:2] in ("qu", "gi"):
        idx = idx[1:]
    marked = [i for i in idx if base[i] in _MARKED_VOWELS]
    if marked:
        return marked[-1]
    if len(idx) == 1 or idx[-1] < len(base) - 1:
        return idx[-1]
    if base[idx[0] : idx[-1] + 1] in _OPEN_SECOND:
        return idx[-1]
    return idx[0] if len(idx) == 2 else idx[1]


def _ascii(base: str) -> str:
    out = "".join(ch for ch in unicodedata.normalize("NFD", base) if not unicodedata.combining(ch))
    return out.replace("đ", "d")


@lru_cache(maxsize=CACHE_SIZE)
def tokens(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Syllables of ``text`` as (keys with diacritics, keys without diacritics)."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    syllables: list[tuple[str, str | None]] = []
    chars: list[str] = []
    tone: str | None = None
    for ch in decomposed + " ":
        if ch in _TONES:
            tone = ch
        elif unicodedata.combining(ch) or ch.isalnum():
            chars.append(ch)
        elif chars or tone:
            syllables.append((unicodedata.normalize("NFC", "".join(chars)), tone))
            chars, tone = [], None
    with_marks: list[str] = []
    plain: list[str] = []
    for base, mark in syllables:
        if not base:
            continue
        if mark is not None:
            pos = _tone_position(base) + 1
            with_marks.append(unicodedata.normalize("NFC", base[:pos] + mark + base[pos:]))
        else:
            with_marks.append(base)
        plain.append(_ascii(base))
    return tuple(with_marks), tuple(plain)


def normalize_name(text: str, *, diacritics: bool = True) -> str:
    """Normalise a unit name to a comparison key.

    Lower case, NFC, punctuation turned into spaces, runs of spaces collapsed, and each
    syllable's tone mark moved to one canonical vowel (modern rule), so differently placed
    tone marks give the same key. With ``diacritics=False`` all marks are removed and "đ"
    becomes "d" (a plain accent strip keeps "đ", which is a letter, not a marked "d").

    Parameters
    ----------
    text : str
        Any spelling of a name (NFC or NFD).
    diacritics : bool, default True
        Keep vowel and tone marks (canonically placed) or strip them.

    Returns
    -------
    str

    Examples
    --------
    >>> normalize_name("  Xã  Thanh Hòa ") == normalize_name("xã thanh hoà")
    True
    >>> normalize_name("Thủy") == normalize_name("Thuỷ")
    True
    >>> normalize_name("TT.Đồng Tuyển", diacritics=False)
    'tt dong tuyen'
    """
    with_marks, plain = tokens(str(text))
    return " ".join(with_marks if diacritics else plain)


def strip_tones(text: str) -> str:
    """``text`` without its tone marks, the letters' own marks kept (â, ă, ê, ô, ơ, ư, đ).

    Examples
    --------
    >>> strip_tones("nậm cắn"), strip_tones("nậm càn")
    ('nâm căn', 'nâm can')
    """
    nfd = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in nfd if c not in _TONES))


@dataclass(frozen=True)
class NameParse:
    key1: str  # diacritics key (canonical tones)
    key2: str  # diacritic-free key
    n_syllables: int
    levels: frozenset[str] | None  # restriction from a level prefix
    kind: str | None  # kind of that prefix (xa, thi_tran, ...)


def _prefix_keys() -> tuple[tuple[tuple[str, ...], tuple[str, ...], str, frozenset[str]], ...]:
    out = []
    for text, kind, levels in _LEVEL_PREFIXES:
        k1, k2 = tokens(text)
        out.append((k1, k2, kind, levels))
    return tuple(sorted(out, key=lambda p: -len(p[0])))


_PREFIXES = _prefix_keys()
_AUTHORITY = tuple(tokens(text)[1] for text in _AUTHORITY_PREFIXES)


def _match_prefix(
    t1: tuple[str, ...], t2: tuple[str, ...]
) -> tuple[int, str, frozenset[str], bool] | None:
    """Longest level prefix of the tokens: (length, kind, levels, certain)."""
    for k1, k2, kind, levels in _PREFIXES:
        n = len(k2)
        if len(t2) > n and t2[:n] == k2:
            return n, kind, levels, t1[:n] == k1
    return None


def split_official(name: str) -> tuple[str | None, tuple[str, ...], tuple[str, ...]]:
    """Kind and bare-name keys of a registry name (prefix must match with its diacritics)."""
    t1, t2 = tokens(name)
    hit = _match_prefix(t1, t2)
    if hit is not None and hit[3]:
        n = hit[0]
        return hit[1], t1[n:], t2[n:]
    return None, t1, t2


@lru_cache(maxsize=CACHE_SIZE)
def parse_name(text: str) -> tuple[NameParse, ...]:
    """Readings of a user-written name: with its level prefix stripped and, when the prefix
    was only recognised without diacritics ("Tinh ..." may be "Tỉnh" or the name "Tịnh ..."),
    also as written."""
    t1, t2 = tokens(text)
    for auth in _AUTHORITY:
        n = len(auth)
        if len(t2) > n and t2[:n] == auth:
            t1, t2 = t1[n:], t2[n:]
            break
    whole = NameParse(" ".join(t1), " ".join(t2), len(t2), None, None)
    hit = _match_prefix(t1, t2)
    if hit is None:
        return (whole,)
    n, kind, levels, certain = hit
    stripped = NameParse(" ".join(t1[n:]), " ".join(t2[n:]), len(t2) - n, levels, kind)
    return (stripped,) if certain else (stripped, whole)


def short_name(name: str) -> str:
    """An official name as written in running text: without "Xã"/"Huyện"/"Tỉnh", other kind
    words ("thị trấn", "thị xã", "thành phố", "phường", "quận") kept in lower case.

    Examples
    --------
    >>> short_name("Xã Tả Thàng"), short_name("Thị trấn Mường Khương"), short_name("Thị xã Sa Pa")
    ('Tả Thàng', 'thị trấn Mường Khương', 'thị xã Sa Pa')
    """
    words = name.split()
    for n in (2, 1):
        head = tokens(" ".join(words[:n]))
        if len(words) <= n:
            continue
        for k1, _k2, kind, _levels in _PREFIXES:
            if head[0] == k1:
                rest = " ".join(words[n:])
                if kind in _DROPPED_KINDS:
                    return rest
                return " ".join(w.lower() for w in words[:n]) + " " + rest
    return " ".join(words)
