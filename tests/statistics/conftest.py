"""Resources for the statistics tests: the published Hedong 2021 table.

The table is public data: 临沂市河东区人民政府《河东区2021年政府信息公开工作年度报告》, tables 三 and 四,
transcribed as published (its "source" and "notes" keys say so) into data/ beside this file, so the tests
need nothing outside the repository.
"""

import json
from pathlib import Path

import pytest

HEDONG = Path(__file__).resolve().parent / "data" / "annual-report-hedong-2021.json"


@pytest.fixture
def hedong() -> dict:
    return json.loads(HEDONG.read_text(encoding="utf-8"))
