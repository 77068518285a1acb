"""``ecoplan bulletin``: the county's monthly / annual environmental-quality bulletins
(环境质量月报/年报) — written as drafts, approved by an analyst, then published."""

from __future__ import annotations

# Deliberately deferred: the working modules (and pandas, SQLAlchemy, python-docx …) are
# imported inside the commands, because `ecoplan --help` loads every command module.
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from ecoplan.commands.assess import ActorOpt, JsonOpt, PlanOpt
from ecoplan.console import emit_json, ok, print_table
from ecoplan.errors import EcoplanError
from ecoplan.i18n import tr

app = typer.Typer(help="环境质量月报/年报（草稿→审核→发布）/ environmental-quality bulletins "
                       "(draft → approval → published)")


class BulletinUsageError(EcoplanError):
    """The bulletin command was called without a period or with two."""


def _actor(actor: str | None) -> str:
    if not actor:
        raise BulletinUsageError("请用 --user 或环境变量 ECOPLAN_USER 说明操作人",
                                 "Say who acts with --user or ECOPLAN_USER")
    return actor


@app.callback(invoke_without_command=True)
def bulletin(
    ctx: typer.Context,
    month: Annotated[str | None, typer.Option("--month", help="月报 YYYY-MM / monthly bulletin")] = None,
    year: Annotated[int | None, typer.Option("--year", help="年报 YYYY / annual bulletin")] = None,
    kind: Annotated[str, typer.Option("--kind", help="air|water|both 空气/地表水/两者")] = "both",
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="输出 .docx（默认工作区 reports/）/ output file")] = None,
    due: Annotated[bool, typer.Option(
        "--due", help="生成到期未生成的公报（上月月报，每月 N 日后）/ generate what is due")] = False,
    after_day: Annotated[int, typer.Option(
        "--after-day", envvar="ECOPLAN_BULLETIN_AFTER_DAY",
        help="每月几日后生成上月月报 / day of month after which last month is due")] = 5,
    today: Annotated[str | None, typer.Option("--today", help="以此日期判断到期 / as of date")] = None,
    actor: ActorOpt = None,
    plan: PlanOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """生成环境质量公报（Word，草稿待审核）/ write a bulletin (Word, a draft until approved)."""
    if ctx.invoked_subcommand:
        return
    from ecoplan.commands.assess import open_plan
    from ecoplan.reports.bulletin import Period, build_bulletin, due_periods
    from ecoplan.store import bulletins
    from ecoplan.store.workspace import Workspace

    asked = [x for x in (month, year, due or None) if x]
    if len(asked) != 1:
        raise BulletinUsageError("请给出且只给出 --month、--year 或 --due 之一",
                                 "Give exactly one of --month, --year or --due")
    ws = Workspace()
    p = open_plan(ws, plan)
    who = actor or "scheduler"
    if due:
        as_of = date.fromisoformat(today) if today else date.today()
        with ws.session() as s:
            labels = bulletins.due_missing(s, [x.label for x in due_periods(as_of, after_day=after_day)],
                                           kind)
        periods = [Period.parse(lbl) for lbl in labels]
    else:
        periods = [Period.parse(month or str(year))]
    written = []
    for period in periods:
        res = build_bulletin(ws, p, period, kind=kind, out=output if not due else None)
        with ws.session() as s:
            b = bulletins.register(s, kind=kind, period=period.label, file=str(res.path.resolve()),
                                   digest=res.digest, actor=who,
                                   audited_days=res.data.audited_days,
                                   total_days=res.data.total_days)
            bid = b.id
        written.append({"id": bid, "period": period.label, "kind": kind, "file": str(res.path),
                        "audited_days": res.data.audited_days, "total_days": res.data.total_days,
                        "state": "draft"})
        ok(f"公报草稿 {bid}（{period.zh}）：{res.path}；已审核站日 {res.data.audited_days}/"
           f"{res.data.total_days}；待分析人员审核（ecoplan bulletin approve {bid}）",
           f"Bulletin draft {bid} ({period.label}): {res.path}; audited site-days "
           f"{res.data.audited_days}/{res.data.total_days}; awaiting approval "
           f"(ecoplan bulletin approve {bid})")
    if due and not periods:
        ok("没有到期未生成的公报", "No bulletin is due")
    if as_json:
        emit_json(written)


@app.command("approve")
def approve(
    bulletin_id: Annotated[int, typer.Argument(help="公报编号 / bulletin id")],
    actor: ActorOpt = None,
    note: Annotated[str | None, typer.Option("--note", help="审核意见 / note")] = None,
) -> None:
    """审核通过并发布公报（分析人员）/ approve and publish a bulletin (analyst)."""
    from ecoplan.store import bulletins
    from ecoplan.store.workspace import Workspace

    ws = Workspace()
    who = _actor(actor)
    _check_role(ws, who)
    with ws.session() as s:
        row = bulletins.approve(s, bulletin_id, who, note)
    ok(f"公报 {row.id}（{row.period}）已由 {who} 审核并发布", f"Bulletin {row.id} ({row.period}) "
       f"approved by {who} and published")


def _check_role(ws: object, who: str) -> None:
    """A web account named ``who`` must hold ``bulletin.approve`` (the web's role rules);
    a name without an account is taken as the operator's own responsibility on the server."""
    from sqlalchemy import select

    from ecoplan.store.models import User
    from ecoplan.web.permissions import allowed

    with ws.session() as s:  # type: ignore[attr-defined]
        user = s.execute(select(User).where(User.username == who)).scalar_one_or_none()
    if user is not None and not allowed(user.role, "bulletin.approve"):
        raise BulletinUsageError(f"账号 {who}（{user.role}）无权审核公报",
                                 f"Account {who} ({user.role}) may not approve bulletins")


@app.command("list")
def list_command(as_json: JsonOpt = False) -> None:
    """列出公报及其状态 / list bulletins and their state."""
    from ecoplan.store import bulletins
    from ecoplan.store.workspace import Workspace

    ws = Workspace()
    with ws.session() as s:
        rows = bulletins.listing(s)
    if as_json:
        emit_json([r.__dict__ for r in rows])
        return
    print_table(tr("公报", "Bulletins"),
                ["id", tr("时段", "period"), tr("类型", "kind"), tr("状态", "state"),
                 tr("已审核站日", "audited site-days"), tr("文件", "file")],
                [(r.id, r.period, r.kind, tr(r.state_zh, r.state),
                  f"{r.audited_days}/{r.total_days}", r.file) for r in rows])
