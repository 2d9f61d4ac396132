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
