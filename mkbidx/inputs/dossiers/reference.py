"""The independent reference: the dossier -> counts rules of ``../shared/dossiers.md`` in plain
pandas, one boolean mask per rule, per dossier. It is the oracle the Ibis derivation
(:mod:`.counts`, on DuckDB and Spark) is tested against, so it is written from the document, not
from that code: slow and obvious on purpose.

>>> import pandas as pd
>>> from datetime import datetime
>>> frame = pd.DataFrame({
...     "dossier_id": ["a"], "unit_code": ["u1"], "procedure_code": ["p"], "channel": ["online"],
...     "received_at": pd.to_datetime(["2024-08-31 23:59:59"]),
...     "due_at": pd.to_datetime([None]), "finished_at": pd.to_datetime([None]),
...     "supplement_requests": [1]} | {c: [True] for c in columns.BOOL_COLUMNS})
>>> out = reference_counts(frame, datetime(2024, 8, 1), datetime(2024, 8, 31, 23, 59, 59))
>>> out.loc[out.metric == "ON_TIME", ["numerator", "denominator"]].values.tolist()
[[1, 1]]
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from mkbidx.inputs.dossiers import columns

COUNTS_COLUMNS = ["unit_code", "group", "metric", "numerator", "denominator"]


def reference_counts(
    frame: pd.DataFrame,
    start: datetime,
    end: datetime,
    procedures: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Counts per unit and metric for the period ``[start, end]`` (see :mod:`.counts` for the
    rules and the output), sorted by ``unit_code`` then the order of ``DERIVED_METRICS``."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    d = frame
    received_at = pd.to_datetime(d["received_at"])
    due_at = pd.to_datetime(d["due_at"])
    finished_at = pd.to_datetime(d["finished_at"])
    open_ = finished_at.isna()

    synced = d["synced"].astype(bool)
    received = (received_at >= start) & (received_at <= end)
    handled = (received_at <= end) & (open_ | (finished_at >= start))
    finished_in = ~open_ & (finished_at >= start) & (finished_at <= end)

    # on time: judged at min(finished_at, end), an open dossier at end
    judged = finished_at.where(~open_ & (finished_at <= end), end)
    no_due = due_at.isna()
    within_due = no_due | (judged <= due_at).fillna(False)
    on_time = (d["supplement_requests"] <= 1) & within_due

    rr = d["result_required"].astype(bool)
    e_result = d["has_e_result"].astype(bool)
    result_ok = ~rr | e_result
    online = d["channel"] == "online"
    fee = d["fee_obligation"].astype(bool)
    paid = d["paid_online"].astype(bool)

    rules = {  # metric -> (denominator mask, numerator mask)
        "ON_TIME": (synced & handled, synced & handled & on_time),
        "DOSSIER_RECEIVING_SATISFACTION": (
            synced & handled,
            synced & handled & on_time & ~d["complained"].astype(bool),
        ),
        "ONLINE_SUBMISSION": (synced & received, synced & received & online & result_ok),
        "ONLINE_PAYMENT_DOSSIERS": (synced & received & fee, synced & received & fee & paid),
        "ORIGINAL_RESULT_AVAILABLE": (
            synced & finished_in & rr,
            synced & finished_in & rr & e_result,
        ),
        "SO_HOA_GIAY_TO_GIAI_QUYET": (
            synced & received,
            synced & received & d["has_component_file"].astype(bool) & result_ok,
        ),
        "REUSED_DIGITIZED_DATA": (
            synced & received,
            synced & received & d["reused_digitized"].astype(bool),
        ),
        "SYNCED_WITH_DVCQG_PERSONAL_STORAGE": (
            synced & received,
            synced & received & d["from_personal_store"].astype(bool),
        ),
        "CITIZEN_DATA_CONNECTED_DOSSIER": (
            synced & received,
            synced & received & d["citizen_data_used"].astype(bool),
        ),
        "DOSSIER_SYNC": (received, received & synced),
    }

    units = sorted(set(d["unit_code"].astype(str)))
    unit = d["unit_code"].astype(str)
    rows = []
    for metric, (den_mask, num_mask) in rules.items():
        den = den_mask.groupby(unit).sum()
        num = num_mask.groupby(unit).sum()
        for u in units:
            rows.append((u, metric, int(num.get(u, 0)), int(den.get(u, 0))))

    if procedures is not None:
        rows += _procedure_rows(d, units, synced & received & fee, paid, procedures)

    out = pd.DataFrame(rows, columns=["unit_code", "metric", "numerator", "denominator"])
    out["group"] = out["metric"].map(columns.METRIC_GROUP)
    order = {m: i for i, m in enumerate(columns.DERIVED_METRICS)}
    out = out.assign(_o=out["metric"].map(order)).sort_values(["unit_code", "_o"])
    out = out[COUNTS_COLUMNS].reset_index(drop=True)
    return out.astype({"numerator": "int64", "denominator": "int64"})


def _procedure_rows(d, units, charged_mask, paid, procedures) -> list[tuple]:
    """Per unit: its distinct fee procedures in the catalogue (denominator); the distinct
    procedures with a synced dossier received in P carrying a fee (paid online for the first
    metric), listed in the catalogue or not (numerator)."""
    rows = []
    catalogue: dict[str, set[str]] = {}
    for u, p, has_fee in zip(
        procedures["unit_code"], procedures["procedure_code"], procedures["has_fee"], strict=True
    ):
        if bool(has_fee):
            catalogue.setdefault(str(u), set()).add(str(p))
    charged: dict[str, set[str]] = {}
    paid_procs: dict[str, set[str]] = {}
    for u, p, c, pd_ in zip(d["unit_code"], d["procedure_code"], charged_mask, paid, strict=True):
        if c:
            charged.setdefault(str(u), set()).add(str(p))
            if pd_:
                paid_procs.setdefault(str(u), set()).add(str(p))
    for u in units:
        fee_procs = catalogue.get(u, set())
        rows.append(
            (
                u,
                "ONLINE_PAYMENT_FORMALITIES",
                len(paid_procs.get(u, set())),
                len(fee_procs),
            )
        )
        rows.append((u, "FEE_FORMALITIES_ON_PORTAL", len(charged.get(u, set())), len(fee_procs)))
    return rows
