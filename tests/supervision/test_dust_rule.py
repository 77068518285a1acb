"""The dust spraying rule against the hand-worked cases in tests/data/supervision/."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from ecoplan.supervision import dust_control as dc

CASES = yaml.safe_load((Path(__file__).parents[1] / "data" / "supervision" /
                        "dust_rule_cases.yaml").read_text(encoding="utf-8"))
T0 = datetime(2026, 11, 28, 8, 0)


def _readings(case: dict[str, Any]) -> list[dc.Reading]:
    return [dc.Reading(T0 + timedelta(minutes=m), v, f) for m, v, f in case["readings"]]


def _summary(actions: list[dc.Action]) -> list[list[Any]]:
    return [[(a.time - T0).total_seconds() / 60, a.action, a.reason] for a in actions]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_rule_cases(case: dict[str, Any]) -> None:
    th = dc.Thresholds.from_mapping(case["thresholds"])
    until = T0 + timedelta(minutes=case["until"]) if "until" in case else None
    actions, _ = dc.run(_readings(case), th, until=until)
    assert _summary(actions) == [[float(m), a, r] for m, a, r in case["expected"]]
    for a in actions:
        assert a.reason_zh and a.reason_en and a.reason_zh != a.reason_en


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_incremental_with_persisted_state_equals_batch(case: dict[str, Any]) -> None:
    """The live controller feeds one reading per pass and stores the state as JSON between
    passes (a restart): it must do exactly what the batch run does."""
    th = dc.Thresholds.from_mapping(case["thresholds"])
    batch, _ = dc.run(_readings(case), th)
    state = dc.ControlState()
    got: list[dc.Action] = []
    for r in sorted(_readings(case), key=lambda r: r.time):
        state, acts = dc.step(dc.ControlState.from_dict(state.as_dict()), r, th)
        got += acts
    assert got == batch


def test_restart_does_not_start_twice() -> None:
    th = dc.Thresholds(upper=150, lower=100, alarm_on_start=False)
    state, acts = dc.step(dc.ControlState(), dc.Reading(T0, 200), th)
    assert [a.action for a in acts] == ["on"]
    restored = dc.ControlState.from_dict(state.as_dict())
    assert restored.spraying
    _, again = dc.step(restored, dc.Reading(T0 + timedelta(minutes=1), 210), th)
    assert again == []


def test_tick_without_data_detects_gap_and_max_run() -> None:
    th = dc.Thresholds(upper=150, lower=100, gap_s=600, max_run_s=300, alarm_on_start=False)
    state, _ = dc.step(dc.ControlState(), dc.Reading(T0, 200), th)
    state, acts = dc.tick(state, T0 + timedelta(minutes=4), th)
    assert acts == []
    state, acts = dc.tick(state, T0 + timedelta(minutes=6), th)
    assert [(a.action, a.reason) for a in acts] == [("off", "max-run"), ("alarm", "max-run")]
    assert acts[0].time == T0 + timedelta(minutes=5)
    state, acts = dc.tick(state, T0 + timedelta(minutes=11), th)
    assert [(a.action, a.reason) for a in acts] == [("alarm", "gap")]
    assert "数据中断" in acts[0].reason_zh
    _, acts = dc.tick(state, T0 + timedelta(minutes=30), th)
    assert acts == []  # alarmed once per gap


@pytest.mark.parametrize(("kw", "en"), [
    ({"upper": 100, "lower": 100}, "must be below upper"),
    ({"upper": -1, "lower": -5}, "non-negative"),
    ({"upper": 150, "lower": 100, "start_after": 0}, "integer ≥ 1"),
    ({"upper": 150, "lower": 100, "min_run_s": 600, "max_run_s": 300}, "below minimum run"),
    ({"upper": 150, "lower": 100, "gap_s": -3}, "non-negative number of seconds"),
])
def test_bad_thresholds_are_refused(kw: dict[str, Any], en: str) -> None:
    with pytest.raises(dc.DustRuleError) as exc:
        dc.Thresholds(**kw)
    assert en in exc.value.en and exc.value.zh != exc.value.en


def test_defaults_come_from_the_data_file() -> None:
    th = dc.default_thresholds("pm10")
    assert (th.upper, th.lower, th.start_after) == (120, 80, 2)
    assert dc.factor_code("pm10") == "a34002" and dc.factor_code("tsp") == "a34001"
    with pytest.raises(dc.DustRuleError, match="unsupported dust parameter"):
        dc.default_thresholds("so2")
