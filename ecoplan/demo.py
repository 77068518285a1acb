"""The demo job behind ``make demo``: a workspace built from the embedded default.

Each step is a function taking the open :class:`~ecoplan.store.workspace.Workspace` and a
reporter; as capabilities land they add their step here (plan → ingest → compute → report →
serve). The demo must never break: every step runs in CI through ``tests/test_demo.py``.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecoplan.sample_data import sample_path
from ecoplan.store.workspace import Workspace, init_workspace

Reporter = Callable[[str, str], None]


@dataclass
class DemoResult:
    home: Path
    steps: list[str] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)


def _step_sample_lake(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """Put the real 2019 Shanxi hourly year into the lake (canonical hourly columns)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if ws.lake.files("air_hourly_sample"):
        say("样例数据已在数据湖中", "Sample year already in the lake")
        return
    src = sample_path("realdata", "shanxi_hourly_2019.csv.gz")
    with gzip.open(src, "rb") as fh:
        table = pacsv.read_csv(
            fh,
            convert_options=pacsv.ConvertOptions(
                column_types={"timestamp": pa.timestamp("us"), "station_code": pa.string()}
            ),
        )
    ws.lake.write("air_hourly_sample", table, batch="sample2019")
    say(f"已写入 {table.num_rows:,} 行山西 2019 年小时数据", f"Wrote {table.num_rows:,} hourly rows")


def _step_lake_summary(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """A first look through the analytics engine: rows and stations per city."""
    t = ws.analytics.table("air_hourly_sample")
    expr = t.group_by("city").agg(
        stations=t.station_code.nunique(), rows=t.count()
    ).order_by("city")
    df = ws.analytics.execute(expr)
    out = ws.settings.home / "reports" / "sample_lake_summary.csv"
    df.to_csv(out, index=False, encoding="utf-8-sig")
    result.outputs["lake_summary"] = str(out)
    say(f"数据湖概况已写入 {out}", f"Lake summary written to {out}")


def _step_plan(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """Load the bundled Jiaocheng plan, export it to Excel and write its plan check."""
    from ecoplan.store.plan_store import demo_step_plan

    demo_step_plan(ws, say, result)


def _step_hourly_aqi(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """Hourly AQI of Lüliang's three stations for 2019, as CNEMC publishes it."""
    from ecoplan.commands.air import demo_step_hourly_aqi

    demo_step_hourly_aqi(ws, say, result)


def _step_water(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """Reproduce the national real-time water classes and evaluate a Jiaocheng section."""
    from ecoplan.commands.water import demo_step

    demo_step(ws, say, result)


def _step_hj212_live(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """Three simulated data loggers send real 2019 hours to the HJ 212 gateway for 5 seconds."""
    from ecoplan.ingest.hj212.service import run_live_demo

    out = run_live_demo(ws, seconds=5.0, devices=3, rate=5.0, say=say)
    result.outputs["hj212_live"] = out["simulator"]


def _step_web_accounts(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """Demo accounts for the web platform (admin, analyst, leader, three departments)."""
    from ecoplan.web import seed_demo_accounts

    result.outputs["web_logins"] = seed_demo_accounts(ws, say)


STEPS: list[tuple[str, Callable[[Workspace, Reporter, DemoResult], None]]] = [
    ("plan", _step_plan),
    ("sample_lake", _step_sample_lake),
    ("lake_summary", _step_lake_summary),
    ("hourly_aqi", _step_hourly_aqi),
    ("water", _step_water),
    ("hj212_live", _step_hj212_live),
    ("web_accounts", _step_web_accounts),
]


def run_demo(home: Path, say: Reporter) -> DemoResult:
    init_workspace(home)
    ws = Workspace()
    result = DemoResult(home=ws.settings.home)
    for name, step in STEPS:
        step(ws, say, result)
        result.steps.append(name)
    return result
