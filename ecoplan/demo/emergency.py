"""Demo step: replay the real January 2019 Lüliang heavy-pollution episode as a response.

The observed area daily AQI of 2019-01-01 … 10 (from the lake's real CNEMC hours) is used as a
perfect "forecast"; :mod:`ecoplan.standards.air_warning` finds the episode (01-05/06, AQI 202 and
261 → yellow), a response is issued for it and ends at its planned end, then evaluated, the
notice written, and the heavy-pollution days of 2019 counted. It is a retrospective replay: no
warning document of 2019 is claimed; the reduction list is whatever the workspace holds.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from ecoplan.store.workspace import Workspace
from ecoplan.supervision import emergency as em
from ecoplan.supervision.emergency_evaluation import (
    area_daily,
    evaluate,
    heavy_days_per_year,
    station_hours,
)
from ecoplan.supervision.emergency_notice import write_notice

LVLIANG_STATIONS = ["2183A", "2185A", "2867A"]
DEMO_DOC = "演示回放：吕梁 2019-01 重污染过程"


def run_emergency_demo(ws: Workspace, out_dir: Path | None = None) -> dict[str, Any]:
    """Issue, lift and evaluate the replayed response (idempotent); returns a summary."""
    out_dir = out_dir or Path(ws.settings.reports_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    engine = ws.engine
    existing = [st for st in em.responses(engine) if st.doc_no == DEMO_DOC]
    if existing:
        st = existing[0]
    else:
        frame = station_hours(engine, ws.lake, LVLIANG_STATIONS, datetime(2019, 1, 1),
                            datetime(2019, 1, 11))
        daily = area_daily(frame, ws.settings.engine)
        forecast = out_dir / "emergency_demo_forecast_2019-01.csv"
        with open(forecast, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["date", "aqi"])
            for d in daily.to_dict("records"):
                if date(2019, 1, 1) <= d["date"] <= date(2019, 1, 10):
                    w.writerow([d["date"].isoformat(), "" if d["aqi"] != d["aqi"] else int(d["aqi"])])
        basis = em.forecast_basis(forecast)
        episode = next(e for e in basis["episodes"] if e["warning_level"])
        start = datetime.fromisoformat(episode["start"])
        end = datetime.fromisoformat(episode["end"]) + timedelta(days=1)  # ends at its planned end
        st = em.issue(engine, level=None, start=start, planned_end=end, doc_no=DEMO_DOC,
                      forecast=forecast, actor="demo", note="回放 2019 年实测数据 / replay")
    result = evaluate(engine, ws.lake, st.id, LVLIANG_STATIONS, engine_name=ws.settings.engine)
    in_force = em.measures_in_force(engine, st.start)
    notice = write_notice(in_force, out_dir / "emergency_notice_demo_2019-01.docx")
    heavy = heavy_days_per_year(engine, ws.lake, LVLIANG_STATIONS, engine_name=ws.settings.engine)
    return {"response_id": st.id, "level": st.level, "start": st.start.isoformat(),
            "during": {k: result["during"][k] for k in ("daily_aqi_mean", "heavy_days")},
            "before": {k: result["before"][k] for k in ("daily_aqi_mean", "heavy_days")},
            "heavy_days": [{k: r[k] for k in ("year", "heavy_days", "heavy_day_ratio")}
                           for r in heavy],
            "files": [str(notice)]}
