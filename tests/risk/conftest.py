"""Small registries for the risk tests (hand-worked figures in test_hazwaste.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy.orm import Session

from ecoplan.store import db
from ecoplan.supervision import hazwaste as H

ACTOR = "analyst"
A, B, R1, R2 = "91141122MA0HWA0001", "91141122MA0HWB0002", "91141122MA0HWR0001", "91141122MA0HWR0002"


@pytest.fixture
def sqlite_session(tmp_path) -> Iterator[Session]:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path}/risk.db"
    db.upgrade(url)
    engine = db.make_engine(url)
    with Session(engine) as s:
        yield s
    engine.dispose()


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    db.upgrade(db_url)
    engine = db.make_engine(db_url)
    with Session(engine) as s:
        yield s
    engine.dispose()


def build_hazwaste(s: Session) -> None:
    """Producer A (HW08, balanced, all safe) and B (HW11 to an unlicensed receiver, 1 t gap)."""
    H.add_unit(s, A, "示例焦化厂甲", "产废单位", actor=ACTOR, storage_capacity_t=8,
               longitude=112.16, latitude=37.55)
    H.add_unit(s, B, "示例化工厂乙", "产废单位", actor=ACTOR, longitude=112.2, latitude=37.5)
    H.add_unit(s, R1, "示例处置公司一", "经营单位", actor=ACTOR, longitude=112.1, latitude=37.6)
    H.add_unit(s, R2, "示例处置公司二", "经营单位", actor=ACTOR)
    H.add_licence(s, "HW-LIC-1", R1, ["HW08", "HW49"], "2021-01-01", "2026-12-31", actor=ACTOR)
    H.add_licence(s, "HW-LIC-2", R2, ["HW08"], "2021-01-01", "2027-03-31", actor=ACTOR)
    # A, 900-249-08: stock 2.0 t at 2024-12-31, generated 5.0 + 4.0, self-disposed 1.0,
    # shipped 4.5 (received 4.48), stock 5.5 at 2025-12-31
    H.record(s, A, "库存", "900-249-08", date(2024, 12, 31), "2.0", actor=ACTOR)
    H.record(s, A, "产生", "900-249-08", date(2025, 3, 1), "5.0", actor=ACTOR)
    H.record(s, A, "产生", "900-249-08", date(2025, 9, 1), "4.0", actor=ACTOR)
    H.record(s, A, "自行利用处置", "900-249-08", date(2025, 6, 1), "1.0", actor=ACTOR)
    H.add_manifest(s, "M-2025-001", "900-249-08", A, R1, actor=ACTOR, carrier="示例运输公司",
                   handovers={"shipped": ("2025-04-10", "4.5"), "carried": ("2025-04-10", "4.5"),
                              "received": ("2025-04-11", "4.48")})
    H.record(s, A, "库存", "900-249-08", date(2025, 12, 31), "5.5", actor=ACTOR)
    # B, 252-002-11: no opening stocktake, generated 10.0, shipped 6.0 to R2 (licence HW08 only),
    # stock 3.0 at 2025-12-31 → gap 1.0 t
    H.record(s, B, "产生", "252-002-11", date(2025, 1, 15), "10.0", actor=ACTOR)
    H.add_manifest(s, "M-2025-002", "252-002-11", B, R2, actor=ACTOR,
                   handovers={"shipped": ("2025-05-01", "6.0"), "received": ("2025-05-02", "5.0")})
    H.record(s, B, "库存", "252-002-11", date(2025, 12, 31), "3.0", actor=ACTOR)
    s.commit()
