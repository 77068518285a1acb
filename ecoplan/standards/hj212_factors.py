"""HJ 212 factor-code tables (``data/hj212_factors.csv``, ``data/hj212_device_types.yaml``):
names, 2005 → current codes, units per device type and the canonical names the engines use."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from ecoplan.errors import InputFileError, Location


@dataclass(frozen=True, slots=True)
class FactorInfo:
    code: str
    name_zh: str
    name_en: str
    domain: str
    code_2005: str | None
    unit: str | None
    cou_unit: str | None
    canonical: str | None
    source: str


@dataclass(frozen=True, slots=True)
class DeviceType:
    name: str
    name_zh: str
    name_en: str
    st: str | None
    dataset_domain: str
    units: dict[str, str] = field(default_factory=dict)


def _data_text(name: str) -> tuple[str, str]:
    ref = resources.files("ecoplan.standards").joinpath("data", name)
    return str(ref), ref.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def factor_table() -> dict[str, FactorInfo]:
    """All factor codes of ``data/hj212_factors.csv`` keyed by their current (2017) code."""
    path, text = _data_text("hj212_factors.csv")
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    out: dict[str, FactorInfo] = {}
    for n, row in enumerate(csv.DictReader(io.StringIO("\n".join(lines))), start=2):
        code = (row.get("code") or "").strip()
        if not code:
            raise InputFileError("因子编码为空", "empty factor code", location=Location(path, n, "code"))
        out[code] = FactorInfo(
            code=code, name_zh=row["name_zh"], name_en=row["name_en"], domain=row["domain"],
            code_2005=row["code_2005"] or None, unit=row["unit"] or None,
            cou_unit=row["cou_unit"] or None, canonical=row["canonical"] or None,
            source=row["source"])
    return out


@lru_cache(maxsize=1)
def codes_2005() -> dict[str, str]:
    """HJ/T 212-2005 code → current code (the 原编码 column of tables B.1/B.2)."""
    return {f.code_2005: f.code for f in factor_table().values() if f.code_2005}


@lru_cache(maxsize=1)
def device_types() -> dict[str, DeviceType]:
    path, text = _data_text("hj212_device_types.yaml")
    data: dict[str, Any] = yaml.safe_load(text) or {}
    out: dict[str, DeviceType] = {}
    for name, spec in data.items():
        if not isinstance(spec, dict):
            raise InputFileError(f"设备类型 {name} 的定义不是映射", f"device type {name} is not a mapping",
                                 location=Location(path, None, name))
        st = spec.get("st")
        out[name] = DeviceType(name=name, name_zh=spec.get("name_zh", name),
                               name_en=spec.get("name_en", name),
                               st=None if st is None else str(st),
                               dataset_domain=spec.get("dataset_domain", "other"),
                               units={str(k): str(v) for k, v in (spec.get("units") or {}).items()})
    return out


def current_code(code: str, version: int, code_map: dict[str, str] | None = None) -> str:
    """The current code for ``code`` as a device sent it (device map first, then 2005 table)."""
    if code_map and code in code_map:
        return code_map[code]
    if version == 0:
        return codes_2005().get(code, code)
    return code


def unit_for(code: str, device_type: str | None, overrides: dict[str, str] | None = None,
             *, cou: bool = False) -> str | None:
    """The unit values of ``code`` arrive in for a device type (per-device overrides first)."""
    info = factor_table().get(code)
    if cou:
        return info.cou_unit if info else None
    if overrides and code in overrides:
        return overrides[code]
    dt = device_types().get(device_type or "")
    if dt and code in dt.units:
        return dt.units[code]
    return info.unit if info else None


def canonical_name(code: str) -> str | None:
    info = factor_table().get(code)
    return info.canonical if info else None
