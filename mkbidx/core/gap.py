"""Gap to target: the fewest additional counts that lift a unit to the target total.

For each unit below the target (default: the top band's minimum, 80 points) :func:`to_target`
proposes concrete actions in the units analysts act on: how many more counts of which metric
(12 more dossiers paid online, 9 more dossiers settled on time). The result is structured
(codes, counts, totals, a note *kind*); the Vietnamese wording ("thêm 12 hồ sơ thanh toán phí,
lệ phí trực tuyến") is added by :mod:`mkbidx.present.gap_text`.

The model
---------
- An action raises one metric's numerator by ``k`` with its denominator unchanged, never beyond
  the denominator (so never beyond the metric's maximum).
- Only metrics with counts (a denominator > 0), a scored rule (``linear``/``linear_target``) and
  an ``action`` noun in the methodology are actionable. Metrics without a denominator, with a
  published ratio only, information-only metrics, and metrics whose numerator the unit does not
  control (no ``action`` in the YAML, e.g. publication of procedures) are left as they are.
- Scores come from the methodology's own functions (:func:`mkbidx.core.scoring.score_metrics`,
  :func:`mkbidx.core.scoring.score_groups`, :func:`mkbidx.core.scoring.score_totals`) with their
  exact
  half-up rounding; the minimal ``k`` for a score is found by searching the real scoring
  function over integers, never by inverting a formula.

The plan (greedy by points per additional count)
------------------------------------------------
1. For each actionable metric: the points it can still gain (score at numerator = denominator,
   less its score now) and the fewest counts that reach them; its efficiency is gain / counts.
2. Take metrics in order of efficiency (highest first; methodology order on a tie). While the
   best remaining metric cannot cover the remaining need alone, take it in full. When it can,
   finish with the remaining metric that covers the need with the fewest counts.
3. Rescore the unit with every action applied. If a group cap or rounding leaves it short, plan
   again from there (the extra counts are added to the actions).

All units are planned together: each call of the scoring pipeline scores the states of every
unit at once (totals now with the best reachable totals, the searches, the totals after each
action), so a scope's plans cost a handful of calls whatever its size. A batch of states is
built as one frame (the units' rows taken by position, the changed numerators set by position),
never state by state.

Guarantee: applying every returned action and rescoring gives a total ≥ the target, and one
count less on the last action's metric gives a total below the target (the last step is
minimal). The plan as a whole is the greedy one: optimal for the linear rules up to rounding,
not proven optimal in every rounding corner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from mkbidx import methodology as _methodology
from mkbidx.core import ranking, scoring
from mkbidx.errors import MkbidxError
from mkbidx.methodology import Methodology

COLUMNS = [
    "unit_code",
    "unit_name",
    "total",
    "target",
    "group",
    "metric",
    "additional_count",
    "score_after",
]
"""The columns of the command line's gap table, in order."""
PLAN_COLUMNS = [*COLUMNS, "numerator", "denominator", "note", "best_total"]
"""All columns returned by :func:`to_target`."""
NOTE_NONE = ""
"""Note kind of an action row."""
NOTE_NO_COUNTS = "no_counts"
"""Note kind of a unit without counts in the period (one row, no action)."""
NOTE_UNREACHABLE = "unreachable"
"""Note kind of a unit that cannot reach the target even with full marks on every actionable
metric (one row, no action; ``best_total`` is the best reachable total)."""
NOTE_KINDS = (NOTE_NONE, NOTE_NO_COUNTS, NOTE_UNREACHABLE)
ACTIONABLE_RULES = ("linear", "linear_target")
SEARCH_POINTS = 64
"""Candidate numerators scored per search round (one vectorised scoring call per round)."""
MAX_REPLANS = 10
BASE_COLUMNS = ("group", "metric", "numerator", "denominator", "published_ratio")
"""The counts columns a plan keeps (what scoring reads)."""


def _method(methodology: Methodology | None) -> Methodology:
    return methodology if methodology is not None else _methodology.load()


# --------------------------------------------------------------------------------------------
# Exact scoring helpers
# --------------------------------------------------------------------------------------------


def check_target(
    target: float | None, methodology: Methodology | None = None, *, column: str = "target"
) -> float:
    """The target total in points: None gives the top band's minimum (80); a given target must
    be a finite number above 0 and at most the methodology's maximum total (100), else a
    :class:`MkbidxError` naming ``column``.

    >>> check_target(None), check_target(80.5)
    (80.0, 80.5)
    >>> check_target(101, column="--target")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mkbidx.errors.MkbidxError: cột "--target": mục tiêu 101 ngoài khoảng (0, 100] (invalid ...
    """
    m = _method(methodology)
    if target is None:
        return float(max(b.min for b in m.bands))
    value = float(target)
    if not 0 < value <= m.total_max:  # False for NaN too
        raise MkbidxError(
            f"mục tiêu {value:g} ngoài khoảng (0, {m.total_max:g}] (invalid target)",
            column=column,
            expected=f"một tổng điểm lớn hơn 0 và không quá {m.total_max:g}, vd. 80",
        )
    return value


def _metric_cents(
    m: Methodology,
    metrics: Sequence[str] | np.ndarray,
    numerators: Sequence[int] | np.ndarray,
    denominators: Sequence[int] | np.ndarray,
) -> np.ndarray:
    """Score (in hundredths) of each (metric, numerator, denominator) by the real scoring."""
    frame = pd.DataFrame(
        {
            "period": "gap",
            "unit_code": "gap",
            "metric": list(metrics),
            "numerator": np.asarray(numerators, dtype="float64"),
            "denominator": np.asarray(denominators, dtype="float64"),
        }
    )
    scores = scoring.score_metrics(frame, methodology=m)["score"].to_numpy(dtype="float64")
    return np.round(np.nan_to_num(scores) * 100).astype("int64")


@dataclass
class _Search:
    metric: str
    denominator: int
    lo: int  # s(lo - 1) < need is known (or lo is the starting numerator)
    hi: int  # s(hi) >= need is known
    need: int  # score to reach, in hundredths


def _points(lo: int, hi: int) -> np.ndarray:
    """The numerators a search round scores in [lo, hi): all of them, or :data:`SEARCH_POINTS`
    evenly spread (``lo`` always first)."""
    if hi - lo <= SEARCH_POINTS:
        return np.arange(lo, hi, dtype="int64")
    return np.unique(np.linspace(lo, hi, SEARCH_POINTS, endpoint=False).astype("int64"))


def _narrow(s: _Search, cand: np.ndarray, got: np.ndarray) -> None:
    """Narrow a search to the scores ``got`` of its round's numerators ``cand``."""
    reached = np.nonzero(got >= s.need)[0]
    if len(reached) == 0:
        s.lo = int(cand[-1]) + 1
    else:
        i = int(reached[0])
        s.hi = int(cand[i])
        if i > 0:
            s.lo = int(cand[i - 1]) + 1


def _min_numerators(m: Methodology, searches: list[_Search]) -> list[int]:
    """For each search the least numerator in [lo, hi] scoring at least ``need``.

    ``s(hi) >= need`` must hold. All searches advance together: each round scores up to
    :data:`SEARCH_POINTS` candidates per search in one vectorised call (a k-ary bisection on the
    real, monotone scoring function).
    """
    active = [s for s in searches if s.lo < s.hi]
    while active:
        points = [_points(s.lo, s.hi) for s in active]
        lengths = [len(cand) for cand in points]
        cents = _metric_cents(
            m,
            np.repeat(np.array([s.metric for s in active], dtype=object), lengths),
            np.concatenate(points),
            np.repeat([s.denominator for s in active], lengths),
        )
        offset = 0
        for s, cand in zip(active, points, strict=True):
            _narrow(s, cand, cents[offset : offset + len(cand)])
            offset += len(cand)
        active = [s for s in active if s.lo < s.hi]
    return [s.hi for s in searches]


@dataclass
class _Units:
    """The counts (and published group scores) of every planned unit, stacked in one frame.

    Unit ``u`` owns the rows ``start[u] : start[u] + size[u]`` of ``counts`` (a row of a unit is
    its position there) and the rows ``pub_start[u] : pub_start[u] + pub_size[u]`` of
    ``published``. A *state* of a unit is ``(u, changes)``: its counts with the numerator of each
    ``(row, numerator)`` of ``changes`` replaced.
    """

    codes: list[str]  # unit codes
    counts: pd.DataFrame  # the base columns of every unit, one unit after another
    start: np.ndarray
    size: np.ndarray
    metric: np.ndarray  # str(metric code) of each row
    numerator: np.ndarray  # float64
    denominator: np.ndarray  # float64
    published: pd.DataFrame | None  # published groups without period and unit_code, or None
    pub_start: np.ndarray
    pub_size: np.ndarray


_State = tuple[int, Sequence[tuple[int, float]]]


def _layout(units: _Units, states: Sequence[_State]) -> tuple[np.ndarray, ...]:
    """Rows of a batch of states: (units, sizes, first row of each state, rows in
    ``units.counts``, numerators with the states' changes applied)."""
    u = np.fromiter((s[0] for s in states), dtype="int64", count=len(states))
    sizes = units.size[u]
    first = np.cumsum(sizes) - sizes
    pos = np.repeat(units.start[u] - first, sizes) + np.arange(int(sizes.sum()), dtype="int64")
    num = units.numerator[pos]
    at = [int(first[i]) + row for i, (_u, changes) in enumerate(states) for row, _n in changes]
    if at:
        num[np.asarray(at, dtype="int64")] = [n for _u, changes in states for _r, n in changes]
    return u, sizes, first, pos, num


def _apply(units: _Units, u: int, actions: Sequence[tuple[int, int]]) -> _State:
    """The state of unit ``u`` with ``k`` more on the numerator of each (row, k) action."""
    start = int(units.start[u])
    return u, [(row, units.numerator[start + row] + k) for row, k in actions]


def _totals(m: Methodology, units: _Units, states: Sequence[_State]) -> list[int]:
    """Total (hundredths) of each state, by the real pipeline.

    Every state is scored as a unit of its own in one call of the scoring pipeline (the states
    of many units and many candidate plans at once: scoring is per unit, so batching changes no
    result). The batch is one frame: the rows of each state's unit, taken by position, with the
    changed numerators set by position.
    """
    if not states:
        return []
    u, sizes, _first, pos, num = _layout(units, states)
    labels = np.array([f"s{i}" for i in range(len(states))], dtype=object)
    counts = (
        units.counts.take(pos)
        .reset_index(drop=True)
        .assign(numerator=num, period="gap", unit_code=np.repeat(labels, sizes))
    )
    metric_scores = scoring.score_metrics(counts, methodology=m)
    groups = scoring.score_groups(metric_scores, methodology=m)
    if units.published is not None:
        pub_sizes = units.pub_size[u]
        n_pub = int(pub_sizes.sum())
        if n_pub:
            pub_first = np.cumsum(pub_sizes) - pub_sizes
            pub_pos = np.repeat(units.pub_start[u] - pub_first, pub_sizes) + np.arange(n_pub)
            published = (
                units.published.take(pub_pos)
                .reset_index(drop=True)
                .assign(period="gap", unit_code=np.repeat(labels, pub_sizes))
            )
            groups = scoring.combine_groups(groups, published)
    totals = scoring.score_totals(groups, methodology=m)
    got = pd.Series(totals["total"].to_numpy(), index=totals["unit_code"].to_numpy(dtype=object))
    return [int(round(t * 100)) for t in got.reindex(labels).fillna(0.0)]


# --------------------------------------------------------------------------------------------
# Planning
# --------------------------------------------------------------------------------------------


@dataclass
class _Candidate:
    row: int  # row of the unit
    metric: str
    group: str
    numerator: int
    denominator: int
    now: int  # score now, hundredths
    gain: int  # points still available, hundredths
    k_full: int  # counts that reach the full gain
    order: int  # methodology order (tie-break)

    @property
    def efficiency(self) -> Fraction:
        return Fraction(self.gain, self.k_full)


def _movable(m: Methodology, require_action: bool) -> dict[str, tuple[_methodology.Metric, int]]:
    """The metrics an action may move, with their group's position in the methodology."""
    out: dict[str, tuple[_methodology.Metric, int]] = {}
    for i, g in enumerate(m.groups):
        for metric in g.metrics:
            if metric.rule not in ACTIONABLE_RULES or metric.max <= 0:
                continue
            if require_action and not metric.action:
                continue
            out.setdefault(metric.code, (metric, i))
    return out


def _actionable_many(
    m: Methodology, units: _Units, states: Sequence[_State], require_action: bool
) -> list[list[_Candidate]]:
    """The actionable metrics of each state (scored together: one call per search round)."""
    if not states:
        return []
    movable = _movable(m, require_action)
    _u, sizes, first, pos, num = _layout(units, states)
    den = units.denominator[pos]
    codes = units.metric[pos]
    known = np.fromiter((c in movable for c in codes), dtype=bool, count=len(codes))
    with np.errstate(invalid="ignore"):
        ok = known & ~np.isnan(num) & ~np.isnan(den) & (den > 0) & (num < den)
    rows = np.flatnonzero(ok)
    if not len(rows):
        return [[] for _ in states]
    state_of = np.repeat(np.arange(len(states)), sizes)[rows]
    row_of = (rows - first[state_of]).tolist()
    codes_l = codes[rows].tolist()
    n_l = num[rows].astype("int64").tolist()
    d_l = den[rows].astype("int64").tolist()
    # One call scores each metric now, at full marks (numerator = denominator), and the first
    # round of the search for the fewest counts reaching full marks (its numerators start at
    # the one now): the search needs the score at full marks only to narrow.
    points = [np.append(_points(n, d), d) for n, d in zip(n_l, d_l, strict=True)]
    lengths = [len(p) for p in points]
    cents = _metric_cents(
        m,
        np.repeat(np.array(codes_l, dtype=object), lengths),
        np.concatenate(points),
        np.repeat(d_l, lengths),
    )
    ends = np.cumsum(lengths)
    now, full = cents[ends - lengths].tolist(), cents[ends - 1].tolist()
    searches = []
    for c, n, d, f, p, end in zip(codes_l, n_l, d_l, full, points, ends.tolist(), strict=True):
        search = _Search(c, d, n, d, f)
        _narrow(search, p[:-1], cents[end - len(p) : end - 1])
        searches.append(search)
    reach = _min_numerators(m, searches)
    out: list[list[_Candidate]] = [[] for _ in states]
    for j, s in enumerate(state_of.tolist()):
        s_now, s_full = now[j], full[j]
        if s_full <= s_now:
            continue
        metric, order = movable[codes_l[j]]
        out[s].append(
            _Candidate(
                row=row_of[j],
                metric=metric.code,
                group=metric.group,
                numerator=n_l[j],
                denominator=d_l[j],
                now=s_now,
                gain=s_full - s_now,
                k_full=reach[j] - n_l[j],
                order=order,
            )
        )
    return out


def _greedy_many(
    m: Methodology, problems: Sequence[tuple[list[_Candidate], int]]
) -> list[list[tuple[_Candidate, int]]]:
    """The greedy plan of (candidate, k) reaching ``need`` hundredths (sum of metric gains) of
    each (candidates, need), all at once (one search for all the last steps)."""
    started = []
    for candidates, need in problems:
        remaining = sorted(candidates, key=lambda c: (-c.efficiency, c.order))
        plan: list[tuple[_Candidate, int]] = []
        covering: list[_Candidate] = []
        while need > 0 and remaining:
            best = remaining[0]
            if best.gain < need:
                plan.append((best, best.k_full))
                need -= best.gain
                remaining = remaining[1:]
                continue
            covering = [c for c in remaining if c.gain >= need]
            break
        searches = [
            _Search(c.metric, c.denominator, c.numerator, c.numerator + c.k_full, c.now + need)
            for c in covering
        ]
        started.append((plan, covering, searches))
    _min_numerators(m, [s for _p, _c, searches in started for s in searches])
    plans = []
    for plan, covering, searches in started:
        if covering:
            ks = [s.hi - c.numerator for c, s in zip(covering, searches, strict=True)]
            i = min(range(len(covering)), key=lambda j: (ks[j], -covering[j].efficiency))
            plan.append((covering[i], ks[i]))
        plans.append(plan)
    return plans


def _trim_last(
    m: Methodology, units: _Units, u: int, actions: list[tuple[int, int]], target: int
) -> list[tuple[int, int]]:
    """Make the last action minimal on the unit's real total (metrics may interact, e.g. the
    ``redistribute`` option): the least k that still reaches ``target``; an action that is not
    needed at all is dropped and the one before it trimmed in turn."""
    actions = list(actions)
    while actions:
        row, k = actions[-1]
        one_less = _apply(units, u, [*actions[:-1], (row, k - 1)])
        if _totals(m, units, [one_less])[0] < target:
            return actions  # already minimal (the usual case)
        lo, hi = 0, k - 1  # total(hi) >= target is known
        while lo < hi:
            if hi - lo <= SEARCH_POINTS:
                cand = list(range(lo, hi))
            else:
                cand = sorted(set(np.linspace(lo, hi, SEARCH_POINTS, endpoint=False).astype(int)))
            states = [_apply(units, u, [*actions[:-1], (row, int(c))]) for c in cand]
            reached = [i for i, t in enumerate(_totals(m, units, states)) if t >= target]
            if not reached:
                lo = cand[-1] + 1
            else:
                i = reached[0]
                hi = cand[i]
                lo = cand[i - 1] + 1 if i > 0 else hi
        if hi > 0:
            actions[-1] = (row, hi)
            return actions
        actions.pop()
    return actions


def _merge(
    actions: list[tuple[int, int]], plan: list[tuple[_Candidate, int]]
) -> list[tuple[int, int]]:
    """The actions with a plan's steps added (more of an earlier action: merged, moved last)."""
    actions = list(actions)
    for cand, k in plan:
        same = [i for i, (row, _k) in enumerate(actions) if row == cand.row]
        if same:
            k += actions.pop(same[0])[1]
        actions.append((cand.row, k))
    return actions


def _replan(
    m: Methodology,
    units: _Units,
    u: int,
    target: int,
    require_action: bool,
    actions: list[tuple[int, int]],
    total: int,
    rounds: int,
) -> list[tuple[int, int]]:
    """Plan again from ``actions`` (total ``total``) until the target is reached, then trim."""
    for _ in range(rounds):
        state = _apply(units, u, actions)
        candidates = _actionable_many(m, units, [state], require_action)[0]
        plan = _greedy_many(m, [(candidates, target - total)])[0]
        if not plan:
            break
        actions = _merge(actions, plan)
        total = _totals(m, units, [_apply(units, u, actions)])[0]
        if total >= target:
            return _trim_last(m, units, u, actions, target)
    raise RuntimeError(f"gap: no plan reaches the target for unit {units.codes[u]}")


@dataclass
class _Plan:
    now: int  # total now, hundredths
    best: int  # best reachable total, hundredths
    actions: list[tuple[int, int]] | None  # (row, k) in order; None: the target is unreachable
    after: list[int]  # total after each action, hundredths


def _plan_units(m: Methodology, units: _Units, target: int, require_action: bool) -> list[_Plan]:
    """Plan every unit; the units are scored together.

    The usual case takes two scoring calls for all units: the totals now together with the
    best reachable totals (every actionable metric at full marks; the actionable metrics and
    their searches are scored before, in calls of their own), and, for the greedy plans, the
    totals after each action together with one count less on the last one (the minimality
    check). A unit whose plan falls short (a group cap, rounding) or whose last step is not
    minimal is planned again on its own (:func:`_replan`, :func:`_trim_last`).
    """
    n_units = len(units.codes)
    # Every unit's candidates and best total, used by the units below the target only: scored
    # with the totals now (one scoring call instead of two; a unit's scores do not depend on
    # the other states of the batch).
    candidates = _actionable_many(m, units, [(u, ()) for u in range(n_units)], require_action)
    full_states = [
        (u, [(c.row, float(c.denominator)) for c in cands]) for u, cands in enumerate(candidates)
    ]
    got = _totals(m, units, [*((u, ()) for u in range(n_units)), *full_states])
    nows, bests = got[:n_units], got[n_units:]
    plans = [_Plan(now, now, [], []) for now in nows]
    reachable = []
    for u, now in enumerate(nows):
        if now >= target:
            continue
        plans[u].best = bests[u]
        if bests[u] < target:
            plans[u].actions = None
        else:
            reachable.append((u, candidates[u]))
    greedy = _greedy_many(m, [(cands, target - nows[u]) for u, cands in reachable])
    checks: list[_State] = []
    steps = []
    for (u, _cands), plan in zip(reachable, greedy, strict=True):
        actions = _merge([], plan)
        states = [_apply(units, u, actions[: j + 1]) for j in range(len(actions))]
        if actions:
            row, k = actions[-1]
            states.append(_apply(units, u, [*actions[:-1], (row, k - 1)]))
        steps.append((u, actions, len(checks), len(states)))
        checks += states
    totals = _totals(m, units, checks)
    redo = []
    for u, actions, start, n in steps:
        got = totals[start : start + n]
        after, one_less = got[:-1], got[-1] if got else None
        if actions and after[-1] >= target and one_less < target:
            plans[u].actions, plans[u].after = actions, after
            continue
        if actions and after[-1] >= target:
            actions = _trim_last(m, units, u, actions, target)
        else:
            total = after[-1] if actions else nows[u]
            actions = _replan(m, units, u, target, require_action, actions, total, MAX_REPLANS - 1)
        plans[u].actions = actions
        redo.append(u)
    redo_states = [
        (u, _apply(units, u, plans[u].actions[: j + 1]))
        for u in redo
        for j in range(len(plans[u].actions))
    ]
    redo_totals = _totals(m, units, [s for _u, s in redo_states])
    for u in redo:
        plans[u].after = []
    for (u, _s), total in zip(redo_states, redo_totals, strict=True):
        plans[u].after.append(total)
    return plans


# --------------------------------------------------------------------------------------------
# The public function
# --------------------------------------------------------------------------------------------


def _units_at(units: pd.DataFrame | None, period: str) -> pd.DataFrame | None:
    if units is None:
        return None
    if "period" in units:
        units = units[units["period"].astype(str) == str(period)]
    return units.drop_duplicates("unit_code", keep="last").assign(
        unit_code=lambda f: f["unit_code"].astype(str)
    )


def _stack(
    data: pd.DataFrame, pub: pd.DataFrame | None, codes: list[str]
) -> tuple[_Units, list[bool]]:
    """The counts of the units ``codes`` (each unit's rows in the order of ``data``) and their
    published groups, stacked; with whether each code has counts (only those are planned)."""
    base_cols = [c for c in BASE_COLUMNS if c in data]
    index = pd.Index(codes)

    def rows_by_unit(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        where = index.get_indexer(frame["unit_code"])
        rows = np.flatnonzero(where >= 0)
        rows = rows[np.argsort(where[rows], kind="stable")]
        return rows, np.bincount(where[rows], minlength=len(codes)).astype("int64")

    rows, size = rows_by_unit(data)
    has = size > 0
    counts = data.iloc[rows][base_cols].reset_index(drop=True)
    counts = counts.assign(
        numerator=pd.to_numeric(counts["numerator"], errors="coerce").astype("float64"),
        denominator=pd.to_numeric(counts["denominator"], errors="coerce").astype("float64"),
    )
    published, pub_size = None, np.zeros(len(codes), dtype="int64")
    if pub is not None:
        pub_rows, pub_size = rows_by_unit(pub)
        published = pub.iloc[pub_rows].drop(columns=["period", "unit_code"])
        published = published.reset_index(drop=True)
    units = _Units(
        codes=[c for c, h in zip(codes, has, strict=True) if h],
        counts=counts,
        start=(np.cumsum(size) - size)[has],
        size=size[has],
        metric=np.array([str(c) for c in counts["metric"]], dtype=object),
        numerator=counts["numerator"].to_numpy(dtype="float64"),
        denominator=counts["denominator"].to_numpy(dtype="float64"),
        published=published,
        pub_start=(np.cumsum(pub_size) - pub_size)[has],
        pub_size=pub_size[has],
    )
    return units, has.tolist()


def to_target(
    counts: pd.DataFrame,
    *,
    period: str,
    scope: str | None = None,
    units: pd.DataFrame | None = None,
    unit_codes: Sequence[str] | None = None,
    target: float | None = None,
    published_groups: pd.DataFrame | None = None,
    require_action: bool = True,
    methodology: Methodology | None = None,
) -> pd.DataFrame:
    """The actions that lift each unit below the target to the target, cheapest first.

    Parameters
    ----------
    counts
        Tidy counts (any periods; ``period`` is picked).
    period
        The month (or period) planned for.
    scope
        Plan for the units whose parent_code is ``scope`` in ``units`` at ``period``.
    units
        Unit labels and hierarchy (unit_code, unit_name, level, parent_code, optionally
        period). Parents without counts of their own are pooled from their units first.
    unit_codes
        Plan for these units (instead of, or in addition to, ``scope``). With neither, every
        unit with counts in the period.
    target
        Target total; default the top band's minimum (80 points).
    published_groups
        Published group scores (period, unit_code, group, published_score, published_max):
        groups without counts keep their published score, as in the ranking; they cannot move.
    require_action
        Only metrics with an ``action`` noun in the methodology are actionable (default). With
        False every metric with counts may be moved.

    Returns
    -------
    DataFrame
        One row per action, units in order of their current total (highest first), actions in
        the order taken: unit_code, unit_name, total (now), target, group, metric,
        additional_count (Int64), score_after (the unit's total after this and all previous
        actions of the unit), numerator and denominator (now), note (the note kind:
        :data:`NOTE_NONE` on action rows) and best_total. A unit that cannot reach the target
        even with full marks on every actionable metric has one row with additional_count NA,
        note :data:`NOTE_UNREACHABLE` and its best reachable total in best_total; a unit
        without counts has one row with note :data:`NOTE_NO_COUNTS`. Units at or above the
        target have no rows. :func:`mkbidx.present.gap_text.describe` adds the Vietnamese
        wording (metric names, actions, notes).

    Examples
    --------
    >>> c = pd.DataFrame({"period": "2024-08", "unit_code": "x",
    ...     "group": ["tien_do", "thanh_toan", "so_hoa"],
    ...     "metric": ["ON_TIME", "ONLINE_PAYMENT_DOSSIERS", "ORIGINAL_RESULT_AVAILABLE"],
    ...     "numerator": [50, 0, 10], "denominator": [100, 40, 10]})
    >>> g = to_target(c, period="2024-08", target=30)
    >>> g[["total", "metric", "additional_count", "score_after"]].values.tolist()
    [[16.0, 'ON_TIME', 50, 26.0], [16.0, 'ONLINE_PAYMENT_DOSSIERS', 27, 30.05]]
    >>> far = to_target(c, period="2024-08", target=99)
    >>> far[["additional_count", "note", "best_total"]].values.tolist()
    [[<NA>, 'unreachable', 32.0]]
    """
    m = _method(methodology)
    target = check_target(target, m)
    target_cents = int(round(target * 100))
    data = counts[counts["period"].astype(str) == str(period)]
    data = data.assign(unit_code=data["unit_code"].astype(str))
    if data.empty:
        available = sorted(counts["period"].astype(str).unique())
        raise MkbidxError(
            f"không có số liệu kỳ {period} (missing period)",
            column="period",
            expected="một kỳ có trong dữ liệu: " + ", ".join(available[-6:]),
        )
    unit_frame = _units_at(units, period)
    codes: list[str] = []
    if scope is not None:
        if unit_frame is None:
            raise MkbidxError(
                "cần danh sách đơn vị (units) để chọn các đơn vị trực thuộc phạm vi",
                column="scope",
            )
        codes += unit_frame.loc[
            unit_frame["parent_code"].astype(str) == str(scope), "unit_code"
        ].tolist()
        if not codes:
            raise MkbidxError(
                f"không có đơn vị nào trực thuộc '{scope}' trong kỳ {period} (empty scope)",
                column="--scope",
                expected="mã đơn vị cha, vd. "
                + ", ".join(sorted(unit_frame["parent_code"].dropna().astype(str).unique())[:8]),
            )
    if unit_codes is not None:
        codes += [str(c) for c in unit_codes]
    # Pooling adds rows only for parents without counts of their own: not needed when every
    # unit planned has counts.
    every_unit = scope is None and unit_codes is None
    if (
        unit_frame is not None
        and len(unit_frame)
        and (every_unit or not set(codes) <= set(data["unit_code"]))
    ):
        data = ranking.fill_parents(data, unit_frame)
    if every_unit:
        codes = sorted(data["unit_code"].unique())
    codes = list(dict.fromkeys(codes))
    names = (
        {}
        if unit_frame is None
        else dict(zip(unit_frame["unit_code"], unit_frame["unit_name"], strict=True))
    )

    pub = None
    if published_groups is not None and len(published_groups):
        pub = published_groups[published_groups["period"].astype(str) == str(period)]
        pub = pub.assign(unit_code=pub["unit_code"].astype(str))

    units_, with_counts = _stack(data, pub, codes)
    unit_plans = _plan_units(m, units_, target_cents, require_action)
    plans = iter(zip(units_.start.tolist(), unit_plans, strict=True))
    rows: list[dict] = []
    for code, has_counts in zip(codes, with_counts, strict=True):
        name = names.get(code, code)
        if not has_counts:
            rows.append(_note_row(code, name, np.nan, target, NOTE_NO_COUNTS))
            continue
        start, unit_plan = next(plans)
        now, actions, best = unit_plan.now, unit_plan.actions, unit_plan.best
        if actions is None:
            rows.append(
                _note_row(code, name, now / 100, target, NOTE_UNREACHABLE, best_total=best / 100)
            )
            continue
        for (row, k), total_after in zip(actions, unit_plan.after, strict=True):
            metric = m.metric(units_.metric[start + row])
            rows.append(
                {
                    "unit_code": code,
                    "unit_name": name,
                    "total": now / 100,
                    "target": target,
                    "group": metric.group,
                    "metric": metric.code,
                    "additional_count": k,
                    "score_after": total_after / 100,
                    "numerator": units_.numerator[start + row],
                    "denominator": units_.denominator[start + row],
                    "note": NOTE_NONE,
                    "best_total": np.nan,
                }
            )
    out = pd.DataFrame(rows, columns=PLAN_COLUMNS)
    out["additional_count"] = out["additional_count"].astype("Int64")
    for col in ("total", "target", "score_after", "numerator", "denominator", "best_total"):
        out[col] = out[col].astype("float64")
    if len(out):
        position = {c: i for i, c in enumerate(codes)}
        out["_t"] = -out["total"].fillna(-np.inf)
        out["_u"] = out["unit_code"].map(position)
        out["_r"] = np.arange(len(out))
        out = out.sort_values(["_t", "_u", "_r"], kind="stable").drop(columns=["_t", "_u", "_r"])
    return out.reset_index(drop=True)


def _note_row(
    code: str, name: str, total: float, target: float, note: str, *, best_total: float = np.nan
) -> dict:
    return {
        "unit_code": code,
        "unit_name": name,
        "total": total,
        "target": target,
        "group": None,
        "metric": None,
        "additional_count": pd.NA,
        "score_after": np.nan,
        "numerator": np.nan,
        "denominator": np.nan,
        "note": note,
        "best_total": best_total,
    }
