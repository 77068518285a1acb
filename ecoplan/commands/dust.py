"""Dust spraying commands: ``dust sites list|add|edit``, ``dust control``, ``dust replay``,
``dust log`` (docs/dust-control.md)."""

from __future__ import annotations

# Deliberately deferred: the working modules (and pandas, SQLAlchemy, Ibis …) are imported
# inside the commands, because `ecoplan --help` loads every command module and must stay
# fast (see ecoplan/commands/__init__.py).
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ecoplan.console import emit_json, info, ok, print_table
from ecoplan.i18n import tr

if TYPE_CHECKING:
    from ecoplan.store.workspace import Workspace

app = typer.Typer(help="扬尘监测联动喷淋降尘 / dust monitoring with automatic spraying",
                  no_args_is_help=True)
sites_app = typer.Typer(help="扬尘站点（监测仪 ↔ 喷淋控制器、阈值）/ dust sites (monitor ↔ sprayers, "
                        "thresholds)", no_args_is_help=True)
app.add_typer(sites_app, name="sites")

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")]
UpperOpt = Annotated[float | None, typer.Option("--upper", help="上限，达到即启动喷淋（μg/m³）/ "
                                                "upper limit: spraying starts (μg/m³)")]
LowerOpt = Annotated[float | None, typer.Option("--lower", help="下限，降到即停止喷淋（μg/m³）/ "
                                                "lower limit: spraying stops (μg/m³)")]
StartAfterOpt = Annotated[int | None, typer.Option("--start-after", help="连续几次达到上限才启动 / "
                                                   "consecutive readings at/above upper to start")]
MinRunOpt = Annotated[float | None, typer.Option("--min-run", help="最短运行秒数 / minimum run, s")]
MinPauseOpt = Annotated[float | None, typer.Option("--min-pause", help="两次运行最短间隔秒数 / "
                                                   "minimum pause between runs, s")]
MaxRunOpt = Annotated[float | None, typer.Option("--max-run", help="最长连续运行秒数，超过停止并报警 / "
                                                 "maximum run, s (then stop + alarm)")]
GapOpt = Annotated[float | None, typer.Option("--gap", help="无有效数据多少秒视为数据中断 / "
                                              "seconds without valid data = data interrupted")]
NameOpt = Annotated[str | None, typer.Option("--name", help="名称 / name")]
EnterpriseOpt = Annotated[str | None, typer.Option("--enterprise", help="所属企业 / enterprise")]
ControllerOpt = Annotated[list[str] | None, typer.Option(
    "--controller", help="喷淋控制器 MN，可重复 / spray controller MN, repeatable")]
CnOpt = Annotated[str, typer.Option("--cn", help="开关喷淋所用命令编码（厂商约定，默认 3021）/ "
                                    "command code switching the sprayer (vendor, default 3021)")]
OnOpt = Annotated[list[str] | None, typer.Option(
    "--on", help="启动命令参数 名称=值，可重复（按厂商填写）/ ON parameter NAME=VALUE (vendor)")]
OffOpt = Annotated[list[str] | None, typer.Option(
    "--off", help="停止命令参数 名称=值，可重复 / OFF parameter NAME=VALUE (vendor)")]
AlarmOpt = Annotated[list[str] | None, typer.Option(
    "--alarm", help="声光报警命令参数 名称=值，可重复（可选）/ sound-light alarm parameter NAME=VALUE")]


def _ws():  # type: ignore[no-untyped-def]
    from ecoplan.store.workspace import Workspace

    return Workspace()


def _pairs(items: list[str] | None, what: str) -> dict[str, str] | None:
    from ecoplan.supervision.dust_service import DustSiteError

    if not items:
        return None
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise DustSiteError(f"{what} 参数应为 名称=值，收到 {item!r}",
                                f"{what} parameter must be NAME=VALUE, got {item!r}")
        out[key.strip()] = value.strip()
    return out


def _controllers(mns: list[str] | None, cn: str, on: list[str] | None, off: list[str] | None,
                 alarm: list[str] | None) -> list[dict[str, Any]] | None:
    from ecoplan.supervision.dust_service import controller_config

    if not mns:
        return None
    return [controller_config(mn, cn=cn, on=_pairs(on, "--on"), off=_pairs(off, "--off"),
                              alarm=_pairs(alarm, "--alarm")) for mn in mns]


def _warn_unregistered(ws: Workspace, site: dict[str, Any]) -> None:
    from ecoplan.devices import service

    known = service.list_devices(ws.engine)
    for mn in [site["monitor_mn"], *(c["mn"] for c in site["controllers"])]:
        if mn not in known:
            info(f"注意：设备 {mn} 尚未登记（ecoplan devices add），登记前无法接收数据或命令",
                 f"note: device {mn} is not registered (ecoplan devices add); it can neither "
                 "send data nor receive commands until it is")


def _show_sites(rows: list[dict[str, Any]]) -> None:
    print_table(tr("扬尘站点", "dust sites"),
                [tr("编码", "code"), tr("名称", "name"), tr("监测仪", "monitor"), tr("参数", "parameter"),
                 tr("上限", "upper"), tr("下限", "lower"), tr("连续", "after"),
                 tr("最短运行/间隔 s", "min run/pause s"), tr("最长 s", "max s"),
                 tr("中断 s", "gap s"), tr("喷淋控制器", "sprayers"), tr("状态", "state")],
                [(r["code"], r.get("name") or "", r["monitor_mn"], r["parameter"],
                  f"{r['upper']:g}", f"{r['lower']:g}", r["start_after"],
                  f"{r['min_run_s']:g}/{r['min_pause_s']:g}",
                  "" if r["max_run_s"] is None else f"{r['max_run_s']:g}",
                  "" if r["gap_s"] is None else f"{r['gap_s']:g}",
                  " ".join(c["mn"] for c in r["controllers"]),
                  (tr("喷淋中", "spraying") if r.get("spraying") else tr("停止", "stopped"))
                  if r["enabled"] else tr("已停用", "disabled")) for r in rows])


@sites_app.command("list")
def sites_list(as_json: JsonOpt = False) -> None:
    """列出扬尘站点与当前喷淋状态 / list dust sites and whether they spray now."""
    from ecoplan.supervision.dust_service import list_sites

    rows = list_sites(_ws().engine)
    if as_json:
        emit_json(rows)
        return
    _show_sites(rows)


@sites_app.command("add")
def sites_add(
    code: Annotated[str, typer.Argument(help="站点编码 / site code")],
    monitor: Annotated[str, typer.Option("--monitor", help="扬尘监测仪 MN / dust monitor MN")],
    controller: ControllerOpt = None,
    parameter: Annotated[str, typer.Option("--parameter", help="pm10|tsp|pm25")] = "pm10",
    upper: UpperOpt = None, lower: LowerOpt = None, start_after: StartAfterOpt = None,
    min_run: MinRunOpt = None, min_pause: MinPauseOpt = None, max_run: MaxRunOpt = None,
    gap: GapOpt = None, name: NameOpt = None, enterprise: EnterpriseOpt = None,
    cn: CnOpt = "3021", on: OnOpt = None, off: OffOpt = None, alarm: AlarmOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """登记扬尘站点；未给出的阈值取默认值（非国家标准，按当地要求设置）/ add a dust site
    (thresholds not given take the defaults — not a national standard; set them per local rule)."""
    from ecoplan.supervision.dust_service import add_site

    ws = _ws()
    site = add_site(ws.engine, code, monitor, _controllers(controller, cn, on, off, alarm) or [],
                    parameter=parameter, upper=upper, lower=lower, start_after=start_after,
                    min_run_s=min_run, min_pause_s=min_pause, max_run_s=max_run, gap_s=gap,
                    name=name, enterprise=enterprise)
    if as_json:
        emit_json(site)
        return
    ok(f"已登记扬尘站点 {code}", f"Added dust site {code}")
    _show_sites([site])
    _warn_unregistered(ws, site)


@sites_app.command("edit")
def sites_edit(
    code: Annotated[str, typer.Argument(help="站点编码 / site code")],
    monitor: Annotated[str | None, typer.Option("--monitor", help="扬尘监测仪 MN / dust monitor MN")] = None,
    controller: ControllerOpt = None,
    parameter: Annotated[str | None, typer.Option("--parameter", help="pm10|tsp|pm25")] = None,
    upper: UpperOpt = None, lower: LowerOpt = None, start_after: StartAfterOpt = None,
    min_run: MinRunOpt = None, min_pause: MinPauseOpt = None, max_run: MaxRunOpt = None,
    gap: GapOpt = None, name: NameOpt = None, enterprise: EnterpriseOpt = None,
    cn: CnOpt = "3021", on: OnOpt = None, off: OffOpt = None, alarm: AlarmOpt = None,
    enable: Annotated[bool | None, typer.Option("--enable/--disable", help="启用/停用自动控制 / "
                                                "enable/disable automatic control")] = None,
    as_json: JsonOpt = False,
) -> None:
    """修改扬尘站点（--controller 给出时替换全部控制器）/ edit a site (--controller replaces all)."""
    from ecoplan.supervision.dust_service import edit_site

    ws = _ws()
    site = edit_site(ws.engine, code, monitor_mn=monitor, parameter=parameter,
                     controllers=_controllers(controller, cn, on, off, alarm), upper=upper,
                     lower=lower, start_after=start_after, min_run_s=min_run,
                     min_pause_s=min_pause, max_run_s=max_run, gap_s=gap, name=name,
                     enterprise=enterprise, enabled=enable)
    if as_json:
        emit_json(site)
        return
    ok(f"已修改扬尘站点 {code}", f"Updated dust site {code}")
    _show_sites([site])
    _warn_unregistered(ws, site)


def _show_actions(rows: list[dict[str, Any]], title: str) -> None:
    from ecoplan.i18n import get_lang

    en = get_lang() == "en"
    print_table(title, [tr("站点", "site"), tr("时间", "time"), tr("动作", "action"),
                        tr("数值", "value"), tr("原因", "reason"), tr("命令", "commands")],
                [(r.get("site", ""), r["time"] if "time" in r else r["at"], r["action"],
                  "" if r.get("value") is None else f"{r['value']:g}",
                  r["reason_en"] if en else r["reason_zh"],
                  " ".join(map(str, r.get("command_ids", [])))) for r in rows])


@app.command("control")
def control(
    once: Annotated[bool, typer.Option("--once", help="只运行一轮 / one pass only")] = False,
    interval: Annotated[float, typer.Option("--interval", help="每轮间隔秒数 / seconds between "
                                            "passes")] = 10.0,
    passes: Annotated[int | None, typer.Option("--passes", help="运行轮数后退出 / stop after N "
                                               "passes")] = None,
    as_json: JsonOpt = False,
) -> None:
    """运行喷淋控制循环（读网关实时快照，向喷淋控制器下发命令；每个数据库只运行一个）/ run the
    spraying controller beside the gateway (one per database)."""
    from ecoplan.supervision.dust_service import run_loop

    ws = _ws()
    taken: list[dict[str, Any]] = []

    def show(acts: list[dict[str, Any]]) -> None:
        taken.extend(acts)
        if acts and not as_json:
            _show_actions(acts, tr("喷淋控制动作", "spraying actions"))

    if not once and not as_json:
        info(f"喷淋控制运行中，每 {interval:g} 秒一轮（Ctrl+C 停止）",
             f"spraying controller running, a pass every {interval:g} s (Ctrl+C stops)")
    try:
        run_loop(ws.engine, ws.settings.home, interval=interval,
                 passes=1 if once else passes, on_pass=show)
    except KeyboardInterrupt:
        pass
    if as_json:
        emit_json(taken)
    elif once and not taken:
        info("本轮无动作", "no action this pass")


def _time(value: str, opt: str) -> datetime:
    from ecoplan.errors import ValidationError

    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{opt} 应为时间，如 2026-11-28T08:00，收到 {value!r}",
                              f"{opt} must be a time such as 2026-11-28T08:00, got {value!r}") from None


@app.command("replay")
def replay_cmd(
    site: Annotated[str, typer.Option("--site", help="站点编码 / site code")],
    start: Annotated[str, typer.Option("--from", help="开始时间（数据时间）/ start (data time)")],
    end: Annotated[str, typer.Option("--to", help="结束时间 / end")],
    as_json: JsonOpt = False,
) -> None:
    """按已存的 air_minute 历史数据回放规则，显示本会采取的动作（不下发命令）/ run the rule over
    stored air_minute history and show what it would have done (nothing is sent)."""
    from ecoplan.supervision.dust_service import replay

    result = replay(_ws(), site, _time(start, "--from"), _time(end, "--to"))
    if as_json:
        emit_json(result)
        return
    _show_actions([dict(a, site=site) for a in result["actions"]],
                  tr(f"回放 {site}：{result['readings']} 个数值（{result['flagged']} 个带标记或缺失）",
                     f"replay {site}: {result['readings']} values ({result['flagged']} flagged "
                     "or missing)"))
    info(f"启动 {result['starts']} 次，报警 {result['alarms']} 次",
         f"{result['starts']} starts, {result['alarms']} alarms")


@app.command("log")
def log_cmd(
    site: Annotated[str | None, typer.Option("--site", help="站点编码 / site code")] = None,
    limit: Annotated[int, typer.Option("--limit", help="最多条数 / at most N entries")] = 200,
    as_json: JsonOpt = False,
) -> None:
    """喷淋动作日志（启动、停止、报警，含原因、数值与命令编号）/ the spraying action log."""
    from ecoplan.supervision.dust_service import action_log

    rows = action_log(_ws().engine, site=site, limit=limit)
    if as_json:
        emit_json(rows)
        return
    _show_actions(rows, tr("喷淋动作日志", "spraying action log"))
