"""污染源监管 / Pollution sources: the enterprise registry with performance grade, permit state
and exceedance count; an enterprise page (outlets, permit limits, grade history, recent hourly
values against the limit, exceedances); summary tiles for the plan's indicators; an analyst
appends a grade or imports the registry workbook.

Nothing is computed here: the registry is :mod:`ecoplan.supervision.sources`, the exceedances
:mod:`ecoplan.supervision.exceedance` (via :func:`~ecoplan.supervision.exceedance_report.
find_exceedances`), the tiles :func:`ecoplan.supervision.sources_indicators.summary`.
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import pandas as pd
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, Response

from ecoplan.errors import EcoplanError, InputFileError
from ecoplan.store import audit
from ecoplan.store.supervision_models import Enterprise
from ecoplan.supervision import exceedance as rule
from ecoplan.supervision import sources as S
from ecoplan.supervision.exceedance_report import find_exceedances
from ecoplan.supervision.sources import limits_in_force, parse_date, permit_in_force
from ecoplan.supervision.sources_excel import SHEETS, write_template
from ecoplan.supervision.sources_excel import import_workbook as run_import
from ecoplan.supervision.sources_indicators import summary
from ecoplan.web import flash, render
from ecoplan.web.deps import DbDep, Forbidden, LoggedIn, Principal, ctx_of, translator
from ecoplan.web.permissions import allowed

router = APIRouter()

#: default look-back of the exceedance columns
DEFAULT_DAYS = 30
PERMIT_STATE_TEXT = {
    "valid": ("有效", "valid"), "expiring": ("即将到期", "expiring"),
    "none": ("未登记有效许可证", "no valid permit registered"),
    "not_required": ("无需持证", "not required"),
}
STATUS_TEXT = {
    "judged": ("已判定", "judged"), "flagged": ("有数据标记，不判定", "flagged, not judged"),
    "unit_mismatch": ("单位与限值不一致，不判定", "unit differs from the limit, not judged"),
    "no_value": ("无数值", "no value"),
}


def _need(action: str) -> Any:
    def _check(user: LoggedIn) -> Principal:
        if not allowed(user.role, action):
            raise Forbidden(action)
        return user

    return Depends(_check)


Reader = _need("sources.read")
Editor = _need("sources.edit")


class EnterpriseNotFound(EcoplanError):
    http_status = 404


def _period(date_from: str | None, date_to: str | None) -> tuple[date, date]:
    end = parse_date(date_to, "to") if date_to else date.today()
    start = parse_date(date_from, "from") if date_from else end - timedelta(days=DEFAULT_DAYS - 1)
    return start, end


def _exceedances(ctx: Any, start: date, end: date, enterprise: str | None = None) -> Any:
    with ctx.lake_lock:
        return find_exceedances(ctx.workspace, start, end, enterprise=enterprise,
                                engine="duckdb")


def _permit_state(db: Any, ent: Any, on: date, expiring_days: int = 90) -> tuple[str, Any]:
    p = permit_in_force(db, ent.credit_code, on)
    if p is None:
        return ("not_required" if not ent.permit_required else "none"), None
    if (p.valid_until - on).days <= expiring_days:
        return "expiring", p
    return "valid", p


@router.get("/sources", include_in_schema=False)
def sources_page(request: Request, db: DbDep, user: Annotated[Principal, Reader]  # type: ignore[no-untyped-def]
                 ) -> Response:
    return _sources_page(request, db, user, flash.read(request))


def _sources_page(request: Request, db: Any, user: Principal, message: str | None,
                  report: dict[str, Any] | None = None) -> Response:
    q = request.query_params
    start, end = _period(q.get("from"), q.get("to"))
    today = date.today()
    ctx = ctx_of(request)
    res = _exceedances(ctx, start, end)
    per_ent = res.exceedances.groupby("enterprise").size().to_dict() if len(res.exceedances) else {}
    rows = []
    for e in S.list_enterprises(db):
        g = S.grade_in_force(db, e.credit_code, today)
        state, p = _permit_state(db, e, today)
        rows.append({"e": e, "grade": g, "permit_state": state, "permit": p,
                     "exceedance_hours": int(per_ent.get(e.credit_code, 0)),
                     "outlets": len(S.list_outlets(db, e.credit_code))})
    return render.page(
        request, "sources.html", rows=rows, s=summary(db, today), start=start, end=end,
        result=res, GRADE_NAMES=S.GRADE_NAMES, PERMIT_STATE_TEXT=PERMIT_STATE_TEXT,
        can_edit=allowed(user.role, "sources.edit"), message=message, report=report)


@router.get("/sources/template.xlsx", include_in_schema=False)
def template(request: Request, user: Annotated[Principal, Reader]) -> Response:  # type: ignore[no-untyped-def]
    """The registry import template (as ``ecoplan sources template``)."""

    folder = ctx_of(request).settings.reports_dir / "templates"
    out = write_template(folder / "污染源登记导入模板.xlsx")
    return FileResponse(out, filename=out.name, media_type="application/vnd.openxmlformats-"
                        "officedocument.spreadsheetml.sheet")


def _chart(ctx: Any, db: Any, ent_code: str, start: date, end: date,
           t: Any) -> list[dict[str, Any]]:
    """One chart per outlet and pollutant with a limit: the judged hourly values and the limit."""
    limits = limits_in_force(db, start, end, ent_code)
    if not limits or not ctx.workspace.lake.files("online_monitoring"):
        return []
    lim_df = pd.DataFrame(limits)
    lim_df["valid_from"] = pd.to_datetime(lim_df["valid_from"])
    lim_df["valid_until"] = pd.to_datetime(lim_df["valid_until"])
    lo = datetime.combine(start, datetime.min.time())
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time())
    with ctx.lake_lock:
        an = ctx.lake_analytics()
        om = an.table("online_monitoring")
        om = om.filter((om.time >= lo) & (om.time < hi)
                       & om.outlet.isin(sorted({r["outlet"] for r in limits})))
        df = an.execute(rule.judged_hours(om, an.register(lim_df)).order_by("time"))
    charts = []
    for (outlet, param), g in df.groupby(["outlet", "parameter"], sort=True):
        g = g.tail(24 * 14)
        times = [str(x)[:16] for x in g["time"]]
        unit = str(g["limit_unit"].iloc[-1])
        vals = [None if st != "judged" or v != v else round(float(v), 3)
                for v, st in zip(g["judged_value"], g["status"], strict=True)]
        lims = [round(float(x), 3) for x in g["limit_value"]]
        option = {"tooltip": {"trigger": "axis"}, "legend": {"top": 0},
                  "grid": {"left": 50, "right": 20, "top": 40, "bottom": 30},
                  "xAxis": {"type": "category", "data": times},
                  "yAxis": {"type": "value", "name": unit},
                  "series": [
                      {"name": t(f"{param} 小时值（判定值）", f"{param} hourly (judged value)"),
                       "type": "line", "showSymbol": False, "data": vals,
                       "connectNulls": False},
                      {"name": t("许可限值", "permit limit"), "type": "line", "step": "end",
                       "showSymbol": False, "data": lims, "lineStyle": {"type": "dashed"}}]}
        rows = [[times[i], g["value"].iloc[i], g["zs_value"].iloc[i], g["unit"].iloc[i],
                 g["flag"].iloc[i] or "", t(*STATUS_TEXT.get(g["status"].iloc[i],
                                                             (g["status"].iloc[i],) * 2)),
                 lims[i], g["permit"].iloc[i]] for i in range(len(g))]
        charts.append(render.chart(
            f"om-{len(charts) + 1}",
            t(f"排放口 {outlet} · {param}：小时值与许可限值（{unit}）",
              f"Outlet {outlet} · {param}: hourly values and the permit limit ({unit})"),
            option,
            [t("时间（时段起点）", "Time (period start)"), t("实测", "measured"),
             t("折算", "corrected"), t("单位", "unit"), t("数据标记", "flag"),
             t("判定", "status"), t("限值", "limit"), t("许可证", "permit")], rows,
            t("数据湖 online_monitoring 的小时值（interval = hour），时间为时段起点；废气排放口取折算浓度"
              "（无折算值时取实测值），废水取实测值；带 HJ 212 数据标记（非 N）、单位与限值不一致的"
              "小时不判定、不画出；限值为判定时有效的许可证所载限值，按原文单位。",
              "Hourly values of the lake dataset online_monitoring (interval = hour), labelled "
              "by period start; flue gas is judged on the oxygen-corrected value (measured value "
              "where none), waste water on the measured value; hours with an HJ 212 flag other "
              "than N or a unit differing from the limit are not judged and not drawn; the limit "
              "is the one stated by the permit in force, in its own unit.")))
    return charts


@router.get("/sources/{credit_code}", include_in_schema=False)
def enterprise_page(request: Request, credit_code: str, db: DbDep,  # type: ignore[no-untyped-def]
                    user: Annotated[Principal, Reader]) -> Response:
    ent = db.get(Enterprise, credit_code.strip().upper())
    if ent is None:
        raise EnterpriseNotFound(f"未登记的企业：{credit_code}",
                                 f"Unknown enterprise: {credit_code}")
    q = request.query_params
    start, end = _period(q.get("from"), q.get("to"))
    t = translator(request)
    ctx = ctx_of(request)
    today = date.today()
    permits = [{"p": p, "limits": S.permit_limits(db, p.number)}
               for p in S.list_permits(db, ent.credit_code)]
    res = _exceedances(ctx, start, end, ent.credit_code)
    try:
        charts = _chart(ctx, db, ent.credit_code, start, end, t)
    except Exception:  # noqa: BLE001 - the page shows without charts when the lake cannot be read
        charts = []
    state, permit = _permit_state(db, ent, today)
    return render.page(
        request, "sources_detail.html", e=ent, outlets=S.list_outlets(db, ent.credit_code),
        permits=permits, grades=S.grade_history(db, ent.credit_code),
        grade=S.grade_in_force(db, ent.credit_code, today), permit_state=state, permit=permit,
        result=res, charts=charts, start=start, end=end, GRADE_NAMES=S.GRADE_NAMES,
        OUTLET_KIND_NAMES=S.OUTLET_KIND_NAMES, MANAGEMENT_CLASS_NAMES=S.MANAGEMENT_CLASS_NAMES,
        PERMIT_STATE_TEXT=PERMIT_STATE_TEXT, can_edit=allowed(user.role, "sources.edit"),
        message=flash.read(request), today=today)


@router.post("/sources/grades", include_in_schema=False)
def add_grade(request: Request, db: DbDep, user: Annotated[Principal, Editor],  # type: ignore[no-untyped-def]
              enterprise: Annotated[str, Form()] = "", grade: Annotated[str, Form()] = "",
              effective_from: Annotated[str, Form()] = "",
              document: Annotated[str, Form()] = "") -> Response:
    """Append a performance grade (never overwrites); audited."""
    row = S.record_grade(db, enterprise, grade, effective_from, document,
                         recorded_by=user.username)
    audit.record(db, user.username, "append", "performance_grade", row.enterprise, None,
                 S.as_dict(row))
    return flash.redirect(request, f"/sources/{quote(row.enterprise)}", "grade-appended",
                          grade=row.grade, effective_from=row.effective_from)


@router.post("/sources/import", include_in_schema=False)
async def import_workbook(request: Request, db: DbDep,  # type: ignore[no-untyped-def]
                          user: Annotated[Principal, Editor],
                          file: Annotated[UploadFile | None, File()] = None) -> Response:
    """Import the registry workbook (the template of ``ecoplan sources template``); audited."""
    t = translator(request)
    if file is None or not file.filename:
        raise InputFileError("请选择要导入的 Excel 文件", "Choose a workbook to import")
    data = await file.read()
    name = Path(file.filename).name
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        rep = run_import(db, path, actor=user.username)
    audit.record(db, user.username, "import", "sources_workbook", name, None,
                 {"added": rep.added, "updated": rep.updated, "errors": len(rep.errors)})
    msg = t(f"导入 {name}：新增 {sum(rep.added.values())}，更新 {sum(rep.updated.values())}，"
            f"未变 {sum(rep.unchanged.values())}，错误 {len(rep.errors)}",
            f"Imported {name}: {sum(rep.added.values())} added, {sum(rep.updated.values())} "
            f"updated, {sum(rep.unchanged.values())} unchanged, {len(rep.errors)} errors")
    if not rep.errors:
        return flash.redirect(request, "/sources", "workbook-imported", name=name,
                              added=sum(rep.added.values()), updated=sum(rep.updated.values()),
                              unchanged=sum(rep.unchanged.values()), errors=0, details="")
    # the error report: one row per bad row with file, sheet, row, field (its column header)

    headers = {(sheet, f): h for sheet, cols in SHEETS.values() for f, h, _r, _h in cols}
    errors = [{**e, "header": headers.get((e["sheet"], e["field"]), e["field"] or "")}
              for e in rep.errors]
    return _sources_page(request, db, user, msg, {"file": name, "errors": errors})
