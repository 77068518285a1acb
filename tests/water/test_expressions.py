"""The Ibis expressions give the same classes as the numpy path (DuckDB, real snapshot data)."""

from __future__ import annotations

import csv
from pathlib import Path

import ibis
import pandas as pd
import pytest

from ecoplan.ingest.readers.water import cnemc_to_long, read_cnemc_snapshot
from ecoplan.sample_data import sample_path
from ecoplan.standards.surface_water import classify_item
from ecoplan.standards.water_expressions import item_class_column, worst_class_table
from ecoplan.standards.water_realtime import REALTIME_ITEMS, classify_realtime

DATA = Path(__file__).parent.parent / "data" / "water"


def _check_boundaries(con: object) -> None:
    with (DATA / "gb3838_boundaries.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    df = pd.DataFrame({"parameter": [r["item"] for r in rows],
                       "value": [float(r["value"]) for r in rows],
                       "waterbody": [r["waterbody"] for r in rows], "i": range(len(rows))})
    t = ibis.memtable(df)
    got = con.execute(  # type: ignore[attr-defined]
        t.mutate(c=item_class_column(t, items=list({r["item"] for r in rows})))
    ).sort_values("i").c
    assert got.tolist() == [int(r["expected_class"]) for r in rows]


@pytest.mark.spark
@pytest.mark.slow
def test_boundaries_on_pyspark() -> None:
    from ecoplan.store.engine import connect

    _check_boundaries(connect("pyspark"))


def test_boundaries_on_duckdb() -> None:
    _check_boundaries(ibis.duckdb.connect())
    con = ibis.duckdb.connect()
    with (DATA / "gb3838_boundaries.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    df = pd.DataFrame({"parameter": [r["item"] for r in rows],
                       "value": [float(r["value"]) for r in rows],
                       "waterbody": [r["waterbody"] for r in rows]})
    t = con.create_table("b", df)
    got = con.execute(t.mutate(c=item_class_column(t, items=list({r["item"] for r in rows})))).c
    assert got.tolist() == [int(r["expected_class"]) for r in rows]
    noisy = con.create_table("n", pd.DataFrame({"parameter": ["nh3_n"], "value": [150 * 0.001],
                                                "waterbody": ["river"]}))
    assert con.execute(noisy.mutate(c=item_class_column(noisy))).c.tolist() == [1]


def test_snapshot_worst_class_matches_numpy() -> None:
    wide, _ = read_cnemc_snapshot(sample_path("water", "cnemc_realtime", "2020-06-15.json"))
    wide["waterbody"] = "river"
    long = cnemc_to_long(wide)
    con = ibis.duckdb.connect()
    t = con.create_table("s", long)
    res = con.execute(worst_class_table(t, by=["site"], items=list(REALTIME_ITEMS)))
    expected = classify_realtime(wide).assign(site=wide.site)
    merged = res.merge(expected[expected.water_class > 0], on="site")
    assert len(merged) > 50
    assert (merged.water_class_x == merged.water_class_y).all()
    assert classify_item("tn", [0.3], "lake")[0] == 2
