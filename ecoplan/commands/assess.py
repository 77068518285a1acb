"""``ecoplan assess`` (indicator table with statuses) and ``ecoplan progress …`` (department
progress reports: submit, review, approve, reject, list, overdue)."""

from __future__ import annotations

# Deliberately deferred: the working modules (and pandas, SQLAlchemy, Ibis …) are imported
# inside the commands, because `ecoplan --help` loads every command module and must stay
# fast (see ecoplan/commands/__init__.py).
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ecoplan.console import console, emit_json, ok, print_table
from ecoplan.i18n import get_lang, tr

if TYPE_CHECKING:
    from ecoplan.store.workspace import Workspace

DEFAULT_PLAN = "jiaocheng-2021-2025"
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")]
PlanOpt = Annotated[str | None, typer.Option(
    "--plan", help="规划代码或规划 YAML 文件（默认工作区已载入的规划）/ plan code or YAML file")]
ActorOpt = Annotated[str | None, typer.Option(
    "--user", "--actor", envvar="ECOPLAN_USER",
    help="操作人：网页登录名或姓名（环境变量 ECOPLAN_USER）/ who acts: web login or name")]
ReporterOpt = Annotated[str | None, typer.Option(
    "--user", "--reporter", envvar="ECOPLAN_USER",
    help="填报人：网页登录名或姓名（环境变量 ECOPLAN_USER）/ reporter: web login or name")]
DepartmentOpt = Annotated[str | None, typer.Option(
    "--department", help="填报部门（默认该账号所属部门）/ department (default: the account's)")]
STATUS_HELP = ("状态：未开工、实施中（进行中）、已完成、暂停、取消 / status: not started, in progress, "
               "completed, suspended, cancelled")
EvidenceOpt = Annotated[list[str] | None, typer.Option(
    "--evidence", help="佐证材料：名称[=地址]，可重复 / name[=uri]")]
NoteOpt = Annotated[str | None, typer.Option("--note", help="说明 / note")]

progress_app = typer.Typer(
    help="部门进展填报与审批（重点工程、任务、指标值）/ department progress reports and approvals",
    no_args_is_help=True)
KIND_HELP = "填报类型 project|task|indicator / report kind"


def register(app: typer.Typer) -> None:
    app.command("assess")(assess)
    app.add_typer(progress_app, name="progress")


def open_plan(ws: Workspace, plan: str | None) -> Any:
    """The plan to assess: a YAML path, a code, or the plan loaded in the workspace."""
    from sqlalchemy import select

    from ecoplan.plan import bundled_plan_path, bundled_plans, load_plan
    from ecoplan.store.models import PlanRecord

    if plan and Path(plan).suffix.lower() in (".yaml", ".yml"):
        return load_plan(Path(plan))
    with ws.session() as s:
        q = select(PlanRecord)
        if plan:
            q = q.where(PlanRecord.code == plan)
        recs = list(s.scalars(q.order_by(PlanRecord.id)))
    for rec in reversed(recs):
        if rec.source_file and Path(rec.source_file).is_file():
            loaded = load_plan(Path(rec.source_file))
            if plan or loaded.status == "issued":  # a draft is assessed only when asked for
                return loaded
    issued = [r for r in recs if r.code in bundled_plans()]
    return load_plan(bundled_plan_path(plan or (issued[-1].code if issued else DEFAULT_PLAN)))


def _workspace() -> Any:
    from ecoplan.store.workspace import Workspace

    return Workspace()


def assess(
    year: Annotated[int, typer.Option("--year", help="评估年份 / year to assess")],
    plan: PlanOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """指标评估：数值、目标、预期路径、差距、状态及判定依据 / indicators against targets."""
    from ecoplan.assess.indicators import assess_indicators
    from ecoplan.console import progress

    ws = _workspace()
    p = open_plan(ws, plan)
    with progress() as bar:
        task = bar.add_task(tr("计算指标", "computing indicators"), total=1)
        result = assess_indicators(ws, p, year)
        bar.update(task, advance=1)
    lang = get_lang()
    rows = [r.row(lang) for r in result.rows]
    if as_json:
        emit_json({"plan": p.code, "year": year, "status_rules_version": result.status_rules_version,
                   "counts": result.counts(), "indicators": rows})
        return
    print_table(
        tr(f"{p.title_zh} {year} 年指标评估", f"{p.title_en or p.code}: indicators in {year}"),
        [tr("序号", "no."), tr("指标", "indicator"), tr("属性", "type"), tr("基准", "baseline"),
         tr("目标", "target"), str(year), tr("预期", "expected"), tr("差距", "gap"),
         tr("状态", "status")],
        [[r["key"], r["name"] + (f" ({r['unit']})" if r["unit"] else ""), r["attribute_name"],
          r["baseline"], r["target"], r["value"], r["expected"] or "—", r["gap"] or "—",
          r["status_name"]] for r in rows])
    console.print(tr("判定依据：", "Rules behind each status:"), style="bold")
    for r in rows:
        console.print(f"  {r['key']:>3} [{r['status_name']}] {r['rule']}", highlight=False,
                      markup=False)
    from ecoplan.assess.status import STATUS_NAMES

    c = result.counts()
    ok("；".join(f"{STATUS_NAMES.get(k, (k, k))[0]} {v}" for k, v in c.items())
       + f"（状态规则 {result.status_rules_version}）",
       "; ".join(f"{STATUS_NAMES.get(k, (k, k))[1]} {v}" for k, v in c.items())
       + f" (status rules {result.status_rules_version})")


# ---------------------------------------------------------------------------- progress
def _evidence(values: list[str] | None) -> list[dict[str, str]]:
    out = []
    for v in values or []:
        name, _, uri = v.partition("=")
        out.append({"name": name, **({"uri": uri} if uri else {})})
    return out


def _who(s: Any, name: str | None, department: str | None = None) -> tuple[str, str]:
    """The account the CLI acts as (the web's user name) and its department."""
    from ecoplan.errors import ValidationError
    from ecoplan.web.accounts import resolve_identity

    ident = resolve_identity(s, name)
    dept = (department or "").strip() or ident.department
    if not dept:
        raise ValidationError("请用 --department 指明填报部门（该账号未设所属部门）。",
                              "Name the reporting department with --department (the account "
                              "has none).")
    return ident.username, dept


def _distinct_approver() -> bool:
    from ecoplan.settings import load_settings

    return load_settings().distinct_approver


KIND_NAMES = {"project": ("重点工程进展", "project"), "task": ("任务进展", "task"),
              "indicator": ("指标值", "indicator")}


def _kind(kind: str) -> str:
    zh, en = KIND_NAMES.get(kind, (kind, kind))
    return tr(zh, en)


def _done(kind: str, rec: Any, as_json: bool, flags: list[Any] | None = None) -> None:
    if as_json:
        emit_json({"kind": kind, "id": rec.id, "state": "submitted", "reporter": rec.reporter,
                   "flags": [f.as_dict() for f in flags or []]})
        return
    ok(f"已提交{_kind(kind)}填报，编号 {rec.id}（待审核）",
       f"Submitted {kind} report {rec.id} (to review)")
    for f in flags or []:
        console.print("⚠ " + tr("需审核关注：", "flagged for review: ") + f.text(get_lang()),
                      style="yellow", highlight=False, markup=False)


@progress_app.command("project")
def submit_project(
    number: Annotated[int, typer.Option("--number", help="重点工程序号 / key project number")],
    as_of: Annotated[str, typer.Option("--as-of", help="截至日期 YYYY-MM-DD / as of")],
    percent: Annotated[str, typer.Option("--percent", help="完成比例 0–100 / percent complete")],
    invested: Annotated[str, typer.Option("--invested", help="累计完成投资（万元）/ invested to date")],
    status: Annotated[str, typer.Option("--status", help=STATUS_HELP)],
    reporter: ReporterOpt = None,
    department: DepartmentOpt = None,
    milestone: Annotated[list[str] | None, typer.Option(
        "--milestone", help="节点：名称[,应完成日期[,完成日期]]，可重复 / name[,due[,done]]")] = None,
    evidence: EvidenceOpt = None,
    note: NoteOpt = None,
    plan: PlanOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """填报重点工程进展 / submit a key project's progress."""
    from ecoplan.assess import progress as pg

    ws = _workspace()
    code = open_plan(ws, plan).code
    ms = []
    for m in milestone or []:
        parts = [x.strip() for x in m.split(",")]
        ms.append({"name": parts[0], **({"due": parts[1]} if len(parts) > 1 and parts[1] else {}),
                   **({"done_on": parts[2]} if len(parts) > 2 and parts[2] else {})})
    with ws.session() as s:
        who, dept = _who(s, reporter, department)
        rec = pg.submit_project_progress(
            s, plan_code=code, project_number=number, as_of=as_of, percent_complete=percent,
            invested_wan_yuan=invested, status=status, reporter=who, department=dept,
            milestones=ms, evidence=_evidence(evidence), note=note)
        flags = pg.review_flags(rec, pg.project_estimates(s, code).get(rec.project_number))
    _done("project", rec, as_json, flags)


@progress_app.command("task")
def submit_task(
    key: Annotated[str, typer.Option("--key", help="任务编号，如 6.2-3 / task key")],
    as_of: Annotated[str, typer.Option("--as-of", help="截至日期 YYYY-MM-DD / as of")],
    status: Annotated[str, typer.Option("--status", help=STATUS_HELP)],
    reporter: ReporterOpt = None,
    department: DepartmentOpt = None,
    percent: Annotated[str | None, typer.Option("--percent", help="完成比例 / percent")] = None,
    evidence: EvidenceOpt = None,
    note: NoteOpt = None,
    plan: PlanOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """填报任务落实情况 / submit a task's status."""
    from ecoplan.assess import progress as pg

    ws = _workspace()
    code = open_plan(ws, plan).code
    with ws.session() as s:
        who, dept = _who(s, reporter, department)
        rec = pg.submit_task_progress(s, plan_code=code, task_key=key, as_of=as_of, status=status,
                                      reporter=who, department=dept,
                                      percent_complete=percent, evidence=_evidence(evidence),
                                      note=note)
    _done("task", rec, as_json)


@progress_app.command("indicator")
def submit_indicator(
    key: Annotated[str, typer.Option("--key", help="指标键，如 8、4a / indicator key")],
    year: Annotated[int, typer.Option("--year", help="年份 / year")],
    reporter: ReporterOpt = None,
    department: DepartmentOpt = None,
    value: Annotated[str | None, typer.Option("--value", help="数值 / number")] = None,
    text: Annotated[str | None, typer.Option("--text", help="文字认定，如 完成 / qualitative value")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="单位 / unit")] = None,
    evidence: EvidenceOpt = None,
    note: NoteOpt = None,
    plan: PlanOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """填报指标值 / submit a department-reported indicator value."""
    from ecoplan.assess import progress as pg

    ws = _workspace()
    code = open_plan(ws, plan).code
    with ws.session() as s:
        who, dept = _who(s, reporter, department)
        rec = pg.submit_indicator_value(s, plan_code=code, indicator_key=key, year=year,
                                        reporter=who, department=dept, value=value,
                                        value_text=text, unit=unit, evidence=_evidence(evidence),
                                        note=note)
    _done("indicator", rec, as_json)


def _step(kind: str, record_id: int, actor: str | None, what: str, reason: str | None,
          as_json: bool) -> None:
    from ecoplan.assess import progress as pg
    from ecoplan.web.accounts import resolve_identity

    ws = _workspace()
    with ws.session() as s:
        who = resolve_identity(s, actor).username
        if what == "reject":
            ev = pg.reject(s, kind, record_id, actor=who, reason=reason or "")  # type: ignore[arg-type]
        elif what == "approve":
            ev = pg.approve(s, kind, record_id, actor=who, note=reason,  # type: ignore[arg-type]
                            distinct_approver=_distinct_approver())
        else:
            ev = pg.review(s, kind, record_id, actor=who, note=reason)  # type: ignore[arg-type]
        out = {"kind": kind, "id": record_id, "state": ev.state, "actor": ev.actor}
    if as_json:
        emit_json(out)
        return
    zh, en = pg.STATE_NAMES[out["state"]]
    ok(f"{_kind(kind)}填报 {record_id}：{zh}（{who}）", f"{kind} report {record_id}: {en} ({who})")


@progress_app.command("review")
def review_cmd(kind: Annotated[str, typer.Argument(help=KIND_HELP)],
               record_id: Annotated[int, typer.Argument(help="填报编号 / report id")],
               actor: ActorOpt = None,
               note: Annotated[str | None, typer.Option("--note", help="说明 / note")] = None,
               as_json: JsonOpt = False) -> None:
    """审核通过 / mark a submitted report as reviewed."""
    _step(kind, record_id, actor, "review", note, as_json)


@progress_app.command("approve")
def approve_cmd(kind: Annotated[str, typer.Argument(help=KIND_HELP)],
                record_id: Annotated[int, typer.Argument(help="填报编号 / report id")],
                actor: ActorOpt = None,
                note: Annotated[str | None, typer.Option("--note", help="说明 / note")] = None,
                as_json: JsonOpt = False) -> None:
    """批准（此后参与评估）/ approve a reviewed report (it then feeds assessments)."""
    _step(kind, record_id, actor, "approve", note, as_json)


@progress_app.command("reject")
def reject_cmd(kind: Annotated[str, typer.Argument(help=KIND_HELP)],
               record_id: Annotated[int, typer.Argument(help="填报编号 / report id")],
               reason: Annotated[str, typer.Option("--reason", help="退回原因 / reason")],
               actor: ActorOpt = None,
               as_json: JsonOpt = False) -> None:
    """退回（须写明原因）/ send a report back, with the reason."""
    _step(kind, record_id, actor, "reject", reason, as_json)


@progress_app.command("list")
def list_cmd(kind: Annotated[str, typer.Argument(help=KIND_HELP)],
             state: Annotated[str | None, typer.Option(
                 "--state", help="已提交|已审核|已批准|已退回（或 submitted|reviewed|approved|rejected）"
                                 " / state")] = None,
             department: Annotated[str | None, typer.Option(
                 "--department", help="部门 / department")] = None,
             plan: PlanOpt = None, as_json: JsonOpt = False) -> None:
    """列出填报及其状态 / list reports with their state."""
    from ecoplan.assess import progress as pg

    ws = _workspace()
    code = open_plan(ws, plan).code
    state = pg.parse_state(state) if state else None
    with ws.session() as s:
        views = pg.list_reports(s, kind, plan_code=code, state=state,  # type: ignore[arg-type]
                                department=department)
        data = [v.as_dict() for v in views]
    if as_json:
        emit_json(data)
        return
    subject = {"project": "project_number", "task": "task_key", "indicator": "indicator_key"}[kind]
    print_table(tr("填报列表", "Reports"),
                [tr("编号", "id"), tr("对象", "subject"), tr("日期/年份", "as of"),
                 tr("内容", "content"), tr("部门", "department"), tr("填报人", "reporter"),
                 tr("状态", "state"), tr("需审核关注", "flagged")],
                [[d["id"], d[subject], d.get("as_of") or d.get("year"),
                  _content(kind, d), d["department"], d["reporter"],
                  pg.STATE_NAMES[d["state"]][0 if get_lang() == "zh" else 1],
                  "；".join(f[get_lang()] for f in d["flags"]) or "—"] for d in data])


def _content(kind: str, d: dict[str, Any]) -> str:
    from ecoplan.assess.progress import status_name

    status = status_name(d.get("status"), get_lang())
    if kind == "project":
        return f"{d['percent_complete']}% / {d['invested_wan_yuan']} {tr('万元', '×10⁴ CNY')} / {status}"
    if kind == "task":
        return status
    return str(d["value"] if d["value"] is not None else d["value_text"])


@progress_app.command("overdue")
def overdue_cmd(as_of: Annotated[str | None, typer.Option(
                    "--as-of", help="截至日期（默认今天）/ as of (default today)")] = None,
                plan: PlanOpt = None, as_json: JsonOpt = False) -> None:
    """逾期的重点工程和任务 / overdue key projects and tasks."""
    from ecoplan.assess.projects import project_summary
    from ecoplan.assess.tasks import task_summary

    ws = _workspace()
    p = open_plan(ws, plan)
    day = date.fromisoformat(as_of) if as_of else date.today()
    ps, ts = project_summary(ws, p, day), task_summary(ws, p, day)
    lang = get_lang()
    items = [o.overdue for o in ps.overdue] + [o.overdue for o in ts.overdue]
    if as_json:
        emit_json(json.loads(json.dumps([{**o.__dict__, "text": o.describe(lang)}
                                         for o in items if o], default=str)))
        return
    print_table(tr(f"截至 {day} 的逾期事项", f"Overdue as of {day}"),
                [tr("类型", "kind"), tr("事项", "item"), tr("逾期天数", "days"),
                 tr("部门", "department"), tr("说明", "text")],
                [[_kind(o.kind), o.subject, o.days_overdue, o.department or "—", o.describe(lang)]
                 for o in items if o])
