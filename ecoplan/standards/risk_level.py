"""Enterprise environmental-risk level of HJ 941-2018 《企业突发环境事件风险分级方法》.

For each route (air, water): Q (risk-substance quantities over their 附录A critical quantities)
→ Q0/Q1/Q2/Q3, M (process and risk-control score) → M1–M4, E (receptor sensitivity type) E1–E3,
then the matrix of ``data/hj941-2018.yaml`` → 一般 / 较大 / 重大 (Q < 1: 一般, written Q0). The
enterprise's level is the higher of its routes, written e.g. ``较大[较大-大气(Q1-M2-E1)+一般-水(Q0)]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ecoplan.errors import StandardError

DATA_FILE = Path(__file__).parent / "data" / "hj941-2018.yaml"
LEVEL_ORDER = {"一般": 0, "较大": 1, "重大": 2}
ROUTE_NAMES = {"air": "大气", "water": "水"}


@lru_cache(maxsize=1)
def rules() -> dict[str, Any]:
    with DATA_FILE.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


def q_level(q: Decimal | float) -> str:
    """Q0 (Q < 1), Q1 (1 ≤ Q < 10), Q2 (10 ≤ Q < 100), Q3 (Q ≥ 100) — HJ 941-2018."""
    qv = Decimal(str(q))
    if qv < 0:
        raise StandardError(f"Q 不能为负（{q}）", f"Q cannot be negative ({q})")
    out = "Q0"
    for row in rules()["q_levels"]:
        if qv >= Decimal(str(row["min"])):
            out = row["level"]
    return str(out)


def m_level(m: Decimal | float) -> str:
    """M1 (M < 25), M2 (25 ≤ M < 45), M3 (45 ≤ M < 60), M4 (M ≥ 60) — HJ 941-2018."""
    mv = Decimal(str(m))
    if mv < 0:
        raise StandardError(f"M 不能为负（{m}）", f"M cannot be negative ({m})")
    out = "M1"
    for row in rules()["m_levels"]:
        if mv >= Decimal(str(row["min"])):
            out = row["level"]
    return str(out)


@dataclass(frozen=True)
class RouteLevel:
    route: str  # air | water
    level: str  # 一般 | 较大 | 重大
    q: str
    m: str | None
    e: str | None

    @property
    def code(self) -> str:
        inner = self.q if self.q == "Q0" else f"{self.q}-{self.m}-{self.e}"
        return f"{self.level}-{ROUTE_NAMES[self.route]}({inner})"


def route_level(route: str, q: Decimal | float, m: Decimal | float, e: str) -> RouteLevel:
    """The level of one route from its Q, M and E (HJ 941-2018 matrices, E1/E2/E3)."""
    if route not in ROUTE_NAMES:
        raise StandardError(f"风险途径应为 air 或 water（{route}）", f"Route must be air or water ({route})")
    e = str(e).strip().upper()
    if e not in rules()["matrix"]:
        raise StandardError(f"环境风险受体敏感类型应为 E1/E2/E3（{e}）",
                            f"Receptor type must be E1, E2 or E3 ({e})")
    ql = q_level(q)
    if ql == "Q0":
        return RouteLevel(route, "一般", "Q0", None, None)
    ml = m_level(m)
    level = rules()["matrix"][e][ql][int(ml[1]) - 1]
    return RouteLevel(route, str(level), ql, ml, e)


@dataclass(frozen=True)
class EnterpriseLevel:
    level: str
    routes: tuple[RouteLevel, ...]

    @property
    def code(self) -> str:
        return f"{self.level}[{'+'.join(r.code for r in self.routes)}]"

    @property
    def level_en(self) -> str:
        return str(rules()["levels_en"][self.level])


def enterprise_level(routes: list[RouteLevel]) -> EnterpriseLevel:
    """The higher of the route levels (HJ 941-2018 风险等级表征)."""
    if not routes:
        raise StandardError("没有大气或水的分级输入", "No air or water inputs to grade")
    top = max(routes, key=lambda r: LEVEL_ORDER[r.level])
    return EnterpriseLevel(top.level, tuple(sorted(routes, key=lambda r: r.route)))
