"""Department reporting pages: submit progress and indicator values with evidence; the bureau
reviews, approves or rejects (the workflow of :mod:`ecoplan.assess.progress`)."""

from __future__ import annotations

from typing import Annotated, BinaryIO

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, Response
from sqlalchemy import select

from ecoplan.assess import progress
from ecoplan.store.web_models import EvidenceFile
from ecoplan.web import flash, render, views, workflow
from ecoplan.web.accounts import NotFoundError
from ecoplan.web.deps import DbDep, Forbidden, LoggedIn, ctx_of, require
from ecoplan.web.evidence import evidence_dir, evidence_readable
from ecoplan.web.inputs import (
    NOTE_MAX,
    IndicatorValueIn,
    ProjectProgressIn,
    RowId,
    TaskProgressIn,
    parse_form,
)

router = APIRouter(include_in_schema=False)
Reader = require("read.internal")


def _files(uploads: list[UploadFile] | None) -> list[tuple[str, BinaryIO]]:
    """The uploaded files (spooled to disk by the parser; copied on with the size limit)."""
    return [(up.filename, up.file) for up in uploads or [] if up is not None and up.filename]


@router.get("/entry")
def entry(request: Request, db: DbDep, user=Reader) -> Response:  # type: ignore[no-untyped-def]

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
                       message=flash.read(request), today=views.today().isoformat(),
                       year=min(views.today().year, plan.end_year))


@router.post("/entry/indicator")
def submit_indicator(request: Request, db: DbDep, user: LoggedIn,
                     indicator_key: Annotated[str, Form()], year: Annotated[str, Form()],
                     value: Annotated[str, Form()] = "", value_text: Annotated[str, Form()] = "",
                     note: Annotated[str, Form()] = "",
                     evidence: Annotated[list[UploadFile] | None, File()] = None) -> Response:
    body = parse_form(IndicatorValueIn, {"indicator_key": indicator_key, "year": year,
                                         "value": value, "value_text": value_text,
                                         "note": note})
    rec = workflow.submit(db, ctx_of(request), user, "indicator", body.model_dump(),
                          _files(evidence))
    return flash.redirect(request, "/entry", "report-saved", kind="indicator", id=rec.id)


@router.post("/entry/project")
def submit_project(request: Request, db: DbDep, user: LoggedIn,
                   project_number: Annotated[str, Form()], as_of: Annotated[str, Form()],
                   percent_complete: Annotated[str, Form()],
                   invested_wan_yuan: Annotated[str, Form()], status: Annotated[str, Form()],
                   note: Annotated[str, Form()] = "",
                   evidence: Annotated[list[UploadFile] | None, File()] = None) -> Response:
    body = parse_form(ProjectProgressIn, {
        "project_number": project_number, "as_of": as_of, "percent_complete": percent_complete,
        "invested_wan_yuan": invested_wan_yuan, "status": status, "note": note})
    rec = workflow.submit(db, ctx_of(request), user, "project", body.model_dump(),
                          _files(evidence))
    return flash.redirect(request, "/entry", "report-saved", kind="project", id=rec.id)


@router.post("/entry/task")
def submit_task(request: Request, db: DbDep, user: LoggedIn, task_key: Annotated[str, Form()],
                as_of: Annotated[str, Form()], status: Annotated[str, Form()],
                percent_complete: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "",
                evidence: Annotated[list[UploadFile] | None, File()] = None) -> Response:
    body = parse_form(TaskProgressIn, {"task_key": task_key, "as_of": as_of, "status": status,
                                       "percent_complete": percent_complete, "note": note})
    rec = workflow.submit(db, ctx_of(request), user, "task", body.model_dump(),
                          _files(evidence))
    return flash.redirect(request, "/entry", "report-saved", kind="task", id=rec.id)


@router.post("/entry/{kind}/{record_id}/{action}")
def step(request: Request, db: DbDep, user: LoggedIn, kind: str, record_id: RowId, action: str,
         reason: Annotated[str, Form(max_length=NOTE_MAX)] = "") -> Response:
    workflow.transition(db, ctx_of(request), user, kind, record_id, action, reason or None)
    return flash.redirect(request, "/entry", f"report-{action}", kind=kind, id=record_id)


@router.get("/evidence/{public_id}")
def download_evidence(request: Request, db: DbDep, user: LoggedIn,
                      public_id: Annotated[str, PathParam(max_length=64)]) -> Response:
    """An evidence file, for the submitting department, reviewers/approvers and admins."""

    row = db.execute(select(EvidenceFile).where(EvidenceFile.public_id == public_id)
                     ).scalar_one_or_none()
    path = evidence_dir(ctx_of(request).home) / row.sha256 if row else None
    if row is None or path is None or not path.exists():
        raise NotFoundError("证明材料不存在。", "The evidence file does not exist.")
    if not evidence_readable(user, row):
        raise Forbidden("evidence.read")
    return FileResponse(path, media_type=row.content_type, filename=row.filename,
                        headers={"Cache-Control": "private, no-store"})
