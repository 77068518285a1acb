"""Sealed radioactive sources: decay and category.

* Decay: A(t) = A0 · 2^(−Δt / T½) with the half-lives of ``data/radionuclides.yaml`` (NNDC NuDat 3
  / IAEA LiveChart, ENSDF evaluations); a year is 365.25 days.
* Category I–V: 放射源分类办法（原国家环境保护总局公告 2005 年第 62 号）, by the ratio A/D of the
  activity to the nuclide's D value (IAEA EPR-D-VALUES 2006): I ≥ 1000 > II ≥ 10 > III ≥ 1 >
  IV ≥ 0.01 > V; below the exemption activity of GB 18871-2002 附录A it is not a source to classify.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ecoplan.errors import StandardError

DATA_FILE = Path(__file__).parent / "data" / "radionuclides.yaml"
DAYS_PER_YEAR = 365.25
CATEGORY_NAMES = {"I": "Ⅰ类", "II": "Ⅱ类", "III": "Ⅲ类", "IV": "Ⅳ类", "V": "Ⅴ类"}


@lru_cache(maxsize=1)
def nuclide_table() -> dict[str, Any]:
    with DATA_FILE.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


def normalise_nuclide(name: str) -> str:
    """``Co60``, ``co-60``, ``60Co``, ``Co－60`` → ``Co-60`` (as in the table)."""
    t = str(name).strip().replace("－", "-").replace(" ", "")
    m = re.match(r"^(\d+)([A-Za-z]+)$", t)
    if m:
        t = f"{m.group(2)}-{m.group(1)}"
    m2 = re.match(r"^([A-Za-z]+)-?(\d+)$", t)
    if not m2:
        raise StandardError(f"核素“{name}”无法识别", f"Nuclide “{name}” not recognised")
    key = f"{m2.group(1).capitalize()}-{m2.group(2)}"
    if key not in nuclide_table()["nuclides"]:
        raise StandardError(f"核素 {key} 不在内置半衰期表中（{DATA_FILE.name}）",
                            f"Nuclide {key} is not in the bundled half-life table ({DATA_FILE.name})")
    return key


def half_life_days(nuclide: str) -> float:
    """Half-life in days (NNDC NuDat 3 / IAEA LiveChart value, years × 365.25)."""
    row = nuclide_table()["nuclides"][normalise_nuclide(nuclide)]
    return float(row["half_life"]) * (DAYS_PER_YEAR if row["unit"] == "a" else 1.0)


def decayed_activity(nuclide: str, activity_bq: float, reference: date, on: date) -> float:
    """Activity on ``on`` of a source of ``activity_bq`` at ``reference`` (A0·2^(−Δt/T½))."""
    dt = (on - reference).days
    return float(activity_bq) * 2.0 ** (-dt / half_life_days(nuclide))


@dataclass(frozen=True)
class SourceCategory:
    category: str | None  # I … V, or None below the exemption activity
    ratio: float
    d_value_tbq: float
    basis: str

    @property
    def name(self) -> str:
        return CATEGORY_NAMES.get(self.category or "", "豁免（低于豁免活度）")


def source_category(nuclide: str, activity_bq: float) -> SourceCategory:
    """Category by A/D (放射源分类办法 2005; D values IAEA EPR-D-VALUES 2006)."""
    key = normalise_nuclide(nuclide)
    row = nuclide_table()["nuclides"][key]
    d_bq = float(row["d_value_tbq"]) * 1e12
    ratio = float(activity_bq) / d_bq
    basis = (f"A/D = {activity_bq:.4g} Bq / {row['d_value_tbq']} TBq = {ratio:.4g}"
             "（放射源分类办法 2005；D 值 IAEA EPR-D-VALUES 2006）")
    if activity_bq < float(row["exempt_bq"]):
        return SourceCategory(None, ratio, float(row["d_value_tbq"]),
                              basis + f"；低于 GB 18871-2002 豁免活度 {float(row['exempt_bq']):.0e} Bq")
    for c in nuclide_table()["categories"]:
        if ratio >= float(c["min_ratio"]):
            return SourceCategory(c["category"], ratio, float(row["d_value_tbq"]), basis)
    raise AssertionError("the V row has min_ratio 0")
