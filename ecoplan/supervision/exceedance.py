"""Exceedance of permit limits by online-monitoring hourly values (pure Ibis rules).

Inputs are Ibis tables: ``hourly`` shaped like the ``online_monitoring`` lake dataset
(``outlet, enterprise, interval, time, parameter, value, zs_value, unit, flag``) and ``limits``
(one row per permit limit: ``enterprise, outlet, outlet_kind, parameter, limit_value,
limit_unit, basis, permit, valid_from, valid_until`` — :func:`ecoplan.supervision.sources.
limits_in_force`). Outputs are Ibis expressions; :mod:`ecoplan.store.engine` runs them on DuckDB
or PySpark.

Rules (sources and what is verified: docs/supervision.md "Exceedance rule"):

* only ``interval == "hour"`` values are judged (CEMS hourly means against the limit);
* the judged value of a flue-gas outlet is the oxygen-corrected 折算 value (``zs_value``,
  HJ 212 ``-ZsAvg``) where present, else the measured ``value``; waste water uses ``value``;
* a value whose HJ 212 data flag is anything but N (stored as ``hj212:<flag>``: F 停运,
  M 维护, D 故障, C 校准, S 设定值, T 超上限, B 通讯异常 …) is not judged;
* a value is judged only against a limit in the same unit (units compared as written, with
  ``m3``/``m³`` treated alike) and by a permit valid on the value's date;
* exceedance: judged value > limit; exceedance_multiple = value / limit − 1;
* an episode is a run of exceedances of one outlet and parameter in consecutive hours.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

#: the lake's HJ 212 source-flag prefix; any such flag means "not N"
SOURCE_FLAG_PREFIX = "hj212"


def _norm_unit(col: ir.StringValue) -> ir.StringValue:
    return col.fill_null("").strip().lower().replace("³", "3").replace("nm3", "m3")


def judged_hours(hourly: ir.Table, limits: ir.Table) -> ir.Table:
    """Hourly values vs the permit limit in force; non-N HJ 212 flags not judged (MEE 《污染物排放自动监测设备标记规则》, 2023-01-01); flue gas on the 折算 value (HJ 212 -ZsAvg; comparison clause UNVERIFIED, docs/supervision.md).

    ``status`` says whether a value was judged: judged / flagged / unit_mismatch / no_value.
    """
    h = hourly.filter(hourly.interval == "hour")
    h = h.select("outlet", "time", "parameter", "value", "zs_value", "unit", "flag")
    lim = limits.select("enterprise", "outlet", "outlet_kind", "parameter", "limit_value",
                        "limit_unit", "basis", "permit",
                        valid_from=limits.valid_from.cast("date"),
                        valid_until=limits.valid_until.cast("date"))
    day = h.time.date()
    j = h.inner_join(
        lim,
        [h.outlet == lim.outlet, h.parameter == lim.parameter,
         day >= lim.valid_from, day <= lim.valid_until],
    )
    judged_value = ibis.cases(
        ((j.outlet_kind == "flue_gas") & j.zs_value.notnull(), j.zs_value),
        else_=j.value,
    )
    flagged = j.flag.fill_null("").contains(SOURCE_FLAG_PREFIX)
    unit_ok = _norm_unit(j.unit) == _norm_unit(j.limit_unit)
    status = ibis.cases(
        (flagged, "flagged"),
        (judged_value.isnull(), "no_value"),
        (~unit_ok, "unit_mismatch"),
        else_="judged",
    )
    basis_value = ibis.cases(
        ((j.outlet_kind == "flue_gas") & j.zs_value.notnull(), "zs_value"),
        else_="value",
    )
    return j.select(
        "enterprise", "outlet", "outlet_kind", "parameter", "time", "value", "zs_value",
        "unit", "flag", "limit_value", "limit_unit", "basis", "permit",
        judged_value=judged_value, judged_column=basis_value, status=status,
    )


def exceedances(judged: ir.Table) -> ir.Table:
    """Judged hours above the limit; exceedance_multiple = value / limit − 1 (超标倍数 (C − S)/S, glossary; water-standards.md §2.6)."""
    e = judged.filter((judged.status == "judged") & (judged.judged_value > judged.limit_value))
    return e.mutate(exceedance_multiple=e.judged_value / e.limit_value - 1.0)


def episodes(exceeding: ir.Table) -> ir.Table:
    """Runs of exceedances of one outlet and parameter in consecutive hours: start, end
    (start of the last hour), hours, peak value and peak exceedance multiple."""
    w = ibis.window(group_by=[exceeding.outlet, exceeding.parameter],
                    order_by=exceeding.time)
    secs = exceeding.time.epoch_seconds()
    prev = secs.lag().over(w)
    starts = exceeding.mutate(
        _new=ibis.cases((prev.isnull() | (secs - prev != 3600), 1), else_=0))
    w2 = ibis.window(group_by=[starts.outlet, starts.parameter], order_by=starts.time,
                     rows=(None, 0))
    numbered = starts.mutate(episode=starts._new.sum().over(w2))
    g = numbered.group_by(["enterprise", "outlet", "parameter", "episode"])
    return g.aggregate(
        start=numbered.time.min(), end=numbered.time.max(), hours=numbered.count(),
        peak_value=numbered.judged_value.max(),
        peak_exceedance_multiple=numbered.exceedance_multiple.max(),
        limit_value=numbered.limit_value.max(), limit_unit=numbered.limit_unit.max(),
        permit=numbered.permit.max(),
    )


def status_counts(judged: ir.Table) -> ir.Table:
    """Hours per outlet, parameter and status (how many were judged, flagged, …)."""
    return judged.group_by(["enterprise", "outlet", "parameter", "status"]).aggregate(
        hours=judged.count())
