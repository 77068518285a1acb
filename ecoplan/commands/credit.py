"""``ecoplan credit``: enterprise environmental credit evaluation (rule set as a data file),
grades with history, and the list of dishonest enterprises for the joint-punishment platform."""

from __future__ import annotations

# Deliberately deferred: the working modules (SQLAlchemy, openpyxl, pandas …) are imported inside
# the commands, because `ecoplan --help` loads every command module (ecoplan/commands/__init__.py).
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from ecoplan.console import emit_json, ok, print_table
from ecoplan.i18n import get_lang, tr

NAME = "credit"
app = typer.Typer(help="企业环境信用评价：评分、等级历史、失信名单 / environmental credit",
                  no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")]
ActorOpt = Annotated[str, typer.Option("--actor", envvar="ECOPLAN_USER",
                                       help="操作人 / who does it")]
OnOpt = Annotated[str | None, typer.Option("--on", help="评价日期 YYYY-MM-DD，默认今天")]


def _ws() -> Any:
    from ecoplan.store.workspace import Workspace

    return Workspace()


def _day(raw: str | None, field: str = "on") -> date:
    from ecoplan.supervision.sources import parse_date

    return parse_date(raw, field) if raw else date.today()


@app.command("rules")
def rules(as_json: JsonOpt = False) -> None:
    """评价规则（指标、分值、来源）/ the rule set with sources."""
    from ecoplan.supervision.credit import bundled_rules

    r = bundled_rules()
    if as_json:
        emit_json(r)
        return
    typer.echo(f"{r['version']}：{r['method']}")
    print_table(tr("评价指标", "Indicators"),
                [tr("指标", "indicator"), tr("分值", "points"), tr("上限", "cap"),
                 tr("来源", "source"), tr("已核实", "verified")],
                [(tr(i["zh"], i["en"]), i.get("points", f"→ {i.get('veto')}"), i.get("cap", ""), i["source"],
                  tr("是", "yes") if i["verified"] else tr("否（可配置默认值）", "no (default)"))
                 for i in r["indicators"]])
    print_table(tr("等级", "Grades"), [tr("等级", "grade"), tr("最低分", "min points")],
                [(tr(g["zh"], g["en"]), g["min_points"]) for g in r["grades"]])


@app.command("evaluate")
def evaluate(on: OnOpt = None,
             exceedances: Annotated[bool, typer.Option(
                 "--exceedances/--no-exceedances",
                 help="统计在线监测超标时段（读数据湖）/ count exceedance episodes")] = True,
             actor: ActorOpt = "cli", as_json: JsonOpt = False) -> None:
    """评价全部登记企业并追加等级 / evaluate every registered enterprise."""
    from ecoplan.supervision import credit as K

    day = _day(on)
    ws = _ws()
    counts: dict[str, int] = {}
    if exceedances:
        from ecoplan.supervision.exceedance_report import find_exceedances

        res = find_exceedances(ws, day - timedelta(days=364), day)
        for ent in res.episodes["enterprise"].tolist():
            counts[str(ent)] = counts.get(str(ent), 0) + 1
    with ws.session() as s:
        evs = K.evaluate(s, on=day, actor=actor, exceedance_counts=counts)
        rows = [{"credit_code": e.enterprise, "name": e.name, "score": str(e.score),
                 "grade": e.grade, "hits": e.hits} for e in evs]
    if as_json:
        emit_json(rows)
        return
    lang = get_lang()
    print_table(tr(f"企业环境信用评价（{day}）", f"Environmental credit ({day})"),
                [tr("信用代码", "credit code"), tr("企业", "enterprise"), tr("得分", "score"),
                 tr("等级", "grade"), tr("扣分事项", "deductions")],
                [(r["credit_code"], r["name"], r["score"], K.grade_name(r["grade"], lang),
                  K.hits_text(r["hits"], lang) or "—") for r in rows])


@app.command("grades")
def grades(enterprise: Annotated[str | None, typer.Option(
        "--enterprise", help="只看一个企业的历史 / history of one enterprise")] = None,
        as_json: JsonOpt = False) -> None:
    """当前等级，或一个企业的等级历史 / current grades or one enterprise's history."""
    from ecoplan.supervision import credit as K

    with _ws().session() as s:
        rows = K.history(s, enterprise) if enterprise else K.latest_grades(s)
        out = [{"enterprise": g.enterprise, "evaluated_on": g.evaluated_on.isoformat(),
                "score": str(g.score), "grade": g.grade, "rules_version": g.rules_version}
               for g in rows]
    if as_json:
        emit_json(out)
        return
    print_table(tr("信用等级", "Credit grades"),
                [tr("信用代码", "credit code"), tr("评价日期", "evaluated"), tr("得分", "score"),
                 tr("等级", "grade"), tr("规则版本", "rules")],
                [(r["enterprise"], r["evaluated_on"], r["score"],
                  K.grade_name(r["grade"], get_lang()), r["rules_version"]) for r in out])


@app.command("dishonest")
def dishonest(out: Annotated[Path | None, typer.Option(
        "-o", "--out", help="导出 .xlsx（联合惩戒平台）/ export for the joint-punishment platform")]
        = None,
        issuer: Annotated[str, typer.Option("--issuer")] = "吕梁市生态环境局交城分局",
        as_json: JsonOpt = False) -> None:
    """失信（环保不良）企业名单 / the list of dishonest enterprises."""
    from ecoplan.supervision import credit as K

    with _ws().session() as s:
        rows = K.dishonest(s)
    if out is not None:
        K.write_dishonest_list(rows, out, issuer=issuer)
        ok(f"已导出 {len(rows)} 家企业：{out}", f"{len(rows)} enterprises written to {out}")
    if as_json:
        emit_json(rows)
    elif out is None:
        print_table(tr("环境失信企业名单", "Dishonest enterprises"),
                    [tr("信用代码", "credit code"), tr("企业", "enterprise"), tr("等级", "grade"),
                     tr("得分", "score"), tr("评价日期", "evaluated"), tr("事项", "reasons")],
                    [(r["credit_code"], r["name"], r["grade_zh"], r["score"], r["evaluated_on"],
                      r["reasons"]) for r in rows])
