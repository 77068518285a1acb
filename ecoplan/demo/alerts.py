"""Demo step: the map's sites and the alerts of the demo data, delivered to a group-robot
receiver on loopback.

A small HTTP server on a free 127.0.0.1 port stands in for a WeCom group robot (it answers
like one: ``{"errcode": 0}``) and writes what it received to the reports folder; the default
rules are run once with that robot added to every rule's first recipients (the demo only: the
workspace's own rules and settings are not changed). The alerts are in the notification centre
(/alerts) and the sites on the map (/map, /public/map).
"""

from __future__ import annotations

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import yaml

from ecoplan.demo.result import DemoResult, Reporter
from ecoplan.settings import load_settings
from ecoplan.store.workspace import Workspace
from ecoplan.supervision import alerts as al
from ecoplan.web.map_data import LAYERS, map_sites


class _Robot(BaseHTTPRequestHandler):
    received: list[dict[str, Any]]

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.received.append(json.loads(body.decode("utf-8") or "{}"))
        data = b'{"errcode": 0, "errmsg": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def run_alerts_demo(ws: Workspace, say: Reporter, result: DemoResult) -> dict[str, Any]:
    sites = map_sites(ws, tuple(LAYERS))
    placed = sum(1 for s in sites if s.lon is not None)
    say(f"地图：{len(sites)} 个点位（{placed} 个有坐标），见 /map（内部）和 /public/map（公开）",
        f"Map: {len(sites)} sites ({placed} with coordinates) at /map (internal) and /public/map "
        "(public)")
    received: list[dict[str, Any]] = []
    handler = type("DemoRobot", (_Robot,), {"received": received})
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    port = srv.server_address[1]
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    try:
        rules = yaml.safe_load(al.RULES_FILE.read_text(encoding="utf-8"))
        for rule in rules["rules"]:
            rule["recipients"][0]["channels"].append("webhook:demo-robot")
        path = ws.settings.reports_dir / "demo_alert_rules.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(rules, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
        key = secrets.token_hex(8)
        settings = load_settings(home=ws.settings.home, alert_rules_file=path, alert_webhooks={
            "demo-robot": {"kind": "wecom",
                           "url": f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key={key}"}})
        out = al.run(Workspace(settings, engine=ws.engine), actor="demo")
    finally:
        srv.shutdown()
        th.join(timeout=5)
        srv.server_close()
    log = ws.settings.reports_dir / "demo_alert_robot_received.json"
    log.write_text(json.dumps(received, ensure_ascii=False, indent=1), encoding="utf-8")
    say(f"告警：新告警 {len(out.opened)} 条（通知中心 /alerts），{out.delivered} 条消息送达本机模拟的"
        f"企业微信机器人 127.0.0.1:{port}（内容见 {log}）",
        f"Alerts: {len(out.opened)} opened (notification centre /alerts), {out.delivered} "
        f"messages delivered to a loopback WeCom-style robot at 127.0.0.1:{port} ({log})")
    return {"opened": len(out.opened), "delivered": out.delivered, "failed": out.failed,
            "map_sites": len(sites), "map_placed": placed, "robot_log": str(log)}
