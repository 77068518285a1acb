"""REST API under ``/api/v1`` (OpenAPI at ``/api/v1/openapi.json``, docs at ``/api/docs``).

Authentication: ``Authorization: Bearer <token>`` (``ecoplan tokens create``) or the browser
session (then unsafe requests need the ``X-CSRF-Token`` header). Lists can be exported with
``?format=csv`` or ``?format=parquet``.
"""

from __future__ import annotations

import io
import math
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from ecoplan.web import views, workflow
from ecoplan.web.accounts import NotFoundError
from ecoplan.web.deps import DbDep, LoggedIn, ctx_of, require
from ecoplan.web.inputs import (
    MAX_PAGE,
    IndicatorValueIn,
    ProjectProgressIn,
    RowId,
    StepIn,
    TaskProgressIn,
)

router = APIRouter(prefix="/api/v1", tags=["v1"])
Reader = require("read.internal")
Format = Literal["json", "csv", "parquet"]


# ---------------------------------------------------------------- schemas
class IndicatorOut(BaseModel):
    key: str
    number: int
    category: str
    name: str
    unit: str | None
    attribute: Literal["binding", "expected"]
    baseline: str
    target: str
    value: float | str | None
    value_display: str
    method: str | None
    value_year: int | None
    value_source: Literal["computed", "reported"] | None
    status: Literal["achieved", "on_track", "at_risk", "off_track", "no_data"]
    department: str | None


class AssessmentOut(IndicatorOut):
    rule: str


class ProjectOut(BaseModel):
    number: int
    category: str
    name: str
    investment_wan_yuan: float | None
    start_year: int | None
    end_year: int | None
    lead_departments: list[str]
    percent_complete: float | None
    invested_wan_yuan: float | None
    status: str | None
    as_of: date | None
    overdue_days: int | None


class TaskOut(BaseModel):
    key: str
    chapter: str
    text: str
    deadline: date | None
    department: str | None
    status: str | None
    percent_complete: float | None
    as_of: date | None
    overdue_days: int | None


class MeasurementPage(BaseModel):
    dataset: str
    page: int
    page_size: int
    total: int
    pages: int
    rows: list[dict[str, Any]]


class ReportFileOut(BaseModel):
    name: str
    size: int
    modified: datetime
    url: str


class ReportRequest(BaseModel):
    kind: str = Field(default="annual", max_length=32)
    year: int | None = Field(default=None, ge=2000, le=2100)
    format: Literal["docx", "pdf"] = "docx"


# ---------------------------------------------------------------- export helpers
def _plain(v: Any) -> Any:
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, list):
        return "、".join(str(x) for x in v)
    return v


def export(rows: list[dict[str, Any]], fmt: str, name: str) -> Response:
    import pandas as pd

    df = pd.DataFrame([{k: _plain(v) for k, v in r.items()} for r in rows])
    if fmt == "csv":
        body = df.to_csv(index=False).encode("utf-8-sig")
        return Response(body, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return Response(buf.getvalue(), media_type="application/vnd.apache.parquet",
                    headers={"Content-Disposition": f'attachment; filename="{name}.parquet"'})


def _lang(request: Request) -> str:
    return getattr(request.state, "lang", "zh")


# ---------------------------------------------------------------- reading
@router.get("/me", summary="当前用户 / the signed-in user")
def me(user: LoggedIn) -> dict[str, Any]:
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "department": user.department_name}


@router.get("/indicators", response_model=list[IndicatorOut],
            summary="规划指标及最新值 / plan indicators with their latest value")
def indicators(request: Request, db: DbDep, user=Reader, format: Format = "json",  # type: ignore[no-untyped-def]
               year: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> Any:
    rows = [r.as_dict() for r in views.indicator_rows(ctx_of(request), db, _lang(request), year)]
    return rows if format == "json" else export(rows, format, "indicators")


@router.get("/assessments", response_model=list[AssessmentOut],
            summary="指标评估（状态与规则）/ indicator assessments with the rule applied")
def assessments(request: Request, db: DbDep, user=Reader, format: Format = "json",  # type: ignore[no-untyped-def]
                year: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> Any:
    rows = [{**r.as_dict(), "rule": r.rule}
            for r in views.indicator_rows(ctx_of(request), db, _lang(request), year)]
    return rows if format == "json" else export(rows, format, "assessments")


@router.get("/projects", response_model=list[ProjectOut],
            summary="重点工程及已批准进展 / key projects with approved progress")
def projects(request: Request, db: DbDep, user=Reader, format: Format = "json") -> Any:  # type: ignore[no-untyped-def]
    rows = views.project_rows(ctx_of(request), db)
    return rows if format == "json" else export(rows, format, "projects")


@router.get("/tasks", response_model=list[TaskOut],
            summary="任务及已批准进展 / tasks with approved progress")
def tasks(request: Request, db: DbDep, user=Reader, format: Format = "json") -> Any:  # type: ignore[no-untyped-def]
    rows = views.task_rows(ctx_of(request), db)
    return rows if format == "json" else export(rows, format, "tasks")


@router.get("/datasets", summary="数据湖中的数据集 / lake datasets")
def datasets(request: Request, user=Reader) -> list[str]:  # type: ignore[no-untyped-def]
    from ecoplan.store.lake import Lake

    return Lake(ctx_of(request).settings.lake_dir).datasets()


@router.get("/measurements", response_model=MeasurementPage,
            summary="监测数据（分页）/ measurements, paged")
def measurements(  # type: ignore[no-untyped-def]
    request: Request,
    dataset: Annotated[str, Query(pattern=r"^[a-z][a-z0-9_]*$")] = "air_hourly",
    site: str | None = None,
    start: date | None = None,
    end: date | None = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=5000)] = 100,
    format: Format = "json",
    user=Reader,
) -> Any:
    data = views.measurement_page(ctx_of(request), dataset, site=site, start=start, end=end,
                                  page=page, page_size=page_size, lock=ctx_of(request).lake_lock)
    if format != "json":
        return export(data["rows"], format, f"{dataset}-p{page}")
    data["pages"] = max(1, math.ceil(data["total"] / page_size))
    return data


# ---------------------------------------------------------------- department reporting
@router.get("/progress/{kind}", summary="填报记录 / progress reports of one kind")
def list_progress(request: Request, db: DbDep, kind: Literal["project", "task", "indicator"],  # type: ignore[no-untyped-def]
                  state: str | None = None, user=Reader) -> list[dict[str, Any]]:
    from ecoplan.assess import progress

    plan = views.current_plan(ctx_of(request), db)
    out = []
    for v in progress.list_reports(db, kind, plan_code=plan.code, state=state):
        if user.role == "department" and not views.department_matches(
                user.department_name, [v.record.department]):
            continue
        out.append(v.as_dict())
    return out


def _submit(request: Request, db: Any, user: Any, kind: str, body: BaseModel) -> dict[str, Any]:
    rec = workflow.submit(db, ctx_of(request), user, kind, body.model_dump())
    return {"kind": kind, "id": rec.id, "state": "submitted"}


@router.post("/progress/indicator", status_code=201, summary="填报指标值 / report an indicator value")
def post_indicator(request: Request, db: DbDep, user: LoggedIn, body: IndicatorValueIn) -> dict[str, Any]:
    return _submit(request, db, user, "indicator", body)


@router.post("/progress/project", status_code=201, summary="填报工程进展 / report project progress")
def post_project(request: Request, db: DbDep, user: LoggedIn, body: ProjectProgressIn) -> dict[str, Any]:
    return _submit(request, db, user, "project", body)


@router.post("/progress/task", status_code=201, summary="填报任务进展 / report task status")
def post_task(request: Request, db: DbDep, user: LoggedIn, body: TaskProgressIn) -> dict[str, Any]:
    return _submit(request, db, user, "task", body)


@router.post("/progress/{kind}/{record_id}/{action}",
             summary="审核、批准或退回 / review, approve or reject a report")
def post_step(request: Request, db: DbDep, user: LoggedIn,  # noqa: PLR0913
              kind: Literal["project", "task", "indicator"], record_id: RowId,
              action: Literal["review", "approve", "reject"], body: StepIn | None = None
              ) -> dict[str, Any]:
    state = workflow.transition(db, ctx_of(request), user, kind, record_id, action,
                                body.reason if body else None)
    return {"kind": kind, "id": record_id, "state": state}


# ---------------------------------------------------------------- generated reports
@router.get("/reports", response_model=list[ReportFileOut],
            summary="已生成的报告 / generated reports")
def reports(request: Request, user=Reader) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    return views.report_files(ctx_of(request))


@router.get("/reports/{name}", summary="下载报告 / download a report")
def report_download(request: Request, name: str, user=Reader) -> Response:  # type: ignore[no-untyped-def]
    path = views.report_path(ctx_of(request), name)
    if path is None:
        raise NotFoundError(f"报告 {name} 不存在。", f"Report {name} does not exist.")
    return FileResponse(path, filename=path.name)


@router.post("/reports", status_code=201, summary="生成报告 / generate a report")
def report_generate(request: Request, db: DbDep, body: ReportRequest,  # type: ignore[no-untyped-def]
                    user=require("report.generate")) -> dict[str, Any]:
    path = views.generate_report(ctx_of(request), db, user.username, body.kind, body.year,
                                 body.format)
    return {"name": path.name, "url": f"/api/v1/reports/{path.name}"}

