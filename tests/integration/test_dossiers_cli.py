"""``mkbidx dossiers counts`` end to end: a small dossier table whose counts are computed by
hand from ``dossiers.md``, parents pooled, bad input refused (exit 2, nothing written), running
months, the pandas reference and (slow) Spark giving the same counts as DuckDB."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from mkbidx import cli
from mkbidx.inputs.dossiers import columns

UNIT = "02758"  # Xã Tung Chung Phố < district 083 < province 10 (in 2024)
BOOLS = columns.BOOL_COLUMNS


def dossier(dossier_id, received, due, finished, supplements, channel, **flags):
    base = {c: "0" for c in BOOLS} | {"synced": "1"}
    return (
        {
            "dossier_id": dossier_id,
            "unit_code": UNIT,
            "procedure_code": "1.001",
            "channel": channel,
            "received_at": received,
            "due_at": due,
            "finished_at": finished,
            "supplement_requests": str(supplements),
        }
        | base
        | {k: str(v) for k, v in flags.items()}
    )


# Six dossiers of one commune; August 2024, by hand (dossiers.md):
# D1 received 5/8, finished 8/8 before its due day 10/8: on time; online with its e-result.
# D2 received in July, still open, due 2/8 12:00: handled in August, late at the end of August.
# D3 received 10/8, two supplement requests: late; online but its required result has no file.
# D4 received 15/8, not synced: only in DOSSIER_SYNC's denominator.
# D5 received and finished before August; D6 received 1/9: not in August.
DOSSIERS = [
    dossier(
        "D1",
        "2024-08-05T09:30:00",
        "2024-08-10",
        "2024-08-08 10:00",
        0,
        "online",
        result_required=1,
        has_e_result=1,
        fee_obligation=1,
        paid_online=1,
        has_component_file=1,
        citizen_data_used=1,
    ),
    dossier("D2", "2024-07-20 08:00:00", "2024-08-02 12:00:00", "", 0, "1"),
    dossier(
        "D3",
        "20240810090000",
        "2024-08-11",
        "2024-08-11 10:00:00",
        2,
        "2",
        result_required=1,
        fee_obligation=1,
        reused_digitized=1,
        complained=1,
    ),
    dossier("D4", "2024-08-15 14:00:00", "", "", 0, "online", synced=0),
    dossier("D5", "2024-06-01 08:00:00", "2024-06-10", "2024-07-01 08:00:00", 0, ""),
    dossier("D6", "2024-09-01 00:00:00", "2024-09-05", "", 0, "3"),
]
EXPECTED = {  # metric: (numerator, denominator)
    "ON_TIME": (1, 3),
    "DOSSIER_RECEIVING_SATISFACTION": (1, 3),
    "ONLINE_SUBMISSION": (1, 2),
    "ONLINE_PAYMENT_DOSSIERS": (1, 2),
    "ORIGINAL_RESULT_AVAILABLE": (1, 2),
    "SO_HOA_GIAY_TO_GIAI_QUYET": (1, 2),
    "REUSED_DIGITIZED_DATA": (1, 2),
    "SYNCED_WITH_DVCQG_PERSONAL_STORAGE": (0, 2),
    "CITIZEN_DATA_CONNECTED_DOSSIER": (1, 2),
    "DOSSIER_SYNC": (2, 3),
}


@pytest.fixture
def dossier_csv(tmp_path) -> Path:
    path = tmp_path / "ho-so.csv"
    pd.DataFrame(DOSSIERS).to_csv(path, index=False)
    return path


def run(capsys, *args) -> tuple[int, str, str]:
    code = cli.main(["dossiers", "counts", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def counts_of(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype={"unit_code": str})


def test_counts_by_hand_with_parents(capsys, dossier_csv):
    code, out, err = run(capsys, "--input", dossier_csv, "--period", "2024-08")
    assert code == 0
    frame = counts_of(out)
    assert list(frame.columns) == [
        "period",
        "unit_code",
        "group",
        "metric",
        "numerator",
        "denominator",
    ]
    for unit in (UNIT, "083", "10"):  # the commune, its district and province (sums)
        got = frame[frame.unit_code == unit].set_index("metric")
        assert {m: tuple(got.loc[m, ["numerator", "denominator"]]) for m in got.index} == EXPECTED
    assert "6 hồ sơ của 1 đơn vị" in err and "FEE_FORMALITIES_ON_PORTAL" in err
    assert err.count("\n") == 1


def test_quarter_and_table_format(capsys, dossier_csv):
    code, out, _ = run(capsys, "--input", dossier_csv, "--period", "2024-Q3", "--format", "table")
    assert code == 0 and "DOSSIER_SYNC" in out and "2024-Q3" in out


def test_output_file_and_force(capsys, dossier_csv, tmp_path):
    target = tmp_path / "counts.csv"
    assert run(capsys, "--input", dossier_csv, "--period", "2024-08", "--output", target)[0] == 0
    first = target.read_bytes()
    code, _, err = run(capsys, "--input", dossier_csv, "--period", "2024-07", "--output", target)
    assert code == 2 and "--force" in err and target.read_bytes() == first
    args = ("--input", dossier_csv, "--period", "2024-07", "--output", target, "--force")
    assert run(capsys, *args)[0] == 0 and target.read_bytes() != first


@pytest.mark.parametrize(
    ("change", "column", "line"),
    [
        ({"received_at": "32/08/2024"}, "received_at", 4),
        ({"dossier_id": "D1"}, "dossier_id", 4),
        ({"finished_at": "2024-08-01"}, "finished_at", 4),
        ({"unit_code": "00000"}, "unit_code", 4),
        ({"synced": "có lẽ"}, "synced", 4),
    ],
)
def test_bad_input_exit_2_nothing_written(capsys, tmp_path, change, column, line):
    rows = [dict(r) for r in DOSSIERS]
    rows[2].update(change)
    path = tmp_path / "bad.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    target = tmp_path / "out.csv"
    code, out, err = run(capsys, "--input", path, "--period", "2024-08", "--output", target)
    assert code == 2 and not target.exists() and out == ""
    assert err.count("\n") == 1
    assert f'bad.csv, dòng {line}, cột "{column}"' in err


def test_misspelt_column(capsys, tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame(DOSSIERS).rename(columns={"procedure_code": "procedure_cde"}).to_csv(path)
    code, _, err = run(capsys, "--input", path, "--period", "2024-08")
    assert code == 2 and 'cột "procedure_code"' in err and '"procedure_cde"' in err


def test_periods_without_dossiers_and_running_months(capsys, dossier_csv, monkeypatch):
    code, _, err = run(capsys, "--input", dossier_csv, "--period", "2024-05")
    assert code == 2 and "trước mọi hồ sơ" in err
    code, _, err = run(capsys, "--input", dossier_csv, "--period", "2024-11")
    assert code == 2 and "sau thời điểm mới nhất" in err
    from mkbidx.inputs import fetch

    monkeypatch.setattr(fetch, "today_vn", lambda: date(2024, 9, 3))
    code, _, err = run(capsys, "--input", dossier_csv, "--period", "2024-09")
    assert code == 2 and "--provisional" in err
    code, out, err = run(capsys, "--input", dossier_csv, "--period", "2024-09", "--provisional")
    assert code == 0 and "tạm tính" in err.lower() and "01/09/2024 00:00:00" in err
    frame = counts_of(out).set_index(["unit_code", "metric"])
    assert tuple(frame.loc[(UNIT, "DOSSIER_SYNC"), ["numerator", "denominator"]]) == (1, 1)


def test_procedures_beside_the_file(capsys, dossier_csv):
    pd.DataFrame(
        {"unit_code": [UNIT, UNIT], "procedure_code": ["1.001", "1.002"], "has_fee": [1, 0]}
    ).to_csv(dossier_csv.parent / "procedures.csv", index=False)
    code, out, err = run(capsys, "--input", dossier_csv, "--period", "2024-08")
    frame = counts_of(out).set_index(["unit_code", "metric"])
    assert code == 0 and "không tính" not in err
    assert tuple(frame.loc[(UNIT, "FEE_FORMALITIES_ON_PORTAL"), ["numerator", "denominator"]]) == (
        1,
        1,
    )


def test_pandas_reference_and_parquet_agree(capsys, dossier_csv, tmp_path):
    parquet = tmp_path / "ho-so.parquet"
    pd.DataFrame(DOSSIERS).to_parquet(parquet)
    outs = [
        run(capsys, "--input", path, "--period", "2024-08", "--engine", engine)[1]
        for path, engine in [(dossier_csv, "duckdb"), (dossier_csv, "pandas"), (parquet, "duckdb")]
    ]
    assert outs[0] == outs[1] == outs[2]


def test_costly_dossiers_through_the_facade(dossier_csv):
    from mkbidx.inputs.dossiers import open_dossiers

    table = open_dossiers(dossier_csv)
    costly = table.costly("2024-08", unit_code=UNIT, metric="ON_TIME")
    assert sorted(costly["dossier_id"]) == ["D2", "D3"]
