"""Local Spark session and table conversion for running the linkage on Splink's Spark backend."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from typing import Any

import pandas as pd

from intermediary.matching.records import INTEGER_COLUMNS, INTEGER_LIST_COLUMNS, LIST_COLUMNS

_SPARK_CONF = {
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.driver.memory": "2g",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.log.level": "ERROR",
}


def spark_session() -> Any:
    """A local-mode session on this machine's cores; reused when one is already running."""
    from pyspark.sql import SparkSession

    # py4j logs each closed gateway connection at INFO, including from __del__ at interpreter
    # exit after logging has shut down, which prints a spurious "Logging error" traceback.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.master("local[2]").appName("intermediary-matching")
    for key, value in _SPARK_CONF.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    if not session.sparkContext.getCheckpointDir():
        session.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="intermediary-spark-"))
    return session


def spark_api() -> Any:
    """Splink's Spark API; the comparisons use only Spark's own SQL functions."""
    from splink import SparkAPI

    session = spark_session()
    return SparkAPI(  # type: ignore[no-untyped-call]
        spark_session=session, register_udfs_automatically=False
    )


def to_spark_frame(session: Any, frame: pd.DataFrame) -> Any:
    """Spark table with an explicit schema: nullable integers and string arrays survive."""
    from pyspark.sql.types import ArrayType, LongType, StringType, StructField, StructType

    schema = StructType(
        [
            StructField(
                column,
                ArrayType(StringType())
                if column in LIST_COLUMNS
                else ArrayType(LongType())
                if column in INTEGER_LIST_COLUMNS
                else LongType()
                if column in INTEGER_COLUMNS
                else StringType(),
                nullable=True,
            )
            for column in frame.columns
        ]
    )
    rows = [
        tuple(_plain(value) for value in row) for row in frame.itertuples(index=False, name=None)
    ]
    return session.createDataFrame(rows, schema=schema)


def _plain(value: Any) -> Any:
    """pandas missing markers (NA, NaN) become None; numpy integers become int."""
    if isinstance(value, list):
        return value
    if value is None or pd.isna(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value
