"""``ecoplan cases``: enforcement cases (立案 → … → 结案) with legal periods on the working-day
calendar, joint-enforcement tasks, overdue lists, decision documents, and the calendar itself."""

from __future__ import annotations

# Deliberately deferred: the working modules (SQLAlchemy, python-docx …) are imported inside the
# commands, because `ecoplan --help` loads every command module (ecoplan/commands/__init__.py).
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from ecoplan.console import emit_json, ok, print_table
from ecoplan.i18n import get_lang, tr

NAME = "cases"
app = typer.Typer(help="执法案件：立案、调查、告知听证、处罚决定、执行、整改复查、结案 / enforcement "
                       "cases", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")]
ActorOpt = Annotated[str, typer.Option("--actor", envvar="ECOPLAN_USER",
                                       help="操作人 / who does it")]
OnOpt = Annotated[str | None, typer.Option("--on", help="日期 YYYY-MM-DD，默认今天 / date")]
AUTHORITY = "吕梁市生态环境局交城分局"
PREFIX = "吕环交"


def _ws() -> Any:
    from ecoplan.store.workspace import Workspace

    return Workspace()


def _day(raw: str | None, field: str = "on") -> date:
    from ecoplan.supervision.sources import parse_date

    return parse_date(raw, field) if raw else date.today()


@app.command("open")
def open_(
    source_kind: Annotated[str, typer.Option("--source-kind", help="finding|exceedance|complaint|"
                                             "dust|emergency|manual")],
    title: Annotated[str, typer.Option("--title", help="案件名称 / title")],
    party: Annotated[str, typer.Option("--party", help="当事人 / party")],
    department: Annotated[str, typer.Option("--department", help="承办部门代码 / department")],
    source_id: Annotated[str | None, typer.Option("--source-id", help="来源编号 / source id")] = None,
    enterprise: Annotated[str | None, typer.Option("--enterprise", help="信用代码 / credit code")] = None,
    facts: Annotated[str | None, typer.Option("--facts", help="违法事实 / facts")] = None,
    on: OnOpt = None, actor: ActorOpt = "cli", as_json: JsonOpt = False,
) -> None:
    """立案 / open a case from a source (kind, id)."""
    from ecoplan.supervision import cases as C

    with _ws().session() as s:
        case = C.open_case(s, source_kind=source_kind, source_id=source_id, title=title,
                           party_name=party, department=department, actor=actor,
                           opened_on=_day(on), enterprise=enterprise, facts=facts)
        number = case.number
    if as_json:
        emit_json({"number": number})
        return
    ok(f"已立案：{number}", f"case opened: {number}")


@app.command("list")
def list_(department: Annotated[str | None, typer.Option("--department")] = None,
          on: OnOpt = None, as_json: JsonOpt = False) -> None:
    """案件列表（阶段、逾期）/ cases with stage and overdue periods."""
    from ecoplan.supervision import cases as C

    today = _day(on)
    with _ws().session() as s:
        rows = [v.as_dict(today) for v in C.list_cases(s, department=department)]
    if as_json:
        emit_json(rows)
        return
    lang = get_lang()
    print_table(tr("执法案件", "Cases"),
                [tr("编号", "number"), tr("案件", "title"), tr("当事人", "party"),
                 tr("部门", "department"), tr("阶段", "stage"), tr("逾期", "overdue")],
                [(r["number"], r["title"], r["party_name"], r["department"],
                  C.stage_name(r["stage"], lang),
                  "、".join(tr(f"{d['due']} 期满", f"due {d['due']}") for d in r["deadlines"]
                           if d["overdue"]) or "—") for r in rows])


@app.command("show")
def show(case: Annotated[str, typer.Argument(help="案件编号 / case number")],
         on: OnOpt = None, as_json: JsonOpt = False) -> None:
    """案件详情：各阶段、法定期限（含依据）、协办任务 / one case in full."""
    from ecoplan.supervision import cases as C

    today = _day(on)
    with _ws().session() as s:
        v = C.case_view(s, C.get_case(s, case))
        d = v.as_dict(today)
        kinds = {"stage": ("阶段", "stage"), "task": ("协办任务", "joint task"),
                 "task_done": ("协办完成", "task done"), "document": ("文书", "document"),
                 "order": ("责令改正", "correction order")}
        docs = {"penalty": ("行政处罚决定书", "penalty decision"),
                "correction": ("责令改正违法行为决定书", "order to correct")}
        steps = [(e.id, tr(*kinds.get(e.kind, (e.kind, e.kind))),
                  C.stage_name(e.stage, get_lang()) if e.stage else "",
                  e.on_date.isoformat(), e.department or "",
                  tr(*docs.get(e.note or "", (e.note, e.note))) if e.kind == "document"
                  else e.note or "", e.actor)
                 for e in v.events]
    if as_json:
        emit_json(d)
        return
    print_table(f"{d['number']} {d['title']}",
                ["#", tr("类型", "kind"), tr("阶段", "stage"), tr("日期", "date"),
                 tr("部门", "department"), tr("说明", "note"), tr("操作人", "actor")], steps)
    print_table(tr("法定期限", "Legal periods"),
                [tr("期限", "period"), tr("期满日", "due"), tr("完成", "met"),
                 tr("逾期", "overdue"), tr("依据", "source")],
                [(tr(x["zh"], x["en"]), x["due"] + (tr("（暂按周末计算）",
                                                       " (provisional: weekends only)")
                                       if x["provisional"] else ""), x["met_on"] or "—", tr("是", "yes") if x["overdue"] else "",
                  x["source"]) for x in d["deadlines"]])


@app.command("advance")
def advance(case: Annotated[str, typer.Argument(help="案件编号 / case number")],
            stage: Annotated[str, typer.Argument(help="investigation|notice|decision|enforcement|"
                                                 "rectification|closed")],
            on: OnOpt = None, note: Annotated[str | None, typer.Option("--note")] = None,
            basis: Annotated[str | None, typer.Option(
                "--basis", help="处罚依据代码（见 cases basis）/ legal basis code")] = None,
            fine: Annotated[str | None, typer.Option("--fine", help="罚款（元）/ fine")] = None,
            order: Annotated[str | None, typer.Option("--order", help="责令改正内容")] = None,
            waived: Annotated[bool, typer.Option(
                "--waived", help="当事人书面放弃陈述申辩和听证 / party waived")] = False,
            actor: ActorOpt = "cli") -> None:
    """进入下一阶段（处罚决定须选依据和罚款）/ move a case to its next stage."""
    from ecoplan.supervision import cases as C

    with _ws().session() as s:
        c = C.get_case(s, case)
        C.advance(s, c, stage, actor=actor, on_date=_day(on), note=note, basis=basis, fine=fine,
                  order=order, waived=waived)
    ok(f"案件 {case} 已进入“{C.stage_name(stage)}”", f"case {case}: {C.stage_name(stage, 'en')}")


@app.command("order")
def order(case: Annotated[str, typer.Argument(help="案件编号 / case number")],
          basis: Annotated[str, typer.Option("--basis", help="依据代码（见 cases basis）")],
          what: Annotated[str, typer.Option("--order", help="责令改正的内容和期限")],
          on: OnOpt = None, actor: ActorOpt = "cli") -> None:
    """责令改正（结案前任何阶段）/ order the party to correct (before closing)."""
    from ecoplan.supervision import cases as C

    with _ws().session() as s:
        C.order_correction(s, C.get_case(s, case), basis=basis, order=what, actor=actor,
                           on_date=_day(on))
    ok(f"案件 {case} 已责令改正", f"case {case}: correction ordered")


@app.command("task")
def task(case: Annotated[str, typer.Argument()],
         department: Annotated[str, typer.Option("--department", help="协办部门 / department")],
         what: Annotated[str, typer.Option("--task", help="任务 / task")],
         due: Annotated[str, typer.Option("--due", help="期限 YYYY-MM-DD")],
         on: OnOpt = None, actor: ActorOpt = "cli") -> None:
    """联合执法：给其他部门分派任务 / joint enforcement: a task for another department."""
    from ecoplan.supervision import cases as C

    with _ws().session() as s:
        ev = C.add_task(s, C.get_case(s, case), department=department, task=what,
                        due=_day(due, "due"), actor=actor, on_date=_day(on))
        tid = ev.id
    ok(f"已分派协办任务 {tid}", f"joint task {tid} assigned")


@app.command("task-done")
def task_done(case: Annotated[str, typer.Argument()], task_id: Annotated[int, typer.Argument()],
              result: Annotated[str, typer.Option("--result", help="办理结果 / result")],
              on: OnOpt = None, actor: ActorOpt = "cli") -> None:
    """协办任务完成 / a joint task done."""
    from ecoplan.supervision import cases as C

    with _ws().session() as s:
        C.complete_task(s, C.get_case(s, case), task_id, result=result, actor=actor,
                        on_date=_day(on))
    ok("协办任务已完成", "joint task done")


@app.command("overdue")
def overdue(on: OnOpt = None, as_json: JsonOpt = False) -> None:
    """各部门逾期清单 / overdue periods per department."""
    from ecoplan.supervision import cases as C

    today = _day(on)
    with _ws().session() as s:
        out = C.overdue_by_department(C.list_cases(s), today)
    if as_json:
        emit_json(out)
        return
    print_table(tr(f"逾期清单（{today}）", f"Overdue ({today})"),
                [tr("部门", "department"), tr("案件", "case"), tr("期限", "period"),
                 tr("期满日", "due"), tr("逾期天数", "days over"), tr("依据", "source")],
                [(d, r["case"], r["text"], r["due"], r["days_over"], r["source"])
                 for d, rows in out.items() for r in rows])


@app.command("basis")
def basis(as_json: JsonOpt = False) -> None:
    """处罚依据表（可配置）/ the configurable table of articles and penalty ranges."""
    from ecoplan.supervision import cases as C

    rows = list(C.legal_basis_table().values())
    if as_json:
        emit_json(rows)
        return
    print_table(tr("处罚依据（可配置，使用前核对现行条文）", "Legal basis (configurable)"),
                [tr("代码", "code"), tr("法律", "law"), tr("条款", "article"),
                 tr("违法行为", "violation"), tr("罚款幅度（元）", "fine range (yuan)")],
                [(r["code"], r["law"], r["article"], r["violation"],
                  f"{r['fine_min']:,}–{r['fine_max']:,}") for r in rows])


@app.command("document")
def document(case: Annotated[str, typer.Argument()],
             out: Annotated[Path, typer.Option("-o", "--out", help="输出 .docx / output")],
             kind: Annotated[str, typer.Option("--kind", help="penalty|correction")] = "penalty",
             pdf: Annotated[bool, typer.Option("--pdf", help="同时输出 PDF（LibreOffice）")] = False,
             authority: Annotated[str, typer.Option("--authority")] = AUTHORITY,
             prefix: Annotated[str, typer.Option("--prefix", help="文号前缀")] = PREFIX,
             on: OnOpt = None, actor: ActorOpt = "cli") -> None:
    """行政处罚决定书 / 责令改正违法行为决定书 (Word, optionally PDF)."""
    from ecoplan.supervision import cases as C
    from ecoplan.supervision.case_documents import write_decision

    with _ws().session() as s:
        c = C.get_case(s, case)
        path, sha = write_decision(C.case_view(s, c), kind, out, authority=authority,
                                   prefix=prefix, issued_on=_day(on))
        C.record_document(s, c, kind=kind, path=str(path), sha256=sha, actor=actor,
                          on_date=_day(on))
    ok(f"已生成 {path}（SHA-256 {sha[:12]}…）", f"written {path} (SHA-256 {sha[:12]}…)")
    if pdf:
        from ecoplan.reports.pdf import docx_to_pdf

        target = docx_to_pdf(path, path.with_suffix(".pdf"))
        ok(f"已生成 {target}", f"written {target}")


@app.command("deadline")
def deadline(start: Annotated[str, typer.Argument(help="起算日 YYYY-MM-DD")],
             n: Annotated[int, typer.Argument(help="天数 / days")],
             unit: Annotated[str, typer.Option(
                 "--unit", help="workdays（工作日）| days（自然日，末日逢休息日顺延）")] = "workdays",
             weekends_only: Annotated[bool, typer.Option(
                 "--weekends-only", help="无节假日数据的年份仅按周末计算 / unknown years: "
                 "weekends only")] = False,
             as_json: JsonOpt = False) -> None:
    """按工作日历计算期满日 / the last day of a period on the working-day calendar."""
    from ecoplan.standards.workdays import Calendar

    units = {"workdays": "working_days", "工作日": "working_days", "days": "natural_days",
             "自然日": "natural_days"}
    cal = Calendar(weekends_only_years=weekends_only)
    due = cal.deadline(_day(start, "start"), n, units.get(unit, unit))
    res = {"start": start, "n": n, "unit": unit, "due": due.isoformat(),
           "assumed_years": sorted(cal.assumed_years)}
    if as_json:
        emit_json(res)
        return
    typer.echo(due.isoformat())
    if cal.assumed_years:
        ok(f"注意：{'、'.join(map(str, sorted(cal.assumed_years)))} 年无节假日数据，仅按周末计算",
           f"note: no holiday data for {sorted(cal.assumed_years)}; weekends only")


@app.command("indicators")
def indicators(date_from: Annotated[str, typer.Option("--from")],
               date_to: Annotated[str, typer.Option("--to")], as_json: JsonOpt = False) -> None:
    """期间指标：立案、结案、逾期、罚款金额 / cases opened, closed, overdue, fines."""
    from ecoplan.supervision import cases as C

    with _ws().session() as s:
        res = C.indicators(C.list_cases(s), _day(date_from, "from"), _day(date_to, "to"))
    if as_json:
        emit_json(res)
        return
    print_table(tr("案件指标", "Case indicators"), [tr("指标", "indicator"), tr("值", "value")],
                [(tr("立案", "opened"), res["opened"]), (tr("结案", "closed"), res["closed"]),
                 (tr("作出处罚决定", "decided"), res["decided"]),
                 (tr("有逾期期限的案件", "cases overdue"), res["overdue"]),
                 (tr("罚款金额（元）", "fines (yuan)"), res["fines_yuan"])])
