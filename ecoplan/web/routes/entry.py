"""Department reporting pages: submit progress and indicator values with evidence; the bureau
reviews, approves or rejects (the workflow of :mod:`ecoplan.assess.progress`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response

from ecoplan.web import render, views, workflow
from ecoplan.web.accounts import NotFoundError
from ecoplan.web.deps import DbDep, LoggedIn, ctx_of, require
from ecoplan.web.evidence import evidence_dir

router = APIRouter(include_in_schema=False)
Reader = require("read.internal")


def _files(uploads: list[UploadFile] | None) -> list[tuple[str, bytes]]:
    out = []
    for up in uploads or []:
        if up is not None and up.filename:
            out.append((up.filename, up.file.read()))
    return out


@router.get("/entry")
def entry(request: Request, db: DbDep, user=Reader, message: str | None = None) -> Response:  # type: ignore[no-untyped-def]
    from ecoplan.assess import progress

    ctx = ctx_of(request)
    plan = views.current_plan(ctx, db)
    subjects = workflow.own_subjects(user, plan, db)
    reports = []
    for kind in workflow.KINDS:
        for v in progress.list_reports(db, kind, plan_code=plan.code):  # type: ignore[arg-type]
            if user.role == "department" and v.record.reporter != user.username and not \
                    views.department_matches(user.department_name, [v.record.department]):
                continue
            reports.append(v)
    reports.sort(key=lambda v: v.record.submitted_at, reverse=True)
    return render.page(request, "entry.html", plan=plan, subjects=subjects, reports=reports[:200],
                       message=message, today=views.today().isoformat(),
                       year=min(views.today().year, plan.end_year))


@router.post("/entry/indicator")
def submit_indicator(request: Request, db: DbDep, user: LoggedIn,
                     indicator_key: Annotated[str, Form()], year: Annotated[int, Form()],
                     value: Annotated[str, Form()] = "", value_text: Annotated[str, Form()] = "",
                     note: Annotated[str, Form()] = "",
                     evidence: Annotated[list[UploadFile] | None, File()] = None) -> Response:
    ind_unit = None
    rec = workflow.submit(db, ctx_of(request), user, "indicator",
                          {"indicator_key": indicator_key, "year": year, "value": value or None,
                           "value_text": value_text or None, "note": note or None,
                           "unit": ind_unit}, _files(evidence))
    return RedirectResponse(f"/entry?message=indicator-{rec.id}", status_code=303)


@router.post("/entry/project")
def submit_project(request: Request, db: DbDep, user: LoggedIn,
                   project_number: Annotated[int, Form()], as_of: Annotated[str, Form()],
                   percent_complete: Annotated[str, Form()],
                   invested_wan_yuan: Annotated[str, Form()], status: Annotated[str, Form()],
                   note: Annotated[str, Form()] = "",
                   evidence: Annotated[list[UploadFile] | None, File()] = None) -> Response:
    rec = workflow.submit(db, ctx_of(request), user, "project",
                          {"project_number": project_number, "as_of": as_of,
                           "percent_complete": percent_complete,
                           "invested_wan_yuan": invested_wan_yuan, "status": status,
                           "note": note or None}, _files(evidence))
    return RedirectResponse(f"/entry?message=project-{rec.id}", status_code=303)


@router.post("/entry/task")
def submit_task(request: Request, db: DbDep, user: LoggedIn, task_key: Annotated[str, Form()],
                as_of: Annotated[str, Form()], status: Annotated[str, Form()],
                percent_complete: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "",
                evidence: Annotated[list[UploadFile] | None, File()] = None) -> Response:
    rec = workflow.submit(db, ctx_of(request), user, "task",
                          {"task_key": task_key, "as_of": as_of, "status": status,
                           "percent_complete": percent_complete or None, "note": note or None},
                          _files(evidence))
    return RedirectResponse(f"/entry?message=task-{rec.id}", status_code=303)


@router.post("/entry/{kind}/{record_id}/{action}")
def step(request: Request, db: DbDep, user: LoggedIn, kind: str, record_id: int, action: str,
         reason: Annotated[str, Form()] = "") -> Response:
    workflow.transition(db, ctx_of(request), user, kind, record_id, action, reason or None)
    return RedirectResponse(f"/entry?message={kind}-{record_id}-{action}", status_code=303)


@router.get("/evidence/{evidence_id}")
def download_evidence(request: Request, db: DbDep, evidence_id: int, user=Reader) -> Response:  # type: ignore[no-untyped-def]
    from ecoplan.store.web_models import EvidenceFile

    row = db.get(EvidenceFile, evidence_id)
    path = evidence_dir(ctx_of(request).home) / row.sha256 if row else None
    if row is None or path is None or not path.exists():
        raise NotFoundError(f"证明材料 {evidence_id} 不存在。",
                            f"Evidence file {evidence_id} does not exist.")
    return FileResponse(path, media_type=row.content_type, filename=row.filename)
