"""Dust (扬尘) spraying rule: a hysteresis controller over one site's dust values.

The plan (§十（三） 提升生态环境监测能力) asks that dust-prone points of key enterprises start one or
more fog-cannon sprayers automatically when the dust value reaches a set upper limit and stop
them when it falls to a set lower limit, with sound-light alarms. No national standard fixes the
limits or the timing; they are per-site configuration (defaults in ``data/dust_defaults.yaml``).

The rule is pure: it takes readings in time order and a :class:`ControlState` and returns the
new state with the :class:`Action` list (``on`` / ``off`` / ``alarm``, each with a reason in
Chinese and English). Feeding readings one at a time or all at once gives the same actions,
so the live controller (incremental, state persisted) and ``dust replay`` (history) agree.

Rules, in order, for each valid reading at time t (value v):

* data gap: the previous valid reading is more than ``gap_s`` older → at (previous + gap_s)
  stop the sprayers if running (regardless of the minimum run time) and alarm ``gap``;
* flagged readings (HJ 212 data flag other than N) and missing values are ignored: they
  neither count towards nor reset the consecutive count and do not end a gap;
* running: v ≤ lower and the sprayers have run ≥ ``min_run_s`` → off (``lower``); having run
  ≥ ``max_run_s`` → off and alarm (``max-run``, pump protection);
* stopped: v ≥ upper for ``start_after`` consecutive valid readings and the sprayers have been
  off ≥ ``min_pause_s`` → on (``upper``), with an alarm when ``alarm_on_start``.

:func:`tick` applies the time-driven rules (gap, maximum run) when no reading arrives.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ecoplan.errors import EcoplanError

ACTIONS = ("on", "off", "alarm")
NORMAL_FLAGS = frozenset({"N"})
"""HJ 212-2017 table 8: N is the only flag of a normal value."""


class DustRuleError(EcoplanError):
    """Invalid thresholds or readings for the dust spraying rule."""


@dataclass(frozen=True)
class Thresholds:
    """One site's limits (same unit as the readings, μg/m³) and timings (seconds)."""

    upper: float
    lower: float
    start_after: int = 1
    min_run_s: float = 0.0
    min_pause_s: float = 0.0
    max_run_s: float | None = None
    gap_s: float | None = None
    alarm_on_start: bool = True

    def __post_init__(self) -> None:
        def bad(field_name: str, zh: str, en: str) -> DustRuleError:
            return DustRuleError(f"阈值 {field_name}：{zh}", f"threshold {field_name}: {en}")

        for name in ("upper", "lower"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or math.isnan(v) or v < 0:
                raise bad(name, f"应为非负数，收到 {v!r}", f"must be a non-negative number, got {v!r}")
        if self.lower >= self.upper:
            raise bad("lower", f"下限 {self.lower} 必须小于上限 {self.upper}",
                      f"lower {self.lower} must be below upper {self.upper}")
        if int(self.start_after) != self.start_after or self.start_after < 1:
            raise bad("start_after", f"应为 ≥1 的整数，收到 {self.start_after!r}",
                      f"must be an integer ≥ 1, got {self.start_after!r}")
        for name in ("min_run_s", "min_pause_s", "max_run_s", "gap_s"):
            v = getattr(self, name)
            if v is not None and (not isinstance(v, (int, float)) or v < 0):
                raise bad(name, f"应为非负秒数，收到 {v!r}",
                          f"must be a non-negative number of seconds, got {v!r}")
        if self.max_run_s is not None and self.max_run_s < self.min_run_s:
            raise bad("max_run_s", f"最长运行 {self.max_run_s} 秒小于最短运行 {self.min_run_s} 秒",
                      f"maximum run {self.max_run_s} s is below minimum run {self.min_run_s} s")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Thresholds:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


@dataclass(frozen=True)
class Reading:
    """One dust value; ``flag`` is the HJ 212 data flag (None or N = normal)."""

    time: datetime
    value: float | None
    flag: str | None = None

    @property
    def valid(self) -> bool:
        if self.value is None or (isinstance(self.value, float) and math.isnan(self.value)):
            return False
        return self.flag is None or self.flag.strip() in NORMAL_FLAGS or self.flag.strip() == ""


@dataclass(frozen=True)
class Action:
    """What the controller does at ``time``; ``reason`` is a stable code."""

    time: datetime
    action: str
    reason: str
    reason_zh: str
    reason_en: str
    value: float | None = None

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["time"] = self.time.isoformat()
        return d


@dataclass(frozen=True)
class ControlState:
    """What the rule remembers between readings (persisted by the live controller)."""

    spraying: bool = False
    changed_at: datetime | None = None
    above: int = 0
    last_valid: datetime | None = None
    last_seen: datetime | None = None
    gap_alarmed: bool = False

    def as_dict(self) -> dict[str, Any]:
        def iso(t: datetime | None) -> str | None:
            return t.isoformat() if t is not None else None

        return {"spraying": self.spraying, "changed_at": iso(self.changed_at),
                "above": self.above, "last_valid": iso(self.last_valid),
                "last_seen": iso(self.last_seen), "gap_alarmed": self.gap_alarmed}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> ControlState:
        if not data:
            return cls()

        def t(key: str) -> datetime | None:
            v = data.get(key)
            return datetime.fromisoformat(v) if v else None

        return cls(spraying=bool(data.get("spraying")), changed_at=t("changed_at"),
                   above=int(data.get("above") or 0), last_valid=t("last_valid"),
                   last_seen=t("last_seen"), gap_alarmed=bool(data.get("gap_alarmed")))


def _fmt(v: float) -> str:
    return f"{v:g}"


def _since(state: ControlState, t: datetime) -> float:
    return (t - state.changed_at).total_seconds() if state.changed_at is not None else math.inf


def tick(state: ControlState, now: datetime, th: Thresholds) -> tuple[ControlState, list[Action]]:
    """Time-driven rules at ``now`` without a new reading: data gap, maximum run time."""
    actions: list[Action] = []
    if (th.gap_s is not None and state.last_valid is not None and not state.gap_alarmed
            and (now - state.last_valid).total_seconds() > th.gap_s):
        at = state.last_valid + timedelta(seconds=th.gap_s)
        mins = _fmt(round(th.gap_s / 60, 2))
        if state.spraying:
            actions.append(Action(at, "off", "gap", f"数据中断超过 {mins} 分钟，停止喷淋",
                                  f"no data for more than {mins} min: spraying stopped"))
            state = replace(state, spraying=False, changed_at=at)
        actions.append(Action(at, "alarm", "gap", f"数据中断：超过 {mins} 分钟没有有效扬尘数据",
                              f"data interrupted: no valid dust value for more than {mins} min"))
        state = replace(state, gap_alarmed=True, above=0)
    if (state.spraying and th.max_run_s is not None
            and _since(state, now) >= th.max_run_s and state.changed_at is not None):
        at = state.changed_at + timedelta(seconds=th.max_run_s)
        mins = _fmt(round(th.max_run_s / 60, 2))
        actions.append(Action(at, "off", "max-run", f"喷淋已连续运行 {mins} 分钟（最长运行时间），停止以保护水泵",
                              f"spraying ran {mins} min (maximum run time): stopped to protect "
                              "the pump"))
        actions.append(Action(at, "alarm", "max-run",
                              f"扬尘持续偏高：喷淋运行达到最长 {mins} 分钟仍未降至下限",
                              f"dust stays high: spraying reached its maximum {mins} min "
                              "without falling to the lower limit"))
        state = replace(state, spraying=False, changed_at=at, above=0)
    return state, actions


def step(state: ControlState, reading: Reading,
         th: Thresholds) -> tuple[ControlState, list[Action]]:
    """Apply one reading (readings at or before ``state.last_seen`` are ignored)."""
    t = reading.time
    if state.last_seen is not None and t <= state.last_seen:
        return state, []
    state, actions = tick(state, t, th)
    state = replace(state, last_seen=t)
    if not reading.valid:
        return state, actions
    v = float(reading.value)  # type: ignore[arg-type]
    state = replace(state, last_valid=t, gap_alarmed=False)
    if state.spraying:
        if v <= th.lower and _since(state, t) >= th.min_run_s:
            actions.append(Action(t, "off", "lower", f"扬尘 {_fmt(v)} ≤ 下限 {_fmt(th.lower)}，停止喷淋",
                                  f"dust {_fmt(v)} ≤ lower limit {_fmt(th.lower)}: spraying "
                                  "stopped", v))
            state = replace(state, spraying=False, changed_at=t, above=0)
        return state, actions
    above = state.above + 1 if v >= th.upper else 0
    state = replace(state, above=above)
    if above >= th.start_after and _since(state, t) >= th.min_pause_s:
        n = f"（连续 {above} 次）" if th.start_after > 1 else ""
        n_en = f" ({above} readings in a row)" if th.start_after > 1 else ""
        actions.append(Action(t, "on", "upper", f"扬尘 {_fmt(v)} ≥ 上限 {_fmt(th.upper)}{n}，启动喷淋",
                              f"dust {_fmt(v)} ≥ upper limit {_fmt(th.upper)}{n_en}: spraying "
                              "started", v))
        if th.alarm_on_start:
            actions.append(Action(t, "alarm", "upper", f"扬尘超上限报警：{_fmt(v)} ≥ {_fmt(th.upper)}",
                                  f"dust above the upper limit: {_fmt(v)} ≥ {_fmt(th.upper)}", v))
        state = replace(state, spraying=True, changed_at=t, above=0)
    return state, actions


def run(readings: Iterable[Reading], th: Thresholds, state: ControlState | None = None, *,
        until: datetime | None = None) -> tuple[list[Action], ControlState]:
    """All actions for ``readings`` (sorted here by time); ``until`` applies :func:`tick` at the
    end (a gap or maximum run reached after the last reading)."""
    state = state or ControlState()
    out: list[Action] = []
    for r in sorted(readings, key=lambda r: r.time):
        state, acts = step(state, r, th)
        out += acts
    if until is not None:
        state, acts = tick(state, until, th)
        out += acts
    return out, state


DEFAULTS_FILE = Path(__file__).parent / "data" / "dust_defaults.yaml"
PARAMETERS = ("pm10", "tsp", "pm25")


@cache
def _defaults() -> dict[str, Any]:
    return yaml.safe_load(DEFAULTS_FILE.read_text(encoding="utf-8"))


def default_thresholds(parameter: str) -> Thresholds:
    """The suggested starting thresholds for ``parameter`` (not a standard; see the data file)."""
    data = _defaults()
    per = data["parameters"].get(parameter)
    if per is None:
        raise DustRuleError(f"不支持的扬尘参数 {parameter}（可选 {'、'.join(PARAMETERS)}）",
                            f"unsupported dust parameter {parameter} (one of {', '.join(PARAMETERS)})")
    return Thresholds.from_mapping({**data["timing"], **per})


def factor_code(parameter: str) -> str:
    """HJ 212-2017 appendix B factor code of the parameter (a34002 PM10 …)."""
    default_thresholds(parameter)
    return str(_defaults()["parameters"][parameter]["hj212_code"])
