"""The plan's target profiles: Wenyu class Ⅱ, Wuliang interim seasonal NH3-N rule, outlets, mine water."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
import yaml

from ecoplan.standards.water_profiles import (
    ProfileError,
    bundled_profiles,
    check_result_profile,
    evaluate_target,
    get_profile,
    require_site,
    season_of,
)
from ecoplan.standards.water_sections import classify_section_period, classify_section_year

DATA = Path(__file__).parent.parent / "data" / "water"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


WULIANG = _rows("wuliang_seasonal.csv")


@pytest.mark.parametrize("case", WULIANG, ids=lambda r: r["case"])
def test_wuliang_seasonal_rule(case: dict[str, str]) -> None:
    profile = get_profile("jiaocheng-2021-2025")
    if case["winter_start"]:
        profile = profile.with_settings(winter_start=case["winter_start"],
                                        winter_end=case["winter_end"])
    site = require_site(profile, case["site"])
    assert site.id == "ciyao_wuliang"
    when = pd.Timestamp(case["time"])
    values = {k: float(case[k]) for k in ("nh3_n", "codmn", "cod", "do", "tp")}
    values["ph"] = 7.5
    res = evaluate_target(values, site, profile, year=when.year,
                          season=season_of(when, profile.settings))
    assert res.attained is (case["expected_attained"] == "true"), case["note"]
    assert set(filter(None, case["expected_failing"].split("|"))) == set(res.failing_items)
    if case["expected_season"] and res.target == "wuliang_interim":
        assert res.season == case["expected_season"]
        assert res.limits_used["nh3_n"].endswith(f"({case['expected_season']})")
    assert res.profile_id == "jiaocheng-2021-2025" and res.profile_version == 1


def test_plan_targets_per_site_and_year() -> None:
    p = get_profile()
    assert p.site_for("北峪口").target_for(2025)["class"] == 2
    assert p.site_for("文峪河某断面", river="文峪河").target_for(2025)["class"] == 2
    w = p.site_for("磁窑河武良断面")
    assert w.target_for(2020)["rule"] == "wuliang_interim"
    assert w.target_for(2023)["rule"] == "wuliang_interim"
    assert w.target_for(2025)["class"] == 3
    assert p.site_for("大营", medium="groundwater").target_for(2025)["class"] == 3
    assert p.site_for("瓦窑水源地", medium="groundwater").kind == "drinking_water_source"
    assert p.site_for("某监测井", medium="groundwater").id == "groundwater_points"
    assert p.site_for("焦化厂总排口", kind="outlet").id == "industrial_outlets"
    assert p.site_for("某煤矿", kind="mine_water").id == "mine_water"
    assert p.site_for("汾河某断面") is None


def test_outlet_and_mine_water_rules() -> None:
    p = get_profile()
    outlet = p.site_for("总排口", kind="outlet")
    ok = evaluate_target({"cod": 40.0, "nh3_n": 2.0, "tp": 0.4, "codmn": 30.0}, outlet, p,
                         year=2024)
    assert ok.attained is True  # 40 / 2.0 / 0.4 are the class Ⅴ limits; CODMn is not in the rule
    bad = evaluate_target({"cod": 40.1, "nh3_n": 1.0, "tp": 0.5}, outlet, p, year=2024)
    assert bad.attained is False and set(bad.failing_items) == {"cod", "tp"}
    mine = p.site_for("矿井水", kind="mine_water")
    assert evaluate_target({"cod": 20.0, "nh3_n": 1.0}, mine, p, year=2024).attained is True
    assert evaluate_target({"cod": 20.5}, mine, p, year=2024).failing_items == ["cod"]


def test_season_boundaries_default() -> None:
    s = get_profile().settings
    assert [season_of(d, s) for d in ("2024-03-31", "2024-04-01", "2024-10-31", "2024-11-01",
                                      "2025-01-01")] == ["winter", "summer", "summer", "winter",
                                                         "winter"]


def test_profile_change_never_rewrites_silently(tmp_path: Path) -> None:
    p = get_profile()
    result = p.result_tags()
    assert check_result_profile(result, p)
    raw = yaml.safe_load(yaml.safe_dump(dict(p.raw), allow_unicode=True))
    raw["rules"]["wuliang_interim"]["seasonal_limits"]["nh3_n"]["summer"] = "6"
    f = tmp_path / "edited.yaml"
    f.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ProfileError):
        get_profile(str(f))  # same id and version, other content
    raw["version"] = 2
    f.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    p2 = get_profile(str(f))
    assert p2.version == 2 and p2.hash != p.hash
    assert not check_result_profile(result, p2)  # the earlier result names v1 and its hash
    changed = p.with_settings(winter_start="11-15")
    assert changed.hash != p.hash and not check_result_profile(result, changed)
    with pytest.raises(ProfileError):
        get_profile("no-such-profile")
    assert "jiaocheng-2021-2025@1" in bundled_profiles()


def _example() -> pd.DataFrame:
    from ecoplan.ingest.readers.water import read_surface_water

    frame, problems = read_surface_water(DATA / "section_monthly_example.csv")
    assert problems == []
    return frame


def test_worked_monthly_to_annual_example() -> None:
    expected = yaml.safe_load((DATA / "section_example_expected.yaml").read_text(encoding="utf-8"))
    frame = _example()
    monthly = classify_section_period(frame, "month", profile="jiaocheng-2021-2025")
    for period, exp in expected["monthly"].items():
        row = monthly[monthly.period == period].iloc[0]
        assert row.water_class == exp["water_class"], period
        if "deciding_items" in exp:
            assert row.deciding_items.split("|") == exp["deciding_items"]
        if "attained" in exp:
            assert bool(row.attained) is exp["attained"]
        if "main_pollutants" in exp:
            assert row.main_pollutants == exp["main_pollutants"]
    annual = classify_section_year(frame, profile="jiaocheng-2021-2025")
    assert len(annual) == 1
    row = annual.iloc[0]
    exp = expected["annual"]["2024"]
    from ecoplan.standards.surface_water import period_means

    means = period_means(frame, "year").set_index("parameter")["value"]
    for code in ("nh3_n", "codmn", "tp", "volatile_phenol"):
        assert means[code] == pytest.approx(exp[code], rel=1e-6)
    assert row.water_class == exp["water_class"] and row.status_zh == exp["status_zh"]
    assert sorted(row.deciding_items.split("|")) == exp["deciding_items"]
    assert bool(row.attained) is exp["attained"] and row.target == exp["target"]
    assert row.profile_id == "jiaocheng-2021-2025" and row.profile_version == 1
    assert "temp" not in row.deciding_items


def test_optional_2020_rounding_is_recorded() -> None:
    frame = _example()
    raw = classify_section_year(frame)
    rounded = classify_section_year(frame, rounding="2020")
    assert raw.iloc[0].rounding == "none" and rounded.iloc[0].rounding == "2020"
    assert raw.iloc[0].water_class == rounded.iloc[0].water_class == 2
    on_limit = pd.DataFrame({"site": ["X"] * 2, "time": ["2024-05-01", "2024-05-20"],
                             "parameter": ["nh3_n"] * 2, "value": [0.50, 0.509]})
    assert classify_section_period(on_limit, "month").iloc[0].water_class == 3  # 0.5045
    r = classify_section_period(on_limit, "month", rounding="2020").iloc[0]
    assert r.water_class == 2  # 0.5045 → 0.50 (2 places, half-even) → Ⅱ
    with pytest.raises(Exception, match="rounding"):
        classify_section_period(on_limit, "month", rounding="1999")  # type: ignore[arg-type]
