"""``ecoplan audit-day``: the daily data audit (数据审核) of an air station's day — show the raw
hours with suggestions, decide values with reason codes (HJ 818/817-2018), lock the day with the
auditor's name, re-open it only with a reason. Everything is appended, never overwritten.

(``ecoplan audit`` is the tamper-evident audit log; this group is the monitoring data audit.)"""

from __future__ import annotations

# Deliberately deferred: the working modules are imported inside the commands (see bulletin.py).
from typing import Annotated

import typer

from ecoplan.commands.assess import ActorOpt, JsonOpt
from ecoplan.commands.bulletin import _actor
from ecoplan.console import emit_json, ok, print_table
from ecoplan.i18n import tr

NAME = "audit-day"
app = typer.Typer(help="监测数据日审核（建议、审核结论、锁定、重新打开）/ daily data audit",
                  no_args_is_help=True)
SiteArg = Annotated[str, typer.Argument(help="站点编码 / station code")]
DateArg = Annotated[str, typer.Argument(help="日期 YYYY-MM-DD / day")]


def _day(text: str):  # type: ignore[no-untyped-def]
    from datetime import date

    from ecoplan.store.data_audit import DataAuditError

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DataAuditError(f"日期无效：{text}（应为 YYYY-MM-DD）",
                             f"Invalid date: {text} (expected YYYY-MM-DD)") from None


@app.command("show")
def show(site: SiteArg, day: DateArg, as_json: JsonOpt = False) -> None:
    """显示站点某日的原始小时数据、自动建议与审核结论 / show a site-day for auditing."""
    from ecoplan.assess.data_audit import day_view
    from ecoplan.nomenclature import AIR_POLLUTANTS
    from ecoplan.store.workspace import Workspace

    v = day_view(Workspace(), site, _day(day))
    if as_json:
        emit_json({"site": site, "day": str(v.day), "locked": v.state.locked,
                   "state": tr(v.state.label_zh, v.state.label_en),
                   "hours": v.hours.astype(object).where(v.hours.notna(), None)
                   .to_dict("records"),
                   "suggestions": [s.__dict__ for s in v.suggestions],
                   "decisions": v.decisions, "realtime_means": v.realtime_means,
                   "audited_means": v.audited_means})
        return
    print_table(f"{site} {v.day} — {tr(v.state.label_zh, v.state.label_en)}",
                [tr("时间", "hour"), *AIR_POLLUTANTS, tr("标记", "flags")],
                [(r["timestamp"].strftime("%H:%M"),
                  *[("" if r.get(p) != r.get(p) or r.get(p) is None else f"{r[p]:g}")
                    + (" ✗" if (r["timestamp"].strftime("%Y-%m-%d %H:%M"), p) in v.in_force
                       and v.in_force[(r["timestamp"].strftime("%Y-%m-%d %H:%M"), p)]["decision"]
                       == "invalid" else "") for p in AIR_POLLUTANTS],
                  ",".join(str(r[c]) for c in v.hours.columns
                           if c.endswith("_flag") and r.get(c) and r.get(c) == r.get(c)))
                 for r in v.hours.to_dict("records")])
    print_table(tr("自动建议", "Suggestions"), [tr("时间", "hour"), tr("项目", "parameter"),
                tr("建议原因", "reason"), tr("依据", "why")],
                [(s.timestamp.strftime("%H:%M"), s.parameter, s.code, tr(s.why_zh, s.why_en))
                 for s in v.suggestions])
    print_table(tr("审核结论（追加记录）", "Decisions (appended)"),
                [tr("时间", "hour"), tr("项目", "parameter"), tr("结论", "decision"),
                 tr("原因", "reason"), tr("审核人", "auditor")],
                [(d["timestamp"].strftime("%H:%M"), d["parameter"], d["decision"],
                  f"{d['code']} {d['reason_zh']}（{d['source']}）", d["actor"])
                 for d in v.decisions])
    print_table(tr("日均值：实时 / 审核后", "Daily means: real-time / audited"),
                [tr("项目", "parameter"), tr("实时", "real-time"), tr("审核后", "audited")],
                [(p, v.realtime_means.get(p), v.audited_means.get(p)) for p in AIR_POLLUTANTS])


@app.command("decide")
def decide(
    site: SiteArg, day: DateArg,
    hour: Annotated[list[str], typer.Option("--hour", help="小时（时段结束时刻，如 08 或 08:00；可多次）"
                                            " / hour-ending label, repeatable")],
    parameter: Annotated[list[str], typer.Option("--parameter", "-p",
                                                 help="污染物（可多次）/ pollutant, repeatable")],
    reason: Annotated[str, typer.Option("--reason", help="原因代码（如 A01）/ reason code")],
    note: Annotated[str | None, typer.Option("--note", help="说明 / note")] = None,
    actor: ActorOpt = None,
) -> None:
    """记录审核结论（原因代码见 standards/data/audit_reasons.yaml）/ record decisions."""
    from datetime import datetime, timedelta

    from ecoplan.store import data_audit
    from ecoplan.store.workspace import Workspace

    ws, who, d = Workspace(), _actor(actor), _day(day)
    n = 0
    with ws.session() as s:
        for h in hour:
            hh = int(h.split(":")[0])
            if not 1 <= hh <= 24:
                raise data_audit.DataAuditError(f"小时无效：{h}（1–24，时段结束时刻）",
                                                f"Invalid hour: {h} (1–24, hour-ending)")
            ts = datetime(d.year, d.month, d.day) + timedelta(hours=hh)
            for p in parameter:
                data_audit.decide(s, dataset="air_hourly", site=site, timestamp=ts, parameter=p,
                                  code=reason, actor=who, note=note)
                n += 1
    ok(f"已记录 {n} 条审核结论（{site} {d}，{reason}）",
       f"{n} decision(s) recorded ({site} {d}, {reason})")


@app.command("lock")
def lock(site: SiteArg, day: DateArg, actor: ActorOpt = None) -> None:
    """锁定（审核完成）：此后统计与公报采用审核后数据 / lock the audited day."""
    from ecoplan.store import data_audit
    from ecoplan.store.workspace import Workspace

    ws, who, d = Workspace(), _actor(actor), _day(day)
    with ws.session() as s:
        data_audit.lock(s, dataset="air_hourly", site=site, day=d, actor=who)
    ok(f"{site} {d} 已由 {who} 审核锁定", f"{site} {d} locked by {who}")


@app.command("reopen")
def reopen(site: SiteArg, day: DateArg,
           reason: Annotated[str, typer.Option("--reason", help="重新打开的理由（必填）/ reason")],
           actor: ActorOpt = None) -> None:
    """重新打开已锁定的日数据（须说明理由）/ re-open a locked day (with a reason)."""
    from ecoplan.store import data_audit
    from ecoplan.store.workspace import Workspace

    ws, who, d = Workspace(), _actor(actor), _day(day)
    with ws.session() as s:
        data_audit.reopen(s, dataset="air_hourly", site=site, day=d, actor=who, reason=reason)
    ok(f"{site} {d} 已重新打开（{reason}）", f"{site} {d} re-opened ({reason})")
