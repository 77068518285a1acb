"""The HJ 212 command queue: operator API, atomic claims by gateway workers, and the full flow
through a real gateway and a simulated logger over TCP on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import update

from ecoplan.ingest.hj212 import commands as cq
from ecoplan.ingest.hj212.registry import add_device, events
from ecoplan.store import db
from ecoplan.store.db import session_scope
from ecoplan.store.hj212_models import Hj212Command

MN = "88888880000001"


@pytest.fixture
def engine(db_url: str):  # type: ignore[no-untyped-def]
    db.upgrade(db_url)
    eng = db.make_engine(db_url)
    add_device(eng, MN, device_type="air", station_code="S1")
    yield eng
    eng.dispose()


def _age(engine, cid: int, seconds: float) -> None:  # type: ignore[no-untyped-def]
    """Move a command's deadline into the past (as if it had waited ``seconds``)."""
    with session_scope(engine) as s:
        s.execute(update(Hj212Command).where(Hj212Command.id == cid)
                  .values(expires_at=datetime.now(UTC) - timedelta(seconds=seconds)))


def test_enqueue_list_get_cancel_and_events(engine) -> None:  # type: ignore[no-untyped-def]
    a = cq.enqueue(engine, MN, "2061", {"BeginTime": "20261128000000",
                                        "EndTime": datetime(2026, 11, 28, 3)}, requested_by="ops")
    b = cq.enqueue(engine, MN, "1012", {}, requested_by="ops")
    got = cq.get(engine, a)
    assert (got.mn, got.cn, got.status, got.requested_by) == (MN, "2061", "queued", "ops")
    assert got.params == {"BeginTime": "20261128000000", "EndTime": "20261128030000"}
    assert got.requested_at.tzinfo is not None and got.expires_at > got.requested_at
    assert [c.id for c in cq.list_commands(engine)] == [b, a]
    assert [c.id for c in cq.list_commands(engine, mn=MN, status="queued")] == [b, a]
    assert cq.list_commands(engine, mn="OTHER") == []
    done = cq.cancel(engine, b, by="ops")
    assert done.status == "cancelled" and done.finished_at is not None and done.finished
    with pytest.raises(cq.CommandError) as exc:
        cq.cancel(engine, b)
    assert "cancelled" in exc.value.en and "取消" in exc.value.zh
    with pytest.raises(cq.CommandError, match="no command with id 999"):
        cq.get(engine, 999)
    kinds = [e.kind for e in events(engine, MN)]
    assert kinds[:3] == ["command-cancelled", "command-queued", "command-queued"]
    d = cq.get(engine, a).as_dict()
    assert d["status_zh"] == "排队中，等待网关" and d["name_en"] == "get hour history"


@pytest.mark.parametrize(("cn", "params", "en"), [
    ("9999", {}, "unsupported command code CN=9999"),
    ("2061", {"BeginTime": "20261128000000"}, "needs EndTime"),
    ("2061", {"BeginTime": "2026-11-28", "EndTime": "20261128000000"}, "must be a time"),
    ("2061", {"BeginTime": "20261128050000", "EndTime": "20261128000000"}, "is after end"),
    ("1062", {"RtdInterval": 10}, "10 is outside 30–3600"),
    ("1062", {"RtdInterval": "abc"}, "must be an integer"),
    ("1064", {"MinInterval": 7}, "7 is not one of 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30"),
    ("1012", {"Foo": 1}, "takes no parameter Foo"),
    ("1012", {"PolId": "a01;x"}, "has a separator"),
    ("1000", {"OverTime": 100, "ReCount": 3}, "100 is outside 1–99"),
])
def test_bad_requests_are_refused_with_a_reason(cn: str, params: dict[str, object], en: str) -> None:
    with pytest.raises(cq.CommandError) as exc:
        cq.validate(cn, params)
    assert en in exc.value.en
    assert exc.value.zh != exc.value.en


def test_defaults_and_supported_set() -> None:
    assert {"1012", "1062", "1064", "2061", "2031", "2051"} <= set(cq.SUPPORTED_CNS)
    assert cq.validate("1064", {"MinInterval": "15"}) == {"MinInterval": "15"}
    wire = cq.wire_params("1012", cq.validate("1012", None))
    assert len(wire["SystemTime"]) == 14  # filled with the Beijing time when it is sent
    assert cq.explain_qn_rtn(3) == ("PW 错误", "wrong password (PW)")
    assert cq.explain_exe_rtn(100) == ("没有数据", "no data")


def test_unregistered_device_and_requester(engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(cq.CommandError, match="not registered"):
        cq.enqueue(engine, "NOPE", "1012", {}, requested_by="ops")
    with pytest.raises(cq.CommandError, match="requested_by"):
        cq.enqueue(engine, MN, "1012", {}, requested_by="")


def test_two_workers_never_both_claim(engine) -> None:  # type: ignore[no-untyped-def]
    ids = [cq.enqueue(engine, MN, "1062", {"RtdInterval": 60 + i}, requested_by="ops")
           for i in range(5)]
    w1 = cq.CommandQueue(engine, worker="w1")
    w2 = cq.CommandQueue(engine, worker="w2")
    got1 = w1.claim([MN])
    got2 = w2.claim([MN])
    assert [c.id for c in got1] == ids and got2 == []
    assert all(c.status == "sent" and c.worker == "w1" for c in got1)
    # the same row cannot be finished twice either
    res = SimpleNamespace(status="ok", qn="20261128120000000", attempts=1, qn_rtn=1, exe_rtn=1,
                          responses=[])
    assert w1.finish(got1[0], res) is True
    assert w2.finish(got1[0], res) is False
    row = cq.get(engine, ids[0])
    assert (row.status, row.qn_rtn, row.exe_rtn, row.attempts) == ("ok", 1, 1, 1)


def test_unclaimed_commands_become_not_connected_or_expired(engine) -> None:  # type: ignore[no-untyped-def]
    a = cq.enqueue(engine, MN, "1012", {}, requested_by="ops")
    b = cq.enqueue(engine, MN, "1012", {}, requested_by="ops")
    w = cq.CommandQueue(engine, worker="w1")
    assert w.expire_unclaimed([]) == 0  # not yet due
    _age(engine, a, 1)
    assert w.expire_unclaimed([MN]) == 0  # connected here: it will be claimed, not expired
    assert w.expire_unclaimed([]) == 1
    assert cq.get(engine, a).status == "not-connected"
    _age(engine, b, cq.EXPIRY_GRACE + 5)  # no gateway at all: a reader marks it expired
    row = cq.get(engine, b)
    assert row.status == "expired" and "gateway" in (row.reason or "")
