"""The dossier -> counts derivation on PySpark (local[2]) equals the pandas reference and DuckDB
on hypothesis-generated dossier tables with every edge of ``../shared/dossiers.md``, and holds the
hand-worked examples. Spark takes about a second per query (the first one several), so several
generated tables of one period are merged into one (``dossier_strategies.merge_cases``: unit
codes prefixed by case), and tables reach Spark from Arrow directly (:func:`table_on`)."""

from __future__ import annotations

import importlib.util
import itertools
import logging
import os

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
import pytest
from conftest import requires
from dossier_strategies import (
    AUG,
    check_costly,
    check_hand_costly,
    check_hand_counts,
    costly_case,
    hand_case,
    merge_cases,
    merged_cases,
    normalised,
    part_of,
    procedures_arrow,
    to_arrow,
)
from hypothesis import HealthCheck, given, settings

from mkbidx.inputs.dossiers.costly import costly_dossiers
from mkbidx.inputs.dossiers.counts import derive_counts
from mkbidx.inputs.dossiers.reference import reference_counts

HAS_PYSPARK = importlib.util.find_spec("pyspark") is not None
NO_PYSPARK = "pyspark not installed (pip install 'mkbidx[spark]', Java 17): Spark engine untested"

pytestmark = [pytest.mark.slow, requires(HAS_PYSPARK, NO_PYSPARK)]


@pytest.fixture(scope="module")
def spark():
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    logging.getLogger("py4j").setLevel(logging.ERROR)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("mkbidx-dossier-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        # a short-lived JVM on a shared 2-core machine: the C2 compiler's warm-up of Spark's
        # planner competes with the queries it would speed up (C1 only: the first query ~2x faster)
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1")
        # tiny tables, wide expressions: interpreting beats compiling generated code
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield ibis.pyspark.connect(session)
    session.stop()


@pytest.fixture(scope="module")
def duck():
    return ibis.duckdb.connect()


_VIEWS = itertools.count()


def table_on(con, data: pa.Table) -> ir.Table:
    """``data`` as a table of ``con``: an ``ibis.memtable``, except on Spark, where it is a
    DataFrame made from the Arrow table itself, with the schema a memtable would get.

    Ibis hands a memtable to PySpark as a pandas frame, whose Arrow-backed strings (pandas 3)
    PySpark's Arrow path cannot convert ("Cannot convert pyarrow.lib.ChunkedArray"): it warns
    and falls back to rows pickled in Python, slow to build and to scan (a costly query scans
    the table once per metric: 4-7 s, against under 1 s from Arrow). The command does not go
    through here: it hands Spark the Parquet file DuckDB wrote (``engines.spark_read_parquet``)."""
    if con.name != "pyspark":
        return ibis.memtable(data)
    from ibis.backends.pyspark.datatypes import PySparkSchema

    name = f"mkbidx_test_{next(_VIEWS)}"
    schema = PySparkSchema.from_ibis(ibis.schema(data.schema))
    # one partition per Arrow chunk: two halves, as a memtable was parallelised over the two
    # cores, so that partial aggregates are still merged across partitions
    half = data.num_rows // 2
    halves = pa.concat_tables([data.slice(0, half), data.slice(half)])
    con._session.createDataFrame(halves, schema=schema).createOrReplaceTempView(name)
    return con.table(name)


def reference(case) -> pd.DataFrame:
    frame, procedures, start, end = case
    return normalised(reference_counts(frame, start, end, procedures))


def counts_on(con, case) -> pd.DataFrame:
    frame, procedures, start, end = case
    procs = None if procedures is None else table_on(con, procedures_arrow(procedures))
    return normalised(con.execute(derive_counts(table_on(con, to_arrow(frame)), start, end, procs)))


def costly_on(con, case) -> pd.DataFrame:
    frame, _, start, end = case
    return con.execute(costly_dossiers(table_on(con, to_arrow(frame)), start, end))


def test_hand_examples_on_spark(spark):
    # the August examples in one query (Spark takes seconds per query), then two other periods
    august = ["boundaries", "results_fees"]
    merged = merge_cases({n: hand_case(n) for n in august} | {"costly": costly_case()})
    assert (merged[2], merged[3]) == AUG
    counts = counts_on(spark, merged)
    pd.testing.assert_frame_equal(counts, reference(merged))
    for name in august:
        check_hand_counts(name, part_of(counts, name))
    costly = costly_on(spark, merged)
    check_costly(costly, counts, AUG[1])
    check_hand_costly(part_of(costly, "costly"))
    # the year and an as_of cut (the quarters' bounds come from the same code: DuckDB test)
    for name in ["year", "as_of"]:
        got = counts_on(spark, hand_case(name))
        pd.testing.assert_frame_equal(got, reference(hand_case(name)))
        check_hand_counts(name, got)


@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=merged_cases())
def test_spark_equals_reference_and_duckdb(spark, duck, case):
    expected = reference(case)
    pd.testing.assert_frame_equal(counts_on(spark, case), expected)
    pd.testing.assert_frame_equal(counts_on(duck, case), expected)
    check_costly(costly_on(spark, case), expected, case[3])


def test_command_on_spark_gives_the_same_counts(spark, capsys, tmp_path):
    """``mkbidx dossiers counts --engine spark`` (this module's session is the active one the
    command reuses: one JVM for the whole module) prints what DuckDB prints."""
    from tests.integration.test_dossiers_cli import DOSSIERS, run

    path = tmp_path / "ho-so.csv"
    pd.DataFrame(DOSSIERS).to_csv(path, index=False)
    duck = run(capsys, "--input", path, "--period", "2024-08")
    on_spark = run(capsys, "--input", path, "--period", "2024-08", "--engine", "spark")
    assert on_spark[0] == duck[0] == 0
    assert on_spark[1] == duck[1] and "ON_TIME,1,3" in duck[1]
    assert "spark" in on_spark[2]
