"""Demo step: a clearly labelled example registry (示例数据).

The enterprise names are the ones the Jiaocheng plan names (提标改造 and 环境风险 paragraphs, key
projects); their credit codes are invented placeholders spelled ``…EXAMPL…`` (valid check
character, no real enterprise), and nothing else is filled in: no permit, grade or limit is
invented for a real enterprise. The example enterprise of the bundled public HJ 212 packets
(``DEMO_ENTERPRISE``) gets its two real CEMS loggers as outlets and an example permit without
limits (its loggers report vendor factor codes whose meaning is unknown, so no limit could be
stated). The workbook is written to the workspace and imported like any user file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ecoplan.demo.devices import DEMO_ENTERPRISE, DEMO_OUTLET_DEVICES
from ecoplan.store.workspace import Workspace
from ecoplan.supervision.sources import credit_code_check_character
from ecoplan.supervision.sources_excel import import_workbook, write_template

EXAMPLE_NOTE = ("示例数据：企业名称取自《交城县“十四五”生态环境保护规划》，统一社会信用代码为虚构占位"
                "（含 EXAMPL 字样），未填写任何许可证、限值或绩效分级；“示例企业（公开 HJ 212 报文）”"
                "对应演示用公开 HJ 212 报文的数采仪。")
PLAN_ENTERPRISES = (  # name, industry as the name states it
    ("交城俊安有色焦化有限公司", "炼焦"),
    ("金桃园煤焦化集团有限公司", "炼焦"),
    ("山西金虎水泥有限责任公司", "水泥"),
    ("山西华鑫肥业股份有限公司", "化肥"),
)


def _code(n: int) -> str:
    body = f"91141122EXAMPL{n:03d}"
    return body + credit_code_check_character(body)


def example_rows() -> dict[str, list[dict[str, Any]]]:
    """The example workbook's rows (see the module docstring)."""
    ents = [{"credit_code": _code(i + 1), "name": name, "industry": industry,
             "key_enterprise": "是", "note": "示例数据（名称取自规划，信用代码为虚构占位）"}
            for i, (name, industry) in enumerate(PLAN_ENTERPRISES)]
    demo = _code(99)
    ents.append({"credit_code": demo, "name": DEMO_ENTERPRISE, "key_enterprise": "否",
                 "note": "示例数据（演示用公开 HJ 212 报文的数采仪）"})
    outlets = [{"code": outlet, "enterprise": demo, "kind": "废气", "name": f"示例 {outlet}",
                "mns": [mn]} for mn, outlet, _crc in DEMO_OUTLET_DEVICES]
    permits = [{"number": "示例-许可证-0001", "enterprise": demo, "issued": "2023-01-01",
                "valid_until": "2027-12-31", "management_class": "重点",
                "note": "示例数据，非真实许可证；未录入限值"}]
    return {"enterprises": ents, "outlets": outlets, "permits": permits, "limits": [],
            "grades": []}


def load_example(workspace: Workspace, say: Callable[[str, str], Any] | None = None
                 ) -> dict[str, Any]:
    """Write the example workbook into the workspace and import it (idempotent)."""
    path = Path(workspace.settings.home) / "examples" / "污染源登记-示例数据.xlsx"
    write_template(path, example_rows=example_rows(), title_note=EXAMPLE_NOTE)
    with workspace.session() as s:
        rep = import_workbook(s, path, actor="demo")
    if say is not None:
        say(f"污染源监管：导入示例登记（{sum(rep.added.values())} 条新增，示例数据）{path}",
            f"Pollution sources: example registry imported ({sum(rep.added.values())} added, "
            f"example data) {path}")
    return rep.as_dict() | {"workbook": str(path)}
