"""Surface-water classes: GB 3838-2002 Table 1 single items and the 2011 section evaluation.

Three layers:

* pure, vectorised single-item classification (:func:`classify_item`) on exact scaled integers,
  so that a value equal to a limit always belongs to that class (float noise such as
  ``0.15000000000000002`` from a unit conversion is snapped to the item's resolution);
* the section evaluation of 环办〔2011〕22号 (:func:`evaluate_section` for one sample or period,
  :func:`classify_frame` for a wide table of many);
* period statistics (:func:`period_means`: monthly value = mean of the month's samples, annual
  value = mean of the monthly values, values below the detection limit at half the limit) and
  the plan-facing :func:`classify_section_year`.

Water classes are integers 1–6 (6 = 劣Ⅴ); 0 means "not classified" (missing value).
Tables live in ``data/gb3838-2002.yaml`` and ``data/water_evaluation_2011.yaml``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import yaml

from ecoplan.errors import StandardError

if TYPE_CHECKING:
    from ecoplan.standards.water_profiles import WaterProfile

DATA_DIR = Path(__file__).parent / "data"
WORSE_THAN_V = 6
CLASS_LABELS = {0: "", 1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ", 5: "Ⅴ", 6: "劣Ⅴ"}
LABEL_TO_CLASS = {v: k for k, v in CLASS_LABELS.items() if v} | {
    "I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "劣V": 6, "劣5": 6, "1": 1, "2": 2, "3": 3,
    "4": 4, "5": 5, "6": 6, "Ⅵ": 6,
}
Waterbody = Literal["river", "lake", "reservoir"]
# Values are compared on integers scaled by 10**(decimals of the item's limits + EXTRA_DIGITS).
EXTRA_DIGITS = 6


def parse_class(label: str | int) -> int:
    """Water class 1–6 from 'Ⅲ', 'III', '劣Ⅴ', 3 … (GB 3838-2002 §4 class names)."""
    if isinstance(label, int | np.integer):
        if 1 <= int(label) <= 6:
            return int(label)
    else:
        key = str(label).strip().replace("类", "").replace(" ", "")
        if key in LABEL_TO_CLASS:
            return LABEL_TO_CLASS[key]
    raise StandardError(f"无法识别的水质类别：{label!r}", f"unknown water class: {label!r}")


def normalise_waterbody(value: Any) -> str:
    """'river' or 'lake' (reservoirs use the lake column, GB 3838-2002 Table 1 item 8 湖、库)."""
    v = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    v = v.strip().lower()
    if v in {"lake", "reservoir", "湖", "库", "湖库", "湖泊", "水库", "湖、库"}:
        return "lake"
    return "river"


@dataclass(frozen=True)
class Item:
    """One GB 3838-2002 Table 1 item with its limits as exact decimals."""

    code: str
    no: int
    rule: Literal["max", "min", "range", "none"]
    unit: str
    limits: Mapping[str, tuple[Decimal, ...]]  # waterbody ('river'/'lake') -> limits I..V
    range: tuple[Decimal, Decimal] | None = None
    lakes_only: bool = False

    @property
    def exp(self) -> int:
        decs = [max(0, -d.normalize().as_tuple().exponent) for ls in self.limits.values()
                for d in ls]
        if self.range:
            decs += [max(0, -d.normalize().as_tuple().exponent) for d in self.range]
        return (max(decs) if decs else 0) + EXTRA_DIGITS

    def limits_for(self, waterbody: str) -> tuple[Decimal, ...]:
        wb = normalise_waterbody(waterbody)
        if wb in self.limits:
            return self.limits[wb]
        return self.limits["all"]

    def limit(self, water_class: int, waterbody: str = "river") -> Decimal:
        """The class limit (GB 3838-2002 Table 1) of this item for class 1–5."""
        if self.rule == "range" and self.range is not None:
            return self.range[1]
        return self.limits_for(waterbody)[water_class - 1]


@dataclass(frozen=True)
class Gb3838:
    items: Mapping[str, Item]
    table2: Mapping[str, Decimal]
    table3: Mapping[str, Decimal]
    table3_names: Mapping[str, str]
    evaluated_items: tuple[str, ...]
    separate_items: tuple[str, ...]
    classes: Mapping[int, Mapping[str, str]]
    no_exceedance_multiple: frozenset[str]
    main_pollutant_count: int
    main_pollutant_worse_than: int
    toxic_priority: frozenset[str]
    below_dl_factor: Decimal
    river: Mapping[str, Any]
    assessment_decimals: Mapping[str, int] = field(default_factory=dict)


def _dec_list(values: Iterable[Any]) -> tuple[Decimal, ...]:
    return tuple(Decimal(str(v)) for v in values)


@lru_cache(maxsize=1)
def gb3838() -> Gb3838:
    """Load GB 3838-2002 Tables 1–3 and the 2011 evaluation rules from the data files."""
    raw = yaml.safe_load((DATA_DIR / "gb3838-2002.yaml").read_text(encoding="utf-8"))
    ev = yaml.safe_load((DATA_DIR / "water_evaluation_2011.yaml").read_text(encoding="utf-8"))
    items: dict[str, Item] = {}
    for it in raw["table1"]["items"]:
        lim = it.get("limits")
        if isinstance(lim, dict):
            limits = {k: _dec_list(v) for k, v in lim.items()}
        elif lim is not None:
            limits = {"all": _dec_list(lim)}
        else:
            limits = {}
        rng = _dec_list(it["range"]) if it.get("range") else None
        items[it["code"]] = Item(code=it["code"], no=int(it["item_no"]), rule=it["rule"],
                                 unit=it["unit"], limits=limits,
                                 range=(rng[0], rng[1]) if rng else None,
                                 lakes_only=bool(it.get("lakes_only", False)))
    table2 = {it["code"]: Decimal(str(it["limit"])) for it in raw["table2"]["items"]}
    table3: dict[str, Decimal] = {}
    names3: dict[str, str] = {}
    with (DATA_DIR / raw["table3"]["file"]).open(encoding="utf-8") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            table3[row["code"]] = Decimal(row["limit"])
            names3[row["code"]] = row["name_zh"]
    mp = ev["main_pollutants"]
    return Gb3838(
        items=items, table2=table2, table3=table3, table3_names=names3,
        evaluated_items=tuple(ev["evaluated_items"]),
        separate_items=tuple(ev["separate_items"]),
        classes={int(k): v for k, v in ev["classes"].items()},
        no_exceedance_multiple=frozenset(ev["no_exceedance_multiple"]),
        main_pollutant_count=int(mp["count"]),
        main_pollutant_worse_than=int(mp["only_when_worse_than"]),
        toxic_priority=frozenset(mp.get("toxic_priority") or ()),
        below_dl_factor=Decimal(str(ev["below_detection_limit_factor"])),
        river=ev["river"],
        assessment_decimals={str(k): int(v) for k, v in
                             (ev.get("assessment_decimals") or {}).get("places", {}).items()},
    )


def class_label(water_class: int) -> str:
    """'Ⅰ' … 'Ⅴ', '劣Ⅴ' (GB 3838-2002 §4); '' for 0 (not classified)."""
    return CLASS_LABELS.get(int(water_class), "")


def class_status(water_class: int) -> dict[str, str]:
    """Status word and colour of a class (环办〔2011〕22号 断面水质定性评价表)."""
    if int(water_class) == 0:
        return {"status": "", "status_zh": "", "status_en": "", "colour": "", "colour_zh": "",
                "rgb": "", "label": ""}
    return dict(gb3838().classes[int(water_class)])


_LAKE_WORDS = ["lake", "reservoir", "湖", "库", "湖库", "湖泊", "水库", "湖、库"]


def lake_mask(waterbody: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Boolean array: which rows use the lake/reservoir column (vectorised normalise_waterbody)."""
    if isinstance(waterbody, str) or waterbody is None:
        return np.full(shape, normalise_waterbody(waterbody) == "lake", dtype=bool)
    arr = np.asarray(waterbody)
    if arr.dtype == bool:
        return np.broadcast_to(arr, shape).copy()
    ser = pd.Series(np.broadcast_to(arr.astype(object), shape).ravel())
    mask = ser.astype("string").str.strip().str.lower().isin(_LAKE_WORDS).fillna(False)
    return mask.to_numpy(dtype=bool).reshape(shape)


def deciding_names(classes: np.ndarray, wc: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """'a|b' names of the items whose class equals the row's class (vectorised by bit masks)."""
    if classes.size == 0 or not len(names):
        return np.full(len(wc), "", dtype=object)
    bits = np.zeros(len(wc), dtype=np.int64)
    for j in range(len(names)):
        bits |= ((classes[:, j] == wc) & (wc > 0)).astype(np.int64) << j
    if len(names) <= 16:  # direct lookup table of every subset
        table = np.array(["|".join(n for j, n in enumerate(names) if (u >> j) & 1)
                          for u in range(1 << len(names))], dtype=object)
        return table[bits]
    uniq, inv = np.unique(bits, return_inverse=True)
    text = np.array(["|".join(n for j, n in enumerate(names) if (int(u) >> j) & 1) for u in uniq],
                    dtype=object)
    return text[inv]


LABEL_ARRAY = np.array([CLASS_LABELS[i] for i in range(7)], dtype=object)


def scale_values(values: Any, exp: int) -> np.ndarray:
    """Float values as integers scaled by 10**exp, NaN kept as a sentinel (exact limit tests)."""
    arr = np.asarray(values, dtype="float64")
    bound = 9.0e18 / (10.0 ** exp)
    clipped = np.clip(arr, -bound, bound)
    with np.errstate(invalid="ignore"):
        scaled = np.rint(np.nan_to_num(clipped, nan=0.0) * (10.0 ** exp)).astype(np.int64)
    return scaled


def _scaled_limit(d: Decimal, exp: int) -> int:
    return int((d * (Decimal(10) ** exp)).to_integral_value())


def classify_item(code: str, values: Any, waterbody: Any = "river") -> np.ndarray:
    """Single-item class 1–6 of GB 3838-2002 Table 1 (§4; limits inclusive, equal limits → better class); 0 where missing."""
    item = gb3838().items.get(code)
    if item is None:
        raise StandardError(f"GB 3838-2002 表1 中没有项目 {code}",
                            f"item {code} is not in GB 3838-2002 Table 1")
    arr = np.atleast_1d(np.asarray(values, dtype="float64"))
    missing = np.isnan(arr)
    exp = item.exp
    v = scale_values(arr, exp)
    if item.rule == "none":
        out = np.zeros(arr.shape, dtype=np.int8)
        return out
    if item.rule == "range":
        assert item.range is not None
        lo, hi = (_scaled_limit(d, exp) for d in item.range)
        out = np.where((v >= lo) & (v <= hi), 1, WORSE_THAN_V).astype(np.int8)
    else:
        is_lake = lake_mask(waterbody, arr.shape)
        out = np.zeros(arr.shape, dtype=np.int8)
        for key, mask in (("river", ~is_lake), ("lake", is_lake)):
            if not mask.any():
                continue
            lims = item.limits.get(key) or item.limits.get("all")
            if item.lakes_only and key == "river":
                lims = None
            if lims is None:  # TN is written for lakes and reservoirs only
                out[mask] = 0
                missing = missing | mask
                continue
            scaled = np.array([_scaled_limit(d, exp) for d in lims], dtype=np.int64)
            if item.rule == "max":
                cls = 1 + (v[mask, None] > scaled[None, :]).sum(axis=1)
            else:  # "min": dissolved oxygen, a lower bound
                cls = 1 + (v[mask, None] < scaled[None, :]).sum(axis=1)
            out[mask] = cls.astype(np.int8)
    out[missing] = 0
    return out


def exceedance_multiple(code: str, values: Any, reference_class: int = 3,
                        waterbody: Any = "river") -> np.ndarray:
    """超标倍数 (C − C_ref)/C_ref against the class limit (环办〔2011〕22号; not for 水温, pH, 溶解氧); NaN if not exceeding."""
    ev = gb3838()
    arr = np.atleast_1d(np.asarray(values, dtype="float64"))
    item = ev.items[code]
    out = np.full(arr.shape, np.nan)
    if code in ev.no_exceedance_multiple or item.rule in {"none", "range", "min"}:
        return out
    is_lake = lake_mask(waterbody, arr.shape)
    river = item.limits.get("river") or item.limits.get("all")
    lake = item.limits.get("lake") or item.limits.get("all")
    ref_r = np.nan if (river is None or item.lakes_only) else float(river[reference_class - 1])
    ref_l = np.nan if lake is None else float(lake[reference_class - 1])
    ref = np.where(is_lake, ref_l, ref_r)
    cls = classify_item(code, arr, is_lake)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((cls > reference_class) & ~np.isnan(ref), (arr - ref) / ref, np.nan)


@dataclass
class SectionResult:
    """Result of a section (断面) evaluation for one sample or period (环办〔2011〕22号)."""

    water_class: int
    label: str
    status: str
    status_zh: str
    status_en: str
    colour: str
    item_classes: dict[str, int]
    deciding_items: list[str]
    exceedance_multiples: dict[str, float]
    main_pollutants: list[dict[str, Any]]
    reference_class: int
    target_class: int | None = None
    attained: bool | None = None
    missing_items: list[str] = field(default_factory=list)
    separate: dict[str, int] = field(default_factory=dict)
    #: multiples against the section's target class (target attainment), besides the method's Ⅲ
    target_exceedance_multiples: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def main_pollutants(item_classes: Mapping[str, int], multiples: Mapping[str, float],
                    water_class: int) -> list[dict[str, Any]]:
    """主要污染指标 of a section worse than Ⅲ (环办〔2011〕22号 §2.6, ``water_evaluation_2011.yaml``).

    The three items with the worst classes; equal classes ordered by the exceedance multiple
    against class Ⅲ; cyanide and heavy metals that exceed class Ⅲ come first (the method's
    priority for toxic items — wording NOT VERIFIED, switch ``toxic_priority`` in the YAML).
    """
    ev = gb3838()
    if water_class <= ev.main_pollutant_worse_than:
        return []
    toxic = ev.toxic_priority
    cands = [(c, k) for k, c in item_classes.items() if c > ev.main_pollutant_worse_than]
    cands.sort(key=lambda t: (0 if t[1] in toxic else 1, -t[0], -(multiples.get(t[1]) or 0.0),
                              ev.items[t[1]].no))
    return [{"item": k, "water_class": c, "exceedance_multiple": multiples.get(k),
             "toxic": k in toxic}
            for c, k in cands[: ev.main_pollutant_count]]


def evaluate_section(values: Mapping[str, float], waterbody: str = "river", *,
                     items: Sequence[str] | None = None, target_class: int | None = None,
                     reference_class: int | None = None) -> SectionResult:
    """Section class = worst single-item class of the evaluated items (环办〔2011〕22号 单因子评价法, 21 items by default)."""
    ev = gb3838()
    chosen = tuple(items) if items is not None else ev.evaluated_items
    # 超标倍数 against class Ⅲ as the method states (环办〔2011〕22号 §2.6); a reference class
    # other than Ⅲ only when asked for explicitly
    ref = reference_class or 3
    item_classes: dict[str, int] = {}
    multiples: dict[str, float] = {}
    target_multiples: dict[str, float] = {}
    missing: list[str] = []
    for code in chosen:
        if code not in ev.items:
            raise StandardError(f"GB 3838-2002 表1 中没有项目 {code}",
                                f"item {code} is not in GB 3838-2002 Table 1")
        x = values.get(code)
        if x is None or (isinstance(x, float) and np.isnan(x)):
            missing.append(code)
            continue
        c = int(classify_item(code, [x], waterbody)[0])
        if c == 0:
            missing.append(code)
            continue
        item_classes[code] = c
        m = exceedance_multiple(code, [x], ref, waterbody)[0]
        if not np.isnan(m):
            multiples[code] = round(float(m), 2)
        if target_class is not None:
            mt = exceedance_multiple(code, [x], target_class, waterbody)[0]
            if not np.isnan(mt):
                target_multiples[code] = round(float(mt), 2)
    separate: dict[str, int] = {}
    for code in ev.separate_items:
        x = values.get(code)
        if code in chosen or x is None or (isinstance(x, float) and np.isnan(x)):
            continue
        c = int(classify_item(code, [x], waterbody)[0])
        if c:
            separate[code] = c
    wc = max(item_classes.values()) if item_classes else 0
    deciding = [k for k, c in item_classes.items() if c == wc] if wc else []
    st = class_status(wc)
    return SectionResult(
        water_class=wc, label=class_label(wc), status=st["status"], status_zh=st["status_zh"],
        status_en=st["status_en"], colour=st["colour"], item_classes=item_classes,
        deciding_items=deciding, exceedance_multiples=multiples,
        main_pollutants=main_pollutants(item_classes, multiples, wc), reference_class=ref,
        target_class=target_class,
        attained=(None if target_class is None or wc == 0 else wc <= target_class),
        missing_items=missing, separate=separate, target_exceedance_multiples=target_multiples)


def classify_frame(wide: pd.DataFrame, *, items: Sequence[str] | None = None,
                   waterbody_column: str = "waterbody") -> pd.DataFrame:
    """Vectorised single-factor class of every row of a wide table (columns = item codes; 环办〔2011〕22号)."""
    ev = gb3838()
    chosen = [c for c in (items if items is not None else ev.evaluated_items) if c in wide.columns]
    wb = (wide[waterbody_column].to_numpy(dtype=object) if waterbody_column in wide.columns
          else np.full(len(wide), "river", dtype=object))
    out = pd.DataFrame(index=wide.index)
    classes = np.zeros((len(wide), max(len(chosen), 1)), dtype=np.int8)
    for j, code in enumerate(chosen):
        classes[:, j] = classify_item(code, wide[code].to_numpy(dtype="float64"), wb)
        out[f"class_{code}"] = classes[:, j]
    wc = classes.max(axis=1) if chosen else np.zeros(len(wide), dtype=np.int8)
    out["water_class"] = wc
    out["label"] = LABEL_ARRAY[wc]
    statuses = [class_status(c) for c in range(7)]
    for key in ("status", "status_zh", "colour"):
        out[key] = np.array([st[key] for st in statuses], dtype=object)[wc]
    out["deciding_items"] = deciding_names(classes, wc, chosen)
    return out


# --------------------------------------------------------------------------- period statistics

def apply_detection_limit(df: pd.DataFrame) -> pd.DataFrame:
    """Values flagged below the detection limit count as half the limit (环办监测函〔2020〕82号 第七点)."""
    factor = float(gb3838().below_dl_factor)
    out = df.copy()
    if "below_dl" in out.columns:
        flag = out["below_dl"].fillna(False).astype(bool)
        out.loc[flag, "value"] = out.loc[flag, "value"] * factor
    return out


def period_means(df: pd.DataFrame,
                 period: Literal["sample", "month", "year"] = "month") -> pd.DataFrame:
    """Monthly value = mean of the month's samples; annual value = mean of the monthly values (环办〔2011〕22号 时段评价).

    ``period="sample"`` keeps each sampling time (duplicates averaged) and classifies a value
    below the detection limit at the limit; months and years use half the limit.
    """
    if df.empty:
        return pd.DataFrame(columns=["site", "period", "parameter", "value", "waterbody", "n"])
    # Statistics (month, year) use half the detection limit; a single sample is classified at
    # the detection limit itself — an upper bound of the true value, so a meets-class claim holds.
    d = df.copy() if period == "sample" else apply_detection_limit(df)
    d = d.assign(time=pd.to_datetime(d["time"]))
    if "waterbody" not in d.columns:
        d["waterbody"] = "river"
    d["waterbody"] = d["waterbody"].map(normalise_waterbody)
    if period == "sample":  # one sampling time: duplicates of an item are averaged
        d["sample"] = d["time"].dt.strftime("%Y-%m-%d %H:%M")
        per_sample = (d.groupby(["site", "sample", "parameter"], sort=True)
                      .agg(value=("value", "mean"), n=("value", "size"),
                           waterbody=("waterbody", "first"))
                      .reset_index())
        return per_sample.rename(columns={"sample": "period"})
    d["month"] = d["time"].dt.strftime("%Y-%m")
    monthly = (d.groupby(["site", "month", "parameter"], sort=True)
               .agg(value=("value", "mean"), n=("value", "size"), waterbody=("waterbody", "first"))
               .reset_index())
    if period == "month":
        return monthly.rename(columns={"month": "period"})
    monthly["year"] = monthly["month"].str[:4]
    yearly = (monthly.groupby(["site", "year", "parameter"], sort=True)
              .agg(value=("value", "mean"), n=("value", "size"), waterbody=("waterbody", "first"))
              .reset_index())
    return yearly.rename(columns={"year": "period"})


def round_assessment_value(code: str, value: float) -> float:
    """Round an assessment value half-even to the item's places, keeping one significant digit instead of 0 (GB/T 8170; 2020 decimals, ONE SOURCE)."""
    places = gb3838().assessment_decimals.get(code)
    if places is None or value is None or np.isnan(value):
        return value
    d = Decimal(repr(float(value)))
    q = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    if q == 0 and d != 0:
        exp = d.adjusted()  # keep one significant digit
        q = d.quantize(Decimal(1).scaleb(exp), rounding=ROUND_HALF_EVEN)
    return float(q)


def apply_rounding(means: pd.DataFrame, rounding: str) -> pd.DataFrame:
    """Period means rounded per the optional assessment-data rule ('none' keeps raw values)."""
    if rounding == "none":
        return means
    if rounding != "2020":
        raise StandardError(f"未知的修约规则：{rounding}（none 或 2020）",
                            f"unknown rounding rule: {rounding} (none or 2020)")
    out = means.copy()
    out["value"] = [round_assessment_value(str(p), float(v))
                    for p, v in zip(out["parameter"], out["value"], strict=True)]
    return out


def to_wide(means: pd.DataFrame) -> pd.DataFrame:
    """Long (site, period, parameter, value) → one row per site and period, one column per item."""
    wide = means.pivot_table(index=["site", "period"], columns="parameter", values="value",
                             aggfunc="first")
    wide.columns = [str(c) for c in wide.columns]
    wb = means.groupby(["site", "period"])["waterbody"].first()
    wide["waterbody"] = wb
    return wide.reset_index()


def classify_section_period(df: pd.DataFrame,
                            period: Literal["sample", "month", "year"] = "year",
                            profile: WaterProfile | str | None = None,
                            items: Sequence[str] | None = None,
                            rounding: Literal["none", "2020"] = "none") -> pd.DataFrame:
    """Section class per site and period from long data (环办〔2011〕22号): period means, 21-item single factor, profile target."""
    from ecoplan.standards.water_profiles import attain_frame, get_profile

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


@dataclass
class DrinkingSourceResult:
    """Surface drinking-water source: Table 1 class plus Tables 2 and 3 single limits (GB 3838-2002 §5.3)."""

    section: SectionResult
    table2_exceeding: dict[str, float]
    table3_exceeding: dict[str, float]
    target_class: int
    attained: bool | None

    def to_dict(self) -> dict[str, Any]:
        return {"section": self.section.to_dict(), "table2_exceeding": self.table2_exceeding,
                "table3_exceeding": self.table3_exceeding, "target_class": self.target_class,
                "attained": self.attained}


def evaluate_drinking_source(values: Mapping[str, float], waterbody: str = "river", *,
                             target_class: int = 3,
                             table3_items: Sequence[str] | None = None) -> DrinkingSourceResult:
    """Surface drinking-water source: Table 1 class ≤ target and no Table 2 / selected Table 3 item above its limit (GB 3838-2002 §5.3, Tables 2–3)."""
    ev = gb3838()
    sec = evaluate_section(values, waterbody, target_class=target_class)

    def over(table: Mapping[str, Decimal], codes: Iterable[str]) -> dict[str, float]:
        out: dict[str, float] = {}
        for code in codes:
            x = values.get(code)
            if x is None or np.isnan(x):
                continue
            lim = table[code]
            exp = max(0, -lim.normalize().as_tuple().exponent) + EXTRA_DIGITS
            if scale_values([x], exp)[0] > _scaled_limit(lim, exp):
                out[code] = round(float((Decimal(repr(float(x))) - lim) / lim), 2)
        return out

    t2 = over(ev.table2, ev.table2)
    chosen3 = table3_items if table3_items is not None else [c for c in ev.table3 if c in values]
    unknown = [c for c in chosen3 if c not in ev.table3]
    if unknown:
        raise StandardError(f"GB 3838-2002 表3 中没有项目：{', '.join(unknown)}",
                            f"not in GB 3838-2002 Table 3: {', '.join(unknown)}")
    t3 = over(ev.table3, chosen3)
    attained = None if sec.water_class == 0 else (sec.attained and not t2 and not t3)
    return DrinkingSourceResult(sec, t2, t3, target_class, attained)
