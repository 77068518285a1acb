"""The National Hazardous Waste List (国家危险废物名录（2021年版）): categories and codes.

The list is data (``data/hazardous_waste_list_2021.yaml``, with its source, year and how much of
it is bundled): 46 categories HW01–HW50 and the 467 waste codes ``NNN-NNN-NN`` whose last two
digits repeat the category number (名录 说明 第三条). Only a subset of the codes is bundled; a
well-formed code of an existing category is accepted and said to be outside the bundled subset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ecoplan.errors import StandardError

DATA_FILE = Path(__file__).parent / "data" / "hazardous_waste_list_2021.yaml"
CODE_RE = re.compile(r"^(\d{3})-(\d{3})-(\d{2})$")
CATEGORY_RE = re.compile(r"^HW(\d{2})$")


@lru_cache(maxsize=1)
def waste_list() -> dict[str, Any]:
    """The bundled list: ``source``, ``year``, ``categories`` {HWnn: name}, ``codes`` {code: text}."""
    with DATA_FILE.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


@dataclass(frozen=True)
class WasteCode:
    code: str
    category: str
    category_name: str
    description: str | None  # None: a valid code outside the bundled subset
    list_version: str

    @property
    def bundled(self) -> bool:
        return self.description is not None


def category_of(text: str) -> str:
    """``HWnn`` for a category (``HW08``, ``hw8``) or a waste code (``900-249-08`` → ``HW08``)."""
    t = str(text).strip().upper().replace("－", "-").replace("—", "-")
    m = CODE_RE.match(t)
    if m:
        cat = f"HW{m.group(3)}"
    else:
        m2 = re.match(r"^HW\s*(\d{1,2})$", t)
        if not m2:
            raise StandardError(f"“{text}”既不是危险废物类别（HWnn）也不是废物代码（NNN-NNN-NN）",
                                f"“{text}” is neither a hazardous-waste category (HWnn) nor a "
                                "waste code (NNN-NNN-NN)")
        cat = f"HW{int(m2.group(1)):02d}"
    if cat not in waste_list()["categories"]:
        raise StandardError(f"国家危险废物名录（2021年版）中没有类别 {cat}",
                            f"The National Hazardous Waste List (2021) has no category {cat}")
    return cat


def waste_code(text: str) -> WasteCode:
    """Check a waste code against the 2021 list (form, category; description when bundled)."""
    t = str(text).strip().replace("－", "-").replace("—", "-")
    if not CODE_RE.match(t):
        raise StandardError(f"废物代码“{text}”格式应为 NNN-NNN-NN（如 900-249-08）",
                            f"Waste code “{text}” must look like NNN-NNN-NN (e.g. 900-249-08)")
    cat = category_of(t)
    wl = waste_list()
    return WasteCode(t, cat, wl["categories"][cat], wl["codes"].get(t), f"{wl['source']}")


def covers(licensed: list[str], code: str) -> bool:
    """Whether a licence listing categories/codes (``HW08``, ``900-249-08``) covers ``code``."""
    cat = category_of(code)
    for item in licensed:
        it = str(item).strip().upper()
        if it == code or (CATEGORY_RE.match(it) and it == cat):
            return True
    return False
