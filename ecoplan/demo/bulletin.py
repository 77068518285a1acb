"""Demo step: the daily data audit of one day and the December 2025 bulletin (issue 15)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from ecoplan.plan import bundled_plan_path, load_plan
from ecoplan.reports.bulletin import Period, build_bulletin
from ecoplan.store import bulletins, data_audit
from ecoplan.store.workspace import Workspace

AUDIT_SITE, AUDIT_DAY = "JCDEMO1", date(2025, 12, 2)


def run_bulletin_demo(ws: Workspace) -> dict[str, Any]:
    """Audit 2025-12-02 at JCDEMO1 (two PM2.5 hours judged abnormal, A05; the day locked by
    the demo auditor), then write the December 2025 bulletin as a draft."""
    with ws.session() as s:
        if not data_audit.day_state(s, "air_hourly", AUDIT_SITE, AUDIT_DAY).locked:
            for h in (11, 12):
                data_audit.decide(s, dataset="air_hourly", site=AUDIT_SITE, parameter="pm25",
                                  timestamp=datetime(2025, 12, 2) + timedelta(hours=h),
                                  code="A05", actor="demo-auditor",
                                  note="示例：与相邻站点不一致的突变值")
            data_audit.lock(s, dataset="air_hourly", site=AUDIT_SITE, day=AUDIT_DAY,
                            actor="demo-auditor")
    ws.forget_results()
    res = build_bulletin(ws, load_plan(bundled_plan_path("jiaocheng-2021-2025")), Period(2025, 12), issued=date(2026, 1, 6))
    with ws.session() as s:
        bid = bulletins.register(s, kind="both", period="2025-12", file=str(res.path.resolve()),
                                 digest=res.digest, actor="demo",
                                 audited_days=res.data.audited_days,
                                 total_days=res.data.total_days).id
    return {"bulletin": str(res.path), "id": bid, "audited_days": res.data.audited_days,
            "total_days": res.data.total_days, "audited": f"{AUDIT_SITE} {AUDIT_DAY}"}
