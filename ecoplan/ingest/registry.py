"""Site registries: air stations, surface-water sections, drinking-water sources, groundwater
points — imported from CSV/XLSX (Chinese or English headers), edited one by one, with aliases.

Bundled registries (``ecoplan/ingest/data/registry/``): the 59 Shanxi national stations of the
real 2019 year, the Jiaocheng sections and drinking-water sources the plan names (with the
spellings the plan uses as aliases), and — optionally — all national stations of CNEMC's
``StationList-2020.01.01.csv``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select

from ecoplan.errors import InputFileError, Location, StandardError, ValidationError
from ecoplan.ingest.readers.problems import Problem
from ecoplan.ingest.readers.text import NULL_MARKERS, decoded_bytes
from ecoplan.standards.air_stations import infer_type, normalise_type
from ecoplan.store.db import session_scope
from ecoplan.store.hj212_models import Hj212Device
from ecoplan.store.models import (
    DrinkingWaterSource,
    GroundwaterPoint,
    SiteAlias,
    Station,
    WaterSection,
)

DATA_DIR = Path(__file__).with_name("data") / "registry"

#: registry kind → (model, table name)
KINDS: dict[str, Any] = {
    "station": Station,
    "section": WaterSection,
    "drinking_source": DrinkingWaterSource,
    "groundwater_point": GroundwaterPoint,
}
TABLE_TO_KIND = {m.__tablename__: k for k, m in KINDS.items()}
KIND_NAMES = {"station": ("空气站点", "air stations"), "section": ("地表水断面", "surface-water sections"),
              "drinking_source": ("饮用水水源地", "drinking-water sources"),
              "groundwater_point": ("地下水点位", "groundwater points")}

_HEADERS: dict[str, set[str]] = {
    "code": {"code", "station_code", "site_code", "编码", "代码", "站点编码", "监测点编码", "断面编码",
             "点位编码", "水源地编码", "站号", "编号"},
    "name": {"name", "station_name", "名称", "站点名称", "监测点名称", "断面名称", "点位名称", "水源地名称"},
    "city": {"city", "城市", "所属城市", "地市"},
    "county": {"county", "区县", "县", "所属区县", "县区"},
    "longitude": {"longitude", "lon", "lng", "经度"},
    "latitude": {"latitude", "lat", "纬度"},
    "network_level": {"network_level", "级别", "站点级别", "站点类型", "level_air"},
    "county_town": {"county_town", "县城评价点", "县城", "参与县城评价"},
    "station_type": {"station_type", "点位类型", "站点性质", "点位性质", "点位属性", "type_air"},
    "active": {"active", "启用", "在用"},
    "river": {"river", "河流", "所属河流", "水系"},
    "waterbody": {"waterbody", "水体类型", "水体"},
    "level": {"level", "断面级别", "考核级别"},
    "target_profile": {"target_profile", "target", "水质目标", "目标", "目标类别_断面"},
    "kind": {"kind", "类型", "水源类型"},
    "target_class": {"target_class", "目标类别", "目标水质类别"},
    "aliases": {"aliases", "alias", "别名"},
}
_LEVELS = {"national": "national", "国控": "national", "国控站": "national", "provincial": "provincial",
           "省控": "provincial", "省控站": "provincial", "county": "county", "县控": "county",
           "县控站": "county", "市控": "county", "micro": "micro", "微型": "micro", "微型站": "micro"}
_WATERBODY = {"river": "river", "河流": "river", "河": "river", "lake": "lake", "湖泊": "lake",
              "湖": "lake", "湖库": "lake", "reservoir": "reservoir", "水库": "reservoir"}
_CLASSES = {"1": 1, "i": 1, "Ⅰ": 1, "2": 2, "ii": 2, "Ⅱ": 2, "3": 3, "iii": 3, "Ⅲ": 3, "4": 4,
            "iv": 4, "Ⅳ": 4, "5": 5, "v": 5, "Ⅴ": 5}
_TRUE = {"1", "true", "yes", "y", "是", "√", "t"}
_SOURCE_KINDS = {"groundwater": "groundwater", "地下水": "groundwater", "地下水型": "groundwater",
                 "surface": "surface", "地表水": "surface", "地表水型": "surface", "河流型": "surface",
                 "湖库型": "surface"}


@dataclass
class ImportSummary:
    kind: str
    file: str
    inserted: int = 0
    updated: int = 0
    aliases: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)


def _kind(kind: str) -> str:
    k = kind.strip().lower().replace("-", "_")
    k = {"stations": "station", "air": "station", "sections": "section", "water": "section",
         "source": "drinking_source", "sources": "drinking_source",
         "drinking_water_sources": "drinking_source", "groundwater": "groundwater_point",
         "groundwater_points": "groundwater_point", "water_sections": "section"}.get(k, k)
    if k not in KINDS:
        raise ValidationError(f"未知的登记表类型：{kind}（可用：{', '.join(KINDS)}）",
                              f"Unknown registry kind: {kind} (known: {', '.join(KINDS)})")
    return k


def _read_rows(path: Path) -> tuple[pd.DataFrame, list[int]]:
    """Rows of a CSV (any encoding, ``#`` comment lines skipped) or XLSX, with file lines."""
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        try:
            df = pd.read_excel(path, dtype=str, engine="openpyxl")
        except Exception as exc:  # noqa: BLE001 - any openpyxl failure is a bad file
            raise InputFileError(f"无法读取 Excel 文件：{exc}", f"Cannot read the Excel file: {exc}",
                                 location=Location(str(path))) from exc
        return df, list(range(2, 2 + len(df)))
    text = decoded_bytes(path).data.decode("utf-8")
    kept, numbers = [], []
    for n, line in enumerate(text.splitlines(), start=1):
        if line.strip() == "" or line.lstrip().startswith("#"):
            continue
        kept.append(line)
        numbers.append(n)
    if not kept:
        raise InputFileError("文件为空", "The file is empty", location=Location(str(path)))
    df = pd.read_csv(io.StringIO("\n".join(kept)), dtype=str, keep_default_na=False)
    return df, numbers[1:]


def _columns(df: pd.DataFrame) -> dict[str, str]:
    out: dict[str, str] = {}
    for col in df.columns:
        k = str(col).strip().lstrip("\ufeff").lower()
        for canon, names in _HEADERS.items():
            if k in {n.lower() for n in names} and canon not in out:
                out[canon] = col
                break
    return out


def _clean(v: Any) -> str | None:
    """The cell as text, or None when empty or a "no value" marker (CNEMC's station list writes
    "-" for the unknown coordinates of 西沙 3019A)."""
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return None
    s = str(v).strip()
    return None if s in NULL_MARKERS else s


def _convert(kind: str, canon: str, raw: str) -> Any:
    if canon in {"longitude", "latitude"}:
        x = float(raw)
        lim = 180 if canon == "longitude" else 90
        if not -lim <= x <= lim:
            raise ValueError(raw)
        return x
    if canon == "network_level":
        return _LEVELS[raw.lower() if raw.isascii() else raw]
    if canon == "station_type":
        return normalise_type(raw)
    if canon in {"county_town", "active"}:
        return raw.strip().lower() in _TRUE
    if canon == "waterbody":
        return _WATERBODY[raw.lower() if raw.isascii() else raw]
    if canon == "target_class":
        return _CLASSES[raw.lower().removesuffix("类") if raw.isascii() else raw.removesuffix("类")]
    if canon == "kind" and kind == "drinking_source":
        return _SOURCE_KINDS[raw.lower() if raw.isascii() else raw]
    return raw


def import_file(engine: Engine, kind: str, path: str | Path) -> ImportSummary:
    """Insert or update the sites of ``path`` (matched by code); aliases are added."""
    kind = _kind(kind)
    path = Path(path)
    if not path.is_file():
        raise InputFileError("文件不存在", "File does not exist", location=Location(str(path)))
    model = KINDS[kind]
    df, lines = _read_rows(path)
    cols = _columns(df)
    for req in ("code", "name"):
        if req not in cols:
            raise InputFileError(
                f"表头缺少必需的列：{req}（现有列：{', '.join(map(str, df.columns))}）",
                f"The header lacks the required column {req} (found: "
                f"{', '.join(map(str, df.columns))})", location=Location(str(path), 1, req))
    attrs = {c.key for c in model.__table__.columns} - {"id"}
    summary = ImportSummary(kind, str(path))
    with session_scope(engine) as s:
        existing = {o.code: o for o in s.scalars(select(model))}
        alias_owner = {a.alias: a.code for a in s.scalars(select(SiteAlias).where(
            SiteAlias.kind == kind))}
        for i, rec in enumerate(df.to_dict("records")):
            line = lines[i] if i < len(lines) else None
            values: dict[str, Any] = {}
            bad = False
            for canon, col in cols.items():
                raw = _clean(rec.get(col))
                if raw is None or canon == "aliases" or canon not in attrs:
                    continue
                try:
                    values[canon] = _convert(kind, canon, raw)
                except (ValueError, KeyError, StandardError):
                    summary.problems.append(Problem(
                        str(path), line, str(col), raw, f"取值无法识别：{raw}",
                        f"value not understood: {raw}", code="bad_value").as_dict())
                    bad = True
            if not values.get("code") or not values.get("name"):
                summary.problems.append(Problem(
                    str(path), line, cols["code"] if not values.get("code") else cols["name"],
                    None, "缺少编码或名称", "code or name is missing", code="missing").as_dict())
                continue
            if bad:
                continue
            code = values["code"]
            obj = existing.get(code)
            if kind == "station" and "station_type" not in values and (
                    obj is None or obj.station_type is None):
                # HJ 664 type from the name's marker ("(对照点)") or the network level
                values["station_type"] = infer_type(values.get("name"), values.get(
                    "network_level", getattr(obj, "network_level", None) or "national"))
            if obj is None:
                obj = model(**values)
                s.add(obj)
                existing[code] = obj
                summary.inserted += 1
            else:
                for k, val in values.items():
                    setattr(obj, k, val)
                summary.updated += 1
            raw_aliases = _clean(rec.get(cols["aliases"])) if "aliases" in cols else None
            for alias in (raw_aliases or "").split("|"):
                alias = alias.strip()
                if not alias or alias == code:
                    continue
                owner = alias_owner.get(alias)
                if owner == code:
                    continue
                if owner is not None:
                    summary.problems.append(Problem(
                        str(path), line, cols["aliases"], alias,
                        f"别名 {alias} 已属于 {owner}", f"alias {alias} already belongs to {owner}",
                        code="alias_conflict").as_dict())
                    continue
                s.add(SiteAlias(kind=kind, code=code, alias=alias))
                alias_owner[alias] = code
                summary.aliases += 1
    return summary


BUNDLED = {
    "shanxi": [("station", DATA_DIR / "stations_shanxi_2019.csv")],
    "jiaocheng": [("section", DATA_DIR / "jiaocheng_sections.csv"),
                  ("drinking_source", DATA_DIR / "jiaocheng_drinking_sources.csv")],
    "shanxi_water": [("section", DATA_DIR / "cnemc_water_shanxi.csv")],
}


def bundled_sets() -> list[str]:
    return [*BUNDLED, "national"]


def import_bundled(engine: Engine, which: tuple[str, ...] = ("shanxi", "jiaocheng"),
                   *, only_if_missing: bool = True) -> list[ImportSummary]:
    """Import bundled registries (``shanxi``, ``jiaocheng``, ``shanxi_water``, ``national``)."""
    out: list[ImportSummary] = []
    for name in which:
        if name == "national":
            from ecoplan.sample_data import sample_path  # deferred: sample data only when asked for

            files = [("station", sample_path("air", "StationList-2020.01.01.csv"))]
        elif name in BUNDLED:
            files = BUNDLED[name]
        else:
            raise ValidationError(f"未知的内置登记表：{name}（可用：{', '.join(bundled_sets())}）",
                                  f"Unknown bundled registry: {name} (known: "
                                  f"{', '.join(bundled_sets())})")
        for kind, path in files:
            if only_if_missing and _has_codes(engine, kind, path):
                continue
            out.append(import_file(engine, kind, path))
    return out


def _has_codes(engine: Engine, kind: str, path: Path) -> bool:
    df, _ = _read_rows(path)
    col = _columns(df).get("code")
    codes = {str(c).strip() for c in df[col]} if col else set()
    model = KINDS[kind]
    with session_scope(engine) as s:
        have = set(s.scalars(select(model.code).where(model.code.in_(codes))))
    return codes <= have


#: Device types whose station code names an enterprise outlet (排放口).
OUTLET_DEVICE_TYPES = ("cems", "wastewater")


def outlets(engine: Engine) -> dict[str, dict[str, Any]]:
    """Outlets known from the HJ 212 device registry: a registered device of type cems or
    wastewater with a station code registers that outlet (code → enterprise, device MNs)."""
    out: dict[str, dict[str, Any]] = {}
    with session_scope(engine) as s:
        for mn, code, enterprise, dtype in s.execute(select(
                Hj212Device.mn, Hj212Device.station_code, Hj212Device.enterprise,
                Hj212Device.device_type).where(Hj212Device.device_type.in_(OUTLET_DEVICE_TYPES),
                                               Hj212Device.station_code.is_not(None))):
            hit = out.setdefault(code, {"outlet": code, "enterprise": enterprise,
                                        "device_type": dtype, "mn": []})
            hit["mn"].append(mn)
            if hit["enterprise"] is None:
                hit["enterprise"] = enterprise
    return out


def lookup(engine: Engine, registries: tuple[str, ...] | list[str]) -> dict[str, str]:
    """Codes, aliases (and, for water sites, names) of the given registry tables → code
    (``outlets``: the outlet codes of the HJ 212 device registry, :func:`outlets`)."""
    out: dict[str, str] = {}
    with session_scope(engine) as s:
        for table in registries:
            if table == "outlets":
                out.update({code: code for code in outlets(engine)})
                continue
            if table == "hj212_devices":  # HJ 212 loggers by MN (the 2025 datasets)
                out.update({mn: mn for mn in s.scalars(select(Hj212Device.mn))})
                continue
            kind = TABLE_TO_KIND.get(table, table)
            model = KINDS[_kind(kind)]
            rows = s.execute(select(model.code, model.name)).all()
            # station names repeat across cities (市监测站 …): only a name that one station
            # bears stands for its code
            counts: dict[str, int] = {}
            for _code, name in rows:
                if name:
                    counts[name] = counts.get(name, 0) + 1
            for code, name in rows:
                out[code] = code
                if name and (kind != "station" or counts[name] == 1):
                    out.setdefault(name, code)
            for alias, code in s.execute(select(SiteAlias.alias, SiteAlias.code).where(
                    SiteAlias.kind == kind)).all():
                out.setdefault(alias, code)
    return out


def list_sites(engine: Engine, kind: str) -> list[dict[str, Any]]:
    kind = _kind(kind)
    model = KINDS[kind]
    cols = [c.key for c in model.__table__.columns if c.key != "id"]
    with session_scope(engine) as s:
        aliases: dict[str, list[str]] = {}
        for a in s.scalars(select(SiteAlias).where(SiteAlias.kind == kind)):
            aliases.setdefault(a.code, []).append(a.alias)
        rows = []
        for o in s.scalars(select(model).order_by(model.code)):
            d = {c: getattr(o, c) for c in cols}
            d["aliases"] = sorted(aliases.get(o.code, []))
            rows.append(d)
    return rows


def set_site(engine: Engine, kind: str, code: str, values: dict[str, str],
             aliases: list[str] | None = None) -> dict[str, Any]:
    """Create or edit one site (values as text, converted like an import)."""
    kind = _kind(kind)
    model = KINDS[kind]
    attrs = {c.key for c in model.__table__.columns} - {"id", "code"}
    with session_scope(engine) as s:
        obj = s.scalars(select(model).where(model.code == code)).first()
        converted: dict[str, Any] = {}
        for k, raw in values.items():
            if k not in attrs:
                raise ValidationError(f"{KIND_NAMES[kind][0]}没有字段 {k}",
                                      f"{KIND_NAMES[kind][1]} have no field {k}")
            try:
                converted[k] = _convert(kind, k, raw)
            except (ValueError, KeyError):
                raise ValidationError(f"字段 {k} 的取值无法识别：{raw}",
                                      f"value of {k} not understood: {raw}",
                                      location=Location(None, None, k)) from None
        if obj is None:
            if "name" not in converted:
                raise ValidationError("新建站点/点位需要名称（--name）",
                                      "a new site needs a name (--name)")
            obj = model(code=code, **converted)
            s.add(obj)
        else:
            for k, val in converted.items():
                setattr(obj, k, val)
        for alias in aliases or []:
            other = s.scalars(select(SiteAlias).where(SiteAlias.kind == kind,
                                                      SiteAlias.alias == alias)).first()
            if other is not None and other.code != code:
                raise ValidationError(f"别名 {alias} 已属于 {other.code}",
                                      f"alias {alias} already belongs to {other.code}")
            if other is None:
                s.add(SiteAlias(kind=kind, code=code, alias=alias))
    return next(r for r in list_sites(engine, kind) if r["code"] == code)
