"""HJ 633 Ibis expressions: identical to the exact scalar API on DuckDB (and PySpark)."""

from __future__ import annotations

import csv
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pytest

from ecoplan.standards.aqi import (
    aqi_exprs,
    category,
    iaqi,
    iaqi_expr,
    load_ruleset,
    primary_pollutants,
    round_concentration_expr,
)

DATA = Path(__file__).parents[1] / "data" / "air"
SERIES = [(rs, p, a) for rs in ("2012", "2026") for (p, a) in load_ruleset(rs).breakpoints]


def _concentrations() -> list[float]:
    """Every breakpoint ± small steps, the reference cases and random 0.1/1-unit decimals."""
    values: set[Decimal] = set()
    for rs in ("2012", "2026"):
        for pts in load_ruleset(rs).breakpoints.values():
            for bp in pts:
                d = Decimal(bp.numerator) / Decimal(bp.denominator)
                for step in ("0", "0.1", "-0.1", "1", "-1", "0.001"):
                    values.add(d + Decimal(step))
    with open(DATA / "iaqi_cases.csv", encoding="utf-8") as fh:
        values.update(Decimal(r["concentration"]) for r in csv.DictReader(fh))
    rnd = random.Random(4)
    values.update(Decimal(rnd.randrange(0, 40000)) / 10 for _ in range(400))
    return sorted(float(v) for v in values if v >= 0) + [float("nan")]


def _check(backend: Any) -> None:
    conc = _concentrations()
    t = ibis.memtable(pd.DataFrame({"c": conc}))
    exprs = {f"{rs}_{p}_{a}": iaqi_expr(t.c, p, a, rs) for rs, p, a in SERIES}
    got = backend.execute(t.mutate(**exprs)).sort_values("c", na_position="last")
    for rs, p, a in SERIES:
        col = got[f"{rs}_{p}_{a}"].tolist()
        expected = [iaqi(p, c, a, rs) for c in got["c"].tolist()]
        actual = [None if pd.isna(v) else int(v) for v in col]
        assert actual == expected, (rs, p, a)


def test_iaqi_expr_equals_scalar_duckdb() -> None:
    _check(ibis.duckdb.connect())


@pytest.mark.spark
@pytest.mark.slow
def test_iaqi_expr_equals_scalar_pyspark() -> None:
    from ecoplan.store.engine import connect

    _check(connect("pyspark"))


def test_ruleset_column_and_rounding() -> None:
    con = ibis.duckdb.connect()
    df = pd.DataFrame({"c": [68.0, 68.0, 2.25, 2.35, 2.45, 35.5, 36.5],
                       "rs": ["2012", "2026", "2012", "2012", "2026", "2012", "2026"]})
    t = con.create_table("rs_cases", df, overwrite=True)
    out = con.execute(t.mutate(
        pm=iaqi_expr(t.c, "pm25", "1h", t.rs),
        co_r=round_concentration_expr(t.c, "co"),
        pm_r=round_concentration_expr(t.c, "pm25"),
    ))
    assert out.pm.tolist()[:2] == [92, 108]
    # GB/T 8170: half to even — 2.25 → 2.2, 2.35 → 2.4, 2.45 → 2.4; 35.5 → 36, 36.5 → 36
    assert out.co_r.tolist()[2:5] == [2.2, 2.4, 2.4]
    assert out.pm_r.tolist()[5:] == [36, 36]
    rounded = con.execute(t.mutate(v=iaqi_expr(t.c, "co", "24h", "2012", round_input=True)))
    assert rounded.v.tolist()[2:5] == [iaqi("co", x, "24h") for x in ("2.2", "2.4", "2.4")]


def test_aqi_exprs_primary_ties_category() -> None:
    con = ibis.duckdb.connect()
    rows = [  # pm10, pm25, o3 (1-h concentrations)
        (121.0, 80.0, 30.0), (50.0, 35.0, 10.0), (90.0, 40.0, 10.0), (None, None, None),
        (350.0, 150.0, 400.0), (700.0, 20.0, 10.0),
    ]
    df = pd.DataFrame(rows, columns=["pm10", "pm25", "o3"])
    t = con.create_table("aqi_cases", df, overwrite=True)
    for rs in ("2012", "2026"):
        iaqis = {f"iaqi_{p}": iaqi_expr(t[p], p, "1h", rs) for p in ("pm10", "pm25", "o3")}
        step = t.mutate(**iaqis)
        cols = {p: f"iaqi_{p}" for p in ("pm10", "pm25", "o3")}
        out = con.execute(step.mutate(**aqi_exprs(step, cols, rs)))
        for rec in out.to_dict("records"):
            scalar = {p: iaqi(p, None if pd.isna(rec[p]) else rec[p], "1h", rs)
                      for p in ("pm10", "pm25", "o3")}
            present = [v for v in scalar.values() if v is not None]
            top = max(present) if present else None
            assert (None if pd.isna(rec["aqi"]) else int(rec["aqi"])) == top
            codes = {"pm10": "PM10", "pm25": "PM2.5", "o3": "O3"}
            want = ",".join(codes[p] for p in primary_pollutants(scalar, rs)) or None
            assert (None if pd.isna(rec["primary_pollutants"]) else rec["primary_pollutants"]) \
                == want
            cat = category(top, rs)
            assert (None if pd.isna(rec["category"]) else rec["category"]) == (
                cat.category_zh if cat else None)
            if rs == "2026":
                assert pd.isna(rec["exceeding_pollutants"])
    # the tie row: 2012 PM10 350 and PM2.5 150 and O3 400 all give 200
    step = t.mutate(**{p: iaqi_expr(t[p], p, "1h", "2012") for p in ("pm10", "pm25", "o3")})
    out = con.execute(step.mutate(**aqi_exprs(step, ["pm10", "pm25", "o3"], "2012")))
    assert out.primary_pollutants.tolist()[4] == "PM10,PM2.5,O3"
    assert out.exceeding_pollutants.tolist()[4] == "PM10,PM2.5,O3"
