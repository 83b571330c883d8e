"""Resources for the statistics tests: the published Hedong 2021 table."""

import json
from pathlib import Path

import pytest

HEDONG = Path(__file__).resolve().parents[3] / "shared" / "data" / "annual-report-hedong-2021.json"


@pytest.fixture
def hedong() -> dict:
    return json.loads(HEDONG.read_text(encoding="utf-8"))
