"""``ecoplan sources``: pollution-source registry (enterprises, outlets, permits, performance
grades), exceedances of permit limits by online-monitoring hourly values, plan indicators."""

from __future__ import annotations

# Deliberately deferred: the working modules (and pandas, SQLAlchemy, Ibis …) are imported
# inside the commands, because `ecoplan --help` loads every command module and must stay
# fast (see ecoplan/commands/__init__.py).
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from ecoplan.commands.spark_options import MasterOpt, engine_name
from ecoplan.console import emit_json, ok, print_table
from ecoplan.i18n import tr

NAME = "sources"
app = typer.Typer(help="污染源监管：企业、排放口、排污许可、绩效分级、超标 / pollution sources",
                  no_args_is_help=True)
enterprises_app = typer.Typer(help="企业 / enterprises", no_args_is_help=True)
outlets_app = typer.Typer(help="排放口 / outlets", no_args_is_help=True)
permits_app = typer.Typer(help="排污许可证及限值 / discharge permits and limits",
                          no_args_is_help=True)
grades_app = typer.Typer(help="绩效分级（只追加）/ performance grades (append-only)",
                         no_args_is_help=True)
app.add_typer(enterprises_app, name="enterprises")
app.add_typer(outlets_app, name="outlets")
app.add_typer(permits_app, name="permits")
app.add_typer(grades_app, name="grades")

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")]
EntOpt = Annotated[str | None, typer.Option(
    "--enterprise", help="企业（信用代码或名称）/ enterprise (credit code or name)")]
FileArg = Annotated[Path, typer.Argument(help="Excel 文件（导入模板格式）/ workbook (template)")]


def _ws() -> Any:
    from ecoplan.store.workspace import Workspace

    return Workspace()


def _yn(v: bool) -> str:
    return tr("是", "yes") if v else tr("否", "no")


def _name(pair: tuple[str, str] | None, raw: str) -> str:
    return tr(*pair) if pair else raw


# ---------------------------------------------------------------- enterprises
@enterprises_app.command("list")
def enterprises_list(key_only: Annotated[bool, typer.Option(
        "--key-only", help="只列重点企业 / key enterprises only")] = False,
        as_json: JsonOpt = False) -> None:
    """列出企业（含当前绩效分级、有效许可证）/ list enterprises with grade and permit."""
    from ecoplan.supervision import sources as S

    today = date.today()
    with _ws().session() as s:
        rows = []
        for e in S.list_enterprises(s, key_only=key_only):
            g = S.grade_in_force(s, e.credit_code, today)
            p = S.permit_in_force(s, e.credit_code, today)
            rows.append(S.as_dict(e) | {"grade": g.grade if g else None,
                                        "permit": p.number if p else None})
    if as_json:
        emit_json(rows)
        return
    print_table(tr("企业", "Enterprises"),
                [tr("信用代码", "credit code"), tr("名称", "name"), tr("行业", "industry"),
                 tr("乡镇", "town"), tr("重点", "key"), tr("绩效分级", "grade"),
                 tr("有效许可证", "valid permit")],
                [(r["credit_code"], r["name"], r["industry"] or "", r["town"] or "",
                  _yn(r["key_enterprise"]),
                  _name(S.GRADE_NAMES.get(r["grade"] or ""), r["grade"] or "—"),
                  r["permit"] or "—") for r in rows])


@enterprises_app.command("add")
def enterprises_add(
    credit_code: Annotated[str, typer.Argument(help="统一社会信用代码 / credit code")],
    name: Annotated[str, typer.Option("--name", help="企业名称 / name")],
    industry: Annotated[str | None, typer.Option("--industry", help="行业 / industry")] = None,
    town: Annotated[str | None, typer.Option("--town", help="乡镇 / town")] = None,
    key: Annotated[bool, typer.Option("--key", help="重点企业 / key enterprise")] = False,
    no_permit: Annotated[bool, typer.Option(
        "--no-permit-required", help="无需排污许可证 / needs no permit")] = False,
    department: Annotated[str | None, typer.Option(
        "--department", help="监管部门 / department")] = None,
    as_json: JsonOpt = False,
) -> None:
    """登记企业 / register an enterprise."""
    from ecoplan.supervision import sources as S

    with _ws().session() as s:
        e = S.add_enterprise(s, credit_code, name, industry=industry, town=town,
                             key_enterprise=key, permit_required=not no_permit,
                             department=department)
        out = S.as_dict(e)
    if as_json:
        emit_json(out)
        return
    ok(f"已登记企业 {out['name']}（{out['credit_code']}）",
       f"Registered enterprise {out['name']} ({out['credit_code']})")


def _import(path: Path, sheets: tuple[str, ...], as_json: bool) -> None:
    from ecoplan.supervision.sources_excel import import_workbook

    with _ws().session() as s:
        rep = import_workbook(s, path, sheets=sheets, actor="cli")
    if as_json:
        emit_json(rep.as_dict())
    else:
        ok(f"导入完成：新增 {sum(rep.added.values())}，更新 {sum(rep.updated.values())}，"
           f"未变 {sum(rep.unchanged.values())}，错误 {len(rep.errors)}",
           f"Imported: {sum(rep.added.values())} added, {sum(rep.updated.values())} updated, "
           f"{sum(rep.unchanged.values())} unchanged, {len(rep.errors)} errors")
        if rep.errors:
            print_table(tr("错误", "Errors"),
                        [tr("文件", "file"), tr("工作表", "sheet"), tr("行", "row"),
                         tr("字段", "field"), tr("问题", "problem")],
                        [(e["file"], e["sheet"], e["row"], e["field"] or "",
                          tr(e["zh"], e["en"])) for e in rep.errors])
    if rep.errors:
        raise typer.Exit(1)


@enterprises_app.command("import")
def enterprises_import(path: FileArg, as_json: JsonOpt = False) -> None:
    """从 Excel 导入企业（工作表“企业”）/ import enterprises from the workbook."""
    _import(path, ("enterprises",), as_json)


# ---------------------------------------------------------------- outlets
@outlets_app.command("list")
def outlets_list(enterprise: EntOpt = None, as_json: JsonOpt = False) -> None:
    """列出排放口 / list outlets."""
    from ecoplan.supervision import sources as S

    with _ws().session() as s:
        rows = [S.as_dict(o) for o in S.list_outlets(s, enterprise)]
    if as_json:
        emit_json(rows)
        return
    print_table(tr("排放口", "Outlets"),
                [tr("编码", "code"), tr("企业", "enterprise"), tr("名称", "name"),
                 tr("类型", "kind"), "MN"],
                [(r["code"], r["enterprise"], r["name"] or "",
                  _name(S.OUTLET_KIND_NAMES.get(r["kind"]), r["kind"]), ";".join(r["mns"]))
                 for r in rows])


@outlets_app.command("add")
def outlets_add(
    code: Annotated[str, typer.Argument(help="排放口编码 / outlet code")],
    enterprise: Annotated[str, typer.Option("--enterprise", help="企业 / enterprise")],
    kind: Annotated[str, typer.Option("--kind", help="废气|废水 / flue_gas|waste_water")],
    name: Annotated[str | None, typer.Option("--name", help="名称 / name")] = None,
    mn: Annotated[list[str] | None, typer.Option("--mn", help="数采仪 MN（可多次）/ logger MN")]
    = None,
    as_json: JsonOpt = False,
) -> None:
    """登记排放口 / register an outlet."""
    from ecoplan.supervision import sources as S

    with _ws().session() as s:
        out = S.as_dict(S.add_outlet(s, code, enterprise, kind, name=name, mns=mn or []))
    if as_json:
        emit_json(out)
        return
    ok(f"已登记排放口 {out['code']}", f"Registered outlet {out['code']}")


@outlets_app.command("import")
def outlets_import(path: FileArg, as_json: JsonOpt = False) -> None:
    """从 Excel 导入排放口（工作表“排放口”）/ import outlets from the workbook."""
    _import(path, ("outlets",), as_json)


# ---------------------------------------------------------------- permits
@permits_app.command("list")
def permits_list(enterprise: EntOpt = None, as_json: JsonOpt = False) -> None:
    """列出排污许可证及其限值 / list permits and their limits."""
    from ecoplan.supervision import sources as S

    with _ws().session() as s:
        rows = [S.as_dict(p) | {"limits": [S.as_dict(lim) for lim in
                                           S.permit_limits(s, p.number)]}
                for p in S.list_permits(s, enterprise)]
    if as_json:
        emit_json(rows)
        return
    print_table(tr("排污许可证", "Permits"),
                [tr("编号", "number"), tr("企业", "enterprise"), tr("发证", "issued"),
                 tr("有效期至", "valid until"), tr("管理类别", "class"), tr("限值", "limits")],
                [(r["number"], r["enterprise"], r["issued"], r["valid_until"],
                  _name(S.MANAGEMENT_CLASS_NAMES.get(r["management_class"]),
                        r["management_class"]),
                  "; ".join(f"{lim['outlet']} {lim['parameter']} ≤ {lim['limit_value']:g} "
                            f"{lim['unit']}" for lim in r["limits"])) for r in rows])


@permits_app.command("add")
def permits_add(
    number: Annotated[str, typer.Argument(help="许可证编号 / permit number")],
    enterprise: Annotated[str, typer.Option("--enterprise", help="企业 / enterprise")],
    issued: Annotated[str, typer.Option("--issued", help="发证日期 / issue date")],
    valid_until: Annotated[str, typer.Option("--valid-until", help="有效期至 / valid until")],
    management_class: Annotated[str, typer.Option(
        "--class", help="重点|简化|登记 / key|simplified|registration")],
    as_json: JsonOpt = False,
) -> None:
    """登记排污许可证 / register a discharge permit."""
    from ecoplan.supervision import sources as S

    with _ws().session() as s:
        out = S.as_dict(S.add_permit(s, number, enterprise, issued, valid_until,
                                     management_class))
    if as_json:
        emit_json(out)
        return
    ok(f"已登记许可证 {out['number']}", f"Registered permit {out['number']}")


@permits_app.command("add-limit")
def permits_add_limit(
    number: Annotated[str, typer.Argument(help="许可证编号 / permit number")],
    outlet: Annotated[str, typer.Option("--outlet", help="排放口编码 / outlet")],
    parameter: Annotated[str, typer.Option("--parameter", help="污染物 / pollutant")],
    limit: Annotated[str, typer.Option("--limit", help="许可浓度限值 / concentration limit")],
    unit: Annotated[str, typer.Option("--unit", help="单位（如 mg/m³）/ unit")],
    basis: Annotated[str | None, typer.Option(
        "--basis", help="依据（按许可证原文）/ basis as the permit states")] = None,
    as_json: JsonOpt = False,
) -> None:
    """录入许可证载明的浓度限值 / add a limit the permit states."""
    from ecoplan.supervision import sources as S

    with _ws().session() as s:
        out = S.as_dict(S.add_permit_limit(s, number, S.LimitInput(outlet, parameter, limit,
                                                                   unit, basis)))
    if as_json:
        emit_json(out)
        return
    ok(f"已录入限值 {out['outlet']} {out['parameter']} ≤ {out['limit_value']:g} {out['unit']}",
       f"Limit added: {out['outlet']} {out['parameter']} ≤ {out['limit_value']:g} {out['unit']}")


@permits_app.command("import")
def permits_import(path: FileArg, as_json: JsonOpt = False) -> None:
    """从 Excel 导入许可证及限值（“许可证”“许可限值”）/ import permits and limits."""
    _import(path, ("permits", "limits"), as_json)


# ---------------------------------------------------------------- grades
@grades_app.command("list")
def grades_list(enterprise: EntOpt = None, as_json: JsonOpt = False) -> None:
    """绩效分级历史 / performance-grade history."""
    from ecoplan.supervision import sources as S

    with _ws().session() as s:
        items = S.grade_history(s, enterprise) if enterprise else S.list_grades(s)
        rows = [S.as_dict(g) for g in items]
    if as_json:
        emit_json(rows)
        return
    print_table(tr("绩效分级", "Performance grades"),
                [tr("企业", "enterprise"), tr("等级", "grade"), tr("生效日期", "from"),
                 tr("依据文件", "document")],
                [(r["enterprise"], _name(S.GRADE_NAMES.get(r["grade"]), r["grade"]),
                  r["effective_from"], r["document"]) for r in rows])


@grades_app.command("add")
def grades_add(
    enterprise: Annotated[str, typer.Option("--enterprise", help="企业 / enterprise")],
    grade: Annotated[str, typer.Option("--grade", help="引领性|A|B|C|D / grade")],
    effective_from: Annotated[str, typer.Option("--from", help="生效日期 / effective from")],
    document: Annotated[str, typer.Option("--document", help="依据文件 / document")],
    as_json: JsonOpt = False,
) -> None:
    """追加一条绩效分级 / append a performance grade."""
    from ecoplan.supervision import sources as S

    with _ws().session() as s:
        out = S.as_dict(S.record_grade(s, enterprise, grade, effective_from, document,
                                       recorded_by="cli"))
    if as_json:
        emit_json(out)
        return
    ok(f"已记录绩效分级 {out['grade']}（{out['effective_from']} 起）",
       f"Recorded grade {out['grade']} from {out['effective_from']}")


@grades_app.command("import")
def grades_import(path: FileArg, as_json: JsonOpt = False) -> None:
    """从 Excel 导入绩效分级（工作表“绩效分级”）/ import grades from the workbook."""
    _import(path, ("grades",), as_json)


# ---------------------------------------------------------------- whole workbook
@app.command("import")
def import_all(path: FileArg, as_json: JsonOpt = False) -> None:
    """导入整个登记工作簿（全部工作表）/ import every sheet of the workbook."""
    from ecoplan.supervision.sources_excel import ORDER

    _import(path, ORDER, as_json)


@app.command("template")
def template(output: Annotated[Path, typer.Option("-o", "--output",
                                                  help="输出 xlsx / output file")]) -> None:
    """生成登记导入模板（中文表头）/ write the import template."""
    from ecoplan.supervision.sources_excel import write_template

    write_template(output)
    ok(f"模板已写入 {output}", f"Template written to {output}")


def _date(value: str, field: str) -> date:
    from ecoplan.supervision.sources import parse_date

    return parse_date(value, field)


@app.command("exceedances")
def exceedances(
    date_from: Annotated[str, typer.Option("--from", help="开始日期 / first day")],
    date_to: Annotated[str, typer.Option("--to", help="结束日期 / last day")],
    enterprise: EntOpt = None,
    engine: Annotated[str | None, typer.Option(
        "--engine", help="duckdb|spark（默认取设置 engine）/ analytics engine (default: the "
        "engine setting)")] = None,
    master: MasterOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """在线监测小时值超许可限值及连续超标时段 / hourly exceedances of permit limits."""
    from ecoplan.console import progress
    from ecoplan.supervision.exceedance_report import find_exceedances

    engine = engine_name(engine)

    ws = _ws()
    with progress() as bar:
        task = bar.add_task(tr("超标判定", "judging hourly values"), total=None)
        res = find_exceedances(ws, _date(date_from, "from"), _date(date_to, "to"),
                               enterprise=enterprise, engine=engine)
        bar.update(task, completed=1, total=1)
    if as_json:
        emit_json(res.as_dict())
        return
    counts = res.counts.groupby("status")["hours"].sum().to_dict() if len(res.counts) else {}
    ok(f"{res.start}–{res.end}：许可限值 {res.limits} 项，判定小时 {counts.get('judged', 0)}，"
       f"标记不判定 {counts.get('flagged', 0)}，超标 {len(res.exceedances)} 小时、"
       f"{len(res.episodes)} 段",
       f"{res.start}–{res.end}: {res.limits} limits, {counts.get('judged', 0)} hours judged, "
       f"{counts.get('flagged', 0)} flagged (not judged), {len(res.exceedances)} hours above "
       f"the limit in {len(res.episodes)} episodes")
    print_table(tr("连续超标时段", "Exceedance episodes"),
                [tr("排放口", "outlet"), tr("污染物", "pollutant"), tr("开始", "start"),
                 tr("结束（末小时）", "end (last hour)"), tr("小时", "hours"),
                 tr("最大值", "peak"), tr("限值", "limit"), tr("最大超标倍数", "max multiple")],
                [(r.outlet, r.parameter, str(r.start), str(r.end), int(r.hours),
                  f"{r.peak_value:g}", f"{r.limit_value:g} {r.limit_unit}",
                  f"{r.peak_exceedance_multiple:.2f}") for r in res.episodes.itertuples()])


@app.command("summary")
def summary(
    on: Annotated[str | None, typer.Option("--on", help="日期（默认今天）/ as of")] = None,
    expiring_days: Annotated[int, typer.Option(
        "--expiring-days", help="许可证到期预警天数 / permits expiring within N days")] = 90,
    as_json: JsonOpt = False,
) -> None:
    """规划指标：许可覆盖率、重点企业B级及以上占比、C/D级企业、即将到期许可证 / indicators."""
    from ecoplan.supervision.sources_indicators import summary as build

    day = _date(on, "on") if on else date.today()
    with _ws().session() as s:
        res = build(s, day, expiring_days=expiring_days)
    if as_json:
        emit_json(res.as_dict())
        return

    def pct(x: float | None) -> str:
        return "—" if x is None else f"{x * 100:.1f}%"

    print_table(tr(f"污染源监管指标（{day}）", f"Pollution-source indicators ({day})"),
                [tr("指标", "indicator"), tr("值", "value")], [
        (tr("需持证企业 / 持有效许可证", "enterprises needing a permit / holding a valid one"),
         f"{res.permit_required} / {res.permit_held}"),
        (tr("排污许可覆盖率", "permit coverage"), pct(res.permit_coverage)),
        (tr("重点企业 B 级及以上", "key enterprises at grade B or above"),
         f"{res.key_b_or_above} / {res.key_enterprises}（{pct(res.key_b_or_above_share)}）"),
        (tr("重点企业无分级", "key enterprises without a grade"), str(len(res.key_ungraded))),
        (tr("C/D 级企业", "grade C/D enterprises"),
         "、".join(f"{e['name']}（{e['grade']}）" for e in res.grade_c_or_d) or "—"),
        (tr(f"{expiring_days} 天内到期许可证", f"permits expiring within {expiring_days} days"),
         "、".join(f"{p['number']}（{p['valid_until']}）" for p in res.expiring) or "—"),
    ])


def bench_sources(
    outlets: Annotated[int, typer.Option("--outlets", help="排放口数 / outlets")] = 50,
    runs: Annotated[int, typer.Option("--runs", help="重复次数 / runs")] = 3,
    engine: Annotated[str, typer.Option("--engine", help="duckdb|pyspark")] = "duckdb",
    as_json: JsonOpt = False,
) -> None:
    """超标判定基准：合成一年小时数据 / exceedance rule on a synthetic year of hourly values."""
    from ecoplan.bench.exceedance import run

    out = run(outlets=outlets, runs=runs, engine=engine)
    if as_json:
        emit_json(out)
        return
    print_table(tr("超标判定基准", "Exceedance benchmark"), [tr("项", "item"), tr("值", "value")],
                [(k, str(v)) for k, v in out.items()])


def _register_bench() -> None:
    from ecoplan.commands.bench import app as bench_app

    bench_app.command("sources")(bench_sources)


_register_bench()
