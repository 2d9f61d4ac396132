"""Shared fixtures: temporary case stores and small export files written for real."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
WORKBENCH = [sys.executable, "-m", "workbench"]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "case.duckdb"


@pytest.fixture
def write(tmp_path: Path):
    """Write a text file into the test's directory: ``write("calls.csv", text)``."""

    def _write(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return _write


@pytest.fixture
def cli_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    return env


# -- engines -------------------------------------------------------------------------------
#: the one local Spark session of a test run (Spark allows one per process)
SPARK_TEST_CONFIG = {
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.adaptive.enabled": "false",
    "spark.driver.memory": "2g",
    "spark.sql.session.timeZone": "Asia/Shanghai",
}


@pytest.fixture(scope="session")
def spark_session():
    """The shared local[2] Spark session (started once, stopped at the end of the run)."""
    from workbench.engine.spark_engine import spark_session as start

    spark = start("local[2]", SPARK_TEST_CONFIG, app_name="workbench-tests")
    yield spark
    spark.stop()


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def engine(request, tmp_path):
    """A factory ``engine(db_path) -> Engine`` on the case store at ``db_path``: DuckDB on
    the store's own connection, or Spark over the store's ``export-parquet`` files.
    ``engine.kind`` names the engine; everything opened is closed after the test."""
    from workbench.engine import DuckDBEngine
    from workbench.store.database import Store

    opened = []

    def _open(db: Path):
        if request.param == "duckdb":
            store = Store(db, read_only=True)
            opened.append(store)
            eng = DuckDBEngine.for_store(store)
        else:
            from workbench.engine.spark_engine import SparkEngine
            from workbench.engine.tables import open_parquet_tables

            data = tmp_path / f"parquet-{len(opened)}"
            with Store(db, read_only=True) as store:
                store.export_parquet(data)
            eng = SparkEngine(request.getfixturevalue("spark_session"), "UTC")
            open_parquet_tables(eng, data)
        opened.append(eng)
        return eng

    _open.kind = request.param
    yield _open
    for thing in reversed(opened):
        thing.close()


def pytest_collection_modifyitems(items):
    """A test that starts the shared Spark session is a ``spark`` test, however it asks."""
    for item in items:
        if "spark_session" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.spark)
