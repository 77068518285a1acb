"""Loading plan files: the bundled plan, and located errors for broken files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ecoplan.plan import PlanFileError, bundled_plan_path, bundled_plans, load_plan, parse_plan_text

BUNDLED = bundled_plan_path("jiaocheng-2021-2025")


@pytest.fixture(scope="module")
def plan():  # type: ignore[no-untyped-def]
    return load_plan(BUNDLED)


def test_bundled_plan_listed() -> None:
    assert "jiaocheng-2021-2025" in bundled_plans()


def test_unknown_bundled_plan() -> None:
    with pytest.raises(PlanFileError) as exc:
        bundled_plan_path("nowhere-2021-2025")
    assert "nowhere-2021-2025" in exc.value.message("zh")


def test_eighteen_numbered_indicators(plan) -> None:  # type: ignore[no-untyped-def]
    numbered = plan.indicators_by_number()
    assert sorted(numbered) == list(range(1, 19))
    assert [i.key for i in numbered[4]] == ["4a", "4b"]
    assert len(plan.indicators) == 19


@pytest.mark.parametrize(
    ("key", "baseline", "target", "attribute"),
    [
        ("1", "61", "≤44", "binding"),
        ("2", "58.63", "≥75", "binding"),
        ("3", "4.66", "基本消除", "binding"),
        ("4a", "Ⅱ类", "Ⅱ类", "binding"),
        ("4b", "Ⅴ类", "Ⅲ类", "binding"),
        ("5", "Ⅲ类", "Ⅲ类", "expected"),
        ("6", "0", "0", "expected"),
        ("7", "Ⅲ类", "Ⅲ类", "expected"),
        ("8", "/", "25", "expected"),
        ("9", "/", "完成市下达的任务", "binding"),
        ("10", "/", "完成市下达的任务", "binding"),
        ("11", "/", "", "binding"),
        ("12", "/", "", "expected"),
        ("13", "/", "95", "expected"),
        ("14", "/", "有效保障", "expected"),
        ("15", "100", "100", "expected"),
        ("16", "/", "完成市下达的任务", "expected"),
        ("17", "57", "持续保持", "expected"),
        ("18", "/", "不降低", "expected"),
    ],
)
def test_table1_exact(plan, key, baseline, target, attribute) -> None:  # type: ignore[no-untyped-def]
    ind = plan.indicator(key)
    assert (ind.baseline.text, ind.target.text, ind.attribute) == (baseline, target, attribute)


def test_parsed_values(plan) -> None:  # type: ignore[no-untyped-def]
    assert plan.indicator("2").baseline.value == Decimal("58.63")
    t = plan.indicator("1").target
    assert (t.operator, t.value) == ("<=", Decimal("44"))
    assert plan.indicator("4b").baseline.water_class == 5
    assert plan.indicator("4b").target.water_class == 3


def test_every_indicator_says_how_it_is_measured(plan) -> None:  # type: ignore[no-untyped-def]
    stats = {i.key: i.measurement.statistic for i in plan.indicators if i.measurement.kind == "computed"}
    assert stats == {
        "1": "air.pm25_annual_mean", "2": "air.good_day_ratio", "3": "air.heavy_day_ratio",
        "4a": "water.section_class", "4b": "water.section_class",
        "5": "water.drinking_source_class", "7": "groundwater.point_class",
    }
    for ind in plan.indicators:
        if ind.measurement.kind == "reported":
            assert ind.measurement.department


def test_unknown_indicator_is_a_plan_error(plan) -> None:  # type: ignore[no-untyped-def]
    from ecoplan.errors import PlanError

    with pytest.raises(PlanError):
        plan.indicator("99")


def _with_override(plan_text: str) -> str:
    return plan_text.replace("municipal_targets: []", """municipal_targets:
  - indicator_key: "9"
    target: {text: 减排500吨, kind: value, operator: ">=", value: "500"}
    effective_date: 2022-03-01
    document: 吕环发〔2022〕1号
  - indicator_key: "9"
    target: {text: 减排650吨, kind: value, operator: ">=", value: "650"}
    effective_date: 2023-05-10
    document: 吕环发〔2023〕7号
""")


def test_effective_target_applies_municipal_overrides_by_date() -> None:
    plan = parse_plan_text(_with_override(BUNDLED.read_text(encoding="utf-8")), "x.yaml")
    assert plan.effective_target("9", date(2021, 6, 1)).kind == "municipal"
    assert plan.effective_target("9", date(2022, 12, 31)).value == Decimal("500")
    assert plan.effective_target("9", date(2024, 1, 1)).value == Decimal("650")
    assert plan.effective_target("9").value == Decimal("650")
    assert [m.document for m in plan.municipal_history("9")] == ["吕环发〔2022〕1号", "吕环发〔2023〕7号"]
    # the plan's own target is kept
    assert plan.indicator("9").target.kind == "municipal"


# ---------------------------------------------------------------- located errors
def _line_of(text: str, needle: str) -> int:
    for n, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return n
    raise AssertionError(needle)


def _broken(tmp_path: Path, old: str, new: str) -> tuple[Path, str]:
    text = BUNDLED.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    return path, text


@pytest.mark.parametrize(
    ("old", "new", "field", "needle"),
    [
        ('value: "58.63"}', 'value: "58,63"}', "indicators[1].baseline.value", '"58,63"'),
        ("attribute: expected\n    direction: class\n    baseline: {text: Ⅲ类",
         "attribute: expectd\n    direction: class\n    baseline: {text: Ⅲ类",
         "indicators[5].attribute", "attribute: expectd"),
        ('key: "4b"', 'key: "4c"', "indicators[4]", 'key: "4c"'),
        ("    measurement: {kind: reported, department: 住建局}",
         "    measurement: {kind: reported}", "indicators[6].measurement", "measurement: {kind: reported}"),
    ],
)
def test_errors_name_file_line_field(tmp_path: Path, old: str, new: str, field: str,
                                     needle: str) -> None:
    path, text = _broken(tmp_path, old, new)
    with pytest.raises(PlanFileError) as exc:
        load_plan(path)
    loc = exc.value.location
    assert loc is not None and loc.file == str(path)
    assert loc.field == field
    assert loc.row == _line_of(text, needle)
    zh, en = exc.value.message("zh"), exc.value.message("en")
    assert f"第 {loc.row} 行" in zh and f"row {loc.row}" in en


def test_duplicate_indicator_key_located(tmp_path: Path) -> None:
    path, text = _broken(tmp_path, 'key: "5"\n    number: 5', 'key: "5"\n    number: 5\n    number: 6')
    with pytest.raises(PlanFileError) as exc:
        load_plan(path)
    assert exc.value.location.row == _line_of(text, "number: 6")


def test_yaml_syntax_error_located(tmp_path: Path) -> None:
    path, text = _broken(tmp_path, "category: 生态保护\n    name_zh: 森林覆盖率",
                         "category: 生态保护\n    name_zh: [森林覆盖率")
    with pytest.raises(PlanFileError) as exc:
        load_plan(path)
    assert exc.value.location.file == str(path)
    assert exc.value.location.row is not None
    assert exc.value.location.row >= _line_of(text, "[森林覆盖率")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PlanFileError) as exc:
        load_plan(tmp_path / "nope.yaml")
    assert "nope.yaml" in exc.value.message("en")


def test_municipal_target_must_name_known_indicator(tmp_path: Path) -> None:
    text = _with_override(BUNDLED.read_text(encoding="utf-8")).replace(
        'indicator_key: "9"\n    target: {text: 减排650吨', 'indicator_key: "99"\n    target: {text: 减排650吨')
    with pytest.raises(PlanFileError) as exc:
        parse_plan_text(text, "m.yaml")
    assert exc.value.location.field == "municipal_targets[1].indicator_key"
    assert exc.value.location.row == _line_of(text, 'indicator_key: "99"')
