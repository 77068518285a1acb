"""Values stored with an invalid source flag (HJ 212 F/M/S/D/C/B …) are left out of statistics."""

from __future__ import annotations

import ibis
import pandas as pd
import pyarrow as pa

from ecoplan.assess.air_pipeline import hourly_table, without_invalid_values


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "station_code": ["A", "A", "A", "A"],
        "timestamp": pd.to_datetime(["2025-01-01 01:00", "2025-01-01 02:00",
                                     "2025-01-01 03:00", "2025-01-01 04:00"]),
        "pm25": [10.0, 999.0, 30.0, 40.0],
        "pm25_flag": [None, "hj212:D", "suspect_high", "hj212:T,suspect_high"],
        "co": [1.0, 2.0, 3.0, 4.0],
        "co_flag": ["hj212:C", None, None, "hj212-2005:2"],
    })


def test_invalid_source_flags_null_the_value_on_duckdb() -> None:
    t = ibis.memtable(pa.Table.from_pandas(_frame()))
    out = ibis.duckdb.connect().execute(without_invalid_values(t).order_by("timestamp"))
    # D (instrument fault) and C / 2005 "2" are not measurements; T (over range) and load
    # flags such as suspect_high keep the value
    assert out["pm25"].tolist()[0] == 10.0 and pd.isna(out["pm25"].tolist()[1])
    assert out["pm25"].tolist()[2:] == [30.0, 40.0]
    assert pd.isna(out["co"][0]) and pd.isna(out["co"][3]) and out["co"][1] == 2.0


def test_hourly_table_from_a_frame_drops_invalid_values() -> None:
    con = ibis.duckdb.connect()
    frame = _frame().assign(pm10=50.0, so2=5.0, no2=20.0, o3=60.0)
    out = con.execute(hourly_table(con, frame).order_by("timestamp"))
    assert pd.isna(out["pm25"][1]) and out["pm25"][0] == 10.0


def test_tables_without_flag_columns_are_unchanged() -> None:
    t = ibis.memtable(pa.Table.from_pandas(_frame().drop(columns=["pm25_flag", "co_flag"])))
    assert without_invalid_values(t) is t
