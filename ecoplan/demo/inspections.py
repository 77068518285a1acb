"""Demo step: an example inspector pool (示例数据: invented names and certificate numbers) and one
双随机 draw over the example pollution-source registry for the current period, written as the
published JSON and verified from its seed — the same calls as ``ecoplan inspect``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from ecoplan.demo.result import Reporter
from ecoplan.store.workspace import Workspace
from ecoplan.supervision import inspection_draw as D

#: code, name, unit — example data, not real officers
EXAMPLE_INSPECTORS = (
    ("示例-执法-001", "示例执法员甲", "县生态环境保护综合行政执法队一中队"),
    ("示例-执法-002", "示例执法员乙", "县生态环境保护综合行政执法队一中队"),
    ("示例-执法-003", "示例执法员丙", "县生态环境保护综合行政执法队二中队"),
    ("示例-执法-004", "示例执法员丁", "县生态环境保护综合行政执法队二中队"),
    ("示例-执法-005", "示例执法员戊", "吕梁市生态环境局交城分局"),
)


def run_inspection_demo(ws: Workspace, say: Reporter) -> dict[str, Any]:
    """Register the example inspectors (once), draw the current period (once) and verify it."""
    cfg = D.load_config(None, ws.settings.home)
    period = D.period_of(date.today(), cfg["period"])
    with ws.session() as s:
        known = {i.code for i in D.list_inspectors(s)}
        for code, name, unit in EXAMPLE_INSPECTORS:
            if code not in known:
                D.add_inspector(s, code, name, unit, certificate_no=code.replace("示例-", "EX-"),
                                certificate_expires=date(date.today().year + 2, 12, 31),
                                actor="demo")
        existing = D.list_draws(s, period)
        row = existing[-1] if existing else D.run_draw(s, period, actor="demo", config=cfg)
        doc = D.draw_document(row)
    path = Path(ws.settings.home) / "examples" / f"双随机抽查-{doc['draw_id']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    with ws.session() as s:
        identical = D.verify_draw(s, doc["draw_id"]).identical
    say(f"双随机抽查（示例执法人员）：{period} 抽中 {len(doc['result'])} 家，种子 {doc['seed'][:16]}…，"
        f"复核{'一致' if identical else '不一致'}；{path}",
        f"Random inspection draw (example inspectors): {period}, {len(doc['result'])} objects, "
        f"seed {doc['seed'][:16]}…, verification {'identical' if identical else 'DIFFERS'}; "
        f"{path}")
    return {"draw_id": doc["draw_id"], "period": period, "objects": len(doc["result"]),
            "identical": identical, "file": str(path)}
