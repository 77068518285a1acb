"""Plan succession, pure part: the draft's links and the target-check arithmetic on hand-worked
cases (every expected number below was worked out by hand and is written with its working)."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import pytest

from ecoplan.errors import PlanError
from ecoplan.plan import Baseline, Target, bundled_plan_path, load_plan, parse_plan_text
from ecoplan.plan.model import BaselineFigure
from ecoplan.plan.succession import (
    HigherTarget,
    build_draft,
    check_higher,
    check_trend,
    compound_rate,
    fyp_name,
    load_higher_targets,
    ols_slope,
    parse_period,
    plan_to_yaml,
)

DATA = Path(__file__).resolve().parents[2] / "ecoplan" / "plan" / "data"
PREVIOUS = load_plan(bundled_plan_path("jiaocheng-2021-2025"))
# the demo's PM2.5 path 2020–2025 (docs/assessment.md)
PM25 = {2020: 61, 2021: 58, 2022: 54, 2023: 50, 2024: 47, 2025: 45}


def _pm25_baseline() -> Baseline:
    return Baseline(text="45", kind="value", value=Decimal(45), year=2025, source="computed",
                    figures=[BaselineFigure(ruleset="2012", text="45", value=Decimal(45)),
                             BaselineFigure(ruleset="2026", text="45", value=Decimal(45))])


def _draft(targets: dict[str, Target]) -> object:
    return build_draft(PREVIOUS, 2026, 2030, {"1": _pm25_baseline()}, targets=targets)


def test_ols_slope_and_compound_rate_hand_worked() -> None:
    # x − x̄ = −2.5 … 2.5, y − ȳ (ȳ = 315/6 = 52.5) = 8.5, 5.5, 1.5, −2.5, −5.5, −7.5
    # Σ(x−x̄)(y−ȳ) = −58.5, Σ(x−x̄)² = 17.5 → slope = −3.342857…
    assert ols_slope(PM25) == pytest.approx(-58.5 / 17.5)
    assert ols_slope({2024: 1, 2025: 2}) is None  # two points are no trend
    # (45/61)^(1/5) − 1 = −0.05905…
    assert compound_rate(61, 45, 5) == pytest.approx((45 / 61) ** 0.2 - 1)
    assert compound_rate(0, 45, 5) is None


def test_required_rate_trend_projection_and_distance() -> None:
    d = _draft({"1": Target(text="≤40", kind="value", operator="<=", value=Decimal(40))})
    tc = check_trend(d.indicator("1"), baseline_year=2025, end_year=2030, history=PM25, ruleset="2026")
    assert tc.years == 5
    assert tc.required_per_year == pytest.approx(-1.0)          # (40 − 45)/5
    assert tc.required_rate == pytest.approx((40 / 45) ** 0.2 - 1)  # −2.327 %
    assert tc.required_rate == pytest.approx(-0.023281, abs=1e-6)
    assert tc.trend_projection == pytest.approx(45 + 5 * (-58.5 / 17.5))  # 28.2857
    assert tc.distance == pytest.approx(40 - 28.285714, abs=1e-5)         # 11.71
    # needed 1 μg/m³ a year, history gave 3.343 → pace ratio 0.299, reachable at the trend
    assert tc.pace_ratio == pytest.approx(1 / (58.5 / 17.5))
    assert tc.verdict == "within_trend" and tc.baseline_ruleset == "2026"


@pytest.mark.parametrize(("target", "history", "verdict", "ratio"), [
    # need (45 − 30)/5 = 3 a year against 3.343 → 0.897
    ("30", PM25, "within_trend", 3 / (58.5 / 17.5)),
    # need 5 a year: 1.496 × the history
    ("20", PM25, "beyond_trend", 5 / (58.5 / 17.5)),
    # need 8 a year: 2.39 ×
    ("5", PM25, "far_beyond_trend", 8 / (58.5 / 17.5)),
    # history worsening: 40, 42, 45 → slope +2.5
    ("40", {2023: 40, 2024: 42, 2025: 45}, "against_trend", None),
    ("50", PM25, "already_met", None),
    ("40", {2025: 45}, "no_history", None),
])
def test_verdicts(target: str, history: dict[int, int], verdict: str, ratio: float | None) -> None:
    d = _draft({"1": Target(text=f"≤{target}", kind="value", operator="<=", value=Decimal(target))})
    tc = check_trend(d.indicator("1"), baseline_year=2025, end_year=2030, history=history)
    assert tc.verdict == verdict
    if ratio is not None:
        assert tc.pace_ratio == pytest.approx(ratio)


def test_increase_indicator_and_qualitative_targets() -> None:
    base = Baseline(text="55.34", kind="value", value=Decimal("55.34"))
    d = build_draft(PREVIOUS, 2026, 2030, {"2": base},
                    targets={"2": Target(text="≥80", kind="value", operator=">=", value=Decimal(80)),
                             "17": Target(text="持续保持", kind="maintain")})
    # good days 50, 52, 54, 56, 58, 55.34: need (80 − 55.34)/5 = 4.932 a year
    tc = check_trend(d.indicator("2"), baseline_year=2025, end_year=2030,
                     history={2020: 50, 2021: 52, 2022: 54, 2023: 56, 2024: 58, 2025: 55.34})
    assert tc.required_per_year == pytest.approx(4.932)
    # slope: Σ(x−x̄)(y−ȳ) with ȳ = 54.2233…: 2·(−2.5·−4.2233 …) → computed directly
    xs = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]
    ys = [50, 52, 54, 56, 58, 55.34]
    my = sum(ys) / 6
    slope = sum(x * (y - my) for x, y in zip(xs, ys, strict=True)) / 17.5
    assert tc.trend_slope == pytest.approx(slope)  # 1.3394
    assert tc.verdict == "far_beyond_trend" and tc.pace_ratio == pytest.approx(4.932 / slope)
    assert check_trend(d.indicator("17"), baseline_year=2025, end_year=2030, history={}).verdict == "qualitative"
    assert check_trend(d.indicator("8"), baseline_year=2025, end_year=2030, history={}).verdict == "no_target"


def test_higher_targets_value_and_relative_change() -> None:
    d = _draft({"1": Target(text="≤40", kind="value", operator="<=", value=Decimal(40))})
    ind = d.indicator("1")
    city = HigherTarget(level="city", document="示例〔2026〕1号", statistic="air.pm25_annual_mean",
                        kind="value", operator="<=", value=Decimal(42))
    prov = HigherTarget(level="province", document="示例〔2026〕2号", statistic="air.pm25_annual_mean",
                        kind="relative_change", change_percent=Decimal(-12), base_year=2025)
    other = HigherTarget(level="city", document="x", statistic="air.good_day_ratio", kind="value",
                         operator=">=", value=Decimal(80))
    res = check_higher(ind, [city, prov, other], ruleset="2026")
    assert [r.document for r in res] == ["示例〔2026〕1号", "示例〔2026〕2号"]  # good-day target not matched
    assert res[0].implied_value == 42 and res[0].consistent is True
    # 45 × (1 − 0.12) = 39.6 < 40: the county's 40 is weaker than the province's share
    assert res[1].implied_value == pytest.approx(39.6) and res[1].consistent is False
    assert "高于" in res[1].note_zh


def test_draft_links_every_indicator_with_the_changes_stated() -> None:
    d = _draft({"1": Target(text="≤40", kind="value", operator="<=", value=Decimal(40))})
    assert (d.code, d.start_year, d.end_year, d.baseline_year) == ("jiaocheng-2026-2030", 2026, 2030, 2025)
    assert d.status == "draft" and d.predecessor == "jiaocheng-2021-2025"
    assert "十五五" in d.title_zh and "15th" in (d.title_en or "")
    assert [i.predecessor.key for i in d.indicators if i.predecessor] == [i.key for i in PREVIOUS.indicators]
    kinds = {i.key: [c.kind for c in i.predecessor.changes] for i in d.indicators if i.predecessor}
    assert kinds["1"] == ["rule_basis"] and kinds["2"] == ["rule_basis"] and kinds["4b"] == []
    rb = d.indicator("1").predecessor.changes[0]
    assert rb.old.startswith("GB 3095-2012") and rb.new.startswith("GB 3095-2026")
    # no data for 8: marked for entry
    assert d.indicator("8").baseline.to_enter and d.indicator("8").baseline.source == "entry"
    # the YAML round-trips through the loader (file, line, field errors like every plan)
    again = parse_plan_text(plan_to_yaml(d), "draft.yaml")
    assert again == d
    assert again.indicator("1").baseline.figure("2026").value == 45


def test_link_changes_name_unit_section() -> None:
    from ecoplan.plan.succession import link_changes

    old = PREVIOUS.indicator("6")
    new = old.model_copy(update={"name_zh": "城市黑臭水体消除比例", "unit": "个", "category": "水环境"})
    kinds = {c.kind: (c.old, c.new) for c in link_changes(old, new)}
    assert kinds["name"] == (old.name_zh, "城市黑臭水体消除比例")
    assert kinds["unit"] == ("%", "个") and kinds["section"] == (old.category, "水环境")


def test_period_and_fyp_name() -> None:
    assert parse_period("2026-2030") == (2026, 2030) and parse_period("2026–2030") == (2026, 2030)
    assert fyp_name(2026) == "“十五五”" and fyp_name(2021) == "“十四五”" and fyp_name(2031) == "“十六五”"
    with pytest.raises(PlanError) as e:
        parse_period("2030-2026")
    assert "--period" in e.value.message("zh")


def test_higher_targets_file_errors_name_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "higher.yaml"
    bad.write_text("targets:\n  - level: city\n    document: x\n    statistic: air.pm25_annual_mean\n"
                   "    kind: value\n", "utf-8")
    with pytest.raises(PlanError) as e:
        load_higher_targets(bad)
    assert "higher.yaml" in e.value.message("zh") and "targets.0" in e.value.message("en")
    example = load_higher_targets(DATA / "example-higher-targets-2026-2030.yaml")
    assert example.example and all("示例" in t.document for t in example.targets)
    assert not any(t.verified for t in example.targets)
    assert math.isclose(float(example.targets[0].value or 0), 42)


EXAMPLE_2026 = Path(__file__).resolve().parents[1] / "data" / "plan" / "example-jiaocheng-2026-2030-plan.txt"


def _demo_like_draft(tmp_path: Path) -> Path:
    """A draft with constructed baselines (the demo's 2025 figures) written to a file."""
    base = {"1": _pm25_baseline(),
            "2": Baseline(text="75.34", kind="value", value=Decimal("75.34"),
                          figures=[BaselineFigure(ruleset="2012", text="75.34", value=Decimal("75.34")),
                                   BaselineFigure(ruleset="2026", text="55.34", value=Decimal("55.34"))]),
            "17": Baseline(text="57.4", kind="value", value=Decimal("57.4"))}
    path = tmp_path / "draft.yaml"
    path.write_text(plan_to_yaml(build_draft(PREVIOUS, 2026, 2030, base)), "utf-8")
    return path


def test_import_of_the_issued_plan_maps_onto_the_draft_links(tmp_path: Path) -> None:
    """The constructed 2026–2030 text (an example, not the county's real plan) imported with
    --link-to: each indicator takes over the draft's link to the 2021–2025 plan."""
    import json

    from ecoplan.cli import main
    from ecoplan.plan.check import check_plan

    assert "不是交城县真实" in EXAMPLE_2026.read_text("utf-8")
    draft = _demo_like_draft(tmp_path)
    out = tmp_path / "issued.yaml"
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["plan", "import", str(EXAMPLE_2026), "-o", str(out), "--code",
                     "jiaocheng-2026-2030-example", "--link-to", str(draft), "--json"]) == 0
    data = json.loads(buf.getvalue())
    assert data["valid"] is True
    links = {m["key"]: (m["draft_key"], m["how"], m["baseline_agrees"]) for m in data["links"]}
    assert links == {"1": ("1", "statistic", True),
                     "2": ("2", "name", True),        # 比率 ↔ 比例; 55.34 = the 2026-rules figure
                     "3": ("3", "statistic", None),   # the draft has no computed baseline for 3 here
                     "4": ("4b", "statistic", None),  # 磁窑河武良 by river and section
                     "5": ("7", "statistic", None),
                     "6": (None, "none", None),       # O3: a new indicator
                     "7": ("17", "name", True)}
    issued = load_plan(out)
    assert issued.predecessor == "jiaocheng-2021-2025" and issued.period == "2026-2030"
    two = issued.indicator("2")
    assert two.measurement and two.measurement.statistic == "air.good_day_ratio"  # from the draft
    kinds = {c.kind: (c.old, c.new) for c in two.predecessor.changes}
    assert kinds["name"] == ("县城区空气质量优良天数比例", "县城区空气质量优良天数比率")
    assert kinds["rule_basis"][1].startswith("GB 3095-2026")
    assert issued.indicator("4").predecessor.key == "4b" and issued.indicator("6").predecessor is None
    assert not [f for f in check_plan(issued).findings if f.severity == "error"]


def test_succession_rows_and_cli(tmp_path: Path) -> None:
    import contextlib
    import io
    import json

    from ecoplan.cli import main
    from ecoplan.plan.succession import succession_rows

    draft = load_plan(_demo_like_draft(tmp_path))
    rows = succession_rows(PREVIOUS, draft)
    assert len(rows) == 19 and all(r.status == "continued" for r in rows)
    trimmed = draft.model_copy(update={"indicators": draft.indicators[:2]})
    assert [r.status for r in succession_rows(PREVIOUS, trimmed)].count("discontinued") == 17
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["plan", "succession", str(tmp_path / "draft.yaml"), "--json"]) == 0
    data = json.loads(buf.getvalue())
    assert data["old"] == {"code": "jiaocheng-2021-2025", "period": "2021-2025"}
    first = data["rows"][0]
    assert (first["old_baseline"], first["old_target"], first["new_baseline"]) == ("61", "≤44", "45")
    assert first["changes"][0]["kind"] == "rule_basis" and "from" in first["changes"][0]
