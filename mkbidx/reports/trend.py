"""The trend report: a scope's units over a range of months, its content and its runner.

Same three layers as the monthly report (:mod:`mkbidx.reports.monthly`, whose helpers are reused):

1. **Content.** :func:`trend_context` reads the data and returns a :class:`TrendReport` with
   every frame, figure (PNG bytes) and escaped HTML piece that ``notebooks/trend_comparison.ipynb``
   displays, in Vietnamese: each unit's total over time (small multiples with the 80-point line),
   the scope against its peers, rank movement (bump chart), month-over-month and same-month-last-
   year changes, streaks (months in a row below 80, at 0 on a group), the decomposition of each
   unit's change into the six groups, two periods side by side (pooled counts), the gap to the
   target in the last month and, when the range crosses 1/7/2025, the merged communes'
   reconstructed history labelled "số liệu dựng lại". The frames come from
   :func:`mkbidx.core.trends.trend_frames`, the charts from :mod:`mkbidx.present.trend_plots`.
2. **Files.** :func:`write_trend_artifacts` writes figures (PNG), tables (CSV and one XLSX) and
   ``summary.json``, byte-identical for the same inputs.
3. **Runner.** :func:`run_trend_report` executes the template with papermill and exports one
   self-contained HTML page into ``outputs/trends/<scope>/<from>_<to>/`` with ``manifest.json``;
   the folder appears at once or not at all and is never replaced without ``force``.

Decisions
---------
- The two periods compared by default are the last two full calendar years of the range when
  it covers two, else its last two full quarters, else its last two months
  (:func:`default_comparison`).
  The periods may lie outside the range; they are scored from pooled counts
  (:func:`mkbidx.core.trends.compare_periods`).
- The same month last year is scored even when it lies before the range (one more month of
  data), reconstructed like the range when the merger lies between the two months.
- The bump chart follows the units that have data in the last month (after the merger: the
  merged communes, whose ranks before it are among the rebuilt communes of the district). With
  more than :data:`mkbidx.present.trend_plots.BUMP_ALL_COLOURS` units only the largest risers
  and fallers are coloured.
- Small multiples and the comparison chart start their score axis below the lowest total
  (in steps of 10 points, at most 10 points under the threshold) instead of at 0, so that moves
  of a few points around 80 are visible; the axis says where it starts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from mkbidx import periods as _periods
from mkbidx.core import ranking, trends
from mkbidx.core.trends import TrendFrames
from mkbidx.errors import MkbidxError
from mkbidx.inputs.loading import Inputs, _registry, load_inputs
from mkbidx.methodology import Methodology
from mkbidx.present import formatting, plots
from mkbidx.present import trend_plots as tp
from mkbidx.reports.common import Drawing, gap_plan, scope_label
from mkbidx.reports.trend_params import TrendParameters, default_comparison, period_name
from mkbidx.reports.trend_view import (
    TrendReport,
    _difference,
    _rebuilt_phrase,
)

# =============================================================================== parameters


# =============================================================================== HTML pieces


# =============================================================================== content


def _month_range(periods) -> list[str]:
    months = sorted(p for p in periods if formatting.period_kind(str(p)) == "month")
    return [months[0], months[-1]] if months else ["?", "?"]


def trend_context(params: TrendParameters) -> TrendReport:
    """Read the data and build the trend report for validated parameters.

    Raises
    ------
    MkbidxError
        No data in the range, no unit under the scope, no data for a compared period.
    """
    periods = None
    if params.dossiers is not None:  # the months of the range and of the compared periods
        periods = set(_periods.month_range(params.first_period, params.last_period))
        for period in params.compare or ():
            periods.update(_periods.months_of(period))
    inputs = load_inputs(
        params.data_path,
        methodology=params.methodology,
        dossiers=params.dossiers,
        procedures=params.procedures,
        periods=periods,
        provisional=params.provisional,
    )
    return build_trend_report(inputs, params)


def build_trend_report(inputs: Inputs, params: TrendParameters) -> TrendReport:
    """The content of :func:`trend_context` from data already read (see there)."""
    m = inputs.methodology
    ds = inputs.dataset
    registry = _registry()
    merger_map = registry.merger_map() if params.reconstruct and registry is not None else None
    _known_scope(inputs, params.scope)
    frames = trends.trend_frames(
        ds.counts,
        inputs.units,
        scope=params.scope,
        start=params.first_period,
        end=params.last_period,
        published_groups=ds.published_groups,
        merger_map=merger_map,
        methodology=m,
    )
    months = sorted(set(frames.series["period"]))
    last = months[-1]
    series = _current_first(frames.series, last)
    current = list(dict.fromkeys(series.loc[series["period"] == last, "unit_code"]))
    codes = list(dict.fromkeys(series["unit_code"]))
    scope_name, scope_level = scope_label(inputs, params.scope, last)

    changes = _changes(frames, inputs, series, current, last, merger_map, m)
    comparison_periods = params.compare or default_comparison(months)
    comparison = None
    if comparison_periods is not None:
        comparison = _comparison(inputs, params, codes, comparison_periods, months, merger_map, m)
    peers, other_name = _peers(frames, inputs, params)
    gap, gap_note = _gap(inputs, frames, current, last, m)
    merged = former = None
    if series["reconstructed"].any():
        rebuilt = set(series.loc[series["reconstructed"], "unit_code"])
        merged = series[series["unit_code"].isin(rebuilt)].reset_index(drop=True)
        former = _former_names(inputs, merger_map or {}, rebuilt)
    order = {c: i for i, c in enumerate(codes)}
    decomposition = frames.decomposition.copy()
    if len(decomposition):
        head = decomposition.drop_duplicates("unit_code")
        by_change = head.sort_values(
            ["total_delta", "unit_code"], ascending=[False, True], kind="stable"
        )["unit_code"]
        rank = {c: i for i, c in enumerate(by_change)}
        decomposition = decomposition.assign(
            _u=decomposition["unit_code"].map(rank),
            _g=decomposition["group"].map({k: i for i, k in enumerate(m.group_keys)}),
        ).sort_values(["_u", "_g"], kind="stable")
        decomposition = decomposition.drop(columns=["_u", "_g"]).reset_index(drop=True)
    streaks = frames.streaks.assign(_o=frames.streaks["unit_code"].map(order))
    streaks = streaks.sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)

    r = TrendReport(
        params=params,
        scope_name=scope_name,
        scope_level=scope_level,
        frames=frames,
        months=months,
        series=series,
        current=current,
        changes=changes,
        month_changes=frames.month_changes,
        ranks=frames.ranks,
        streaks=streaks,
        decomposition=decomposition,
        drivers=frames.drivers,
        comparison=comparison,
        comparison_periods=comparison_periods,
        peers=peers,
        compare_scope_name=other_name,
        gap=gap,
        gap_note=gap_note,
        merged=merged,
        former=former or {},
        methodology=m,
        # only the files of the range's months (and of the compared periods) and their notes
        **_sources(inputs, params, comparison_periods),
    )
    r.lead_text, r.headline_texts = _headline_texts(r)
    drawing = Drawing(lambda figures, texts: _draw_figures(r, figures, texts))
    r.figures, r.figure_text = drawing.figures, drawing.texts
    return r


def _sources(
    inputs: Inputs, params: TrendParameters, comparison: Sequence[str] | None
) -> dict[str, tuple]:
    """``inputs`` and ``notes`` of the report: the files that hold data of the months from
    ``params.first_period`` to ``params.last_period`` or of the compared periods, and the
    readers' notes on them."""
    months = set(_periods.month_range(params.first_period, params.last_period))
    for period in comparison or ():
        months.update(_periods.months_of(period))
    files, notes = inputs.sources(sorted(months))
    source = inputs.dossier_source
    if source is not None:  # the dossier table, and what it replaced
        files = (*files, source.file)
        notes = (source.summary_line(inputs.data_path), *notes)
    return {"inputs": files, "notes": notes}


def _known_scope(inputs: Inputs, scope: str) -> None:
    """A scope code that is no unit's parent in any month of the data is an error naming the
    scopes there are (before any scoring)."""
    units = inputs.units
    parents = set(units["parent_code"].dropna().astype(str))
    if scope in parents:
        return
    raise MkbidxError(
        f"không có đơn vị nào trực thuộc '{scope}' (unknown scope)",
        column="--scope",
        expected="mã đơn vị cha, vd. " + formatting.short_list(sorted(parents)),
    )


def _current_first(series: pd.DataFrame, last: str) -> pd.DataFrame:
    """Units with data in the last month first (in their order), then the others."""
    present = set(series.loc[series["period"] == last, "unit_code"])
    codes = list(dict.fromkeys(series["unit_code"]))
    order = sorted(codes, key=lambda c: (c not in present, codes.index(c)))
    rank = {c: i for i, c in enumerate(order)}
    out = series.assign(_o=series["unit_code"].map(rank))
    return (
        out.sort_values(["_o", "period"], kind="stable").drop(columns="_o").reset_index(drop=True)
    )


def _changes(
    frames: TrendFrames,
    inputs: Inputs,
    series: pd.DataFrame,
    current: list[str],
    last: str,
    merger_map: Mapping[str, str] | None,
    m: Methodology,
) -> pd.DataFrame:
    """The units of the last month with the change from last month and from last year."""
    rows = series[(series["period"] == last) & series["unit_code"].isin(current)]
    rows = rows[["unit_code", "unit_name", "total", "rank", "rank_of", "band"]].copy()
    mom = frames.month_changes[frames.month_changes["period"] == last].set_index("unit_code")
    rows["prev_total"] = rows["unit_code"].map(mom["prev_total"]).astype("float64")
    rows["change"] = rows["unit_code"].map(mom["change"]).astype("float64")
    moves = frames.ranks[frames.ranks["period"] == last].set_index("unit_code")
    rows["rank_change"] = rows["unit_code"].map(moves["rank_change"]).astype("Int64")
    year = trends.shift_month(last, -12)
    inside = series[series["period"] == year].set_index("unit_code")
    if len(inside):
        year_totals, year_rebuilt = inside["total"], inside["reconstructed"]
    else:
        year_totals, year_rebuilt = _totals_of_month(inputs, year, last, current, merger_map, m)
    rows["year_total"] = rows["unit_code"].map(year_totals).astype("float64")
    rows["year_change"] = [
        _difference(a, b) for a, b in zip(rows["total"], rows["year_total"], strict=True)
    ]
    rows["year_reconstructed"] = (
        rows["unit_code"].map(year_rebuilt).astype("boolean").fillna(False).astype(bool)
    )
    rows.insert(0, "period", last)
    rows.insert(rows.columns.get_loc("year_total"), "year_period", year)
    rows = rows.sort_values(["rank", "unit_code"], kind="stable", na_position="last")
    return rows.reset_index(drop=True)


def _totals_of_month(
    inputs: Inputs,
    month: str,
    last: str,
    codes: Sequence[str],
    merger_map: Mapping[str, str] | None,
    m: Methodology,
) -> tuple[pd.Series, pd.Series]:
    """Totals of one month outside the range (reconstructed if the merger lies between it and
    ``last``): unit_code → total, unit_code → reconstructed."""
    ds = inputs.dataset
    counts = ds.counts[ds.counts["period"] == month]
    empty = pd.Series(dtype="float64"), pd.Series(dtype=bool)
    if counts.empty:
        return empty
    pub = ds.published_groups[ds.published_groups["period"] == month]
    limit = trends.month_ordinal(trends.MERGER_PERIOD)
    if merger_map and trends.month_ordinal(month) < limit <= trends.month_ordinal(last):
        counts = trends.reconstruct_merged(counts, merger_map)
        known = {str(k) for k in merger_map} | {str(v) for v in merger_map.values()}
        pub = pub[~pub["unit_code"].astype(str).isin(known)]
    else:
        counts = counts.assign(reconstructed=False)
    units = inputs.units[inputs.units["period"] == month]
    table = ranking.evaluate(counts, units, pub, methodology=m).table
    table = table[table["unit_code"].isin(set(codes))].set_index("unit_code")
    flags = counts.groupby("unit_code")["reconstructed"].any()
    return table["total"].astype("float64"), flags.reindex(table.index).fillna(False)


def _comparison(
    inputs: Inputs,
    params: TrendParameters,
    codes: Sequence[str],
    periods: tuple[str, str],
    months: Sequence[str],
    merger_map: Mapping[str, str] | None,
    m: Methodology,
) -> pd.DataFrame:
    """Two periods side by side for the units of the report (pooled counts)."""
    ds = inputs.dataset
    sides = [trends.months_of(p) for p in periods]
    have = set(ds.counts["period"])
    for period, side in zip(periods, sides, strict=True):
        if not have & set(side):
            raise MkbidxError(
                f"không có số liệu kỳ so sánh {period} (missing period)",
                file=inputs.data_path,
                column="--compare",
                expected="một kỳ có số liệu, từ " + " đến ".join(_month_range(have)),
            )
    wanted = set(sides[0]) | set(sides[1])
    counts = ds.counts[ds.counts["period"].isin(wanted)]
    every = sorted(wanted | set(months))
    limit = trends.month_ordinal(trends.MERGER_PERIOD)
    crosses = trends.month_ordinal(every[0]) < limit <= trends.month_ordinal(every[-1])
    if merger_map and crosses:
        counts = trends.reconstruct_merged(counts, merger_map)
    result = trends.compare_periods(
        counts, inputs.units, first=periods[0], second=periods[1], methodology=m
    )
    under = result["parent_code"].astype(str) == params.scope
    result = result[result["unit_code"].isin(set(codes)) | under].copy()
    if "reconstructed" in counts:
        first = set(sides[0])
        early = counts[counts["period"].isin(first) & counts["reconstructed"].astype(bool)]
        result["reconstructed"] = result["unit_code"].isin(set(early["unit_code"]))
    else:
        result["reconstructed"] = False
    result = result.sort_values(
        ["second_total", "first_total", "unit_code"],
        ascending=[False, False, True],
        kind="stable",
        na_position="last",
    )
    return result.reset_index(drop=True)


def _peers(
    frames: TrendFrames, inputs: Inputs, params: TrendParameters
) -> tuple[pd.DataFrame, str | None]:
    """The scope and its peers over time (the scope alone if it has none), plus the comparison
    unit when one is asked for."""
    table = frames.evaluation.table
    peers = frames.peers
    if peers.empty:
        peers = trends.totals_over_time(table, units=[params.scope], reconstructed=frames.counts)
    other_name = None
    other = params.compare_scope
    if other:
        if other == params.scope:
            raise MkbidxError(
                "đơn vị so sánh trùng với phạm vi báo cáo (compare scope)",
                column="--compare-scope",
                expected="mã một đơn vị khác",
            )
        extra = trends.totals_over_time(table, units=[other], reconstructed=frames.counts)
        if extra.empty:
            raise MkbidxError(
                f"không có số liệu của đơn vị so sánh '{other}' trong khoảng thời gian này",
                column="--compare-scope",
                expected="mã một đơn vị có số liệu, vd. "
                + formatting.short_list(peers["unit_code"].drop_duplicates()),
            )
        other_name = str(extra["unit_name"].iloc[-1])
        peers = pd.concat([peers[peers["unit_code"] != other], extra], ignore_index=True)
        first = peers["unit_code"] == params.scope
        second = peers["unit_code"] == other
        peers = pd.concat([peers[first], peers[second], peers[~first & ~second]], ignore_index=True)
    return peers.reset_index(drop=True), other_name


def _gap(
    inputs: Inputs, frames: TrendFrames, current: Sequence[str], last: str, m: Methodology
) -> tuple[pd.DataFrame | None, str]:
    """Per unit below the target in the last month, the actions that reach it."""
    top = m.bands[0]
    table = frames.evaluation.table
    rows = table[(table["period"] == last) & table["unit_code"].isin(set(current))]
    below = rows[rows["total"].round(m.rank_decimals) < top.min].sort_values(
        ["total", "unit_code"], ascending=[False, True], kind="stable"
    )
    label = formatting.period_label(last)
    if below.empty:
        return None, f"{label.capitalize()}: mọi đơn vị đều đạt từ {formatting.points(top.min)}."
    plan = gap_plan(
        inputs,
        below["unit_code"],
        period=last,
        methodology=m,
        group_names={g.key: g.short_name for g in m.groups},
    )
    note = (
        f"{label.capitalize()}: {len(below)} đơn vị dưới {formatting.points(top.min)}. Các việc "
        f"cần làm để đạt "
        f"{formatting.points(top.min)} (ít hồ sơ nhất, theo thứ tự thực hiện; tổng điểm sau mỗi "
        "việc tính lại theo phương pháp):"
    )
    return plan, note


def _former_names(
    inputs: Inputs, merger_map: Mapping[str, str], merged: set[str]
) -> dict[str, list[str]]:
    """For each merged commune, the names of its former communes (before the merger)."""
    units = inputs.units
    before = units[units["period"].astype(str) < trends.MERGER_PERIOD].sort_values(
        "period", kind="stable"
    )
    names = before.drop_duplicates("unit_code", keep="last").set_index("unit_code")["unit_name"]
    out: dict[str, list[str]] = {}
    for old, new in merger_map.items():
        if new in merged:
            out.setdefault(new, []).append(str(names.get(old, old)))
    return out


def _headline_texts(r: TrendReport) -> tuple[str, tuple[str, ...]]:
    m = r.methodology
    threshold = formatting.points(r.threshold)
    first_label = formatting.period_label(r.first)
    last_label = formatting.period_label(r.last)

    def reaching(month: str) -> tuple[int, int]:
        values = r.series.loc[r.series["period"] == month, "total"].astype("float64")
        return int((values.round(m.rank_decimals) >= r.threshold).sum()), len(values)

    names = list(r.series.drop_duplicates("unit_code")["unit_name"].astype(str))
    kinds = formatting.unit_kind_phrase(names)
    good, n = reaching(r.last)
    span = f"trong {first_label}" if r.first == r.last else f"từ {first_label} đến {last_label}"
    lead = f"{len(names)} {kinds} được theo dõi {span}. "
    lead += f"{last_label.capitalize()}: {good}/{n} đơn vị đạt từ {threshold}"
    if r.first != r.last:
        good0, n0 = reaching(r.first)
        lead += f" ({first_label}: {good0}/{n0})"
    lead += "."
    texts: list[str] = []
    own = r.peers[r.peers["unit_code"] == r.scope].sort_values("period")
    own_last = own[own["period"] == r.last]
    if len(own_last) and not pd.isna(own_last["total"].iloc[0]):
        row = own_last.iloc[0]
        text = f"{r.scope_name} {last_label}: {formatting.score_of_max(row['total'], m.total_max)}"
        text += " điểm"
        ranked = not pd.isna(row["rank"]) and not pd.isna(row["rank_of"]) and row["rank_of"] > 1
        if ranked and isinstance(r.scope_level, str):
            peers = r.peers[(r.peers["period"] == r.last)]
            try:
                phrase = formatting.peers_phrase(
                    r.scope_level, list(peers["unit_name"].astype(str))
                )
            except MkbidxError:
                phrase = ""
            text += ", " + formatting.rank_phrase(row["rank"], row["rank_of"], phrase)
        own_first = own.iloc[0]
        if own_first["period"] != r.last and not pd.isna(own_first["total"]):
            diff = _difference(row["total"], own_first["total"])
            text += (
                f"; {_change_words(diff)} so với "
                f"{formatting.period_label(own_first['period'])} "
                f"({formatting.score(own_first['total'])} điểm)"
            )
        texts.append(text + ".")
    d = r.decomposition.drop_duplicates("unit_code")
    if len(d) >= 2 and r.first != r.last:
        up, down = d.iloc[0], d.iloc[-1]
        span = (
            f"từ {formatting.period_label(d['from_period'].iloc[0])} đến "
            f"{formatting.period_label(d['to_period'].iloc[0])}"
        )
        parts = []
        if up["total_delta"] > 0:
            parts.append(
                f"tăng nhiều nhất: {up['unit_name']} ({formatting.signed(up['total_delta'])})"
            )
        if down["total_delta"] < 0:
            parts.append(
                f"giảm nhiều nhất: {down['unit_name']} ({formatting.signed(down['total_delta'])})"
            )
        if parts:
            texts.append(f"Thay đổi tổng điểm {span}: " + "; ".join(parts) + ".")
    if r.reconstructed:
        rebuilt = r.series.loc[r.series["reconstructed"]]
        merged = formatting.name_list(rebuilt.drop_duplicates("unit_code")["unit_name"])
        texts.append(
            f"Từ {formatting.period_label(rebuilt['period'].min())} đến "
            f"{formatting.period_label(rebuilt['period'].max())}, điểm của {merged} là "
            f"{_rebuilt_phrase()} (cộng số liệu các xã cũ trước sáp nhập), xem mục cuối."
        )
    return lead, tuple(texts)


def _change_words(diff: float) -> str:
    if pd.isna(diff):
        return "chưa so sánh được"
    if diff > 0:
        return f"tăng {formatting.score(diff)} điểm"
    if diff < 0:
        return f"giảm {formatting.score(-diff)} điểm"
    return "không đổi"


# =============================================================================== figures
def _draw_figures(
    r: TrendReport, figures: dict[str, bytes], texts: dict[str, tuple[str, str]]
) -> None:
    """Draw the report's figures (PNG bytes) and set their alternative texts and captions (the
    report's :class:`~mkbidx.reports.common.Drawing`, on first use)."""
    m = r.methodology
    render = plots.render_png
    threshold = formatting.points(r.threshold)
    kinds = formatting.unit_kind_phrase(list(r.series["unit_name"].astype(str).unique()))
    units = r.series["unit_code"].nunique()
    floor = tp.axis_floor(r.series["total"], r.threshold)
    rebuilt = f"; nét đứt, chấm rỗng: {_rebuilt_phrase()}" if r.reconstructed else ""
    figures["small_multiples"] = render(
        lambda: tp.plot_small_multiples(
            r.series,
            threshold=r.threshold,
            methodology=m,
            floor=floor,
            title=f"Tổng điểm các {kinds} thuộc {r.scope_name}, {r.range_label}",
        )
    )
    texts["small_multiples"] = (
        f"{units} biểu đồ nhỏ: tổng điểm từng đơn vị theo tháng, đường {threshold}",
        f"Mỗi ô một đơn vị, cùng thang điểm (trục đứng từ {formatting.compact(floor)} đến "
        f"{formatting.compact(m.total_max)}); đường đứt nét: {threshold}{rebuilt}.",
    )
    if not r.peers.empty and r.peers["total"].notna().any():
        alone = r.peers["unit_code"].nunique() == 1
        title = (
            f"{r.scope_name}: tổng điểm theo tháng"
            if alone
            else f"{r.scope_name} so với các đơn vị cùng cấp"
        )
        figures["peers"] = render(
            lambda: tp.plot_peers(
                r.peers,
                highlight=r.scope,
                compare=r.params.compare_scope or None,
                threshold=r.threshold,
                methodology=m,
                floor=tp.axis_floor(r.peers["total"], r.threshold),
                title=title,
            )
        )
        caption = (
            f"{r.scope_name} không có đơn vị cùng cấp trong dữ liệu; đường đứt nét: {threshold}."
            if alone
            else f"Đường xanh đậm: {r.scope_name}; đường xám: các đơn vị cùng cấp"
            + (f"; đường cam: {r.compare_scope_name}" if r.compare_scope_name else "")
            + f"; đường đứt nét: {threshold}."
        )
        texts["peers"] = (
            f"Biểu đồ đường: tổng điểm của {r.scope_name} theo tháng",
            caption,
        )
    bump = r.ranks[r.ranks["unit_code"].isin(set(r.current))]
    if len(bump) and bump["rank"].notna().any() and len(r.months) > 1:
        figures["bump"] = render(
            lambda: tp.plot_bump(bump, title=f"Thứ hạng các {kinds}, {r.range_label}")
        )
        n = bump["unit_code"].nunique()
        caption = "Thứ hạng 1 ở trên cùng."
        highlight = tp.BUMP_HIGHLIGHT
        if n > tp.BUMP_ALL_COLOURS:
            caption += (
                f" Có màu: {highlight} đơn vị tăng hạng nhiều nhất và {highlight} đơn vị "
                "giảm hạng nhiều nhất từ tháng đầu đến tháng cuối; các đơn vị khác màu xám."
            )
        dropped = r.series["unit_code"].nunique() - n
        if dropped:
            last = formatting.period_label(r.last)
            caption += f" {dropped} đơn vị không có số liệu {last} không được vẽ."
        if r.reconstructed:
            caption += f" Thứ hạng của các xã mới trước sáp nhập tính trên {_rebuilt_phrase()}."
        texts["bump"] = (f"Biểu đồ thứ hạng của {n} đơn vị qua các tháng", caption)
    if len(r.decomposition) and r.first != r.last:
        d = r.decomposition
        a = formatting.period_label(d["from_period"].iloc[0])
        b = formatting.period_label(d["to_period"].iloc[0])
        figures["decomposition"] = render(
            lambda: tp.plot_decomposition(
                d, methodology=m, title=f"Thay đổi tổng điểm từ {a} đến {b}, theo nhóm chỉ số"
            )
        )
        texts["decomposition"] = (
            "Biểu đồ thanh: thay đổi điểm của sáu nhóm chỉ số ở từng đơn vị",
            "Mỗi màu một nhóm chỉ số: bên phải 0 là tăng, bên trái là giảm; hình thoi: thay đổi "
            "của tổng điểm (bằng tổng các thanh). Đơn vị tăng nhiều nhất ở trên cùng.",
        )
    if r.comparison is not None and len(r.comparison) and r.comparison_periods is not None:
        a, b = (period_name(p) for p in r.comparison_periods)
        c = r.comparison
        both = pd.concat([c["first_total"], c["second_total"]])
        figures["comparison"] = render(
            lambda: tp.plot_period_comparison(
                c,
                threshold=r.threshold,
                methodology=m,
                floor=tp.axis_floor(both, r.threshold),
                title=f"Tổng điểm {a} và {b}",
            )
        )
        texts["comparison"] = (
            f"Biểu đồ so sánh tổng điểm hai kỳ: {a} và {b}",
            f"Chấm xám: {a}; chấm xanh: {b}; đường đứt nét: {threshold}.",
        )
    if r.merged is not None and len(r.merged):
        figures["merger"] = render(
            lambda: tp.plot_small_multiples(
                r.merged,
                threshold=r.threshold,
                methodology=m,
                floor=tp.axis_floor(r.merged["total"], r.threshold),
                title=f"Các xã mới từ 1/7/2025: {r.range_label}",
            )
        )
        texts["merger"] = (
            f"Biểu đồ tổng điểm các xã mới, các tháng trước sáp nhập là {_rebuilt_phrase()}",
            f"Nét đứt, chấm rỗng: {_rebuilt_phrase()} (cộng số liệu các xã cũ); nét liền: số "
            f"liệu của xã mới; đường đứt nét ngang: {threshold}.",
        )


# =============================================================================== files


# =============================================================================== runner
