"""地图 / Map pages: ``/map`` (signed-in, the layers the role may read), ``/public/map`` (the
public layers: air stations, water sections, drinking-water sources) and the public station
page ``/public/air/stations/{code}`` the map links to. The read model is
:mod:`ecoplan.web.map_data`; the browser draws it with the vendored Leaflet (static/map.js)
and the same sites are a table beside the map (readable without scripts, printable)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from ecoplan.assess.site_status import station_recent_hours
from ecoplan.store.models import Station
from ecoplan.web import render, views
from ecoplan.web.accounts import NotFoundError
from ecoplan.web.deps import DbDep, ctx_of, lang_of, require
from ecoplan.web.map_data import LAYERS, PUBLIC_LAYERS, base_map, map_sites

router = APIRouter(include_in_schema=False)
Reader = require("read.internal")


def _layers_for(user: object) -> tuple[str, ...]:
    can = getattr(user, "can", None)
    layers = list(PUBLIC_LAYERS)
    if can is not None and can("sources.read"):
        layers.append("enterprises")
    if can is not None and can("devices.read_all"):
        layers += ["devices", "dust", "risk"]
    return tuple(layers)


def _map_page(request: Request, layers: tuple[str, ...], public: bool) -> Response:
    ctx = ctx_of(request)
    assert ctx.workspace is not None
    lang = lang_of(request)
    sites = views.lake_cached(ctx, ("map", layers), lambda ws: map_sites(ws, layers))
    settings = ctx.settings
    config = {"base": base_map(settings), "center": [settings.map_center[1],
                                                      settings.map_center[0]],
              "zoom": settings.map_zoom, "lang": lang,
              "layers": [{"key": k, "name": LAYERS[k][0 if lang == "zh" else 1]}
                         for k in layers],
              "sites": [s.as_dict(lang) for s in sites]}
    return render.page(request, "map.html", sites=sites, layers=layers, LAYERS=LAYERS,
                       config=config, public=public, base=config["base"])


@router.get("/map")
def map_page(request: Request, user=Reader) -> Response:  # type: ignore[no-untyped-def]
    return _map_page(request, _layers_for(user), public=False)


@router.get("/public/map")
def public_map(request: Request) -> Response:
    return _map_page(request, PUBLIC_LAYERS, public=True)


@router.get("/public/air/stations/{code}")
def station_page(request: Request, code: str, db: DbDep) -> Response:
    station = db.scalars(select(Station).where(Station.code == code)).first()
    if station is None:
        raise NotFoundError(f"没有空气质量监测站 {code}", f"No air station {code}")
    ctx = ctx_of(request)
    assert ctx.workspace is not None
    hours = views.lake_cached(ctx, ("station-hours", code),
                              lambda ws: station_recent_hours(ws, code))
    return render.page(request, "station.html", station=station, hours=hours)
