"""The pollution-source registry on SQLite and PostgreSQL: enterprises, outlets, permits,
limits, append-only grades and the grade in force on a date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ecoplan.store import db
from ecoplan.store.supervision_models import GradesAreAppendOnly
from ecoplan.supervision import sources as S

# Two published credit codes used only to exercise the GB 32100-2015 check character.
VALID_CODES = ["91440300708461136T", "91110000802100433B"]


def _code(prefix: str) -> str:
    """A syntactically valid credit code (check character computed) for test enterprises."""
    body = prefix.ljust(17, "0")[:17]
    return body + S.credit_code_check_character(body)


@pytest.fixture
def session(db_url: str):  # type: ignore[no-untyped-def]
    db.upgrade(db_url)
    engine = db.make_engine(db_url)
    with db.session_scope(engine) as s:
        yield s
    engine.dispose()


@pytest.mark.parametrize("code", VALID_CODES)
def test_credit_code_check_character_accepts_published_codes(code: str) -> None:
    assert S.check_credit_code(code.lower()) == code


@pytest.mark.parametrize("code", ["91440300708461136A", "9144030070846113", "91440300708461136I"])
def test_credit_code_rejects_bad_codes(code: str) -> None:
    with pytest.raises(S.SourcesError) as info:
        S.check_credit_code(code)
    assert info.value.location is not None and info.value.location.field == "credit_code"


def test_registry_roundtrip_and_grade_in_force(session) -> None:  # type: ignore[no-untyped-def]
    code = _code("91141122MA0K1")
    S.add_enterprise(session, code, "示例焦化企业", industry="炼焦", town="夏家营镇",
                     key_enterprise=True, department="吕梁市生态环境局交城分局")
    with pytest.raises(S.SourcesError):
        S.add_enterprise(session, code, "重复")
    S.add_outlet(session, "DA001", code, "废气", name="焦炉烟囱", mns=["MN001", "MN001", " "])
    assert S.get_outlet(session, "DA001").mns == ["MN001"]
    assert S.outlet_for_mn(session, "MN001").code == "DA001"  # type: ignore[union-attr]
    S.add_permit(session, "P-1", code, "2020-06-01", "2025-05-31", "重点",
                 limits=[S.LimitInput("DA001", "so2", "30", "mg/m³", "GB 16171-2012 表5")])
    S.add_permit(session, "P-2", code, date(2025, 6, 1), date(2030, 5, 31), "key",
                 limits=[S.LimitInput("DA001", "so2", 25, "mg/m³", "许可证正本")])
    assert S.permit_in_force(session, code, date(2024, 1, 1)).number == "P-1"  # type: ignore[union-attr]
    assert S.permit_in_force(session, code, date(2026, 1, 1)).number == "P-2"  # type: ignore[union-attr]
    assert S.permit_in_force(session, code, date(2031, 1, 1)) is None
    lims = S.limits_in_force(session, date(2025, 5, 1), date(2025, 7, 1))
    assert sorted((r["permit"], r["limit_value"]) for r in lims) == [("P-1", 30.0), ("P-2", 25.0)]
    assert S.permit_limits(session, "P-1")[0].limit_value == Decimal("30")

    S.record_grade(session, code, "C级", "2021-03-01", "吕梁市2021年绩效分级结果")
    S.record_grade(session, code, "B", "2023-09-01", "吕梁市2023年绩效分级结果")
    assert S.grade_in_force(session, code, date(2020, 1, 1)) is None
    assert S.grade_in_force(session, code, date(2022, 1, 1)).grade == "C"  # type: ignore[union-attr]
    assert S.grade_in_force(session, code, date(2024, 1, 1)).grade == "B"  # type: ignore[union-attr]
    assert [g.grade for g in S.grade_history(session, "示例焦化企业")] == ["C", "B"]

    S.edit_enterprise(session, code, town="西营镇")
    assert S.get_enterprise(session, code).town == "西营镇"
    session.flush()


def test_grades_are_append_only(session) -> None:  # type: ignore[no-untyped-def]
    code = _code("91141122MA0K2")
    S.add_enterprise(session, code, "示例企业")
    g = S.record_grade(session, code, "A", "2024-01-01", "文件")
    g.grade = "D"
    with pytest.raises(GradesAreAppendOnly):
        session.flush()
    session.rollback()


@pytest.mark.parametrize(("call", "field"), [
    (lambda s, c: S.add_outlet(s, "X1", c, "噪声"), "kind"),
    (lambda s, c: S.add_outlet(s, "X1", "91440300708461136T", "废气"), "enterprise"),
    (lambda s, c: S.add_permit(s, "P", c, "2025-13-01", "2026-01-01", "重点"), "issued"),
    (lambda s, c: S.add_permit(s, "P", c, "2025-01-01", "2024-01-01", "重点"), "valid_until"),
    (lambda s, c: S.add_permit(s, "P", c, "2025-01-01", "2026-01-01", "特级"),
     "management_class"),
    (lambda s, c: S.record_grade(s, c, "E", "2025-01-01", "doc"), "grade"),
    (lambda s, c: S.record_grade(s, c, "A", "2025-01-01", " "), "document"),
])
def test_bad_entries_name_the_field(session, call, field) -> None:  # type: ignore[no-untyped-def]
    code = _code("91141122MA0K3")
    S.add_enterprise(session, code, "示例企业3")
    with pytest.raises(S.SourcesError) as info:
        call(session, code)
    assert info.value.location is not None and info.value.location.field == field


def test_limit_must_belong_to_permit_holder(session) -> None:  # type: ignore[no-untyped-def]
    a, b = _code("91141122MA0KA"), _code("91141122MA0KB")
    S.add_enterprise(session, a, "甲")
    S.add_enterprise(session, b, "乙")
    S.add_outlet(session, "B-DA001", b, "flue_gas")
    S.add_permit(session, "PA", a, "2025-01-01", "2030-01-01", "key")
    with pytest.raises(S.SourcesError) as info:
        S.add_permit_limit(session, "PA", S.LimitInput("B-DA001", "so2", 30, "mg/m³"))
    assert info.value.location.field == "outlet"  # type: ignore[union-attr]
    with pytest.raises(S.SourcesError):
        S.add_permit_limit(session, "PA", S.LimitInput("B-DA001", "so2", -1, "mg/m³"))
