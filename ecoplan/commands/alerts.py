"""Alert commands: ``alerts run|list|ack|rules|contact|test-delivery`` (docs/alerts.md)."""

from __future__ import annotations

# Deliberately deferred: the working modules (and pandas, SQLAlchemy, Ibis …) are imported
# inside the commands, because `ecoplan --help` loads every command module and must stay
# fast (see ecoplan/commands/__init__.py).
import time
from datetime import datetime
from typing import Annotated

import typer

from ecoplan.console import emit_json, info, ok, print_table
from ecoplan.i18n import tr

app = typer.Typer(help="告警：规则评估、推送、确认 / alerts: evaluate rules, deliver, acknowledge",
                  no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")]


def _ws():  # type: ignore[no-untyped-def]
    from ecoplan.store.workspace import Workspace

    return Workspace()


@app.command("run")
def run_cmd(
    at: Annotated[str | None, typer.Option("--at", help="按此时间评估（ISO，带时区；默认现在）/ "
                                          "evaluate as of this time (ISO with zone; default now)")] = None,
    no_deliver: Annotated[bool, typer.Option("--no-deliver", help="只评估不推送 / evaluate only")] = False,
    every: Annotated[float | None, typer.Option("--every", help="每隔多少秒重复（不设则运行一次）/ "
                                                "repeat every N seconds (default: once)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """评估全部规则，产生/解除/升级告警并推送 / evaluate every rule, open, resolve, escalate, deliver."""
    from ecoplan.supervision import alerts as al

    ws = _ws()
    now = datetime.fromisoformat(at) if at else None
    while True:
        out = al.run(ws, now=now, actor="cli", deliver=not no_deliver)
        if as_json:
            emit_json(out.as_dict())
        else:
            ok(f"规则 {out.rules} 条：新告警 {len(out.opened)}，解除 {len(out.resolved)}，升级 "
               f"{len(out.escalated)}，送达 {out.delivered}，失败 {out.failed}",
               f"{out.rules} rules: {len(out.opened)} opened, {len(out.resolved)} resolved, "
               f"{len(out.escalated)} escalated, {out.delivered} delivered, {out.failed} failed")
            for rule, err in out.errors.items():
                info(f"规则 {rule} 评估失败：{err}", f"rule {rule} failed: {err}")
        if every is None:
            return
        time.sleep(every)


@app.command("list")
def list_cmd(
    all_: Annotated[bool, typer.Option("--all", help="包括已解除的 / include resolved")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=5000)] = 100,
    as_json: JsonOpt = False,
) -> None:
    """列出告警（默认未解除的）/ list alerts (open ones by default)."""
    from ecoplan.supervision import alerts as al

    views = al.list_alerts(_ws().engine, open_only=not all_, limit=limit)
    if as_json:
        emit_json([v.as_dict() for v in views])
        return
    print_table(tr("告警", "Alerts"), ["id", tr("规则", "rule"), tr("对象", "subject"),
                                         tr("级别", "severity"), tr("状态", "state"),
                                         tr("内容", "title")],
                [[v.alert.id, v.alert.rule_id, v.alert.subject, v.alert.severity, v.state,
                  tr(v.alert.title_zh, v.alert.title_en)] for v in views])


@app.command("ack")
def ack_cmd(
    alert_id: Annotated[int, typer.Argument(help="告警编号 / alert id")],
    by: Annotated[str, typer.Option("--by", help="确认人 / who acknowledges")] = "cli",
    note: Annotated[str | None, typer.Option("--note", help="处理说明 / note")] = None,
) -> None:
    """确认告警（停止升级）/ acknowledge an alert (escalation stops)."""
    from ecoplan.supervision import alerts as al

    v = al.acknowledge(_ws().engine, alert_id, by, text=note)
    ok(f"已确认告警 {alert_id}（{v.alert.title_zh}）", f"Alert {alert_id} acknowledged")


@app.command("rules")
def rules_cmd(as_json: JsonOpt = False) -> None:
    """显示生效的告警规则（已校验）/ show the rules in force (checked)."""
    from ecoplan.settings import load_settings
    from ecoplan.supervision import alerts as al

    settings = load_settings()
    rules = al.load_rules(settings)
    if as_json:
        emit_json([r.model_dump(mode="json") for r in rules])
        return
    info(f"规则文件：{al.rules_path(settings)}", f"rules file: {al.rules_path(settings)}")
    print_table(tr("告警规则", "Alert rules"),
                ["id", tr("类型", "type"), tr("名称", "name"), tr("级别", "severity"),
                 tr("阈值", "threshold"), tr("持续（分钟）", "duration (min)"),
                 tr("接收人", "recipients")],
                [[r.id, r.type, tr(r.name_zh, r.name_en), r.severity,
                  "" if r.threshold is None else f"{r.threshold:g}", f"{r.duration_minutes:g}",
                  "; ".join(f"L{x.level}+{x.after_minutes:g}min "
                            f"{','.join(x.roles + x.persons)} → {','.join(x.channels)}"
                            for x in r.recipients)] for r in rules])


@app.command("contact")
def contact_cmd(
    username: Annotated[str, typer.Argument(help="用户名 / username")],
    email: Annotated[str | None, typer.Option("--email", help="邮箱 / e-mail")] = None,
    mobile: Annotated[str | None, typer.Option("--mobile", help="手机号（机器人 @ 提醒）/ "
                                               "mobile (robot @-mention)")] = None,
) -> None:
    """登记用户的邮箱、手机号 / record a user's e-mail and mobile."""
    from ecoplan.supervision import alerts as al

    c = al.set_contact(_ws().engine, username, email=email, mobile=mobile)
    ok(f"已登记 {username}：{c['email'] or '—'} {c['mobile'] or ''}",
       f"Recorded {username}: {c['email'] or '—'} {c['mobile'] or ''}")


@app.command("test-delivery")
def test_delivery_cmd(
    channel: Annotated[str, typer.Argument(help="email 或 webhook / email or webhook")],
    to: Annotated[str, typer.Argument(help="邮箱地址或机器人名称 / address or robot name")],
) -> None:
    """发送一条测试消息检查通道 / send a test message through a channel."""
    from ecoplan.settings import load_settings
    from ecoplan.supervision.alert_delivery import test_delivery

    test_delivery(load_settings(), channel, to)
    ok(f"测试消息已送达 {channel}:{to}", f"Test message delivered to {channel}:{to}")
