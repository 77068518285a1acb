"""双随机 draws: reproducible from the seed and pools, avoidance rules always hold (hypothesis),
quotas per class and credit grade, stored draws verified against the audit log, tampering
detected, append-only — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoplan.supervision import inspection_draw as D

CFG = D.load_config()
UNITS = ("执法一队", "执法二队", "监测站")


def _code(n: int) -> str:
    body = f"91141122TEXAMP{n:03d}"
    return body + D.S.credit_code_check_character(body)


@st.composite
def pools(draw: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    n_obj = draw(st.integers(1, 12))
    n_insp = draw(st.integers(0, 8))
    inspectors = []
    for i in range(n_insp):
        inspectors.append({
            "code": f"I{i:02d}", "name": f"人{i}", "unit": draw(st.sampled_from(UNITS)),
            "certificate_no": draw(st.sampled_from([None, f"C{i}"])),
            "certificate_expires": draw(st.sampled_from([None, "2026-06-30", "2027-12-31"])),
            "active": True, "recused": []})
    objects = []
    for n in range(n_obj):
        code = _code(n)
        objects.append({"credit_code": code, "name": f"企业{n}",
                        "class": draw(st.sampled_from(D.CLASSES)),
                        "grade": draw(st.sampled_from([None, "A", "B", "C", "D", "不良"])),
                        "last_inspectors": draw(st.lists(st.sampled_from(
                            [i["code"] for i in inspectors] or ["none"]), max_size=2,
                            unique=True))})
        for i in inspectors:
            if draw(st.booleans()) and draw(st.booleans()):
                i["recused"].append(code)
    cfg = json.loads(json.dumps(CFG))
    cfg["inspectors"]["pairs_from_different_units"] = draw(st.booleans())
    cfg["inspectors"]["per_object"] = draw(st.integers(1, 3))
    return objects, inspectors, cfg


SEEDS = st.binary(min_size=32, max_size=32).map(bytes.hex)


@settings(max_examples=60, deadline=None)
@given(pools(), SEEDS)
def test_draw_is_reproducible_and_keeps_the_avoidance_rules(data, seed: str) -> None:  # type: ignore[no-untyped-def]
    objects, inspectors, cfg = data
    valid_on = "2026-12-31"
    result = D.derive(seed, cfg, objects, inspectors, valid_on)
    # the same seed and pools give the same result, whatever order the pools come in
    assert result == D.derive(seed, cfg, list(reversed(objects)), list(reversed(inspectors)),
                              valid_on)
    by_code = {i["code"]: i for i in inspectors}
    by_obj = {o["credit_code"]: o for o in objects}
    assert len({r["credit_code"] for r in result}) == len(result)
    for r in result:
        team = r["inspectors"]
        assert len(set(team)) == len(team) <= cfg["inspectors"]["per_object"]
        assert (r["status"] == "ok") == (len(team) == cfg["inspectors"]["per_object"])
        for code in team:
            i = by_code[code]
            assert r["credit_code"] not in i["recused"]  # never a recused inspector
            assert code not in by_obj[r["credit_code"]]["last_inspectors"]  # nor last time's
            assert D.certified(i, valid_on)  # only certified, valid through the period
        if cfg["inspectors"]["pairs_from_different_units"]:
            assert len(set(r["units"])) == len(r["units"])
    # quota per class and grade: ceil(size × min(1, ratio × multiplier))
    for cls in D.CLASSES:
        for grade in {o["grade"] for o in objects if o["class"] == cls}:
            size = sum(1 for o in objects if o["class"] == cls and o["grade"] == grade)
            ratio = Fraction(cfg["classes"][cls]["ratio"]) * D.multiplier(cfg, grade)
            got = sum(1 for r in result if r["class"] == cls and r["grade"] == grade)
            assert got == D.quota(size, ratio)


@settings(max_examples=25, deadline=None)
@given(pools(), SEEDS, SEEDS)
def test_published_document_verifies_and_any_change_is_caught(data, seed: str, other: str) -> None:  # type: ignore[no-untyped-def]
    objects, inspectors, cfg = data
    cfg = cfg | {"valid_on": "2026-12-31"}
    result = D.derive(seed, cfg, objects, inspectors, "2026-12-31")
    doc = {"format": D.DOCUMENT_FORMAT, "draw_id": 1, "algorithm": D.ALGORITHM, "seed": seed,
           "config": cfg, "object_pool": objects, "inspector_pool": inspectors,
           "object_pool_hash": D.content_hash(objects),
           "inspector_pool_hash": D.content_hash(inspectors), "result": result,
           "result_hash": D.content_hash(result)}
    assert D.verify_document(json.loads(json.dumps(doc))).identical
    if D.derive(other, cfg, objects, inspectors, "2026-12-31") != result:
        assert not D.verify_document(doc | {"seed": other}).identical
    dropped = objects[1:]
    assert not D.verify_document(doc | {"object_pool": dropped}).identical or not objects[:1]


def test_grade_multiplier_raises_and_lowers_the_share() -> None:
    objects = [{"credit_code": _code(n), "name": str(n), "class": "general",
                "grade": "D" if n < 10 else ("A" if n < 30 else None), "last_inspectors": []}
               for n in range(50)]
    result = D.derive("00" * 32, CFG, objects, [], "2026-12-31")
    count = {g: sum(1 for r in result if r["grade"] == g) for g in ("D", "A", None)}
    # general 5 %: D ×3 → ceil(10 × 0.15) = 2; A ×0.5 → ceil(20 × 0.025) = 1; none → ceil(1) = 1
    assert count == {"D": 2, "A": 1, None: 1}
    assert all(r["status"] == "short" for r in result)  # no inspector in the pool


def test_periods() -> None:
    assert D.parse_period("2026q4") == ("2026Q4", date(2026, 10, 1), date(2026, 12, 31))
    assert D.parse_period("2026H1")[2] == date(2026, 6, 30)
    assert D.parse_period("2024-02")[2] == date(2024, 2, 29)
    assert D.period_of(date(2026, 12, 6), "quarter") == "2026Q4"
    with pytest.raises(D.DrawError):
        D.parse_period("2026Q5")


@pytest.fixture
def ws(db_url: str, workspace_home):  # type: ignore[no-untyped-def]
    from ecoplan.settings import load_settings
    from ecoplan.store.workspace import Workspace, init_workspace

    init_workspace(workspace_home, database_url=db_url)
    w = Workspace(load_settings(home=workspace_home, database_url=db_url))
    with w.session() as s:
        for n in range(6):
            D.S.add_enterprise(s, _code(n), f"测试企业{n}", key_enterprise=n < 2)
        for n, unit in enumerate(UNITS * 2):
            D.add_inspector(s, f"I{n}", f"人{n}", unit, certificate_no=f"C{n}",
                            certificate_expires=date(2030, 1, 1), actor="t")
        D.add_recusal(s, "I0", _code(0), "亲属", actor="t")
    yield w
    w.engine.dispose()


def test_the_latest_credit_grade_feeds_the_draw(ws) -> None:  # type: ignore[no-untyped-def]
    """Without grades given, the draw takes each enterprise's latest credit evaluation
    (supervision/credit.py): a D-graded enterprise carries D in the recorded pool."""
    from decimal import Decimal

    from ecoplan.store.case_models import CreditGrade

    with ws.session() as s:
        for grade, on in (("B", date(2026, 1, 5)), ("D", date(2026, 7, 1))):
            s.add(CreditGrade(enterprise=_code(2), evaluated_on=on, period_from=date(2025, 1, 1),
                              period_to=date(2025, 12, 31), score=Decimal(50), grade=grade,
                              rules_version="t", hits=[], actor="t"))
    with ws.session() as s:
        doc = D.draw_document(D.run_draw(s, "2026Q4", actor="t"))
    pool = {o["credit_code"]: o["grade"] for o in doc["object_pool"]}
    assert pool[_code(2)] == "D"
    assert all(g in (None, "") for c, g in pool.items() if c != _code(2))


def test_stored_draw_verifies_against_the_audit_log(ws) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from ecoplan.store import audit
    from ecoplan.store.inspection_models import InspectionDraw, InspectionRecordsAreAppendOnly

    with ws.session() as s:
        row = D.run_draw(s, "2026Q4", actor="t", grades={_code(3).lower(): "D"},
                         special=[f"测试企业{5}"])
        draw_id, seed = row.id, row.seed
    with ws.session() as s:
        doc = D.draw_document(D.get_draw(s, draw_id))
        v = D.verify_draw(s, draw_id)
        assert v.identical, v.as_dict()
        _, logged = audit.entries(s, entity="inspection_draw")
        assert logged[0].after["seed"] == seed and len(seed) == 64
    classes = {r["credit_code"]: r["class"] for r in doc["result"]}
    assert classes[_code(5)] == "special"
    assert sum(1 for c in classes.values() if c == "key") == 1  # ceil(2 × 0.25)
    assert {o["credit_code"]: o["grade"] for o in doc["object_pool"]}[_code(3)] == "D"
    assert D.verify_document(json.loads(json.dumps(doc, ensure_ascii=False))).identical
    # the next draw avoids last time's inspectors
    with ws.session() as s:
        second = D.draw_document(D.run_draw(s, "2027Q1", actor="t"))
    last = {r["credit_code"]: set(r["inspectors"]) for r in doc["result"]}
    for r in second["result"]:
        assert not set(r["inspectors"]) & last.get(r["credit_code"], set())
    # append-only through the ORM; a row changed behind its back no longer verifies
    with pytest.raises(InspectionRecordsAreAppendOnly), ws.session() as s:
        D.get_draw(s, draw_id).seed = "0" * 64
    with ws.engine.begin() as conn:
        conn.execute(update(InspectionDraw).where(InspectionDraw.id == draw_id)
                     .values(seed="1" * 64))
    with ws.session() as s:
        assert not D.verify_draw(s, draw_id).identical
