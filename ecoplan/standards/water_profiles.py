"""Versioned water target profiles: which class or custom rule applies to a section, source,
groundwater point, outlet or mine-water discharge in a given year and season.

The bundled profile ``jiaocheng-2021-2025`` (``data/water_profiles.yaml``) encodes the plan:
Wenyu River sections class Ⅱ; Ciyao River Wuliang section under the interim rule (NH3-N ≤ 8 mg/L
in winter, ≤ 5 mg/L in summer, all other items class Ⅴ) in 2020 and class Ⅲ from 2025; the Daying
and Wayao drinking-water sources and groundwater points class Ⅲ; industrial outlets at class Ⅴ
for COD, NH3-N and TP; mine water at class Ⅲ.

Every result carries ``profile_id``, ``profile_version`` and ``profile_hash``; a profile whose id
and version exist with other content is refused, and :func:`check_result_profile` tells whether a
stored result was produced by the given profile — so a profile change never silently rewrites an
earlier result.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml

from ecoplan.errors import ConfigError, Location, StandardError
from ecoplan.standards.surface_water import (
    class_label,
    classify_item,
    gb3838,
    scale_values,
)

DATA_DIR = Path(__file__).parent / "data"
Season = Literal["winter", "summer"]


class ProfileError(ConfigError):
    """A water target profile is unknown, malformed or conflicts with an existing version."""


@dataclass(frozen=True)
class SiteTarget:
    id: str
    name_zh: str
    kind: str
    medium: str
    match: tuple[str, ...]
    match_river: str | None
    match_medium: str | None
    match_kind: str | None
    targets: Mapping[int, Mapping[str, Any]]

    def target_for(self, year: int) -> Mapping[str, Any]:
        """Target written for the latest year ≤ ``year`` (the first one for earlier data)."""
        years = sorted(self.targets)
        chosen = years[0]
        for y in years:
            if y <= year:
                chosen = y
        return {**self.targets[chosen], "target_year": chosen}


@dataclass(frozen=True)
class WaterProfile:
    id: str
    version: int
    title_zh: str
    title_en: str
    source: str
    settings: Mapping[str, Any]
    rules: Mapping[str, Mapping[str, Any]]
    sites: tuple[SiteTarget, ...]
    hash: str
    raw: Mapping[str, Any] = field(repr=False, default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    def with_settings(self, **overrides: Any) -> WaterProfile:
        """A copy with other season settings (changes the hash: results show the settings used)."""
        raw = json.loads(json.dumps(self.raw))
        raw.setdefault("settings", {}).update({k: v for k, v in overrides.items() if v is not None})
        return _build(raw, origin=f"{self.key} (settings)")

    def site_for(self, site: str, *, medium: str = "surface", kind: str | None = None,
                 river: str | None = None) -> SiteTarget | None:
        """The profile entry for a site: exact name match first, then river, kind, medium."""
        name = (site or "").strip()
        for s in self.sites:
            if any(name == m for m in s.match) and _medium_ok(s, medium):
                return s
        for s in self.sites:
            if any(m and m in name for m in s.match) and _medium_ok(s, medium):
                return s
        for s in self.sites:
            if s.match_river and river and s.match_river in river:
                return s
        for s in self.sites:
            if s.match_kind and kind == s.match_kind:
                return s
        for s in self.sites:
            if s.match_medium and medium == s.match_medium and kind in (None, s.kind):
                return s
        return None

    def result_tags(self) -> dict[str, Any]:
        return {"profile_id": self.id, "profile_version": self.version,
                "profile_hash": self.hash[:16]}


def _medium_ok(site: SiteTarget, medium: str) -> bool:
    return site.medium in {medium, "wastewater"} or medium == "any"


def _canonical_hash(raw: Mapping[str, Any]) -> str:
    text = json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _build(raw: Mapping[str, Any], origin: str) -> WaterProfile:
    try:
        sites = tuple(
            SiteTarget(
                id=str(s["id"]), name_zh=str(s.get("name_zh", s["id"])),
                kind=str(s.get("kind", "section")), medium=str(s.get("medium", "surface")),
                match=tuple(str(m) for m in s.get("match", [])),
                match_river=s.get("match_river"), match_medium=s.get("match_medium"),
                match_kind=s.get("match_kind"),
                targets={int(y): dict(t) for y, t in s["targets"].items()},
            )
            for s in raw.get("sites", [])
        )
        rules = {str(k): dict(v) for k, v in (raw.get("rules") or {}).items()}
        for s in sites:
            for y, t in s.targets.items():
                if "class" in t:
                    if int(t["class"]) not in range(1, 6):
                        raise ValueError(f"site {s.id} year {y}: class must be 1–5")
                elif t.get("rule") not in rules:
                    raise ValueError(f"site {s.id} year {y}: unknown rule {t.get('rule')!r}")
        settings = {"winter_start": "11-01", "winter_end": "03-31", "annual_season": "summer",
                    **(raw.get("settings") or {})}
        for key in ("winter_start", "winter_end"):
            month, day = (int(x) for x in str(settings[key]).split("-"))
            date(2000, month, day)
        if settings["annual_season"] not in ("winter", "summer"):
            raise ValueError("annual_season must be winter or summer")
        return WaterProfile(
            id=str(raw["id"]), version=int(raw["version"]), title_zh=str(raw.get("title_zh", "")),
            title_en=str(raw.get("title_en", "")), source=str(raw.get("source", "")),
            settings=settings, rules=rules, sites=sites, hash=_canonical_hash(raw), raw=raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise ProfileError(f"水质目标配置无效：{exc}", f"invalid water target profile: {exc}",
                           location=Location(origin)) from exc


def _load_file(path: Path) -> list[WaterProfile]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ProfileError(f"无法读取水质目标配置：{exc}", f"cannot read the profile file: {exc}",
                           location=Location(str(path))) from exc
    items = doc.get("profiles") if isinstance(doc, dict) and "profiles" in doc else [doc]
    return [_build(p, str(path)) for p in items]


@lru_cache(maxsize=1)
def bundled_profiles() -> dict[str, WaterProfile]:
    """Profiles shipped in data/water_profiles.yaml, by ``id@version``."""
    return {p.key: p for p in _load_file(DATA_DIR / "water_profiles.yaml")}


def get_profile(name: WaterProfile | str | Path | None = None) -> WaterProfile:
    """A profile by ``id``, ``id@version`` or YAML file path (default: the Jiaocheng plan, newest version)."""
    if isinstance(name, WaterProfile):
        return name
    known = bundled_profiles()
    if name is None:
        name = "jiaocheng-2021-2025"
    text = str(name)
    if text.endswith((".yaml", ".yml")) or Path(text).is_file():
        loaded = _load_file(Path(text))
        for p in loaded:
            other = known.get(p.key)
            if other is not None and other.hash != p.hash:
                raise ProfileError(
                    f"配置 {p.key} 已存在且内容不同；修改目标请提高 version，以免改写既有结果",
                    f"profile {p.key} already exists with different content; raise its version "
                    "so earlier results are not silently rewritten",
                    location=Location(text))
        return max(loaded, key=lambda p: p.version)
    if "@" in text:
        if text in known:
            return known[text]
    else:
        versions = [p for p in known.values() if p.id == text]
        if versions:
            return max(versions, key=lambda p: p.version)
    raise ProfileError(f"未知的水质目标配置：{text}（可用：{', '.join(sorted(known))}）",
                       f"unknown water target profile: {text} (known: {', '.join(sorted(known))})")


def check_result_profile(result: Mapping[str, Any], profile: WaterProfile) -> bool:
    """True if a stored result was produced by exactly this profile (id, version and content hash)."""
    return (result.get("profile_id") == profile.id
            and int(result.get("profile_version", -1)) == profile.version
            and str(result.get("profile_hash", "")) == profile.hash[: len(str(result.get("profile_hash", "")))]
            and bool(result.get("profile_hash")))


def season_of(when: Any, settings: Mapping[str, Any]) -> Season:
    """'winter' if the date's month-day lies in [winter_start, winter_end] (wrapping the new year), else 'summer' (plan setting)."""
    ts = pd.Timestamp(when)
    md = (ts.month, ts.day)
    ws = tuple(int(x) for x in str(settings["winter_start"]).split("-"))
    we = tuple(int(x) for x in str(settings["winter_end"]).split("-"))
    if ws <= we:
        inside = ws <= md <= we
    else:
        inside = md >= ws or md <= we
    return "winter" if inside else "summer"


@dataclass
class TargetResult:
    """Attainment of one sample or period against a profile target."""

    site_id: str | None
    target: str
    target_year: int | None
    season: str | None
    attained: bool | None
    failing_items: list[str]
    limits_used: dict[str, str]
    profile_id: str
    profile_version: int
    profile_hash: str

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _le(code: str, value: float, limit: Decimal) -> bool:
    exp = gb3838().items[code].exp if code in gb3838().items else 12
    v = scale_values([value], exp)[0]
    return bool(v <= int((limit * (Decimal(10) ** exp)).to_integral_value()))


def evaluate_target(values: Mapping[str, float], site: SiteTarget | None, profile: WaterProfile,
                    *, year: int, season: Season | None = None, waterbody: str = "river",
                    water_class: int | None = None,
                    items: Sequence[str] | None = None) -> TargetResult:
    """Does a sample or period meet its profile target? (plan targets; GB 3838-2002 Table 1 limits)."""
    tags = profile.result_tags()
    if site is None:
        return TargetResult(None, "", None, season, None, [], {}, **tags)
    target = site.target_for(year)
    ev = gb3838()
    if "class" in target:
        tc = int(target["class"])
        label = class_label(tc)
        chosen = list(items) if items is not None else list(ev.evaluated_items)
        failing: list[str] = []
        for code in chosen:
            x = values.get(code)
            if x is None or np.isnan(x):
                continue
            c = int(classify_item(code, [x], waterbody)[0])
            if c > tc:
                failing.append(code)
        present = [c for c in chosen if values.get(c) is not None and not np.isnan(values[c])]
        attained = None if not present else not failing
        if water_class is not None and water_class:
            attained = water_class <= tc
        return TargetResult(site.id, label, target["target_year"], None, attained, failing,
                            {}, **tags)
    rule = profile.rules[target["rule"]]
    base = int(rule.get("base_class", 5))
    chosen = list(rule.get("items") or (items if items is not None else ev.evaluated_items))
    seasonal = rule.get("seasonal_limits") or {}
    eff_season: Season = season or profile.settings["annual_season"]
    failing = []
    limits_used: dict[str, str] = {}
    seen = False
    for code in chosen:
        x = values.get(code)
        if x is None or np.isnan(x):
            continue
        seen = True
        if code in seasonal:
            lim = Decimal(str(seasonal[code][eff_season]))
            limits_used[code] = f"{lim} ({eff_season})"
            if not _le(code, float(x), lim):
                failing.append(code)
        else:
            if int(classify_item(code, [x], waterbody)[0]) > base:
                failing.append(code)
    return TargetResult(site.id, str(target["rule"]), target["target_year"],
                        eff_season if seasonal else None, (not failing) if seen else None,
                        failing, limits_used, **tags)


def attain_frame(res: pd.DataFrame, wide: pd.DataFrame, profile: WaterProfile,
                 period: str) -> pd.DataFrame:
    """Add target, season, attained, failing items and the profile tags to section results."""
    rows = []
    value_cols = [c for c in wide.columns if c not in ("site", "period", "waterbody")]
    for i in range(len(res)):
        site_name = str(res.at[i, "site"])
        per = str(res.at[i, "period"])
        year = int(per[:4])
        season: Season | None = None
        if period == "month":
            season = season_of(f"{per}-15", profile.settings)
        elif period == "sample":
            season = season_of(per, profile.settings)
        site = profile.site_for(site_name, medium="surface")
        values = {c: float(wide.at[i, c]) for c in value_cols if pd.notna(wide.at[i, c])}
        tr = evaluate_target(values, site, profile, year=year, season=season,
                             waterbody=str(wide.at[i, "waterbody"]),
                             water_class=int(res.at[i, "water_class"]))
        rows.append({"target_site": tr.site_id or "", "target": tr.target,
                     "target_year": tr.target_year, "season": tr.season or "",
                     "attained": tr.attained, "failing_items": "|".join(tr.failing_items),
                     "limits_used": "|".join(f"{k}≤{v}" for k, v in tr.limits_used.items()),
                     "profile_id": tr.profile_id, "profile_version": tr.profile_version,
                     "profile_hash": tr.profile_hash})
    extra = pd.DataFrame(rows, index=res.index)
    return pd.concat([res, extra], axis=1)


def require_site(profile: WaterProfile, site: str, **kw: Any) -> SiteTarget:
    """The profile entry for a site or a clear error (plan targets)."""
    s = profile.site_for(site, **kw)
    if s is None:
        raise StandardError(f"配置 {profile.key} 中没有与「{site}」对应的目标",
                            f"profile {profile.key} has no target for '{site}'")
    return s


def attain_groundwater(res: pd.DataFrame, profile: WaterProfile) -> pd.DataFrame:
    """Per-point target class from the profile (drinking-water sources, groundwater points; GB/T 14848-2017 Ⅲ in the plan)."""
    out = res.copy()
    sites, targets, years, attained = [], [], [], []
    for _, row in out.iterrows():
        site = profile.site_for(str(row["site"]), medium="groundwater")
        year = pd.Timestamp(row["time"]).year if pd.notna(row["time"]) else None
        if site is None or year is None:
            sites.append("")
            targets.append(None)
            years.append(None)
            attained.append(None)
            continue
        t = site.target_for(year)
        tc = int(t["class"]) if "class" in t else None
        sites.append(site.id)
        targets.append(tc)
        years.append(t["target_year"])
        wc = int(row["water_class"])
        attained.append(None if tc is None or wc == 0 else wc <= tc)
    out["target_site"] = sites
    out["target_class"] = targets
    out["target_year"] = years
    out["attained"] = attained
    for k, v in profile.result_tags().items():
        out[k] = v
    return out
