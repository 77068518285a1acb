"""Table-level GB 3838-2002 classification as Ibis expressions (run by ``store`` on DuckDB or Spark).

For long tables ``(site, time, parameter, value, waterbody)`` as the lake holds them:
:func:`item_class_column` gives each row its single-item class, :func:`worst_class_table`
the single-factor class per group (worst item class, 环办〔2011〕22号). Values are rounded to the
item's resolution (limit decimals + 6) before the inclusive comparisons, the same snapping as
the numpy path, so a converted 0.15000000000000002 still equals the 0.15 limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ibis
import ibis.expr.types as ir

from ecoplan.standards.surface_water import gb3838

_LAKE_WORDS = ["lake", "reservoir", "湖", "库", "湖库", "湖泊", "水库", "湖、库"]


def _item_case(code: str, value: ir.FloatingValue, is_lake: ir.BooleanValue) -> ir.IntegerValue:
    item = gb3838().items[code]
    v = value.round(item.exp)
    if item.rule == "range":
        assert item.range is not None
        lo, hi = (float(d) for d in item.range)
        return ibis.ifelse((v >= lo) & (v <= hi), 1, 6)

    def ladder(limits: Sequence[Any]) -> ir.IntegerValue:
        lims = [float(d) for d in limits]
        if item.rule == "max":
            branches = [(v <= lim, k + 1) for k, lim in enumerate(lims)]
        else:  # DO lower bound
            branches = [(v >= lim, k + 1) for k, lim in enumerate(lims)]
        return ibis.cases(*branches, else_=6)

    river = item.limits.get("river") or item.limits.get("all")
    lake = item.limits.get("lake") or item.limits.get("all")
    if item.lakes_only:
        return ibis.ifelse(is_lake, ladder(lake), 0)
    if river == lake:
        return ladder(river)
    return ibis.ifelse(is_lake, ladder(lake), ladder(river))


def item_class_column(t: ir.Table, *, items: Sequence[str] | None = None,
                      parameter: str = "parameter", value: str = "value",
                      waterbody: str | None = "waterbody") -> ir.IntegerValue:
    """Single-item class 1–6 of each long row (GB 3838-2002 Table 1; 0 for items not evaluated or NULL values)."""
    chosen = list(items) if items is not None else list(gb3838().evaluated_items)
    is_lake = (t[waterbody].lower().strip().isin(_LAKE_WORDS).fill_null(False)
               if waterbody and waterbody in t.columns else ibis.literal(False))
    val = t[value].cast("float64")
    branches = [(t[parameter] == code, _item_case(code, val, is_lake)) for code in chosen
                if gb3838().items[code].rule != "none"]
    return ibis.ifelse(val.isnull(), 0, ibis.cases(*branches, else_=0)).cast("int8")


def worst_class_table(t: ir.Table, *, by: Sequence[str] = ("site", "time"),
                      items: Sequence[str] | None = None, **kw: Any) -> ir.Table:
    """Single-factor class per group = worst item class (环办〔2011〕22号 断面评价)."""
    tt = t.mutate(item_class=item_class_column(t, items=items, **kw))
    return tt.group_by(list(by)).agg(water_class=tt.item_class.max(),
                                     n_items=(tt.item_class > 0).sum())
