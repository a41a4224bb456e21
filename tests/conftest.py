"""Shared fixtures: project paths and the methodology."""

from __future__ import annotations

from pathlib import Path

import pytest

from mkbidx import methodology

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
PORTAL_SAMPLE = SAMPLE / "phu-tho-2026-08"


@pytest.fixture(scope="session")
def method():
    return methodology.load()
