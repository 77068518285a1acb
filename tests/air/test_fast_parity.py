"""Parity of the fast input path (a canonical Parquet scanned by DuckDB) with the reference.

The reference is the command's reader path: ``read_air_file`` → pandas frame → the Ibis
pipeline. The fast path scans the Parquet in the engine (``ecoplan/ingest/readers/air_scan.py``).
Both must give bit-identical daily values and HJ 663 statistics — on generated data built to
hit the edge cases (missing hours, missing days, missing hours that end O3 8-h windows,
exceedance-exception days, February and other month-validity borders, NaN and null values) and
on the real Shanxi 2019 year; and the same pipeline on PySpark must agree on a small case.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ecoplan.assess.air_pipeline import daily_table, hourly_table, run_period_stats
from ecoplan.cli import main
from ecoplan.commands.air_stats import hourly_source
from ecoplan.ingest.readers.air_scan import scan_hourly, scan_plan
from ecoplan.standards.air_period import percentile_value
from ecoplan.store.engine import connect

POLS = ("pm25", "pm10", "so2", "no2", "o3", "co")


def edge_case_hours(stations: int = 5, months: int = 12, seed: int = 23) -> pd.DataFrame:
    """Canonical hourly rows of 2019 with the edge cases of the daily and period rules."""
    rng = np.random.default_rng(seed)
    end = pd.Timestamp(2019, 1, 1) + pd.DateOffset(months=months)
    stamps = pd.date_range("2019-01-01 01:00", end, freq="h")
    frames = []
    for i in range(stations):
        n = len(stamps)
        f = pd.DataFrame({"station_code": f"T{i:03d}A", "timestamp": stamps})
        f["pm25"] = np.round(rng.gamma(2.0, 20.0, n), 1)
        f["pm10"] = np.round(f["pm25"] * rng.uniform(1.2, 2.0, n))
        f["so2"] = np.round(rng.gamma(2.0, 8.0, n))
        f["no2"] = np.round(rng.gamma(3.0, 10.0, n))
        hour = f["timestamp"].dt.hour.to_numpy()
        f["o3"] = np.round(np.maximum(0, 90 * (1 + np.sin(2 * np.pi * (hour - 9) / 24))
                                      * rng.gamma(4.0, 0.25, n)))
        f["co"] = np.round(rng.gamma(2.0, 0.4, n), 3)
        for p in POLS:  # ~2 % missing values per pollutant
            f.loc[rng.random(n) < 0.02, p] = np.nan
        day = (f["timestamp"] - pd.Timedelta(hours=1)).dt.normalize()
        label = (f["timestamp"] - pd.Timedelta(hours=1)).dt.hour + 1  # 1…24
        days = day.drop_duplicates().sort_values().to_list()
        days = days[90:] if months >= 6 else days  # day-level cases after the month borders
        drop = rng.random(n) < 0.02  # missing hours (rows absent)
        # whole missing days: station 1 leaves 25 valid February days (valid), station 2 24
        # (invalid), station 3 26 valid March days (invalid: < 27)
        gone = {1: pd.date_range("2019-02-03", periods=3), 2: pd.date_range("2019-02-10",
                                                                           periods=4),
                3: pd.date_range("2019-03-05", periods=5)}.get(i)
        if gone is not None and months >= 3:
            drop |= day.isin(gone).to_numpy()
        drop |= day.isin(rng.choice(days, 4, replace=False)).to_numpy()
        # missing hours that end O3 windows: labels 16, 16+17 and 23+24 (24 = next 00:00)
        for labels in ((16,), (16, 17), (23, 24), (8,), (24,)):
            hit = day.isin(rng.choice(days, 6, replace=False)) & label.isin(labels)
            drop |= hit.to_numpy()
        # only labels 13…24 present: 7 valid windows (< 14): valid only above the O3 limit
        for o3 in (250.0, 90.0):
            sel = day.isin(rng.choice(days, 3, replace=False))
            drop |= (sel & (label <= 12)).to_numpy()
            f.loc[sel & (label > 12), "o3"] = o3
        # a day with exactly 20 and one with 19 valid hours
        for keep in (20, 19):
            sel = day == rng.choice(days)
            drop |= (sel & (label > keep)).to_numpy()
        frames.append(f[~drop])
    return pd.concat(frames, ignore_index=True)


def _write(frame: pd.DataFrame, folder: Path) -> tuple[Path, Path]:
    """The same rows as canonical Parquet (NaN kept as NaN in two columns, null elsewhere) and
    as CSV (read by the reader)."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {"station_code": pa.array(frame["station_code"]),
              "timestamp": pa.array(frame["timestamp"].astype("datetime64[us]"))}
    for p in POLS:  # pm25 and o3 keep NaN as a float NaN, the others as Parquet nulls
        arrays[p] = pa.array(frame[p].to_numpy(), from_pandas=p not in ("pm25", "o3"))
    pq_path, csv_path = folder / "hours.parquet", folder / "hours.csv"
    pq.write_table(pa.table(arrays), pq_path)
    out = frame.copy()
    out["timestamp"] = out["timestamp"].dt.strftime("%Y-%m-%d %H:%M")
    out.to_csv(csv_path, index=False, float_format="%.17g")
    return pq_path, csv_path


def _normalise(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if str(out[col].dtype).startswith(("datetime", "date")) or col in ("date",
                                                                             "period_start"):
            out[col] = pd.to_datetime(out[col]).dt.strftime("%Y-%m-%d")
        elif out[col].dtype == bool or str(out[col].dtype) == "boolean":
            out[col] = out[col].astype("float64")
        elif pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].astype("float64")
        else:
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out.sort_values(keys).reset_index(drop=True)


def _same(a: pd.DataFrame, b: pd.DataFrame, keys: list[str]) -> None:
    pd.testing.assert_frame_equal(_normalise(a, keys), _normalise(b, keys), check_exact=True,
                                  check_dtype=False)


@pytest.fixture(scope="module")
def edge_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _write(edge_case_hours(), tmp_path_factory.mktemp("edge"))


def _results(con: object, data: object) -> tuple[pd.DataFrame, ...]:
    daily = daily_table(con, hourly_table(con, data), ruleset="auto")
    days = con.execute(daily)  # type: ignore[attr-defined]
    year = run_period_stats(con, None, "auto", period="year", daily=daily)
    month = run_period_stats(con, None, "auto", period="month", daily=daily)
    return days, year, month


@pytest.fixture(scope="module")
def edge_results(edge_files: tuple[Path, Path]) -> dict[str, tuple[pd.DataFrame, ...]]:
    """Daily, yearly and monthly results of the edge-case files on both input paths."""
    pq_path, csv_path = edge_files
    fast = hourly_source(pq_path, False, None, None, None, None, "duckdb")
    ref = hourly_source(csv_path, False, None, None, None, None, "duckdb")
    assert isinstance(ref.data, pd.DataFrame) and not isinstance(fast.data, pd.DataFrame)
    assert fast.problems == [] and ref.problems == []
    return {"fast": _results(fast.analytics, fast.data), "ref": _results(ref.analytics, ref.data)}


def test_scan_is_identical_to_the_reader_on_edge_cases(
        edge_results: dict[str, tuple[pd.DataFrame, ...]]) -> None:
    d_fast, y_fast, m_fast = edge_results["fast"]
    d_ref, y_ref, m_ref = edge_results["ref"]
    _same(d_fast, d_ref, ["station_code", "date"])
    _same(y_fast, y_ref, ["station_code", "period"])
    _same(m_fast, m_ref, ["station_code", "period"])
    # the data do reach the edge cases
    assert d_ref["o3_8h_windows"].between(1, 13).any()
    assert (d_ref["o3_8h"].notna() & (d_ref["o3_8h_windows"] < 14)).any()  # exception days
    assert (d_ref["o3_8h"].isna() & d_ref["o3_8h_windows"].between(1, 13)).any()
    assert set(d_ref["n_pm25"]) >= {19, 20}
    feb = m_ref[m_ref["period"] == "2019-02"].set_index("station_code")
    assert feb.loc["T001A", "pm25_valid"] == 1 and feb.loc["T002A", "pm25_valid"] == 0
    mar = m_ref[m_ref["period"] == "2019-03"].set_index("station_code")
    assert mar.loc["T003A", "pm25_valid"] == 0


def test_percentiles_follow_the_appendix_a_rank_formula(
        edge_results: dict[str, tuple[pd.DataFrame, ...]]) -> None:
    """The engine's percentiles (sorted arrays, taken by position) equal the plain-Python
    HJ 663 Appendix A formula on the same daily values, to the bit, per year and month."""
    days, year, month = (f.copy() for f in edge_results["fast"])
    days["month"] = pd.to_datetime(days["date"]).dt.strftime("%Y-%m")
    cols = {"pm25": ("pm25", 95), "pm10": ("pm10", 95), "so2": ("so2", 98),
            "no2": ("no2", 98), "co": ("co", 95), "o3_8h": ("o3_8h", 90)}
    for stats, label in ((year, None), (month, "month")):
        for row in stats.itertuples(index=False):
            part = days[days["station_code"] == row.station_code]
            if label:
                part = part[part["month"] == row.period]
            for col, (p, q) in cols.items():
                want = percentile_value(part[col].dropna().tolist(), q)
                got = getattr(row, f"{p}_p{q}_raw")
                assert (pd.isna(got) and want is None) or got == want, (row.period, col)


def test_scan_applies_the_command_filters(edge_files: tuple[Path, Path]) -> None:
    pq_path, _ = edge_files
    con = connect("duckdb")
    from datetime import date

    t = scan_hourly(con, pq_path, stations=["T001A"], start=date(2019, 2, 1),
                    end=date(2019, 2, 28))
    got = con.execute(t.aggregate(n=t.count(), lo=t.timestamp.min(), hi=t.timestamp.max(),
                                  k=t.station_code.nunique()))
    assert got["k"].iloc[0] == 1
    assert got["lo"].iloc[0] > pd.Timestamp("2019-02-01")
    assert got["hi"].iloc[0] <= pd.Timestamp("2019-03-01")


def test_files_the_reader_must_read_are_not_scanned(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    con = connect("duckdb")
    base = {"station_code": ["1001A", "1001A"],
            "timestamp": pd.to_datetime(["2019-01-01 01:00", "2019-01-01 02:00"]),
            "pm25": [10.0, 12.0]}
    cases = {
        "text_values": {**base, "pm25": ["10", "无效"]},
        "unit_mg": {"station_code": base["station_code"], "timestamp": base["timestamp"],
                    "PM2.5(mg/m3)": [0.01, 0.012]},
        "text_time": {**base, "timestamp": ["2019-01-01 01:00", "2019-01-01 02:00"]},
        "extra_numbers": {**base, "mystery": [1.0, 2.0]},
        "missing_code": {**base, "station_code": ["1001A", None]},
        "blank_code": {**base, "station_code": ["1001A", " 1001A"]},
        "published_text": {**base, "aqi": ["35", "—"]},
        "date_and_hour": {"station_code": base["station_code"],
                          "date": ["2019-01-01", "2019-01-01"], "hour": [1, 2],
                          "pm25": base["pm25"]},
    }
    for name, cols in cases.items():
        path = tmp_path / f"{name}.parquet"
        pd.DataFrame(cols).to_parquet(path)
        assert scan_hourly(con, path) is None, name
    ok = tmp_path / "ok.parquet"
    pd.DataFrame({**base, "city": ["x", "x"], "station_name": ["n", "n"], "aqi": [14, 17],
                  "primary_pollutant": ["—", "—"]}).to_parquet(ok)
    assert scan_plan(ok) is not None and scan_hourly(con, ok) is not None
    # the reader still reports the bad value, row and field, through the command
    code = main(["--lang", "en", "air", "stats", str(tmp_path / "text_values.parquet"),
                 "--json"])
    assert code == 0
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert [(p["row"], p["field"], p["code"]) for p in problems] == [(2, "pm25", "invalid_marker")]


@pytest.mark.slow
def test_real_shanxi_year_parquet_scan_matches_csv_reader(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The whole command on the real 2019 year, per station and per city: Parquet (scanned,
    daily values by the compiled kernel) = CSV (reader, Ibis reference), to the bit."""
    from ecoplan.sample_data import sample_path

    src = sample_path("realdata", "shanxi_hourly_2019.csv.gz")
    frame = pd.read_csv(src, dtype={"station_code": str}, parse_dates=["timestamp"])
    pq_path = tmp_path / "shanxi.parquet"
    frame.to_parquet(pq_path, index=False)
    assert scan_plan(pq_path) is not None
    for by, least in (("station", 50), ("city", 10)):  # by city: the kernel's values averaged
        outs = []
        for i, inp in enumerate((pq_path, src)):
            out = tmp_path / f"out{i}_{by}.csv"
            code = main(["air", "stats", str(inp), "--period", "year", "--by", by,
                         "-o", str(out)])
            assert code == 0, capsys.readouterr().err
            outs.append(pd.read_csv(out, dtype=str, keep_default_na=False))
        assert len(outs[0]) > least
        pd.testing.assert_frame_equal(outs[0], outs[1], check_exact=True)


@pytest.mark.spark
@pytest.mark.slow
def test_pyspark_agrees_on_a_small_edge_case(tmp_path: Path) -> None:
    """The same Ibis pipeline on PySpark = DuckDB on the fast path (2 stations, 3 months)."""
    pq_path, _ = _write(edge_case_hours(stations=3, months=3, seed=7), tmp_path)
    duck = connect("duckdb")
    fast = scan_hourly(duck, pq_path)
    assert fast is not None
    d_fast, _, m_fast = _results(duck, fast)
    spark = connect("pyspark")
    frame = pd.read_parquet(pq_path)
    d_sp, _, m_sp = _results(spark, frame)
    _same(d_fast, d_sp, ["station_code", "date"])
    _same(m_fast, m_sp, ["station_code", "period"])
