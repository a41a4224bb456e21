"""The draft letter (công văn) that publishes a month's results to the units of a scope.

The letter of Mường Khương district for August 2024 (``../shared/seed/``) is the model: a header
(issuing body, national motto, number, subject, place and date), the legal basis, (1) the scope's
total and rank among its peers, (2) praise for the units in the top band and a request to the
others, (3) the units with an indicator at 0 asked to explain before a deadline, the closing,
recipients and signature, then two appendices: the scope among its peers, and the scope's units.

Three steps, the first two pure:

- :func:`letter_facts` computes every fact of the letter from an evaluation
  (:func:`mkbidx.core.ranking.evaluate`) into a :class:`LetterFacts`;
- :func:`render_html` and :func:`render_docx` lay the facts out (Jinja2 templates in
  ``mkbidx/present/templates/``, rendered by the one environment of
  :func:`mkbidx.present.html.environment`: the wording is in ``letter-parts.html.j2``, shared by
  both formats; the defaults of issuer, recipients, signer, dates and layout in
  ``letter-defaults.yaml``; the .docx layout is :mod:`mkbidx.present.letter_docx`);
- :func:`mkbidx.run.letter.write_letter` writes ``cong-van.docx`` and ``cong-van.html`` into a
  folder.

Which zeros a unit must explain (section 3): a scored metric at 0 whose denominator is not 0
(e.g. no dossier paid online among those with fees), or whose denominator is 0 under the
methodology's rule ``zero`` (the unit lost the points: e.g. no dossier received at all), unless
the config sets ``zero_indicators.include_zero_denominator: false``. A metric under the rule
``null`` without data has no score and is never listed: missing data is not the unit's failure.
When every scored metric of a group is listed (so the group is at 0), the group is named once
instead of its metrics; a group at 0 known only from published group scores is named as a group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import jinja2
import pandas as pd
from jinja2.sandbox import SandboxedEnvironment

from mkbidx import __version__
from mkbidx import methodology as _methodology
from mkbidx.errors import MkbidxError
from mkbidx.methodology import Methodology
from mkbidx.present import formatting as fmt
from mkbidx.present import letter_docx
from mkbidx.present.html import environment
from mkbidx.reports.letter_config import (  # noqa: F401 (read_config: the CLI's entry)
    DEFAULTS_FILE,
    default_config,
    read_config,
    resolve_config,
)

PARTS_TEMPLATE = "letter-parts.html.j2"
HTML_TEMPLATE = "letter.html.j2"
BLANK = "\u00a0" * 8
"""No-break spaces standing for a blank the office fills in by hand (the letter's number)."""


# --------------------------------------------------------------------------------------------
# Facts
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitLine:
    """One unit as the letter names it."""

    code: str
    name: str  # official name: "Xã Tả Thàng"
    short_name: str  # in lists: "Tả Thàng", "thị trấn Mường Khương"
    inline_name: str  # in a sentence: "xã Tả Thàng"
    total: float
    rank: int | None
    rank_of: int | None
    band: str | None


@dataclass(frozen=True)
class Indicator:
    """An indicator at 0 that a unit must explain."""

    key: str  # metric code or group key
    kind: str  # "metric" or "group"
    group: str
    name: str  # the letter's wording: "chỉ số thanh toán phí, lệ phí trực tuyến"
    zero_denominator: bool  # 0 because nothing was counted (rule "zero"), not a ratio of 0


@dataclass(frozen=True)
class ZeroUnit:
    """A unit with at least one indicator at 0."""

    unit: UnitLine
    indicators: tuple[Indicator, ...]

    @property
    def indicator_names(self) -> list[str]:
        return [i.name for i in self.indicators]


@dataclass(frozen=True)
class AppendixRow:
    """A row of an appendix table, every cell already formatted."""

    number: str
    code: str
    name: str
    groups: tuple[str, ...]
    total: str
    rank: str
    band: str
    highlight: bool


@dataclass(frozen=True)
class Appendix:
    """An appendix table: the scope among its peers, or the scope's units."""

    number: str  # "01"
    kind: str  # "peers" or "units"
    units_kind: str  # "huyện, thị xã, thành phố"
    parent_name: str | None  # "tỉnh Lào Cai" (peers) / "huyện Mường Khương" (units)
    with_band: bool
    rows: tuple[AppendixRow, ...]
    table: pd.DataFrame = field(repr=False, compare=False)


@dataclass(frozen=True)
class GroupHeader:
    key: str
    short_name: str
    max_text: str


@dataclass(frozen=True)
class LetterFacts:
    """Every fact of a letter, computed from the data; texts are formatted the Vietnamese way.

    The templates read these attributes (``f.score_text``, ``f.good_names``, ...).
    """

    period: str
    period_long: str  # "tháng 8 năm 2024"
    scope: str
    scope_name: str  # "Huyện Mường Khương"
    scope_level: str | None
    scope_kind: str  # "huyện"
    scope_inline_name: str  # "huyện Mường Khương"
    scope_bare_name: str  # "Mường Khương"
    issuer_title: str  # "ỦY BAN NHÂN DÂN"
    issuer_unit: str  # "HUYỆN MƯỜNG KHƯƠNG"
    issuer_short: str  # "UBND huyện"
    issuer_inline: str  # "UBND huyện Mường Khương"
    number_suffix: str  # "UBND-VX"
    place: str  # "Mường Khương"
    issue_month: date  # first day of the month after the period
    date_line: str  # "ngày        tháng 9 năm 2024" (day left blank)
    first_day: date
    last_day: date
    date_from: str  # "01/8/2024"
    date_to: str  # "31/8/2024"
    data_day: date
    data_date: str  # "05/9/2024"
    deadline_day: date
    deadline: str  # "10/9/2024"
    data_source_url: str
    total: float
    total_max: float
    total_text: str  # "88,23"
    total_max_text: str  # "100"
    score_text: str  # "88,23/100"
    rank: int | None
    rank_of: int | None
    rank_text: str  # "1/9"
    has_rank: bool
    peers_phrase: str  # "huyện, thành phố"
    top_band_label: str  # "Tốt"
    top_band_min: float
    top_band_min_text: str  # "80"
    units: tuple[UnitLine, ...]  # the scope's units in rank order
    units_kind_all: str  # "xã, thị trấn"
    good_units: tuple[UnitLine, ...]
    good_count_text: str  # "13"
    good_kind: str  # "xã, thị trấn"
    good_names: str  # "Tả Thàng, Bản Lầu, ..."
    weak_units: tuple[UnitLine, ...]
    weak_count_text: str  # "03"
    weak_kind: str  # "xã"
    weak_names: str
    unscored_units: tuple[UnitLine, ...]  # units of the scope without a total
    zero_units: tuple[ZeroUnit, ...]
    zero_kind: str
    group_headers: tuple[GroupHeader, ...]
    appendices: tuple[Appendix, ...]
    notes: tuple[str, ...] = ()  # what the data cannot say (published group scores only)

    @property
    def appendix_numbers(self) -> list[str]:
        return [a.number for a in self.appendices]


_SNIPPETS = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False)


def _snippet(text: Any, f: Any, *, key: str) -> str | None:
    """Render one config text (a Jinja2 snippet) with the facts as ``f``; None stays None."""
    if text is None:
        return None
    return _render_pattern(text, key=key, f=f)


def _render_pattern(text: Any, *, key: str, **context: Any) -> str:
    try:
        return _SNIPPETS.from_string(str(text)).render(**context).strip()
    except jinja2.TemplateError as exc:
        raise MkbidxError(
            f"mẫu văn bản trong cấu hình công văn không hợp lệ (template error): {exc}",
            column=key,
            expected="văn bản, có thể có {{ f.… }}, vd. {{ f.scope_kind }}",
        ) from None


def _config_date(value: Any, *, key: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise MkbidxError(
            f"ngày không hợp lệ (invalid date): '{value}'", column=key, expected="YYYY-MM-DD"
        ) from None


def _day_of_month(month_start: date, day: Any, *, key: str) -> date:
    try:
        return month_start.replace(day=int(day))
    except (TypeError, ValueError):
        raise MkbidxError(
            f"ngày trong tháng không hợp lệ: '{day}'", column=key, expected="một số từ 1 đến 28"
        ) from None


# --------------------------------------------------------------------------------------------
# letter_facts
# --------------------------------------------------------------------------------------------


def _lower_first(text: str) -> str:
    """Lower-case the first letter unless the first word is an acronym ("DVC", "TTHC")."""
    text = str(text).strip()
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def _bare_name(name: str) -> str:
    """The name without its kind: "Thành phố Lào Cai" → "Lào Cai"."""
    kind = fmt.unit_kind(name)
    inline = fmt.inline_unit_name(name)
    return inline[len(kind) :].strip() if kind else inline


def _int_or_none(value: Any) -> int | None:
    return None if pd.isna(value) else int(value)


def _unit_line(row: Mapping[str, Any]) -> UnitLine:
    name = str(row["unit_name"])
    return UnitLine(
        code=str(row["unit_code"]),
        name=name,
        short_name=fmt.short_unit_name(name),
        inline_name=fmt.inline_unit_name(name),
        total=float(row["total"]) if pd.notna(row["total"]) else float("nan"),
        rank=_int_or_none(row.get("rank")),
        rank_of=_int_or_none(row.get("rank_of")),
        band=None if pd.isna(row.get("band")) else str(row.get("band")),
    )


def _kind_phrase(level: Any, names: Sequence[str], *, full: bool) -> str:
    if level in fmt.LEVEL_PHRASES:
        return fmt.peers_phrase(level, names, full=full)
    return fmt.unit_kind_phrase(names)


def _parts(evaluation: Any) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]:
    """(table, metrics, groups) from an Evaluation or a bare ranking table."""
    if isinstance(evaluation, pd.DataFrame):
        return evaluation, None, None
    try:
        return evaluation.table, evaluation.metrics, evaluation.groups
    except AttributeError:
        raise TypeError(
            "letter_facts needs a ranking.Evaluation or a ranking table (DataFrame)"
        ) from None


def _indicator_name(key: str, name: str, cfg: Mapping[str, Any], *, group: bool) -> str:
    names = cfg.get("indicator_names") or {}
    if key in names and names[key]:
        return str(names[key])
    key_name = "group_name_default" if group else "metric_name_default"
    return _render_pattern(cfg[key_name], key=key_name, name=_lower_first(name))


def _zero_indicators(
    table: pd.DataFrame,
    metrics: pd.DataFrame | None,
    groups: pd.DataFrame | None,
    *,
    period: str,
    codes: Sequence[str],
    methodology: Methodology,
    cfg: Mapping[str, Any],
) -> dict[str, list[Indicator]]:
    """Indicators at 0 per unit code (see the module docstring for the rule)."""
    include_zero_den = bool((cfg.get("zero_indicators") or {}).get("include_zero_denominator"))
    if groups is not None:
        g = groups[(groups["period"] == period) & groups["unit_code"].isin(codes)]
        group_score = {(r.unit_code, r.group): r.score for r in g.itertuples()}
    else:
        rows = table[(table["period"] == period) & table["unit_code"].isin(codes)]
        group_score = {
            (code, key): score
            for code, row in zip(rows["unit_code"], rows.to_dict("records"), strict=True)
            for key in methodology.group_keys
            if (score := row.get(key)) is not None
        }
    if metrics is not None:
        mm = metrics[
            (metrics["period"] == period)
            & metrics["unit_code"].isin(codes)
            & (metrics["max_score"] > 0)
        ]
    else:
        mm = pd.DataFrame(columns=["unit_code", "group", "metric", "score", "no_data"])
    # each unit's rows of each group, split once (not filtered again per unit and group)
    by_unit_group = {key: part for key, part in mm.groupby(["unit_code", "group"], sort=False)}

    out: dict[str, list[Indicator]] = {}
    for code in codes:
        found: list[Indicator] = []
        for grp in methodology.groups:
            scored = [m for m in grp.metrics if m.scored]
            part = by_unit_group.get((code, grp.key))
            gscore = group_score.get((code, grp.key))
            group_zero = gscore is not None and pd.notna(gscore) and float(gscore) == 0.0
            if part is None or part.empty:
                if group_zero:
                    found.append(
                        Indicator(
                            grp.key, "group", grp.key, _group_name(grp, cfg), zero_denominator=False
                        )
                    )
                continue
            zero = part[part["score"] == 0.0]
            if "no_data" in zero.columns:
                no_data = zero["no_data"].fillna(False).astype(bool)
            else:
                no_data = pd.Series(False, index=zero.index)
            keep = ~no_data | include_zero_den
            flagged, flagged_no_data = zero[keep], no_data[keep]
            if flagged.empty:
                continue
            flagged_codes = set(flagged["metric"])
            if group_zero and len(scored) > 1 and {m.code for m in scored} <= flagged_codes:
                all_no_data = bool(flagged_no_data.all())
                found.append(
                    Indicator(grp.key, "group", grp.key, _group_name(grp, cfg), all_no_data)
                )
                continue
            nd = dict(zip(flagged["metric"], flagged_no_data, strict=True))
            for metric in scored:
                if metric.code in flagged_codes:
                    found.append(
                        Indicator(
                            metric.code,
                            "metric",
                            grp.key,
                            _indicator_name(metric.code, metric.name, cfg, group=False),
                            bool(nd.get(metric.code, False)),
                        )
                    )
        seen: set[str] = set()
        unique = [i for i in found if not (i.name in seen or seen.add(i.name))]
        if unique:
            out[code] = unique
    return out


def _group_name(grp: Any, cfg: Mapping[str, Any]) -> str:
    return _indicator_name(grp.key, grp.name, cfg, group=True)


def _is(series: pd.Series, value: Any) -> pd.Series:
    """``series == value`` as plain booleans (missing values are not equal to anything)."""
    return series.astype(object).map(lambda v: not pd.isna(v) and str(v) == str(value))


def _children(rows: pd.DataFrame, scope: str) -> pd.DataFrame:
    """The scope's units in rank order; if they are of several levels (a province's districts
    and departments), those of the most common level (ranks are among one level's units)."""
    children = rows[_is(rows["parent_code"], scope)]
    levels = children["level"].fillna("").value_counts(sort=False)
    if len(levels) > 1:
        children = children[children["level"].fillna("") == levels.idxmax()]
    return children.sort_values(["rank", "unit_code"], kind="stable", na_position="last")


def _appendix_rows(
    rows: pd.DataFrame, methodology: Methodology, *, highlight: str | None
) -> tuple[AppendixRow, ...]:
    out = []
    for i, row in enumerate(rows.to_dict("records"), start=1):
        out.append(
            AppendixRow(
                number=fmt.integer(i),
                code=str(row["unit_code"]),
                name=str(row["unit_name"]),
                groups=tuple(fmt.score(row.get(k)) for k in methodology.group_keys),
                total=fmt.score(row["total"]),
                rank=fmt.integer(row["rank"]) if pd.notna(row["rank"]) else fmt.MISSING,
                band=str(row["band"]) if pd.notna(row.get("band")) else fmt.MISSING,
                highlight=str(row["unit_code"]) == highlight,
            )
        )
    return tuple(out)


def unit_name(units: pd.DataFrame, code: str, period: str) -> str | None:
    """The name of unit ``code`` in ``period`` from a unit-label frame (period, unit_code,
    unit_name), else its latest name; None when the frame does not name it.

    >>> u = pd.DataFrame({"period": ["2024-08"], "unit_code": ["083"],
    ...                   "unit_name": ["Huyện Mường Khương"]})
    >>> unit_name(u, "083", "2024-08"), unit_name(u, "084", "2024-08")
    ('Huyện Mường Khương', None)
    """
    rows = units.loc[_is(units["unit_code"], str(code)).astype(bool)]
    same = rows.loc[_is(rows["period"], period).astype(bool)]
    for name in (*same["unit_name"], *reversed(list(rows["unit_name"]))):
        if isinstance(name, str) and name.strip():
            return name
    return None


def letter_facts(
    evaluation: Any,
    *,
    period: str,
    scope: str,
    methodology: Methodology | None = None,
    config: Mapping[str, Any] | None = None,
    scope_name: str | None = None,
) -> LetterFacts:
    """Compute every fact of the letter of ``scope`` for ``period``.

    Parameters
    ----------
    evaluation
        A :class:`mkbidx.core.ranking.Evaluation` (table, metrics and groups: zeros are found at the
        metric level) or just its ranking table (zeros only at the group level). It must hold
        the scope's row (total, rank among its peers), its peers and its units.
    period
        ``"YYYY-MM"`` (or ``"YYYY-Qn"``, ``"YYYY"``).
    scope
        Code of the unit whose letter it is (``"083"``): its units are those whose parent is it.
    methodology
        For the bands, group names and maxima; default: the current version.
    config
        The user's letter config (see ``letter-defaults.yaml``); merged over the defaults by
        :func:`resolve_config`.
    scope_name
        The scope's official name: with it, a scope without a score of its own (a table of
        published scores of its units only) still gets its letter, which says that its total
        is not known.

    Returns
    -------
    LetterFacts

    Raises
    ------
    MkbidxError
        If the scope is not in the table for the period, or has no units under it.

    Examples
    --------
    >>> from mkbidx.core import ranking
    >>> c = pd.DataFrame({"period": "2024-08", "unit_code": ["a", "b"], "group": "tien_do",
    ...                   "metric": "ON_TIME", "numerator": [20, 0], "denominator": [20, 10]})
    >>> u = pd.DataFrame({"unit_code": ["a", "b", "p"], "unit_name": ["Xã A", "Xã B", "Huyện P"],
    ...                   "level": ["commune", "commune", "district"], "parent_code": "p"})
    >>> u.loc[2, "parent_code"] = None
    >>> f = letter_facts(ranking.evaluate(c, u), period="2024-08", scope="p")
    >>> f.score_text, f.has_rank, [z.unit.inline_name for z in f.zero_units]
    ('13,33/100', False, ['xã B'])
    """
    m = methodology if methodology is not None else _methodology.load()
    cfg = resolve_config(config, scope=scope)
    table, metrics, groups = _parts(evaluation)
    scope = str(scope)
    rows = table[_is(table["period"], period)]
    own = rows[_is(rows["unit_code"], scope)]
    notes: list[str] = []
    has_units = not rows.empty and not _children(rows, scope).empty
    if own.empty and scope_name and has_units:
        own = pd.DataFrame([{"unit_code": scope, "unit_name": scope_name, "total": float("nan")}])
        inline = fmt.inline_unit_name(scope_name)
        notes.append(
            f"bảng điểm đã công bố chỉ có điểm của các đơn vị trực thuộc {inline}, không có số "
            f"liệu chi tiết (tử số, mẫu số) để tính tổng điểm của {inline}."
        )
    if own.empty:
        only_units = ", chỉ có điểm các đơn vị trực thuộc" if has_units else ""
        raise MkbidxError(
            f"không có kết quả của đơn vị '{scope}' trong kỳ {period}{only_units} "
            "(unknown scope or period)",
            unit=scope,
            column="--scope",
            expected="mã một đơn vị có số liệu trong kỳ này",
        )
    me = own.iloc[0].to_dict()
    units_rows = _children(rows, scope)
    if units_rows.empty:
        raise MkbidxError(
            f"không có đơn vị nào trực thuộc '{scope}' trong kỳ {period} (empty scope)",
            unit=scope,
            column="--scope",
            expected="mã một đơn vị cấp trên (huyện, tỉnh) có đơn vị trực thuộc",
        )
    parent = me.get("parent_code")
    has_parent = parent is not None and not pd.isna(parent)
    peers_rows = (
        rows[_is(rows["parent_code"], parent) & _is(rows["level"], me.get("level"))].sort_values(
            ["rank", "unit_code"], kind="stable", na_position="last"
        )
        if has_parent
        else rows.iloc[0:0]
    )

    # --- the scope, the issuer and the place
    name = str(me["unit_name"])
    level = me.get("level") if isinstance(me.get("level"), str) else None
    kind = fmt.unit_kind(name) or str((cfg.get("level_kinds") or {}).get(level) or "")
    scope_ns = SimpleNamespace(
        scope_name=name,
        scope_level=level,
        scope_kind=kind,
        scope_inline_name=fmt.inline_unit_name(name),
        scope_bare_name=_bare_name(name),
    )
    issuer = cfg.get("issuer") or {}

    # --- dates
    first_day, last_day = fmt.period_bounds(period)
    issue_month = last_day + timedelta(days=1)
    data_day = _config_date(cfg.get("data_date"), key="data_date") or _day_of_month(
        issue_month, cfg.get("data_date_day"), key="data_date_day"
    )
    deadline_day = _config_date(cfg.get("deadline"), key="deadline") or _day_of_month(
        issue_month, cfg.get("deadline_day"), key="deadline_day"
    )
    date_line = fmt.date_long(issue_month, blank_day=True).replace(f" {fmt.BLANK_DAY} ", BLANK)

    # --- total and rank
    total = float(me["total"]) if pd.notna(me["total"]) else float("nan")
    rank = _int_or_none(me.get("rank"))
    rank_of = _int_or_none(me.get("rank_of"))
    has_rank = has_parent and rank is not None and rank_of is not None and rank_of > 1
    peer_names = [str(n) for n in peers_rows["unit_name"]]

    # --- the scope's units: top band, the others, zeros
    top = m.bands[0]
    units = tuple(_unit_line(r) for r in units_rows.to_dict("records"))
    scored = [u for u in units if u.total == u.total]
    good = tuple(u for u in scored if u.band == top.label)
    weak = tuple(u for u in scored if u.band != top.label)
    unscored = tuple(u for u in units if u.total != u.total)
    zeros = _zero_indicators(
        table,
        metrics,
        groups,
        period=period,
        codes=[u.code for u in units],
        methodology=m,
        cfg=cfg,
    )
    zero_units = tuple(ZeroUnit(u, tuple(zeros[u.code])) for u in units if u.code in zeros)
    if metrics is not None and not _is(metrics["period"], period).any():
        notes.append(
            "bảng điểm đã công bố không có số liệu chi tiết (tử số, mẫu số): chỉ nêu được các "
            "nhóm chỉ số bằng 0, không nêu được từng chỉ số bằng 0."
        )
    child_level = (
        units_rows["level"].dropna().iloc[0] if units_rows["level"].notna().any() else None
    )

    # --- appendices
    appendices = []
    if has_rank:  # a scope alone under its parent has neither rank nor peers appendix
        parent_row = rows[_is(rows["unit_code"], parent)]
        parent_name = (
            fmt.inline_unit_name(str(parent_row.iloc[0]["unit_name"]))
            if len(parent_row) and parent_row.iloc[0]["unit_name"] != parent
            else None
        )
        appendices.append(
            ("peers", _kind_phrase(level, peer_names, full=True), parent_name, False, peers_rows)
        )
    appendices.append(
        (
            "units",
            _kind_phrase(child_level, [u.name for u in units], full=True),
            scope_ns.scope_inline_name,
            True,
            units_rows,
        )
    )
    appendix_objs = tuple(
        Appendix(
            number=fmt.count_padded(i),
            kind=kind_,
            units_kind=units_kind,
            parent_name=parent_name,
            with_band=with_band,
            rows=_appendix_rows(frame, m, highlight=scope if kind_ == "peers" else None),
            table=frame.reset_index(drop=True),
        )
        for i, (kind_, units_kind, parent_name, with_band, frame) in enumerate(appendices, 1)
    )

    return LetterFacts(
        period=period,
        period_long=fmt.period_long(period),
        scope=scope,
        scope_name=name,
        scope_level=level,
        scope_kind=kind,
        scope_inline_name=scope_ns.scope_inline_name,
        scope_bare_name=scope_ns.scope_bare_name,
        issuer_title=_snippet(issuer.get("title"), scope_ns, key="issuer.title") or "",
        issuer_unit=_snippet(issuer.get("unit"), scope_ns, key="issuer.unit") or "",
        issuer_short=_snippet(issuer.get("short"), scope_ns, key="issuer.short") or "",
        issuer_inline=_snippet(issuer.get("inline"), scope_ns, key="issuer.inline") or "",
        number_suffix=str(cfg.get("number_suffix") or ""),
        place=_snippet(cfg.get("place"), scope_ns, key="place") or "",
        issue_month=issue_month,
        date_line=date_line,
        first_day=first_day,
        last_day=last_day,
        date_from=fmt.date_vn(first_day),
        date_to=fmt.date_vn(last_day),
        data_day=data_day,
        data_date=fmt.date_vn(data_day),
        deadline_day=deadline_day,
        deadline=fmt.date_vn(deadline_day),
        data_source_url=str(cfg.get("data_source_url") or ""),
        total=total,
        total_max=float(m.total_max),
        total_text=fmt.score(total),
        total_max_text=fmt.compact(m.total_max),
        score_text=fmt.score_of_max(total, m.total_max),
        rank=rank,
        rank_of=rank_of,
        rank_text=fmt.rank_label(rank, rank_of),
        has_rank=has_rank,
        peers_phrase=_kind_phrase(level, peer_names, full=False) if has_rank else "",
        top_band_label=top.label,
        top_band_min=float(top.min),
        top_band_min_text=fmt.compact(top.min),
        units=units,
        units_kind_all=_kind_phrase(child_level, [u.name for u in units], full=True),
        good_units=good,
        good_count_text=fmt.count_padded(len(good)),
        good_kind=fmt.unit_kind_phrase([u.name for u in good]),
        good_names=fmt.name_list([u.name for u in good]),
        weak_units=weak,
        weak_count_text=fmt.count_padded(len(weak)),
        weak_kind=fmt.unit_kind_phrase([u.name for u in weak]),
        weak_names=fmt.name_list([u.name for u in weak]),
        unscored_units=unscored,
        zero_units=zero_units,
        zero_kind=fmt.unit_kind_phrase([z.unit.name for z in zero_units]),
        group_headers=tuple(GroupHeader(g.key, g.short_name, fmt.compact(g.max)) for g in m.groups),
        appendices=appendix_objs,
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------------------------
# Rendering: shared wording, the HTML page and the .docx
# --------------------------------------------------------------------------------------------


def _texts(facts: LetterFacts, cfg: Mapping[str, Any]) -> dict[str, Any]:
    """The config's text lists rendered with the facts: recipients, cc, signer."""
    recipients = cfg.get("recipients")
    if recipients is None:
        by_level = cfg.get("recipients_by_level") or {}
        recipients = by_level.get(facts.scope_level) or by_level.get("district") or []
    if isinstance(recipients, str):
        recipients = [recipients]
    signer = cfg.get("signer") or {}
    lines = signer.get("lines") or []
    return {
        "recipients": [_snippet(r, facts, key="recipients") for r in recipients if r],
        "cc": [_snippet(c, facts, key="cc") for c in cfg.get("cc") or [] if c],
        "signer_lines": [_snippet(line, facts, key="signer.lines") or "" for line in lines],
        "signer_name": _snippet(signer.get("name"), facts, key="signer.name") or "",
    }


def _context(facts: LetterFacts, config: Mapping[str, Any] | None) -> dict[str, Any]:
    cfg = resolve_config(config, scope=facts.scope)
    return {
        "f": facts,
        "texts": _texts(facts, cfg),
        "L": SimpleNamespace(**_layout(cfg)),
        "NB": BLANK,
        "version": __version__,
    }


def _layout(cfg: Mapping[str, Any]) -> dict[str, Any]:
    layout = dict(cfg.get("layout") or {})
    layout["margins_mm"] = SimpleNamespace(**(layout.get("margins_mm") or {}))
    return layout


def render_html(facts: LetterFacts, config: Mapping[str, Any] | None = None) -> str:
    """The letter as one self-contained HTML page (inline CSS, A4 ``@page``, data escaped).

    Parameters
    ----------
    facts
        From :func:`letter_facts`.
    config
        The user's letter config (recipients, cc, signer, layout); defaults otherwise.

    Returns
    -------
    str
    """
    return environment().get_template(HTML_TEMPLATE).render(**_context(facts, config))


def render_docx(facts: LetterFacts, config: Mapping[str, Any] | None = None) -> Any:
    """The letter as a python-docx Document, formatted per Nghị định 30/2020/NĐ-CP.

    The wording is the HTML page's (the macros of ``letter-parts.html.j2`` rendered with the
    same context); :func:`mkbidx.present.letter_docx.render_docx` lays it out: A4 portrait,
    margins and fonts from the config's ``layout`` (Times New Roman 14 pt body, 13 pt header and
    tables), the header as a borderless two-column table (issuing body left, national motto
    right), then the body, recipients and signature; each appendix in its own landscape A4
    section as a bordered table whose header row repeats on every page.

    Parameters
    ----------
    facts
        From :func:`letter_facts`.
    config
        The user's letter config; defaults otherwise.

    Returns
    -------
    docx.document.Document
    """
    parts = environment().get_template(PARTS_TEMPLATE).make_module(_context(facts, config))
    layout = _layout(resolve_config(config, scope=facts.scope))
    layout["margins_mm"] = vars(layout["margins_mm"])
    return letter_docx.render_docx(parts, facts.appendices, layout)
