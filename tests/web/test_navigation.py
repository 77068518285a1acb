"""The navigation bar's grouping (render.navigation): pages sit in their menu, a menu with one
page the user may open is that page's link, the active page marks its menu."""

from __future__ import annotations

from ecoplan.web.render import NAV, NAV_MENU_OF, NAV_MENUS, navigation


def t(zh: str, en: str) -> str:
    return zh


def test_menus_group_their_pages_in_the_bar_order() -> None:
    links = [("/", "总览"), ("/air", "大气"), ("/water", "水环境"), ("/sources", "污染源"),
             ("/emergency", "重污染应急"), ("/reports", "报告")]
    bar = navigation(links, "/emergency", t)
    assert [e["label"] for e in bar] == ["总览", "环境质量", "监管执法", "报告"]
    quality, supervision = bar[1], bar[2]
    assert [i["href"] for i in quality["children"]] == ["/air", "/water"]
    assert not quality["active"] and supervision["active"]
    assert [i["active"] for i in supervision["children"]] == [False, True]


def test_a_menu_with_one_allowed_page_is_a_plain_link() -> None:
    bar = navigation([("/", "总览"), ("/sources", "污染源"), ("/public", "信息公开")],
                     "/sources/12", t)
    assert bar == [{"href": "/", "label": "总览", "active": False},
                   {"href": "/sources", "label": "污染源", "active": True},
                   {"href": "/public", "label": "信息公开", "active": False}]


def test_every_menu_named_exists_and_the_overview_stands_alone() -> None:
    keys = {k for k, _, _ in NAV_MENUS}
    assert set(NAV_MENU_OF.values()) <= keys
    assert "/" not in NAV_MENU_OF and "/public" not in NAV_MENU_OF
    assert {href for href, *_ in NAV} - {"/", "/map", "/reports", "/admin", "/public"} <= set(NAV_MENU_OF)
