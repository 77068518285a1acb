"""Real-time class of national automatic surface-water stations (CNEMC 实时水质).

The published class uses five items — pH, DO, CODMn, NH3-N, TP — single factor, worst class,
on **unrounded** values, a value equal to a limit belonging to that class, total phosphorus in
the river or lake/reservoir column per station (verified against the published release, see
/work/shared/reference/water-standards.md §2.10). TN, temperature, conductivity, turbidity,
chlorophyll-a and algae density are shown by the release but not used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ecoplan.standards.surface_water import (
    LABEL_ARRAY,
    classify_item,
    deciding_names,
    lake_mask,
)

REALTIME_ITEMS: tuple[str, ...] = ("ph", "do", "codmn", "nh3_n", "tp")


def classify_realtime(wide: pd.DataFrame, *, items: Sequence[str] = REALTIME_ITEMS,
                      waterbody: Any = None) -> pd.DataFrame:
    """Real-time station class = worst of pH, DO, CODMn, NH3-N, TP on raw values (GB 3838-2002 Table 1, CNEMC automatic-station rule)."""
    wb = waterbody if waterbody is not None else (
        wide["waterbody"].to_numpy(dtype=object) if "waterbody" in wide.columns else "river")
    wb = lake_mask(wb, (len(wide),))
    present = [c for c in items if c in wide.columns]
    classes = np.zeros((len(wide), max(len(present), 1)), dtype=np.int8)
    for j, code in enumerate(present):
        classes[:, j] = classify_item(code, pd.to_numeric(wide[code], errors="coerce")
                                      .to_numpy(dtype="float64"), wb)
    wc = classes.max(axis=1) if present else np.zeros(len(wide), dtype=np.int8)
    out = pd.DataFrame({
        "water_class": wc,
        "label": LABEL_ARRAY[wc],
        "deciding_items": deciding_names(classes, wc, present),
    }, index=wide.index)
    for j, code in enumerate(present):
        out[f"class_{code}"] = classes[:, j]
    return out
