"""Section class per site and period against a water target profile (环办〔2011〕22号 with the
plan's profile, GB 3838-2002 single-factor classes).

Sits above :mod:`.surface_water` (the classes) and :mod:`.water_profiles` (the targets)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from ecoplan.standards.surface_water import (
    apply_rounding,
    classify_frame,
    classify_item,
    exceedance_multiple,
    gb3838,
    lake_mask,
    main_pollutants,
    period_means,
    to_wide,
)
from ecoplan.standards.water_profiles import WaterProfile, attain_frame, get_profile


def classify_section_period(df: pd.DataFrame,
                            period: Literal["sample", "month", "year"] = "year",
                            profile: WaterProfile | str | None = None,
                            items: Sequence[str] | None = None,
                            rounding: Literal["none", "2020"] = "none") -> pd.DataFrame:
    """Section class per site and period from long data (环办〔2011〕22号): period means, 21-item single factor, profile target."""
    unknown: dict[str, str] = {}
    if "known" in df.columns:
        bad = df[~df["known"].astype(bool)]
        unknown = {str(k): "|".join(sorted(set(map(str, g["parameter"]))))
                   for k, g in bad.groupby("site")}
        df = df[df["known"].astype(bool)]
    means = period_means(df, period)
    if means.empty:
        return pd.DataFrame()
    means = apply_rounding(means, rounding)
    wide = to_wide(means)
    cls = classify_frame(wide, items=items)
    res = pd.concat([wide[["site", "period", "waterbody"]], cls], axis=1)
    # exceedance multiples against class III and main pollutants (row-wise, small tables)
    ev = gb3838()
    chosen = [c for c in (items if items is not None else ev.evaluated_items) if c in wide.columns]
    is_lake = lake_mask(wide["waterbody"].to_numpy(dtype=object), (len(wide),))
    mult = {c: np.round(exceedance_multiple(c, wide[c].to_numpy(dtype="float64"), 3, is_lake), 2)
            for c in chosen}
    mains = [""] * len(wide)
    mults = [""] * len(wide)
    any_mult = np.zeros(len(wide), dtype=bool)
    for c in chosen:
        any_mult |= ~np.isnan(mult[c])
    wc_all = res["water_class"].to_numpy()
    cls_cols = {c: res[f"class_{c}"].to_numpy() for c in chosen}
    for i in np.flatnonzero(any_mult | (wc_all > ev.main_pollutant_worse_than)):
        mm = {c: float(mult[c][i]) for c in chosen if not np.isnan(mult[c][i])}
        mults[i] = "|".join(f"{k}:{v}" for k, v in mm.items())
        ic = {c: int(cls_cols[c][i]) for c in chosen if cls_cols[c][i] > 0}
        mp = main_pollutants(ic, mm, int(wc_all[i]))
        mains[i] = "|".join(f"{p['item']}({p['exceedance_multiple']})"
                            if p["exceedance_multiple"] is not None else p["item"] for p in mp)
    for code in ev.separate_items:  # TN (lakes), faecal coliforms: reported, not in the class
        if code in wide.columns and code not in chosen and gb3838().items[code].rule != "none":
            res[f"separate_{code}"] = classify_item(code, wide[code].to_numpy(dtype="float64"),
                                                    is_lake)
    res["exceedance_multiples"] = mults
    res["main_pollutants"] = mains
    n = means.groupby(["site", "period"])["n"].max().reset_index(name="n_max")
    res = res.merge(n, on=["site", "period"], how="left")
    res["unknown_parameters"] = res["site"].map(lambda x: unknown.get(str(x), ""))
    res["rounding"] = rounding
    prof = get_profile(profile) if profile is not None else None
    if prof is not None:
        res = attain_frame(res, wide, prof, period)
    return res


def classify_section_year(df: pd.DataFrame, profile: WaterProfile | str | None = None,
                          items: Sequence[str] | None = None,
                          rounding: Literal["none", "2020"] = "none") -> pd.DataFrame:
    """Annual section class per site (annual value = mean of monthly values; 环办〔2011〕22号) with target attainment."""
    return classify_section_period(df, "year", profile=profile, items=items, rounding=rounding)
