"""The HJ 212-2025 key card of the device page: key age and state for readers, rotate and revoke
for admins only (CSRF-protected, audited), never the key itself."""

from __future__ import annotations

import pytest

from ecoplan.devices.device_registry import add_device, events
from ecoplan.devices.keys import issue_key, key_report, vault_for
from tests.web.test_browser import browser, server  # noqa: F401 - fixtures of the browser test

MN = "5A0000000000000000002025"


@pytest.fixture
def keyed(web_ws):  # type: ignore[no-untyped-def]
    add_device(web_ws.engine, MN, device_type="air", dialect="2025")
    _, text = issue_key(web_ws.engine, vault_for(web_ws), MN, origin="operator", actor="test")
    return web_ws, text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_key_card_shows_age_never_the_key(keyed, client_for, lang: str) -> None:  # type: ignore[no-untyped-def]
    ws, text = keyed
    c = client_for("admin")
    page = c.get(f"/devices/{MN}?lang={lang}").text
    assert f'hx-get="/devices/{MN}/keys"' in page and text not in page
    card = c.get(f"/devices/{MN}/keys?lang={lang}").text
    assert text not in card and "<html" not in card
    assert ("密钥年龄" if lang == "zh" else "Key age") in card
    assert ("有效" if lang == "zh" else "active") in card
    assert 'id="rotate-key"' in card and 'id="revoke-key"' in card


def test_admin_rotates_and_revokes(keyed, client_for) -> None:  # type: ignore[no-untyped-def]
    from ecoplan.store.models import AuditEntry

    ws, text = keyed
    c = client_for("admin")
    r = c.post(f"/devices/{MN}/keys/rotate", follow_redirects=False)
    assert r.status_code == 303 and text not in r.headers["location"]
    assert [k["state"] for k in key_report(ws.engine, MN)] == ["pending-delivery", "grace"]
    r = c.post(f"/devices/{MN}/keys/revoke", follow_redirects=False)
    assert r.status_code == 303
    assert {k["state"] for k in key_report(ws.engine, MN)} == {"revoked"}
    kinds = [e.kind for e in events(ws.engine, MN)]
    assert "key-rotated" in kinds and "key-revoked" in kinds
    with ws.session() as s:
        actions = [e.action for e in s.query(AuditEntry).filter(
            AuditEntry.entity == "hj212_device").all()]
    assert "rotate-key" in actions and "revoke-key" in actions


@pytest.mark.parametrize("role", ["analyst", "leader"])
def test_only_admin_rotates(keyed, client_for, role: str) -> None:  # type: ignore[no-untyped-def]
    ws, _ = keyed
    c = client_for(role)
    assert 'id="rotate-key"' not in c.get(f"/devices/{MN}/keys").text
    r = c.post(f"/devices/{MN}/keys/rotate", follow_redirects=False)
    assert r.status_code in (401, 403)
    assert [k["state"] for k in key_report(ws.engine, MN)] == ["active"]


def test_rotate_needs_the_csrf_token(keyed, client_for) -> None:  # type: ignore[no-untyped-def]
    ws, _ = keyed
    c = client_for("admin")
    del c.headers["X-CSRF-Token"]
    assert c.post(f"/devices/{MN}/keys/rotate", follow_redirects=False).status_code == 403
    assert [k["state"] for k in key_report(ws.engine, MN)] == ["active"]


@pytest.mark.browser
def test_key_card_in_chromium(keyed, server, browser, artifacts_dir) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """The key card as an admin sees it at 1440 px and 390 px; rotating from the page."""
    from tests.web.test_browser import sign_in

    ws, text = keyed
    page = browser.new_page()  # 1440 × 900
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, server, "admin")
    page.goto(f"{server}/devices/{MN}")
    page.wait_for_selector("#keys-table")
    assert page.locator("#keys-table >> text=有效").is_visible()
    assert text not in page.content()
    page.screenshot(path=str(artifacts_dir / "device-keys-1440-zh.png"), full_page=True)
    page.click("#rotate-key")
    page.wait_for_selector("#keys-table >> text=待下发")
    assert page.locator("#keys-table >> text=宽限期内").is_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{server}/devices/{MN}?lang=en")
    page.wait_for_selector("#keys-table >> text=pending delivery")
    page.screenshot(path=str(artifacts_dir / "device-keys-390-en.png"), full_page=True)
    assert not errors, errors
