"""Station types (HJ 664-2013 §3) in the registry and the assessment station set of a city."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ecoplan.errors import StandardError
from ecoplan.ingest.registry import import_bundled, import_file, list_sites
from ecoplan.sample_data import sample_path
from ecoplan.standards.air_stations import (
    infer_type,
    normalise_type,
    select_stations,
    station_set_summary,
)
from ecoplan.store.workspace import Workspace
from tests.ingest.conftest import open_workspace


def test_types_from_names_and_levels() -> None:
    assert infer_type("上兰(对照点)") == "reference"
    assert infer_type("果树场（对照点）") == "reference"
    assert infer_type("尖草坪") == "urban"
    assert infer_type("县环保局", "county") == "county"
    assert infer_type("工地1", "micro") == "other"
    assert normalise_type("城市评价点") == "urban" and normalise_type("清洁对照点") == "reference"
    assert normalise_type("路边交通点") == "traffic" and normalise_type("污染监控点") == "source"
    with pytest.raises(StandardError):
        normalise_type("随便")


def test_national_list_reference_stations() -> None:
    """The CNEMC national list marks its clean reference stations "(对照点)" in the name."""
    nat = pd.read_csv(sample_path("air", "StationList-2020.01.01.csv"), dtype=str).rename(
        columns={"监测点编码": "station_code", "监测点名称": "name", "城市": "city"})
    typed = select_stations(nat, "all")
    refs = typed[typed.station_type == "reference"]
    assert len(refs) == nat["name"].str.contains("对照点").sum() > 0
    assert {"1083A", "1721A"} <= set(refs.station_code)
    used = select_stations(nat, "assessment")
    assert len(used) == len(nat) - len(refs) and "1083A" not in set(used.station_code)


def test_bundled_shanxi_registry_types() -> None:
    reg = pd.read_csv(Path("ecoplan/ingest/data/registry/stations_shanxi_2019.csv"),
                      comment="#", dtype=str).rename(columns={"code": "station_code"})
    used = select_stations(reg, "assessment")
    summary = station_set_summary(used).set_index("city")
    assert summary.loc["太原市", "n_stations"] == 8 and "1083A" not in summary.loc[
        "太原市", "stations_used"]
    assert summary.loc["大同市", "n_stations"] == 5 and summary.loc["晋城市", "n_stations"] == 5
    assert summary.loc["吕梁市", "stations_used"] == "2183A 2185A 2867A"


def test_registry_stores_station_type(db_url: str, tmp_path: Path) -> None:
    ws: Workspace = open_workspace(tmp_path / "home", db_url)
    import_bundled(ws.engine, ("shanxi",), only_if_missing=False)
    sites = {s["code"]: s for s in list_sites(ws.engine, "station")}
    assert sites["1083A"]["station_type"] == "reference"
    assert sites["1081A"]["station_type"] == "urban"
    # a county's own list: the type column in Chinese; without it the name/level decide
    f = tmp_path / "county.csv"
    f.write_text("编码,名称,级别,点位类型\nJC01,交城县环保局,县控,县城评价点\n"
                 "JC02,交城对照(对照点),县控,\nJC03,工业园,县控,污染监控点\n", encoding="utf-8")
    s = import_file(ws.engine, "station", f)
    assert s.inserted == 3 and not s.problems
    sites = {x["code"]: x for x in list_sites(ws.engine, "station")}
    assert [sites[c]["station_type"] for c in ("JC01", "JC02", "JC03")] == [
        "county", "reference", "source"]


def test_county_town_figures_use_assessment_stations(db_url: str, tmp_path: Path) -> None:
    from ecoplan.assess.indicators import county_town_stations

    ws: Workspace = open_workspace(tmp_path / "home", db_url)
    f = tmp_path / "county.csv"
    f.write_text("code,name,network_level,county_town,station_type\n"
                 "JC01,县环保局,county,1,county\nJC02,卦山(对照点),county,1,\n"
                 "JC03,开发区,county,1,\n", encoding="utf-8")
    import_file(ws.engine, "station", f)
    assert county_town_stations(ws) == ["JC01", "JC03"]  # the 对照点 is not averaged


def test_empty_station_table_keeps_columns() -> None:
    out = select_stations(pd.DataFrame(columns=["station_code", "city"]))
    assert list(out.columns) == ["station_code", "city", "station_type"] and out.empty
