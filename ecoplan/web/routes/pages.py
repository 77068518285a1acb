"""Internal pages: overview, air, water, projects and tasks, data, reports."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select

from ecoplan.store import audit
from ecoplan.store.lake import Lake
from ecoplan.store.models import IngestBatch, QuarantinedRow
from ecoplan.web import charts, flash, render, views
from ecoplan.web.accounts import NotFoundError
from ecoplan.web.deps import DbDep, ctx_of, require, translator
from ecoplan.web.inputs import PageNo, RowId, Year

router = APIRouter(include_in_schema=False)
Reader = require("read.internal")


@router.get("/")
def overview(request: Request, db: DbDep, user=Reader, year: Year = None) -> Response:  # type: ignore[no-untyped-def]
    ctx, t = ctx_of(request), translator(request)
    lang = getattr(request.state, "lang", "zh")
    plan = views.current_plan(ctx, db)
    if year is not None and not plan.baseline_year <= year <= plan.end_year + 5:
        year = None
    year = year or views.default_year(plan)
    body = render.fragment(request, overview_key(lang, year), "overview_body.html",
                           lambda: overview_context(ctx, db, lang, year, t))
    return render.page(request, "overview.html", body=body)


def overview_key(lang: str, year: int) -> str:
    return f"indicators:overview-html:{lang}:{year}"


def overview_context(ctx, db, lang: str, year: int, t) -> dict:  # type: ignore[no-untyped-def]
    """What the overview body shows (the same for every reader of a language and year)."""
    plan = views.current_plan(ctx, db)
    rows = views.indicator_rows(ctx, db, lang, year)
    projects = views.project_rows(ctx, db)
    summary = views.investment_summary(ctx, db)
    by_key = {r.key: r for r in rows}
    blocks = [charts.status_pie(rows, t)]
    if summary["by_category"]:
        blocks.append(charts.investment_bar(summary, projects, t))
    blocks.extend(views.air_overview_charts(ctx, db, t))
    return {"plan": plan, "rows": rows, "charts": blocks, "summary": summary, "year": year,
            "air_cards": [by_key[k] for k in ("1", "2", "3") if k in by_key],
            "water_cards": [by_key[k] for k in ("4a", "4b", "5") if k in by_key],
            "binding": [r for r in rows if r.attribute == "binding"],
            "years": list(range(plan.start_year, max(plan.end_year,
                                                     views.today().year) + 1))}


def warm_overview(ctx) -> list[str]:  # type: ignore[no-untyped-def]
    """Render the overview body of the default year in both languages into the cache (what
    the first reader after a start, an approval or the lake-cache expiry would wait for)."""
    done = []
    db = ctx.sessionmaker()
    try:
        year = views.default_year(views.current_plan(ctx, db))
        for lang in ("zh", "en"):
            def t(zh: str, en: str, _lang: str = lang) -> str:
                return zh if _lang == "zh" else en

            key = overview_key(lang, year)
            render.store_fragment(ctx, key, "overview_body.html", lang,
                                  overview_context(ctx, db, lang, year, t))
            done.append(key)
    finally:
        db.close()
    return done


@router.get("/projects")
def projects(request: Request, db: DbDep, user=Reader) -> Response:  # type: ignore[no-untyped-def]
    ctx, t = ctx_of(request), translator(request)
    prows = views.project_rows(ctx, db)
    trows = views.task_rows(ctx, db)
    summary = views.investment_summary(ctx, db)
    blocks = []
    if prows:
        blocks = [charts.progress_bar(prows, t), charts.investment_bar(summary, prows, t)]
    return render.page(request, "projects.html", projects=prows, tasks=trows, summary=summary,
                       charts=blocks, plan=views.current_plan(ctx, db))


@router.get("/air")
def air(request: Request, db: DbDep, user=Reader, year: Year = None) -> Response:  # type: ignore[no-untyped-def]
    ctx, t = ctx_of(request), translator(request)
    data = views.air_page(ctx, db, t, year)
    return render.page(request, "air.html", **data)


@router.get("/water")
def water(request: Request, db: DbDep, user=Reader) -> Response:  # type: ignore[no-untyped-def]
    ctx, t = ctx_of(request), translator(request)
    data = views.water_page(ctx, db, t)
    return render.page(request, "water.html", **data)


@router.get("/data")
def data(request: Request, db: DbDep, user=Reader, page: PageNo = 1,  # type: ignore[no-untyped-def]
         show: str = "open") -> Response:
    batches = list(db.execute(select(IngestBatch).order_by(IngestBatch.id.desc()).limit(100))
                   .scalars())
    q = select(QuarantinedRow)
    c = select(func.count()).select_from(QuarantinedRow)
    if show == "open":
        q, c = q.where(QuarantinedRow.resolved.is_(False)), c.where(
            QuarantinedRow.resolved.is_(False))
    size = 50
    total = int(db.execute(c).scalar_one())
    rows = list(db.execute(q.order_by(QuarantinedRow.id).limit(size)
                           .offset((max(page, 1) - 1) * size)).scalars())

    datasets = Lake(ctx_of(request).settings.lake_dir).datasets()
    return render.page(request, "data.html", batches=batches, quarantine=rows, total=total,
                       page=max(page, 1), pages=max(1, math.ceil(total / size)), show=show,
                       datasets=datasets)


@router.post("/data/quarantine/{row_id}/resolve")
def resolve_quarantine(request: Request, db: DbDep, row_id: RowId,  # type: ignore[no-untyped-def]
                       user=require("quarantine.resolve")) -> Response:
    row = db.get(QuarantinedRow, row_id)
    if row is None:
        raise NotFoundError(f"隔离记录 {row_id} 不存在。", f"Quarantined row {row_id} does not exist.")
    before = {"resolved": row.resolved}
    row.resolved = True
    audit.record(db, user.username, "resolve", "quarantine", row_id, before,
                 {"resolved": True, "file": row.file, "row": row.row, "field": row.field})
    if request.headers.get("hx-request"):
        return Response(f'<span class="muted">{"已处理" if request.state.lang == "zh" else "resolved"}</span>',
                        media_type="text/html")
    return RedirectResponse("/data", status_code=303)


@router.get("/reports")
def reports_page(request: Request, user=Reader) -> Response:  # type: ignore[no-untyped-def]
    ctx = ctx_of(request)
    return render.page(request, "reports.html", files=views.report_files(ctx),
                       kinds=views.report_kinds(), message=flash.read(request),
                       year=min(views.today().year, 2025))


@router.post("/reports/new")
def reports_new(request: Request, db: DbDep, kind: Annotated[str, Form()],  # type: ignore[no-untyped-def]
                year: Annotated[int, Form()], format: Annotated[str, Form()] = "docx",
                user=require("report.generate")) -> Response:
    path = views.generate_report(ctx_of(request), db, user.username, kind, year, format)
    return flash.redirect(request, "/reports", "report-generated", name=path.name)
