"""企业环境信用 / Environmental credit: the latest grade of every enterprise with its score and
deductions, the rule set with sources, an evaluation run (the bureau), and the list of dishonest
enterprises as Excel for the joint-punishment platform.

Everything goes through :mod:`ecoplan.supervision.credit` (as ``ecoplan credit``).
Permissions: ``credit.read`` every role, ``credit.manage`` admin and analyst.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from sqlalchemy import select

from ecoplan.store.supervision_models import Enterprise
from ecoplan.supervision import credit as K
from ecoplan.web import flash, render
from ecoplan.web.deps import DbDep, Principal, ctx_of, lang_of, require

router = APIRouter(include_in_schema=False)
ISSUER = "吕梁市生态环境局交城分局"



@router.get("/credit")
def credit_page(request: Request, db: DbDep,  # type: ignore[no-untyped-def]
                user: Annotated[Principal, require("credit.read")]) -> Response:
    lang = lang_of(request)
    names = dict(db.execute(select(Enterprise.credit_code, Enterprise.name)).all())
    rows = [{"code": g.enterprise, "name": names.get(g.enterprise, ""), "score": g.score,
             "grade": g.grade, "grade_name": K.grade_name(g.grade, lang),
             "evaluated_on": g.evaluated_on, "hits": K.hits_text(g.hits, lang),
             "rules": g.rules_version}
            for g in K.latest_grades(db)]
    return render.page(request, "credit.html", rows=rows, rules=K.bundled_rules(),
                       enterprises=len(names), can_manage=user.can("credit.manage"),
                       dishonest=len(K.dishonest(db)), message=flash.read(request))


@router.post("/credit/evaluate")
def evaluate(request: Request, db: DbDep,  # type: ignore[no-untyped-def]
             user: Annotated[Principal, require("credit.manage")]) -> Response:
    """Evaluate every registered enterprise today from cases and permits (the CLI's
    ``ecoplan credit evaluate`` also counts the lake's exceedance episodes)."""
    evs = K.evaluate(db, on=date.today(), actor=user.username)
    return flash.redirect(request, "/credit", "case-step",
                          zh=f"已评价 {len(evs)} 家企业", en=f"{len(evs)} enterprises evaluated")


@router.get("/credit/dishonest.xlsx")
def dishonest(request: Request, db: DbDep,  # type: ignore[no-untyped-def]
              user: Annotated[Principal, require("credit.manage")]) -> Response:
    folder = ctx_of(request).settings.reports_dir / "credit"
    out = K.write_dishonest_list(K.dishonest(db), folder / f"环境失信企业名单-{date.today()}.xlsx",
                                 issuer=ISSUER)
    return FileResponse(out, filename=out.name, media_type="application/vnd.openxmlformats-"
                                                           "officedocument.spreadsheetml.sheet")
