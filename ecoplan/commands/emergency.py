"""``ecoplan emergency …``: heavy-pollution-weather emergency response (重污染天气应急响应) —
the reduction list (一厂一策), issuing/changing/lifting a warning, the measures in force,
inspections, the notice (Word) and the after-action evaluation."""

from __future__ import annotations

# Deliberately deferred: the working modules (and pandas, SQLAlchemy, Ibis …) are imported
# inside the commands, because `ecoplan --help` loads every command module and must stay
# fast (see ecoplan/commands/__init__.py).
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ecoplan.console import emit_json, ok, print_table, progress
from ecoplan.errors import EcoplanError, Location
from ecoplan.i18n import get_lang, tr

if TYPE_CHECKING:
    from ecoplan.store.workspace import Workspace

app = typer.Typer(help="重污染天气应急响应（减排清单、预警发布、措施、检查、评估）/ "
                       "heavy-pollution emergency response", no_args_is_help=True)
measures_app = typer.Typer(help="应急减排清单（一厂一策）/ emergency reduction list",
                           no_args_is_help=True)
app.add_typer(measures_app, name="measures")

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")]
DocOpt = Annotated[str, typer.Option("--doc", help="文号 / issuing document number")]
ActorOpt = Annotated[str, typer.Option("--actor", help="操作人 / who does it")]
StationsOpt = Annotated[str | None, typer.Option(
    "--stations", help="评估站点代码，逗号分隔（默认登记的交城县/吕梁市站点）/ station codes")]


class EmergencyCliError(EcoplanError):
    """Bad command-line input of ``ecoplan emergency``."""


def _when(raw: str, field: str) -> datetime:
    try:
        return datetime.fromisoformat(raw.strip().replace("T", " "))
    except ValueError:
        raise EmergencyCliError(f"时间无法识别：{raw!r}（如 2021-12-01 20:00）",
                                f"Unrecognised time: {raw!r} (e.g. 2021-12-01 20:00)",
                                location=Location(field=field)) from None


def _day(raw: str | None, field: str) -> date | None:
    return None if raw is None else _when(raw, field).date()


def _ws() -> Any:
    from ecoplan.store.workspace import Workspace

    return Workspace()


def _zh() -> bool:
    return get_lang() == "zh"


def _state_line(st: Any) -> None:
    from ecoplan.supervision.emergency import LEVEL_NAMES

    name = LEVEL_NAMES[st.level][0 if _zh() else 1] if st.level else "—"
    state = tr("执行中", "in force") if st.active else tr("已结束", "ended")
    ok(f"应急响应 {st.id}：{name}，{state}（{st.start:%Y-%m-%d %H:%M} 起）",
       f"Response {st.id}: {name}, {state} (from {st.start:%Y-%m-%d %H:%M})")


# ----------------------------------------------------------------------------- measures
@measures_app.command("template")
def template_command(out: Annotated[Path, typer.Argument(help="输出 .xlsx / output workbook")]
                     ) -> None:
    """生成应急减排清单导入模板 / write the reduction-list workbook template."""
    from ecoplan.supervision.emergency import write_template

    write_template(out)
    ok(f"模板已生成：{out}", f"Template written: {out}")


@measures_app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="减排清单 .xlsx / reduction-list workbook")],
    valid_from: Annotated[str, typer.Option("--valid-from", help="生效日期 / effective from")],
    name: Annotated[str | None, typer.Option("--name", help="清单名称 / list name")] = None,
    actor: ActorOpt = "cli",
    as_json: JsonOpt = False,
) -> None:
    """导入减排清单（新版本，自生效日起替代旧版本；有错则全部不导入）/ import a list version."""
    from ecoplan.supervision.emergency import import_measures

    res = import_measures(_ws().engine, path, valid_from=_day(valid_from, "valid_from"),  # type: ignore[arg-type]
                          name=name, actor=actor)
    if as_json:
        emit_json(res.__dict__)
        return
    ok(f"已导入清单 {res.list_id}：{res.subjects} 个单位、{res.measures} 条措施、{res.rules} 条分级规则",
       f"Imported list {res.list_id}: {res.subjects} subjects, {res.measures} measures, "
       f"{res.rules} grade rules")


@measures_app.command("list")
def list_command(
    on: Annotated[str | None, typer.Option("--date", help="日期（默认今天）/ date")] = None,
    level: Annotated[str | None, typer.Option("--level", help="预警级别 / level")] = None,
    as_json: JsonOpt = False,
) -> None:
    """列出某日有效的减排清单 / the reduction list in effect on a date."""
    from ecoplan.supervision.emergency import measure_rows, parse_level

    rows = measure_rows(_ws().engine, _day(on, "date"), parse_level(level) if level else None)
    if as_json:
        emit_json(rows)
        return
    print_table(tr("应急减排清单", "Emergency reduction list"),
                [tr("行", "row"), tr("单位", "subject"), tr("信用代码", "credit code"),
                 tr("生产线/工序", "line/process"), tr("级别", "level"), tr("措施", "measure"),
                 tr("限产%", "limit %")],
                [[m["row"], m["subject_name"], m["credit_code"],
                  "／".join(x for x in (m["production_line"], m["process"]) if x),
                  m["level"], m["measure_zh"] if _zh() else m["measure_en"],
                  m["limit_percent"]] for m in rows])


# ----------------------------------------------------------------------------- lifecycle
@app.command("issue")
def issue_command(
    start: Annotated[str, typer.Option("--from", help="开始时间 / start")],
    doc: DocOpt,
    level: Annotated[str | None, typer.Option(
        "--level", help="预警级别 yellow|orange|red（有 --forecast 时可省略）/ level")] = None,
    end: Annotated[str | None, typer.Option("--to", help="计划结束时间 / planned end")] = None,
    forecast: Annotated[Path | None, typer.Option(
        "--forecast", help="预报日 AQI CSV（date,aqi），按环办大气函〔2018〕875号研判 / forecast")] = None,
    variant: Annotated[str, typer.Option("--variant", help="预警分级方案 / grading")] = "national_2018",
    area: Annotated[str, typer.Option("--area", help="区域 / area")] = "交城县",
    actor: ActorOpt = "cli",
    as_json: JsonOpt = False,
) -> None:
    """发布预警、启动应急响应 / issue a warning and start a response."""
    from ecoplan.supervision.emergency import issue

    st = issue(_ws().engine, level=level, start=_when(start, "from"),
               planned_end=_when(end, "to") if end else None, doc_no=doc, forecast=forecast,
               variant=variant, area=area, actor=actor)
    if as_json:
        emit_json(st.as_dict())
        return
    _state_line(st)


@app.command("change")
def change_command(
    response: Annotated[int, typer.Argument(help="应急响应编号 / response id")],
    at: Annotated[str, typer.Option("--at", help="生效时间 / effective time")],
    doc: DocOpt,
    level: Annotated[str | None, typer.Option("--level", help="新级别 / new level")] = None,
    end: Annotated[str | None, typer.Option("--to", help="新的计划结束时间 / new end")] = None,
    actor: ActorOpt = "cli",
    as_json: JsonOpt = False,
) -> None:
    """升级、降级或延长应急响应 / upgrade, downgrade or extend a response."""
    from ecoplan.supervision.emergency import change

    st = change(_ws().engine, response, at=_when(at, "at"), doc_no=doc, level=level,
                planned_end=_when(end, "to") if end else None, actor=actor)
    if as_json:
        emit_json(st.as_dict())
        return
    _state_line(st)


@app.command("lift")
def lift_command(
    response: Annotated[int, typer.Argument(help="应急响应编号 / response id")],
    at: Annotated[str, typer.Option("--at", help="解除时间 / lifted at")],
    doc: DocOpt,
    actor: ActorOpt = "cli",
    as_json: JsonOpt = False,
) -> None:
    """解除应急响应 / lift a response."""
    from ecoplan.supervision.emergency import lift

    st = lift(_ws().engine, response, at=_when(at, "at"), doc_no=doc, actor=actor)
    if as_json:
        emit_json(st.as_dict())
        return
    _state_line(st)


@app.command("status")
def status_command(
    at: Annotated[str | None, typer.Option("--at", help="时刻（默认现在）/ moment")] = None,
    as_json: JsonOpt = False,
) -> None:
    """当前（或某时刻）执行的应急响应及应执行的减排措施 / measures in force."""
    from ecoplan.supervision.emergency import measures_in_force

    res = measures_in_force(_ws().engine, _when(at, "at") if at else None)
    if as_json:
        emit_json(res)
        return
    if res["response"] is None:
        ok(f"{res['at'][:16]} 没有执行中的应急响应", f"No response in force at {res['at'][:16]}")
        return
    r = res["response"]
    print_table(tr("应执行的减排措施", "Measures in force"),
                [tr("单位", "subject"), tr("信用代码", "credit code"), tr("绩效", "grade"),
                 tr("生产线/工序", "line/process"), tr("措施", "measure"), tr("限产%", "limit %"),
                 tr("要求", "status")],
                [[m["subject_name"], m["credit_code"], m["grade"],
                  "／".join(x for x in (m["production_line"], m["process"]) if x),
                  m["measure_zh"] if _zh() else m["measure_en"], m["limit_percent"],
                  m["status_zh"] if _zh() else m["status"]] for m in res["measures"]])
    ok(f"应急响应 {r['id']}：{r['level_zh']}，文号 {r['doc_no']}",
       f"Response {r['id']}: {r['level_en']}, document {r['doc_no']}")


@app.command("history")
def history_command(as_json: JsonOpt = False) -> None:
    """全部应急响应及其事件 / every response with its events."""
    from ecoplan.supervision.emergency import responses

    rows = [st.as_dict() for st in responses(_ws().engine)]
    if as_json:
        emit_json(rows)
        return
    print_table(tr("应急响应", "Responses"),
                ["id", tr("级别", "level"), tr("开始", "start"), tr("结束", "end"),
                 tr("文号", "document"), tr("事件数", "events")],
                [[r["id"], r["level_zh"] if _zh() else r["level_en"], r["start"][:16],
                  (r["ended"] or r["planned_end"] or "")[:16], r["doc_no"], len(r["events"])]
                 for r in rows])


@app.command("inspect")
def inspect_command(
    response: Annotated[int, typer.Argument(help="应急响应编号 / response id")],
    enterprise: Annotated[str, typer.Option("--enterprise", help="统一社会信用代码 / credit code")],
    at: Annotated[str, typer.Option("--at", help="检查时间 / inspected at")],
    complied: Annotated[bool, typer.Option(
        "--complied/--not-complied", help="是否落实措施 / measures carried out or not")],
    department: Annotated[str, typer.Option("--department", help="检查部门 / department")],
    inspector: Annotated[str, typer.Option("--inspector", help="检查人 / inspector")],
    note: Annotated[str | None, typer.Option("--note", help="说明 / note")] = None,
    evidence: Annotated[list[str] | None, typer.Option(
        "--evidence", help="佐证文件，可重复 / evidence file, repeatable")] = None,
    as_json: JsonOpt = False,
) -> None:
    """录入现场检查记录 / record an on-site inspection."""
    from ecoplan.supervision.emergency import record_inspection

    for ev in evidence or []:
        if not Path(ev).exists():
            raise EmergencyCliError(f"佐证文件不存在：{ev}", f"Evidence file not found: {ev}",
                                    location=Location(file=ev, field="evidence"))
    rid = record_inspection(_ws().engine, response, credit_code=enterprise, at=_when(at, "at"),
                            complied=complied, department=department, inspector=inspector,
                            note=note, evidence=[str(Path(e).resolve()) for e in evidence or []])
    if as_json:
        emit_json({"id": rid})
        return
    ok(f"检查记录 {rid} 已录入", f"Inspection {rid} recorded")


@app.command("notice")
def notice_command(
    out: Annotated[Path, typer.Option("--out", help="输出 .docx / output file")],
    at: Annotated[str | None, typer.Option("--at", help="时刻（默认现在）/ moment")] = None,
    issuer: Annotated[str, typer.Option("--issuer", help="发文单位 / issuer")]
    = "交城县重污染天气应急指挥部",
) -> None:
    """生成应急响应通知（Word，含减排措施清单）/ write the response notice (Word)."""
    from ecoplan.supervision.emergency import measures_in_force
    from ecoplan.supervision.emergency_notice import write_notice

    write_notice(measures_in_force(_ws().engine, _when(at, "at") if at else None), out,
                 issuer=issuer)
    ok(f"通知已生成：{out}", f"Notice written: {out}")


def _stations(ws: Workspace, raw: str | None) -> list[str]:
    if raw:
        return [s.strip() for s in raw.split(",") if s.strip()]
    from ecoplan.ingest.registry import list_sites

    sites = list_sites(ws.engine, "station")
    picked = [s["code"] for s in sites if s.get("county") == "交城县"]
    picked = picked or [s["code"] for s in sites if (s.get("city") or "").startswith("吕梁")]
    if not picked:
        raise EmergencyCliError("没有登记交城县或吕梁市的站点，请用 --stations 指定",
                                "No Jiaocheng or Lüliang stations registered; give --stations",
                                location=Location(field="stations"))
    return picked


@app.command("evaluate")
def evaluate_command(
    response: Annotated[int, typer.Argument(help="应急响应编号 / response id")],
    stations: StationsOpt = None,
    before_days: Annotated[int | None, typer.Option(
        "--before-days", help="对比的响应前天数（默认与响应天数相同）/ comparison days")] = None,
    as_json: JsonOpt = False,
) -> None:
    """响应效果评估：响应期间与之前的 AQI、检查落实率 / after-action evaluation."""
    from ecoplan.supervision.emergency_evaluation import evaluate

    ws = _ws()
    with progress() as bar:
        task = bar.add_task(tr("评估中", "Evaluating"), total=None)
        res = evaluate(ws.engine, ws.lake, response, _stations(ws, stations),
                       before_days=before_days, engine_name=ws.settings.engine)
        bar.update(task, completed=1, total=1)
    if as_json:
        emit_json(res)
        return
    d, b, c = res["during"], res["before"], res["change_percent"]
    print_table(tr(f"应急响应 {response} 效果评估", f"Response {response} evaluation"),
                [tr("指标", "measure"), tr("响应前", "before"), tr("响应期间", "during"),
                 tr("变化%", "change %")],
                [[tr("日 AQI 均值", "daily AQI mean"), b["daily_aqi_mean"], d["daily_aqi_mean"],
                  c["daily_aqi_mean"]],
                 [tr("PM2.5 日均值 (μg/m³)", "PM2.5 daily mean (μg/m³)"), b["pm25_mean"],
                  d["pm25_mean"], c["pm25_mean"]],
                 [tr("小时 AQI 均值", "hourly AQI mean"), b["hourly_aqi_mean"],
                  d["hourly_aqi_mean"], c["hourly_aqi_mean"]],
                 [tr("重污染天数", "heavy days"), b["heavy_days"], d["heavy_days"], None]])
    i = res["inspections"]
    ok(f"检查 {i['total']} 次，落实 {i['complied']} 次，落实率 {i['compliance_rate']}%",
       f"{i['total']} inspections, {i['complied']} complied, rate {i['compliance_rate']}%")


@app.command("heavy-days")
def heavy_days_command(stations: StationsOpt = None, as_json: JsonOpt = False) -> None:
    """逐年重污染天数（日 AQI > 200），对照“基本消除重污染天气”/ heavy-pollution days per year."""
    from ecoplan.supervision.emergency_evaluation import heavy_days_per_year

    ws = _ws()
    with progress() as bar:
        task = bar.add_task(tr("计算中", "Computing"), total=None)
        rows = heavy_days_per_year(ws.engine, ws.lake, _stations(ws, stations),
                                   engine_name=ws.settings.engine)
        bar.update(task, completed=1, total=1)
    if as_json:
        emit_json(rows)
        return
    print_table(tr("重污染天数", "Heavy-pollution days"),
                [tr("年份", "year"), tr("有效天数", "valid days"), tr("重污染天数", "heavy days"),
                 tr("比例 (%)", "share (%)"), tr("日期", "dates")],
                [[r["year"], r["valid_days"], r["heavy_days"], r["heavy_day_ratio"],
                  ", ".join(r["heavy_dates"])]
                 for r in rows])
