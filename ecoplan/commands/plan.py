"""``ecoplan plan``: show, export, check, import and load the plan (indicators, projects, tasks)."""

from __future__ import annotations

# Deliberately deferred: the working modules (and pandas, SQLAlchemy, Ibis …) are imported
# inside the commands, because `ecoplan --help` loads every command module and must stay
# fast (see ecoplan/commands/__init__.py).
from pathlib import Path
from typing import Annotated, Any

import typer

from ecoplan.console import console, emit_json, ok, print_table
from ecoplan.i18n import get_lang, tr

NAME = "plan"
DEFAULT_PLAN = "jiaocheng-2021-2025"

app = typer.Typer(name=NAME, help="规划：指标、重点工程与任务 / the plan: indicators, key projects, tasks",
                  no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")]
PlanOpt = Annotated[
    Path | None,
    typer.Option("--plan", "-p", help="规划文件或代码（默认内置交城规划）/ plan file or code (default: the bundled plan)"),
]


def _load(path: Path | None) -> Any:
    """The plan of ``--plan``: a file, a bundled code or the code of a plan loaded in the workspace."""
    from ecoplan.plan import bundled_plan_path, load_plan

    if path is not None and not path.exists():
        return _plan_by_id(str(path))
    return load_plan(path if path is not None else bundled_plan_path(DEFAULT_PLAN))


@app.command("list")
def list_plans(
    loaded: Annotated[bool, typer.Option("--loaded", help="列出工作区中已载入的规划（各期）/ the plans loaded in the workspace")] = False,
    as_json: JsonOpt = False,
) -> None:
    """列出内置规划（--loaded：工作区中的各期规划）/ list the bundled plans (--loaded: the workspace's)."""
    from ecoplan.plan import bundled_plan_path, bundled_plans, load_plan

    paths: list[tuple[str, Path]] = [(code, bundled_plan_path(code)) for code in bundled_plans()]
    if loaded:
        from ecoplan.store.plan_store import loaded_plans
        from ecoplan.store.workspace import Workspace

        paths = [(e.code, Path(e.source_file)) for e in loaded_plans(Workspace().engine)
                 if e.source_file and Path(e.source_file).is_file()]
    rows = []
    for code, path in paths:
        p = load_plan(path)
        rows.append({"code": code, "title": p.title_zh, "region": p.region.name_zh,
                     "period": f"{p.start_year}-{p.end_year}", "indicators": len(p.indicators_by_number()),
                     "key_projects": len(p.key_projects), "tasks": len(p.tasks),
                     "status": p.status, "predecessor": p.predecessor, "path": str(path)})
    if as_json:
        emit_json(rows)
        return
    print_table(tr("工作区中的规划", "Plans in the workspace") if loaded else tr("内置规划", "Bundled plans"),
                [tr("代码", "code"), tr("名称", "title"), tr("规划期", "period"), tr("指标", "indicators"),
                 tr("重点工程", "projects"), tr("任务", "tasks")],
                [(r["code"], r["title"], r["period"], r["indicators"], r["key_projects"], r["tasks"]) for r in rows])


def _measure_text(ind: Any) -> str:
    m = ind.measurement
    if m is None:
        return ""
    if m.kind == "computed":
        scope = m.stations or "、".join(m.sections or m.sources) or m.points or ""
        return f"{m.statistic} {scope}".strip()
    return tr(f"{m.department}报送", f"reported by {m.department}")


SOURCE_WORDS = {"computed": ("监测数据计算", "computed"), "reported": ("部门填报", "reported"),
                "entry": ("待填报", "to enter"), "plan": ("规划表", "plan table")}
RECURRING_WORDS = {"yearly": ("每年", "yearly"), "quarterly": ("每季度", "quarterly"),
                   "monthly": ("每月", "monthly"), "seasonal": ("季节性", "seasonal")}


@app.command("show")
def show(plan_file: PlanOpt = None, as_json: JsonOpt = False) -> None:
    """显示规划的指标、重点工程与任务 / show indicators, key projects and tasks."""
    from ecoplan.plan.export import plan_as_json

    plan = _load(plan_file)
    if as_json:
        emit_json(plan_as_json(plan))
        return
    en = get_lang() == "en"
    console.print(f"[bold]{plan.title_zh}[/bold]  {plan.start_year}–{plan.end_year}"
                  f"（{tr('基准年', 'baseline')} {plan.baseline_year}）")
    print_table(
        tr("表1 指标体系", "Table 1 indicators"),
        [tr("键", "key"), tr("类别", "category"), tr("指标", "indicator"), tr("单位", "unit"),
         f"{plan.baseline_year}", f"{plan.end_year}", tr("属性", "attribute"), tr("测算", "measured by")],
        [(i.key, i.category, (i.name_en or i.name_zh) if en else i.name_zh, i.unit or "",
          i.baseline.text, i.target.text or "—",
          (i.attribute if en else i.attribute_zh), _measure_text(i)) for i in plan.indicators],
    )
    print_table(
        tr("表2 重点工程", "Table 2 key projects"),
        [tr("序号", "no."), tr("类别", "category"), tr("项目名称", "project"), tr("投资（万元）", "10⁴ CNY"),
         tr("实施时间", "period"), tr("牵头部门", "lead")],
        [(p.number, p.category, p.name, p.investment_wan_yuan, p.period_text, "、".join(p.lead_departments))
         for p in plan.key_projects],
    )
    console.print(tr(f"合计投资 {plan.total_investment()} 万元；", f"Total investment {plan.total_investment()} ×10⁴ CNY; ")
                  + "；".join(f"{k} {v}" for k, v in plan.investment_by_category().items()))
    from ecoplan.assess.owners import plan_owners

    owners = plan_owners(plan)
    print_table(
        tr("任务", "Tasks"),
        [tr("编号", "key"), tr("期限", "deadline"), tr("责任部门", "department"), tr("目标", "target"),
         tr("任务", "task")],
        [(t.key, t.deadline or (tr(*RECURRING_WORDS[t.recurring]) if t.recurring else ""), "、".join(owners.get(("task", t.key), [])) or "—",
          f"{t.target.quantity} {t.target.operator} {t.target.value if t.target.value is not None else ''}"
          f"{t.target.unit or ''}" if t.target else "", t.text[:60] + ("…" if len(t.text) > 60 else ""))
         for t in plan.tasks],
    )


@app.command("export")
def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="xlsx | csv | json")] = "xlsx",
    output: Annotated[Path, typer.Option("--output", "-o", help="输出文件 / output file")] = Path("plan.xlsx"),
    plan_file: PlanOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """导出规划（Excel 按规划表格排版，含任务表）/ export the plan (xlsx laid out like the plan)."""
    from ecoplan.plan.export import export_plan

    plan = _load(plan_file)
    written = export_plan(plan, fmt.lower(), output)
    if as_json:
        emit_json({"format": fmt.lower(), "files": [str(p) for p in written]})
        return
    for p in written:
        ok(f"已写出 {p}", f"Wrote {p}")


@app.command("check")
def check(
    plan_file: Annotated[Path | None, typer.Argument(help="规划文件（默认内置交城规划）/ plan file")] = None,
    source: Annotated[
        Path | None,
        typer.Option("--source", help="规划原文（.txt 导出或 .docx），用于核对正文 / the plan's source document"),
    ] = None,
    fail_on: Annotated[
        str | None, typer.Option("--fail-on", help="有该级别问题时退出码为 1：error|warning / exit 1 on findings")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """规划审校：正文与表格数字、合计、目标、名称、日期、数据来源 / review the plan for inconsistencies."""
    from rich.markup import escape

    from ecoplan.errors import PlanError
    from ecoplan.plan import bundled_plan_path
    from ecoplan.plan.check import SEVERITY_ORDER, check_plan
    from ecoplan.plan.importer import read_document

    path = plan_file if plan_file is not None else bundled_plan_path(DEFAULT_PLAN)
    plan = _load(path)
    if source is None and plan.source:
        candidate = Path(path).parent / plan.source
        if candidate.is_file():
            source = candidate
    doc = read_document(source) if source is not None else None
    report = check_plan(plan, doc)
    if as_json:
        data = report.as_dict()
        data["source"] = str(source) if source else None
        emit_json(data)
    else:
        lang = get_lang()
        c = report.counts()
        console.print(tr(f"规划 {plan.code}：错误 {c['error']}，警告 {c['warning']}，提示 {c['info']}",
                         f"Plan {plan.code}: {c['error']} errors, {c['warning']} warnings, {c['info']} notes"))
        colours = {"error": "red", "warning": "yellow", "info": "cyan"}
        for n, f in enumerate(report.findings, start=1):
            where = "；".join(loc.describe(lang) for loc in f.locations) if lang == "zh" else \
                "; ".join(loc.describe(lang) for loc in f.locations)
            console.print(f"[{colours[f.severity]}]{n}. {escape('[' + f.severity + ']')}[/] {f.code} — "
                          f"{escape(where)}", highlight=False)
            console.print("   " + (f.message_zh if lang == "zh" else f.message_en), highlight=False, markup=False)
            console.print("   " + tr("建议：", "Fix: ") + (f.fix_zh if lang == "zh" else f.fix_en),
                          highlight=False, markup=False)
    if fail_on:
        if fail_on not in ("error", "warning"):
            raise PlanError(f"--fail-on 只能是 error 或 warning，而不是 {fail_on}",
                            f"--fail-on must be error or warning, not {fail_on!r}")
        if any(SEVERITY_ORDER[f.severity] <= SEVERITY_ORDER[fail_on] for f in report.findings):
            raise typer.Exit(1)


@app.command("import")
def import_(
    document: Annotated[Path, typer.Argument(help="规划文档 .docx 或 .txt 纯文本导出 / .docx or text export")],
    output: Annotated[Path, typer.Option("--output", "-o", help="输出的规划 YAML 草稿 / draft YAML")],
    code: Annotated[str | None, typer.Option("--code", help="规划代码，如 wenshui-2021-2025 / plan code")] = None,
    link_to: Annotated[Path | None, typer.Option(
        "--link-to", help="对应的规划草稿（plan draft 生成），把指标映射到草稿的衔接关系 / "
        "the draft whose indicator links the imported plan takes over")] = None,
    as_json: JsonOpt = False,
) -> None:
    """从规划文档生成规划 YAML 草稿，并列出无法识别的单元格 / draft a plan YAML from a document."""
    from ecoplan.plan import load_plan, parse_plan_text
    from ecoplan.plan.importer import import_document
    from ecoplan.plan.succession import map_onto_draft

    result = import_document(document, code)
    mapping = []
    if link_to is not None:
        draft_plan = load_plan(link_to)
        previous = _plan_by_id(draft_plan.predecessor) if draft_plan.predecessor else None
        mapping = map_onto_draft(result.plan, draft_plan, previous)
    text = result.to_yaml()
    output.write_text(text, encoding="utf-8")
    valid = True
    error = None
    try:
        parse_plan_text(text, str(output))
    except Exception as exc:  # the draft may still need the editor (e.g. an unreadable cell)
        valid = False
        error = exc.message(get_lang()) if hasattr(exc, "message") else str(exc)
    data = {
        "output": str(output), "indicators": len(result.plan["indicators"]),
        "key_projects": len(result.plan["key_projects"]), "tasks": len(result.plan["tasks"]),
        "valid": valid, "validation_error": error,
        "problems": [p.as_dict() for p in result.problems],
        "links": [{"key": m.key, "name": m.name, "draft_key": m.draft_key, "previous_key": m.previous_key,
                   "how": m.how, "baseline_issued": m.baseline_issued, "baseline_draft": m.baseline_draft,
                   "baseline_agrees": m.baseline_agrees} for m in mapping],
    }
    if as_json:
        emit_json(data)
        return
    ok(f"已写出草稿 {output}：指标 {data['indicators']} 项，重点工程 {data['key_projects']} 项，任务 {data['tasks']} 条",
       f"Draft written to {output}: {data['indicators']} indicators, {data['key_projects']} projects, "
       f"{data['tasks']} tasks")
    if result.problems:
        print_table(tr("无法识别的内容（已保留原文）", "Cells that could not be read (raw text kept)"),
                    [tr("位置", "where"), tr("原文", "text"), tr("问题", "problem")],
                    [(p.location.describe(get_lang()), p.value or "", p.zh if get_lang() == "zh" else p.en)
                     for p in result.problems])
    if mapping:
        print_table(tr("与规划草稿的指标衔接", "Links taken over from the draft"),
                    [tr("键", "key"), tr("指标", "indicator"), tr("草稿指标", "draft"), tr("上一期指标", "previous"),
                     tr("依据", "by"), tr("基准（印发/草稿）", "baseline issued/draft")],
                    [(m.key, m.name, m.draft_key or tr("未匹配", "none"), m.previous_key or "—", m.how,
                      f"{m.baseline_issued or '—'} / {m.baseline_draft or '—'}"
                      + ("" if m.baseline_agrees in (None, True) else tr("（不一致）", " (differs)")))
                     for m in mapping])
    if not valid:
        console.print(tr(f"草稿尚不能通过校验：{error}", f"The draft does not validate yet: {error}"),
                      markup=False)


@app.command("load")
def load(
    plan_file: Annotated[Path | None, typer.Argument(help="规划文件（默认内置交城规划）/ plan file")] = None,
    as_json: JsonOpt = False,
) -> None:
    """把规划载入工作区数据库（按内容哈希幂等）/ load the plan into the workspace database."""
    from ecoplan.assess.owners import sync_plan_owners
    from ecoplan.plan import bundled_plan_path
    from ecoplan.store.plan_store import load_plan_into_db
    from ecoplan.store.workspace import Workspace

    path = plan_file if plan_file is not None else bundled_plan_path(DEFAULT_PLAN)
    plan = _load(path)
    ws = Workspace()
    result = load_plan_into_db(ws.engine, plan, source_file=path)
    with ws.session() as s:
        owners = sync_plan_owners(s, plan)
    if as_json:
        emit_json({**result.as_dict(), "owners": owners.as_dict()})
        return
    words = {"loaded": ("已载入", "loaded"), "updated": ("已更新", "updated"), "unchanged": ("未变化", "unchanged")}
    zh, en = words[result.status]
    ok(f"规划 {plan.code} {zh}：指标 {result.counts['indicators']}，重点工程 {result.counts['key_projects']}，"
       f"任务 {result.counts['tasks']}",
       f"Plan {plan.code} {en}: {result.counts['indicators']} indicators, "
       f"{result.counts['key_projects']} projects, {result.counts['tasks']} tasks")
    ok(f"责任部门：{owners.subjects} 项事项有责任部门，新建部门 {len(owners.departments_created)} 个"
       + (f"（{'、'.join(owners.departments_created)}）" if owners.departments_created else "")
       + (f"，保留手工调整 {owners.manual_kept} 项" if owners.manual_kept else "")
       + "；可用 ecoplan departments assign 调整",
       f"Responsible departments: {owners.subjects} items have owners, "
       f"{len(owners.departments_created)} departments created"
       + (f" ({', '.join(owners.departments_created)})" if owners.departments_created else "")
       + (f", {owners.manual_kept} manual assignments kept" if owners.manual_kept else "")
       + "; change them with ecoplan departments assign")


@app.command("override")
def override(
    key: Annotated[str, typer.Argument(help="指标键，如 9、4b / indicator key")],
    target: Annotated[str, typer.Argument(help="市级下达的目标，如 ≥13.5、Ⅲ类 / the city's target")],
    effective: Annotated[str, typer.Option("--date", help="生效日期 YYYY-MM-DD / effective date")],
    document: Annotated[str, typer.Option("--document", help="文号 / document reference")],
    year: Annotated[int | None, typer.Option("--year", help="适用年度 / year it applies to")] = None,
    plan_file: PlanOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """登记市级下达的目标（只追加，保留历史）/ record a target handed down by the city (append-only)."""
    from datetime import date

    from ecoplan.errors import ValidationError
    from ecoplan.plan.cells import CellError, parse_target
    from ecoplan.store.plan_store import (
        load_plan_into_db,
        municipal_targets_from_db,
        record_municipal_target,
    )
    from ecoplan.store.workspace import Workspace

    plan = _load(plan_file)
    ind = plan.indicator(key)
    try:
        parsed = parse_target(target, ind.direction)
        when = date.fromisoformat(effective)
    except CellError as exc:
        raise ValidationError(exc.zh, exc.en) from exc
    except ValueError as exc:
        raise ValidationError(f"日期「{effective}」应为 YYYY-MM-DD", f"date {effective!r} must be YYYY-MM-DD") from exc
    from ecoplan.plan import bundled_plan_path, bundled_plans

    engine = Workspace().engine
    if plan_file is not None and plan_file.is_file():
        load_plan_into_db(engine, plan, source_file=plan_file)
    elif plan_file is None or str(plan_file) in bundled_plans():
        load_plan_into_db(engine, plan, source_file=bundled_plan_path(str(plan_file or DEFAULT_PLAN)))
    # else: a plan already loaded in the workspace, named by its code
    added = record_municipal_target(engine, plan, key, parsed, when, document, year)
    history = municipal_targets_from_db(engine, plan.code)
    if as_json:
        emit_json({"added": added, "history": [m.model_dump(mode="json") for m in history
                                                if m.indicator_key == key]})
        return
    if added:
        ok(f"已登记指标{key}的市级目标「{parsed.text}」（{when}，{document}）",
           f"Recorded the city's target {parsed.text!r} for indicator {key} ({when}, {document})")
    else:
        ok("该文号的目标已登记过，未重复写入", "That document is already recorded; nothing written")


# ---------------------------------------------------------------------------- succession
def _plan_by_id(ref: str) -> Any:
    """A plan by bundled code, by a file path, or by the code of a plan loaded in the workspace."""
    from ecoplan.plan import bundled_plan_path, bundled_plans, load_plan

    p = Path(ref)
    if p.suffix in (".yaml", ".yml") and p.is_file():
        return load_plan(p)
    if ref in bundled_plans():
        return load_plan(bundled_plan_path(ref))
    from ecoplan.store.plan_store import plan_source
    from ecoplan.store.workspace import Workspace

    return load_plan(plan_source(Workspace().engine, ref))


@app.command("draft")
def draft(
    source: Annotated[str, typer.Option("--from", help="上一期规划（代码或文件）/ the previous plan (code or file)")],
    period: Annotated[str, typer.Option("--period", help="新规划期，如 2026-2030 / the new period")],
    output: Annotated[Path, typer.Option("--output", "-o", help="草稿 YAML / draft YAML")],
    targets: Annotated[Path | None, typer.Option(
        "--targets", help="拟定目标值文件（YAML：targets: {键: 目标}）/ proposed targets (YAML)")] = None,
    code: Annotated[str | None, typer.Option("--code", help="新规划代码 / code of the new plan")] = None,
    as_json: JsonOpt = False,
) -> None:
    """起草下一期规划：基准值由工作区数据计算（空气指标按 2012 与 2026 两套规则），链接上一期指标 /
    draft the next plan with baselines computed from the workspace's data."""
    from ecoplan.assess.succession import draft_baselines
    from ecoplan.plan.succession import (
        build_draft,
        load_proposed_targets,
        parse_period,
        plan_to_yaml,
    )
    from ecoplan.store.workspace import Workspace

    start, end = parse_period(period)
    previous = _plan_by_id(source)
    ws = Workspace()
    db = draft_baselines(ws, previous, start - 1)
    proposed, example = load_proposed_targets(targets, previous) if targets else ({}, False)
    plan = build_draft(previous, start, end, db.baselines, targets=proposed, code=code)
    if example:
        plan.status_note = (plan.status_note or "") + "；目标值取自示例文件（构造的示例，非真实规划目标）"
    header = (f"# {plan.title_zh} — 由 ecoplan plan draft 生成 / drafted by ecoplan plan draft\n"
              f"# 基准年 {start - 1}：数值由工作区数据经评估引擎计算，每项注明来源与规则；"
              "to_enter: true 的指标待填报。\n")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(plan_to_yaml(plan, header), encoding="utf-8")
    rows = [{"key": i.key, "name": i.name_zh, "baseline": i.baseline.text,
             "figures": {f.ruleset: f.text for f in i.baseline.figures}, "source": i.baseline.source,
             "to_enter": i.baseline.to_enter, "target": i.target.text,
             "changes": [c.kind for c in (i.predecessor.changes if i.predecessor else [])]}
            for i in plan.indicators]
    if as_json:
        emit_json({"output": str(output), "code": plan.code, "period": plan.period,
                   "baseline_year": plan.baseline_year, "indicators": rows})
        return
    print_table(tr(f"{plan.title_zh}：{plan.baseline_year} 年基准", f"{plan.code}: {plan.baseline_year} baselines"),
                [tr("键", "key"), tr("指标", "indicator"), tr("基准", "baseline"), tr("分口径", "by rules"),
                 tr("来源", "source"), tr("目标", "target")],
                [(r["key"], r["name"], r["baseline"], "；".join(f"{k}: {v}" for k, v in r["figures"].items()),
                  tr(*SOURCE_WORDS.get(r["source"] or "", ("", ""))), r["target"] or "—") for r in rows])
    ok(f"已写出草稿 {output}（{sum(r['to_enter'] for r in rows)} 项指标待填报）",
       f"Draft written to {output} ({sum(r['to_enter'] for r in rows)} indicators to enter)")


@app.command("target-check")
def target_check_cmd(
    draft_file: Annotated[Path, typer.Argument(help="草稿或规划文件 / draft or plan file")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="附件 .docx / the annex (.docx)")] = None,
    higher: Annotated[Path | None, typer.Option(
        "--higher", help="上级目标文件（YAML，含文号）/ higher-level targets (YAML)")] = None,
    pdf: Annotated[bool, typer.Option("--pdf", help="同时用 LibreOffice 转为 PDF / also write a PDF")] = False,
    as_json: JsonOpt = False,
) -> None:
    """目标可达性分析：所需年均变化、历史趋势、上级目标衔接、相关指标协调、2026 年新标准影响 /
    the target check of a draft plan."""
    from ecoplan.assess.succession import target_check, trend_rows
    from ecoplan.plan import load_plan
    from ecoplan.plan.succession import load_higher_targets
    from ecoplan.store.workspace import Workspace

    plan = load_plan(draft_file)
    previous = _plan_by_id(plan.predecessor) if plan.predecessor else None
    ht = load_higher_targets(higher) if higher else None
    ws = Workspace()
    report = target_check(ws, plan, previous=previous, higher=ht.targets if ht else (),
                          higher_example=bool(ht and ht.example), higher_note=ht.note if ht else None)
    written = []
    if output is not None:
        from ecoplan.reports.evaluation import uses_demo_data
        from ecoplan.reports.target_annex import write_target_annex

        written.append(write_target_annex(report, output, example_data=uses_demo_data(ws)))
        if pdf:
            from ecoplan.reports.pdf import docx_to_pdf

            written.append(docx_to_pdf(output, output.with_suffix(".pdf")))
    if as_json:
        emit_json({**report.as_dict(), "files": [str(p) for p in written]})
        return
    lang = get_lang()
    rows = trend_rows(report, lang)
    print_table(tr("目标可达性分析", "Target check"),
                [tr("键", "key"), tr("指标", "indicator"), tr("基准", "baseline"), tr("目标", "target"),
                 tr("年均所需", "needed/yr"), tr("历史斜率", "trend/yr"), tr("目标−趋势", "target−trend"),
                 tr("判断", "verdict")],
                [(r["key"], r["name"], r["baseline"], r["target"], r["required_per_year"], r["trend_slope"],
                  r["distance"], r["verdict_text"]) for r in rows])
    for h in report.higher:
        console.print(f"{h.key} {h.document}: " + (h.note_zh if lang == "zh" else h.note_en), markup=False)
    for c in report.consistency:
        console.print(c.text_zh if lang == "zh" else c.text_en, markup=False)
    for e in report.rules_effect:
        console.print(e.text_zh if lang == "zh" else e.text_en, markup=False)
    for p in written:
        ok(f"已写出 {p}", f"Wrote {p}")


@app.command("succession")
def succession(
    new: Annotated[str, typer.Argument(help="新一期规划（代码或文件）/ the new plan (code or file)")],
    old: Annotated[str | None, typer.Option("--old", help="上一期规划（默认取新规划的 predecessor）/ the previous plan")] = None,
    as_json: JsonOpt = False,
) -> None:
    """两期规划指标对照（衔接关系与变化）/ two consecutive plans side by side."""
    from ecoplan.errors import PlanError
    from ecoplan.plan.succession import CHANGE_WORDS, succession_rows

    n = _plan_by_id(new)
    ref = old or n.predecessor
    if not ref:
        raise PlanError(f"规划 {n.code} 没有写明上一期（predecessor），请用 --old 指定",
                        f"plan {n.code} names no predecessor; give --old")
    o = _plan_by_id(ref)
    rows = succession_rows(o, n)
    lang = get_lang()

    def changes(r: Any) -> str:
        return "；".join(f"{CHANGE_WORDS[c.kind][0 if lang == 'zh' else 1]}: {c.old} → {c.new}" for c in r.changes)

    if as_json:
        emit_json({"old": {"code": o.code, "period": o.period}, "new": {"code": n.code, "period": n.period},
                   "rows": [{"status": r.status, "old_key": r.old.key if r.old else None,
                             "new_key": r.new.key if r.new else None,
                             "old_name": r.old.name_zh if r.old else None,
                             "new_name": r.new.name_zh if r.new else None,
                             "old_baseline": r.old.baseline.text if r.old else None,
                             "old_target": r.old.target.text if r.old else None,
                             "new_baseline": r.new.baseline.text if r.new else None,
                             "new_target": r.new.target.text if r.new else None,
                             "changes": [c.model_dump(mode="json", by_alias=True) for c in r.changes]}
                            for r in rows]})
        return
    print_table(tr(f"规划衔接：{o.code}（{o.period}）→ {n.code}（{n.period}）",
                   f"Succession: {o.code} ({o.period}) → {n.code} ({n.period})"),
                [f"{o.period}", tr("基准", "baseline"), tr("目标", "target"), tr("变化", "changes"),
                 f"{n.period}", tr("基准", "baseline"), tr("目标", "target")],
                [(f"{r.old.key}. {r.old.name_zh}" if r.old else tr("（新增）", "(new)"),
                  r.old.baseline.text if r.old else "", (r.old.target.text or "—") if r.old else "",
                  changes(r) or (tr("不再列入", "discontinued") if r.status == "discontinued" else "—"),
                  f"{r.new.key}. {r.new.name_zh}" if r.new else "", r.new.baseline.text if r.new else "",
                  (r.new.target.text or "—") if r.new else "") for r in rows])
