"""The table-level hourly AQI (Ibis): special cases, rule-set switch, engines agree."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import ibis
import pandas as pd
import pytest

from ecoplan.errors import StandardError
from ecoplan.ingest.readers.air import read_air_file
from ecoplan.sample_data import sample_path
from ecoplan.standards.air_hourly import OUTPUT_COLUMNS, hourly_aqi_table
from ecoplan.standards.aqi import hourly_aqi

COLS = ["station_code", "timestamp", "so2", "no2", "co", "o3", "pm10", "pm25",
        "published_so2_24h", "not_monitored"]
NAN = float("nan")


def _cases() -> pd.DataFrame:
    rows = [
        # SO2 1 h > 800: 2012 → IAQI of the 24-h mean (300 → 124); 2026 → 200
        ("S1", datetime(2025, 1, 1, 8), 900, 40, 1.0, 50, 60, 40, 300, None),
        ("S1", datetime(2026, 3, 2, 8), 900, 40, 1.0, 50, 60, 40, 300, None),
        # the switch: the label 2026-03-01 00:00 closes 2026-02-28 (2012), 01:00 is 2026
        ("S2", datetime(2026, 3, 1, 0), 5, 10, 0.4, 20, 30, 68, 5, None),
        ("S2", datetime(2026, 3, 1, 1), 5, 10, 0.4, 20, 30, 68, 5, None),
        # GB/T 8170 rounding of unrounded input: PM2.5 60.5 → 60 (even), CO 2.25 → 2.2
        ("S3", datetime(2026, 4, 1, 1), 5, 10, 2.25, 20, 30, 60.5, 5, None),
        # 2026 §5.3.1: O3 missing and AQI ≤ 100 → withheld; > 100 → published
        ("S4", datetime(2026, 4, 1, 1), 5, 10, 0.4, NAN, 30, 20, 5, None),
        ("S4", datetime(2026, 4, 1, 2), 5, 10, 0.4, NAN, 30, 80, 5, None),
        # §5.3.2: CO not monitored ("/") does not block
        ("S5", datetime(2026, 4, 1, 1), 5, 10, NAN, 20, 30, 20, 5, "co"),
        # 2012: published whatever is missing; above the table → 500
        ("S6", datetime(2020, 4, 1, 1), 5, 10, 0.4, NAN, 700, 20, 5, None),
        ("S7", datetime(2020, 4, 1, 1), NAN, NAN, NAN, NAN, NAN, NAN, NAN, None),
    ]
    return pd.DataFrame(rows, columns=COLS)


def _run(backend: Any, df: pd.DataFrame, rules: str = "auto", **kw: Any) -> pd.DataFrame:
    df = df.copy()
    df["_i"] = range(len(df))
    expr = hourly_aqi_table(ibis.memtable(df), rules, keep=["_i"], **kw).order_by("_i")
    return backend.execute(expr)


def test_special_cases_duckdb() -> None:
    out = _run(ibis.duckdb.connect(), _cases())
    assert list(out.columns[: len(OUTPUT_COLUMNS)]) == list(OUTPUT_COLUMNS)
    rec = out.to_dict("records")
    assert (rec[0]["iaqi_so2"], rec[0]["ruleset"]) == (124, "2012")
    assert (rec[1]["iaqi_so2"], rec[1]["aqi"], rec[1]["ruleset"]) == (200, 200, "2026")
    assert (rec[2]["ruleset"], rec[2]["aqi"]) == ("2012", 92)
    assert (rec[3]["ruleset"], rec[3]["aqi"], rec[3]["primary_pollutants"]) == ("2026", 108,
                                                                                "PM2.5")
    assert (rec[4]["iaqi_pm25"], rec[4]["iaqi_co"]) == (100, 22)
    assert pd.isna(rec[5]["aqi"]) and rec[5]["aqi_computed"] == 30 and not rec[5]["published"]
    assert rec[6]["aqi"] == 119 and rec[6]["category"] == "轻度污染"
    assert rec[7]["aqi"] == 30 and rec[7]["complete"]  # "/" is not missing
    assert rec[8]["aqi"] == 500 and rec[8]["exceeding_pollutants"] == "PM10"
    assert pd.isna(rec[9]["aqi"]) and pd.isna(rec[9]["category"])
    # the scalar API agrees on every row
    for r, src in zip(rec, _cases().to_dict("records"), strict=True):
        values = {p: (None if pd.isna(src[p]) else src[p])
                  for p in ("so2", "no2", "co", "o3", "pm10", "pm25")}
        scalar = hourly_aqi(values, r["ruleset"], so2_24h=src["published_so2_24h"],
                            not_monitored=src["not_monitored"].split(",")
                            if isinstance(src["not_monitored"], str) else ())
        assert (None if pd.isna(r["aqi"]) else r["aqi"]) == scalar.published_aqi
        assert r["complete"] == scalar.complete


def test_forced_rules_and_bad_arguments() -> None:
    con = ibis.duckdb.connect()
    out = _run(con, _cases(), "2026")
    assert set(out.ruleset) == {"2026"} and out.aqi.tolist()[2] == 108
    with pytest.raises(StandardError):
        hourly_aqi_table(ibis.memtable(_cases()), "2030")
    with pytest.raises(StandardError, match="pm25"):
        hourly_aqi_table(ibis.memtable(_cases().drop(columns=["pm25"])))
    with pytest.raises(StandardError):
        hourly_aqi_table(ibis.memtable(_cases()), publication="x")  # type: ignore[arg-type]


def _parity_input() -> pd.DataFrame:
    live = read_air_file(sample_path("air/cnemc_live_2026-03-10T09_rows001-076.csv"))
    live = live.assign(station_code=live.station_code.astype(str))
    live["not_monitored"] = live["not_monitored"].astype(object)
    live = live[COLS]
    live.attrs = {}
    return pd.concat([live, _cases()], ignore_index=True)


@pytest.mark.spark
@pytest.mark.slow
def test_duckdb_and_pyspark_identical() -> None:
    from ecoplan.store.engine import connect

    df = _parity_input()
    a = _run(connect("duckdb"), df)
    b = _run(connect("pyspark"), df)
    cols = [c for c in OUTPUT_COLUMNS if c != "timestamp"]
    pd.testing.assert_frame_equal(
        a[cols].astype(object).where(a[cols].notna(), None).reset_index(drop=True),
        b[cols].astype(object).where(b[cols].notna(), None).reset_index(drop=True),
    )
    assert (pd.to_datetime(a.timestamp) == pd.to_datetime(b.timestamp)).all()
