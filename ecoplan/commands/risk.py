"""``ecoplan risk``: environmental risk sources and emergency preparedness — risk enterprises
graded with HJ 941-2018, emergency-plan filings and drills, supplies, experts, key
construction-land plots (plan indicator 14), expiring plans and supplies."""

from __future__ import annotations

# Deliberately deferred: the working modules (SQLAlchemy …) are imported inside the commands,
# because `ecoplan --help` loads every command module and must stay fast.
import os
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from ecoplan.console import emit_json, ok, print_table
from ecoplan.i18n import tr

NAME = "risk"
app = typer.Typer(help="环境风险源与应急：风险企业分级、预案备案、演练、物资、专家、建设用地地块 / risk sources",
                  no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")]
TodayOpt = Annotated[str | None, typer.Option("--today", help="基准日期（默认今天）/ reference date")]
WithinOpt = Annotated[int, typer.Option("--within", help="天数 / days ahead")]


def actor() -> str:
    return os.environ.get("ECOPLAN_USER") or "cli"


def ws() -> Any:
    from ecoplan.store.workspace import Workspace

    return Workspace()


def day(v: str | None) -> date:
    return date.fromisoformat(v) if v else date.today()


def import_report(rep: Any, as_json: bool) -> None:
    """Print an import report; exit 1 when rows were rejected (the good rows are kept)."""
    if as_json:
        emit_json(rep.as_dict())
    else:
        ok(f"导入完成：新增/更新 {sum(rep.added.values())}，未变 {sum(rep.unchanged.values())}，"
           f"退回 {len(rep.rejected)}",
           f"Imported: {sum(rep.added.values())} added/updated, {sum(rep.unchanged.values())} unchanged, "
           f"{len(rep.rejected)} rejected")
        if rep.rejected:
            print_table(tr("退回的行（已保留原值）", "Rejected rows (values kept)"),
                        [tr("文件", "file"), tr("工作表", "sheet"), tr("行", "row"), tr("字段", "field"),
                         tr("问题", "problem")],
                        [(e["file"], e["sheet"], e["row"], e["field"] or "", tr(e["zh"], e["en"]))
                         for e in rep.rejected])
    if rep.rejected:
        raise typer.Exit(1)


@app.command("template")
def template(output: Annotated[Path, typer.Option("-o", "--output", help="输出 .xlsx / output")]) -> None:
    """写出导入模板 / write the import template."""
    from ecoplan.supervision.risk import write_template

    ok(f"已写出 {write_template(output)}", f"Wrote {output}")


@app.command("import")
def import_(path: Annotated[Path, typer.Argument(help="Excel 文件 / workbook")], as_json: JsonOpt = False) -> None:
    """从 Excel 导入（风险企业、风险分级、预案备案、演练、物资、专家、地块）/ import a workbook."""
    from ecoplan.supervision.risk import import_workbook

    with ws().session() as s:
        rep = import_workbook(s, path, actor=actor())
    import_report(rep, as_json)


@app.command("list")
def list_(as_json: JsonOpt = False) -> None:
    """风险企业及其 HJ 941 等级、现行预案 / risk enterprises, level and plan."""
    from sqlalchemy import select

    from ecoplan.store.risk_models import RiskEnterprise
    from ecoplan.supervision import risk as R

    rows = []
    with ws().session() as s:
        for e in s.scalars(select(RiskEnterprise).order_by(RiskEnterprise.name)):
            lv, gs = R.level_of(s, e.credit_code)
            p = R.current_plan(s, e.credit_code)
            rows.append({"credit_code": e.credit_code, "name": e.name, "level": lv.level if lv else None,
                         "basis": lv.code if lv else None,
                         "inputs": [{"route": g.route, "q": str(g.q_value), "m": str(g.m_score), "e": g.e_type,
                                     "assessed_on": g.assessed_on.isoformat()} for g in gs],
                         "plan": p.version if p else None, "filing_number": p.filing_number if p else None,
                         "review_due": p.review_due.isoformat() if p else None,
                         "longitude": e.longitude, "latitude": e.latitude})
    if as_json:
        emit_json(rows)
        return
    print_table(tr("风险企业", "Risk enterprises"),
                [tr("信用代码", "credit code"), tr("名称", "name"), tr("风险等级", "level"),
                 tr("分级依据（HJ 941-2018）", "basis (HJ 941-2018)"), tr("预案", "plan"),
                 tr("回顾评估到期", "review due")],
                [(r["credit_code"], r["name"], r["level"] or "—", r["basis"] or tr("未分级", "not graded"),
                  r["plan"] or tr("未备案", "not filed"), r["review_due"] or "—") for r in rows])


@app.command("grade")
def grade(enterprise: Annotated[str, typer.Argument(help="企业 / enterprise")],
          route: Annotated[str, typer.Option("--route", help="大气|水 / air|water")],
          q: Annotated[str, typer.Option("--q", help="Q 值")], m: Annotated[str, typer.Option("--m", help="M 值")],
          e: Annotated[str, typer.Option("--e", help="E1|E2|E3")],
          on: Annotated[str, typer.Option("--date", help="评估日期 / assessment date")],
          document: Annotated[str | None, typer.Option("--document", help="评估报告 / report")] = None) -> None:
    """录入 HJ 941-2018 分级输入（只追加），显示计算的等级 / append grading inputs."""
    from ecoplan.supervision import risk as R

    with ws().session() as s:
        g, _added = R.add_grading(s, enterprise, route, q, m, e, on, actor=actor(), document=document)
        s.flush()
        lv, _ = R.level_of(s, g.enterprise)
        code = lv.code if lv else ""
    ok(f"已录入；企业风险等级 {code}", f"Recorded; enterprise level {code}")


@app.command("file-plan")
def file_plan(enterprise: Annotated[str, typer.Argument(help="企业 / enterprise")],
              version: Annotated[str, typer.Option("--version", help="版本 / version")],
              number: Annotated[str, typer.Option("--number", help="备案编号 / filing number")],
              filed: Annotated[str, typer.Option("--filed", help="备案日期 / filing date")],
              review_due: Annotated[str | None, typer.Option("--review-due", help="默认三年后")] = None) -> None:
    """登记应急预案备案（只追加）/ record an emergency-plan filing."""
    from ecoplan.supervision import risk as R

    with ws().session() as s:
        p, _added = R.file_plan(s, enterprise, version, number, filed, actor=actor(), review_due=review_due)
        due = p.review_due
    ok(f"已备案，回顾性评估到期 {due}", f"Filed; review due {due}")


@app.command("drill")
def drill(enterprise: Annotated[str, typer.Argument(help="企业 / enterprise")],
          held: Annotated[str, typer.Option("--date", help="演练日期 / date")],
          scenario: Annotated[str, typer.Option("--scenario", help="情景 / scenario")],
          participants: Annotated[int | None, typer.Option("--participants")] = None,
          record: Annotated[str | None, typer.Option("--record", help="记录 / record")] = None) -> None:
    """登记演练（只追加）/ record a drill."""
    from ecoplan.supervision import risk as R

    with ws().session() as s:
        R.add_drill(s, enterprise, held, scenario, actor=actor(), participants=participants, record=record)
    ok("已登记演练", "Drill recorded")


@app.command("supplies")
def supplies(as_json: JsonOpt = False) -> None:
    """应急物资 / emergency supplies."""
    from sqlalchemy import select

    from ecoplan.store.risk_models import EmergencySupply

    with ws().session() as s:
        rows = [{"name": x.name, "quantity": str(x.quantity.normalize()), "unit": x.unit, "place": x.place,
                 "owner": x.owner, "expires_on": x.expires_on.isoformat() if x.expires_on else None,
                 "longitude": x.longitude, "latitude": x.latitude}
                for x in s.scalars(select(EmergencySupply).order_by(EmergencySupply.name))]
    if as_json:
        emit_json(rows)
        return
    print_table(tr("应急物资", "Emergency supplies"),
                [tr("物资", "item"), tr("数量", "quantity"), tr("存放地点", "place"), tr("管理单位", "owner"),
                 tr("有效期至", "expires")],
                [(r["name"], f"{r['quantity']} {r['unit']}", r["place"], r["owner"], r["expires_on"] or "—")
                 for r in rows])


@app.command("experts")
def experts(as_json: JsonOpt = False) -> None:
    """应急专家库 / expert team."""
    from sqlalchemy import select

    from ecoplan.store.risk_models import EmergencyExpert

    with ws().session() as s:
        rows = [{"name": x.name, "speciality": x.speciality, "organisation": x.organisation,
                 "phone": x.phone, "available": x.available}
                for x in s.scalars(select(EmergencyExpert).order_by(EmergencyExpert.speciality))]
    if as_json:
        emit_json(rows)
        return
    print_table(tr("应急专家", "Experts"),
                [tr("姓名", "name"), tr("专业", "speciality"), tr("单位", "organisation"), tr("电话", "phone"),
                 tr("可调用", "available")],
                [(r["name"], r["speciality"], r["organisation"] or "", r["phone"] or "",
                  tr("是", "yes") if r["available"] else tr("否", "no")) for r in rows])


@app.command("plots")
def plots(year: Annotated[int | None, typer.Option("--year", help="指标 14 的年份 / year of indicator 14")] = None,
          as_json: JsonOpt = False) -> None:
    """建设用地地块及重点建设用地安全利用判定 / construction-land plots and indicator 14."""
    from sqlalchemy import select

    from ecoplan.assess.risk_records import key_land_safe_use
    from ecoplan.standards.land_use import judge_plot
    from ecoplan.store.risk_models import LandPlot

    with ws().session() as s:
        rows = []
        for p in s.scalars(select(LandPlot).order_by(LandPlot.code)):
            j = judge_plot(p.planned_use, p.survey_state, p.survey_on, p.control_state, p.control_done_on,
                           p.delisted_on, p.reused_on)
            rows.append({"code": p.code, "name": p.name, "planned_use": p.planned_use, "key": j.key,
                         "reused_on": p.reused_on.isoformat() if p.reused_on else None, "safe": j.safe,
                         "reason": tr(j.reason_zh, j.reason_en)})
        ind = key_land_safe_use(s, year) if year else None
    if as_json:
        emit_json({"plots": rows, "indicator_14": None if ind is None else
                   {"year": ind.year, "safe": ind.safe, "total": ind.total, "ensured": ind.ensured}})
        return
    print_table(tr("建设用地地块", "Construction-land plots"),
                [tr("编码", "code"), tr("名称", "name"), tr("规划用途", "planned use"), tr("重点", "key"),
                 tr("再开发利用", "reused"), tr("判定", "judgement")],
                [(r["code"], r["name"], r["planned_use"], tr("是", "yes") if r["key"] else tr("否", "no"),
                  r["reused_on"] or "—", r["reason"]) for r in rows])
    if year:
        if ind is None:
            ok(f"{year} 年无再开发利用的重点建设用地：指标 14 采用部门填报",
               f"No key plot reused in {year}: indicator 14 uses the department entry")
        else:
            ok(f"{year} 年指标 14：{ind.total} 块中 {ind.safe} 块安全利用 → {'有效保障' if ind.ensured else '未达标'}",
               f"{year} indicator 14: {ind.safe} of {ind.total} key plots reused safely")


@app.command("expiring")
def expiring(today: TodayOpt = None, within: WithinOpt = 90, as_json: JsonOpt = False) -> None:
    """即将到期的预案回顾评估和应急物资 / plans due for review and supplies expiring."""
    from ecoplan.supervision import risk as R

    with ws().session() as s:
        rows = [x.as_dict() for x in R.expiring(s, day(today), within)]
    if as_json:
        emit_json(rows)
        return
    names = {"plan_review": tr("预案回顾评估", "plan review"), "supply": tr("应急物资", "supply")}
    print_table(tr("即将到期", "Expiring"), [tr("类型", "kind"), tr("对象", "item"), tr("到期", "due"),
                                            tr("剩余天数", "days left")],
                [(names[r["kind"]], r["name"], r["due"], r["days_left"]) for r in rows])
