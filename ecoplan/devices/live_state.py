"""Real-time values kept in memory for live views (the web dashboard reads them).

The gateway updates one :class:`LiveStore`; a web app running in the same process reads it with
:meth:`LiveStore.snapshot`, one in another process reads the JSON file the gateway rewrites every
few seconds (:func:`read_snapshot`).
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from ecoplan.standards.hj212_factors import canonical_name

SNAPSHOT_FILE = "hj212_live.json"
VALUE_ORDER = ("Rtd", "Avg", "ZsRtd", "ZsAvg", "Max", "Min", "Cou")


class LiveStore:
    """Latest value per device and factor, device status, and the last packets received.

    Updates only keep references (cheap on the gateway's hot path); :meth:`snapshot` turns them
    into numbers and ISO times for readers.
    """

    def __init__(self, recent: int = 200) -> None:
        self.values: dict[str, dict[str, tuple[dict[str, str], str, datetime | None, datetime]]] = {}
        self.devices: dict[str, dict[str, Any]] = {}
        self.recent: deque[tuple[str, str, datetime | None, datetime, int]] = deque(maxlen=recent)

    def seen(self, mn: str, *, peer: str | None, at: datetime, cn: str | None,
             dialect: str, known: bool) -> None:
        d = self.devices.get(mn)
        if d is None:
            d = self.devices[mn] = {"mn": mn, "packets": 0, "first_seen": at}
        d["packets"] += 1
        d["last_seen"] = at
        d["peer"] = peer
        d["last_cn"] = cn
        d["dialect"] = dialect
        d["registered"] = known
        d["connected"] = True

    def disconnected(self, mn: str) -> None:
        d = self.devices.get(mn)
        if d is not None:
            d["connected"] = False
            if "online" in d:  # HJ 212-2025 heartbeat state (dialect2025.py)
                d["online"] = False

    def update(self, mn: str, cn: str, data_time: datetime | None,
               factors: dict[str, dict[str, str]], at: datetime) -> None:
        """Record the values of one upload (``factors``: code → fields as sent)."""
        per = self.values.get(mn)
        if per is None:
            per = self.values[mn] = {}
        for code, fields in factors.items():
            per[code] = (fields, cn, data_time, at)
        self.recent.append((mn, cn, data_time, at, len(factors)))

    def update_factors(self, mn: str, cn: str, data_time: datetime | None,
                       factors: Mapping[str, Any], at: datetime) -> None:
        """:meth:`update` from a decoded packet's factors (objects with ``fields``), without
        building the code → fields mapping first (the gateway's hot path)."""
        per = self.values.get(mn)
        if per is None:
            per = self.values[mn] = {}
        for code, fac in factors.items():
            per[code] = (fac.fields, cn, data_time, at)
        self.recent.append((mn, cn, data_time, at, len(factors)))

    @staticmethod
    def _value(code: str, entry: tuple[dict[str, str], str, datetime | None, datetime]) -> dict[str, Any] | None:
        fields, cn, data_time, at = entry
        for suffix in VALUE_ORDER:
            raw = fields.get(suffix)
            if raw in (None, ""):
                continue
            try:
                value = float(raw)
            except ValueError:
                continue
            return {"value": value, "kind": suffix, "flag": fields.get("Flag"), "cn": cn,
                    "data_time": data_time.isoformat() if data_time else None,
                    "received_at": at.isoformat(), "pollutant": canonical_name(code)}
        return None

    @staticmethod
    def _device(d: dict[str, Any]) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in d.items()}

    def snapshot(self, mn: str | None = None) -> dict[str, Any]:
        """A JSON-friendly copy: devices, latest values, recent packets."""
        mns = [mn] if mn is not None else list(self.devices)
        values: dict[str, dict[str, Any]] = {}
        for m in mns:
            vals = {}
            for code, entry in list(self.values.get(m, {}).items()):
                v = self._value(code, entry)
                if v is not None:
                    vals[code] = v
            if vals or mn is not None:
                values[m] = vals
        recent = [{"mn": r[0], "cn": r[1], "data_time": r[2].isoformat() if r[2] else None,
                   "received_at": r[3].isoformat(), "factors": r[4]}
                  for r in list(self.recent) if mn is None or r[0] == mn]
        return {"devices": [self._device(self.devices[m]) for m in mns if m in self.devices],
                "values": values, "recent": recent}

    def write_snapshot(self, home: Path, stats: dict[str, Any] | None = None,
                       name: str = SNAPSHOT_FILE) -> Path:
        path = Path(home) / name
        data = self.snapshot()
        data["stats"] = stats or {}
        data["written_at"] = datetime.now().isoformat()
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
        os.replace(tmp, path)
        return path


def snapshot_name(worker: int) -> str:
    """File name of worker ``worker``'s snapshot (worker 0 writes ``hj212_live.json``)."""
    return SNAPSHOT_FILE if worker == 0 else f"hj212_live.{worker}.json"


def read_snapshot(home: Path) -> dict[str, Any] | None:
    """The last snapshot the gateway wrote into workspace ``home`` (None when there is none);
    with several worker processes their snapshots are merged (``stats`` summed)."""
    files = sorted(Path(home).glob("hj212_live*.json"))
    if not files:
        return None
    merged: dict[str, Any] = {"devices": [], "values": {}, "recent": [], "stats": {},
                              "workers": len(files)}
    for f in files:
        data = json.loads(f.read_text(encoding="utf-8"))
        merged["devices"] += data.get("devices", [])
        merged["values"].update(data.get("values", {}))
        merged["recent"] += data.get("recent", [])
        for k, v in (data.get("stats") or {}).items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                merged["stats"][k] = merged["stats"].get(k, 0) + v
            elif isinstance(v, dict):
                into = merged["stats"].setdefault(k, {})
                for kk, vv in v.items():
                    into[kk] = into.get(kk, 0) + vv
        merged["written_at"] = max(merged.get("written_at", ""), data.get("written_at", ""))
    merged["recent"].sort(key=lambda r: r.get("received_at") or "")
    return merged
