"""``ecoplan inspect``: random inspections (双随机、一公开) — inspector pool, recusals, draws
with verification — inspection records (append-only, corrections as versions), indicators."""

from __future__ import annotations

# Deliberately deferred: the working modules (SQLAlchemy …) are imported inside the commands,
# because `ecoplan --help` loads every command module and must stay fast.
import getpass
import json
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from ecoplan.console import emit_json, info, ok, print_table
from ecoplan.i18n import tr

NAME = "inspect"
app = typer.Typer(help="双随机抽查与现场检查记录 / random inspections and inspection records",
                  no_args_is_help=True)
inspectors_app = typer.Typer(help="执法人员名录与回避 / inspector pool and recusals",
                             no_args_is_help=True)
app.add_typer(inspectors_app, name="inspectors")

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")]
ByOpt = Annotated[str | None, typer.Option(
    "--by", envvar="ECOPLAN_USER", help="操作人 / who acts (default: system user)")]


def _ws() -> Any:
    from ecoplan.store.workspace import Workspace

    return Workspace()


def _who(by: str | None) -> str:
    return (by or "").strip() or getpass.getuser()


def _day(value: str | None, field: str) -> date | None:
    from ecoplan.supervision.sources import parse_date

    return parse_date(value, field) if value else None


def _when(value: str | None) -> datetime:
    from ecoplan.supervision.inspections import InspectionError

    if not value:
        return datetime.now().astimezone()  # now, in any zone: stored as UTC
    try:
        at = datetime.fromisoformat(value.strip().replace("T", " "))
    except ValueError:
        raise InspectionError(f"检查时间无法识别：{value}", f"Unrecognised inspection time: {value}",
                              ) from None
    return at  # without a zone: Beijing time (supervision.inspections.entered_time)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


# ---------------------------------------------------------------- inspectors
@inspectors_app.command("add")
def inspectors_add(code: Annotated[str, typer.Argument(help="编号（如执法证号）/ code")],
                   name: Annotated[str, typer.Option("--name", help="姓名 / name")],
                   unit: Annotated[str, typer.Option("--unit", help="单位/部门 / unit")],
                   cert_no: Annotated[str | None, typer.Option(
                       "--cert-no", help="执法证编号 / certificate number")] = None,
                   cert_expires: Annotated[str | None, typer.Option(
                       "--cert-expires", help="执法证有效期至 YYYY-MM-DD / expiry")] = None,
                   by: ByOpt = None) -> None:
    """登记执法人员 / register an inspector."""
    from ecoplan.supervision import inspection_draw as D

    with _ws().session() as s:
        row = D.add_inspector(s, code, name, unit, certificate_no=cert_no,
                              certificate_expires=_day(cert_expires, "cert_expires"),
                              actor=_who(by))
        ok(f"已登记执法人员 {row.code} {row.name}（{row.unit}）",
           f"Inspector {row.code} {row.name} ({row.unit}) registered")


@inspectors_app.command("set")
def inspectors_set(code: Annotated[str, typer.Argument(help="编号 / code")],
                   active: Annotated[bool | None, typer.Option(
                       "--active/--inactive", help="在岗/停用 / active or not")] = None,
                   cert_no: Annotated[str | None, typer.Option("--cert-no")] = None,
                   cert_expires: Annotated[str | None, typer.Option("--cert-expires")] = None,
                   unit: Annotated[str | None, typer.Option("--unit")] = None,
                   by: ByOpt = None) -> None:
    """修改执法证、单位或在岗状态（记入审计日志）/ change certificate, unit or active flag."""
    from ecoplan.supervision import inspection_draw as D

    with _ws().session() as s:
        row = D.set_inspector(s, code, actor=_who(by), active=active, certificate_no=cert_no,
                              certificate_expires=_day(cert_expires, "cert_expires"), unit=unit)
        ok(f"已更新执法人员 {row.code}", f"Inspector {row.code} updated")


@inspectors_app.command("list")
def inspectors_list(as_json: JsonOpt = False) -> None:
    """列出执法人员及回避 / list inspectors with their recusals."""
    from ecoplan.supervision import inspection_draw as D

    with _ws().session() as s:
        rec = D.recusals(s)
        rows = [D.inspector_dict(i) | {"recused": rec.get(i.code, [])}
                for i in D.list_inspectors(s)]
    if as_json:
        emit_json(rows)
        return
    print_table(tr("执法人员", "Inspectors"),
                [tr("编号", "code"), tr("姓名", "name"), tr("单位", "unit"),
                 tr("执法证", "certificate"), tr("有效期至", "expires"), tr("在岗", "active"),
                 tr("回避企业", "recused from")],
                [(r["code"], r["name"], r["unit"], r["certificate_no"] or "—",
                  r["certificate_expires"] or "—", tr("是", "yes") if r["active"] else
                  tr("否", "no"), "、".join(r["recused"]) or "—") for r in rows])


@inspectors_app.command("recuse")
def inspectors_recuse(code: Annotated[str, typer.Argument(help="执法人员编号 / inspector")],
                      enterprise: Annotated[str, typer.Argument(
                          help="企业（信用代码或名称）/ enterprise")],
                      reason: Annotated[str, typer.Option("--reason", help="理由 / reason")],
                      by: ByOpt = None) -> None:
    """登记回避（只追加）/ record a recusal (append-only)."""
    from ecoplan.supervision import inspection_draw as D

    with _ws().session() as s:
        row = D.add_recusal(s, code, enterprise, reason, actor=_who(by))
        ok(f"已登记回避：{row.inspector} 不检查 {row.enterprise}",
           f"Recusal recorded: {row.inspector} never inspects {row.enterprise}")


# ---------------------------------------------------------------- draws
def _print_verification(v: Any, as_json: bool) -> None:
    if as_json:
        emit_json(v.as_dict())
    else:
        for _name, good, zh, en in v.checks:
            info(("✓ " if good else "✗ ") + zh, ("✓ " if good else "✗ ") + en)
        if v.identical:
            ok(f"抽查 {v.draw_id} 复核一致：由记录的种子和名录重新抽取，结果相同",
               f"Draw {v.draw_id} verified: re-derived from the recorded seed and pools, identical")
        else:
            info(f"抽查 {v.draw_id} 复核不一致", f"Draw {v.draw_id} NOT identical")
    if not v.identical:
        raise typer.Exit(1)


@app.command("draw")
def draw(period: Annotated[str | None, typer.Argument(
             help="周期：2026Q4 / 2026H2 / 2026-11 / 2026（默认按配置取当前周期）/ period")] = None,
         grades: Annotated[Path | None, typer.Option(
             "--grades", help="企业环境信用等级 CSV（信用代码,等级）；缺省采用 ecoplan credit evaluate 的最新等级 / "
             "credit grades CSV; default: the latest grades of `ecoplan credit evaluate`")] = None,
         special: Annotated[list[str] | None, typer.Option(
             "--special", help="特殊监管对象，可重复 / special-supervision enterprise")] = None,
         config: Annotated[Path | None, typer.Option(
             "--config", help="抽查配置 YAML / pool configuration")] = None,
         verify: Annotated[int | None, typer.Option(
             "--verify", help="复核已存抽查编号 / verify a stored draw")] = None,
         verify_file: Annotated[Path | None, typer.Option(
             "--verify-file", help="复核公开的抽查 JSON 文件 / verify a published JSON")] = None,
         out: Annotated[Path | None, typer.Option(
             "--out", help="把可复核的抽查 JSON 写入文件 / write the published JSON")] = None,
         by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """随机抽取检查对象和执法人员（或 --verify 复核）/ draw objects and inspectors (or verify)."""
    from ecoplan.supervision import inspection_draw as D

    if verify_file is not None:
        from ecoplan.errors import InputFileError

        try:
            doc = json.loads(verify_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputFileError(f"无法读取抽查文件 {verify_file}：{exc}",
                                 f"Cannot read the draw file {verify_file}: {exc}") from None
        _print_verification(D.verify_document(doc), as_json)
        return
    ws = _ws()
    if verify is not None:
        with ws.session() as s:
            v = D.verify_draw(s, verify)
        _print_verification(v, as_json)
        return
    cfg = D.load_config(config, ws.settings.home)
    label = period or D.period_of(date.today(), cfg["period"])
    g = D.parse_grades_file(grades) if grades else None  # None: the credit module's grades
    with ws.session() as s:
        row = D.run_draw(s, label, actor=_who(by), grades=g, special=special or [], config=cfg)
        doc = D.draw_document(row)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    if as_json:
        emit_json(doc)
        return
    _print_draw(doc)
    ok(f"抽查 {doc['draw_id']}（{doc['period']}）：抽中 {len(doc['result'])} 家；种子 {doc['seed']}；"
       f"最迟 {cfg['publish_within_days']} 天内公开" + (f"；已写入 {out}" if out else ""),
       f"Draw {doc['draw_id']} ({doc['period']}): {len(doc['result'])} objects; seed "
       f"{doc['seed']}; public within {cfg['publish_within_days']} days"
       + (f"; written to {out}" if out else ""))


def _print_draw(doc: dict[str, Any]) -> None:
    names = {"key": tr("重点", "key"), "general": tr("一般", "general"),
             "special": tr("特殊", "special")}
    print_table(tr(f"抽查结果 {doc['draw_id']}（{doc['period']}）",
                   f"Draw {doc['draw_id']} ({doc['period']})"),
                [tr("类别", "class"), tr("信用代码", "credit code"), tr("企业", "enterprise"),
                 tr("信用等级", "grade"), tr("执法人员", "inspectors"), tr("状态", "status")],
                [(names[r["class"]], r["credit_code"], r["name"], r["grade"] or "—",
                  "、".join(f"{n}（{u}）" for n, u in zip(r["inspector_names"], r["units"],
                                                     strict=True)) or "—",
                  tr("人员不足", "short of inspectors") if r["status"] == "short" else "✓")
                 for r in doc["result"]])


@app.command("draws")
def draws(period: Annotated[str | None, typer.Option("--period")] = None,
          as_json: JsonOpt = False) -> None:
    """列出抽查 / list the draws."""
    from ecoplan.supervision import inspection_draw as D

    with _ws().session() as s:
        rows = [{"id": d.id, "period": d.period, "drawn_at": d.drawn_at.isoformat(),
                 "drawn_by": d.drawn_by, "objects": len(d.result), "seed": d.seed,
                 "public_from": D.published_on(s, d).isoformat()}
                for d in D.list_draws(s, period)]
    if as_json:
        emit_json(rows)
        return
    print_table(tr("抽查", "Draws"),
                ["ID", tr("周期", "period"), tr("时间", "drawn at"), tr("操作人", "by"),
                 tr("对象数", "objects"), tr("公开日期", "public from")],
                [(r["id"], r["period"], r["drawn_at"][:16], r["drawn_by"], r["objects"],
                  r["public_from"]) for r in rows])


@app.command("export")
def export(draw_id: Annotated[int, typer.Argument(help="抽查编号 / draw id")],
           out: Annotated[Path, typer.Option("--out", help="JSON 文件 / JSON file")]) -> None:
    """导出可复核的抽查 JSON（与公开页相同）/ write a draw's published JSON."""
    from ecoplan.supervision import inspection_draw as D

    with _ws().session() as s:
        doc = D.draw_document(D.get_draw(s, draw_id))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    ok(f"已写入 {out}", f"Written: {out}")


@app.command("publish")
def publish(draw_id: Annotated[int, typer.Argument(help="抽查编号 / draw id")],
            by: ByOpt = None) -> None:
    """立即在公开页公布抽查结果 / publish a draw on the public pages now."""
    from ecoplan.supervision import inspection_draw as D

    with _ws().session() as s:
        D.publish(s, draw_id, actor=_who(by))
    ok(f"抽查 {draw_id} 已公开（/public/inspections）",
       f"Draw {draw_id} published (/public/inspections)")


# ---------------------------------------------------------------- records
def _items(values: list[str] | None) -> dict[str, str]:
    from ecoplan.supervision.inspections import InspectionError

    out = {}
    for v in values or []:
        code, sep, ans = v.partition("=")
        if not sep:
            raise InspectionError(f"检查项应写作 代码=ok|problem|na：{v}",
                                  f"Write an item as code=ok|problem|na: {v}")
        out[code.strip()] = ans.strip()
    return out


def _findings(values: list[str] | None) -> list[dict[str, Any]]:
    out = []
    for v in values or []:
        item, sep, text = v.partition(":")
        out.append({"item": item.strip(), "description": text.strip()} if sep and
                   " " not in item.strip() and item.strip().isascii()
                   else {"item": None, "description": v.strip()})
    return out


ItemOpt = Annotated[list[str] | None, typer.Option(
    "--item", help="检查项结果 代码=ok|problem|na，可重复 / checklist answer, repeatable")]
FindingOpt = Annotated[list[str] | None, typer.Option(
    "--finding", help="发现的问题（可写作 检查项代码:描述），可重复 / finding, repeatable")]
EvidenceOpt = Annotated[list[Path] | None, typer.Option(
    "--evidence", help="证据文件（照片/视频/文件），可重复 / evidence file, repeatable")]


@app.command("record")
def record(enterprise: Annotated[str, typer.Argument(help="企业（信用代码或名称）/ enterprise")],
           inspector: Annotated[list[str], typer.Option(
               "--inspector", help="执法人员编号，可重复 / inspector code, repeatable")],
           at: Annotated[str | None, typer.Option(
               "--at", help="检查时间 YYYY-MM-DD HH:MM（默认现在）/ time")] = None,
           place: Annotated[str | None, typer.Option("--place", help="地点 / place")] = None,
           lat: Annotated[float | None, typer.Option("--lat", help="纬度 / latitude")] = None,
           lon: Annotated[float | None, typer.Option("--lon", help="经度 / longitude")] = None,
           checklist: Annotated[str | None, typer.Option(
               "--checklist", help="检查表（默认按行业）/ checklist key")] = None,
           item: ItemOpt = None, finding: FindingOpt = None, evidence: EvidenceOpt = None,
           representative: Annotated[str | None, typer.Option(
               "--representative", help="企业现场负责人 / enterprise representative")] = None,
           confirmed: Annotated[bool, typer.Option(
               "--confirmed", help="企业代表已签字确认 / representative confirmed")] = False,
           confirmation_note: Annotated[str | None, typer.Option(
               "--confirmation-note", help="确认说明或拒签理由 / note")] = None,
           draw_id: Annotated[int | None, typer.Option("--draw", help="抽查编号 / draw")] = None,
           kind: Annotated[str, typer.Option(
               "--kind", help="random|complaint|special|other")] = "random",
           department: Annotated[str | None, typer.Option(
               "--department", help="检查部门 / department")] = None,
           note: Annotated[str | None, typer.Option("--note")] = None,
           by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """录入现场检查记录（只追加）/ record an inspection (append-only)."""
    from ecoplan.supervision import inspections as I

    ws = _ws()
    refs = [I.keep_evidence_file(ws.settings.home, p) for p in evidence or []]
    with ws.session() as s:
        head = I.record_inspection(
            s, enterprise, inspected_at=_when(at), inspectors=inspector, actor=_who(by),
            place=place, latitude=lat, longitude=lon, checklist=checklist, items=_items(item),
            findings=_findings(finding), evidence=refs, representative=representative,
            confirmed=confirmed, confirmation_note=confirmation_note, note=note,
            department=department, draw_id=draw_id, kind=kind, home=ws.settings.home)
        d = I.inspection_dict(s, head)
    if as_json:
        emit_json(d)
        return
    ok(f"已录入检查记录 {d['id']}（{d['enterprise_name']}，问题 {len(d['latest']['findings'])} 项，"
       f"证据 {len(refs)} 件）", f"Inspection {d['id']} recorded ({d['enterprise_name']}, "
       f"{len(d['latest']['findings'])} findings, {len(refs)} evidence files)")


@app.command("correct")
def correct(inspection_id: Annotated[int, typer.Argument(help="检查记录编号 / inspection id")],
            reason: Annotated[str, typer.Option("--reason", help="更正理由 / reason")],
            inspector: Annotated[list[str] | None, typer.Option("--inspector")] = None,
            at: Annotated[str | None, typer.Option("--at")] = None,
            place: Annotated[str | None, typer.Option("--place")] = None,
            lat: Annotated[float | None, typer.Option("--lat")] = None,
            lon: Annotated[float | None, typer.Option("--lon")] = None,
            item: ItemOpt = None, finding: FindingOpt = None, evidence: EvidenceOpt = None,
            representative: Annotated[str | None, typer.Option("--representative")] = None,
            confirmed: Annotated[bool | None, typer.Option("--confirmed/--not-confirmed")] = None,
            note: Annotated[str | None, typer.Option("--note")] = None,
            by: ByOpt = None) -> None:
    """更正检查记录：生成新版本，旧版本保留 / correct an inspection as a new version."""
    from ecoplan.supervision import inspections as I

    ws = _ws()
    refs = [I.keep_evidence_file(ws.settings.home, p) for p in evidence or []]
    with ws.session() as s:
        items = _items(item)
        if items:
            items = dict(I.latest_version(s, inspection_id).items) | items
        v = I.correct_inspection(
            s, inspection_id, reason=reason, actor=_who(by), home=ws.settings.home,
            inspected_at=_when(at) if at else None, inspectors=inspector or None, place=place,
            latitude=lat, longitude=lon, items=items or None,
            findings=_findings(finding) if finding else None, evidence=refs,
            representative=representative, confirmed=confirmed, note=note)
        n = v.version
    ok(f"检查记录 {inspection_id} 已更正为第 {n} 版", f"Inspection {inspection_id} corrected: version {n}")


@app.command("show")
def show(inspection_id: Annotated[int, typer.Argument(help="检查记录编号 / inspection id")],
         history: Annotated[bool, typer.Option("--history", help="含全部版本 / all versions")]
         = False, as_json: JsonOpt = False) -> None:
    """显示检查记录 / show an inspection."""
    from ecoplan.supervision import inspections as I

    with _ws().session() as s:
        d = I.inspection_dict(s, I.get_inspection(s, inspection_id), history=history)
    if as_json:
        emit_json(d)
        return
    v = d["latest"]
    print_table(tr(f"检查记录 {d['id']}（第 {v['version']} 版）",
                   f"Inspection {d['id']} (version {v['version']})"),
                [tr("项目", "field"), tr("内容", "value")],
                [(tr("企业", "enterprise"), f"{d['enterprise_name']} {d['enterprise']}"),
                 (tr("时间", "time"), v["inspected_at"][:16].replace("T", " ")),
                 (tr("执法人员", "inspectors"), "、".join(v["inspectors"])),
                 (tr("地点", "place"), f"{v['place'] or '—'} ({v['latitude']}, {v['longitude']})"),
                 (tr("检查表", "checklist"), v["checklist"]),
                 (tr("问题", "findings"), "；".join(f"[{f['id']}] {f['description']}"
                                                 for f in v["findings"]) or "—"),
                 (tr("证据", "evidence"), "；".join(f"{e['name']} sha256:{e['sha256'][:12]}…"
                                                  for e in v["evidence"]) or "—"),
                 (tr("企业确认", "confirmed"), (v["representative"] or "—") + " "
                  + (tr("已确认", "confirmed") if v["confirmed"] else tr("未确认", "not confirmed")))])


@app.command("list")
def list_cmd(period: Annotated[str | None, typer.Option(
                 "--period", help="2026Q4 / 2026 …（默认今年）/ period")] = None,
             as_json: JsonOpt = False) -> None:
    """列出检查记录 / list inspections."""
    from ecoplan.supervision import inspections as I
    from ecoplan.supervision.inspection_draw import parse_period

    _label, start, end = parse_period(period or str(date.today().year))
    with _ws().session() as s:
        rows = I.list_inspections(s, start, end)
    if as_json:
        emit_json(rows)
        return
    print_table(tr("检查记录", "Inspections"),
                ["ID", tr("时间", "time"), tr("企业", "enterprise"), tr("类型", "kind"),
                 tr("执法人员", "inspectors"), tr("问题", "findings"), tr("版本", "version")],
                [(r["id"], r["latest"]["inspected_at"][:16], r["enterprise_name"],
                  tr(*I.KINDS[r["kind"]]), "、".join(r["latest"]["inspectors"]),
                  len(r["latest"]["findings"]), r["versions"]) for r in rows])


@app.command("stats")
def stats(period: Annotated[str | None, typer.Option(
              "--period", help="2026Q4 / 2026 …（默认今年）/ period")] = None,
          as_json: JsonOpt = False) -> None:
    """检查完成情况：计划与完成、企业覆盖率 / inspections done vs planned, share inspected."""
    from ecoplan.supervision import inspections as I

    with _ws().session() as s:
        st = I.stats(s, period or str(date.today().year))
    if as_json:
        emit_json(st)
        return
    print_table(tr(f"检查指标 {st['period']}", f"Inspection indicators {st['period']}"),
                [tr("指标", "indicator"), tr("数值", "value")],
                [(tr("抽查次数", "draws"), st["draws"]),
                 (tr("抽中对象（计划）", "objects drawn (planned)"), st["planned"]),
                 (tr("已检查（计划内）", "of them inspected"), st["planned_done"]),
                 (tr("完成率", "done vs planned"), _pct(st["done_rate"])),
                 (tr("检查记录", "inspections"), st["inspections"]),
                 (tr("企业覆盖率", "share of enterprises inspected"),
                  f"{_pct(st['share_inspected'])}（{st['enterprises_inspected']}/{st['registered']}）"),
                 (tr("发现问题", "findings"), st["findings"])])


@app.command("checklists")
def checklists(as_json: JsonOpt = False) -> None:
    """列出各行业现场检查表 / list the checklists per industry."""
    from ecoplan.supervision import inspections as I

    lists = I.load_checklists(_ws().settings.home)
    if as_json:
        emit_json({k: {"name": c.name, "items": c.items} for k, c in lists.items()})
        return
    for key, c in lists.items():
        print_table(f"{key}: {tr(*c.name)}", [tr("代码", "code"), tr("检查内容", "item")],
                    [(code, tr(zh, en)) for code, zh, en in c.items])
