"""Groundwater quality classes of GB/T 14848-2017 (single indicators and the point class).

Classes Ⅰ–Ⅴ (1–5). Single indicator (§8.2): the class whose range holds the value; equal limits
take the better class (从优不从劣). Point (§8.3): the worst single-indicator class, naming the
indicators in that class. Organic indicators written in μg/L by the standard are compared in
mg/L (the canonical unit, see ``water_units``) after an exact conversion of the limits.
A value reported below the detection limit is classified at the detection limit (an upper bound
of the true value), except that anionic surfactants meet class Ⅰ only when not detected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ecoplan.errors import StandardError

DATA_DIR = Path(__file__).parent / "data"
GW_LABELS = {0: "", 1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ", 5: "Ⅴ"}
EXTRA_DIGITS = 6


@dataclass(frozen=True)
class GwIndicator:
    code: str
    no: int
    name_zh: str
    name_en: str
    group: str
    verification: str
    unit: str  # as the standard writes it
    rule: str  # max | ph | text | nd_then_max | gross
    limits: tuple[Decimal | None, ...]  # in the canonical unit (mg/L for μg/L items)
    ph: tuple[Decimal, Decimal, Decimal, Decimal] | None = None

    @property
    def exp(self) -> int:
        vals = [d for d in self.limits if d is not None] + list(self.ph or ())
        decs = [max(0, -d.normalize().as_tuple().exponent) for d in vals]
        return (max(decs) if decs else 0) + EXTRA_DIGITS


@lru_cache(maxsize=1)
def gb14848() -> dict[str, GwIndicator]:
    """Load GB/T 14848-2017 Tables 1 and 2 (93 indicators) from data/gb14848-2017.yaml."""
    raw = yaml.safe_load((DATA_DIR / "gb14848-2017.yaml").read_text(encoding="utf-8"))
    out: dict[str, GwIndicator] = {}
    for it in raw["items"]:
        unit = str(it.get("unit") or "")
        factor = Decimal("0.001") if unit == "μg/L" else Decimal(1)
        lims = tuple(None if x is None else Decimal(str(x)) * factor
                     for x in (it.get("limits") or []))
        ph = None
        if it["rule"] == "ph":
            a, b = (Decimal(str(x)) for x in it["class1_3"])
            c, d = (Decimal(str(x)) for x in it["class4"])
            ph = (a, b, c, d)
        out[it["code"]] = GwIndicator(
            code=it["code"], no=int(it["item_no"]), name_zh=str(it["name_zh"]),
            name_en=str(it.get("name_en", "")), group=it["group"],
            verification=it["verification"], unit=unit, rule=it["rule"], limits=lims, ph=ph)
    return out


def _scaled(values: np.ndarray, exp: int) -> np.ndarray:
    bound = 9.0e18 / (10.0 ** exp)
    with np.errstate(invalid="ignore"):
        return np.rint(np.nan_to_num(np.clip(values, -bound, bound)) * 10.0 ** exp).astype(np.int64)


def _lim(d: Decimal, exp: int) -> int:
    return int((d * (Decimal(10) ** exp)).to_integral_value())


def classify_groundwater_item(code: str, values: Any, below_dl: Any = False) -> np.ndarray:
    """Single-indicator class 1–5 of GB/T 14848-2017 (§8.2, Table 1/2; equal limits → better class); 0 where missing."""
    ind = gb14848().get(code)
    if ind is None:
        raise StandardError(f"GB/T 14848-2017 中没有指标 {code}",
                            f"indicator {code} is not in GB/T 14848-2017")
    if ind.rule == "text":
        arr = np.atleast_1d(np.asarray(values, dtype=object))
        out = np.zeros(arr.shape, dtype=np.int8)
        for i, v in enumerate(arr):
            s = "" if v is None else str(v).strip().lower()
            if s in {"无", "none", "no", "0", "0.0", "未检出"}:
                out[i] = 1
            elif s in {"有", "yes", "1", "1.0", "检出"}:
                out[i] = 5
        return out
    arr = np.atleast_1d(np.asarray(values, dtype="float64"))
    nd = np.broadcast_to(np.atleast_1d(np.asarray(below_dl, dtype=bool)), arr.shape)
    missing = np.isnan(arr)
    exp = ind.exp
    v = _scaled(arr, exp)
    if ind.rule == "ph":
        assert ind.ph is not None
        a, b, c, d = (_lim(x, exp) for x in ind.ph)
        out = np.where((v >= a) & (v <= b), 1, np.where((v >= c) & (v <= d), 4, 5))
    elif ind.rule == "gross":
        lims = np.array([_lim(x, exp) for x in ind.limits if x is not None], dtype=np.int64)
        out = 1 + (v[:, None] > lims[None, :]).sum(axis=1)  # above Ⅲ → Ⅳ (Ⅳ and Ⅴ both "> Ⅲ")
    else:
        start = 1 if ind.rule == "nd_then_max" else 0
        lims = np.array([_lim(x, exp) for x in ind.limits[start:]], dtype=np.int64)
        out = 1 + start + (v[:, None] > lims[None, :]).sum(axis=1)
        if ind.rule == "nd_then_max":
            out = np.where(nd, 1, out)  # class Ⅰ = 不得检出 (not detected)
    out = out.astype(np.int8)
    out[missing] = 0
    return out


@dataclass
class GroundwaterResult:
    """Point class of GB/T 14848-2017 §8.3 with the deciding and exceeding indicators."""

    water_class: int
    label: str
    item_classes: dict[str, int]
    deciding_items: list[str]
    target_class: int
    attained: bool | None
    exceeding_items: list[str]
    unknown_items: list[str] = field(default_factory=list)
    one_source_items: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def classify_groundwater_point(values: Mapping[str, Any], *, target_class: int = 3,
                               below_dl: Mapping[str, bool] | None = None,
                               items: Sequence[str] | None = None) -> GroundwaterResult:
    """Point class = worst single-indicator class, with the indicators that decide it (GB/T 14848-2017 §8.3)."""
    table = gb14848()
    below_dl = below_dl or {}
    classes: dict[str, int] = {}
    unknown: list[str] = []
    for code, x in values.items():
        if items is not None and code not in items:
            continue
        if code not in table:
            unknown.append(code)
            continue
        c = int(classify_groundwater_item(code, [x], bool(below_dl.get(code, False)))[0])
        if c:
            classes[code] = c
    wc = max(classes.values()) if classes else 0
    deciding = sorted((k for k, c in classes.items() if c == wc), key=lambda k: table[k].no)
    exceeding = sorted((k for k, c in classes.items() if c > target_class),
                       key=lambda k: (-classes[k], table[k].no))
    return GroundwaterResult(
        water_class=wc, label=GW_LABELS[wc], item_classes=classes, deciding_items=deciding,
        target_class=target_class, attained=(None if wc == 0 else wc <= target_class),
        exceeding_items=exceeding, unknown_items=unknown,
        one_source_items=sorted(k for k in classes if table[k].verification != "verified"))


def classify_groundwater_frame(long: pd.DataFrame, *, target_class: int = 3) -> pd.DataFrame:
    """Point class per site and sampling time from a long table (site, time, parameter, value[, below_dl]) — GB/T 14848-2017 §8.3."""
    if long.empty:
        return pd.DataFrame(columns=["site", "time", "water_class", "label"])
    d = long.copy()
    if "below_dl" not in d.columns:
        d["below_dl"] = False
    table = gb14848()
    d["known_gw"] = d["parameter"].isin(list(table))
    d["item_class"] = 0
    for code, idx in d[d["known_gw"]].groupby("parameter").groups.items():
        sub = d.loc[idx]
        d.loc[idx, "item_class"] = classify_groundwater_item(
            str(code), sub["value"].to_numpy(dtype="float64"),
            sub["below_dl"].fillna(False).to_numpy(dtype=bool))
    rows = []
    for (site, time), g in d.groupby(["site", "time"], sort=True):
        known = g[g["known_gw"] & (g["item_class"] > 0)]
        wc = int(known["item_class"].max()) if not known.empty else 0
        deciding = sorted(known.loc[known["item_class"] == wc, "parameter"],
                          key=lambda k: table[k].no)
        exceeding = known[known["item_class"] > target_class]
        rows.append({
            "site": site, "time": time, "water_class": wc, "label": GW_LABELS[wc],
            "deciding_items": "|".join(deciding),
            "exceeding_items": "|".join(sorted(exceeding["parameter"],
                                               key=lambda k: table[k].no)),
            "target_class": target_class,
            "attained": (None if wc == 0 else wc <= target_class),
            "unknown_items": "|".join(sorted(set(g.loc[~g["known_gw"], "parameter"].astype(str)))),
            "n_items": int(len(known)),
        })
    return pd.DataFrame(rows)
