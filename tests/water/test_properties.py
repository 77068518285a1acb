"""Hypothesis properties of the single-factor method (GB 3838-2002, GB/T 14848-2017)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ecoplan.standards.groundwater import (
    classify_groundwater_item,
    classify_groundwater_point,
    gb14848,
)
from ecoplan.standards.surface_water import classify_item, evaluate_section, gb3838

MAX_ITEMS = sorted(c for c, i in gb3838().items.items() if i.rule == "max" and not i.lakes_only)
conc = st.floats(min_value=0, max_value=1e5, allow_nan=False, allow_infinity=False)
section_values = st.dictionaries(st.sampled_from(MAX_ITEMS + ["do", "ph"]),
                                 st.floats(min_value=0, max_value=50, allow_nan=False),
                                 min_size=1, max_size=8)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(MAX_ITEMS), conc, conc, st.sampled_from(["river", "lake"]))
def test_class_monotonic_in_concentration(code: str, a: float, b: float, wb: str) -> None:
    lo, hi = sorted((a, b))
    assert classify_item(code, [lo], wb)[0] <= classify_item(code, [hi], wb)[0]


@settings(max_examples=100, deadline=None)
@given(st.floats(min_value=0, max_value=20, allow_nan=False),
       st.floats(min_value=0, max_value=20, allow_nan=False))
def test_do_class_monotonic_in_reverse(a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    assert classify_item("do", [hi])[0] <= classify_item("do", [lo])[0]


@settings(max_examples=100, deadline=None)
@given(st.floats(min_value=0, max_value=14, allow_nan=False))
def test_ph_is_a_range(x: float) -> None:
    assert classify_item("ph", [x])[0] == (1 if 6 <= x <= 9 else 6)
    gw = classify_groundwater_item("ph", [x])[0]
    assert gw == (1 if 6.5 <= x <= 8.5 else 4 if 5.5 <= x <= 9.0 else 5)


@settings(max_examples=150, deadline=None)
@given(section_values, st.sampled_from(MAX_ITEMS + ["do", "ph"]),
       st.floats(min_value=0, max_value=50, allow_nan=False))
def test_adding_a_worse_item_never_improves_the_class(values: dict[str, float], code: str,
                                                      x: float) -> None:
    base = evaluate_section(values, items=MAX_ITEMS + ["do", "ph"]).water_class
    more = dict(values)
    if code not in values:
        more[code] = x  # a new item
    elif code == "do":
        more[code] = min(values[code], x)  # a worse DO is a lower one
    elif code in MAX_ITEMS:
        more[code] = max(values[code], x)  # a worse concentration is a higher one
    extended = evaluate_section(more, items=MAX_ITEMS + ["do", "ph"]).water_class
    assert extended >= base
    # and the section class is the worst single-item class
    assert base == max(int(classify_item(c, [v])[0]) for c, v in values.items())


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(["total_hardness", "tds", "sulfate", "fe", "mn", "nh3_n",
                                        "nitrate_n", "codmn", "fluoride"]),
                       st.floats(min_value=0, max_value=3000, allow_nan=False), min_size=1),
       st.sampled_from(["total_hardness", "fe", "nitrate_n"]),
       st.floats(min_value=0, max_value=3000, allow_nan=False))
def test_groundwater_worse_indicator_never_improves(values: dict[str, float], code: str,
                                                    x: float) -> None:
    base = classify_groundwater_point(values).water_class
    more = {**values, code: max(x, values.get(code, 0.0))}
    assert classify_groundwater_point(more).water_class >= base


GW_MAX = sorted(c for c, i in gb14848().items() if i.rule in ("max", "gross"))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(GW_MAX), st.floats(min_value=0, max_value=5000, allow_nan=False),
       st.floats(min_value=0, max_value=5000, allow_nan=False))
def test_groundwater_class_monotonic(code: str, a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    assert classify_groundwater_item(code, [lo])[0] <= classify_groundwater_item(code, [hi])[0]
