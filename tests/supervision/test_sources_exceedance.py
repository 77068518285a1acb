"""The exceedance rule on the case file, executed on DuckDB (and PySpark, slow)."""

from __future__ import annotations

from pathlib import Path

import ibis
import pandas as pd
import pytest

from ecoplan.supervision import exceedance as rule

DATA = Path(__file__).parents[1] / "data" / "supervision"


def _cases() -> pd.DataFrame:
    df = pd.read_csv(DATA / "exceedance_cases.csv", comment="#", dtype={"flag": str})
    df["time"] = pd.to_datetime(df["time"]).astype("datetime64[us]")
    return df


def _hourly(df: pd.DataFrame) -> pd.DataFrame:
    out = df[["outlet", "interval", "time", "parameter", "value", "zs_value", "unit",
              "flag"]].copy()
    out["enterprise"] = "E1"
    out["flag"] = out["flag"].astype(object).where(out["flag"].notna(), None)
    return out


def _limits() -> pd.DataFrame:
    lim = pd.read_csv(DATA / "exceedance_limits.csv", comment="#")
    lim["valid_from"] = pd.to_datetime(lim["valid_from"])
    lim["valid_until"] = pd.to_datetime(lim["valid_until"])
    return lim


def _run(backend, cases: pd.DataFrame):  # type: ignore[no-untyped-def]
    judged = rule.judged_hours(ibis.memtable(_hourly(cases)), ibis.memtable(_limits()))
    exc = rule.exceedances(judged)
    return (backend.execute(judged), backend.execute(exc),
            backend.execute(rule.episodes(exc)))


def _check(judged: pd.DataFrame, exc: pd.DataFrame, eps: pd.DataFrame,
           cases: pd.DataFrame) -> None:
    key = ["outlet", "parameter", "time"]
    judged = judged.assign(time=pd.to_datetime(judged["time"]))
    merged = cases.merge(judged[key + ["status", "limit_value"]], on=key, how="left")
    merged.loc[cases["interval"].values != "hour", "status"] = None
    for _, row in merged.iterrows():
        expected = row["expected_status"] if isinstance(row["expected_status"], str) else None
        got = row["status"] if isinstance(row["status"], str) else None
        assert got == expected, row["case"]
        if expected:
            assert row["limit_value"] == pytest.approx(row["expected_limit"]), row["case"]
    exc = exc.assign(time=pd.to_datetime(exc["time"]))
    want = cases[cases["expected_exceedance"] == 1]
    got = exc.set_index(key)["exceedance_multiple"]
    assert len(exc) == len(want)
    for _, row in want.iterrows():
        assert got.loc[(row["outlet"], row["parameter"], row["time"])] == pytest.approx(
            row["expected_multiple"]), row["case"]
    expected_eps = pd.read_csv(DATA / "exceedance_episodes.csv", comment="#")
    eps = eps.sort_values(["outlet", "parameter", "start"]).reset_index(drop=True)
    assert len(eps) == len(expected_eps)
    for (_, e), (_, g) in zip(expected_eps.iterrows(), eps.iterrows(), strict=True):
        assert (g["outlet"], g["parameter"]) == (e["outlet"], e["parameter"])
        assert pd.Timestamp(g["start"]) == pd.Timestamp(e["start"])
        assert pd.Timestamp(g["end"]) == pd.Timestamp(e["end"])
        assert int(g["hours"]) == int(e["hours"])
        assert g["peak_exceedance_multiple"] == pytest.approx(e["peak_exceedance_multiple"])


def test_exceedance_cases_duckdb() -> None:
    cases = _cases()
    _check(*_run(ibis.duckdb.connect(), cases), cases)


@pytest.mark.slow
def test_exceedance_cases_pyspark() -> None:
    from ecoplan.store.engine import connect

    cases = _cases()
    _check(*_run(connect("pyspark"), cases), cases)
