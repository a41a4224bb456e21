"""Reading a dossier table (``mkbidx.inputs.dossiers.table`` and the facade): the value
conventions of ``dossiers.md``, every validation error (file, row, column, what was expected),
CSV and Parquet giving the same normalised table, and the pooled parents."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from mkbidx.errors import MkbidxError
from mkbidx.inputs import units
from mkbidx.inputs.dossiers import columns, open_dossiers, period_span, table, with_parents

UNIT = "02758"  # Xã Tung Chung Phố, under district 083 of province 10 (until 2025-06)


def row(**changes) -> dict[str, str]:
    """A valid dossier row as text, with ``changes``."""
    base = {
        "dossier_id": "HS1",
        "unit_code": UNIT,
        "procedure_code": "1.001",
        "channel": "online",
        "received_at": "2024-08-05 09:30:00",
        "due_at": "2024-08-10",
        "finished_at": "2024-08-08 10:00:00",
        "supplement_requests": "0",
    } | {c: "1" for c in columns.BOOL_COLUMNS}
    return base | changes


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    header = header or list(rows[0])
    lines = [",".join(header)] + [",".join(r.get(h, "") for h in rows[0]) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def registry():
    return units.default_registry()


def load(path: Path, registry) -> pd.DataFrame:
    con = duckdb.connect()
    table.load_dossiers(con, path, registry=registry)
    return con.execute("SELECT * FROM dossiers ORDER BY rowid").df()


def error_of(path: Path, registry) -> MkbidxError:
    with pytest.raises(MkbidxError) as info:
        table.load_dossiers(duckdb.connect(), path, registry=registry)
    return info.value


# ----------------------------------------------------------------------------- conventions
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-08-05T09:30:00", "2024-08-05 09:30:00"),
        ("2024-08-05 09:30:00", "2024-08-05 09:30:00"),
        ("2024-08-05 09:30:00.999", "2024-08-05 09:30:00"),
        ("2024-08-05T09:30:59.123456789", "2024-08-05 09:30:59"),
        ("2024-08-05 09:30", "2024-08-05 09:30:00"),
        ("20240805093000", "2024-08-05 09:30:00"),
        ("2024-08-05", "2024-08-05 00:00:00"),
        ("20240805", "2024-08-05 00:00:00"),
        (" 2024-08-05 09:30:00 ", "2024-08-05 09:30:00"),
    ],
)
def test_timestamp_spellings(tmp_path, registry, text, expected):
    frame = load(write_csv(tmp_path / "d.csv", [row(received_at=text, finished_at="")]), registry)
    assert str(frame.loc[0, "received_at"]) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-08-10", "2024-08-10 23:59:59"),
        ("2024-08-10 12:00", "2024-08-10 12:00:00"),
        ("20240810", "2024-08-10 23:59:59"),
        ("", "NaT"),
    ],
)
def test_due_date_alone_is_the_end_of_the_day(tmp_path, registry, text, expected):
    frame = load(write_csv(tmp_path / "d.csv", [row(due_at=text)]), registry)
    assert str(frame.loc[0, "due_at"]) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("FALSE", False),
        ("1", True),
        ("0", False),
        ("Yes", True),
        ("no", False),
        ("có", True),
        ("KHÔNG", False),
        ("Không", False),
        ("co\u0301", True),
        (" True ", True),
    ],
)
def test_boolean_spellings(tmp_path, registry, text, expected):
    frame = load(write_csv(tmp_path / "d.csv", [row(paid_online=text)]), registry)
    assert frame.loc[0, "paid_online"] == expected
    assert frame["paid_online"].dtype == bool


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("online", "online"),
        ("2", "online"),
        ("1", "direct"),
        ("", "direct"),
        ("DIRECT", "direct"),
        ("3", "postal"),
        ("postal", "postal"),
        ("Trực tuyến", "online"),
        ("bưu chính", "postal"),
    ],
)
def test_channel_spellings(tmp_path, registry, text, expected):
    frame = load(write_csv(tmp_path / "d.csv", [row(channel=text)]), registry)
    assert frame.loc[0, "channel"] == expected


@pytest.mark.parametrize(("text", "expected"), [("0", 0), ("3", 3), ("2.0", 2), ("", 0)])
def test_supplement_requests(tmp_path, registry, text, expected):
    frame = load(write_csv(tmp_path / "d.csv", [row(supplement_requests=text)]), registry)
    assert frame.loc[0, "supplement_requests"] == expected


def test_header_case_bom_extra_columns(tmp_path, registry):
    r = row()
    header = [f" {c.upper()} " if i % 2 else c for i, c in enumerate(r)] + ["ghi_chu"]
    text = ",".join(header) + "\n" + ",".join([*r.values(), "x"]) + "\n"
    path = tmp_path / "d.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    frame = load(path, registry)
    assert list(frame.columns) == list(columns.DOSSIER_COLUMNS)
    assert frame.loc[0, "dossier_id"] == "HS1"


def test_csv_and_parquet_give_the_same_table(tmp_path, registry):
    rows = [
        row(dossier_id="A", channel="2", due_at="2024-08-10", finished_at=""),
        row(dossier_id="B", channel="", received_at="20240801080000", paid_online="không"),
        row(dossier_id="C", channel="3", supplement_requests="2", finished_at="2024-08-06"),
    ]
    from_csv = load(write_csv(tmp_path / "d.csv", rows), registry)
    typed = from_csv.copy()  # native Parquet types: booleans, timestamps, integer codes
    typed["channel"] = typed["channel"].map({"online": 2, "direct": 1, "postal": 3})
    typed.to_parquet(tmp_path / "typed.parquet")
    pd.DataFrame(rows).to_parquet(tmp_path / "text.parquet")  # every column as text
    folder = tmp_path / "parts"
    folder.mkdir()
    typed.iloc[:1].to_parquet(folder / "a.parquet")
    typed.iloc[1:].to_parquet(folder / "b.parquet")
    for other in ("typed.parquet", "text.parquet", "parts"):
        pd.testing.assert_frame_equal(load(tmp_path / other, registry), from_csv, check_dtype=False)


# ----------------------------------------------------------------------------- errors
def test_missing_column_suggests_the_closest(tmp_path, registry):
    r = row()
    header = [("recieved_at" if c == "received_at" else c) for c in r]
    error = error_of(write_csv(tmp_path / "d.csv", [r], header), registry)
    text = str(error)
    assert error.row == 1 and error.column == "received_at" and "d.csv" in text
    assert '"recieved_at"' in text and "missing column" in text


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("received_at", "05/08/2024", "unparseable timestamp"),
        ("received_at", "2024-08-05T09:30:00Z", "unparseable timestamp"),
        ("finished_at", "2024-02-30", "unparseable timestamp"),
        ("due_at", "hôm qua", "unparseable timestamp"),
        ("synced", "maybe", "bad boolean"),
        ("channel", "email", "bad channel"),
        ("supplement_requests", "-1", "bad integer"),
        ("supplement_requests", "1.5", "bad integer"),
        ("dossier_id", "", "empty value"),
        ("unit_code", " ", "empty value"),
        ("procedure_code", "", "empty value"),
        ("received_at", "", "empty value"),
        ("complained", "", "empty value"),
    ],
)
def test_bad_value_names_file_row_column(tmp_path, registry, column, value, words):
    rows = [row(dossier_id=f"HS{i}") for i in range(5)]
    rows[3] = row(**({"dossier_id": "HS3"} | {column: value}))
    error = error_of(write_csv(tmp_path / "d.csv", rows), registry)
    assert (error.row, error.column) == (5, column)  # header = line 1, rows[3] = line 5
    assert words in str(error) and "d.csv" in str(error) and error.expected


def test_first_bad_row_of_all_checks(tmp_path, registry):
    rows = [row(dossier_id=f"HS{i}") for i in range(6)]
    rows[4] = row(dossier_id="HS4", synced="?")
    rows[2] = row(dossier_id="HS2", channel="?")
    error = error_of(write_csv(tmp_path / "d.csv", rows), registry)
    assert (error.row, error.column) == (4, "channel")


def test_duplicate_dossier_names_both_rows(tmp_path, registry):
    rows = [row(dossier_id=f"HS{i}") for i in range(5)] + [row(dossier_id="HS1")]
    error = error_of(write_csv(tmp_path / "d.csv", rows), registry)
    assert (error.row, error.column) == (7, "dossier_id")
    assert "dòng 3" in str(error) and "HS1" in str(error)


def test_finished_before_received(tmp_path, registry):
    rows = [row(), row(dossier_id="HS2", finished_at="2024-08-05 09:29:59")]
    error = error_of(write_csv(tmp_path / "d.csv", rows), registry)
    assert (error.row, error.column) == (3, "finished_at")


def test_unknown_unit_code(tmp_path, registry):
    rows = [
        row(),
        row(dossier_id="HS2", unit_code="99999"),
        row(dossier_id="HS3", unit_code="2758"),
    ]
    error = error_of(write_csv(tmp_path / "d.csv", rows), registry)
    assert (error.row, error.column) == (3, "unit_code") and "99999" in str(error)
    error = error_of(write_csv(tmp_path / "e.csv", [row(unit_code="2758")]), registry)
    assert "02758" in str(error)  # the leading zero Excel removed is suggested


def test_parquet_errors_name_the_file_and_data_row(tmp_path, registry):
    rows = pd.DataFrame([row(dossier_id=f"HS{i}") for i in range(4)])
    rows.loc[2, "received_at"] = "tomorrow"
    folder = tmp_path / "parts"
    folder.mkdir()
    rows.iloc[:2].to_parquet(folder / "a.parquet")
    rows.iloc[2:].to_parquet(folder / "b.parquet")
    error = error_of(folder, registry)
    assert error.file.endswith("b.parquet") and error.row == 1 and error.column == "received_at"


def test_unreadable_files(tmp_path, registry):
    path = tmp_path / "d.csv"
    write_csv(path, [row(), row(dossier_id="HS2")])
    path.write_bytes(path.read_bytes().replace(b"HS2", b"HS\xff2"))
    error = error_of(path, registry)
    assert "UTF-8" in str(error) and error.row == 3
    write_csv(path, [row(), row(dossier_id="HS2")])
    path.write_text(path.read_text() + ",".join(row(dossier_id="HS3").values()) + ",x,y\n")
    error = error_of(path, registry)
    assert "CSV" in str(error) and error.file.endswith("d.csv")


def test_not_a_dossier_file(tmp_path, registry):
    header_only = tmp_path / "h.csv"
    header_only.write_text(",".join(columns.DOSSIER_COLUMNS) + "\n", encoding="utf-8")
    assert "no data rows" in str(error_of(header_only, registry))
    (tmp_path / "d.xlsx").write_bytes(b"PK")
    assert "xlsx" in str(error_of(tmp_path / "d.xlsx", registry))
    assert "file not found" in str(error_of(tmp_path / "none.csv", registry))


def test_procedures_table_checked(tmp_path, registry):
    write_csv(tmp_path / "d.csv", [row()])
    procs = [{"unit_code": UNIT, "procedure_code": "1.001", "has_fee": "1"}]
    write_csv(tmp_path / "procedures.csv", procs + procs)
    with pytest.raises(MkbidxError, match="procedures.csv, dòng 3"):
        open_dossiers(tmp_path / "d.csv")
    write_csv(tmp_path / "procedures.csv", procs)
    assert open_dossiers(tmp_path / "d.csv").metrics == columns.DERIVED_METRICS
    assert open_dossiers(tmp_path / "d.csv", procedures=None).procedures is not None


# ----------------------------------------------------------------------------- facade
def test_facade_attributes_and_complete_counts(tmp_path):
    rows = [
        row(),
        row(dossier_id="HS2", unit_code="02761", received_at="2024-06-01", finished_at=""),
    ]
    t = open_dossiers(write_csv(tmp_path / "d.csv", rows))
    assert (t.rows, t.units, t.metrics) == (2, ["02758", "02761"], columns.DOSSIER_ONLY_METRICS)
    assert t.latest == datetime(2024, 8, 8, 10) and t.earliest == datetime(2024, 6, 1)
    counts = t.counts("2024-05")  # nothing received or handled: 0/0 for every unit and metric
    assert len(counts) == 2 * len(columns.DOSSIER_ONLY_METRICS)
    assert counts[["numerator", "denominator"]].eq(0).all().all()
    assert list(counts.columns) == [
        "period",
        "unit_code",
        "group",
        "metric",
        "numerator",
        "denominator",
    ]
    assert counts["metric"].tolist()[:10] == list(columns.DOSSIER_ONLY_METRICS)


def test_period_span_and_as_of():
    assert period_span("2024") == (datetime(2024, 1, 1), datetime(2024, 12, 31, 23, 59, 59))
    assert period_span("2024-02", as_of=datetime(2024, 3, 5))[1] == datetime(
        2024, 2, 29, 23, 59, 59
    )


def test_with_parents_pools_every_ancestor(registry):
    counts = pd.DataFrame(
        {
            "period": ["2024-08"] * 4,
            "unit_code": ["02758", "02758", "02761", "02761"],
            "group": ["tien_do", "cong_khai"] * 2,
            "metric": ["ON_TIME", "DOSSIER_SYNC"] * 2,
            "numerator": [1, 2, 3, 4],
            "denominator": [5, 6, 7, 8],
        }
    )
    out = with_parents(counts, registry).set_index(["unit_code", "metric"])
    assert registry.parent("02758", "2024-08") == "083" and registry.parent("083") == "10"
    for parent in ("083", "10"):
        assert out.loc[(parent, "ON_TIME"), ["numerator", "denominator"]].tolist() == [4, 12]
        assert out.loc[(parent, "DOSSIER_SYNC"), ["numerator", "denominator"]].tolist() == [6, 14]
    assert out.loc[("02761", "ON_TIME"), "numerator"] == 3 and len(out) == 8


def test_abolished_unit_gets_no_rows_after_it_ended(tmp_path):
    """A commune abolished on 1/7/2025 (02758 Tung Chung Phố) keeps its older dossiers in the
    table, but gets no 0/0 rows in a month it no longer exists; its successor 02761 does."""
    rows = pd.DataFrame(
        {
            "dossier_id": ["A1", "A2"],
            "unit_code": ["02758", "02761"],
            "procedure_code": ["1.1", "1.1"],
            "channel": ["online", "online"],
            "received_at": ["2024-08-05 09:00:00", "2025-08-05 09:00:00"],
            "due_at": ["", ""],
            "finished_at": ["2024-08-06 09:00:00", "2025-08-06 09:00:00"],
            "supplement_requests": ["0", "0"],
            **{c: ["true", "true"] for c in columns.BOOL_COLUMNS},
        }
    )
    path = tmp_path / "d.csv"
    rows.to_csv(path, index=False)
    dt = open_dossiers(path)
    assert set(dt.counts("2024-08")["unit_code"]) == {"02758", "02761"}
    after = dt.counts("2025-08")
    assert set(after["unit_code"]) == {"02761"}
    assert after.loc[after["metric"] == "ONLINE_SUBMISSION", "numerator"].tolist() == [1]
