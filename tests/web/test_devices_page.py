"""The devices & live data page (/devices), the device page, approving a held device (which
releases its held packets into the lake), role rules, CSRF, and the read-only API — on a real
workspace whose registry, events, held packets and live snapshot come from real
``Gateway.handle`` calls."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ecoplan.devices.encode import frame
from tests.web.test_browser import browser, server  # noqa: F401 - fixtures of the browser test

AIR_MN = "JC-AIR-0001"         # registered, approved air station logger
HELD_MN = "5A00000000HELD0001"  # unknown logger: its hour is held until approved
DUST_MN = "JC-DUST-ZJJ-01"     # a construction-site dust monitor of 县住建局
WRONG_PW_MN = "JC-AIR-0002"    # registered, but sends another password
STATION = "2183A"


def _hour(mn: str, qn: str, body: str, pw: str = "123456", st: str = "22",
          when: str = "20190301000000") -> bytes:
    return frame(f"QN={qn};ST={st};CN=2061;PW={pw};MN={mn};Flag=5;CP=&&DataTime={when};{body}&&")


def feed_gateway(ws: Any, hours: int = 0) -> dict[str, Any]:
    """Registry + packets through a real gateway wired to the workspace; writes its snapshot.
    ``hours`` more hourly uploads of the air logger (real-looking series for the chart)."""
    from ecoplan.devices.device_registry import add_device
    from ecoplan.devices.gateway import GatewayConfig
    from ecoplan.devices.runtime import open_gateway
    from ecoplan.ingest.registry import import_bundled

    import_bundled(ws.engine, ("shanxi",))
    add_device(ws.engine, AIR_MN, device_type="air", station_code=STATION, name="交城县监测站")
    add_device(ws.engine, WRONG_PW_MN, device_type="air", password="654321")
    add_device(ws.engine, DUST_MN, device_type="dust", enterprise="县住建局", name="工地扬尘 1")
    good = _hour(AIR_MN, "20190301030000004", "a34004-Avg=1", when="20190301020000")
    bad_crc = good[:-6] + (b"0000" if good[-6:-2] != b"0000" else b"1111") + b"\r\n"
    rt = open_gateway(ws, GatewayConfig(host="127.0.0.1", port=0))
    gw = rt.gateway
    try:
        replies = [
            gw.handle(_hour(AIR_MN, "20190301010000001",
                            "a34004-Avg=33,a34004-Flag=D;a34002-Avg=50,a34002-Flag=N;"
                            "a21005-Avg=0.8,a21005-Flag=N")),
            gw.handle(_hour(HELD_MN, "20190301020000002", "a34004-Avg=41,a34004-Flag=N;"
                            "a34002-Avg=77,a34002-Flag=N", pw="887766", when="20190301010000")),
            gw.handle(_hour(WRONG_PW_MN, "20190301010000003", "a34004-Avg=12", pw="123456")),
            gw.handle(b"##0020QN=1;ST=22;CN=2061\r\n"),  # broken frame: rejected with a reason
            gw.handle(bad_crc),
        ]
        for h in range(hours):  # 2019-03-02 onwards, after the hours above
            t = datetime(2019, 3, 2) + timedelta(hours=h)
            pm = 30 + 25 * ((h % 24) / 23) + (h // 24) * 4
            replies.append(gw.handle(_hour(
                AIR_MN, t.strftime("%Y%m%d%H%M%S") + "500", when=t.strftime("%Y%m%d%H%M%S"),
                body=f"a34004-Avg={pm:.0f},a34004-Flag=N;a34002-Avg={pm * 1.6:.0f},"
                     f"a34002-Flag=N;a21004-Avg={20 + h % 7},a21004-Flag=N;"
                     f"a21005-Avg={0.6 + (h % 5) / 10:.1f},a21005-Flag=N")))
        gw.live.write_snapshot(ws.settings.home, gw.stats.as_dict())
    finally:
        rt.close()
    return {"replies": replies, "stats": gw.stats.as_dict()}


@pytest.fixture
def fed(web_ws):  # type: ignore[no-untyped-def]
    out = feed_gateway(web_ws)
    return web_ws, out


@pytest.fixture
def clients(fed, client_for) -> Callable[[str | None], TestClient]:  # type: ignore[no-untyped-def]
    return client_for  # type: ignore[no-any-return]


def test_gateway_fixture_is_real(fed) -> None:  # type: ignore[no-untyped-def]
    from ecoplan.devices.device_registry import held_counts

    ws, out = fed
    ok, held, refused, broken, bad_crc = out["replies"]
    assert b"CN=9014" in ok and b"CN=9014" in held  # answered per the protocol, even if held
    assert refused is None and broken is None and bad_crc is None
    assert held_counts(ws.engine) == {HELD_MN: 1}
    assert out["stats"]["refused_password"] == 1 and sum(out["stats"]["rejected"].values()) == 2


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_device_list_renders(clients, lang: str) -> None:  # type: ignore[no-untyped-def]
    c = clients("analyst")
    r = c.get(f"/devices?lang={lang}")
    assert r.status_code == 200, r.text[-500:]
    html = r.text
    for mn in (AIR_MN, HELD_MN, DUST_MN, WRONG_PW_MN):
        assert mn in html
    if lang == "zh":
        assert "设备与实时数据" in html and "环境空气质量自动监测站" in html
        assert "网关运行中" in html and "未登记" in html and "待批准设备" in html
        assert "2061 小时数据" in html
    else:
        assert "Devices &amp; live data" in html and "ambient air-quality station" in html
        assert "Gateway running" in html and "Devices awaiting approval" in html
    assert 'href="/devices"' in html  # in the navigation
    assert "批准并释放暂存数据" not in html and "Approve and release" not in html  # analyst


def test_filters_by_type_and_state(clients) -> None:  # type: ignore[no-untyped-def]
    c = clients("admin")
    html = c.get("/devices?type=dust").text
    table = html.split('id="device-table"')[1]
    assert DUST_MN in table and AIR_MN not in table
    table = c.get("/devices?state=unknown").text.split('id="device-table"')[1]
    assert HELD_MN in table and AIR_MN not in table
    rows = c.get("/api/v1/devices?state=approved").json()
    assert {r["mn"] for r in rows} == {AIR_MN, WRONG_PW_MN, DUST_MN}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_device_page_values_flags_units_events(clients, lang: str) -> None:  # type: ignore[no-untyped-def]
    c = clients("leader")
    r = c.get(f"/devices/{AIR_MN}?lang={lang}")
    assert r.status_code == 200, r.text[-500:]
    values = r.text.split('id="values-table"')[1].split("</table>")[0]
    assert ">33<" in values and ">0.8<" in values and "μg/m³" in values and "mg/m³" in values  # CO in mg/m³
    if lang == "zh":
        assert "细颗粒物 PM2.5" in values and "D 仪器故障" in values and "N 正常" in values
        assert "平均值" in values
    else:
        assert "PM2.5" in values and "D instrument fault" in values and "N normal" in values
    r = c.get(f"/devices/{WRONG_PW_MN}?lang={lang}")
    assert ("密码错误被拒" if lang == "zh" else "refused: wrong password") in r.text
    r = c.get(f"/devices/{AIR_MN}?lang={lang}")
    events = r.text.split('id="events-table"')[1].split("</table>")[0]
    assert ("拒收报文" if lang == "zh" else "packet rejected") in events
    assert "CRC" in events  # the reason, in words


def test_device_page_unknown_mn_is_404(clients) -> None:  # type: ignore[no-untyped-def]
    c = clients("admin")
    r = c.get("/devices/NOPE-0000")
    assert r.status_code == 404 and "NOPE-0000" in r.text
    r = c.get("/api/v1/devices/NOPE-0000/live")
    assert r.status_code == 404 and r.json()["detail_en"].startswith("Device NOPE-0000")


def test_stale_snapshot_is_said_in_words(fed, client_for) -> None:  # type: ignore[no-untyped-def]
    ws, _ = fed
    path = Path(ws.settings.home) / "hj212_live.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["written_at"] = (datetime.now() - timedelta(minutes=10)).isoformat()
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    c = client_for("admin")
    html = c.get("/devices").text
    assert 'id="live-stale"' in html and "实时数据已过期" in html and "网关可能未在运行" in html
    assert "连接状态未知" in html
    live = c.get(f"/api/v1/devices/{AIR_MN}/live").json()
    assert live["stale"] is True and live["connected"] is None and live["values"]
    os.remove(path)
    html = c.get("/devices?lang=en").text
    assert "the HJ 212 gateway service has never run" in html


def test_department_sees_only_its_own_devices(clients) -> None:  # type: ignore[no-untyped-def]
    own = clients("zjj")  # 县住建局
    rows = own.get("/api/v1/devices").json()
    assert [r["mn"] for r in rows] == [DUST_MN]
    assert own.get(f"/devices/{DUST_MN}").status_code == 200
    assert own.get(f"/devices/{AIR_MN}").status_code == 403
    assert own.get(f"/api/v1/devices/{HELD_MN}/live").status_code == 403
    html = own.get("/devices").text
    assert DUST_MN in html and HELD_MN not in html and AIR_MN not in html
    other = clients("slj")  # 县水利局 operates none of them
    assert other.get("/api/v1/devices").json() == []
    assert other.get(f"/api/v1/devices/{DUST_MN}").status_code == 403


def test_anonymous_is_sent_to_sign_in(clients) -> None:  # type: ignore[no-untyped-def]
    c = clients(None)
    r = c.get("/devices", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert c.get("/api/v1/devices").status_code == 401


def test_live_api(clients) -> None:  # type: ignore[no-untyped-def]
    c = clients("analyst")
    live = c.get(f"/api/v1/devices/{AIR_MN}/live?lang=en").json()
    assert live["live"] is True and live["stale"] is False and live["connected"] is True
    by_code = {v["code"]: v for v in live["values"]}
    assert by_code["a34004"]["value"] == 33.0 and by_code["a34004"]["unit"] == "μg/m³"
    assert by_code["a34004"]["flag"] == "D" and by_code["a34004"]["pollutant"] == "pm25"
    assert by_code["a21005"]["unit"] == "mg/m³"
    held = c.get(f"/api/v1/devices/{HELD_MN}").json()
    assert held["state"] == "unknown" and held["held"] == 1 and held["held_first"]
    spec = c.get("/api/v1/openapi.json").json()
    assert {"/api/v1/devices", "/api/v1/devices/{mn}", "/api/v1/devices/{mn}/live"} <= set(
        spec["paths"])
    assert "/devices" not in spec["paths"]  # the HTML pages are not API


def test_admin_approves_held_device_and_its_data_reaches_the_lake(fed, clients) -> None:  # type: ignore[no-untyped-def]
    from ecoplan.devices.device_registry import held_counts, load_devices
    from ecoplan.store.models import AuditEntry

    ws, _ = fed
    c = clients("admin")
    page = c.get(f"/devices/{HELD_MN}").text
    assert 'value="887766"' in page  # the password the device sends, offered for registration
    assert '<option value="air" selected>' in page  # ST=22 suggests an air station
    r = c.post(f"/devices/{HELD_MN}/approve",
               data={"device_type": "air", "station_code": STATION, "enterprise": "",
                     "name": "新站", "csrf_token": c.cookies.get("ecoplan_csrf")},
               follow_redirects=False)
    assert r.status_code == 303, r.text[-500:]
    page = c.get(r.headers["location"]).text
    assert "已批准设备" in page and "释放暂存报文 1 包" in page
    dev = load_devices(ws.engine)[HELD_MN]
    assert dev.approved and dev.station_code == STATION and dev.password == "887766"
    assert held_counts(ws.engine) == {}
    lake = ws.lake.read_arrow("air_hourly").to_pandas()
    mine = lake[lake["station_code"] == STATION]
    assert sorted(mine["pm25"].dropna().tolist()) == [33.0, 41.0]
    assert mine[mine["pm25"] == 41.0]["pm10"].tolist() == [77.0]
    with ws.session() as s:
        entry = s.query(AuditEntry).filter_by(entity="hj212_device", entity_id=HELD_MN).one()
        assert entry.actor == "admin" and entry.action == "approve"
        assert entry.after["released"] == 1 and entry.after["approved"] is True
    admin_page = c.get("/admin").text
    assert "HJ 212 设备" in admin_page  # the audit entity in words


@pytest.mark.parametrize("role", ["analyst", "leader", "zjj", None])
def test_only_admin_may_approve(clients, role: str | None) -> None:  # type: ignore[no-untyped-def]
    c = clients(role)
    r = c.post(f"/devices/{HELD_MN}/approve", data={"device_type": "air"},
               follow_redirects=False)
    assert r.status_code in (401, 403) or r.headers.get("location", "").startswith("/login")
    assert "批准并释放暂存数据" not in (c.get(f"/devices/{HELD_MN}").text if role else "")


def test_approve_needs_the_csrf_token(fed, clients) -> None:  # type: ignore[no-untyped-def]
    from ecoplan.devices.device_registry import held_counts

    ws, _ = fed
    c = clients("admin")
    del c.headers["X-CSRF-Token"]
    r = c.post(f"/devices/{HELD_MN}/approve", data={"device_type": "air"}, follow_redirects=False)
    assert r.status_code == 403 and "CSRF" in r.text
    r = c.post(f"/devices/{HELD_MN}/approve", data={"device_type": "air", "csrf_token": "x.y"},
               follow_redirects=False)
    assert r.status_code == 403
    assert held_counts(ws.engine) == {HELD_MN: 1}


def test_bad_device_type_is_refused_in_both_languages(clients) -> None:  # type: ignore[no-untyped-def]
    c = clients("admin")
    r = c.post(f"/devices/{HELD_MN}/approve?lang=en", data={"device_type": "toaster"},
               follow_redirects=False)
    assert r.status_code == 400 and "invalid device type toaster" in r.text
    r = c.post(f"/devices/{HELD_MN}/approve?lang=zh", data={"device_type": "toaster"},
               follow_redirects=False)
    assert r.status_code == 400 and "设备类型无效" in r.text


def test_approve_and_command_on_sqlite_and_postgresql(db_url, workspace_home) -> None:  # type: ignore[no-untyped-def]
    """The write paths of the page on both databases: approval releases into the lake, a
    command is queued, both in the audit log."""
    from ecoplan.devices.command_queue import list_commands
    from ecoplan.devices.device_registry import held_counts
    from ecoplan.store.models import AuditEntry
    from ecoplan.web.app import create_app
    from tests.web.conftest import login, make_workspace

    ws = make_workspace(workspace_home, db_url)
    feed_gateway(ws)
    with TestClient(create_app(ws.settings)) as c:
        login(c, "admin")
        r = c.post(f"/devices/{HELD_MN}/approve",
                   data={"device_type": "air", "station_code": STATION}, follow_redirects=False)
        assert r.status_code == 303, r.text[-400:]
        r = c.post(f"/devices/{HELD_MN}/commands", data={"cn": "1064", "MinInterval": "5"},
                   follow_redirects=False)
        assert r.status_code == 303, r.text[-400:]
        assert c.get("/api/v1/devices?state=held").json() == []
    assert held_counts(ws.engine) == {}
    assert [x.params for x in list_commands(ws.engine, mn=HELD_MN)] == [{"MinInterval": "5"}]
    with ws.session() as s:
        assert sorted(e.action for e in s.query(AuditEntry).filter_by(
            entity="hj212_device", entity_id=HELD_MN)) == ["approve", "command"]
    ws.engine.dispose()


# ---------------------------------------------------------------- reverse commands
def test_admin_queues_commands_and_sees_their_status(fed, clients) -> None:  # type: ignore[no-untyped-def]
    from ecoplan.devices.command_queue import list_commands
    from ecoplan.store.models import AuditEntry

    ws, _ = fed
    c = clients("admin")
    page = c.get(f"/devices/{AIR_MN}").text
    for cn in ("1012", "1062", "1064", "2061", "2031"):
        assert f'id="cmd-{cn}"' in page
    for data in ({"cn": "1012"}, {"cn": "1062", "RtdInterval": "60"},
                 {"cn": "1064", "MinInterval": "5"},
                 {"cn": "2061", "BeginTime": "2026-11-28T08:00", "EndTime": "2026-11-28T10:00"}):
        r = c.post(f"/devices/{AIR_MN}/commands", data=data, follow_redirects=False)
        assert r.status_code == 303, r.text[-400:]
    cmds = {x.cn: x for x in list_commands(ws.engine, mn=AIR_MN)}
    assert set(cmds) == {"1012", "1062", "1064", "2061"}
    assert cmds["2061"].params == {"BeginTime": "20261128080000", "EndTime": "20261128100000"}
    assert cmds["1062"].params == {"RtdInterval": "60"} and cmds["1064"].status == "queued"
    frag = c.get(f"/devices/{AIR_MN}/commands?lang=en").text
    assert "queued, waiting for the gateway" in frag and "BeginTime=20261128080000" in frag
    assert "<html" not in frag  # a fragment for the htmx refresh
    assert 'hx-get="/devices/' in c.get(f"/devices/{AIR_MN}").text
    r = c.post(f"/devices/{AIR_MN}/commands/{cmds['1012'].id}/cancel", follow_redirects=False)
    assert r.status_code == 303
    assert "已取消" in c.get(f"/devices/{AIR_MN}/commands?lang=zh").text
    listed = c.get(f"/api/v1/devices/{AIR_MN}/commands").json()
    assert [x["cn"] for x in listed] == ["2061", "1064", "1062", "1012"]
    assert listed[-1]["status"] == "cancelled"
    with ws.session() as s:
        actions = [e.action for e in s.query(AuditEntry).filter(
            AuditEntry.entity.in_(("hj212_device", "hj212_command"))).all()]
    assert actions.count("command") == 4 and actions.count("cancel") == 1


def test_bad_command_parameters_are_refused_in_words(clients) -> None:  # type: ignore[no-untyped-def]
    c = clients("admin")
    r = c.post(f"/devices/{AIR_MN}/commands?lang=en", data={"cn": "1062", "RtdInterval": "5"},
               follow_redirects=False)
    assert r.status_code == 400 and "RtdInterval" in r.text and "30–3600" in r.text
    r = c.post(f"/devices/{AIR_MN}/commands?lang=zh",
               data={"cn": "2061", "BeginTime": "2026-11-28T10:00", "EndTime": "2026-11-28T08:00"},
               follow_redirects=False)
    assert r.status_code == 400 and "晚于结束时间" in r.text
    r = c.post(f"/devices/{HELD_MN}/commands?lang=en", data={"cn": "1012"},
               follow_redirects=False)
    assert r.status_code == 400 and "not registered" in r.text


@pytest.mark.parametrize("role", ["analyst", "leader", "zjj"])
def test_only_admin_sends_commands(fed, clients, role: str) -> None:  # type: ignore[no-untyped-def]
    from ecoplan.devices.command_queue import list_commands

    ws, _ = fed
    c = clients(role)
    mn = DUST_MN if role == "zjj" else AIR_MN
    r = c.post(f"/devices/{mn}/commands", data={"cn": "1012"}, follow_redirects=False)
    assert r.status_code == 403
    assert list_commands(ws.engine, mn=mn) == []
    page = c.get(f"/devices/{mn}").text
    assert 'id="commands-card"' in page and 'id="cmd-1012"' not in page  # list only


# ---------------------------------------------------------------- in Chromium
@pytest.mark.browser
def test_devices_pages_in_chromium(web_ws, server, browser, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """The list, the held device and the device page with its chart, as a person sees them."""
    from tests.web.test_browser import sign_in

    feed_gateway(web_ws, hours=36)
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, server, "admin")
    page.click("header nav summary >> text=环境质量")  # the menu holding 设备
    page.click("header nav >> text=设备")
    page.wait_for_selector("#device-table")
    assert page.locator("#live-ok").is_visible()
    assert page.locator("#held-table >> text=" + HELD_MN).is_visible()
    page.screenshot(path=str(artifacts_dir / "devices-zh.png"), full_page=True)
    page.click(f"#device-table >> text={AIR_MN}")
    page.wait_for_selector("#chart-device-recent canvas")
    assert page.locator("#values-table >> text=D 仪器故障").count() == 0  # later hours are N
    assert page.locator("#values-table >> text=细颗粒物 PM2.5").is_visible()
    page.fill("#cmd-1062 input[name=RtdInterval]", "60")
    page.click("#cmd-1062 button")
    page.wait_for_selector("#commands-table >> text=排队中，等待网关")
    page.screenshot(path=str(artifacts_dir / "device-detail-zh.png"), full_page=True)
    # the list refreshes itself (htmx every 5 s): a change made elsewhere appears without reload
    from ecoplan.devices.command_queue import cancel, list_commands

    cancel(web_ws.engine, list_commands(web_ws.engine, mn=AIR_MN)[0].id, by="elsewhere")
    page.wait_for_selector("#commands-table >> text=已取消", timeout=20_000)
    page.goto(f"{server}/devices/{HELD_MN}?lang=en")
    page.fill("#approve-card input[name=station_code]", STATION)
    page.click("#approve-card button")
    page.wait_for_selector("#message >> text=released 1 held packets")
    page.screenshot(path=str(artifacts_dir / "device-approved-en.png"), full_page=True)
    snap = Path(web_ws.settings.home) / "hj212_live.json"  # the gateway stops updating it
    data = json.loads(snap.read_text(encoding="utf-8"))
    data["written_at"] = (datetime.now() - timedelta(minutes=7)).isoformat()
    snap.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    page.goto(f"{server}/devices?lang=en")
    assert page.locator("#live-stale").is_visible()
    assert "may not be running" in page.locator("#live-stale").inner_text()
    page.screenshot(path=str(artifacts_dir / "devices-stale-en.png"), full_page=True)
    assert not errors, errors


def test_live_state_across_gateway_workers(tmp_path: Path) -> None:
    """Two worker snapshots: a device that moved to another worker is shown as last seen there;
    the age decides stale or not."""
    from ecoplan.web.routes.devices import live_state

    now = datetime(2026, 11, 28, 12, 0, 0)

    def write(name: str, written: datetime, devices: list[dict[str, Any]]) -> None:
        (tmp_path / name).write_text(json.dumps({
            "devices": devices, "values": {}, "recent": [], "stats": {"packets": len(devices)},
            "written_at": written.isoformat()}), encoding="utf-8")

    write("hj212_live.json", now - timedelta(seconds=3), [
        {"mn": "A", "connected": False, "last_seen": "2026-11-28T11:50:00", "packets": 5}])
    write("hj212_live.1.json", now - timedelta(seconds=40), [
        {"mn": "A", "connected": True, "last_seen": "2026-11-28T11:59:50", "packets": 2}])
    live = live_state(tmp_path, now)
    assert live.devices["A"]["connected"] is True and live.devices["A"]["packets"] == 2
    assert live.stale is False and live.snapshot["stats"]["packets"] == 2
    assert live_state(tmp_path, now + timedelta(seconds=31)).stale is True
    assert live_state(tmp_path / "none", now).snapshot is None


def test_water_device_page_charts_its_lake_values(web_ws, client_for) -> None:  # type: ignore[no-untyped-def]
    """A surface-water station logger: its hourly uploads go through the gateway into
    water_samples; its page lists the values in mg/L and draws them from the lake."""
    from ecoplan.devices.device_registry import add_device
    from ecoplan.devices.gateway import GatewayConfig
    from ecoplan.devices.runtime import open_gateway
    from ecoplan.ingest.registry import import_bundled

    ws = web_ws
    import_bundled(ws.engine, ("jiaocheng",))
    mn = "JC-WATER-0001"
    add_device(ws.engine, mn, device_type="water", station_code="JC-WYH-BYK", name="文峪河水质站")
    rt = open_gateway(ws, GatewayConfig(host="127.0.0.1", port=0))
    try:
        for h in range(4):
            t = datetime(2026, 11, 27, 8) + timedelta(hours=h)
            stamp = t.strftime("%Y%m%d%H%M%S")
            assert rt.gateway.handle(frame(
                f"QN={stamp}123;ST=21;CN=2061;PW=123456;MN={mn};Flag=5;CP=&&DataTime={stamp};"
                f"w01018-Avg={15 + h},w01018-Flag=N;w21003-Avg=0.{4 + h},w21003-Flag=N&&"))
        rt.gateway.live.write_snapshot(ws.settings.home, rt.gateway.stats.as_dict())
    finally:
        rt.close()
    c = client_for("analyst")
    html = c.get(f"/devices/{mn}").text
    values = html.split('id="values-table"')[1].split("</table>")[0]
    assert "化学需氧量" in values and "mg/L" in values and ">18<" in values
    assert 'id="chart-device-recent"' in html and "water_samples" in html
    option = json.loads(html.split('id="opt-device-recent">')[1].split("</script>")[0])
    by_name = {s["name"]: s["data"] for s in option["series"]}
    assert by_name["化学需氧量 (mg/L)"] == [15.0, 16.0, 17.0, 18.0]
    assert by_name["氨氮 (mg/L)"] == [0.4, 0.5, 0.6, 0.7]
