"""The map in Debian's Chromium: the public opens /public/map, sees the air stations in their
HJ 633 AQI colours (and the same sites in the table beside the map), clicks a station and lands
on its page; at 390 px nothing scrolls sideways. Screenshots go to test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.web.test_browser import browser, serving  # noqa: F401 - fixture

pytestmark = pytest.mark.browser

STATIONS = "code,name,city,county,longitude,latitude,network_level,county_town\n" \
    "MAPT1,测试站甲,吕梁市,交城县,112.159,37.555,county,True\n" \
    "MAPT2,测试站乙,吕梁市,交城县,112.120,37.530,county,True\n"


def _hours() -> pd.DataFrame:
    rows = []
    for h in range(1, 4):
        ts = pd.Timestamp(2025, 12, 31, h)
        rows.append({"station_code": "MAPT1", "timestamp": ts, "pm25": 20.0, "pm10": 40.0,
                     "so2": 8.0, "no2": 20.0, "o3": 50.0, "co": 0.5})
        rows.append({"station_code": "MAPT2", "timestamp": ts, "pm25": 200.0, "pm10": 260.0,
                     "so2": 30.0, "no2": 60.0, "o3": 20.0, "co": 2.0})
    return pd.DataFrame(rows)


@pytest.fixture
def map_server(web_ws, tmp_path: Path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    from ecoplan.ingest.pipeline import ingest_frame
    from ecoplan.ingest.registry import import_file

    reg = tmp_path / "stations.csv"
    reg.write_text(STATIONS, encoding="utf-8")
    import_file(web_ws.engine, "station", reg)
    assert ingest_frame(web_ws, "air_hourly", _hours(), source="map-test").rows_written
    with serving(web_ws.settings) as base:
        yield base


def test_public_map_shows_coloured_stations_and_clicks_through(  # type: ignore[no-untyped-def]
        map_server: str, browser, artifacts_dir: Path) -> None:  # noqa: F811
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(map_server + "/public")
    page.click("#public-map-link")
    page.wait_for_selector("#map[data-ready='1']")
    page.wait_for_selector("path.leaflet-interactive[fill='#00E400']")  # 优 (HJ 633 colour)
    fills = page.eval_on_selector_all("path.site-air", "ps => ps.map(p => p.getAttribute('fill'))")
    assert sorted(fills) == ["#00E400", "#99004C"], fills  # 优, 重度污染
    assert page.locator("#map-table tbody tr[data-layer='air']").count() == 2
    assert "重度污染" in page.locator("#map-table").inner_text()
    assert "离线县界示意" in page.locator("#map-basemap").inner_text() or \
        "县界" in page.locator("#map-basemap").inner_text()
    page.wait_for_selector("path.leaflet-interactive[stroke='#37474f']")  # 交城县 outline
    page.screenshot(path=str(artifacts_dir / "map-public-1440.png"), full_page=True)
    assert page.locator("a:has-text('管理')").count() == 0  # nothing internal for the public
    page.locator("path.site-air[fill='#99004C']").click()
    page.locator(".leaflet-popup-content a").click()
    page.wait_for_url("**/public/air/stations/MAPT2")
    assert "测试站乙" in page.locator("#station-name").inner_text()
    assert page.locator("#station-hours tbody tr").count() == 3
    assert "重度污染" in page.locator("#station-hours").inner_text()
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/public/map", "/public/air/stations/MAPT2"):
        page.goto(map_server + path)
        wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0, (path, wide)
        name = "map-public-390.png" if path.endswith("map") else "station-390.png"
        page.screenshot(path=str(artifacts_dir / name), full_page=True)
    assert not errors, errors
