"""``ecoplan complaints``: complaints from every channel (信、访、网、电、微, 12345 exports):
intake, duplicates, dispatch with a due day, handling, reply, satisfaction, a case from a
complaint, public statistics and indicators."""

from __future__ import annotations

# Deliberately deferred: the working modules (SQLAlchemy, openpyxl …) are imported inside the
# commands, because `ecoplan --help` loads every command module (ecoplan/commands/__init__.py).
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from ecoplan.console import emit_json, ok, print_table
from ecoplan.i18n import get_lang, tr

NAME = "complaints"
app = typer.Typer(help="信访投诉：受理、查重、交办、办理、答复、满意度、统计 / complaints",
                  no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")]
ActorOpt = Annotated[str, typer.Option("--actor", envvar="ECOPLAN_USER",
                                       help="操作人 / who does it")]
OnOpt = Annotated[str | None, typer.Option("--on", help="日期 YYYY-MM-DD，默认今天 / date")]
Key = Annotated[str, typer.Argument(help="投诉编号 / complaint number")]


def _ws() -> Any:
    from ecoplan.store.workspace import Workspace

    return Workspace()


def _day(raw: str | None, field: str = "on") -> date:
    from ecoplan.supervision.sources import parse_date

    return parse_date(raw, field) if raw else date.today()


@app.command("add")
def add(content: Annotated[str, typer.Option("--content", help="投诉内容 / what is reported")],
        channel: Annotated[str, typer.Option("--channel", help="letter|visit|phone|wechat|web|"
                                             "12345")] = "phone",
        category: Annotated[str, typer.Option("--category", help="air|water|noise|dust|waste|"
                                              "other（或中文：大气污染、噪声…）")] = "other",
        town: Annotated[str | None, typer.Option("--town")] = None,
        place: Annotated[str | None, typer.Option("--place")] = None,
        enterprise: Annotated[str | None, typer.Option("--enterprise")] = None,
        complainant: Annotated[str | None, typer.Option("--complainant")] = None,
        contact: Annotated[str | None, typer.Option("--contact")] = None,
        on: OnOpt = None, actor: ActorOpt = "cli", as_json: JsonOpt = False) -> None:
    """登记来信、来访、来电 / enter a letter, visit or phone call."""
    from ecoplan.supervision import complaints as Q

    by_name = {v["zh"]: k for k, v in Q.settings()["categories"].items()}
    with _ws().session() as s:
        c = Q.intake(s, channel=channel, content=content, actor=actor, received_on=_day(on),
                     category=by_name.get(category, category), town=town, place=place, enterprise=enterprise,
                     complainant=complainant, contact=contact)
        res = Q.complaint_view(s, c).as_dict()
    if as_json:
        emit_json(res)
        return
    ok(f"已受理：{res['number']}" + (f"（疑似重复：{res['duplicate_of']}）"
                                    if res["duplicate_of"] else ""),
       f"received: {res['number']}" + (f" (possible duplicate of {res['duplicate_of']})"
                                       if res["duplicate_of"] else ""))


@app.command("import")
def import_(path: Annotated[Path, typer.Argument(help="12345 平台导出的 .xlsx")],
            actor: ActorOpt = "cli", as_json: JsonOpt = False) -> None:
    """导入 12345 平台导出的工单（Excel）/ import a 12345 platform export."""
    from ecoplan.errors import InputFileError
    from ecoplan.supervision import complaints as Q

    if not path.is_file():
        raise InputFileError(f"文件不存在：{path}", f"no such file: {path}")
    with _ws().session() as s:
        res = Q.import_12345(s, path, actor=actor, lang=get_lang())
    if as_json:
        emit_json({"added": res.added, "skipped": res.skipped, "errors": res.errors})
    else:
        ok(f"新增 {len(res.added)} 件，已导入过 {len(res.skipped)} 件，错误 {len(res.errors)} 行",
           f"added {len(res.added)}, already imported {len(res.skipped)}, "
           f"{len(res.errors)} rows refused")
        for e in res.errors:
            typer.echo(e, err=True)
    if res.errors:
        raise typer.Exit(3 if res.added else 1)


@app.command("list")
def list_(department: Annotated[str | None, typer.Option("--department")] = None,
          as_json: JsonOpt = False) -> None:
    """投诉列表 / complaints."""
    from ecoplan.supervision import complaints as Q

    with _ws().session() as s:
        rows = [v.as_dict() for v in Q.list_complaints(s, department=department)]
    if as_json:
        emit_json(rows)
        return
    lang = get_lang()
    print_table(tr("信访投诉", "Complaints"),
                [tr("编号", "number"), tr("渠道", "channel"), tr("类别", "type"),
                 tr("乡镇", "town"), tr("受理", "received"), tr("状态", "status"),
                 tr("承办", "department"), tr("期限", "due"), tr("重复", "duplicate of")],
                [(r["number"], Q.channel_name(r["channel"], lang),
                  Q.category_name(r["category"], lang), r["town"] or "", r["received_on"],
                  Q.STATUS_NAMES[r["status"]][0 if lang == "zh" else 1], r["department"] or "",
                  r["due"] or "", r["duplicate_of"] or "") for r in rows])


@app.command("show")
def show(key: Key, as_json: JsonOpt = False) -> None:
    """投诉详情 / one complaint with its steps."""
    from ecoplan.supervision import complaints as Q

    with _ws().session() as s:
        v = Q.complaint_view(s, Q.get_complaint(s, key))
        d = v.as_dict()
        steps = [(e.kind, e.on_date.isoformat(), e.department or "", e.due or "", e.note or "",
                  e.actor) for e in v.events]
    if as_json:
        emit_json(d | {"events": steps})
        return
    typer.echo(f"{d['number']}  {d['content']}")
    print_table(tr("办理过程", "Steps"), [tr("步骤", "step"), tr("日期", "date"),
                                         tr("部门", "department"), tr("期限", "due"),
                                         tr("说明", "note"), tr("操作人", "actor")], steps)


@app.command("dispatch")
def dispatch(key: Key, department: Annotated[str, typer.Option("--department",
                                                                help="部门或网格 / dept or grid")],
             days: Annotated[int | None, typer.Option("--days", help="办理期限（工作日）")] = None,
             on: OnOpt = None, actor: ActorOpt = "cli") -> None:
    """交办 / dispatch to a department or grid with a due day."""
    from ecoplan.supervision import complaints as Q

    with _ws().session() as s:
        ev = Q.dispatch(s, Q.get_complaint(s, key), department=department, actor=actor,
                        on_date=_day(on), days=days)
        due = ev.due
    ok(f"已交办 {department}，办理期限 {due}", f"dispatched to {department}, due {due}")


@app.command("handle")
def handle(key: Key, note: Annotated[str, typer.Option("--note", help="办理情况")],
           on: OnOpt = None, actor: ActorOpt = "cli") -> None:
    """办理情况 / handling record."""
    from ecoplan.supervision import complaints as Q

    with _ws().session() as s:
        Q.handle(s, Q.get_complaint(s, key), note=note, actor=actor, on_date=_day(on))
    ok("已登记办理情况", "handling recorded")


@app.command("reply")
def reply(key: Key, text: Annotated[str, typer.Option("--text", help="答复内容")],
          on: OnOpt = None, actor: ActorOpt = "cli") -> None:
    """答复投诉人 / reply to the complainant."""
    from ecoplan.supervision import complaints as Q

    with _ws().session() as s:
        Q.reply(s, Q.get_complaint(s, key), text=text, actor=actor, on_date=_day(on))
    ok("已答复", "replied")


@app.command("rate")
def rate(key: Key, level: Annotated[str, typer.Argument(help="satisfied|basic|unsatisfied")],
         on: OnOpt = None, actor: ActorOpt = "cli") -> None:
    """满意度 / the complainant's satisfaction."""
    from ecoplan.supervision import complaints as Q

    with _ws().session() as s:
        Q.rate(s, Q.get_complaint(s, key), level=level, actor=actor, on_date=_day(on))
    ok("已登记满意度", "satisfaction recorded")


@app.command("open-case")
def open_case(key: Key, title: Annotated[str, typer.Option("--title")],
              party: Annotated[str, typer.Option("--party")],
              department: Annotated[str, typer.Option("--department")],
              enterprise: Annotated[str | None, typer.Option("--enterprise")] = None,
              on: OnOpt = None, actor: ActorOpt = "cli") -> None:
    """由投诉立案 / open a case from the complaint."""
    from ecoplan.supervision import complaints as Q

    with _ws().session() as s:
        case = Q.open_case_from(s, Q.get_complaint(s, key), title=title, party_name=party,
                                department=department, actor=actor, on_date=_day(on),
                                enterprise=enterprise)
        number = case.number
    ok(f"已立案：{number}", f"case opened: {number}")


@app.command("stats")
def stats(as_json: JsonOpt = False) -> None:
    """公开统计：按类别、乡镇、月份 / public statistics by type, town and month."""
    from ecoplan.supervision import complaints as Q

    with _ws().session() as s:
        res = Q.public_statistics(s)
    if as_json:
        emit_json(res)
        return
    lang = get_lang()
    print_table(tr("按类别", "By type"), [tr("类别", "type"), tr("件数", "count")],
                [(Q.category_name(k, lang), n) for k, n in res["type"]])
    print_table(tr("按乡镇", "By town"), [tr("乡镇", "town"), tr("件数", "count")], res["town"])
    print_table(tr("按月份", "By month"), [tr("月份", "month"), tr("件数", "count")], res["month"])


@app.command("indicators")
def indicators(date_from: Annotated[str, typer.Option("--from")],
               date_to: Annotated[str, typer.Option("--to")], as_json: JsonOpt = False) -> None:
    """期间指标：按期办结率、满意率 / handling rate within deadline, satisfaction."""
    from ecoplan.supervision import complaints as Q

    with _ws().session() as s:
        res = Q.indicators(Q.list_complaints(s), _day(date_from, "from"), _day(date_to, "to"))
    if as_json:
        emit_json(res)
        return

    def pct(x: float | None) -> str:
        return "—" if x is None else f"{x * 100:.1f}%"

    print_table(tr("投诉指标", "Complaint indicators"), [tr("指标", "indicator"), tr("值", "value")],
                [(tr("受理", "received"), res["received"]), (tr("已答复", "replied"), res["replied"]),
                 (tr("按期办结率", "handled within deadline"), pct(res["in_time_rate"])),
                 (tr("满意率", "satisfaction"), pct(res["satisfaction_rate"])),
                 (tr("疑似重复", "possible duplicates"), res["duplicates"])])
