"""The sample's dossiers: one row per dossier of the communes, realising their counts exactly.

The communes of the sample (the 16 of Mường Khương until 2025-06, the 4 merged communes from
2025-07) draw their 10 dossier counts
(:data:`mkbidx.inputs.dossiers.columns.DOSSIER_ONLY_METRICS`) from a dossier world
(:func:`mkbidx.run.simulation.dossier_world`). :func:`synthesize` builds, from the final
(calibrated) counts, a dossier table (the columns of
:data:`~mkbidx.inputs.dossiers.columns.DOSSIER_COLUMNS`) from which the rules of ``dossiers.md``
derive exactly those counts; :func:`realisable` is the projection the calibration applies so
that the counts it moves stay realisable.

Per unit and month P, with S synced dossiers received, H handled (S + the B(P-1) carried in),
B carried out (received in P, still open at its end, finished in P+1; never after a unit's
last month, except in the data's last month, where they stay open):

- ``ON_TIME``: the B open ones are on time at the end of P (due after it); the late ones are
  first carried-in dossiers (finished after their due time), then dossiers received and
  finished in P (overdue, or with two supplement requests);
- satisfaction: complaints on on-time dossiers received and finished in P (and on some late
  ones, which changes nothing);
- ``ORIGINAL_RESULT_AVAILABLE``: the carried-in dossiers with a required result all have an
  electronic one; the misses are dossiers received and finished in P;
- online submission and digitised papers: among the received dossiers that are not misses.

Examples
--------
>>> day_seconds("2024-08-05") - day_seconds("2024-08-04")
86400
>>> agency_code("02758")
'000.27.58.H38'
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from mkbidx.inputs.dossiers import columns
from mkbidx.periods import month_range, shift_month

__all__ = [
    "DOSSIERS_FILE",
    "HOLIDAYS",
    "agency_code",
    "carried_out",
    "day_seconds",
    "parquet_bytes",
    "projector",
    "realisable",
    "synthesize",
]

DOSSIERS_FILE = "dossiers/mkbidx-sample-dossiers.parquet"  # .parquet: the count readers skip it
METRICS = columns.DOSSIER_ONLY_METRICS
# Days off besides weekends (Tết, 30/4–1/5, 2/9, 1/1; approximately as decreed).
HOLIDAYS = np.array(
    [
        "2023-01-02", "2023-01-20", "2023-01-23", "2023-01-24", "2023-01-25", "2023-01-26",
        "2023-05-01", "2023-05-02", "2023-05-03", "2023-09-01", "2023-09-04",
        "2024-01-01", "2024-02-08", "2024-02-09", "2024-02-12", "2024-02-13", "2024-02-14",
        "2024-04-18", "2024-04-29", "2024-04-30", "2024-05-01", "2024-09-02", "2024-09-03",
        "2025-01-01", "2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31",
        "2025-04-07", "2025-04-30", "2025-05-01", "2025-05-02", "2025-09-01", "2025-09-02",
        "2026-01-01", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20",
        "2026-04-27", "2026-04-30", "2026-05-01", "2026-09-01", "2026-09-02",
    ],
    dtype="datetime64[D]",
)  # fmt: skip
PROVINCE_PORTAL_CODE = "H38"  # Lào Cai on the national portal
DAY = 86_400
MORNING = (7 * 3600 + 1800, 11 * 3600 + 1800)  # one-door office hours, 7:30-11:30
AFTERNOON = (13 * 3600 + 1800, 17 * 3600)  # and 13:30-17:00
ONLINE_HOURS = (6 * 3600, 23 * 3600)  # online submissions: 6:00-23:00, every day
DUE_TIME = 17 * 3600  # a promised return is due at 17:00 of its working day
POSTAL_SHARE = 0.08  # non-online dossiers sent by post
SUPPLEMENT_SHARE = 0.08  # on-time dossiers with one supplement request
LATE_BY_SUPPLEMENT = 0.3  # late dossiers late because of two or three supplement requests
LATE_COMPLAINT_SHARE = 0.25  # late dossiers complained about
LATE_MAX_DAYS = 5  # a dossier finished late in its month has a procedure of at most 5 days
CARRIED_MAX_DAYS = 10  # a dossier carried over to the next month: at most 10 days
UNSYNCED_FLAG_SHARE = 0.4  # flags of unsynced dossiers (they count in DOSSIER_SYNC only)
OPEN_SHARE = 0.07  # dossiers still open at the end of the data's last month
# The procedure catalogue: (result required, fee, working days to the due date, weight).
# Codes are drawn in the format of the national catalogue (1.00xxxx / 2.00xxxx): synthetic.
CATALOGUE_CELLS = (
    (True, False, (1, 3, 5, 5, 7, 10, 15), 6.0),  # civil status, certificates...
    (True, True, (1, 1, 2, 3, 5, 10), 4.0),  # certified copies, extracts (fees)
    (False, False, (1, 2, 3, 5, 7, 12), 2.0),  # confirmations, notifications
    (False, True, (1, 3, 5, 10), 1.0),
)

# roles of a dossier received in a month
HERE_ON_TIME, HERE_LATE, CARRIED_ON_TIME, CARRIED_LATE, OPEN, UNSYNCED = range(6)


def day_seconds(day: str | np.datetime64) -> int:
    """Seconds of a day's midnight since 1970-01-01 (naive local time)."""
    return int(np.datetime64(day, "D").astype("int64")) * DAY


def agency_code(unit_code: str) -> str:
    """The one-door agency code of a commune in its dossier numbers (synthetic)."""
    digits = unit_code[-4:]
    return f"000.{digits[:2]}.{digits[2:]}.{PROVINCE_PORTAL_CODE}"


# ----------------------------------------------------------------------------- realisability
def _values(rows: pd.DataFrame, values: np.ndarray, kind: str) -> dict[str, int]:
    """Metric -> value of ``values`` (numerators) or of the rows' denominators."""
    metrics = rows["metric"].to_numpy()
    source = values if kind == "num" else rows["denominator"].to_numpy(dtype="float64")
    return {m: int(source[i]) for i, m in enumerate(metrics) if m in METRICS}


def realisable(rows: pd.DataFrame, values: np.ndarray, carried: int) -> np.ndarray:
    """Numerators of one commune-month made realisable by dossiers (monotone, idempotent).

    ``rows`` are the unit-month's count rows, ``values`` their numerators and ``carried`` the
    dossiers received in the month and finished the next. Only raises on-time, satisfaction and
    original-result numerators to what the carried and handled dossiers force, and caps online
    submission and digitised papers at the dossiers not missing an electronic result. Each
    output is a non-decreasing function of the inputs, so scores stay monotone for bisection.
    """
    index = {m: i for i, m in enumerate(rows["metric"].to_numpy())}
    if "ON_TIME" not in index:
        return values
    den = _values(rows, values, "den")
    out = values.astype("float64").copy()
    synced, handled, required = (
        den["ONLINE_SUBMISSION"],
        den["ON_TIME"],
        den["ORIGINAL_RESULT_AVAILABLE"],
    )
    here = synced - carried
    carried_in = handled - synced
    on_time = max(out[index["ON_TIME"]], float(carried))
    out[index["ON_TIME"]] = on_time
    late_here = max(0.0, handled - on_time - carried_in)
    sat = index["DOSSIER_RECEIVING_SATISFACTION"]
    out[sat] = min(max(out[sat], on_time - (here - late_here)), on_time)
    original = index["ORIGINAL_RESULT_AVAILABLE"]
    out[original] = max(out[original], float(required - here))
    cap = synced - (required - out[original])
    for metric in ("ONLINE_SUBMISSION", "SO_HOA_GIAY_TO_GIAI_QUYET"):
        out[index[metric]] = min(out[index[metric]], cap)
    return out


def carried_out(counts: pd.DataFrame) -> dict[tuple[str, str], int]:
    """(unit, period) -> dossiers received in the period and finished in the next, from the
    next month's handled minus received (0 when the unit has no next month)."""
    wide = _wide(counts)
    out = {}
    for unit, period in wide.index:
        following = (unit, shift_month(period, 1))
        if following in wide.index:
            nxt = wide.loc[following]
            out[(unit, period)] = int(nxt["den", "ON_TIME"] - nxt["den", "ONLINE_SUBMISSION"])
        else:
            out[(unit, period)] = 0
    return out


def projector(counts: pd.DataFrame) -> Callable[[pd.DataFrame, np.ndarray], np.ndarray]:
    """The calibration's projection (:func:`realisable`) for the communes of ``counts``."""
    carried = carried_out(counts)

    def project(rows: pd.DataFrame, values: np.ndarray) -> np.ndarray:
        key = (str(rows["unit_code"].iloc[0]), str(rows["period"].iloc[0]))
        return realisable(rows, values, carried.get(key, 0))

    return project


def _wide(counts: pd.DataFrame) -> pd.DataFrame:
    rows = counts[counts["metric"].isin(METRICS)]
    num = rows.pivot(index=["unit_code", "period"], columns="metric", values="numerator")
    den = rows.pivot(index=["unit_code", "period"], columns="metric", values="denominator")
    wide = pd.concat({"num": num, "den": den}, axis=1).astype("int64")
    return wide.sort_index()


# ----------------------------------------------------------------------------- synthesis
def _catalogue(rng: np.random.Generator) -> pd.DataFrame:
    """The procedures: code, result required, fee, working days, popularity."""
    rows = []
    used: set[str] = set()
    for required, fee, days, weight in CATALOGUE_CELLS:
        for rank, k in enumerate(days):
            while True:
                code = f"{rng.integers(1, 3)}.00{rng.integers(0, 10_000):04d}"
                if code not in used:
                    used.add(code)
                    break
            rows.append((code, required, fee, k, weight / (rank + 1)))
    return pd.DataFrame(rows, columns=["code", "required", "fee", "days", "weight"])


class _Month:
    """The calendar of one month: its days, working days and due dates."""

    def __init__(self, period: str) -> None:
        first = np.datetime64(f"{period}-01", "D")
        following = np.datetime64(f"{shift_month(period, 1)}-01", "D")
        self.days = np.arange(first, following)
        self.work = self.days[np.is_busday(self.days, holidays=HOLIDAYS)]
        self.start = int(first.astype("int64")) * DAY
        self.end = int(following.astype("int64")) * DAY - 1
        self.last = self.days[-1]

    def due(self, days: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Due dates: the k-th working day after each day."""
        first = np.busday_offset(days, 0, roll="forward", holidays=HOLIDAYS)
        step = np.where(np.is_busday(days, holidays=HOLIDAYS), k, k - 1)
        return np.busday_offset(first, step, roll="forward", holidays=HOLIDAYS)


def _pick_days(
    rng: np.random.Generator, month: _Month, k: np.ndarray, online: np.ndarray, role: np.ndarray
) -> np.ndarray:
    """Reception days: any day (online) or a working day, in the window the role allows."""
    days = month.days
    allowed = np.ones((len(k), len(days)), dtype=bool)
    allowed &= online[:, None] | np.is_busday(days, holidays=HOLIDAYS)[None, :]
    due = month.due(np.broadcast_to(days, allowed.shape), k[:, None])
    late = role == HERE_LATE
    allowed[late] &= due[late] < month.last
    carried = np.isin(role, (CARRIED_ON_TIME, CARRIED_LATE, OPEN))
    allowed[carried] &= due[carried] > month.last
    count = allowed.sum(axis=1)
    if (count == 0).any():
        raise RuntimeError("sample dossiers: a dossier has no possible reception day")
    target = np.floor(rng.random(len(k)) * count).astype("int64")
    position = (np.cumsum(allowed, axis=1) > target[:, None]).argmax(axis=1)
    return days[position]


def _office_time(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds after midnight within office hours."""
    morning = MORNING[1] - MORNING[0]
    length = morning + AFTERNOON[1] - AFTERNOON[0]
    x = rng.integers(0, length, n)
    return np.where(x < morning, MORNING[0] + x, AFTERNOON[0] + x - morning)


def _finish(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A time in [lo, hi], in office hours of a working day when a few tries find one."""
    out = lo + np.floor(rng.random(len(lo)) * (hi - lo + 1)).astype("int64")
    for _ in range(6):
        day = out // DAY
        second = out % DAY
        office = np.is_busday(day.astype("datetime64[D]"), holidays=HOLIDAYS) & (
            ((second >= MORNING[0]) & (second <= MORNING[1]))
            | ((second >= AFTERNOON[0]) & (second <= AFTERNOON[1]))
        )
        if office.all():
            break
        retry = lo + np.floor(rng.random(len(lo)) * (hi - lo + 1)).astype("int64")
        out = np.where(office, out, retry)
    return out


def _plan_month(
    rng: np.random.Generator, c: dict[str, int], carried: int, nxt: dict[str, int], is_open: bool
) -> dict[str, np.ndarray]:
    """Roles and flags of the dossiers received in one unit-month (see the module docstring)."""
    received, synced = c["den DOSSIER_SYNC"], c["num DOSSIER_SYNC"]
    handled, on_time = c["den ON_TIME"], c["num ON_TIME"]
    satisfied = c["num DOSSIER_RECEIVING_SATISFACTION"]
    required, electronic = c["den ORIGINAL_RESULT_AVAILABLE"], c["num ORIGINAL_RESULT_AVAILABLE"]
    carried_in = handled - synced
    here = synced - carried
    late = handled - on_time
    late_here = late - min(carried_in, late)
    required_in = min(carried_in, electronic, required)
    required_here = required - required_in
    misses = required - electronic
    complaints = on_time - satisfied
    result_ok = synced - misses
    checks = {
        "handled ≥ received": carried_in >= 0,
        "carried ≤ synced": 0 <= here,
        "late ≤ handled - carried": late_here <= here,
        "complaints ≤ on time here": complaints <= here - late_here,
        "results ≤ finished": required_here <= here,
        "online ≤ results": c["num ONLINE_SUBMISSION"] <= result_ok,
        "digitised ≤ results": c["num SO_HOA_GIAY_TO_GIAI_QUYET"] <= result_ok,
        "fee ≤ synced": c["den ONLINE_PAYMENT_DOSSIERS"] <= synced,
    }
    broken = [name for name, ok in checks.items() if not ok]
    if broken:
        raise RuntimeError(f"sample dossiers: counts not realisable ({', '.join(broken)})")
    n = received
    role = np.full(n, UNSYNCED)
    flag = {name: np.zeros(n, dtype=bool) for name in columns.BOOL_COLUMNS}
    supplements = np.zeros(n, dtype="int64")
    flag["synced"][:synced] = True
    # received and finished here: late ones, then the complaints among the on-time ones
    order = rng.permutation(here)
    role[:here] = HERE_ON_TIME
    role[order[:late_here]] = HERE_LATE
    flag["complained"][order[late_here : late_here + complaints]] = True
    late_ids = order[:late_here]
    flag["complained"][late_ids[rng.random(late_here) < LATE_COMPLAINT_SHARE]] = True
    by_supplement = late_ids[rng.random(late_here) < LATE_BY_SUPPLEMENT]
    supplements[by_supplement] = rng.integers(2, 4, len(by_supplement))
    # carried out: on time at the end of the month; late at their finish next month
    out_ids = np.arange(here, synced)
    if is_open:
        role[out_ids] = OPEN
    elif carried:
        late_next = nxt["den ON_TIME"] - nxt["num ON_TIME"]
        late_out = min(carried, late_next)
        role[out_ids] = CARRIED_ON_TIME
        role[out_ids[rng.permutation(carried)[:late_out]]] = CARRIED_LATE
        required_out = min(
            carried, nxt["num ORIGINAL_RESULT_AVAILABLE"], nxt["den ORIGINAL_RESULT_AVAILABLE"]
        )
        chosen = out_ids[rng.permutation(carried)[:required_out]]
        flag["result_required"][chosen] = True
        flag["has_e_result"][chosen] = True
    # results of the dossiers finished here: misses without an electronic result
    chosen = rng.permutation(here)[:required_here]
    flag["result_required"][chosen] = True
    flag["has_e_result"][chosen[misses:]] = True
    bad = flag["result_required"] & ~flag["has_e_result"]
    good = np.flatnonzero(~bad[:synced])
    bad_ids = np.flatnonzero(bad[:synced])
    for metric, name in (
        ("ONLINE_SUBMISSION", "channel_online"),
        ("SO_HOA_GIAY_TO_GIAI_QUYET", "has_component_file"),
    ):
        share = c[f"num {metric}"] / max(synced, 1)
        picked = np.concatenate(
            [
                rng.permutation(good)[: c[f"num {metric}"]],
                bad_ids[rng.random(len(bad_ids)) < share],
            ]
        )
        flag.setdefault(name, np.zeros(n, dtype=bool))[picked] = True
    online = flag.pop("channel_online")
    # fees: paid online mostly by online submissions
    fee = rng.permutation(synced)[: c["den ONLINE_PAYMENT_DOSSIERS"]]
    flag["fee_obligation"][fee] = True
    fee = fee[np.lexsort((rng.random(len(fee)), ~online[fee]))]
    flag["paid_online"][fee[: c["num ONLINE_PAYMENT_DOSSIERS"]]] = True
    flag["reused_digitized"][rng.permutation(synced)[: c["num REUSED_DIGITIZED_DATA"]]] = True
    citizen = rng.permutation(synced)
    store = c["num SYNCED_WITH_DVCQG_PERSONAL_STORAGE"]
    flag["citizen_data_used"][citizen[: c["num CITIZEN_DATA_CONNECTED_DOSSIER"]]] = True
    flag["from_personal_store"][citizen[:store]] = True
    # on-time dossiers: one supplement request now and then
    calm = (role != HERE_LATE) & (supplements == 0)
    supplements[calm & (rng.random(n) < SUPPLEMENT_SHARE)] = 1
    # unsynced dossiers: anything (they count in DOSSIER_SYNC only)
    rest = slice(synced, n)
    for name in columns.BOOL_COLUMNS[:-1]:
        flag[name][rest] = rng.random(n - synced) < UNSYNCED_FLAG_SHARE
    flag["has_e_result"][rest] &= flag["result_required"][rest]
    flag["paid_online"][rest] &= flag["fee_obligation"][rest]
    online[rest] = rng.random(n - synced) < 0.5
    return {"role": role, "online": online, "supplement_requests": supplements, **flag}


def _open_count(rng: np.random.Generator, c: dict[str, int]) -> int:
    """Dossiers received in the data's last month and still open: as many as the counts allow,
    at most a draw of :data:`OPEN_SHARE` of the synced ones."""
    synced, handled, on_time = c["num DOSSIER_SYNC"], c["den ON_TIME"], c["num ON_TIME"]
    carried_in = handled - synced
    late_here = max(0, handled - on_time - carried_in)
    complaints = on_time - c["num DOSSIER_RECEIVING_SATISFACTION"]
    required_in = min(
        carried_in, c["num ORIGINAL_RESULT_AVAILABLE"], c["den ORIGINAL_RESULT_AVAILABLE"]
    )
    bound = min(
        on_time,
        synced - (c["den ORIGINAL_RESULT_AVAILABLE"] - required_in),
        synced - late_here - complaints,
    )
    return max(0, min(int(rng.binomial(synced, OPEN_SHARE)), bound))


def synthesize(counts: pd.DataFrame, *, seed: int) -> pd.DataFrame:
    """The dossiers of the communes of ``counts`` (every unit with ``ON_TIME`` rows and the
    dossier world's counts), realising their :data:`METRICS` counts exactly.

    ``counts`` has period, unit_code, metric, numerator, denominator. Deterministic
    (``numpy.random.default_rng([seed, 14])``). Returns the columns of
    :data:`~mkbidx.inputs.dossiers.columns.DOSSIER_COLUMNS`, sorted by unit, reception time.
    """
    rng = np.random.default_rng([seed, 14])
    catalogue = _catalogue(rng)
    wide = _wide(counts)
    last_period = max(wide.index.get_level_values("period"))
    flat = {
        key: {f"{kind} {metric}": int(v) for (kind, metric), v in row.items()}
        for key, row in wide.iterrows()
    }
    plans = []
    for unit in sorted(set(wide.index.get_level_values("unit_code"))):
        periods = sorted(p for u, p in wide.index if u == unit)
        for period in periods:
            c = flat[(unit, period)]
            following = (unit, shift_month(period, 1))
            is_open = period == last_period
            if following in flat:
                nxt = flat[following]
                carried = nxt["den ON_TIME"] - nxt["num DOSSIER_SYNC"]
            else:
                nxt, carried = {}, (_open_count(rng, c) if is_open else 0)
            plan = _plan_month(rng, c, carried, nxt, is_open and following not in flat)
            plan["unit_code"] = np.full(len(plan["role"]), unit, dtype=object)
            plan["period"] = np.full(len(plan["role"]), period, dtype=object)
            plans.append(plan)
    plan = {key: np.concatenate([p[key] for p in plans]) for key in plans[0]}
    return _timed(rng, plan, catalogue)


def _procedures(
    rng: np.random.Generator,
    catalogue: pd.DataFrame,
    required: np.ndarray,
    fee: np.ndarray,
    role: np.ndarray,
) -> np.ndarray:
    """A procedure per dossier, of its (result required, fee) kind, by popularity. Dossiers
    finished late in their month take one of at most :data:`LATE_MAX_DAYS` working days, the
    carried-over ones one of at most :data:`CARRIED_MAX_DAYS` (so that they finish the next
    month)."""
    limit = np.where(
        role == HERE_LATE,
        LATE_MAX_DAYS,
        np.where(np.isin(role, (CARRIED_ON_TIME, CARRIED_LATE, OPEN)), CARRIED_MAX_DAYS, 99),
    )
    out = np.zeros(len(required), dtype="int64")
    days = catalogue["days"].to_numpy()
    weights = catalogue["weight"].to_numpy()
    for r in (False, True):
        for f in (False, True):
            for cap in np.unique(limit):
                where = np.flatnonzero((required == r) & (fee == f) & (limit == cap))
                ok = (catalogue["required"] == r).to_numpy() & (catalogue["fee"] == f).to_numpy()
                options = np.flatnonzero(ok & (days <= cap))
                weight = weights[options]
                out[where] = rng.choice(options, len(where), p=weight / weight.sum())
    return out


def _timed(rng: np.random.Generator, plan: dict[str, np.ndarray], catalogue) -> pd.DataFrame:
    """Reception, due and finish times for the planned dossiers, then the table."""
    n = len(plan["role"])
    role = plan["role"]
    proc = _procedures(rng, catalogue, plan["result_required"], plan["fee_obligation"], role)
    k = catalogue["days"].to_numpy()[proc]
    received = np.zeros(n, dtype="int64")
    due = np.zeros(n, dtype="int64")
    finished = np.full(n, -1, dtype="int64")
    online = plan["online"]
    for period in sorted(set(plan["period"])):
        month = _Month(period)
        following = _Month(shift_month(period, 1))
        rows = np.flatnonzero(plan["period"] == period)
        r = role[rows]
        days = _pick_days(rng, month, k[rows], online[rows], r)
        day0 = days.astype("int64") * DAY
        web = rng.integers(*ONLINE_HOURS, len(rows))
        office = _office_time(rng, len(rows))
        recv = day0 + np.where(online[rows], web, office)
        # a dossier received on its last allowed day after office hours stays due k days later
        due_day = month.due(days, k[rows]).astype("int64") * DAY + DUE_TIME
        fin = np.full(len(rows), -1, dtype="int64")
        calm = np.isin(r, (HERE_ON_TIME, UNSYNCED)) | (
            (r == HERE_LATE) & (plan["supplement_requests"][rows] >= 2)
        )
        fin[calm] = _finish(rng, recv[calm], np.minimum(due_day[calm], month.end))
        overdue = (r == HERE_LATE) & ~calm
        fin[overdue] = _finish(rng, due_day[overdue] + 1, np.full(overdue.sum(), month.end))
        kept = r == CARRIED_ON_TIME
        fin[kept] = _finish(
            rng, np.full(kept.sum(), following.start), np.minimum(due_day[kept], following.end)
        )
        slipped = r == CARRIED_LATE
        fin[slipped] = _finish(rng, due_day[slipped] + 1, np.full(slipped.sum(), following.end))
        received[rows], due[rows], finished[rows] = recv, due_day, fin
    channel = np.where(online, "online", np.where(rng.random(n) < POSTAL_SHARE, "postal", "direct"))
    frame = pd.DataFrame(
        {
            "unit_code": plan["unit_code"],
            "procedure_code": catalogue["code"].to_numpy()[proc],
            "channel": channel,
            "received_at": received.astype("datetime64[s]"),
            "due_at": due.astype("datetime64[s]"),
            "finished_at": np.where(
                finished < 0, np.datetime64("NaT"), finished.astype("datetime64[s]")
            ),
            "supplement_requests": plan["supplement_requests"],
            **{name: plan[name] for name in columns.BOOL_COLUMNS},
        }
    )
    frame = frame.sort_values(["unit_code", "received_at"], kind="stable").reset_index(drop=True)
    stamp = frame["received_at"].dt.strftime("%y%m%d")
    sequence = frame.groupby([frame["unit_code"], stamp]).cumcount() + 1
    frame.insert(
        0,
        "dossier_id",
        frame["unit_code"].map(agency_code) + "-" + stamp + "-" + sequence.map("{:04d}".format),
    )
    return frame[list(columns.DOSSIER_COLUMNS)]


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """The dossier table as Parquet (zstd), byte-identical for equal frames: a fixed schema
    (string, timestamp[ms], int64, bool), no pandas metadata (no write time in the file)."""
    types = {name: pa.string() for name in (*columns.TEXT_COLUMNS, columns.CHANNEL_COLUMN)}
    types |= {name: pa.timestamp("ms") for name in columns.TIMESTAMP_COLUMNS}
    types |= {name: pa.int64() for name in columns.INT_COLUMNS}
    types |= {name: pa.bool_() for name in columns.BOOL_COLUMNS}
    schema = pa.schema([(name, types[name]) for name in columns.DOSSIER_COLUMNS])
    table = pa.Table.from_pandas(
        frame[list(columns.DOSSIER_COLUMNS)], schema=schema, preserve_index=False
    ).replace_schema_metadata(None)
    buffer = io.BytesIO()
    pq.write_table(
        table,
        buffer,
        compression="zstd",
        compression_level=9,
        row_group_size=1 << 20,
        coerce_timestamps="ms",
        allow_truncated_timestamps=False,
    )
    return buffer.getvalue()


def months_of(periods: Sequence[str]) -> list[str]:
    """Every month from the first to the last of ``periods``."""
    return month_range(min(periods), max(periods))
