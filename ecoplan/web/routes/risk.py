"""环境风险 / Risk: three tabs — risk sources and emergency preparedness (/risk), hazardous waste
(/risk/hazwaste), radiation sources (/risk/radiation). Every role reads; a department account
sees only the rows of its own department (rows without a department are the bureau's and shown
to the bureau's roles only); the analyst and admin download templates and import workbooks.

Nothing is computed here: the registries are :mod:`ecoplan.supervision.risk`, ``hazwaste`` and
``radiation``; the indicators :mod:`ecoplan.assess.risk_records`.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import FileResponse, Response
from sqlalchemy import select

from ecoplan.assess.risk_records import key_land_safe_use, radiation_rates, safe_disposal_rate
from ecoplan.errors import InputFileError
from ecoplan.standards.land_use import judge_plot
from ecoplan.standards.radiation import CATEGORY_NAMES
from ecoplan.store import audit
from ecoplan.store.hazwaste_models import HwLicence, HwUnit
from ecoplan.store.radiation_models import RadLicence, RadUnit
from ecoplan.store.risk_models import EmergencyExpert, EmergencySupply, LandPlot, RiskEnterprise
from ecoplan.supervision import hazwaste as H
from ecoplan.supervision import radiation as RA
from ecoplan.supervision import risk as R
from ecoplan.web import flash, render
from ecoplan.web.deps import DbDep, Forbidden, LoggedIn, Principal, ctx_of
from ecoplan.web.permissions import allowed

router = APIRouter()
MODULES: dict[str, Any] = {"risk": R, "hazwaste": H, "radiation": RA}
TEMPLATE_NAMES = {"risk": "环境风险源登记导入模板.xlsx", "hazwaste": "危险废物登记导入模板.xlsx",
                  "radiation": "放射源登记导入模板.xlsx"}
EXPIRING_DAYS = 90


def _need(action: str) -> Any:
    def _check(user: LoggedIn) -> Principal:
        if not allowed(user.role, action):
            raise Forbidden(action)
        return user

    return Depends(_check)


Reader = _need("risk.read")
Editor = _need("risk.edit")


def _mine(user: Principal, department: str | None) -> bool:
    """Department scoping: a department account sees its own department's rows only."""
    return user.role != "department" or (department is not None and department == user.department_name)


def _page(request: Request, user: Principal, tab: str, report: dict[str, Any] | None = None,
          message: str | None = None, **ctx: Any) -> Response:
    return render.page(request, "risk.html", tab=tab, can_edit=allowed(user.role, "risk.edit"),
                       report=report, message=message or flash.read(request), today=date.today(),
                       within=EXPIRING_DAYS, **ctx)


def _risk_ctx(db: Any, user: Principal) -> dict[str, Any]:
    today = date.today()
    ents = []
    for e in db.scalars(select(RiskEnterprise).order_by(RiskEnterprise.name)):
        if not _mine(user, e.department):
            continue
        lv, gs = R.level_of(db, e.credit_code)
        ents.append({"e": e, "level": lv, "gradings": gs, "plan": R.current_plan(db, e.credit_code),
                     "drills": len(R.drills(db, e.credit_code))})
    supplies = [s for s in db.scalars(select(EmergencySupply).order_by(EmergencySupply.name))
                if _mine(user, s.department)]
    experts = list(db.scalars(select(EmergencyExpert).order_by(EmergencyExpert.speciality)))
    plots = []
    for p in db.scalars(select(LandPlot).order_by(LandPlot.code)):
        if _mine(user, p.department):
            plots.append({"p": p, "j": judge_plot(p.planned_use, p.survey_state, p.survey_on, p.control_state,
                                                  p.control_done_on, p.delisted_on, p.reused_on)})
    ind14 = key_land_safe_use(db, today.year - 1)
    return {"ents": ents, "supplies": supplies, "experts": experts, "plots": plots, "ind14": ind14,
            "ind_year": today.year - 1, "expiring": [x for x in R.expiring(db, today, EXPIRING_DAYS)],
            "without_plan": len([x for x in ents if x["plan"] is None])}


def _hazwaste_ctx(db: Any, user: Principal) -> dict[str, Any]:
    today = date.today()
    units = [u for u in db.scalars(select(HwUnit).order_by(HwUnit.role.desc(), HwUnit.name))
             if _mine(user, u.department)]
    codes = {u.credit_code for u in units}
    licences = {lic.unit: lic for lic in db.scalars(select(HwLicence).order_by(HwLicence.valid_until))}
    year = today.year - 1
    balances = [b for b in H.balances(db, date(year, 1, 1), date(year, 12, 31)) if b.unit in codes]
    names = {u.credit_code: u.name for u in db.scalars(select(HwUnit))}
    manifests = [m for m in H.check_manifests(db, today) if m.producer in codes or m.receiver in codes]
    return {"units": units, "licences": licences, "balances": balances, "names": names, "manifests": manifests,
            "storage": [x for x in H.storage_status(db, today) if x.unit in codes],
            "ind15": safe_disposal_rate(db, year), "ind_year": year,
            "expiring": [x for x in H.expiring(db, today, EXPIRING_DAYS) if x.unit in codes],
            "tonnes": H.tonnes, "say": H.say}


def _radiation_ctx(db: Any, user: Principal) -> dict[str, Any]:
    today = date.today()
    units = {u.credit_code: u for u in db.scalars(select(RadUnit).order_by(RadUnit.name))
             if _mine(user, u.department)}
    licences = {lic.unit: lic for lic in db.scalars(select(RadLicence).order_by(RadLicence.valid_until))}
    return {"units": units, "licences": licences,
            "sources": [v for v in RA.sources(db, today) if v.unit in units],
            "rates": radiation_rates(db, today),
            "expiring": [x for x in RA.expiring(db, today, EXPIRING_DAYS) if x.unit in units],
            "CATEGORY_NAMES": CATEGORY_NAMES, "EVENT_NAMES": RA.EVENT_NAMES}


CONTEXTS = {"risk": _risk_ctx, "hazwaste": _hazwaste_ctx, "radiation": _radiation_ctx}


@router.get("/risk", include_in_schema=False)
def risk_page(request: Request, db: DbDep, user: Annotated[Principal, Reader]) -> Response:  # type: ignore[no-untyped-def]
    return _page(request, user, "risk", **_risk_ctx(db, user))


@router.get("/risk/hazwaste", include_in_schema=False)
def hazwaste_page(request: Request, db: DbDep, user: Annotated[Principal, Reader]) -> Response:  # type: ignore[no-untyped-def]
    return _page(request, user, "hazwaste", **_hazwaste_ctx(db, user))


@router.get("/risk/radiation", include_in_schema=False)
def radiation_page(request: Request, db: DbDep, user: Annotated[Principal, Reader]) -> Response:  # type: ignore[no-untyped-def]
    return _page(request, user, "radiation", **_radiation_ctx(db, user))


@router.get("/risk/{tab}/template.xlsx", include_in_schema=False)
def template(request: Request, tab: str, user: Annotated[Principal, Editor]) -> Response:  # type: ignore[no-untyped-def]
    if tab not in MODULES:
        raise InputFileError(f"未知登记：{tab}", f"Unknown registry: {tab}")
    folder = ctx_of(request).settings.reports_dir / "templates"
    out = MODULES[tab].write_template(folder / TEMPLATE_NAMES[tab])
    return FileResponse(out, filename=out.name,
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@router.post("/risk/{tab}/import", include_in_schema=False)
async def import_workbook(request: Request, tab: str, db: DbDep,  # type: ignore[no-untyped-def]
                          user: Annotated[Principal, Editor],
                          file: Annotated[UploadFile | None, File()] = None) -> Response:
    """Import a registry workbook; rejected rows are listed with file, sheet, row and field."""
    if tab not in MODULES:
        raise InputFileError(f"未知登记：{tab}", f"Unknown registry: {tab}")
    if file is None or not file.filename:
        raise InputFileError("请选择要导入的 Excel 文件", "Choose a workbook to import")
    data = await file.read()
    name = Path(file.filename).name
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        rep = MODULES[tab].import_workbook(db, path, actor=user.username)
    for e in rep.rejected:
        e["file"] = name
    audit.record(db, user.username, "import", f"{tab}_workbook", name, None,
                 {"added": rep.added, "unchanged": rep.unchanged, "rejected": len(rep.rejected)})
    back = "/risk" if tab == "risk" else f"/risk/{tab}"
    if not rep.rejected:
        return flash.redirect(request, back, "workbook-imported", name=name, added=sum(rep.added.values()),
                              updated=0, unchanged=sum(rep.unchanged.values()), errors=0, details="")
    db.flush()
    lang = getattr(request.state, "lang", "zh")
    msg = (f"导入 {name}：新增/更新 {sum(rep.added.values())}，未变 {sum(rep.unchanged.values())}，"
           f"退回 {len(rep.rejected)} 行" if lang == "zh" else
           f"Imported {name}: {sum(rep.added.values())} added/updated, {sum(rep.unchanged.values())} "
           f"unchanged, {len(rep.rejected)} rows rejected")
    return _page(request, user, tab, report=rep.as_dict(), message=msg, **CONTEXTS[tab](db, user))
