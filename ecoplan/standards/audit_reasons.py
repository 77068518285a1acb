"""Reason codes of the daily data audit (数据审核), from the operation and QC technical
specifications of automatic monitoring (HJ 818-2018, HJ 817-2018 air; HJ 915-2017 water).

The table is ``data/audit_reasons.yaml``; every code names its source clause."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from ecoplan.errors import StandardError

DATA = Path(__file__).parent / "data" / "audit_reasons.yaml"


@dataclass(frozen=True)
class AuditReason:
    """One reason code: what it decides, where it applies, its wording and source clause."""

    code: str
    decision: str  # valid | invalid
    applies: str   # air | water | both
    zh: str
    en: str
    source: str

    def fits(self, medium: str) -> bool:
        return self.applies in ("both", medium)


@cache
def audit_reasons() -> dict[str, AuditReason]:
    """All reason codes of ``audit_reasons.yaml`` by code."""
    with DATA.open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)["reasons"]
    return {code: AuditReason(code=code, **spec) for code, spec in raw.items()}


def reason(code: str, medium: str) -> AuditReason:
    """The reason ``code`` for a ``medium`` (air|water) value; a clear error when unknown or
    not applicable to the medium."""
    table = audit_reasons()
    r = table.get(code.strip().upper())
    if r is None or not r.fits(medium):
        known = ", ".join(c for c, x in table.items() if x.fits(medium))
        raise StandardError(f"未知或不适用于{'空气' if medium == 'air' else '水质'}的审核原因代码：{code}"
                            f"（可用：{known}）",
                            f"Unknown audit reason code for {medium}: {code} (known: {known})")
    return r
