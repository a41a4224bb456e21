"""The per-dossier table (``../shared/dossiers.md``): its columns, and the metrics it derives.

This module is the contract between the reader (:mod:`.table`, which validates a user's file and
normalises it), the engines (:mod:`.counts`, one Ibis expression for DuckDB and Spark;
:mod:`.reference`, the independent pandas implementation) and the consumers (the sample, the
command line, the report).

After normalisation every engine sees exactly these columns and types:

- ``dossier_id``, ``unit_code``, ``procedure_code``: strings, never null;
- ``channel``: one of :data:`CHANNELS`;
- ``received_at`` (never null), ``due_at``, ``finished_at`` (null = empty): naive timestamps in
  local time (Asia/Ho_Chi_Minh), truncated to the second;
- ``supplement_requests``: int64 ≥ 0;
- the :data:`BOOL_COLUMNS`: booleans, never null.

The optional procedures side table normalises to :data:`PROCEDURE_COLUMNS`.

>>> len(DOSSIER_COLUMNS), DERIVED_METRICS[0], METRIC_GROUP["ON_TIME"]
(18, 'ON_TIME', 'tien_do')
>>> sorted(set(DERIVED_METRICS) - set(PROCEDURE_METRICS)) == sorted(DOSSIER_ONLY_METRICS)
True
"""

from __future__ import annotations

TEXT_COLUMNS = ("dossier_id", "unit_code", "procedure_code")
CHANNEL_COLUMN = "channel"
TIMESTAMP_COLUMNS = ("received_at", "due_at", "finished_at")
INT_COLUMNS = ("supplement_requests",)
BOOL_COLUMNS = (
    "result_required",
    "has_e_result",
    "fee_obligation",
    "paid_online",
    "has_component_file",
    "reused_digitized",
    "from_personal_store",
    "citizen_data_used",
    "complained",
    "synced",
)
DOSSIER_COLUMNS = (
    "dossier_id",
    "unit_code",
    "procedure_code",
    CHANNEL_COLUMN,
    *TIMESTAMP_COLUMNS,
    *INT_COLUMNS,
    *BOOL_COLUMNS,
)
"""Every column of the dossier table, in the order of ``dossiers.md``."""

CHANNELS = ("online", "direct", "postal")
"""Normalised channels (the sync codes 2 / 1 or empty / 3)."""

PROCEDURE_COLUMNS = ("unit_code", "procedure_code", "has_fee")
"""The optional procedures side table: a unit's procedures and whether each carries a fee."""

# metric code -> group key of the methodology, in the order of the table of dossiers.md
METRIC_GROUP = {
    "ON_TIME": "tien_do",
    "DOSSIER_RECEIVING_SATISFACTION": "hai_long",
    "ONLINE_SUBMISSION": "dvc_truc_tuyen",
    "ONLINE_PAYMENT_DOSSIERS": "thanh_toan",
    "ONLINE_PAYMENT_FORMALITIES": "thanh_toan",
    "FEE_FORMALITIES_ON_PORTAL": "thanh_toan",
    "ORIGINAL_RESULT_AVAILABLE": "so_hoa",
    "SO_HOA_GIAY_TO_GIAI_QUYET": "so_hoa",
    "REUSED_DIGITIZED_DATA": "so_hoa",
    "SYNCED_WITH_DVCQG_PERSONAL_STORAGE": "so_hoa",
    "CITIZEN_DATA_CONNECTED_DOSSIER": "so_hoa",
    "DOSSIER_SYNC": "cong_khai",
}
DERIVED_METRICS = tuple(METRIC_GROUP)
"""Every metric a dossier table can give (12)."""

PROCEDURE_METRICS = ("ONLINE_PAYMENT_FORMALITIES", "FEE_FORMALITIES_ON_PORTAL")
"""Metrics whose denominator needs the procedures side table (not produced without it)."""

DOSSIER_ONLY_METRICS = tuple(m for m in DERIVED_METRICS if m not in PROCEDURE_METRICS)
"""The 10 metrics a dossier table gives on its own."""
