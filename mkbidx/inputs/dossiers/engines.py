"""The engines a dossier table is counted on: DuckDB (default), Spark, pandas.

- ``duckdb``: an embedded, in-memory DuckDB database through Ibis (no server), one thread per
  core. It also reads and validates the file for every engine (:mod:`.table`).
- ``spark``: a local SparkSession (``local[*]``, no web UI, session time zone UTC so that the
  naive local timestamps are never shifted, ``SPARK_LOCAL_IP=127.0.0.1`` unless set, logs at
  ERROR) through ``ibis.pyspark``. It reads the normalised table that DuckDB wrote as Parquet
  into a temporary folder, so the counting expression (:mod:`.counts`) runs on Spark over exactly
  the rows DuckDB validated. Needs ``pip install 'mkbidx[spark]'`` and Java 17.
- ``pandas``: the normalised table as a pandas frame, counted by the independent reference
  (:mod:`.reference`).

>>> check_engine("DuckDB")
'duckdb'
>>> check_engine("polars")
Traceback (most recent call last):
...
mkbidx.errors.MkbidxError: cột "--engine": không có công cụ tính 'polars' (unknown engine)...pandas
"""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from mkbidx.errors import MkbidxError

ENGINES = ("duckdb", "spark", "pandas")
SPARK_INSTALL = "pip install 'mkbidx[spark]'"

_LOG4J2 = """\
status = error
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""


def check_engine(engine: str) -> str:
    """The engine's name in lower case; an unknown one raises."""
    name = str(engine).strip().lower()
    if name not in ENGINES:
        raise MkbidxError(
            f"không có công cụ tính '{engine}' (unknown engine)",
            column="--engine",
            expected="duckdb, spark hoặc pandas",
        )
    return name


def duckdb_backend(threads: int | None = None) -> Any:
    """A new in-memory Ibis DuckDB backend with ``threads`` threads (default: every core)."""
    import ibis

    return ibis.duckdb.connect(threads=int(threads or os.cpu_count() or 1))


def raw_duckdb(backend: Any) -> Any:
    """The ``duckdb.DuckDBPyConnection`` under an Ibis DuckDB backend."""
    return backend.con


def _log_config() -> Path:
    folder = Path(tempfile.gettempdir()) / "mkbidx-spark"
    folder.mkdir(exist_ok=True)
    path = folder / "log4j2.properties"
    if not path.exists() or path.read_text() != _LOG4J2:
        path.write_text(_LOG4J2)
    return path


@lru_cache(maxsize=1)
def spark_session() -> Any:
    """The process's local SparkSession (created once; an active one is reused)."""
    import warnings

    try:
        with warnings.catch_warnings():  # "PySpark does not yet fully support pandas >= 3"
            warnings.simplefilter("ignore", FutureWarning)
            from pyspark.sql import SparkSession
    except ImportError:
        raise MkbidxError(
            "chưa cài PySpark (pyspark not installed)",
            column="--engine",
            expected=f"{SPARK_INSTALL} (và Java 17), hoặc --engine duckdb",
        ) from None
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    java = f"-Dlog4j2.configurationFile=file:{_log_config()}"
    try:
        session = (
            SparkSession.builder.master("local[*]")
            .appName("mkbidx")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.driver.extraJavaOptions", java)
            .config("spark.sql.shuffle.partitions", str(max(2, os.cpu_count() or 1)))
            .getOrCreate()
        )
    except Exception as exc:  # Java missing or failing to start: one line, not a JVM trace
        text = " ".join(str(exc).split())[:200]
        raise MkbidxError(
            f"không khởi động được Spark (Spark failed to start): {text}",
            column="--engine",
            expected="Java 17 (JAVA_HOME), hoặc --engine duckdb",
        ) from None
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_backend(session: Any = None) -> Any:
    """An Ibis PySpark backend over ``session`` (default :func:`spark_session`)."""
    import warnings

    import ibis

    session = session if session is not None else spark_session()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return ibis.pyspark.connect(session)


def spark_read_parquet(backend: Any, path: Path, name: str) -> Any:
    """The Parquet file ``path`` as the Ibis table ``name`` of a PySpark backend."""
    return backend.read_parquet(str(path), table_name=name)
