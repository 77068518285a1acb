"""Heavy-pollution warning levels (环办大气函〔2018〕875号 and a local variant)."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest

from ecoplan.errors import StandardError
from ecoplan.standards.air_warning import warning_episodes, warning_level

DATA = Path(__file__).resolve().parent.parent / "data" / "air"


def _cases() -> list[dict[str, str]]:
    with open(DATA / "warning_cases.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


@pytest.mark.parametrize("case", _cases(), ids=lambda c: f"{c['variant']}:{c['aqi']}")
def test_warning_cases(case: dict[str, str]) -> None:
    aqis = [int(v) for v in case["aqi"].split(";")]
    days = [date(2019, 1, 1) + timedelta(days=i) for i in range(len(aqis))]
    assert warning_level(days, aqis, case["variant"]) == (case["expected"] or None)


def test_gap_in_dates_splits_episodes() -> None:
    days = [date(2019, 1, 1), date(2019, 1, 2), date(2019, 1, 4)]
    eps = warning_episodes(days, [250, 260, 270])
    assert [(e.days, e.warning_level) for e in eps] == [(2, "yellow"), (1, None)]


def test_unknown_variant() -> None:
    with pytest.raises(StandardError):
        warning_level([date(2019, 1, 1)], [250], "nowhere")
