"""Validation of a reader's frame against the declarative rules (:mod:`ecoplan.ingest.rules`).

Vectorised: one pass of NumPy masks per rule, Python only for the rows that fail. The result says
which rows are rejected (each with its located problems) and which values get quality flags
(kept, but marked): ``suspect_high``, ``suspect_spike``, ``suspect_constant``, ``not_monitored``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from ecoplan.ingest.readers.problems import Problem
from ecoplan.ingest.rules import DatasetRules, ParameterRule, unit_scale

BEIJING = ZoneInfo("Asia/Shanghai")

FLAG_SUSPECT_HIGH = "suspect_high"
FLAG_SPIKE = "suspect_spike"
FLAG_CONSTANT = "suspect_constant"
FLAG_NOT_MONITORED = "not_monitored"
#: Flags given on load; analysts append others (e.g. ``valid``, ``invalid``) later.
LOAD_FLAGS = (FLAG_SUSPECT_HIGH, FLAG_SPIKE, FLAG_CONSTANT, FLAG_NOT_MONITORED)
LOAD_FLAG_TEXT = {
    FLAG_SUSPECT_HIGH: ("数值异常偏高（保留，待审核）", "unusually high value (kept, to review)"),
    FLAG_SPIKE: ("相对前后小时的突变尖峰（保留，待审核）",
                 "spike against the neighbouring hours (kept, to review)"),
    FLAG_CONSTANT: ("长时间恒定不变（保留，待审核）", "value constant for many hours (kept, to review)"),
    FLAG_NOT_MONITORED: ("未监测（原文件标记 /）", "not monitored (marked / in the file)"),
}


@dataclass
class Validation:
    """Outcome of validating one frame."""

    reject: np.ndarray
    problems: dict[int, list[Problem]] = field(default_factory=dict)
    #: parameter → object array of comma-joined flag codes (None = no flag), one per row
    flags: dict[str, np.ndarray] = field(default_factory=dict)
    #: whole lines that produced no row (truncated …): read and quarantined on their own
    orphan_problems: list[Problem] = field(default_factory=list)
    #: wide datasets: parameter → mask of the values quarantined on their own (text, negative,
    #: out of range …): the other values of their row are kept
    bad_values: dict[str, np.ndarray] = field(default_factory=dict)
    #: row → problems of its quarantined values
    value_problems: dict[int, list[Problem]] = field(default_factory=dict)
    #: things said but not quarantined (a dash read as missing, a note row, a title)
    notes: list[Problem] = field(default_factory=list)

    def add(self, idx: int, problem: Problem) -> None:
        self.reject[idx] = True
        self.problems.setdefault(idx, []).append(problem)

    def add_value(self, idx: int, parameter: str, problem: Problem) -> None:
        """Quarantine the value ``parameter`` of row ``idx`` only."""
        mask = self.bad_values.get(parameter)
        if mask is None:
            mask = self.bad_values[parameter] = np.zeros(len(self.reject), bool)
        if not mask[idx]:
            mask[idx] = True
            problem.parameter = parameter
            self.value_problems.setdefault(idx, []).append(problem)


@dataclass
class ValueCounts:
    """Per-value accounting of a wide batch: ``accepted + quarantined == read``. A value is
    read when its cell held anything but blank, a dash or ``/``; the values of a quarantined
    row are quarantined with it."""

    read: int = 0
    accepted: int = 0
    quarantined: int = 0


def value_counts(frame: pd.DataFrame, v: Validation, parameters: list[str]) -> ValueCounts:
    out = ValueCounts()
    for p in parameters:
        if p not in frame.columns:
            continue
        bad = v.bad_values.get(p, np.zeros(len(frame), bool))
        present = ~np.isnan(frame[p].to_numpy(dtype=np.float64)) | bad
        out.read += int(present.sum())
        quarantined = present & (bad | v.reject)
        out.quarantined += int(quarantined.sum())
        out.accepted += int((present & ~quarantined).sum())
    return out


def now_beijing() -> datetime:
    return datetime.now(BEIJING).replace(tzinfo=None)


class Locator:
    """File line and header field of any value of a frame (arrays taken once per validation)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.file = str(frame.attrs.get("file", ""))
        self.rows = (frame["source_row"].to_numpy() if "source_row" in frame.columns else None)
        self.line_of = frame.attrs.get("line_of")
        self.columns = frame.attrs.get("columns") or {}
        if self.line_of is not None:
            self.labels = frame.attrs["hour_labels"]
            self.k = np.searchsorted(self.labels, frame["timestamp"].to_numpy(
                dtype="datetime64[ns]"))
            self.sites = frame["station_code"].astype(object).to_numpy()

    def __call__(self, idx: int, parameter: str | None) -> tuple[int | None, str | None]:
        src = self.rows[idx] if self.rows is not None else None
        row = int(src) if src is not None and not pd.isna(src) else None
        if self.line_of is not None and parameter is not None:  # CNEMC wide: a line per type
            line = self.line_of.get((int(self.k[idx]), parameter))
            return (line if line is not None else row), str(self.sites[idx])
        return row, self.columns.get(parameter, parameter) if parameter else None


_LOCATORS: dict[int, Locator] = {}


def locate(frame: pd.DataFrame, idx: int, parameter: str | None) -> tuple[int | None, str | None]:
    """File line and header field of the value ``parameter`` of frame row ``idx``."""
    loc = _LOCATORS.get(id(frame)) or Locator(frame)
    return loc(idx, parameter)


def _problem(frame: pd.DataFrame, idx: int, parameter: str | None, value: object, zh: str,
             en: str, code: str) -> Problem:
    loc = _LOCATORS.get(id(frame)) or Locator(frame)
    row, fld = loc(idx, parameter)
    shown = None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    return Problem(loc.file, row, fld, shown, zh, en, frame_index=idx, code=code)


def _fmt(x: float) -> str:
    return f"{x:g}"


def validate(frame: pd.DataFrame, rules: DatasetRules, sites: dict[str, str],
             *, now: datetime | None = None) -> Validation:
    """Check ``frame`` (canonical columns of ``rules.dataset``); codes are mapped to registry
    codes in place (aliases → code). ``sites`` maps every known code and alias to its code."""
    n = len(frame)
    result = Validation(reject=np.zeros(n, bool))
    for p in frame.attrs.get("problems", []):
        if p.frame_index is None:
            result.orphan_problems.append(p)
        elif p.parameter is not None and not rules.long:
            result.add_value(int(p.frame_index), p.parameter, p)
        else:
            result.add(int(p.frame_index), p)
    result.notes.extend(frame.attrs.get("notes") or [])
    if n == 0:
        return result
    now = now or now_beijing()
    _LOCATORS[id(frame)] = Locator(frame)
    try:
        _check_sites(frame, rules, sites, result)
        _LOCATORS[id(frame)] = Locator(frame)  # codes may have been mapped from aliases
        _check_times(frame, rules, now, result)
        if rules.long:
            _check_long_values(frame, rules, result)
        else:
            _check_wide_values(frame, rules, result)
            _check_no_values(frame, rules, result)
        _check_duplicates(frame, rules, result)
    finally:
        _LOCATORS.pop(id(frame), None)
    return result


def site_matcher(sites: dict[str, str]) -> Callable[[object], str | None]:
    """code → registry code: exact, else ignoring case and full-width characters (``2183a``,
    ``２１８３Ａ`` → ``2183A``) when that is unambiguous."""
    folded: dict[str, str | None] = {}
    for k, code in sites.items():
        f = unicodedata.normalize("NFKC", str(k)).strip().casefold()
        folded[f] = code if folded.get(f, code) == code else None

    def match(c: object) -> str | None:
        text = str(c).strip()
        got = sites.get(text)
        if got is None:
            got = folded.get(unicodedata.normalize("NFKC", text).casefold())
        return got
    return match


def _check_sites(frame: pd.DataFrame, rules: DatasetRules, sites: dict[str, str],
                 result: Validation) -> None:
    col = rules.site_column
    match = site_matcher(sites)
    ser = frame[col]
    if isinstance(ser.dtype, pd.CategoricalDtype):
        cats = list(ser.cat.categories)
        mapped = [match(c) for c in cats]
        new = [m if m is not None else c for m, c in zip(mapped, cats, strict=True)]
        if new != cats:
            if len(set(new)) == len(new):
                frame[col] = ser.cat.rename_categories(new)
            else:
                frame[col] = pd.Categorical(np.asarray(new, dtype=object)[ser.cat.codes])
        unknown_idx = [k for k, m in enumerate(mapped) if m is None]
        if not unknown_idx:
            return
        bad = np.flatnonzero(np.isin(ser.cat.codes.to_numpy(), unknown_idx))
        codes = np.asarray(cats, dtype=object)[ser.cat.codes.to_numpy()[bad]]
        bad_pairs = zip(bad, codes, strict=True)
    else:
        values = ser.astype(object).to_numpy()
        uniq = pd.unique(pd.Series(values, dtype=object).dropna())
        mapping = {c: match(c) for c in uniq}
        if any(mapping[c] != c for c in uniq):
            frame[col] = pd.Series(values, dtype=object).map(
                lambda c: (mapping.get(c) or c) if c is not None else c).to_numpy()
        unknown = {c for c, m in mapping.items() if m is None}
        if not unknown:
            return
        bad = np.flatnonzero(pd.Series(values, dtype=object).isin(unknown).to_numpy())
        bad_pairs = zip(bad, values[bad], strict=True)
    reg = "/".join(rules.registries)
    for i, code in bad_pairs:
        if "outlets" in rules.registries:
            result.add(int(i), _problem(
                frame, int(i), col, code,
                f"未知排放口编码 {code}（设备登记表中没有该排放口的 cems/wastewater 设备；可用 "
                f"ecoplan devices add MN --type cems --station {code} 登记）",
                f"unknown outlet {code} (no cems/wastewater device of the device registry has "
                f"this station code; register it with `ecoplan devices add MN --type cems "
                f"--station {code}`)", "unknown_site"))
            continue
        result.add(int(i), _problem(
            frame, int(i), col, code,
            f"未知站点/点位编码 {code}（登记表 {reg} 中没有；可用 ecoplan registry import 登记）",
            f"unknown site code {code} (not in the {reg} registry; register it with "
            f"`ecoplan registry import`)", "unknown_site"))


def _check_times(frame: pd.DataFrame, rules: DatasetRules, now: datetime,
                 result: Validation) -> None:
    ts = frame[rules.time_column].to_numpy(dtype="datetime64[ns]")
    valid = ~np.isnat(ts)
    if rules.hourly:
        off = (ts.astype("int64") % 3_600_000_000_000) != 0
        for i in np.flatnonzero(off & valid):
            result.add(int(i), _problem(
                frame, int(i), rules.time_column, pd.Timestamp(ts[i]),
                "小时数据的时间必须是整点（小时末标记，北京时间）",
                "hourly data must carry whole-hour labels (hour-ending, Beijing time)",
                "bad_timestamp"))
    early = valid & (ts < np.datetime64(rules.earliest, "ns"))
    late = valid & (ts > np.datetime64(now + timedelta(hours=rules.future_hours), "ns"))
    for i in np.flatnonzero(early):
        result.add(int(i), _problem(
            frame, int(i), rules.time_column, pd.Timestamp(ts[i]),
            f"时间早于 {rules.earliest:%Y-%m-%d}，不可信", f"time before "
            f"{rules.earliest:%Y-%m-%d} is not plausible", "bad_timestamp"))
    for i in np.flatnonzero(late):
        result.add(int(i), _problem(
            frame, int(i), rules.time_column, pd.Timestamp(ts[i]),
            "时间晚于当前北京时间（时区或小时末标记错误？）",
            "time is later than now in Beijing (wrong time zone or hour convention?)",
            "bad_timestamp"))


def _range_checks(frame: pd.DataFrame, rule: ParameterRule, values: np.ndarray,
                  rows: np.ndarray, result: Validation, param_of_row: str, *,
                  shown: np.ndarray | None = None, flag: bool = True,
                  per_value: bool = False) -> np.ndarray:
    """Reject negatives and out-of-range values (``values`` in the rule's unit; ``shown`` the
    values as sent, for the messages) — the row, or with ``per_value`` (wide datasets) only the
    value; return the suspect-high mask."""
    if shown is None:
        shown = values

    def reject(r: int, problem: Problem) -> None:
        if per_value:
            result.add_value(r, param_of_row, problem)
        else:
            result.add(r, problem)

    with np.errstate(invalid="ignore"):
        neg = (values < 0) & (rule.min >= 0)  # a negative temperature is plausible
        low = (values < rule.min) & ~neg
        high = values > rule.max
    for i in np.flatnonzero(neg):
        r = int(rows[i])
        reject(r, _problem(frame, r, param_of_row, shown[i], "负值（浓度不能为负）",
                               "negative value (a concentration cannot be negative)", "negative"))
    for i in np.flatnonzero(low):
        r = int(rows[i])
        reject(r, _problem(frame, r, param_of_row, shown[i],
                               f"低于合理范围下限 {_fmt(rule.min)}",
                               f"below the plausible minimum {_fmt(rule.min)}", "out_of_range"))
    unit = rule.unit or "—"
    for i in np.flatnonzero(high):
        r = int(rows[i])
        reject(r, _problem(
            frame, r, param_of_row, shown[i],
            f"超出物理合理范围（>{_fmt(rule.max)} {unit}），可能是单位错误",
            f"above the physically plausible range (>{_fmt(rule.max)} {unit}); wrong unit?",
            "out_of_range"))
    if rule.suspect_above is None or not flag:
        return np.zeros(len(values), bool)
    with np.errstate(invalid="ignore"):
        return (values > rule.suspect_above) & ~high


def _append_flag(store: np.ndarray, mask: np.ndarray, flag: str) -> None:
    for i in np.flatnonzero(mask):
        cur = store[i]
        store[i] = flag if cur is None else f"{cur},{flag}"


def _given_flags(frame: pd.DataFrame, column: str) -> np.ndarray | None:
    """Flags the source gave with the values (column ``<parameter>_flag`` of a wide frame,
    ``flag`` of a long one, comma-separated codes such as ``hj212:D``): kept first, the load
    flags are appended after them. None when the frame has no such flags."""
    if column not in frame.columns:
        return None
    col = frame[column].astype(object)
    out = np.full(len(frame), None, dtype=object)
    for i in np.flatnonzero(col.notna().to_numpy()):
        codes = [c.strip() for c in str(col.iat[i]).split(",") if c.strip()]
        if codes:
            out[i] = ",".join(codes)
    return out if any(x is not None for x in out) else None


def _check_wide_values(frame: pd.DataFrame, rules: DatasetRules, result: Validation) -> None:
    n = len(frame)
    rows = np.arange(n)
    order, same_prev, hours = _series_order(frame, rules)
    nm_sets: dict[int, set[str]] = {}
    if "not_monitored" in frame.columns:
        col = frame["not_monitored"]
        for i in np.flatnonzero(col.notna().to_numpy()):
            nm_sets[int(i)] = set(str(col.iat[i]).split(","))
    for name, rule in rules.parameters.items():
        if name not in frame.columns:
            continue
        values = frame[name].to_numpy(dtype=np.float64)
        masks: list[tuple[np.ndarray, str]] = []
        high = _range_checks(frame, rule, values, rows, result, name, per_value=True)
        masks.append((high, FLAG_SUSPECT_HIGH))
        if name in result.bad_values:  # quarantined values take no part in spikes and runs
            values = np.where(result.bad_values[name], np.nan, values)
        sv = values[order]
        if rule.spike_ratio is not None:
            spike = np.zeros(n, bool)
            spike[order] = _spikes(sv, same_prev, hours, rule.spike_ratio, rule.spike_jump or 0.0)
            masks.append((spike, FLAG_SPIKE))
        if rule.constant_hours:
            const = np.zeros(n, bool)
            const[order] = _constant_runs(sv, same_prev, hours, rule.constant_hours,
                                          rule.constant_above)
            masks.append((const, FLAG_CONSTANT))
        if nm_sets:
            nm = np.zeros(n, bool)
            for i, names in nm_sets.items():
                nm[i] = name in names
            masks.append((nm, FLAG_NOT_MONITORED))
        given = _given_flags(frame, f"{name}_flag")
        if given is not None or any(m.any() for m, _ in masks):
            flags = given if given is not None else np.full(n, None, dtype=object)
            for m, code in masks:
                _append_flag(flags, m, code)
            result.flags[name] = flags


def _check_long_values(frame: pd.DataFrame, rules: DatasetRules, result: Validation) -> None:
    n = len(frame)
    params = frame["parameter"].astype(object).to_numpy()
    values = frame["value"].to_numpy(dtype=np.float64)
    extra = {c: frame[c].to_numpy(dtype=np.float64) for c in rules.extra_values
             if c in frame.columns}
    present = ~np.isnan(values)  # a row is missing only when every value column is empty
    for c in (*extra, "cou"):
        if c in frame.columns:
            present |= ~np.isnan(frame[c].to_numpy(dtype=np.float64))
    units = frame["unit"].astype(object).to_numpy() if "unit" in frame.columns else None
    given = _given_flags(frame, "flag")
    flags = given if given is not None else np.full(n, None, dtype=object)
    not_mon = frame["not_monitored"].to_numpy(dtype=object) if "not_monitored" in frame else None
    known = set(rules.parameters)
    if rules.parameter_registry == "water_units":
        from ecoplan.standards.water_units import parameters as water_parameters

        known |= set(water_parameters()[0])
    pattern = re.compile(rules.parameter_pattern) if rules.parameter_pattern else None
    _check_choices(frame, rules, result)
    for p in pd.unique(pd.Series(params, dtype=object)):
        if p is None or (isinstance(p, float) and np.isnan(p)):
            rows = np.flatnonzero(pd.isna(pd.Series(params, dtype=object)).to_numpy())
        else:
            rows = np.flatnonzero(params == p)
        unknown = p is None or (isinstance(p, float) and np.isnan(p)) or (
            p not in known and (pattern is None or not pattern.fullmatch(str(p))))
        if unknown:
            for r in rows:
                if result.reject[r]:
                    continue  # the reader already reported it
                result.add(int(r), _problem(
                    frame, int(r), "parameter", p,
                    f"未知的监测项目：{p}", f"unknown parameter: {p}", "unknown_parameter"))
            continue
        rule = rules.parameters.get(p)
        vals = values[rows]
        missing = ~present[rows]
        if not_mon is not None:
            nm = np.array([x is not None for x in not_mon[rows]], bool)
            mask = np.zeros(n, bool)
            mask[rows[nm & missing]] = True
            _append_flag(flags, mask, FLAG_NOT_MONITORED)
            missing &= ~nm
        for j in np.flatnonzero(missing):
            r = int(rows[j])
            if not result.reject[r]:
                result.add(r, _problem(frame, r, "value", None, "缺少数值", "value is missing",
                                       "missing_value"))
        if rule is None:
            continue
        scale = np.ones(len(rows))
        if units is not None:
            checked = np.ones(len(rows), bool)
            for u in pd.unique(pd.Series(units[rows], dtype=object)):
                at = np.flatnonzero(units[rows] == u) if u is not None else np.flatnonzero(
                    pd.isna(pd.Series(units[rows], dtype=object)).to_numpy())
                f = unit_scale(None if u is None or u != u else str(u), rule.unit)
                if f is None:
                    checked[at] = False  # a unit of another family: stored, not range-checked
                else:
                    scale[at] = f
            rows, vals, scale = rows[checked], vals[checked], scale[checked]
        high = _range_checks(frame, rule, vals * scale, rows, result, "value", shown=vals)
        for c, arr in extra.items():
            _range_checks(frame, rule, arr[rows] * scale, rows, result, c, shown=arr[rows],
                          flag=False)
        for r in rows[high]:
            flags[r] = FLAG_SUSPECT_HIGH if flags[r] is None else f"{flags[r]},{FLAG_SUSPECT_HIGH}"
    if any(f is not None for f in flags):
        result.flags["value"] = flags


def _check_choices(frame: pd.DataFrame, rules: DatasetRules, result: Validation) -> None:
    """Columns whose values must be one of a list (``choices`` in rules.yaml)."""
    for col, allowed in rules.choices.items():
        if col not in frame.columns:
            for r in range(len(frame)):
                result.add(r, _problem(frame, r, col, None, f"缺少列 {col}",
                                       f"the column {col} is missing", "missing_column"))
            continue
        vals = frame[col].astype(object).to_numpy()
        bad = ~pd.Series(vals, dtype=object).isin(allowed).to_numpy()
        for r in np.flatnonzero(bad):
            result.add(int(r), _problem(
                frame, int(r), col, vals[r], f"{col} 应为 {'|'.join(allowed)}",
                f"{col} must be one of {'|'.join(allowed)}", "bad_choice"))


def _series_order(frame: pd.DataFrame, rules: DatasetRules
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row order by (site, time), whether each sorted row continues the previous row's site,
    and its time in hours."""
    ser = frame[rules.site_column]
    codes = (ser.cat.codes.to_numpy() if isinstance(ser.dtype, pd.CategoricalDtype)
             else pd.Categorical(ser.astype(object)).codes)
    ts = frame[rules.time_column].to_numpy(dtype="datetime64[ns]").astype("int64")
    order = np.lexsort((ts, codes))
    sc = codes[order]
    hours = ts[order] / 3_600_000_000_000
    same_prev = np.zeros(len(order), bool)
    same_prev[1:] = sc[1:] == sc[:-1]
    return order, same_prev, hours


def _spikes(v: np.ndarray, same_prev: np.ndarray, hours: np.ndarray, ratio: float,
            jump: float) -> np.ndarray:
    """A single-hour peak: above ``ratio`` × the larger of the two neighbouring hours of the same
    site and more than ``jump`` above it."""
    n = len(v)
    out = np.zeros(n, bool)
    if n < 3:
        return out
    dt = np.diff(hours)
    has_prev = same_prev[1:-1] & (dt[:-1] == 1)
    has_next = same_prev[2:] & (dt[1:] == 1)
    ref = np.fmax(v[:-2], v[2:])
    mid = v[1:-1]
    with np.errstate(invalid="ignore"):
        out[1:-1] = (has_prev & has_next & ~np.isnan(v[:-2]) & ~np.isnan(v[2:])
                     & (mid > ratio * np.maximum(ref, 1e-9)) & (mid - ref > jump))
    return out


def _constant_runs(v: np.ndarray, same_prev: np.ndarray, hours: np.ndarray,
                   min_hours: int, above: float | None = None) -> np.ndarray:
    """Values above ``above`` that repeat unchanged for at least ``min_hours`` consecutive hours."""
    n = len(v)
    if n == 0:
        return np.zeros(0, bool)
    cont = np.zeros(n, bool)
    with np.errstate(invalid="ignore"):
        cont[1:] = same_prev[1:] & (v[1:] == v[:-1]) & (np.diff(hours) == 1) & ~np.isnan(v[1:])
    run = np.cumsum(~cont)
    lengths = np.bincount(run)
    hit = (lengths[run] >= min_hours) & ~np.isnan(v)
    if above is not None:
        with np.errstate(invalid="ignore"):
            hit &= v > above
    return hit


def _check_no_values(frame: pd.DataFrame, rules: DatasetRules, result: Validation) -> None:
    """A row of a wide dataset whose measured values are all missing (or all quarantined) is
    not a measurement: quarantined with its reason instead of stored as an empty hour."""
    n = len(frame)
    measured = np.zeros(n, bool)
    for name in rules.parameters:
        if name in frame.columns:
            ok = ~np.isnan(frame[name].to_numpy(dtype=np.float64))
            measured |= ok & ~result.bad_values.get(name, np.zeros(n, bool))
    for col in frame.columns:
        if str(col).startswith("published_") and col != "published_primary_pollutant":
            measured |= frame[col].notna().to_numpy()
    if "not_monitored" in frame.columns:
        measured |= frame["not_monitored"].notna().to_numpy()
    for i in np.flatnonzero(~measured & ~result.reject):
        had_bad = int(i) in result.value_problems
        result.add(int(i), _problem(
            frame, int(i), None, None,
            "该行所有测量值均被隔离，没有可入库的数值" if had_bad else "该行没有任何测量值（全部为空）",
            "every measured value of the row is quarantined; nothing to store" if had_bad
            else "the row has no measured value (all empty)", "no_values"))


def _check_duplicates(frame: pd.DataFrame, rules: DatasetRules, result: Validation) -> None:
    key = list(rules.key)
    # a row without a readable time or site is already quarantined for that: it is nobody's
    # duplicate (unreadable dates used to make every row a "duplicate of line 2")
    keyed = frame[rules.time_column].notna().to_numpy() & frame[rules.site_column].notna() \
        .to_numpy()
    dup = frame.duplicated(subset=key, keep="first").to_numpy() & keyed
    if (~keyed).any():
        dup = np.zeros(len(frame), bool)
        sub = frame.loc[keyed, key]
        dup[np.flatnonzero(keyed)] = sub.duplicated(keep="first").to_numpy()
    if not dup.any():
        return
    first_rows = frame.loc[~frame.duplicated(subset=key, keep=False) | ~dup, key + (
        ["source_row"] if "source_row" in frame.columns else [])]
    first_of = {tuple(r[:-1]): r[-1] for r in first_rows.itertuples(index=False, name=None)} \
        if "source_row" in frame.columns else {}
    for i in np.flatnonzero(dup):
        k = tuple(frame[c].iat[i] for c in key)
        first = first_of.get(k)
        result.add(int(i), _problem(
            frame, int(i), rules.time_column, frame[rules.time_column].iat[i],
            f"重复记录：同一站点同一时间已出现（第 {first} 行）",
            f"duplicate: the same site and time already appears (line {first})", "duplicate"))
