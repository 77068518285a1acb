"""GCJ-02 conversion on published reference points (tests/data/geo/gcj02_points.csv)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ecoplan.standards.gcj02 import gcj02_to_wgs84, outside_china, wgs84_to_gcj02

ROWS = list(csv.DictReader(
    line for line in (Path(__file__).parents[1] / "data" / "geo" / "gcj02_points.csv")
    .read_text(encoding="utf-8").splitlines() if not line.startswith("#")))


@pytest.mark.parametrize("row", ROWS, ids=[r["place"] for r in ROWS])
def test_wgs84_to_gcj02_matches_published_points(row: dict[str, str]) -> None:
    lon, lat = wgs84_to_gcj02(float(row["wgs_lon"]), float(row["wgs_lat"]))
    assert lon == pytest.approx(float(row["gcj_lon"]), abs=1e-8)
    assert lat == pytest.approx(float(row["gcj_lat"]), abs=1e-8)


@pytest.mark.parametrize("row", ROWS, ids=[r["place"] for r in ROWS])
def test_gcj02_to_wgs84_inverts(row: dict[str, str]) -> None:
    lon, lat = gcj02_to_wgs84(float(row["gcj_lon"]), float(row["gcj_lat"]))
    assert lon == pytest.approx(float(row["wgs_lon"]), abs=1e-7)
    assert lat == pytest.approx(float(row["wgs_lat"]), abs=1e-7)


def test_jiaocheng_shift_is_a_few_hundred_metres() -> None:
    lon, lat = 112.156, 37.556  # 交城县城 (WGS84, approximate)
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    assert not outside_china(lon, lat)
    assert 0.002 < abs(g_lon - lon) < 0.01 and 0.0005 < abs(g_lat - lat) < 0.005
