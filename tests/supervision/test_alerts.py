"""Alerts end to end on real receivers on loopback: an exceedance of the sources' test data
opens an alert, the rule's e-mail reaches a real SMTP server (aiosmtpd) and the analyst
acknowledges it in the web; robot webhooks (WeCom, DingTalk with 加签) reach a stdlib HTTP
receiver that is down first and comes up later (retries with back-off); de-duplication,
escalation, append-only log."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ecoplan.ingest.pipeline import ingest_file
from ecoplan.settings import load_settings
from ecoplan.store.alert_models import Alert, AlertDelivery, AlertLogIsAppendOnly
from ecoplan.store.models import AuditEntry
from ecoplan.store.workspace import Workspace, init_workspace
from ecoplan.supervision import alerts as al
from tests.supervision.test_sources_cli import ROWS, lake_file
from tests.web.conftest import login, make_workspace

# 2025-03-01 holds the exceeding hours of the sources' test data (Beijing time)
T0 = datetime(2025, 3, 2, 4, 0, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _sources_workspace(home: Path, tmp: Path, db_url: str | None = None) -> Workspace:
    from ecoplan.supervision.sources_excel import import_workbook, write_template

    ws = make_workspace(home, db_url)
    book = write_template(tmp / "book.xlsx", example_rows=ROWS)
    with ws.session() as s:
        import_workbook(s, book)
    assert ingest_file(ws, "online_monitoring", lake_file(ws, tmp)).rows_written == 12
    return ws


def _with(ws: Workspace, **settings: Any) -> Workspace:
    merged = {"home": ws.settings.home, "database_url": ws.settings.database_url, **settings}
    return Workspace(load_settings(**merged), engine=ws.engine)


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, list[Any]]]:
    from aiosmtpd.controller import Controller

    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
            received.append(envelope)
            return "250 OK"

    port = free_port()
    ctl = Controller(Handler(), hostname="127.0.0.1", port=port)
    ctl.start()
    yield port, received
    ctl.stop()


def test_exceedance_alert_emailed_and_acknowledged_in_the_web(
        workspace_home: Path, tmp_path: Path, smtp_server) -> None:  # type: ignore[no-untyped-def]
    port, received = smtp_server
    ws = _sources_workspace(workspace_home, tmp_path)
    al.set_contact(ws.engine, "analyst", email="analyst@county.example")
    ws = _with(ws, alert_smtp_host="127.0.0.1", alert_smtp_port=port,
               alert_web_url="https://ecoplan.county.example")
    out = al.run(ws, now=T0)
    assert not out.errors, out.errors
    opened = [v for v in al.list_alerts(ws.engine) if v.alert.rule_id == "permit-exceedance"]
    assert {v.alert.subject for v in opened} >= {"DA001"}
    assert out.delivered >= 1
    mails = [e for e in received if "analyst@county.example" in e.rcpt_tos]
    assert mails, received
    msg = email.message_from_bytes(mails[0].content, policy=email.policy.default)
    assert "DA001" in str(msg["Subject"])
    text = msg.get_content()
    assert "超过许可限值" in text and "ecoplan.county.example/alerts/" in text

    # the map: the enterprise with the open exceedance alert is red, at its recorded position
    from ecoplan.cli import main
    from ecoplan.web.map_data import MapError, locate, map_sites
    from tests.supervision.test_sources_cli import E1

    with pytest.raises(MapError):
        locate(ws, "river", "X", 112.0, 37.5)
    assert main(["map", "locate", "enterprise", E1, "112.18", "37.56", "--source", "测试"]) == 0
    ent = {m.code: m for m in map_sites(ws, ("enterprises",))}
    assert ent[E1].colour == "#c62828" and "DA001" in ent[E1].state_zh
    assert (ent[E1].lon, ent[E1].lat) == (112.18, 37.56)
    n_mails = len(received)
    again = al.run(ws, now=T0 + timedelta(minutes=5))  # de-duplication: nothing new, no mail
    assert again.opened == [] and len(received) == n_mails

    from ecoplan.web.app import create_app

    alert_id = next(v.alert.id for v in opened if v.alert.subject == "DA001")
    with TestClient(create_app(ws.settings, engine=ws.engine)) as c:
        login(c, "analyst")
        badge = c.get("/alerts/badge").text
        assert 'data-count="0"' not in badge
        page = c.get("/alerts")
        assert page.status_code == 200 and f'id="alert-{alert_id}"' in page.text
        r = c.post(f"/alerts/{alert_id}/ack", data={"text": "已通知企业核查"},
                   follow_redirects=True)
        assert r.status_code == 200 and 'data-state="acknowledged"' in r.text
        assert "已通知企业核查" in r.text
        c.post(f"/alerts/{alert_id}/comment", data={"text": "企业称为启炉工况"})
        one = c.get(f"/alerts/{alert_id}").text
        assert "企业称为启炉工况" in one
        assert 'id="alert-deliveries"' in one and "已送达" in one and "analyst" in one
    with TestClient(create_app(ws.settings, engine=ws.engine)) as c:  # a department sees none
        login(c, "zjj")
        assert f'id="alert-{alert_id}"' not in c.get("/alerts").text
        assert c.get(f"/alerts/{alert_id}").status_code == 400
    view = al.get_alert(ws.engine, alert_id)
    assert view.state == "acknowledged"
    # escalation stops once acknowledged: the level-1 person is not notified
    later = al.run(ws, now=T0 + timedelta(hours=3))
    assert alert_id not in later.escalated
    with ws.session() as s:
        actions = set(s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "alert")))
        assert {"alert.open", "alert.acknowledge", "alert.comment"} <= actions
    with pytest.raises(AlertLogIsAppendOnly), ws.session() as s:
        a = s.get(Alert, alert_id)
        assert a is not None
        a.severity = "info"
        s.flush()


class _Robot(BaseHTTPRequestHandler):
    got: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).got.append({"path": self.path, "body": body})
        data = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


RULES = """
rules:
  - id: permits
    type: expiring_permit
    name_zh: 许可证到期
    name_en: Permit expiring
    severity: info
    threshold: 36500
    recipients:
      - {level: 0, roles: [analyst], channels: [app, "webhook:ops"]}
      - {level: 1, after_minutes: 30, persons: [admin, nobody], channels: [app, email, "webhook:duty"]}
"""


def test_webhooks_retry_until_the_receiver_is_up_then_escalate(
        db_url: str, workspace_home: Path, tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    hooks = {"ops": {"kind": "wecom", "url": f"{base}/cgi-bin/webhook/send?key=k3y-4-test"},
             "duty": {"kind": "dingtalk", "url": f"{base}/robot/send?access_token=t0ken42",
                      "secret": "SECtest-signing-secret"}}
    ws = make_workspace(workspace_home, None if db_url.startswith("sqlite") else db_url)
    from ecoplan.supervision.sources import add_enterprise, add_permit
    from tests.supervision.test_sources_cli import E1

    with ws.session() as s:
        add_enterprise(s, E1, "测试焦化企业")
        add_permit(s, "P-1", E1, "2024-01-01", "2027-01-31", "key")
    ws = _with(ws, alert_rules_file=rules, alert_webhooks=hooks, alert_retry_base_s=60)

    first = al.run(ws, now=T0)  # the receiver is down
    assert len(first.opened) == 1 and first.delivered == 0 and first.failed == 1
    assert al.run(ws, now=T0 + timedelta(seconds=30)).failed == 0  # back-off: not yet
    _Robot.got = []
    srv = ThreadingHTTPServer(("127.0.0.1", port), _Robot)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    try:
        up = al.run(ws, now=T0 + timedelta(seconds=61))
        assert up.delivered == 1 and up.opened == []
        wecom = _Robot.got[0]
        assert wecom["path"].startswith("/cgi-bin/webhook/send?key=")
        assert wecom["body"]["msgtype"] == "text" and "P-1" in wecom["body"]["text"]["content"]
        esc = al.run(ws, now=T0 + timedelta(minutes=31))
        assert esc.escalated == first.opened
        ding = _Robot.got[-1]
        q = parse_qs(urlsplit(ding["path"]).query)
        assert q["access_token"] == ["t0ken42"] and q["sign"] and q["timestamp"]
        assert ding["body"]["at"] == {"atMobiles": [], "isAtAll": False}
    finally:
        srv.shutdown()
        th.join(timeout=5)
    with ws.session() as s:
        tries = list(s.scalars(select(AlertDelivery).order_by(AlertDelivery.id)))
    ops = [d for d in tries if d.target == "ops"]
    assert [(d.attempt, d.ok) for d in ops] == [(1, False), (2, True)]
    assert ops[0].error and "ops" in ops[0].error
    # the unknown person and the admin without an e-mail address: recorded once, not retried
    failed_for_good = [d for d in tries if not d.ok and d.next_attempt_at is None]
    assert {d.target for d in failed_for_good} >= {"nobody", "admin"}


def test_rules_file_errors_are_located(tmp_path: Path) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text("rules:\n  - {id: x, type: no_such_type, name_zh: a, name_en: b}\n",
                   encoding="utf-8")
    with pytest.raises(al.AlertError) as exc:
        al.load_rules(load_settings(home=tmp_path, alert_rules_file=bad))
    assert "no_such_type" in exc.value.message("en") and exc.value.location.row == 1
    assert len(al.load_rules(load_settings(home=tmp_path))) == 10


def test_default_webhook_key_is_refused(tmp_path: Path) -> None:
    from ecoplan.errors import InsecureSecretError

    s = load_settings(home=tmp_path, alert_webhooks={
        "ops": {"kind": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=changethis"}})
    with pytest.raises(InsecureSecretError):
        s.require_alert_secrets()


def test_deploy_runs_the_alerts_every_two_minutes(tmp_path: Path) -> None:
    import shutil
    import subprocess

    from ecoplan.ops.deploy import DeployOptions, render_units

    units = render_units(load_settings(home=tmp_path), DeployOptions())
    timer, service = units["ecoplan-alerts.timer"], units["ecoplan-alerts.service"]
    assert "OnUnitActiveSec=2min" in timer and "Unit=ecoplan-alerts.service" in timer
    assert "alerts run" in service and "Type=oneshot" in service
    if shutil.which("systemd-analyze"):
        for name in ("ecoplan-alerts.timer", "ecoplan-alerts.service"):
            (tmp_path / name).write_text(units[name], encoding="utf-8")
        check = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "ecoplan-alerts.timer"),
                                str(tmp_path / "ecoplan-alerts.service")],
                               capture_output=True, text=True)
        assert "ecoplan-alerts" not in check.stderr, check.stderr


LEVEL_RULES = """
rules:
  - {id: aqi-heavy, type: aqi_level, name_zh: 重度, name_en: heavy, threshold: 5,
     lookback_hours: 3, scope: {county_town: true}, recipients: [{roles: [analyst]}]}
  - {id: pm25-heavy, type: aqi_level, name_zh: PM2.5 重度, name_en: PM2.5 heavy, threshold: 5,
     scope: {pollutant: pm25}, recipients: [{roles: [analyst]}]}
  - {id: silent, type: data_interruption, name_zh: 中断, name_en: silent, duration_minutes: 30,
     recipients: [{roles: [analyst]}]}
"""


def test_aqi_iaqi_levels_and_silent_devices(workspace_home: Path, tmp_path: Path) -> None:
    from ecoplan.devices.device_registry import add_device
    from ecoplan.ingest.pipeline import ingest_frame
    from ecoplan.ingest.registry import import_file
    from tests.web.test_map_browser import STATIONS, _hours

    ws = make_workspace(workspace_home)
    reg = tmp_path / "stations.csv"
    reg.write_text(STATIONS, encoding="utf-8")
    import_file(ws.engine, "station", reg)
    ingest_frame(ws, "air_hourly", _hours(), source="alerts-test")
    add_device(ws.engine, "MNSILENT0001", device_type="air", station_code="MAPT1",
               name="测试设备", actor="test")  # approved: an operator added it
    (ws.settings.home / "hj212_live.json").write_text(json.dumps({"devices": [
        {"mn": "MNSILENT0001", "last_seen": "2025-12-31T02:50:00", "connected": True}]}),
        encoding="utf-8")
    rules = tmp_path / "rules.yaml"
    rules.write_text(LEVEL_RULES, encoding="utf-8")
    ws = _with(ws, alert_rules_file=rules)
    at = datetime(2025, 12, 30, 19, 30, tzinfo=UTC)  # 2025-12-31 03:30 Beijing
    out = al.run(ws, now=at)
    assert not out.errors, out.errors
    got = {(v.alert.rule_id, v.alert.subject) for v in al.list_alerts(ws.engine)}
    assert got == {("aqi-heavy", "MAPT2"), ("pm25-heavy", "MAPT2"),
                   ("silent", "MNSILENT0001")}, got
    # four hours later the hour is outside the AQI rule's look-back: resolved; the device
    # is still silent (one alert, not a second one)
    later = al.run(ws, now=at + timedelta(hours=4))
    assert len(later.resolved) == 1 and later.opened == []


def test_overdue_cases_complaints_and_expiring_registry_items(workspace_home: Path) -> None:
    """The rule types the enforcement loop and the risk registries add: a complaint not replied
    to by its due day, a case past a legal period, a radiation licence about to expire."""
    from datetime import date

    from ecoplan.demo.cases import run_cases_demo
    from ecoplan.demo.pollution_sources import load_example
    from ecoplan.supervision import alerts as A
    from ecoplan.supervision import complaints as Q
    from ecoplan.supervision import radiation as R

    init_workspace(workspace_home)
    ws = Workspace()
    load_example(ws)
    run_cases_demo(ws, lambda zh, en: None)  # decision 2026-11-18: the fine is due in 15 days
    with ws.session() as s:
        c = Q.intake(s, channel="phone", content="夜间噪声扰民", actor="t",
                     received_on=date(2026, 11, 2), category="noise")
        Q.dispatch(s, c, department="zjj", actor="t", on_date=date(2026, 11, 2))
        number = c.number
        R.add_unit(s, "91141122MA0TESTR01", "示例医院", actor="t")
        R.add_licence(s, "晋环辐证[00001]", "91141122MA0TESTR01", "使用Ⅲ类射线装置",
                      date(2021, 12, 30), date(2026, 12, 30), actor="t")
    rules = {r.type: r for r in A.load_rules(ws.settings)}
    ctx = A.EvalContext(ws, datetime(2026, 12, 20, 2, 0, tzinfo=UTC))
    late = A.EVALUATORS["overdue_complaint"](ctx, rules["overdue_complaint"])
    assert [f.subject for f in late] == [number] and "zjj" in late[0].title_zh
    cases = A.EVALUATORS["overdue_case"](ctx, rules["overdue_case"])
    assert [f.subject for f in cases] == ["2026-0001"] and "超过法定期限" in cases[0].title_zh
    expiring = A.EVALUATORS["expiring_registry"](ctx, rules["expiring_registry"])
    assert [f.subject for f in expiring] == ["rad_licence:晋环辐证[00001]"]
    assert "将于 2026-12-30 到期" in expiring[0].title_zh
    early = A.EvalContext(ws, datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
    assert A.EVALUATORS["overdue_complaint"](early, rules["overdue_complaint"]) == []
    months_before = A.EvalContext(ws, datetime(2026, 10, 20, 2, 0, tzinfo=UTC))  # 71 days > 60
    assert A.EVALUATORS["expiring_registry"](months_before, rules["expiring_registry"]) == []
