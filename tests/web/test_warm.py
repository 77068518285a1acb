"""Issue 19, UI finding: the cold overview. The overview is computed in the background when
the server starts and after every approval, so no reader waits for it (the time itself is
measured by ``ecoplan bench web``, not asserted here)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ecoplan.web import views
from ecoplan.web.routes.pages import overview_key
from tests.web.conftest import login


def test_overview_is_warm_after_start_and_after_an_approval(app, web_ws) -> None:  # type: ignore[no-untyped-def]
    ctx = app.state.ctx
    assert ctx.warmer is None  # no thread without a running server
    with TestClient(app) as anon:
        assert ctx.warmer is not None and ctx.warmer.wait_for(1)
        with ctx.sessionmaker() as db:
            year = views.default_year(views.current_plan(ctx, db))
        for lang in ("zh", "en"):
            assert overview_key(lang, year) in ctx.cache
        zjj = login(TestClient(app), "zjj")
        r = zjj.post("/api/v1/progress/indicator", json={"indicator_key": "6", "year": year,
                                                         "value": "7.25"})
        assert r.status_code == 201
        rid = r.json()["id"]
        analyst = login(TestClient(app), "analyst")
        assert analyst.post(f"/api/v1/progress/indicator/{rid}/review", json={}).status_code == 200
        admin = login(TestClient(app), "admin")
        assert admin.post(f"/api/v1/progress/indicator/{rid}/approve", json={}).status_code == 200
        assert ctx.warmer.wait_for(ctx.warmer.requested)
        assert ctx.warmer.last_error is None
        html = ctx.cache[overview_key("zh", year)][1]
        assert "7.25" in html  # the approved value is in the warmed page
        assert "7.25" in admin.get("/").text
        anon.get("/public")
    assert ctx.warmer is None
