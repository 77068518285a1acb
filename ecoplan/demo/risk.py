"""Demo step: example risk, hazardous-waste and radiation registries (示例数据).

Every row is an invented example, labelled so, with placeholder credit codes spelled ``…EXAMPL…``.
The two disposal companies the plan names (金铭恒业, 京汇中) appear as operators by name only: no
licence, quantity or category is invented for them. The flows run between fictional units so the
mass balance, manifest checks, storage limits, decay, expiring lists and indicators 14/15 have
something to show. The three workbooks are written to the workspace and imported like any user
file (the same path as a department's upload).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from ecoplan.assess.risk_records import safe_disposal_rate
from ecoplan.store.workspace import Workspace
from ecoplan.supervision import hazwaste as H
from ecoplan.supervision import radiation as RA
from ecoplan.supervision import registry_excel as X
from ecoplan.supervision import risk as R
from ecoplan.supervision.sources import credit_code_check_character

NOTE = "示例数据：单位均为虚构（信用代码含 EXAMPL 字样），数量、日期、证照编号均为演示用，非真实记录。"
LON, LAT = 112.159, 37.555  # 交城县城 (approximate, WGS84)


def _code(prefix: str, n: int) -> str:
    body = f"91141122EXAMP{prefix}{n:03d}"[:17]
    return body + credit_code_check_character(body)


def risk_rows() -> dict[str, list[dict[str, Any]]]:
    e1, e2 = _code("R", 1), _code("R", 2)
    return {
        "enterprises": [
            {"credit_code": e1, "name": "示例焦化企业（虚构）", "industry": "炼焦", "town": "夏家营镇",
             "hazardous": "是", "heavy_metals": "否", "longitude": 112.201, "latitude": 37.521},
            {"credit_code": e2, "name": "示例化工企业（虚构）", "industry": "化工", "town": "西营镇",
             "hazardous": "是", "heavy_metals": "是", "longitude": 112.121, "latitude": 37.498}],
        "gradings": [
            {"enterprise": e1, "route": "大气", "q": 23.5, "m": 38, "e": "E2", "assessed_on": "2024-05-10",
             "document": "示例风险评估报告"},
            {"enterprise": e1, "route": "水", "q": 6.2, "m": 22, "e": "E3", "assessed_on": "2024-05-10"},
            {"enterprise": e2, "route": "大气", "q": 0.6, "m": 15, "e": "E2", "assessed_on": "2023-09-01"},
            {"enterprise": e2, "route": "水", "q": 3.1, "m": 47, "e": "E1", "assessed_on": "2023-09-01"}],
        "plans": [
            {"enterprise": e1, "version": "2024版", "filing_number": "示例-141122-2024-011-L",
             "filed_on": "2024-06-20"},
            {"enterprise": e2, "version": "2023版", "filing_number": "示例-141122-2023-007-M",
             "filed_on": "2023-12-20"}],
        "drills": [{"enterprise": e1, "held_on": "2025-06-12", "scenario": "焦油储罐泄漏", "participants": 35,
                    "record": "示例演练记录"}],
        "supplies": [
            {"name": "吸油毡", "quantity": 500, "unit": "kg", "place": "县环境应急物资库（示例）",
             "owner": "生态环境分局", "expires_on": "2027-01-31", "longitude": LON, "latitude": LAT},
            {"name": "活性炭", "quantity": 5, "unit": "t", "place": "示例焦化企业应急库", "owner": "示例焦化企业（虚构）",
             "expires_on": "2028-06-30", "longitude": 112.202, "latitude": 37.522}],
        "experts": [{"name": "示例专家甲", "speciality": "化工安全", "organisation": "示例研究院",
                     "phone": "0358-0000000", "available": "是"},
                    {"name": "示例专家乙", "speciality": "水环境", "organisation": "示例大学", "available": "是"}],
        "plots": [
            {"code": "示例地块-01", "name": "原示例焦化厂地块", "planned_use": "R2", "survey_state": "contaminated",
             "survey_on": "2022-04-01", "control_state": "completed", "control_done_on": "2024-09-01",
             "delisted_on": "2024-11-15", "reused_on": "2025-04-01", "longitude": 112.17, "latitude": 37.56},
            {"code": "示例地块-02", "name": "原示例化肥厂地块", "planned_use": "A33", "survey_state": "clean",
             "survey_on": "2025-02-10", "reused_on": "2025-08-01", "longitude": 112.15, "latitude": 37.55}],
    }


def hazwaste_rows() -> dict[str, list[dict[str, Any]]]:
    p1, p2, o1 = _code("H", 1), _code("H", 2), _code("H", 9)
    return {
        "units": [
            {"credit_code": p1, "name": "示例产废单位甲（焦化，虚构）", "role": "产废单位", "key_supervision": "是",
             "storage_capacity_t": 30, "longitude": 112.201, "latitude": 37.521},
            {"credit_code": p2, "name": "示例产废单位乙（汽修，虚构）", "role": "产废单位", "storage_capacity_t": 2,
             "longitude": 112.16, "latitude": 37.553},
            {"credit_code": o1, "name": "示例处置单位（虚构）", "role": "经营单位", "longitude": 112.09, "latitude": 37.6},
            {"credit_code": _code("H", 11), "name": "交城县金铭恒业环保科技有限公司", "role": "经营单位"},
            {"credit_code": _code("H", 12), "name": "交城京汇中环保科技有限公司", "role": "经营单位"}],
        "licences": [{"number": "示例危废经营许可证-001", "unit": o1, "scope": ["HW08", "HW11", "HW49"],
                      "capacity_t": 20000, "issued": "2022-03-01", "valid_until": "2027-02-28"}],
        "plans": [{"unit": p1, "year": 2025, "waste_code": "252-002-11", "planned_t": 120},
                  {"unit": p2, "year": 2025, "waste_code": "900-214-08", "planned_t": 3}],
        "ledger": [
            {"unit": p1, "kind": "库存", "waste_code": "252-002-11", "on": "2024-12-31", "quantity_t": 8},
            {"unit": p1, "kind": "产生", "waste_code": "252-002-11", "on": "2025-06-30", "quantity_t": 58},
            {"unit": p1, "kind": "产生", "waste_code": "252-002-11", "on": "2025-12-31", "quantity_t": 61},
            {"unit": p1, "kind": "自行利用处置", "waste_code": "252-002-11", "on": "2025-12-31", "quantity_t": 50,
             "note": "配煤回用（示例）"},
            {"unit": p1, "kind": "库存", "waste_code": "252-002-11", "on": "2025-12-31", "quantity_t": 12},
            {"unit": p2, "kind": "产生", "waste_code": "900-214-08", "on": "2025-12-31", "quantity_t": 2.6},
            {"unit": p2, "kind": "库存", "waste_code": "900-214-08", "on": "2025-12-31", "quantity_t": 0.4}],
        "manifests": [
            {"number": "示例联单-2025-0001", "waste_code": "252-002-11", "producer": p1, "carrier": "示例运输公司",
             "receiver": o1, "shipped_on": "2025-07-15", "shipped_t": 35, "carried_on": "2025-07-15",
             "carried_t": 35, "received_on": "2025-07-16", "received_t": 34.9},
            {"number": "示例联单-2025-0002", "waste_code": "252-002-11", "producer": p1, "carrier": "示例运输公司",
             "receiver": o1, "shipped_on": "2025-11-20", "shipped_t": 30, "carried_on": "2025-11-20",
             "carried_t": 30, "received_on": "2025-11-21", "received_t": 27.5},
            {"number": "示例联单-2025-0003", "waste_code": "900-214-08", "producer": p2, "receiver": o1,
             "shipped_on": "2025-10-08", "shipped_t": 2.0, "received_on": "2025-10-09", "received_t": 2.0}],
    }


def radiation_rows() -> dict[str, list[dict[str, Any]]]:
    u1, u2 = _code("D", 1), _code("D", 2)
    return {
        "units": [{"credit_code": u1, "name": "示例医院（虚构）", "kind": "医疗", "longitude": 112.158, "latitude": 37.557},
                  {"credit_code": u2, "name": "示例焦化企业（料位计，虚构）", "kind": "工业", "longitude": 112.201,
                   "latitude": 37.521}],
        "licences": [{"number": "示例辐证[00001]", "unit": u1, "scope": "使用Ⅱ类射线装置；使用Ⅴ类放射源",
                      "issued": "2022-02-01", "valid_until": "2027-01-31"},
                     {"number": "示例辐证[00002]", "unit": u2, "scope": "使用Ⅳ类放射源",
                      "issued": "2021-12-01", "valid_until": "2026-11-30"}],
        "sources": [{"serial": "0114CS0EX001", "unit": u2, "nuclide": "Cs-137", "activity_bq": 1.85e10,
                     "reference_date": "2010-05-01", "working_life_years": 15, "purpose": "料位计（示例）"},
                    {"serial": "0114CS0EX002", "unit": u2, "nuclide": "Cs-137", "activity_bq": 1.11e10,
                     "reference_date": "2019-08-01", "working_life_years": 15, "purpose": "料位计（示例）"}],
        "events": [{"serial": "0114CS0EX001", "kind": "购买", "on": "2010-06-01", "counterparty": "示例生产单位"},
                   {"serial": "0114CS0EX002", "kind": "购买", "on": "2019-09-01", "counterparty": "示例生产单位"},
                   {"serial": "0114CS0EX002", "kind": "使用", "on": "2019-09-10"}],
        "certificates": [{"unit": u1, "worker": "示例人员甲", "number": "FS22示例0001", "issued": "2022-03-01",
                          "valid_until": "2027-02-28"},
                         {"unit": u1, "worker": "示例人员乙", "number": "FS21示例0002", "issued": "2021-05-01",
                          "valid_until": "2026-04-30"},
                         {"unit": u2, "worker": "示例人员丙", "number": "FS23示例0003", "issued": "2023-06-01",
                          "valid_until": "2028-05-31"}],
    }


def load_examples(ws: Workspace, say: Callable[[str, str], Any] | None = None) -> dict[str, Any]:
    """Write the three example workbooks into the workspace and import them (idempotent)."""
    folder = Path(ws.settings.home) / "examples"
    out: dict[str, Any] = {}
    for name, mod, rows in (("环境风险源", R, risk_rows()), ("危险废物", H, hazwaste_rows()),
                            ("放射源", RA, radiation_rows())):
        path = folder / f"{name}-示例数据.xlsx"
        X.write_template(path, mod.SHEETS, f"{name}登记（示例数据）", [NOTE], examples=rows)
        with ws.session() as s:
            rep = mod.import_workbook(s, path, actor="demo")
        out[name] = {"workbook": str(path), "added": rep.added, "rejected": rep.rejected}
    with ws.session() as s:
        r = safe_disposal_rate(s, 2025)
        out["indicator_15_2025"] = None if r is None else str(r.rate)
        out["expiring"] = len(R.expiring(s, date(2026, 12, 6), 90)) + len(RA.expiring(s, date(2026, 12, 6), 90))
    if say:
        say(f"环境风险源、危险废物、放射源示例登记已导入；2025 年危险废物安全处置率（示例数据）{out['indicator_15_2025']}%",
            f"Example risk, hazardous-waste and radiation registries imported; 2025 safe disposal rate "
            f"(example data) {out['indicator_15_2025']} %")
    return out
