"""Raw counts → metric scores → group scores → totals, exactly as the DVCQG portal rounds them.

The portal evaluates every metric (or payment part) score in IEEE 754 doubles and rounds it
half-up on the *exact value of the double* (Java ``new BigDecimal(x).setScale(2, HALF_UP)``,
JavaScript ``x.toFixed(2)``): score = min(max, w · r) with the weight w = max / target and
r = numerator / denominator, or, in the payment group, r = the ratio first rounded to a percent
with 2 decimals. So ``6 · 0.9325``, the double 5.594999999999999751…, is published as 5.59 where
exact decimal arithmetic gives 5.60, while ``2.5 · 0.45`` = 1.125 is exact in binary and gives
1.13. A group score is the sum of its rounded metric scores, the total the sum of the group scores.

mkbidx computes in exact integer arithmetic on hundredths of a point ("cents"), which agrees with
the doubles everywhere except where the exact score is a tie (k + ½ cent); only those rows are
evaluated in doubles, the portal's way (methodology option ``arithmetic``: ``binary64``, the
default, or ``decimal`` for exact half-up on the decimal value).

A parent unit is scored from the pooled (summed) counts of its units (:func:`pool_counts`), never
from the average of their scores.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import NamedTuple

import numpy as np
import pandas as pd

from mkbidx import methodology as _methodology
from mkbidx.errors import MkbidxError
from mkbidx.methodology import Methodology

KEYS = ["period", "unit_code"]
PERCENT_CENTS = 10_000  # a ratio of 1 is 100.00 %, i.e. 10,000 hundredths of a percent


class Scores(NamedTuple):
    """The three levels of a scoring run (see :func:`score`)."""

    metrics: pd.DataFrame
    groups: pd.DataFrame
    totals: pd.DataFrame


def _method(methodology: Methodology | None) -> Methodology:
    return methodology if methodology is not None else _methodology.load()


def _half_up_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Integer ``num / den`` rounded half-up, for num ≥ 0 and den > 0 (int64 arrays)."""
    return (2 * num + den) // (2 * den)


def _is_tie(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Whether ``num / den`` is exactly k + ½ (num ≥ 0, den > 0, int64 arrays)."""
    return (2 * num) % (2 * den) == den


def half_up_cents(x: np.ndarray | float) -> np.ndarray:
    """Hundredths of doubles ``x ≥ 0`` rounded half-up on the exact binary value of each double.

    What ``new BigDecimal(x).setScale(2, RoundingMode.HALF_UP)`` (Java) and ``x.toFixed(2)``
    (JavaScript) do, vectorized and exact: ``x = M · 2**(e - 53)`` with an integer mantissa M, so
    ``100 · x + ½`` is rounded down in integer arithmetic, never in floating point.

    Examples
    --------
    >>> half_up_cents([6 * 0.9325, 2.5 * 0.45, 5.595]).tolist()  # 5.5949999…, 1.125, 5.5949999…
    [559, 113, 559]
    """
    x = np.asarray(x, dtype="float64")
    mantissa, exponent = np.frexp(x)
    m = (mantissa * 2.0**53).astype("int64")  # exact: a power-of-two scaling
    shift = (53 - exponent).astype("int64")
    small = shift > 62  # x < 2**-9: rounds to 0 cents
    if (shift < 1).any():
        raise ValueError("half_up_cents: value too large for cents")
    shift = np.where(small, 1, shift)
    cents = (100 * m + np.left_shift(np.int64(1), shift - 1)) >> shift
    return np.where(small, 0, cents)


def _metric_table(m: Methodology) -> pd.DataFrame:
    """Per metric: integer parameters of its rule (max in cents, target as a fraction)."""
    rows = []
    for group in m.groups:
        for metric in group.metrics:
            target = Fraction(str(metric.target))
            rows.append(
                {
                    "group": group.key,
                    "metric": metric.code,
                    "rule": metric.rule,
                    "max_score": metric.max,
                    "max_cents": int(round(metric.max * 100)),
                    "weight": metric.max / metric.target,  # in doubles, as the portal
                    "target_num": target.numerator,
                    "target_den": target.denominator,
                    "zero_denominator": metric.zero_denominator,
                    "percent_first": group.round_ratio_percent_first,
                    "optional": metric.optional,
                }
            )
    return pd.DataFrame(rows)


def score_metrics(counts: pd.DataFrame, *, methodology: Methodology | None = None) -> pd.DataFrame:
    """Score every metric row of a counts frame.

    Parameters
    ----------
    counts
        Tidy counts: period, unit_code, group, metric, numerator, denominator, and optionally
        published_ratio (percent, used by ``published_ratio`` rules when counts are null) and
        published_score (passed through).
    methodology
        The rules; default the current version.

    Returns
    -------
    DataFrame
        period, unit_code, group, metric, numerator, denominator, ratio (0..1; NaN when there is
        no denominator), no_data (denominator 0 or missing), score (2 decimals, the methodology's
        zero-denominator policy applied: NaN for "null", 0, or full marks), max_score, and
        published_score when given. Information-only metrics (max 0) get a NaN score.

    Examples
    --------
    >>> counts = pd.DataFrame({"period": ["2026-08"], "unit_code": ["H44"], "group": ["tien_do"],
    ...                        "metric": ["ON_TIME"], "numerator": [144625],
    ...                        "denominator": [184513]})
    >>> score_metrics(counts)[["metric", "score", "max_score"]].to_dict("records")
    [{'metric': 'ON_TIME', 'score': 15.68, 'max_score': 20.0}]
    """
    m = _method(methodology)
    rules = _metric_table(m)
    pos = pd.Index(rules["metric"]).get_indexer(counts["metric"])
    if (pos < 0).any():
        row = counts.iloc[int(np.argmax(pos < 0))]
        raise MkbidxError(
            f"mã chỉ số '{row['metric']}' không có trong phương pháp tính {m.id} (unknown metric)",
            unit=str(row["unit_code"]),
            column="metric",
            expected="một mã chỉ số của bộ 766, vd. " + ", ".join(rules["metric"].head(3)),
        )

    def column(name: str) -> np.ndarray:
        if name not in counts:
            return np.full(len(counts), np.nan)
        return pd.to_numeric(counts[name], errors="coerce").to_numpy(dtype="float64")

    def rule_param(name: str, dtype=None) -> np.ndarray:
        return rules[name].to_numpy(dtype=dtype)[pos]

    num, den, published_ratio = (
        column("numerator"),
        column("denominator"),
        column("published_ratio"),
    )
    has_counts = np.isfinite(num) & np.isfinite(den) & (den > 0)
    max_c = rule_param("max_cents", "int64")
    t_num = rule_param("target_num", "int64")
    t_den = rule_param("target_den", "int64")
    rule = rule_param("rule")
    n_i = np.where(has_counts, num, 0).astype("int64")
    d_i = np.where(has_counts, den, 1).astype("int64")

    # Exact ratio in hundredths of a percent, for groups that round the ratio first (payment).
    pct_first = rule_param("percent_first", bool)
    binary = m.arithmetic == _methodology.BINARY64
    pct_cents = _half_up_div(PERCENT_CENTS * n_i, d_i)
    if binary:
        pct_ties = has_counts & pct_first & _is_tie(PERCENT_CENTS * n_i, d_i)
        pct_cents = _binary_at_ties(pct_cents, pct_ties, lambda i: num[i] / den[i] * 100)
    # score_cents = max_cents · r / target, r = n/d or pct/10000, rounded half-up.
    direct_num, direct_den = max_c * n_i * t_den, d_i * t_num
    pct_num, pct_den = max_c * pct_cents * t_den, PERCENT_CENTS * t_num
    cents = np.where(
        pct_first, _half_up_div(pct_num, pct_den), _half_up_div(direct_num, direct_den)
    )
    if binary:
        ties = has_counts & np.where(
            pct_first, _is_tie(pct_num, pct_den), _is_tie(direct_num, direct_den)
        )
        weight, max_score = rule_param("weight", "float64"), rule_param("max_score", "float64")

        def portal_score(i: np.ndarray) -> np.ndarray:
            # payment: weight × percent / 100 (multiplied first: 6 × 89.25 / 100 is 5.355000…04,
            # published 5.36, where 6 × 0.8925 is 5.35499…); elsewhere weight × (n / d)
            by_percent = weight[i] * (pct_cents[i] / 100) / 100
            return np.minimum(
                max_score[i], np.where(pct_first[i], by_percent, weight[i] * (num[i] / den[i]))
            )

        cents = _binary_at_ties(cents, ties, portal_score)

    use_published_ratio = (rule == "published_ratio") & ~has_counts & np.isfinite(published_ratio)
    pr_cents = np.where(use_published_ratio, np.round(published_ratio * 100), 0).astype("int64")
    cents = np.where(use_published_ratio, _half_up_div(max_c * pr_cents, PERCENT_CENTS), cents)
    cents = np.minimum(cents, max_c)

    has_value = has_counts | use_published_ratio
    zero = rule_param("zero_denominator")
    score = np.where(has_value, cents / 100.0, np.nan)
    score = np.where(~has_value & (zero == "zero"), 0.0, score)
    score = np.where(~has_value & (zero == "full_marks"), max_c / 100.0, score)
    score = np.where(rule == "info", np.nan, score)

    ratio = np.where(has_counts, num / np.where(has_counts, den, 1), np.nan)
    ratio = np.where(use_published_ratio, published_ratio / 100.0, ratio)

    out = counts[[c for c in ("period", "unit_code") if c in counts]].copy()
    out["group"] = rule_param("group")
    out["metric"] = counts["metric"].to_numpy()
    out["numerator"] = num
    out["denominator"] = den
    out["ratio"] = ratio
    out["no_data"] = ~has_value
    out["score"] = score
    out["max_score"] = np.where(rule == "info", 0.0, rule_param("max_score"))
    for col in ("published_score", "data_quality_status"):
        if col in counts:
            out[col] = counts[col].to_numpy()
    redistribute = zero == "redistribute"
    if redistribute.any():
        out = _redistribute(out, redistribute & ~has_value)
    return out.reset_index(drop=True)


def _binary_at_ties(cents: np.ndarray, ties: np.ndarray, value) -> np.ndarray:
    """``cents`` where the exact value is no tie; at ties, ``value(rows)`` as the portal rounds it.

    Exact and binary arithmetic agree except at exact ties (k + ½ cent), so only those rows are
    evaluated in doubles (``value`` gets the integer positions and returns the doubles).
    """
    rows = np.flatnonzero(ties)
    if not len(rows):
        return cents
    cents = cents.copy()
    cents[rows] = half_up_cents(value(rows))
    return cents


def _redistribute(out: pd.DataFrame, target_rows: np.ndarray) -> pd.DataFrame:
    """Give each metric without data the group's achieved share (option ``redistribute``)."""
    scored = out["max_score"].gt(0) & ~target_rows & out["score"].notna()
    keys = [*KEYS, "group"]
    donors = out[scored].groupby(keys, sort=False)[["score", "max_score"]].sum()
    share = (donors["score"] / donors["max_score"]).rename("share")
    shares = out[keys].merge(share, left_on=keys, right_index=True, how="left")["share"]
    share_cents = np.round(shares.fillna(0).to_numpy() * 10_000).astype("int64")
    max_c = np.round(out["max_score"].to_numpy() * 100).astype("int64")
    cents = _half_up_div(max_c * share_cents, np.full_like(max_c, PERCENT_CENTS))
    out = out.copy()
    out.loc[target_rows, "score"] = cents[target_rows] / 100.0
    return out


def score_groups(
    metric_scores: pd.DataFrame, *, methodology: Methodology | None = None
) -> pd.DataFrame:
    """Sum rounded metric scores into group scores.

    A null metric score counts 0 and does not reduce the maximum; an absent *optional* metric
    (e.g. CITIZEN_DATA_CONNECTED_FORMALITY when one procedure is selected) does reduce it. A group
    missing a required metric is scored from what is there and marked ``complete=False``.

    Returns
    -------
    DataFrame
        period, unit_code, group, score, max_score, complete, source ("computed").

    Examples
    --------
    >>> ms = pd.DataFrame({"period": ["2026-08"] * 2, "unit_code": ["X"] * 2,
    ...     "group": ["so_hoa"] * 2,
    ...     "metric": ["ORIGINAL_RESULT_AVAILABLE", "SO_HOA_GIAY_TO_GIAI_QUYET"],
    ...     "score": [4.34, float("nan")], "max_score": [6.0, 4.0]})
    >>> score_groups(ms)[["group", "score", "complete"]].to_dict("records")
    [{'group': 'so_hoa', 'score': 4.34, 'complete': False}]
    """
    m = _method(methodology)
    rules = _metric_table(m)
    pos = pd.Index(rules["metric"]).get_indexer(metric_scores["metric"])
    scored = metric_scores.assign(
        max_cents=rules["max_cents"].to_numpy()[pos], optional=rules["optional"].to_numpy()[pos]
    )
    scored = scored[scored["max_cents"].gt(0) & (pos >= 0)]
    scored = scored.assign(
        cents=np.round(scored["score"].fillna(0).to_numpy() * 100).astype("int64")
    )
    keys = [*KEYS, "group"]
    optional = scored["optional"].astype(bool)
    scored = scored.assign(
        required=(~optional).astype("int64"),
        optional_cents=np.where(optional, scored["max_cents"], 0),
    )
    sums = (
        scored.groupby(keys, sort=False)
        .agg(
            cents=("cents", "sum"),
            n_required=("required", "sum"),
            optional_cents=("optional_cents", "sum"),
        )
        .reset_index()
    )
    scored_rules = rules[rules["max_cents"].gt(0)]
    required = scored_rules[~scored_rules["optional"]].groupby("group")["metric"].size()
    all_optional = scored_rules[scored_rules["optional"]].groupby("group")["max_cents"].sum()
    group_max = pd.Series({g.key: int(round(g.max * 100)) for g in m.groups})
    sums["complete"] = sums["n_required"].to_numpy() == sums["group"].map(required).to_numpy()
    # The maximum is the group's, less the optional metrics that are absent.
    max_cents = (
        sums["group"].map(group_max)
        - sums["group"].map(all_optional).fillna(0)
        + sums["optional_cents"]
    )
    caps = {k: int(round(v * 100)) for k, v in m.group_caps.items()}
    cap = sums["group"].map(caps)
    sums["score"] = sums["cents"].where(cap.isna(), np.minimum(sums["cents"], cap)) / 100.0
    sums["max_score"] = max_cents.astype("int64") / 100.0
    sums["source"] = "computed"
    return sums[[*keys, "score", "max_score", "complete", "source"]]


def score_totals(
    group_scores: pd.DataFrame, *, methodology: Methodology | None = None
) -> pd.DataFrame:
    """Sum group scores into each unit's total (the portal publishes no total).

    Returns
    -------
    DataFrame
        period, unit_code, total, max_score, n_groups, complete (all six groups present and
        complete).

    Examples
    --------
    >>> gs = pd.DataFrame({"period": ["2024-08"] * 2, "unit_code": ["083"] * 2,
    ...     "group": ["cong_khai", "tien_do"], "score": [17.5, 19.25], "max_score": [18.0, 20.0],
    ...     "complete": [True, True]})
    >>> score_totals(gs)[["total", "complete"]].to_dict("records")
    [{'total': 36.75, 'complete': False}]
    """
    m = _method(methodology)
    gs = group_scores.assign(
        cents=np.round(group_scores["score"].fillna(0).to_numpy() * 100).astype("int64"),
        max_cents=np.round(group_scores["max_score"].to_numpy() * 100).astype("int64"),
        complete=group_scores["complete"].astype(bool) if "complete" in group_scores else True,
    )
    totals = (
        gs.groupby(KEYS, sort=False)
        .agg(
            cents=("cents", "sum"),
            max_cents=("max_cents", "sum"),
            n_groups=("group", "nunique"),
            all_complete=("complete", "all"),
        )
        .reset_index()
    )
    totals["total"] = totals["cents"] / 100.0
    totals["max_score"] = totals["max_cents"] / 100.0
    totals["complete"] = totals["all_complete"] & (totals["n_groups"] == len(m.groups))
    return totals[[*KEYS, "total", "max_score", "n_groups", "complete"]]


def score(counts: pd.DataFrame, *, methodology: Methodology | None = None) -> Scores:
    """Score counts at all three levels: metric, group, total.

    Examples
    --------
    >>> counts = pd.DataFrame({"period": ["2026-08"], "unit_code": ["H44"],
    ...     "group": ["tien_do"], "metric": ["ON_TIME"], "numerator": [144625],
    ...     "denominator": [184513]})
    >>> score(counts).groups["score"].tolist()
    [15.68]
    """
    m = _method(methodology)
    metrics = score_metrics(counts, methodology=m)
    groups = score_groups(metrics, methodology=m)
    totals = score_totals(groups, methodology=m)
    return Scores(metrics, groups, totals)


def combine_groups(computed: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """Group scores from counts, completed by published group scores where no counts exist.

    ``published`` has period, unit_code, group, published_score, published_max (as the readers
    give it). Computed scores win; published ones fill the gaps with ``source="published"``.
    """
    if published is None or published.empty:
        return computed
    pub = published.rename(columns={"published_score": "score", "published_max": "max_score"})
    pub = pub[[*KEYS, "group", "score", "max_score"]].assign(complete=True, source="published")
    pub = pub.dropna(subset=["score"])
    keys = [*KEYS, "group"]
    known = pd.MultiIndex.from_frame(computed[keys]) if len(computed) else None
    if known is not None:
        pub = pub[~pd.MultiIndex.from_frame(pub[keys]).isin(known)]
    return pd.concat([computed, pub], ignore_index=True)


def pool_counts(counts: pd.DataFrame, parent_of: Mapping[str, str] | pd.DataFrame) -> pd.DataFrame:
    """Counts of parent units: the sums of their children's (and their own agencies') counts.

    Parameters
    ----------
    counts
        Tidy counts of children (and optionally of the parents' own agencies, under the parent's
        code).
    parent_of
        child code → parent code, or a frame of unit_code, parent_code and optionally period
        (links that change over time). One level: rows of codes that are neither a child nor a
        parent are dropped.

    Returns
    -------
    DataFrame
        period, unit_code (the parent), group, metric, numerator, denominator, published_ratio.
        A numerator or denominator stays null only when it is null in every pooled row. A
        published ratio (no counts, e.g. ELECTRONIC_CERTIFIED_COPY) is the parent's own when
        given, else the mean of its units'.

    Examples
    --------
    >>> c = pd.DataFrame({"period": ["2024-08"] * 2, "unit_code": ["02752", "02755"],
    ...     "group": ["tien_do"] * 2, "metric": ["ON_TIME"] * 2,
    ...     "numerator": [90, 45], "denominator": [100, 50]})
    >>> pooled = pool_counts(c, {"02752": "083", "02755": "083"})
    >>> pooled[["unit_code", "numerator", "denominator"]].values.tolist()
    [['083', 135, 150]]
    """
    if isinstance(parent_of, pd.DataFrame):
        links = parent_of.rename(columns={"parent_code": "parent"})
    else:
        links = pd.DataFrame({"unit_code": list(parent_of), "parent": list(parent_of.values())})
    on = ["period", "unit_code"] if "period" in links else ["unit_code"]
    links = links[[*on, "parent"]].drop_duplicates(on)
    frame = counts.drop(columns=["parent"], errors="ignore").merge(links, on=on, how="left")
    own = frame["unit_code"].isin(set(links["parent"])).to_numpy()
    frame.loc[own, "parent"] = frame.loc[own, "unit_code"]
    if "published_ratio" not in frame:
        frame["published_ratio"] = np.nan
    frame["own_ratio"] = frame["published_ratio"].where(own)
    frame = frame[frame["parent"].notna()]
    keys = ["period", "parent", "group", "metric"]
    grouped = frame.groupby(keys, sort=False)
    pooled = grouped[["numerator", "denominator"]].sum(min_count=1)
    pooled["own_ratio"] = grouped["own_ratio"].first()
    pooled["mean_ratio"] = grouped["published_ratio"].mean()
    pooled = pooled.reset_index().rename(columns={"parent": "unit_code"})
    pooled["published_ratio"] = pooled["own_ratio"].fillna(pooled["mean_ratio"])
    return pooled[
        ["period", "unit_code", "group", "metric", "numerator", "denominator", "published_ratio"]
    ]


def reconcile(dataset, *, methodology: Methodology | None = None) -> pd.DataFrame:
    """Compare every published score of portal responses with the score recomputed from counts.

    Parameters
    ----------
    dataset
        A :class:`mkbidx.inputs.readers.Dataset` (counts with published metric scores, and published
        group scores).

    Returns
    -------
    DataFrame
        One row per published score: source_file, period, unit_code, unit_name, group, metric
        (empty for a group score), published, computed, difference, status ("reproduced",
        "differs", "not_recomputable") and reason.
    """
    m = _method(methodology)
    counts = dataset.counts
    names = dataset.units.drop_duplicates(["period", "unit_code"])[
        ["period", "unit_code", "unit_name"]
    ]
    rows = []
    if not counts.empty:
        ms = score_metrics(counts, methodology=m)
        ms["source_file"] = counts["source_file"].to_numpy() if "source_file" in counts else ""
        published = (
            ms[ms["max_score"].gt(0) & ms["published_score"].notna()]
            if ("published_score" in ms)
            else ms.iloc[0:0]
        )
        # A metric without data scores null, which counts 0 toward its group: the portal may
        # publish that 0 instead of null, and both mean the same points.
        metric_rows = published.assign(
            published=published["published_score"],
            computed=published["score"].where(~published["no_data"], published["score"].fillna(0)),
        )[["source_file", "period", "unit_code", "group", "metric", "published", "computed"]]
        rows.append(metric_rows)
        # Each file is recomputed on its own: one unit may be in several files of a period
        # (all procedures and one procedure).
        groups = pd.concat(
            [
                score_groups(part, methodology=m).assign(source_file=source)
                for source, part in ms.groupby("source_file", sort=False)
            ],
            ignore_index=True,
        )
    else:
        groups = pd.DataFrame(columns=[*KEYS, "group", "score", "source_file"])
    pub = dataset.published_groups.dropna(subset=["published_score"])
    on = [*KEYS, "group", "source_file"]
    g = pub.merge(groups[[*on, "score"]], on=on, how="left").rename(
        columns={"published_score": "published", "score": "computed"}
    )
    g["metric"] = ""
    rows.append(
        g[["source_file", "period", "unit_code", "group", "metric", "published", "computed"]]
    )
    out = pd.concat(rows, ignore_index=True)
    out["difference"] = (out["computed"] - out["published"]).round(2)
    close = out["difference"].abs().lt(0.005)
    out["status"] = np.where(
        out["computed"].isna(), "not_recomputable", np.where(close, "reproduced", "differs")
    )
    out["reason"] = np.where(
        out["status"] == "not_recomputable",
        "Cổng chỉ công bố điểm, không công bố số liệu gốc (no raw counts published)",
        "",
    )
    out = out.merge(names, on=KEYS, how="left")
    out["unit_name"] = out["unit_name"].fillna(out["unit_code"])
    order = {k: i for i, k in enumerate(m.group_keys)}
    out["_g"] = out["group"].map(order)
    out = out.sort_values(["source_file", "period", "_g", "unit_code", "metric"], kind="stable")
    return out.drop(columns="_g").reset_index(drop=True)[
        [
            "source_file",
            "period",
            "unit_code",
            "unit_name",
            "group",
            "metric",
            "published",
            "computed",
            "difference",
            "status",
            "reason",
        ]
    ]


def reconciliation_report(result: pd.DataFrame) -> str:
    """Plain-text summary of :func:`reconcile`: differences per endpoint, then the tally line.

    The last line is exactly ``reproduced N/M published scores (max difference D)`` where M counts
    the published scores that can be recomputed from the data.
    """
    lines: list[str] = []
    for source, part in result.groupby("source_file", sort=True):
        periods = ", ".join(sorted(part["period"].astype(str).unique()))
        ok = (part["status"] == "reproduced").sum()
        n = (part["status"] != "not_recomputable").sum()
        lines.append(f"{source} [{periods}]: {ok}/{n} reproduced")
        for row in part[part["status"] == "differs"].itertuples():
            what = f"{row.group}/{row.metric}" if row.metric else row.group
            lines.append(
                f"  DIFFERS {row.unit_code} ({row.unit_name}) {what}: "
                f"published {row.published:.2f}, computed {row.computed:.2f}, "
                f"difference {row.difference:+.2f}"
            )
        skipped = part[part["status"] == "not_recomputable"]
        if len(skipped):
            lines.append(
                f"  {len(skipped)} published scores cannot be recomputed: "
                f"{skipped['reason'].iloc[0]}"
            )
    recomputable = result[result["status"] != "not_recomputable"]
    n_ok = int((recomputable["status"] == "reproduced").sum())
    diff = recomputable["difference"].abs().max() if len(recomputable) else 0.0
    diff = 0.0 if pd.isna(diff) else float(diff)
    lines.append(
        f"reproduced {n_ok}/{len(recomputable)} published scores (max difference {diff:.2f})"
    )
    return "\n".join(lines)
