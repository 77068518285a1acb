"""The declarative validation rules of each lake dataset, read from ``data/rules.yaml``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ecoplan.errors import ValidationError

RULES_FILE = Path(__file__).with_name("data") / "rules.yaml"


@dataclass(frozen=True)
class ParameterRule:
    """Unit, hard range and suspicion thresholds of one parameter."""

    name: str
    unit: str
    min: float
    max: float
    suspect_above: float | None = None
    spike_ratio: float | None = None
    spike_jump: float | None = None
    constant_hours: int | None = None
    constant_above: float | None = None


@dataclass(frozen=True)
class DatasetRules:
    """Everything validation needs to know about one lake dataset."""

    dataset: str
    key: tuple[str, ...]
    time_column: str
    hourly: bool
    earliest: datetime
    future_hours: float
    site_column: str
    registries: tuple[str, ...]
    parameters: dict[str, ParameterRule] = field(default_factory=dict)
    #: where the list of known parameters comes from when not all have range rules
    parameter_registry: str | None = None
    #: parameters without a rule are kept (unchecked) when their code matches this pattern
    parameter_pattern: str | None = None
    #: further value columns of a long dataset checked against the parameter's range
    extra_values: tuple[str, ...] = ()
    #: columns whose values must be one of a list (e.g. ``interval``: minute|hour|day)
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def long(self) -> bool:
        """Long layout (one row per parameter) rather than one column per parameter."""
        return "parameter" in self.key


def _parameter(name: str, spec: dict[str, Any]) -> ParameterRule:
    spike = spec.get("spike") or {}
    return ParameterRule(
        name=name, unit=str(spec.get("unit", "")), min=float(spec["min"]), max=float(spec["max"]),
        suspect_above=float(spec["suspect_above"]) if "suspect_above" in spec else None,
        spike_ratio=float(spike["ratio"]) if "ratio" in spike else None,
        spike_jump=float(spike["jump"]) if "jump" in spike else None,
        constant_hours=int(spec["constant_hours"]) if "constant_hours" in spec else None,
        constant_above=float(spec["constant_above"]) if "constant_above" in spec else None,
    )


@cache
def _all_rules() -> dict[str, DatasetRules]:
    raw = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    result: dict[str, DatasetRules] = {}
    for name, spec in raw.items():
        time = spec["time"]
        site = spec["site"]
        regs = site["registry"]
        result[name] = DatasetRules(
            dataset=name, key=tuple(spec["key"]), time_column=time["column"],
            hourly=bool(time.get("hourly", False)),
            earliest=datetime.fromisoformat(str(time.get("earliest", "1900-01-01"))),
            future_hours=float(time.get("future_hours", 0)), site_column=site["column"],
            registries=tuple(regs if isinstance(regs, list) else [regs]),
            parameters={k: _parameter(k, v) for k, v in spec["parameters"].items()},
            parameter_registry=spec.get("parameter_registry"),
            parameter_pattern=spec.get("parameter_pattern"),
            extra_values=tuple(spec.get("extra_values") or ()),
            choices={str(k): tuple(str(x) for x in v)
                     for k, v in (spec.get("choices") or {}).items()},
        )
    return result


#: Units of one family and their factor to a common base: a value in one of them is converted
#: explicitly into a rule's unit for range checks (the stored value stays as sent).
UNIT_FAMILIES: tuple[dict[str, float], ...] = (
    {"ng/m³": 1e-3, "ng/m3": 1e-3, "μg/m³": 1.0, "µg/m³": 1.0, "ug/m3": 1.0, "μg/m3": 1.0,
     "mg/m³": 1e3, "mg/m3": 1e3},
    {"Pa": 1e-3, "hPa": 0.1, "kPa": 1.0, "MPa": 1e3},
)


def unit_scale(unit: str | None, target: str) -> float | None:
    """Factor turning a value in ``unit`` into ``target`` (1 when equal or not given; None when
    the two are not of one known family)."""
    if unit is None or unit == "" or unit == target:
        return 1.0
    for fam in UNIT_FAMILIES:
        if unit in fam and target in fam:
            return fam[unit] / fam[target]
    return None


def datasets() -> list[str]:
    return sorted(_all_rules())


def rules_for(dataset: str) -> DatasetRules:
    """The rules of ``dataset`` (``air_hourly``, ``water_samples``, ``groundwater_samples``)."""
    try:
        return _all_rules()[dataset]
    except KeyError:
        raise ValidationError(
            f"未知的数据集：{dataset}（可用：{', '.join(datasets())}）",
            f"Unknown dataset: {dataset} (known: {', '.join(datasets())})",
        ) from None
