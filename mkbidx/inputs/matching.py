"""Matching a written unit name against unit versions, in three stages.

1. exact match on the key with diacritics (:func:`mkbidx.inputs.names.normalize_name`);
2. exact match on the key without diacritics, then with syllables written together or apart
   ("Sapa", "Simacai");
3. fuzzy match on the key without diacritics (:data:`FUZZY_THRESHOLD`, :data:`FUZZY_MARGIN`),
   among units with as many syllables.

Ties are broken by the kind written ("thành phố") and by the fewest edits on the key with
diacritics. It never guesses silently: when no unit or several units fit, it raises
:class:`~mkbidx.errors.MkbidxError` naming the closest units (also in ``err.candidates``).
:class:`mkbidx.inputs.units.Registry` chooses the candidates (a scope at a period).

>>> import pathlib, tempfile
>>> from mkbidx.inputs.unit_files import read_units
>>> tmp = tempfile.TemporaryDirectory()
>>> path = pathlib.Path(tmp.name) / "units.csv"
>>> _ = path.write_text("code,name,level,parent_code\\n10,Tỉnh Lào Cai,province,\\n"
...                     "083,Huyện Mường Khương,district,10\\n", encoding="utf-8")
>>> index = CandidateIndex.build(tuple(read_units(path)))
>>> match_name("H. Muong Khuong", index, where=lambda: "", label=lambda u: u.name).code
'083'
>>> tmp.cleanup()
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from mkbidx.errors import MkbidxError
from mkbidx.inputs.names import NameParse, parse_name, strip_tones
from mkbidx.inputs.unit_files import UnitVersion

__all__ = [
    "CLOSEST_SHOWN",
    "FUZZY_MARGIN",
    "FUZZY_THRESHOLD",
    "CandidateIndex",
    "group_by",
    "match_name",
]

FUZZY_THRESHOLD = 85.0
"""Minimum ``rapidfuzz.fuzz.ratio`` (0-100) on the diacritic-free key for a fuzzy match.

The ratio is ``100 * (1 - indel / (len(a) + len(b)))``; one wrong letter in a key of n characters
scores ``100 * (1 - 1/n)``: 85.7 for n = 7 ("ban sen"), 87.5 for n = 8 ("ta thang"). So 85 accepts
one wrong letter in any key of 7 or more characters (nearly every 2- or 3-syllable name), two
wrong letters only from 14 characters on, and never corrects very short names (≤ 6 characters,
e.g. "nam lu"), whose neighbours are too close to tell apart. Candidates must also have the same
number of syllables as the input: a missing or extra syllable ("Tả Tháng X") is another name,
not a typo.
"""
FUZZY_MARGIN = 10.0
"""Points by which the best fuzzy candidate must lead the second when both pass the threshold.

10 points is one more wrong letter in a key of up to 10 characters (the typical length of a
2-3-syllable name); for longer names a one-letter lead is worth less than 10 points, so two
similar long names above the threshold are reported as ambiguous rather than guessed.
"""
CLOSEST_SHOWN = 3
"""Number of closest units listed when a name cannot be resolved."""


@dataclass(frozen=True)
class CandidateIndex:
    """Resolution candidates for one (scope, month), with keys built once."""

    units: tuple[UnitVersion, ...]
    codes: frozenset[str]
    by_key1: dict[str, tuple[UnitVersion, ...]]
    by_key2: dict[str, tuple[UnitVersion, ...]]
    by_compact: dict[str, tuple[UnitVersion, ...]]  # diacritic-free key without spaces ("sapa")
    by_syllables: dict[int, tuple[list[str], list[UnitVersion]]]

    @classmethod
    def build(cls, units: tuple[UnitVersion, ...]) -> CandidateIndex:
        """The index of ``units`` (one scope at one month)."""
        by_syllables: dict[int, tuple[list[str], list[UnitVersion]]] = {}
        for unit in units:
            keys, members = by_syllables.setdefault(unit.n_syllables, ([], []))
            keys.append(unit.key2)
            members.append(unit)
        return cls(
            units=units,
            codes=frozenset(u.code for u in units),
            by_key1=group_by(units, "key1"),
            by_key2=group_by(units, "key2"),
            by_compact=_group_compact(units),
            by_syllables=by_syllables,
        )


def _group_compact(units: Iterable[UnitVersion]) -> dict[str, tuple[UnitVersion, ...]]:
    out: dict[str, list[UnitVersion]] = {}
    for unit in units:
        out.setdefault(unit.key2.replace(" ", ""), []).append(unit)
    return {k: tuple(v) for k, v in out.items()}


def group_by(units: Iterable[UnitVersion], attr: str) -> dict:
    """Units by the value of one attribute, in their order: ``{value: (unit, ...)}``."""
    out: dict = {}
    for unit in units:
        out.setdefault(getattr(unit, attr), []).append(unit)
    return {k: tuple(v) for k, v in out.items()}


def match_name(
    text: str,
    index: CandidateIndex,
    *,
    where: Callable[[], str],
    label: Callable[[UnitVersion], str],
    context: Callable[[UnitVersion], str] | None = None,
) -> UnitVersion:
    """The unit version a written name (not a code) designates among the index's units.

    ``where()`` says where the candidates were looked for, for the error message (e.g.
    ``" trong Huyện Mường Khương (083), kỳ 2024-08"``); ``label(unit)`` names a close unit in
    the message "unknown unit name"; ``context(unit)`` (e.g. its province) is added to each
    candidate of an ambiguous name and each close unit.
    """
    parses = parse_name(text)

    def allowed(unit: UnitVersion, parse: NameParse) -> bool:
        return parse.levels is None or unit.level in parse.levels

    # Stages 1 and 2: exact keys with, then without, diacritics.
    for attr, table in (("key1", index.by_key1), ("key2", index.by_key2)):
        hits = [
            (unit, parse)
            for parse in parses
            for unit in table.get(getattr(parse, attr), ())
            if allowed(unit, parse)
        ]
        if hits:
            return _decide(text, hits, attr, where, context)

    # Stage 2b: syllables written together or apart ("Sapa", "SaPa", "Simacai").
    hits = [
        (unit, parse)
        for parse in parses
        for unit in index.by_compact.get(parse.key2.replace(" ", ""), ())
        if allowed(unit, parse)
    ]
    if hits:
        return _decide(text, hits, "key2", where, context)

    # Stage 3: fuzzy on the diacritic-free key, same number of syllables.
    best: dict[str, tuple[float, UnitVersion]] = {}
    for parse in parses:
        keys, members = index.by_syllables.get(parse.n_syllables, ([], []))
        found = process.extract(
            parse.key2, keys, scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD, limit=None
        )
        for _key, score, i in found:
            unit = members[i]
            if allowed(unit, parse) and score > best.get(unit.code, (-1.0, unit))[0]:
                best[unit.code] = (score, unit)
    ranked = sorted(best.values(), key=lambda su: (-su[0], su[1].code))
    if len(ranked) == 1 or (len(ranked) > 1 and ranked[0][0] - ranked[1][0] >= FUZZY_MARGIN):
        return ranked[0][1]
    if ranked:
        _ambiguous(text, [u for _, u in ranked], where, context)
    _unknown(text, parses, index, where, label, context)
    raise AssertionError("unreachable")  # pragma: no cover


def _decide(
    text: str,
    hits: list[tuple[UnitVersion, NameParse]],
    attr: str,
    where: Callable[[], str],
    context: Callable[[UnitVersion], str] | None = None,
) -> UnitVersion:
    def chosen(code: str) -> UnitVersion:
        # Among the matching versions of one code, the one of the kind written, else the
        # latest.
        same = [u for u, p in hits if u.code == code]
        kind = [u for u, p in hits if u.code == code and p.kind and u.kind == p.kind]
        return (kind or same)[-1]

    codes = {unit.code for unit, _ in hits}
    if len(codes) == 1:
        return chosen(codes.pop())
    # Tie-break 1: the kind written in the name ("thành phố") equals the unit's own kind.
    same_kind = {unit.code for unit, parse in hits if parse.kind and unit.kind == parse.kind}
    if len(same_kind) == 1:
        return chosen(same_kind.pop())
    # Tie-break 2 (diacritic-free stage, input with marks): strictly fewest edits on the
    # key with diacritics ("Dồng Tuyen" is "Dồng Tuyển", not "Đồng Tuyển"), then on that key
    # without tones ("Nâm Can", typed without tones, is "Nậm Càn", not "Nậm Cắn"). A name
    # typed without any tone says nothing of tones: only the letters' marks count ("Hoa Lôc"
    # is Hoa Lộc or Hòa Lộc, not the one with fewer tones).
    if attr == "key2" and any(parse.key1 != parse.key2 for _, parse in hits):
        dist: dict[str, tuple[int, int]] = {}
        for unit, parse in hits:
            letters = Levenshtein.distance(strip_tones(parse.key1), strip_tones(unit.key1))
            toneless = strip_tones(parse.key1) == parse.key1
            d = (letters if toneless else Levenshtein.distance(parse.key1, unit.key1), letters)
            dist[unit.code] = min(d, dist.get(unit.code, d))
        ordered = sorted(dist.items(), key=lambda cd: cd[1])
        if ordered[0][1] < ordered[1][1]:
            return chosen(ordered[0][0])
    _ambiguous(text, [unit for unit, _ in hits], where, context)
    raise AssertionError("unreachable")  # pragma: no cover


def _ambiguous(
    text: str,
    units: Sequence[UnitVersion],
    where: Callable[[], str],
    context: Callable[[UnitVersion], str] | None = None,
) -> None:
    seen: dict[str, UnitVersion] = {}
    names: dict[str, list[str]] = {}
    for unit in sorted(units, key=lambda u: u.valid_from or ""):
        seen.setdefault(unit.code, unit)
        if unit.name not in names.setdefault(unit.code, []):
            names[unit.code].append(unit.name)

    def extra(code: str) -> str:
        return f", {context(seen[code])}" if context is not None else ""

    listed = ", ".join(f"{' / '.join(names[code])} ({code}{extra(code)})" for code in seen)
    err = MkbidxError(
        f'tên đơn vị "{text}" không rõ ràng (ambiguous unit name){where()}; khớp: {listed}',
        expected='tên đủ dấu, ghi rõ cấp ("xã ...", "thị trấn ...", "huyện ..."), phạm vi '
        "(--scope) hoặc mã đơn vị",
    )
    err.candidates = [(u.code, u.name) for u in seen.values()]
    raise err


def _unknown(
    text: str,
    parses: tuple[NameParse, ...],
    index: CandidateIndex,
    where: Callable[[], str],
    label: Callable[[UnitVersion], str],
    context: Callable[[UnitVersion], str] | None = None,
) -> None:
    pool = [u for u in index.units if any(p.levels is None or u.level in p.levels for p in parses)]
    pool = pool or list(index.units)
    scores: dict[str, tuple[float, UnitVersion]] = {}
    for unit in pool:
        score = max(fuzz.ratio(p.key2, unit.key2) for p in parses)
        if score > scores.get(unit.code, (-1.0, unit))[0]:
            scores[unit.code] = (score, unit)
    closest = sorted(scores.values(), key=lambda su: (-su[0], su[1].code))[:CLOSEST_SHOWN]

    def extra(unit: UnitVersion) -> str:
        return f", {context(unit)}" if context is not None else ""

    shown = ", ".join(f"{label(u)} ({u.code}{extra(u)})" for _, u in closest)
    err = MkbidxError(
        f'không xác định được đơn vị "{text}" (unknown unit name){where()}'
        + (f"; gần nhất: {shown}" if shown else ""),
        expected="tên hoặc mã một đơn vị trong danh mục (unit registry)",
    )
    err.candidates = [(u.code, u.name) for _, u in closest]
    raise err
