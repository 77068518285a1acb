"""Quality flags per value, appended and never overwritten (flag history).

Loads give ``suspect_high``, ``suspect_spike``, ``suspect_constant`` and ``not_monitored``; flags
sent with the values (``hj212:D`` …) come first. A re-sent value whose only change is its source
flag is recorded as a flag change (the new flag appended, or ``source_cleared`` when the flag was
withdrawn), and the lake row is rewritten with it (the old row kept in ``<dataset>_history``). An
analyst appends a later judgement (``valid``, ``invalid``, ``suspect`` …) with a reason. The current
flag of a value is its latest entry; :func:`flag_history` shows every entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from ecoplan.errors import ValidationError
from ecoplan.ingest.validation import LOAD_FLAG_TEXT, LOAD_FLAGS
from ecoplan.store.db import session_scope
from ecoplan.store.ingest_models import REVIEW_FLAGS, QualityFlag

#: Data flags sent by the source with each value (HJ 212-2017 table 8; HJ/T 212-2005), stored as
#: ``hj212:<flag>`` by the HJ 212 gateway. The value is kept as sent; the flag says how it was
#: produced. ``INVALID`` marks those that are not a valid measurement of the ambient air / water
#: (the instrument was not measuring normally) — consumers must not count them as valid data.
SOURCE_FLAG_TEXT = {
    "hj212:F": ("HJ 212 标记 F：仪器停运", "HJ 212 flag F: instrument stopped"),
    "hj212:M": ("HJ 212 标记 M：维护期间数据", "HJ 212 flag M: produced during maintenance"),
    "hj212:S": ("HJ 212 标记 S：手工输入的设定值", "HJ 212 flag S: manually entered set value"),
    "hj212:D": ("HJ 212 标记 D：仪器故障", "HJ 212 flag D: instrument fault"),
    "hj212:C": ("HJ 212 标记 C：仪器校准", "HJ 212 flag C: instrument calibrating"),
    "hj212:T": ("HJ 212 标记 T：超测量上限", "HJ 212 flag T: above the measuring upper limit"),
    "hj212:B": ("HJ 212 标记 B：仪器与数采仪通讯异常",
                "HJ 212 flag B: instrument–logger communication abnormal"),
    "hj212:P": ("HJ/T 212-2005 标记 P：电源故障", "HJ/T 212-2005 flag P: power failure"),
    "hj212-2005:1": ("HJ/T 212-2005 空气标记 1：气象参数", "HJ/T 212-2005 air flag 1: "
                     "meteorological parameter"),
    "hj212-2005:2": ("HJ/T 212-2005 空气标记 2：异常数据", "HJ/T 212-2005 air flag 2: "
                     "abnormal data"),
}


#: Entered in the flag history when the source re-sends a value unchanged but without the flag
#: it had (e.g. HJ 212 ``D`` → ``N``): from then on the value is normal again.
FLAG_SOURCE_CLEARED = "source_cleared"
SOURCE_CLEARED_TEXT = ("来源重新发送了相同数值且不再带有先前的标记（按正常数据处理）",
                       "the source re-sent the same value without its earlier flag (normal again)")


def source_codes(text: object) -> frozenset[str]:
    """The flags the source gave (everything but the load flags of the ingestion path) in a
    lake flag cell such as ``hj212:D,suspect_high``."""
    if text is None or (isinstance(text, float) and text != text):
        return frozenset()
    return frozenset(c.strip() for c in str(text).split(",")
                     if c.strip() and c.strip() not in LOAD_FLAG_TEXT
                     and c.strip() != FLAG_SOURCE_CLEARED)


def flag_text(code: str) -> tuple[str, str]:
    """(Chinese, English) meaning of a flag code; unknown source flags are named as sent."""
    if code in LOAD_FLAG_TEXT:
        return LOAD_FLAG_TEXT[code]
    if code == FLAG_SOURCE_CLEARED:
        return SOURCE_CLEARED_TEXT
    if code in SOURCE_FLAG_TEXT:
        return SOURCE_FLAG_TEXT[code]
    if code.startswith("hj212"):
        return f"HJ 212 数据标记 {code}（原样保留）", f"HJ 212 data flag {code} (kept as sent)"
    return code, code


def append_flag(engine: Engine, dataset: str, site_code: str, timestamp: datetime,
                parameter: str, flag: str, *, reason: str, actor: str) -> dict[str, Any]:
    """Append one flag to the history of one value."""
    if flag not in REVIEW_FLAGS and flag not in LOAD_FLAGS:
        raise ValidationError(
            f"未知的质量标记：{flag}（可用：{', '.join(REVIEW_FLAGS + LOAD_FLAGS)}）",
            f"Unknown quality flag: {flag} (known: {', '.join(REVIEW_FLAGS + LOAD_FLAGS)})")
    if not reason.strip():
        raise ValidationError("追加质量标记须说明理由", "A quality flag needs a reason")
    with session_scope(engine) as s:
        row = QualityFlag(dataset=dataset, site_code=site_code, timestamp=timestamp,
                          parameter=parameter, flag=flag, reason=reason, actor=actor)
        s.add(row)
        s.flush()
        return _as_dict(row)


def flag_history(engine: Engine, dataset: str, site_code: str | None = None,
                 timestamp: datetime | None = None, parameter: str | None = None,
                 limit: int = 1000) -> list[dict[str, Any]]:
    """Flag entries, oldest first, optionally for one site / time / parameter."""
    q = select(QualityFlag).where(QualityFlag.dataset == dataset)
    if site_code is not None:
        q = q.where(QualityFlag.site_code == site_code)
    if timestamp is not None:
        q = q.where(QualityFlag.timestamp == timestamp)
    if parameter is not None:
        q = q.where(QualityFlag.parameter == parameter)
    with session_scope(engine) as s:
        return [_as_dict(r) for r in s.scalars(q.order_by(QualityFlag.id).limit(limit))]


def current_flags(engine: Engine, dataset: str, site_code: str | None = None
                  ) -> dict[tuple[str, datetime, str], str]:
    """The latest flag of every flagged value: (site, time, parameter) → flag."""
    out: dict[tuple[str, datetime, str], str] = {}
    for r in flag_history(engine, dataset, site_code, limit=10_000_000):
        out[(r["site_code"], r["timestamp"], r["parameter"])] = r["flag"]
    return out


def _as_dict(r: QualityFlag) -> dict[str, Any]:
    return {"id": r.id, "batch_id": r.batch_id, "dataset": r.dataset, "site_code": r.site_code,
            "timestamp": r.timestamp, "parameter": r.parameter, "flag": r.flag,
            "reason": r.reason, "actor": r.actor, "recorded_at": r.recorded_at}
