"""Demo step of the water capability: national real-time classes and a Jiaocheng section."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ecoplan.assess.water_realtime import realtime_classes
from ecoplan.demo.result import DemoResult, Reporter
from ecoplan.ingest.readers.water import cnemc_to_long, read_cnemc_station_csv
from ecoplan.reports.tables import write_tables
from ecoplan.sample_data import sample_path
from ecoplan.standards.water_profiles import get_profile
from ecoplan.standards.water_sections import classify_section_period
from ecoplan.store.workspace import Workspace


def demo_step(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """Demo step (call from ecoplan/demo/steps.py STEPS as ``("water", demo_step)``).

    Reproduces the national real-time classes of the bundled CNEMC snapshots and assesses the
    Wenyu River 北峪口 section (Jiaocheng) for April 2021 from its real station CSV against the
    plan's profile; writes both tables to ``<home>/reports/`` and records the figures in
    ``result.outputs["water"]``.
    """
    reports = Path(ws.settings.home) / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    hit = total = 0
    frames = []
    for snap in sorted(sample_path("water", "cnemc_realtime").glob("*.json")):
        frame, _problems = realtime_classes(snap)  # the bundled snapshots are clean
        frame["snapshot"] = snap.name
        frames.append(frame)
        published = frame["match"].notna()
        total += int(published.sum())
        hit += int(frame.loc[published, "match"].astype(bool).sum())

    rt_out = reports / "water_realtime_reproduction.csv"
    write_tables(rt_out, pd.concat(frames))
    say(f"国家地表水自动站实时类别复现 {hit}/{total}，已写入 {rt_out}",
        f"Real-time classes reproduced {hit}/{total}, written to {rt_out}")
    src = sample_path("water", "cnemc_station_csv", "山西省", "黄河流域", "北峪口", "2021-04",
                      "北峪口.csv")
    wide, _ = read_cnemc_station_csv(src)
    long = cnemc_to_long(wide)
    profile = get_profile("jiaocheng-2021-2025")
    month = classify_section_period(long, "month", profile=profile)
    sec_out = reports / "water_wenyu_beiyukou_2021-04.csv"
    write_tables(sec_out, month)
    row = month.iloc[0]
    say(f"文峪河北峪口 2021-04：{row['label']}类（{row['status_zh']}），目标 {row['target']}类，"
        f"{'达标' if row['attained'] else '未达标'}；已写入 {sec_out}",
        f"Wenyu River Beiyukou 2021-04: class {row['label']} ({row['status']}), target "
        f"{row['target']}, {'attained' if row['attained'] else 'not attained'}; written to {sec_out}")
    result.outputs["water"] = {
        "realtime_reproduced": hit, "realtime_published": total,
        "realtime_csv": str(rt_out), "beiyukou_2021_04_class": str(row["label"]),
        "beiyukou_attained": bool(row["attained"]), "section_csv": str(sec_out),
        "profile": profile.key,
    }
