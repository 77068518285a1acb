"""Public disclosure pages (no sign-in): air and water quality and plan progress, built from
approved data only (monitoring results and approved department reports)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ecoplan.web import charts, render, views
from ecoplan.web.deps import DbDep, ctx_of, translator

router = APIRouter(include_in_schema=False)


def _public(request: Request, db: DbDep, section: str) -> Response:
    lang = getattr(request.state, "lang", "zh")
    body = render.fragment(request, f"indicators:public-html:{lang}:{section}",
                           "public_body.html", lambda: _public_data(request, db, section))
    return render.page(request, "public.html", body=body)


def _public_data(request: Request, db: DbDep, section: str) -> dict:
    ctx, t = ctx_of(request), translator(request)
    lang = getattr(request.state, "lang", "zh")
    plan = views.current_plan(ctx, db)
    rows = views.indicator_rows(ctx, db, lang)
    data: dict = {"plan": plan, "section": section, "charts": []}
    if section == "overview":
        data["rows"] = rows
        data["charts"] = [charts.status_pie(rows, t)]
    elif section == "air":
        data["rows"] = [r for r in rows if r.key in ("1", "2", "3")]
        data["charts"] = views.air_overview_charts(ctx, db, t)
    elif section == "water":
        data["rows"] = [r for r in rows if r.key in ("4a", "4b", "5", "6", "7")]
        data["charts"] = views.water_public_charts(ctx, db, t)
    else:
        data["rows"] = []
        data["projects"] = views.project_rows(ctx, db)
        data["summary"] = views.investment_summary(ctx, db)
        if data["projects"]:
            data["charts"] = [charts.progress_bar(data["projects"], t)]
    return data


@router.get("/public")
def public_overview(request: Request, db: DbDep) -> Response:
    return _public(request, db, "overview")


@router.get("/public/air")
def public_air(request: Request, db: DbDep) -> Response:
    return _public(request, db, "air")


@router.get("/public/water")
def public_water(request: Request, db: DbDep) -> Response:
    return _public(request, db, "water")


@router.get("/public/progress")
def public_progress(request: Request, db: DbDep) -> Response:
    return _public(request, db, "progress")


@router.get("/disclosure")
def disclosure_alias() -> Response:
    return RedirectResponse("/public", status_code=307)
