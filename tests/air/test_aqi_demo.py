"""The hourly-AQI demo step on a real workspace and lake (Lüliang stations, 2019)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ecoplan.demo.air import LVLIANG_STATIONS, demo_step_hourly_aqi
from ecoplan.demo.steps import DemoResult
from ecoplan.sample_data import sample_path
from ecoplan.store.workspace import Workspace, init_workspace


def test_demo_step_hourly_aqi(workspace_home: Path) -> None:
    init_workspace(workspace_home)
    ws = Workspace()
    with gzip.open(sample_path("realdata", "shanxi_hourly_2019.csv.gz"), "rb") as fh:
        table = pacsv.read_csv(fh, convert_options=pacsv.ConvertOptions(
            column_types={"timestamp": pa.timestamp("us"), "station_code": pa.string()}))
    table = table.filter(pc.is_in(table["station_code"],
                                  value_set=pa.array(list(LVLIANG_STATIONS))))
    ws.lake.write("air_hourly_sample", table, batch="demo")
    result = DemoResult(home=workspace_home)
    messages: list[str] = []
    demo_step_hourly_aqi(ws, lambda zh, en: messages.append(en), result,
                         dataset="air_hourly_sample")
    figures = result.outputs["hourly_aqi"]
    assert figures["stations"] == sorted(LVLIANG_STATIONS)
    assert figures["station_hours"] == table.num_rows
    assert figures["published"] > 24000
    # all but the two hours of the source file that lack the pollutant values
    assert figures["published"] - figures["reproduced"] <= 6
    assert Path(figures["csv"]).exists() and "reproduced" in messages[0]
