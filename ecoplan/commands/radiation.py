"""``ecoplan radiation``: radiation sources over their whole life — units, licences, sources with
decay and category, append-only life events, training certificates, the licence and certified-
staff rates, expiring licences and certificates, sources past their working life."""

from __future__ import annotations

# Deliberately deferred: the working modules are imported inside the commands (fast --help).
from pathlib import Path
from typing import Annotated

import typer

from ecoplan.commands.risk import JsonOpt, TodayOpt, WithinOpt, actor, day, import_report, ws
from ecoplan.console import emit_json, ok, print_table
from ecoplan.i18n import tr

NAME = "radiation"
app = typer.Typer(help="放射源全过程管理：许可证、放射源、事件、培训证书 / radiation sources", no_args_is_help=True)


@app.command("template")
def template(output: Annotated[Path, typer.Option("-o", "--output", help="输出 .xlsx / output")]) -> None:
    """写出导入模板 / write the import template."""
    from ecoplan.supervision.radiation import write_template

    ok(f"已写出 {write_template(output)}", f"Wrote {output}")


@app.command("import")
def import_(path: Annotated[Path, typer.Argument(help="Excel 文件 / workbook")], as_json: JsonOpt = False) -> None:
    """导入单位、许可证、放射源、事件、培训证书 / import a workbook."""
    from ecoplan.supervision.radiation import import_workbook

    with ws().session() as s:
        rep = import_workbook(s, path, actor=actor())
    import_report(rep, as_json)


@app.command("sources")
def sources(today: TodayOpt = None, as_json: JsonOpt = False) -> None:
    """放射源：当日活度（衰变计算）、类别、状态 / sources with decayed activity and category."""
    from ecoplan.standards.radiation import CATEGORY_NAMES
    from ecoplan.supervision.radiation import EVENT_NAMES
    from ecoplan.supervision.radiation import sources as run

    with ws().session() as s:
        rows = run(s, day(today))
    if as_json:
        emit_json([r.as_dict() for r in rows])
        return
    print_table(tr(f"放射源（{day(today)}）", f"Sources on {day(today)}"),
                [tr("编码", "serial"), tr("单位", "unit"), tr("核素", "nuclide"), tr("当日活度 Bq", "activity Bq"),
                 tr("类别", "category"), tr("最近事件", "last event"), tr("使用期限至", "life ends"),
                 tr("超期", "past life")],
                [(r.serial, r.unit_name, r.nuclide, f"{r.activity_bq:.3e}",
                  CATEGORY_NAMES.get(r.category or "", tr("豁免", "exempt")),
                  tr(*EVENT_NAMES[r.last_event]) if r.last_event else "—",
                  r.life_end.isoformat() if r.life_end else "—", tr("是", "yes") if r.past_life else "")
                 for r in rows])


@app.command("event")
def event(serial: Annotated[str, typer.Argument(help="放射源编码 / serial")],
          kind: Annotated[str, typer.Argument(help="购买|转让|使用|退役|送贮|返回")],
          on: Annotated[str, typer.Option("--date", help="日期 / date")],
          counterparty: Annotated[str | None, typer.Option("--counterparty", help="对方单位")] = None,
          document: Annotated[str | None, typer.Option("--document", help="审批备案文件")] = None) -> None:
    """登记放射源事件（只追加）/ append a life event."""
    from ecoplan.supervision.radiation import add_event

    with ws().session() as s:
        _e, added = add_event(s, serial, kind, on, actor=actor(), counterparty=counterparty, document=document)
    ok("已登记" if added else "已存在，未重复登记", "Recorded" if added else "Already recorded")


@app.command("rates")
def rates(today: TodayOpt = None, as_json: JsonOpt = False) -> None:
    """辐射安全许可证发放率、持证上岗率 / licence rate and certified-staff rate."""
    from ecoplan.assess.risk_records import radiation_rates

    with ws().session() as s:
        r = radiation_rates(s, day(today))
    out = {"on": r.on.isoformat(), "units": r.units, "licensed": r.licensed,
           "licence_rate": None if r.licence_rate is None else str(r.licence_rate), "unlicensed": r.unlicensed,
           "workers": r.workers, "certified": r.certified,
           "certified_rate": None if r.certified_rate is None else str(r.certified_rate),
           "uncertified": r.uncertified}
    if as_json:
        emit_json(out)
        return
    print_table(tr("辐射安全指标", "Radiation indicators"), [tr("指标", "indicator"), tr("数值", "value"),
                                                          tr("未达要求", "not meeting")],
                [(tr("辐射安全许可证发放率（目标 100%）", "licence rate (target 100 %)"),
                  f"{out['licence_rate'] or '—'}% ({r.licensed}/{r.units})", "、".join(r.unlicensed)),
                 (tr("辐射工作人员持证上岗率", "certified-staff rate"),
                  f"{out['certified_rate'] or '—'}% ({r.certified}/{r.workers})", "、".join(r.uncertified))])


@app.command("expiring")
def expiring(today: TodayOpt = None, within: WithinOpt = 90, as_json: JsonOpt = False) -> None:
    """即将到期的许可证和培训证书；超过使用期限仍在用的放射源 / expiring and past-life."""
    from ecoplan.supervision.radiation import expiring as run
    from ecoplan.supervision.radiation import past_working_life

    with ws().session() as s:
        rows = [x.as_dict() for x in run(s, day(today), within)]
        past = [v.as_dict() for v in past_working_life(s, day(today))]
    if as_json:
        emit_json({"expiring": rows, "past_working_life": past})
        return
    names = {"rad_licence": tr("辐射安全许可证", "licence"), "certificate": tr("培训证书", "certificate")}
    print_table(tr("即将到期", "Expiring"), [tr("类型", "kind"), tr("编号", "number"), tr("对象", "holder"),
                                            tr("到期", "due"), tr("剩余天数", "days left")],
                [(names[r["kind"]], r["ref"], r["name"], r["due"], r["days_left"]) for r in rows])
    if past:
        print_table(tr("超过推荐使用期限仍在用的放射源", "Sources past their working life"),
                    [tr("编码", "serial"), tr("单位", "unit"), tr("核素", "nuclide"), tr("使用期限至", "life ended")],
                    [(p["serial"], p["unit_name"], p["nuclide"], p["life_end"]) for p in past])
