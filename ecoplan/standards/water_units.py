"""Water parameters and units: names in Chinese, English or HJ 212 codes → canonical codes; unit checks.

Canonical units are those the standards write (GB 3838-2002: mg/L, faecal coliforms 个/L;
GB/T 14848-2017: mg/L for inorganic items, total coliforms MPN/100mL, 菌落总数 CFU/mL, Bq/L).
Organic items that GB/T 14848 writes in μg/L are kept in mg/L internally (as GB 3838 Table 3
writes them); the groundwater module converts its limits exactly. Unknown parameters and units
are reported (never dropped) as located :class:`~ecoplan.errors.ValidationError` records.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ecoplan.errors import Location, ValidationError

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Parameter:
    code: str
    name_zh: str
    name_en: str
    hj212: str
    unit: str


def _key(name: str) -> str:
    """Matching key: NFKC, lower case, no spaces, ASCII brackets, μ/µ unified."""
    s = unicodedata.normalize("NFKC", str(name)).strip().lower()
    s = s.replace(" ", "").replace("（", "(").replace("）", ")").replace("µ", "μ")
    return s


@lru_cache(maxsize=1)
def parameters() -> tuple[dict[str, Parameter], dict[str, str]]:
    """Registry of water parameters (data/water_parameters.csv + GB 3838 Table 3 + GB/T 14848 items) and the alias map."""
    params: dict[str, Parameter] = {}
    alias: dict[str, str] = {}

    def add_alias(name: str, code: str) -> None:
        if name:
            alias.setdefault(_key(name), code)

    with (DATA_DIR / "water_parameters.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            p = Parameter(row["code"], row["name_zh"], row["name_en"], row["hj212"], row["unit"])
            params[p.code] = p
            for n in (p.code, p.name_zh, p.name_en, p.hj212, *row["aliases"].split("|")):
                add_alias(n, p.code)
    with (DATA_DIR / "gb3838-2002.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            if row["code"] not in params:
                params[row["code"]] = Parameter(row["code"], row["name_zh"], "", "", "mg/L")
            add_alias(row["code"], row["code"])
            add_alias(row["name_zh"], row["code"])
    gw = yaml.safe_load((DATA_DIR / "gb14848-2017.yaml").read_text(encoding="utf-8"))
    for it in gw["items"]:
        code = it["code"]
        if code not in params:
            unit = "mg/L" if it.get("unit") == "μg/L" else (it.get("unit") or "")
            params[code] = Parameter(code, str(it["name_zh"]), str(it.get("name_en", "")), "", unit)
        add_alias(code, code)
        add_alias(str(it["name_zh"]), code)
    return params, alias


def resolve_parameter(name: str) -> str | None:
    """Canonical code of a parameter named in Chinese, English or by its HJ 212 code; None if unknown."""
    if name is None:
        return None
    _, alias = parameters()
    k = _key(name)
    if k in alias:
        return alias[k]
    for suffix in ("-avg", "-rtd", "_avg"):  # HJ 212 field names such as w21003-Avg
        if k.endswith(suffix) and k[: -len(suffix)] in alias:
            return alias[k[: -len(suffix)]]
    return None


# unit → (dimension, factor to the dimension's base). Bases: mg/L, per-litre count, per-100mL, per-mL.
_UNITS: dict[str, tuple[str, Decimal]] = {
    "mg/l": ("mass", Decimal(1)), "毫克/升": ("mass", Decimal(1)), "mg/dm3": ("mass", Decimal(1)),
    "μg/l": ("mass", Decimal("0.001")), "ug/l": ("mass", Decimal("0.001")),
    "微克/升": ("mass", Decimal("0.001")), "ng/l": ("mass", Decimal("0.000001")),
    "g/l": ("mass", Decimal(1000)), "g/m3": ("mass", Decimal(1)),
    "个/l": ("count", Decimal(1)), "mpn/l": ("count", Decimal(1)), "cfu/l": ("count", Decimal(1)),
    "个/100ml": ("count", Decimal(10)), "mpn/100ml": ("count", Decimal(10)),
    "cfu/100ml": ("count", Decimal(10)), "个/ml": ("count", Decimal(1000)),
    "cfu/ml": ("count", Decimal(1000)), "mpn/ml": ("count", Decimal(1000)),
    "无量纲": ("none", Decimal(1)), "": ("none", Decimal(1)), "-": ("none", Decimal(1)),
    "ph": ("none", Decimal(1)), "ph单位": ("none", Decimal(1)), "dimensionless": ("none", Decimal(1)),
    "铂钴色度单位": ("none", Decimal(1)), "度": ("none", Decimal(1)),
    "℃": ("temp", Decimal(1)), "°c": ("temp", Decimal(1)), "c": ("temp", Decimal(1)),
    "ntu": ("turb", Decimal(1)), "bq/l": ("bq", Decimal(1)), "μs/cm": ("cond", Decimal(1)),
    "us/cm": ("cond", Decimal(1)), "cells/l": ("cells", Decimal(1)), "个/l藻": ("cells", Decimal(1)),
    "m": ("length", Decimal(1)), "cm": ("length", Decimal("0.01")),
}


def _unit_key(unit: str | None) -> str:
    if unit is None or (isinstance(unit, float) and np.isnan(unit)):
        return ""
    return _key(str(unit)).replace("l-1", "/l").replace("·", "")


def unit_factor(unit: str | None, code: str) -> Decimal | None:
    """Exact factor converting ``unit`` to the canonical unit of parameter ``code``; None if incompatible/unknown."""
    params, _ = parameters()
    p = params.get(code)
    if p is None:
        return None
    src = _UNITS.get(_unit_key(unit))
    dst = _UNITS.get(_unit_key(p.unit))
    if src is None or dst is None:
        return None
    if src[0] == "none" and dst[0] != "none":
        # a missing unit on a concentration is accepted as the canonical unit only when blank
        return Decimal(1) if _unit_key(unit) == "" else None
    if src[0] != dst[0]:
        return None
    return src[1] / dst[1]


def canonical_unit(code: str) -> str:
    """Canonical unit of a parameter (the unit the standard writes)."""
    params, _ = parameters()
    return params[code].unit if code in params else ""


def normalise_long(df: pd.DataFrame, *, file: str | None = None,
                   row_numbers: Iterable[int] | None = None) -> tuple[pd.DataFrame, list[ValidationError]]:
    """Canonical codes and units for a long table (columns parameter, value, unit); unknowns are reported, kept."""
    problems: list[ValidationError] = []
    out = df.copy()
    rows = list(row_numbers) if row_numbers is not None else [i + 2 for i in range(len(df))]
    raw_param = out["parameter"].astype(str).tolist()
    codes = [resolve_parameter(p) for p in raw_param]
    units = out["unit"].tolist() if "unit" in out.columns else [""] * len(out)
    values = pd.to_numeric(out["value"], errors="coerce").to_numpy(dtype="float64").copy()
    canon_units: list[str] = []
    known: list[bool] = []
    factor_cache: dict[tuple[str, str], Decimal | None] = {}
    for i, (raw, code, unit) in enumerate(zip(raw_param, codes, units, strict=True)):
        if code is None:
            problems.append(ValidationError(
                f"未知的水质参数「{raw}」（已保留，未参与评价）",
                f"unknown water parameter '{raw}' (kept, not evaluated)",
                location=Location(file, rows[i], "parameter")))
            canon_units.append("" if unit is None else str(unit))
            known.append(False)
            continue
        key = (code, "" if unit is None or (isinstance(unit, float) and np.isnan(unit)) else str(unit))
        if key not in factor_cache:
            factor_cache[key] = unit_factor(key[1], code)
        f = factor_cache[key]
        if f is None:
            problems.append(ValidationError(
                f"参数 {raw} 的单位「{key[1]}」无法换算为 {canonical_unit(code)}（已保留，未参与评价）",
                f"unit '{key[1]}' of {raw} cannot be converted to {canonical_unit(code)} "
                "(kept, not evaluated)",
                location=Location(file, rows[i], "unit")))
            canon_units.append(key[1])
            known.append(False)
            continue
        if f != 1 and not np.isnan(values[i]):
            values[i] = float(Decimal(repr(float(values[i]))) * f)
        canon_units.append(canonical_unit(code))
        known.append(True)
    out["parameter"] = [c if c is not None else r for c, r in zip(codes, raw_param, strict=True)]
    out["raw_parameter"] = raw_param
    out["value"] = values
    out["unit"] = canon_units
    out["known"] = known
    return out, problems
