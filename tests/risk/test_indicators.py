"""Indicators 14 and 15 in the assessment: computed from the registries for a year with records,
the approved department entry otherwise, and the value's source (数值来源) says which."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from ecoplan.assess import progress as pg
from ecoplan.assess.indicators import assess_indicators, indicator_values
from ecoplan.assess.risk_records import registry_summary
from ecoplan.plan import bundled_plan_path, load_plan
from ecoplan.settings import load_settings
from ecoplan.store.plan_store import load_plan_into_db
from ecoplan.store.workspace import Workspace, init_workspace
from ecoplan.supervision import risk as R
from tests.risk.conftest import ACTOR, B, build_hazwaste

PLAN = "jiaocheng-2021-2025"


def _approve(s: Session, key: str, year: int, **kw: object) -> None:
    rep = pg.submit_indicator_value(s, plan_code=PLAN, indicator_key=key, year=year, reporter="zrzyj",
                                    department="县自然资源局", **kw)  # type: ignore[arg-type]
    pg.review(s, "indicator", rep.id, actor="wang")
    pg.approve(s, "indicator", rep.id, actor="zhao")


def test_indicators_14_and_15_from_records_with_department_fallback(tmp_path: Path) -> None:
    home = tmp_path / "home"
    init_workspace(home)
    ws = Workspace(load_settings(home=home))
    plan = load_plan(bundled_plan_path(PLAN))
    load_plan_into_db(ws.engine, plan)
    with ws.session() as s:
        build_hazwaste(s)
        # two key plots reused in 2025: one safely, one while still listed; an industrial plot
        R.add_plot(s, "JC-2025-01", "原焦化厂地块", "R2", actor=ACTOR, survey_state="contaminated",
                   survey_on="2022-05-01", control_state="completed", control_done_on="2024-08-01",
                   delisted_on="2024-10-01", reused_on="2025-03-01", longitude=112.15, latitude=37.56)
        R.add_plot(s, "JC-2025-02", "原化工厂地块", "A33", actor=ACTOR, survey_state="contaminated",
                   survey_on="2022-05-01", control_state="completed", control_done_on="2025-01-10",
                   reused_on="2025-06-01")
        R.add_plot(s, "JC-2025-03", "工业地块", "M1", actor=ACTOR, reused_on="2025-02-01")
        _approve(s, "14", 2024, value_text="有效保障")
        _approve(s, "15", 2024, value="100")
    vals = indicator_values(ws, plan, [2024, 2025])
    v14, v15 = vals["14"], vals["15"]
    assert v15[2025].source == "computed" and str(v15[2025].value) == "66.6"
    assert "危险废物台账" in v15[2025].method_zh and len(v15[2025].evidence) == 2
    assert v14[2025].source == "computed" and v14[2025].value_text == "未达标"
    assert "2 块" in v14[2025].method_zh and "安全利用 1 块" in v14[2025].method_zh
    # 2024 has no records: the approved department entries, and the method says so
    assert v15[2024].source == "reported" and v15[2024].display == "100"
    assert v14[2024].source == "reported" and v14[2024].value_text == "有效保障"
    assert v14[2024].method_zh.startswith("2024 年台账无记录，采用部门填报")
    a = {r.indicator.key: r for r in assess_indicators(ws, plan, 2025, values=vals).rows}
    assert a["14"].status.status == "off_track" and a["15"].value.display == "66.6"
    with ws.session() as s:
        summ = registry_summary(s, 2025)
    assert summ is not None and str(summ["ind15"]["rate"]) == "66.6" and summ["ind14"]["total"] == 2
    assert summ["balance_gaps"] == [B] and summ["hw_units"] == 4
    ws.engine.dispose()
