"""Demo steps of the air capability: hourly AQI of the Lüliang stations against CNEMC."""

from __future__ import annotations

from typing import Any

from ecoplan.demo.result import DemoResult, Reporter
from ecoplan.reports.tables import write_tables
from ecoplan.standards.air_hourly import hourly_aqi_table
from ecoplan.store.workspace import Workspace

#: The national stations nearest to Jiaocheng county (Lüliang city, Shanxi).
LVLIANG_STATIONS: tuple[str, ...] = ("2183A", "2185A", "2867A")


def demo_step_hourly_aqi(ws: Workspace, say: Reporter, result: DemoResult,
                         dataset: str = "air_hourly") -> None:
    """Demo step: hourly AQI of the Lüliang stations in the lake, checked against CNEMC.

    Signature of ``ecoplan.demo`` steps ``(workspace, reporter, DemoResult)``; needs the
    ``air_hourly`` dataset (the real Shanxi 2019 year, ingested) in the lake. Writes
    ``reports/lvliang_hourly_aqi_2019.csv`` and puts the reproduction figures in
    ``result.outputs["hourly_aqi"]``.
    """
    t = ws.analytics.table(dataset)
    t = t.filter(t.station_code.isin(list(LVLIANG_STATIONS)))
    keep = [c for c in ("station_name", "aqi", "published_aqi") if c in t.columns]
    src = t.rename(published_aqi="aqi") if "aqi" in keep else t
    keep = ["published_aqi" if c == "aqi" else c for c in keep]
    expr = hourly_aqi_table(src, "auto", keep=keep).order_by(["station_code", "timestamp"])
    df = ws.analytics.execute(expr)
    published = df["published_aqi"].notna() if "published_aqi" in df.columns else None
    figures: dict[str, Any] = {"station_hours": int(len(df)),
                               "stations": sorted(df["station_code"].astype(str).unique())}
    if published is not None:
        same = int((df.loc[published, "aqi"] == df.loc[published, "published_aqi"]).sum())
        figures.update(published=int(published.sum()), reproduced=same)
    out = ws.settings.home / "reports" / "lvliang_hourly_aqi_2019.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    frame = df.copy()
    frame["timestamp"] = frame["timestamp"].dt.strftime("%Y-%m-%d %H:%M")
    write_tables(out, frame)
    figures["csv"] = str(out)
    result.outputs["hourly_aqi"] = figures
    say(
        f"吕梁 3 个国控站 2019 年小时 AQI：复现国家发布值 {figures.get('reproduced')}/"
        f"{figures.get('published')}，已写入 {out}",
        f"Lüliang's 3 national stations, 2019 hourly AQI: {figures.get('reproduced')}/"
        f"{figures.get('published')} published values reproduced; written to {out}",
    )
