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
unit at once (totals now, the searches, the best reachable totals, the totals after each
action), so a scope's plans cost a handful of calls whatever its size.

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


def _method(methodology: Methodology | None) -> Methodology:
    return methodology if methodology is not None else _methodology.load()


# --------------------------------------------------------------------------------------------
# Exact scoring helpers
# --------------------------------------------------------------------------------------------


def _metric_cents(
    m: Methodology, metrics: Sequence[str], numerators: Sequence[int], denominators: Sequence[int]
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


def _min_numerators(m: Methodology, searches: list[_Search]) -> list[int]:
    """For each search the least numerator in [lo, hi] scoring at least ``need``.

    ``s(hi) >= need`` must hold. All searches advance together: each round scores up to
    :data:`SEARCH_POINTS` candidates per search in one vectorised call (a k-ary bisection on the
    real, monotone scoring function).
    """
    active = [s for s in searches if s.lo < s.hi]
    while active:
        metrics: list[str] = []
        nums: list[int] = []
        dens: list[int] = []
        points: list[np.ndarray] = []
        for s in active:
            span = s.hi - s.lo
            if span <= SEARCH_POINTS:
                cand = np.arange(s.lo, s.hi, dtype="int64")
            else:
                cand = np.unique(
                    np.linspace(s.lo, s.hi, SEARCH_POINTS, endpoint=False).astype("int64")
                )
            points.append(cand)
            metrics += [s.metric] * len(cand)
            nums += cand.tolist()
            dens += [s.denominator] * len(cand)
        cents = _metric_cents(m, metrics, nums, dens)
        offset = 0
        for s, cand in zip(active, points, strict=True):
            got = cents[offset : offset + len(cand)]
            offset += len(cand)
            reached = np.nonzero(got >= s.need)[0]
            if len(reached) == 0:
                s.lo = int(cand[-1]) + 1
            else:
                i = int(reached[0])
                s.hi = int(cand[i])
                if i > 0:
                    s.lo = int(cand[i - 1]) + 1
        active = [s for s in active if s.lo < s.hi]
    return [s.hi for s in searches]


def _totals(
    m: Methodology, states: Sequence[tuple[pd.DataFrame, pd.DataFrame | None]]
) -> list[int]:
    """Total (hundredths) of each (counts, published groups) state, by the real pipeline.

    Every state is scored as a unit of its own in one call of the scoring pipeline (the states
    of many units and many candidate plans at once: scoring is per unit, so batching changes no
    result).
    """
    if not states:
        return []
    frames = [s.assign(period="gap", unit_code=f"s{i}") for i, (s, _p) in enumerate(states)]
    counts = pd.concat(frames, ignore_index=True)
    metric_scores = scoring.score_metrics(counts, methodology=m)
    groups = scoring.score_groups(metric_scores, methodology=m)
    published = [
        p.assign(period="gap", unit_code=f"s{i}")
        for i, (_s, p) in enumerate(states)
        if p is not None and len(p)
    ]
    if published:
        groups = scoring.combine_groups(groups, pd.concat(published, ignore_index=True))
    totals = scoring.score_totals(groups, methodology=m).set_index("unit_code")["total"]
    return [int(round(totals.get(f"s{i}", 0.0) * 100)) for i in range(len(states))]


def _unit_totals(
    m: Methodology, states: list[pd.DataFrame], published: pd.DataFrame | None
) -> list[int]:
    """Total (hundredths) of each counts state of one unit, by the real pipeline."""
    return _totals(m, [(s, published) for s in states])


# --------------------------------------------------------------------------------------------
# Planning
# --------------------------------------------------------------------------------------------


@dataclass
class _Candidate:
    row: int  # index in the unit's counts frame
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


def _actionable(m: Methodology, counts: pd.DataFrame, require_action: bool) -> list[_Candidate]:
    return _actionable_many(m, [counts], require_action)[0]


def _actionable_many(
    m: Methodology, frames: Sequence[pd.DataFrame], require_action: bool
) -> list[list[_Candidate]]:
    """The actionable metrics of each counts frame (scored together: one call per search round)."""
    order = {mt.code: i for i, g in enumerate(m.groups) for mt in g.metrics}
    per_frame = []
    for counts in frames:
        rows = []
        for idx, code, n, d in zip(
            counts.index, counts["metric"], counts["numerator"], counts["denominator"], strict=True
        ):
            try:
                metric = m.metric(str(code))
            except KeyError:
                continue
            if metric.rule not in ACTIONABLE_RULES or metric.max <= 0:
                continue
            if require_action and not metric.action:
                continue
            if pd.isna(n) or pd.isna(d) or float(d) <= 0 or float(n) >= float(d):
                continue
            rows.append((idx, metric, int(n), int(d)))
        per_frame.append(rows)
    rows = [r for frame_rows in per_frame for r in frame_rows]
    if not rows:
        return [[] for _ in frames]
    codes = [r[1].code for r in rows]
    cents = _metric_cents(
        m, codes + codes, [r[2] for r in rows] + [r[3] for r in rows], [r[3] for r in rows] * 2
    )
    now, full = cents[: len(rows)], cents[len(rows) :]
    searches = [
        _Search(r[1].code, r[3], r[2], r[3], int(f)) for r, f in zip(rows, full, strict=True)
    ]
    reach = iter(zip(now, full, _min_numerators(m, searches), strict=True))
    out: list[list[_Candidate]] = []
    for frame_rows in per_frame:
        candidates = []
        for r in frame_rows:
            s_now, s_full, n_full = next(reach)
            if s_full <= s_now:
                continue
            candidates.append(
                _Candidate(
                    row=r[0],
                    metric=r[1].code,
                    group=r[1].group,
                    numerator=r[2],
                    denominator=r[3],
                    now=int(s_now),
                    gain=int(s_full - s_now),
                    k_full=int(n_full - r[2]),
                    order=order[r[1].code],
                )
            )
        out.append(candidates)
    return out


def _greedy(
    m: Methodology, candidates: list[_Candidate], need: int
) -> list[tuple[_Candidate, int]]:
    """Greedy plan of (candidate, k) reaching ``need`` hundredths (sum of metric gains)."""
    return _greedy_many(m, [(candidates, need)])[0]


def _greedy_many(
    m: Methodology, problems: Sequence[tuple[list[_Candidate], int]]
) -> list[list[tuple[_Candidate, int]]]:
    """:func:`_greedy` for several (candidates, need) at once (one search for all the last
    steps)."""
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


def _apply(counts: pd.DataFrame, actions: list[tuple[int, int]]) -> pd.DataFrame:
    state = counts.copy()
    for row, k in actions:
        state.loc[row, "numerator"] = float(state.loc[row, "numerator"]) + k
    return state


def _trim_last(
    m: Methodology,
    counts: pd.DataFrame,
    actions: list[tuple[int, int]],
    published: pd.DataFrame | None,
    target: int,
) -> list[tuple[int, int]]:
    """Make the last action minimal on the unit's real total (metrics may interact, e.g. the
    ``redistribute`` option): the least k that still reaches ``target``; an action that is not
    needed at all is dropped and the one before it trimmed in turn."""
    actions = list(actions)
    while actions:
        row, k = actions[-1]
        one_less = _apply(counts, [*actions[:-1], (row, k - 1)])
        if _unit_totals(m, [one_less], published)[0] < target:
            return actions  # already minimal (the usual case)
        lo, hi = 0, k - 1  # total(hi) >= target is known
        while lo < hi:
            if hi - lo <= SEARCH_POINTS:
                cand = list(range(lo, hi))
            else:
                cand = sorted(set(np.linspace(lo, hi, SEARCH_POINTS, endpoint=False).astype(int)))
            states = [_apply(counts, [*actions[:-1], (row, int(c))]) for c in cand]
            reached = [i for i, t in enumerate(_unit_totals(m, states, published)) if t >= target]
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
    counts: pd.DataFrame,
    published: pd.DataFrame | None,
    target: int,
    require_action: bool,
    actions: list[tuple[int, int]],
    total: int,
    rounds: int,
) -> list[tuple[int, int]]:
    """Plan again from ``actions`` (total ``total``) until the target is reached, then trim."""
    for _ in range(rounds):
        state = _apply(counts, actions)
        plan = _greedy(m, _actionable(m, state, require_action), target - total)
        if not plan:
            break
        actions = _merge(actions, plan)
        total = _unit_totals(m, [_apply(counts, actions)], published)[0]
        if total >= target:
            return _trim_last(m, counts, actions, published, target)
    raise RuntimeError(f"gap: no plan reaches the target for unit {counts['unit_code'].iloc[0]}")


@dataclass
class _Plan:
    now: int  # total now, hundredths
    best: int  # best reachable total, hundredths
    actions: list[tuple[int, int]] | None  # (row, k) in order; None: the target is unreachable
    after: list[int]  # total after each action, hundredths


def _plan_units(
    m: Methodology,
    units: Sequence[tuple[pd.DataFrame, pd.DataFrame | None]],
    target: int,
    require_action: bool,
) -> list[_Plan]:
    """Plan every unit (counts, published groups); the units are scored together.

    The usual case takes four scoring calls for all units: totals now, the actionable metrics
    (with their searches), the best reachable totals, and, for the greedy plans, the totals
    after each action together with one count less on the last one (the minimality check). A
    unit whose plan falls short (a group cap, rounding) or whose last step is not minimal is
    planned again on its own (:func:`_replan`, :func:`_trim_last`).
    """
    nows = _totals(m, units)
    plans = [_Plan(now, now, [], []) for now in nows]
    below = [i for i, now in enumerate(nows) if now < target]
    candidates = _actionable_many(m, [units[i][0] for i in below], require_action)
    full_states = []
    for i, cands in zip(below, candidates, strict=True):
        all_full = units[i][0].copy()
        for c in cands:
            all_full.loc[c.row, "numerator"] = float(c.denominator)
        full_states.append((all_full, units[i][1]))
    reachable = []
    for i, cands, best in zip(below, candidates, _totals(m, full_states), strict=True):
        plans[i].best = best
        if best < target:
            plans[i].actions = None
        else:
            reachable.append((i, cands))
    greedy = _greedy_many(m, [(cands, target - nows[i]) for i, cands in reachable])
    checks: list[tuple[pd.DataFrame, pd.DataFrame | None]] = []
    steps = []
    for (i, _cands), plan in zip(reachable, greedy, strict=True):
        counts, published = units[i]
        actions = _merge([], plan)
        states = [_apply(counts, actions[: j + 1]) for j in range(len(actions))]
        if actions:
            row, k = actions[-1]
            states.append(_apply(counts, [*actions[:-1], (row, k - 1)]))
        steps.append((i, actions, len(checks), len(states)))
        checks += [(s, published) for s in states]
    totals = _totals(m, checks)
    redo = []
    for i, actions, start, n in steps:
        counts, published = units[i]
        got = totals[start : start + n]
        after, one_less = got[:-1], got[-1] if got else None
        if actions and after[-1] >= target and one_less < target:
            plans[i].actions, plans[i].after = actions, after
            continue
        if actions and after[-1] >= target:
            actions = _trim_last(m, counts, actions, published, target)
        else:
            total = after[-1] if actions else nows[i]
            actions = _replan(
                m, counts, published, target, require_action, actions, total, MAX_REPLANS - 1
            )
        plans[i].actions = actions
        redo.append(i)
    for i in redo:
        acts = plans[i].actions
        states_i = [_apply(units[i][0], acts[: j + 1]) for j in range(len(acts))]
        plans[i].after = _unit_totals(m, states_i, units[i][1]) if states_i else []
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
    target = max(b.min for b in m.bands) if target is None else float(target)
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
    if unit_frame is not None and len(unit_frame):
        data = ranking.fill_parents(data, unit_frame)
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
    if scope is None and unit_codes is None:
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

    base_cols = [
        c for c in ("group", "metric", "numerator", "denominator", "published_ratio") if c in data
    ]
    results = []
    for code in codes:
        unit_counts = data.loc[data["unit_code"] == code, base_cols].reset_index(drop=True)
        unit_counts = unit_counts.assign(
            numerator=pd.to_numeric(unit_counts["numerator"], errors="coerce").astype("float64"),
            denominator=pd.to_numeric(unit_counts["denominator"], errors="coerce").astype(
                "float64"
            ),
        )
        unit_pub = None
        if pub is not None:
            unit_pub = pub.loc[pub["unit_code"] == code].drop(columns=["period", "unit_code"])
        results.append((code, unit_counts, unit_pub))

    planned = [(c, p) for _code, c, p in results if not c.empty]
    plans = iter(_plan_units(m, planned, target_cents, require_action))
    rows: list[dict] = []
    for code, unit_counts, _unit_pub in results:
        name = names.get(code, code)
        if unit_counts.empty:
            rows.append(_note_row(code, name, np.nan, target, NOTE_NO_COUNTS))
            continue
        unit_plan = next(plans)
        now, actions, best = unit_plan.now, unit_plan.actions, unit_plan.best
        if actions is None:
            rows.append(
                _note_row(code, name, now / 100, target, NOTE_UNREACHABLE, best_total=best / 100)
            )
            continue
        for (row, k), total_after in zip(actions, unit_plan.after, strict=True):
            metric = m.metric(str(unit_counts.loc[row, "metric"]))
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
                    "numerator": unit_counts.loc[row, "numerator"],
                    "denominator": unit_counts.loc[row, "denominator"],
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
