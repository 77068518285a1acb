"""Map commands: ``map sites`` (what the map shows) and ``map locate`` (docs/map.md)."""

from __future__ import annotations

# Deliberately deferred: the working modules (and pandas, SQLAlchemy, Ibis …) are imported
# inside the commands, because `ecoplan --help` loads every command module and must stay
# fast (see ecoplan/commands/__init__.py).
from typing import Annotated

import typer

from ecoplan.console import emit_json, ok, print_table
from ecoplan.i18n import get_lang, tr

app = typer.Typer(help="地图：点位与状态、登记坐标 / map: sites and states, record coordinates",
                  no_args_is_help=True)


@app.command("sites")
def sites_cmd(
    layer: Annotated[list[str] | None, typer.Option(
        "--layer", help="air | water | drinking | enterprises | devices | dust（可重复）")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")] = False,
) -> None:
    """地图上的点位、状态与坐标 / the map's sites with their state and coordinates."""
    from ecoplan.store.workspace import Workspace
    from ecoplan.web.map_data import LAYERS, map_sites

    layers = tuple(layer or LAYERS)
    sites = map_sites(Workspace(), layers)
    lang = get_lang()
    if as_json:
        emit_json([s.as_dict(lang) for s in sites])
        return
    print_table(tr("地图点位", "Map sites"),
                [tr("图层", "layer"), tr("编码", "code"), tr("名称", "name"), tr("状态", "state"),
                 tr("经度", "lon"), tr("纬度", "lat")],
                [[s.layer, s.code, s.name, s.state_zh if lang == "zh" else s.state_en,
                  "—" if s.lon is None else f"{s.lon:.5f}",
                  "—" if s.lat is None else f"{s.lat:.5f}"] for s in sites])


@app.command("locate")
def locate_cmd(
    kind: Annotated[str, typer.Argument(help="企业 enterprise、饮用水水源地 drinking-source、扬尘点 "
                                        "dust-site、设备 device / what kind of site")],
    code: Annotated[str, typer.Argument(help="编码（企业为统一社会信用代码，设备为 MN）/ code")],
    lon: Annotated[float, typer.Argument(help="经度 WGS84/CGCS2000 / longitude")],
    lat: Annotated[float, typer.Argument(help="纬度 WGS84/CGCS2000 / latitude")],
    source: Annotated[str | None, typer.Option("--source", help="坐标来源 / where it came from")] = None,
) -> None:
    """登记没有坐标字段的点位的位置 / record where a site without registry coordinates lies."""
    from ecoplan.store.workspace import Workspace
    from ecoplan.web.map_data import locate

    out = locate(Workspace(), kind.replace("-", "_"), code, lon, lat, source)
    ok(f"已登记 {kind} {code}：{out['longitude']}, {out['latitude']}",
       f"Located {kind} {code}: {out['longitude']}, {out['latitude']}")
