"""``ecoplan hazwaste``: hazardous-waste producers and operators, licences, management plans,
ledger, transfer manifests, storage, mass balance and plan indicator 15; imports of the national
solid-waste system's Excel exports."""

from __future__ import annotations

# Deliberately deferred: the working modules are imported inside the commands (fast --help).
from pathlib import Path
from typing import Annotated, Any

import typer

from ecoplan.commands.risk import JsonOpt, TodayOpt, WithinOpt, actor, day, import_report, ws
from ecoplan.console import emit_json, ok, print_table
from ecoplan.i18n import get_lang, tr

NAME = "hazwaste"
app = typer.Typer(help="危险废物：产废/经营单位、许可证、管理计划、台账、转移联单、物料平衡 / hazardous waste",
                  no_args_is_help=True)


@app.command("template")
def template(output: Annotated[Path, typer.Option("-o", "--output", help="输出 .xlsx / output")]) -> None:
    """写出导入模板 / write the import template."""
    from ecoplan.supervision.hazwaste import write_template

    ok(f"已写出 {write_template(output)}", f"Wrote {output}")


@app.command("import")
def import_(path: Annotated[Path, typer.Argument(help="Excel 文件（模板或全国固废系统导出）/ workbook")],
            as_json: JsonOpt = False) -> None:
    """导入单位、许可证、管理计划、台账、转移联单 / import a workbook."""
    from ecoplan.supervision.hazwaste import import_workbook

    with ws().session() as s:
        rep = import_workbook(s, path, actor=actor())
    import_report(rep, as_json)


@app.command("codes")
def codes(category: Annotated[str | None, typer.Option("--category", help="如 HW08")] = None,
          as_json: JsonOpt = False) -> None:
    """国家危险废物名录（2021年版）的类别和内置代码 / the waste list bundled."""
    from ecoplan.standards.hazardous_waste import waste_list

    wl = waste_list()
    rows = [{"category": c, "name": n, "codes": {k: v for k, v in wl["codes"].items() if k.endswith(c[2:])}}
            for c, n in wl["categories"].items() if category is None or c == category.upper()]
    if as_json:
        emit_json({"source": wl["source"], "year": wl["year"], "codes_bundled": len(wl["codes"]),
                   "codes_in_list": wl["codes_bundled_of"], "categories": rows})
        return
    print_table(f"{wl['source']}（内置代码 {len(wl['codes'])}/{wl['codes_bundled_of']}）",
                [tr("类别", "category"), tr("名称", "name"), tr("内置代码", "codes bundled")],
                [(r["category"], r["name"], "; ".join(r["codes"])) for r in rows])


@app.command("plans")
def plans(year: Annotated[int, typer.Option("--year", help="年度 / year")], as_json: JsonOpt = False) -> None:
    """年度管理计划与台账产生量对照 / management plans against the quantities generated."""
    from ecoplan.supervision.hazwaste import plans_vs_generated, tonnes

    with ws().session() as s:
        rows = plans_vs_generated(s, year)
    if as_json:
        emit_json([r | {k: None if r[k] is None else tonnes(r[k]) for k in ("planned_t", "generated_t", "share")}
                   for r in rows])
        return
    print_table(tr(f"{year} 年危险废物管理计划", f"{year} management plans"),
                [tr("单位", "unit"), tr("废物代码", "code"), tr("计划 t", "planned t"), tr("产生 t", "generated t"),
                 tr("完成比例", "share")],
                [(r["name"], r["waste_code"], tonnes(r["planned_t"]), tonnes(r["generated_t"]),
                  "—" if r["share"] is None else f"{r['share']}%") for r in rows])


@app.command("manifests")
def manifests(today: TodayOpt = None, as_json: JsonOpt = False) -> None:
    """转移联单：各交接环节数量及差异标记 / manifests with hand-over quantities and flags."""
    from ecoplan.supervision.hazwaste import check_manifests, say, tonnes

    with ws().session() as s:
        rows = check_manifests(s, day(today))
    if as_json:
        emit_json([r.as_dict() for r in rows])
        return
    print_table(tr("转移联单", "Transfer manifests"),
                [tr("联单", "manifest"), tr("废物代码", "code"), tr("移出单位", "producer"), tr("接收单位", "receiver"),
                 tr("移出 t", "shipped t"), tr("运输 t", "carried t"), tr("接收 t", "received t"), tr("标记", "flags")],
                [(r.number, r.waste_code, r.producer, r.receiver, tonnes(r.quantities["shipped"]),
                  tonnes(r.quantities["carried"]), tonnes(r.quantities["received"]), say(r.flags, get_lang()) or "—")
                 for r in rows])


@app.command("balance")
def balance(date_from: Annotated[str, typer.Option("--from", help="起 / from")],
            date_to: Annotated[str, typer.Option("--to", help="止 / to")],
            fail_on_gap: Annotated[bool, typer.Option("--fail-on-gap", help="有缺口时退出码 1 / exit 1 on a gap")] = False,
            as_json: JsonOpt = False) -> None:
    """各产废单位物料平衡：产生量 = 贮存变化 + 转移 + 自行利用处置（含容差）/ mass balance."""
    from ecoplan.supervision.hazwaste import balances

    with ws().session() as s:
        rows = balances(s, day(date_from), day(date_to))
    if as_json:
        emit_json([b.as_dict() for b in rows])
    else:
        _balance_table(rows)
    if fail_on_gap and any(not b.ok for b in rows):
        raise typer.Exit(1)


def _balance_table(rows: list[Any]) -> None:
    from ecoplan.supervision.hazwaste import tonnes

    print_table(tr("物料平衡（吨）", "Mass balance (t)"),
                [tr("单位", "unit"), tr("产生", "generated"), tr("贮存变化", "Δstored"), tr("转移", "transferred"),
                 tr("自行利用处置", "self-disposed"), tr("差额", "gap"), tr("容差", "tolerance"), tr("结论", "result")],
                [(b.unit, tonnes(b.generated), tonnes(b.delta_stored), tonnes(b.transferred), tonnes(b.self_disposed),
                  tonnes(b.gap), tonnes(b.tolerance), tr("平衡", "balanced") if b.ok else tr("缺口", "GAP"))
                 for b in rows])


@app.command("storage")
def storage(today: TodayOpt = None, as_json: JsonOpt = False) -> None:
    """贮存：在库量、贮存能力、超期量（GB 18597-2023；固废法第八十一条）/ storage checks."""
    from ecoplan.supervision.hazwaste import say, storage_status, tonnes

    with ws().session() as s:
        rows = storage_status(s, day(today))
    if as_json:
        emit_json([{"unit": r.unit, "name": r.name, "stock_t": None if r.stock_t is None else str(r.stock_t),
                    "capacity_t": None if r.capacity_t is None else str(r.capacity_t),
                    "overdue_t": str(r.overdue_t), "oldest": r.oldest.isoformat() if r.oldest else None,
                    "limit_days": r.limit_days, "flags": list(r.flags),
                    "flags_en": [getattr(f, "en", f) for f in r.flags]} for r in rows])
        return
    print_table(tr("贮存", "Storage"),
                [tr("单位", "unit"), tr("在库 t", "stock t"), tr("能力 t", "capacity t"), tr("超期 t", "overdue t"),
                 tr("最早产生", "oldest"), tr("标记", "flags")],
                [(r.name, tonnes(r.stock_t), tonnes(r.capacity_t), tonnes(r.overdue_t),
                  r.oldest.isoformat() if r.oldest else "—", say(r.flags, get_lang()) or "—") for r in rows])


@app.command("indicator")
def indicator(year: Annotated[int, typer.Option("--year", help="年份 / year")], as_json: JsonOpt = False) -> None:
    """规划指标 15 危险废物安全处置率（由台账计算）/ plan indicator 15 from the records."""
    from ecoplan.assess.risk_records import safe_disposal_rate
    from ecoplan.supervision.hazwaste import say, tonnes

    with ws().session() as s:
        r = safe_disposal_rate(s, year)
    if r is None:
        ok(f"{year} 年台账无记录：指标 15 采用部门填报", f"No records for {year}: indicator 15 uses the department entry")
        return
    if as_json:
        emit_json({"year": year, "rate": str(r.rate), "safe_t": str(r.safe), "unsafe_t": str(r.unsafe),
                   "lines": [{"unit": ln.unit, "waste_code": ln.waste_code, "safe_t": str(ln.safe),
                              "unsafe_t": str(ln.unsafe), "reasons": list(ln.reasons),
                              "reasons_en": [getattr(x, "en", x) for x in ln.reasons]} for ln in r.lines]})
        return
    print_table(tr(f"{year} 年危险废物安全处置率 {r.rate}%", f"{year} safe disposal rate {r.rate} %"),
                [tr("单位", "unit"), tr("废物代码", "code"), tr("安全 t", "safe t"), tr("未安全 t", "unsafe t"),
                 tr("原因", "reasons")],
                [(ln.name, ln.waste_code, tonnes(ln.safe), tonnes(ln.unsafe), say(ln.reasons, get_lang()) or "—")
                 for ln in r.lines])


@app.command("expiring")
def expiring(today: TodayOpt = None, within: WithinOpt = 90, as_json: JsonOpt = False) -> None:
    """即将到期的危险废物经营许可证 / operating licences expiring."""
    from ecoplan.supervision.hazwaste import expiring as run

    with ws().session() as s:
        rows = [x.as_dict() for x in run(s, day(today), within)]
    if as_json:
        emit_json(rows)
        return
    print_table(tr("即将到期的经营许可证", "Licences expiring"),
                [tr("许可证", "licence"), tr("单位", "unit"), tr("有效期至", "valid until"), tr("剩余天数", "days left")],
                [(r["ref"], r["name"], r["due"], r["days_left"]) for r in rows])
