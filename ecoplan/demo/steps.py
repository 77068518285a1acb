"""The demo job behind ``make demo``: a workspace built from the embedded default.

Each step is a function taking the open :class:`~ecoplan.store.workspace.Workspace`, a reporter
``say(zh, en)`` and the :class:`DemoResult`; the capabilities provide them and this module only
orders them: plan → ingest (real 2019 Shanxi year) → standards (hourly AQI, water) → generated
example series 2020–2025 → assessment and the final report → the 2026–2030 draft and its target
check → live HJ 212 data, reverse commands and
enterprise online monitoring → supervision (pollution sources, dust spraying, heavy-pollution
response, the enforcement loop complaint → case → credit) → web accounts.
The demo must never break: every step runs in CI through ``tests/test_demo.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import ibis

from ecoplan.assess.air_pipeline import compute_air_statistics
from ecoplan.demo.air import demo_step_hourly_aqi
from ecoplan.demo.air_series import build_demo_series
from ecoplan.demo.alerts import run_alerts_demo
from ecoplan.demo.bulletin import run_bulletin_demo
from ecoplan.demo.cases import run_cases_demo
from ecoplan.demo.devices import demo_online_monitoring, run_command_demo, run_live_demo
from ecoplan.demo.dust import run_dust_demo
from ecoplan.demo.emergency import run_emergency_demo
from ecoplan.demo.inspections import run_inspection_demo
from ecoplan.demo.plan import demo_step_plan
from ecoplan.demo.pollution_sources import load_example
from ecoplan.demo.result import DemoResult, Reporter
from ecoplan.demo.risk import load_examples as load_risk_examples
from ecoplan.demo.succession import demo_step_next_plan
from ecoplan.demo.water import demo_step
from ecoplan.ingest.pipeline import ingest_sample_year
from ecoplan.ingest.registry import list_sites
from ecoplan.reports.build import final_report
from ecoplan.reports.pdf import NO_PDF_EN, NO_PDF_ZH
from ecoplan.store.workspace import Workspace, init_workspace
from ecoplan.supervision.report_sections import supervision_sections
from ecoplan.web.seed import seed_demo_accounts


def _step_plan(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """Load the bundled Jiaocheng plan, export it to Excel and write its plan check."""
    demo_step_plan(ws, say, result)


def _step_ingest_sample_year(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """Load the real 2019 Shanxi hourly year through the ingestion path (idempotent)."""
    s = ingest_sample_year(ws)
    result.outputs["ingest_sample_year"] = {
        k: v for k, v in s.as_dict().items() if k != "per_site"
    }
    say(
        f"山西 2019 年实测小时数据：读取 {s.rows_read:,}，接受 {s.rows_accepted:,}，"
        f"隔离 {s.rows_quarantined}（{s.status}）",
        f"Shanxi 2019 hourly data: read {s.rows_read:,}, accepted {s.rows_accepted:,}, "
        f"quarantined {s.rows_quarantined} ({s.status})",
    )


def _step_lake_summary(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """A first look through the analytics engine: stations and station-hours per city."""
    sites = [
        {"station_code": s["code"], "city": s.get("city") or ""}
        for s in list_sites(ws.engine, "station")
    ]
    t = ws.analytics.table("air_hourly")
    registry = ibis.memtable(sites)
    joined = t.filter(t.timestamp.year() == 2019).join(registry, "station_code")
    expr = (
        joined.group_by("city")
        .agg(stations=joined.station_code.nunique(), rows=joined.count())
        .order_by("city")
    )
    df = ws.analytics.execute(expr)
    out = ws.settings.reports_dir / "sample_lake_summary.csv"
    df.to_csv(out, index=False, encoding="utf-8-sig")
    result.outputs["lake_summary"] = str(out)
    say(f"数据湖概况已写入 {out}", f"Lake summary written to {out}")


def _step_hourly_aqi(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """Hourly AQI of Lüliang's three stations for 2019, checked against CNEMC's release."""
    demo_step_hourly_aqi(ws, say, result)


def _step_air_statistics(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """HJ 663 annual statistics 2019 of the ingested Shanxi year, per city and Lüliang station."""
    summary = compute_air_statistics(ws)
    result.outputs["air_statistics"] = summary
    lv = summary["lvliang"]
    say(
        f"2019 年山西各市 HJ 663 年统计已写入报告目录；吕梁 PM2.5 {lv['pm25_mean']} μg/m³，"
        f"优良天数比例 {lv['good_day_ratio']}%，综合指数排名 {lv['composite_rank']}/{summary['cities']}",
        f"HJ 663 statistics 2019 per Shanxi city written; Lüliang PM2.5 {lv['pm25_mean']} μg/m³, "
        f"good-day ratio {lv['good_day_ratio']}%, composite rank "
        f"{lv['composite_rank']}/{summary['cities']}",
    )


def _step_water(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """Reproduce the national real-time water classes and evaluate a Jiaocheng section."""
    demo_step(ws, say, result)


def _step_demo_series(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """Generated example data 2020–2025 for the county town, sections and points (labelled)."""
    series = build_demo_series(ws)
    result.outputs["demo_series_manifest"] = series.manifest
    say(
        "已生成并入库 2020–2025 年生成的示例数据（非交城县实测）",
        "Generated example data 2020–2025 ingested (not Jiaocheng measurements)",
    )


def _step_final_report(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """The final assessment 2021–2025: Word report, PDF, Excel annex and data snapshot."""
    with ws.session() as s:
        sections = supervision_sections(s, date(2021, 1, 1), date(2025, 12, 31))
    res = final_report(ws, year=2025, sections=sections)
    result.outputs["final_report"] = str(res.docx)
    say(f"终期考核报告：{res.docx}（生成的示例数据）",
        f"Final assessment report: {res.docx} (generated example data)")
    if res.pdf_skipped:  # PDF is optional: say once, in both languages, how to get it
        result.outputs["final_report_pdf"] = None
        say(f"{NO_PDF_ZH}\n{NO_PDF_EN}", f"{NO_PDF_EN}\n{NO_PDF_ZH}")


def _step_bulletin(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """Audit one day of a county-town station and write the December 2025 bulletin (draft)."""
    out = run_bulletin_demo(ws)
    result.outputs["bulletin"] = out
    say(f"数据审核：{out['audited']} 已审核锁定；2025年12月环境质量月报草稿 {out['id']}：{out['bulletin']}"
        f"（已审核站日 {out['audited_days']}/{out['total_days']}）",
        f"Data audit: {out['audited']} locked; December 2025 bulletin draft {out['id']}: "
        f"{out['bulletin']} (audited site-days {out['audited_days']}/{out['total_days']})")


def _step_hj212_live(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """Three simulated data loggers send real 2019 hours to the HJ 212 gateway for 5 seconds."""
    out = run_live_demo(ws, seconds=5.0, devices=3, rate=5.0, say=say)
    result.outputs["hj212_live"] = out["simulator"]


def _step_hj212_commands(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """Reverse commands as an operator queues them: clock (1012), interval (1062), 3 hours (2061)."""
    out = run_command_demo(ws, say=say)
    result.outputs["hj212_commands"] = out


def _step_online_monitoring(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """Real CEMS packets of the public captures replayed into the online_monitoring dataset."""
    out = demo_online_monitoring(ws, say=say)
    result.outputs["online_monitoring_rows"] = sum(b.get("rows_written", 0)
                                                   for b in out["batches"])


def _step_pollution_sources(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """An example pollution-source registry (labelled 示例数据): the plan's enterprise names and
    the outlets of the public CEMS packets; no permit limits or grades are invented."""
    out = load_example(ws, say=say)
    result.outputs["pollution_sources"] = {"added": out.get("added"), "workbook": out["workbook"]}


def _step_risk_registries(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """Example risk-source, hazardous-waste and radiation registries (labelled 示例数据)."""
    result.outputs["risk_registries"] = load_risk_examples(ws, say=say)


def _step_dust_spraying(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """A dust monitor's PM10 rises and falls; the controller starts and stops a fog cannon."""
    out = run_dust_demo(ws, say=say)
    result.outputs["dust_spraying"] = {"actions": [a["action"] for a in out["actions"]],
                                       "sprayer_commands": out["sprayer_commands"]}


def _step_emergency(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """The real January 2019 Lüliang heavy-pollution episode replayed as an emergency response."""
    out = run_emergency_demo(ws)
    result.outputs["emergency"] = out
    during, before = out["during"]["daily_aqi_mean"], out["before"]["daily_aqi_mean"]
    say(f"重污染天气应急（回放 2019-01 吕梁实测）：{out['level']} 预警，响应期间日 AQI 均值 {during}，"
        f"响应前 {before}；通知 {out['files'][0]}",
        f"Heavy-pollution response (replay of Lüliang 2019-01): {out['level']} warning, mean "
        f"daily AQI {during} during vs {before} before; notice {out['files'][0]}")


def _step_inspection_draw(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """A 双随机 draw over the example registry with example inspectors, verified from its seed."""
    result.outputs["inspection_draw"] = run_inspection_demo(ws, say)


def _step_enforcement_loop(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """An example complaint → case → penalty decision, and the enterprises' credit grades."""
    result.outputs["enforcement_loop"] = run_cases_demo(ws, say)


def _step_web_accounts(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """Demo accounts for the web platform (admin, analyst, leader, three departments)."""
    result.outputs["web_logins"] = seed_demo_accounts(ws, say)


def _step_map_alerts(ws: Workspace, say: Reporter, result: DemoResult) -> None:
    """The map's sites, and the alerts of the demo data sent to a loopback robot receiver."""
    result.outputs["map_alerts"] = run_alerts_demo(ws, say, result)


STEPS: list[tuple[str, Callable[[Workspace, Reporter, DemoResult], None]]] = [
    ("plan", _step_plan),
    ("ingest_sample_year", _step_ingest_sample_year),
    ("lake_summary", _step_lake_summary),
    ("hourly_aqi", _step_hourly_aqi),
    ("air_statistics", _step_air_statistics),
    ("water", _step_water),
    ("demo_series", _step_demo_series),
    ("final_report", _step_final_report),
    ("bulletin", _step_bulletin),
    ("next_plan", demo_step_next_plan),
    ("hj212_live", _step_hj212_live),
    ("hj212_commands", _step_hj212_commands),
    ("online_monitoring", _step_online_monitoring),
    ("pollution_sources", _step_pollution_sources),
    ("risk_registries", _step_risk_registries),
    ("dust_spraying", _step_dust_spraying),
    ("emergency", _step_emergency),
    ("inspection_draw", _step_inspection_draw),
    ("enforcement_loop", _step_enforcement_loop),
    ("web_accounts", _step_web_accounts),
    ("map_alerts", _step_map_alerts),
]


def run_demo(home: Path, say: Reporter) -> DemoResult:
    init_workspace(home)
    ws = Workspace()
    result = DemoResult(home=ws.settings.home)
    for name, step in STEPS:
        step(ws, say, result)
        result.steps.append(name)
    return result
