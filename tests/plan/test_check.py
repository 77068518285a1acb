"""plan check: the genuine inconsistencies of the bundled plan, and no false alarms on a clean one."""

from __future__ import annotations

from copy import deepcopy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from ecoplan.plan import Plan, bundled_plan_path, load_plan
from ecoplan.plan.check import check_plan
from ecoplan.plan.importer import read_text_export
from ecoplan.plan.loader import PLANS_DIR

DATA = Path(__file__).resolve().parent.parent / "data" / "plan"
CLEAN_YAML = DATA / "example-county-2021-2025.yaml"
CLEAN_TEXT = DATA / "example-county-plan.txt"


@pytest.fixture(scope="module")
def bundled_report():  # type: ignore[no-untyped-def]
    plan = load_plan(bundled_plan_path("jiaocheng-2021-2025"))
    return check_plan(plan, read_text_export(PLANS_DIR / "jiaocheng-2021-2025-eco-plan.txt"))


def _find(report, code: str, **values: Any) -> list:  # type: ignore[no-untyped-def]
    out = []
    for f in report.findings:
        if f.code != code:
            continue
        if all(f.values.get(k) == v for k, v in values.items()):
            out.append(f)
    return out


def test_bundled_counts(bundled_report) -> None:  # type: ignore[no-untyped-def]
    assert bundled_report.counts() == {"error": 4, "warning": 12, "info": 8}
    assert bundled_report.summary["total_investment_wan_yuan"] == "155804.95"
    assert bundled_report.summary["numbered_indicators"] == 18


def test_good_days_against_ratio(bundled_report) -> None:  # type: ignore[no-untyped-def]
    (err,) = _find(bundled_report, "days_vs_ratio", stated_days=Decimal("221"))
    assert err.severity == "error"
    assert err.values["table_ratio_percent"] == Decimal("58.63")
    assert err.locations[0].chapter == "1.2" and err.locations[0].line == 15
    (note,) = _find(bundled_report, "days_vs_ratio", stated_days=Decimal("214"))
    assert note.severity == "info" and note.values["valid_days_fitting"] == [365]
    (both,) = _find(bundled_report, "stated_figures_disagree", quantity="air.good_days")
    assert both.severity == "error"
    assert [v["value"] for v in both.values["values"]] == ["214", "221"]


def test_category_count(bundled_report) -> None:  # type: ignore[no-untyped-def]
    (f,) = _find(bundled_report, "category_count")
    assert f.severity == "error"
    assert (f.values["stated_count"], f.values["table_count"]) == (Decimal("6"), 7)
    assert f.values["not_in_text"] == ["农村环境治理"]
    assert f.values["written_differently"] == [{"text": "环境监管能力建设工程", "table": "生态环境监管能力建设"}]
    assert f.locations[0].line == 310


def test_targets(bundled_report) -> None:  # type: ignore[no-untyped-def]
    missing = {f.values["indicator"]: f.severity for f in _find(bundled_report, "target_missing")}
    assert missing == {"11": "error", "12": "warning"}
    municipal = {f.values["indicator"]: f.severity for f in _find(bundled_report, "municipal_target_not_recorded")}
    assert municipal == {"9": "warning", "10": "warning", "16": "info"}
    (forest,) = _find(bundled_report, "target_weaker_than_text")
    assert forest.values["indicator"] == "17" and forest.values["implied_target"] == Decimal("59.5")
    (wuliang,) = _find(bundled_report, "baseline_class_overstated")
    assert wuliang.values["indicator"] == "4b"
    assert [s["value"] for s in wuliang.values["stated_limits"]] == ["8", "5"]
    assert wuliang.values["class_limit"] == Decimal("2.0")
    assert not _find(bundled_report, "target_weaker_than_baseline")


def test_data_sources(bundled_report) -> None:  # type: ignore[no-untyped-def]
    assert sorted(f.values["indicator"] for f in _find(bundled_report, "binding_without_monitoring")) == [
        "10", "11", "9"]
    (sec,) = _find(bundled_report, "sections_not_identified")
    assert sec.values == {"indicator": "4a", "section_count": 3, "named_sections": ["北峪口"]}


def test_names_written_two_ways(bundled_report) -> None:  # type: ignore[no-untyped-def]
    (river,) = _find(bundled_report, "name_written_two_ways", canonical="磁窑河")
    assert river.severity == "warning" and river.values["variants"] == {"磁密河": 2}
    assert sorted(loc.line for loc in river.locations) == [7, 9]
    (section,) = _find(bundled_report, "name_written_two_ways", canonical="武良断面")
    assert section.severity == "info"


def test_projects_and_dates(bundled_report) -> None:  # type: ignore[no-untyped-def]
    (boiler,) = _find(bundled_report, "project_figures_inconsistent")
    assert boiler.values["project"] == 23 and boiler.values["t_per_h_per_mw"] == Decimal("35.7")
    (incomplete,) = _find(bundled_report, "project_content_incomplete")
    assert incomplete.values["project"] == 8
    (dams,) = _find(bundled_report, "stated_figures_disagree", quantity="磁窑河流域合页坝数量")
    assert dams.severity == "warning"
    (vision,) = _find(bundled_report, "date_outside_period")
    assert vision.values["year"] == 2035 and vision.severity == "info" and vision.locations[0].line == 32
    (amb,) = _find(bundled_report, "ambiguous_deadline")
    assert amb.values["task"] == "3.4-1"


def test_findings_have_both_languages_and_a_fix(bundled_report) -> None:  # type: ignore[no-untyped-def]
    for f in bundled_report.findings:
        assert f.message_zh and f.message_en and f.fix_zh and f.fix_en and f.locations
        d = f.as_dict()
        assert d["severity"] in {"error", "warning", "info"}


def test_check_without_source_still_finds_the_table_issues() -> None:
    report = check_plan(load_plan(bundled_plan_path("jiaocheng-2021-2025")))
    codes = {f.code for f in report.findings}
    assert {"days_vs_ratio", "category_count", "target_missing", "name_written_two_ways"} <= codes


# ---------------------------------------------------------------- no false alarms


def _clean() -> dict[str, Any]:
    return yaml.safe_load(CLEAN_YAML.read_text(encoding="utf-8"))


def test_clean_plan_has_no_findings() -> None:
    plan = Plan.model_validate(_clean())
    assert check_plan(plan).findings == []
    assert check_plan(plan, read_text_export(CLEAN_TEXT)).findings == []


def _ind(d: dict[str, Any], key: str) -> dict[str, Any]:
    return next(i for i in d["indicators"] if i["key"] == key)


def _m_weaker(d: dict[str, Any]) -> None:
    _ind(d, "1")["target"] = {"text": "≤40", "kind": "value", "operator": "<=", "value": "40"}


def _m_class_weaker(d: dict[str, Any]) -> None:
    _ind(d, "3b")["target"] = {"text": "Ⅴ类", "kind": "water_class", "operator": "<=", "water_class": 5}


def _m_days(d: dict[str, Any]) -> None:
    d["stated_figures"][0]["value"] = "300"


def _m_categories(d: dict[str, Any]) -> None:
    d["stated_figures"][1]["value"] = "3"


def _m_deadline(d: dict[str, Any]) -> None:
    d["tasks"][1]["deadline"] = "2027-12-31"
    d["tasks"][1].pop("project_number")


def _m_empty_target(d: dict[str, Any]) -> None:
    _ind(d, "1")["target"] = {"text": "", "kind": "none"}


def _m_binding_reported(d: dict[str, Any]) -> None:
    _ind(d, "5")["attribute"] = "binding"


def _m_unknown_statistic(d: dict[str, Any]) -> None:
    _ind(d, "4")["measurement"]["statistic"] = "groundwater.magic_index"


def _m_alias(d: dict[str, Any]) -> None:
    d["tasks"][0]["text"] = "到2025年，磁窑河水质持续改善。"
    d["tasks"][2]["text"] = "每年开展磁密河沿岸排污口排查。"


def _m_project_period(d: dict[str, Any]) -> None:
    d["key_projects"][2]["start_year"] = 2019
    d["key_projects"][2]["period_text"] = "2019-2025"


def _m_total(d: dict[str, Any]) -> None:
    d["stated_figures"].append({"quantity": "key_project.total_investment", "value": "5000", "chapter": "4",
                                "text": "总投资5000万元。"})


def _m_municipal(d: dict[str, Any]) -> None:
    _ind(d, "5")["target"] = {"text": "完成市下达的任务", "kind": "municipal"}


def _m_deadline_vs_project(d: dict[str, Any]) -> None:
    d["tasks"][1]["deadline"] = "2022-12-31"


def _m_steam(d: dict[str, Any]) -> None:
    d["key_projects"][1]["content"] = "2x50MW机组配套2台1000t/h锅炉超低排放改造"


def _m_only_name(d: dict[str, Any]) -> None:
    d["key_projects"][1]["content"] = "示例县热力有限公司"


@pytest.mark.parametrize(
    ("mutate", "code", "severity"),
    [
        (_m_weaker, "target_weaker_than_baseline", "error"),
        (_m_class_weaker, "target_weaker_than_baseline", "error"),
        (_m_days, "days_vs_ratio", "error"),
        (_m_categories, "category_count", "error"),
        (_m_deadline, "date_outside_period", "error"),
        (_m_empty_target, "target_missing", "error"),
        (_m_binding_reported, "binding_without_monitoring", "warning"),
        (_m_unknown_statistic, "unknown_statistic", "error"),
        (_m_alias, "name_written_two_ways", "warning"),
        (_m_project_period, "date_outside_period", "warning"),
        (_m_total, "investment_total", "error"),
        (_m_municipal, "municipal_target_not_recorded", "info"),
        (_m_deadline_vs_project, "deadline_vs_project_period", "warning"),
        (_m_steam, "project_figures_inconsistent", "warning"),
        (_m_only_name, "project_content_incomplete", "info"),
    ],
)
def test_each_rule_fires_on_its_own_fault(mutate, code: str, severity: str) -> None:  # type: ignore[no-untyped-def]
    d = deepcopy(_clean())
    mutate(d)
    findings = check_plan(Plan.model_validate(d)).findings
    assert [(f.code, f.severity) for f in findings] == [(code, severity)]


def test_recorded_municipal_target_silences_the_finding() -> None:
    d = deepcopy(_clean())
    _m_municipal(d)
    d["municipal_targets"] = [{"indicator_key": "5", "target": {"text": "≥31.5", "kind": "value", "operator": ">=",
                                                                "value": "31.5"},
                               "effective_date": "2022-03-01", "document": "示市环发〔2022〕3号"}]
    assert check_plan(Plan.model_validate(d)).findings == []


def test_check_reads_a_docx_source(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("示例市示例县“十四五”生态环境保护规划")
    for text in ("一、基础与形势", "（一）“十三五”时期生态环境保护成效", "2020年，全县环境空气质量优良天数250天。",
                 "二、规划目标", "展望二〇四〇年，生态环境根本好转。"):
        d.add_paragraph(text)
    path = tmp_path / "plan.docx"
    d.save(str(path))
    from ecoplan.plan.importer import read_document

    plan = Plan.model_validate(_clean())
    report = check_plan(plan, read_document(path))
    codes = sorted(f.code for f in report.findings)
    # 250 good days is read from the .docx and contradicts both the table and the YAML's 293
    assert codes == ["date_outside_period", "days_vs_ratio", "stated_figures_disagree"]


@pytest.mark.parametrize(
    ("old", "new", "quantity"),
    [("共5项指标", "共6项指标", "indicator.count"), ("约束性指标3项", "约束性指标4项", "indicator.binding_count"),
     ("共3个重点工程", "共4个重点工程", "key_project.count")],
)
def test_counts_stated_in_the_text(tmp_path: Path, old: str, new: str, quantity: str) -> None:
    plan = Plan.model_validate(_clean())
    text = CLEAN_TEXT.read_text(encoding="utf-8")
    assert old in text
    bad = tmp_path / "plan.txt"
    bad.write_text(text.replace(old, new), encoding="utf-8")
    findings = check_plan(plan, read_text_export(bad)).findings
    assert [(f.code, f.values["quantity"]) for f in findings] == [("count_vs_table", quantity)]
