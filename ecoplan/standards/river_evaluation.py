"""River, basin and water-system (河流、流域、水系) evaluation of 环办〔2011〕22号.

* 5 or more sections: the section-class proportion method — share of sections in classes Ⅰ–Ⅲ
  and in 劣Ⅴ decide the status word (thresholds in ``data/water_evaluation_2011.yaml``).
* Fewer than 5 sections: each indicator is averaged over the sections and the single-factor
  method is applied to the averages (class and status word of that class).
Main pollutants of a river: with 5 or more sections, indicators ordered by the share of sections
exceeding class Ⅲ; with fewer, the main pollutants of the averaged values (worst class, then
exceedance multiple against Ⅲ, toxic items first — :func:`surface_water.main_pollutants`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd

from ecoplan.errors import StandardError
from ecoplan.standards.surface_water import (
    classify_frame,
    classify_item,
    evaluate_section,
    gb3838,
)


@dataclass
class RiverResult:
    """Status of a river or basin (环办〔2011〕22号 河流、流域水质评价)."""

    n_sections: int
    method: str  # "proportion" | "mean"
    status: str
    status_zh: str
    status_en: str
    class_shares: dict[str, float]
    good_share: float  # share of sections in Ⅰ–Ⅲ
    worse_v_share: float  # share of 劣Ⅴ sections
    water_class: int | None = None
    main_pollutants: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def status_from_proportions(classes: Sequence[int]) -> dict[str, Any]:
    """Status word from the share of sections in Ⅰ–Ⅲ and in 劣Ⅴ (环办〔2011〕22号 断面水质类别比例法)."""
    cls = [int(c) for c in classes if int(c) > 0]
    if not cls:
        raise StandardError("没有可评价的断面类别", "no classified sections to evaluate")
    n = len(cls)
    good = Decimal(sum(1 for c in cls if c <= 3)) / Decimal(n)
    worse = Decimal(sum(1 for c in cls if c == 6)) / Decimal(n)
    for th in gb3838().river["thresholds"]:
        checks = (("good_share_min", good, lambda v, t: v >= t),
                  ("good_share_max_excl", good, lambda v, t: v < t),
                  ("worse_v_share_min", worse, lambda v, t: v >= t),
                  ("worse_v_share_max_excl", worse, lambda v, t: v < t))
        if all(ok(v, Decimal(str(th[name]))) for name, v, ok in checks if name in th):
            return {**th, "good_share": float(good), "worse_v_share": float(worse)}
    raise AssertionError("the thresholds table covers every share")  # pragma: no cover


def evaluate_river(sections: pd.DataFrame, *, items: Sequence[str] | None = None) -> RiverResult:
    """River/basin status: proportion method with ≥ 5 sections, indicator means below 5 (环办〔2011〕22号)."""
    ev = gb3838()
    if sections.empty:
        raise StandardError("没有断面数据", "no section data")
    chosen = [c for c in (items if items is not None else ev.evaluated_items)
              if c in sections.columns]
    if "water_class" in sections.columns:
        classes = sections["water_class"].astype(int).tolist()
    else:
        classes = classify_frame(sections, items=chosen)["water_class"].astype(int).tolist()
    n = len([c for c in classes if c > 0])
    shares = {lab: (sum(1 for c in classes if c == k) / n if n else 0.0)
              for k, lab in ((1, "Ⅰ"), (2, "Ⅱ"), (3, "Ⅲ"), (4, "Ⅳ"), (5, "Ⅴ"), (6, "劣Ⅴ"))}
    # main pollutants: share of sections exceeding class Ⅲ per indicator
    mains: list[dict[str, Any]] = []
    wb = sections["waterbody"] if "waterbody" in sections.columns else "river"
    for code in chosen:
        cls = classify_item(code, sections[code].to_numpy(dtype="float64"),
                            wb if isinstance(wb, str) else wb.to_numpy(dtype=object))
        valid = int((cls > 0).sum())
        if valid:
            rate = float((cls > 3).sum()) / valid
            if rate > 0:
                mains.append({"item": code, "exceedance_rate": round(rate, 4)})
    mains.sort(key=lambda d: -d["exceedance_rate"])
    mains = mains[: ev.main_pollutant_count]
    if n >= int(ev.river["proportion_method_min_sections"]) or not chosen:
        st = status_from_proportions(classes)
        return RiverResult(n, "proportion", st["status"], st["status_zh"], st["status_en"],
                           shares, st["good_share"], st["worse_v_share"], None, mains)
    means = {c: float(sections[c].mean()) for c in chosen if sections[c].notna().any()}
    waterbody = str(sections["waterbody"].iloc[0]) if "waterbody" in sections.columns else "river"
    res = evaluate_section(means, waterbody, items=chosen)
    # fewer than 5 sections: the main pollutants, like the class, come from the averaged values
    mean_mains = [{**m, "from": "section_mean"} for m in res.main_pollutants]
    return RiverResult(n, "mean", res.status, res.status_zh, res.status_en, shares,
                       shares["Ⅰ"] + shares["Ⅱ"] + shares["Ⅲ"], shares["劣Ⅴ"], res.water_class,
                       mean_mains)
