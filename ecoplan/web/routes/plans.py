"""Plans of the workspace: the plan selector, one plan's indicators with their baselines, the
succession view (two consecutive plans side by side) and a draft's target check."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from ecoplan.assess.succession import target_check, trend_rows
from ecoplan.plan import Plan, bundled_plan_path, bundled_plans, load_plan
from ecoplan.plan.succession import CHANGE_WORDS, succession_rows
from ecoplan.store.plan_store import loaded_plans
from ecoplan.web import render, views
from ecoplan.web.accounts import NotFoundError
from ecoplan.web.deps import DbDep, ctx_of, require

router = APIRouter(include_in_schema=False)
Reader = require("read.internal")
PlanCode = Annotated[str | None, Query(max_length=64, pattern=r"^[a-z0-9-]+$")]


def workspace_plans(ctx: Any) -> dict[str, Plan]:
    """Every plan of the workspace by code, oldest period first: the loaded ones (from their
    files) and, when none is loaded, the bundled default."""
    out: dict[str, Plan] = {}
    for e in loaded_plans(ctx.engine):
        try:
            if e.source_file:
                out[e.code] = load_plan(e.source_file)
            elif e.code in bundled_plans():
                out[e.code] = load_plan(bundled_plan_path(e.code))
        except Exception:  # noqa: BLE001 - a moved or broken file hides that plan, not the page
            continue
    if not out:
        p = load_plan(bundled_plan_path(views.DEFAULT_PLAN))
        out[p.code] = p
    return dict(sorted(out.items(), key=lambda kv: (kv[1].start_year, kv[0])))


def _plan(plans: dict[str, Plan], code: str) -> Plan:
    if code not in plans:
        raise NotFoundError(f"没有规划 {code}", f"No plan {code}")
    return plans[code]


def _pair(plans: dict[str, Plan], old: str | None, new: str | None) -> tuple[Plan | None, Plan | None]:
    """The plans to show side by side: as asked, else the latest plan with a predecessor."""
    if new is None:
        later = [p for p in plans.values() if p.predecessor in plans]
        new = later[-1].code if later else None
    n = _plan(plans, new) if new else None
    if old is None and n is not None:
        old = n.predecessor
    o = _plan(plans, old) if old else None
    return o, n


@router.get("/plans")
def plans_page(request: Request, db: DbDep, user=Reader) -> Response:  # type: ignore[no-untyped-def]
    ctx = ctx_of(request)
    plans = workspace_plans(ctx)
    assessed = views.current_plan(ctx, db).code
    return render.page(request, "plans.html", plans=list(plans.values()), assessed=assessed)


@router.get("/plans/open")
def open_plan(request: Request, user=Reader, code: PlanCode = None,  # type: ignore[no-untyped-def]
              view: Annotated[str, Query(pattern=r"^(detail|check)$")] = "detail") -> Response:
    """The plan selector's target: the chosen plan's page (or its target check)."""
    plans = workspace_plans(ctx_of(request))
    plan = _plan(plans, code or "")
    return RedirectResponse(f"/plans/{plan.code}" + ("/target-check" if view == "check" else ""),
                            status_code=303)


@router.get("/plans/succession")
def succession_page(request: Request, db: DbDep, user=Reader, old: PlanCode = None,  # type: ignore[no-untyped-def]
                    new: PlanCode = None) -> Response:
    ctx = ctx_of(request)
    plans = workspace_plans(ctx)
    o, n = _pair(plans, old, new)
    rows = succession_rows(o, n) if o and n else []
    return render.page(request, "plan_succession.html", plans=list(plans.values()), old=o, new=n,
                       rows=rows, change_words=CHANGE_WORDS)


@router.get("/plans/{code}")
def plan_page(request: Request, db: DbDep, code: Annotated[str, PlanCode], user=Reader) -> Response:  # type: ignore[no-untyped-def]
    ctx = ctx_of(request)
    plans = workspace_plans(ctx)
    plan = _plan(plans, code)
    successors = [p.code for p in plans.values() if p.predecessor == plan.code]
    return render.page(request, "plan_detail.html", plans=list(plans.values()), plan=plan,
                       successors=successors, change_words=CHANGE_WORDS)


@router.get("/plans/{code}/target-check")
def target_check_page(request: Request, db: DbDep, code: Annotated[str, PlanCode], user=Reader) -> Response:  # type: ignore[no-untyped-def]
    ctx = ctx_of(request)
    plans = workspace_plans(ctx)
    plan = _plan(plans, code)
    lang = getattr(request.state, "lang", "zh")
    key = ("target_check", code, plan.model_dump_json())
    report = ctx.cache.get(key)
    if report is None:
        previous = plans.get(plan.predecessor or "")
        with ctx.lake_lock:  # one reader of the workspace's lake connection at a time
            report = target_check(ctx.workspace if previous is not None else None, plan,
                                  previous=previous)
        ctx.cache[key] = report
    return render.page(request, "plan_target_check.html", plans=list(plans.values()), plan=plan,
                       report=report, rows=trend_rows(report, lang))
