"""HJ 212-2025 in the gateway: encrypted data areas, key exchange (CN 1014), heartbeat (9015),
raw data (2013), logger identity (1001/1002), the new data commands (2052/2062/2111) and re-sends
(``RF=1``). Facts and their status: reference/hj212.md §16; docs/hj212.md "HJ 212-2025".

:class:`Hj2025` is attached to a :class:`~.gateway.Gateway` (``gateway.hj2025``); the gateway
calls :meth:`Hj2025.inbound` on every framed packet (decrypts a sealed data area with the
device's accepted keys, before decoding — the CRC is over the plaintext) and
:meth:`Hj2025.on_packet` once the packet is decoded and the device authenticated (encryption
policy, key requests and deliveries, heartbeats, identity, 2025 datasets). With no device key in
the workspace the hot path costs one dictionary test.

Keys never reach a log: events carry key ids and HMAC fingerprints only; a decryption failure is
logged with the device and the reason, never the bytes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ecoplan.devices import encode
from ecoplan.devices.codec import Packet, Problem
from ecoplan.devices.crc import crc_hj212
from ecoplan.devices.crypto import encrypt_packet, encrypted_cn, open_sealed, unseal
from ecoplan.devices.datasets2025 import (
    DATA_2025_CNS,
    DATA_2025_DATASET,
    RAW_CNS,
    RAW_DATASET,
    data_2025_rows,
    raw_rows,
)
from ecoplan.devices.keys import (
    IDENTITY_CODES,
    DeviceKey,
    KeyVault,
    Profile,
    issue_key,
    keys_version,
    load_keys,
    load_profiles,
    mark_delivered,
    record_identity,
    vault_for,
)
from ecoplan.errors import ConfigError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ecoplan.devices.device_registry import DeviceRecord
    from ecoplan.devices.gateway import Connection, Gateway

KEY_REQUEST_CN = "1014"
HEARTBEAT_CN = "9015"
IDENTITY_CN = "1001"
SET_MN_CN = "1002"
DELIVERY_RETRY_S = 30.0

@dataclass
class Hj2025Stats:
    encrypted: int = 0
    decrypted: int = 0
    decrypt_failed: int = 0
    plain_refused: int = 0
    plain_allowed: int = 0
    key_requests: int = 0
    keys_issued: int = 0
    keys_pushed: int = 0
    keys_delivered: int = 0
    heartbeats: int = 0
    resends: int = 0
    identities: int = 0
    raw_rows: int = 0
    data_2025_rows: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _mn_of(raw: bytes) -> str | None:
    i = raw.find(b"MN=")
    if i < 0:
        return None
    j = raw.find(b";", i)
    return raw[i + 3:j].decode("ascii", "replace") if j > 0 else None


class Hj2025:
    """The HJ 212-2025 companion of a gateway (see the module docstring)."""

    def __init__(self, gw: Gateway, engine: Engine | None, vault: KeyVault | None) -> None:
        self.gw = gw
        self.engine = engine
        self.vault = vault
        self.keys: dict[str, list[DeviceKey]] = {}
        self.profiles: dict[str, Profile] = {}
        self.stats = Hj2025Stats()
        self.inflight: dict[str, float] = {}  # MN → monotonic time of the last key push
        self.deliveries: dict[tuple[str, str], int] = {}  # (MN, QN of the 1014) → key id
        self.key_last: DeviceKey | None = None  # the key that opened the packet being handled
        self._version: Any = None
        self._logged: dict[str, float] = {}

    # ---------------------------------------------------------------- key cache
    def reload(self) -> None:
        """Read keys and profiles from the database (blocking: call off the event loop)."""
        if self.engine is None:
            return
        version = keys_version(self.engine)
        if version == self._version:
            return
        self.profiles = load_profiles(self.engine)
        self.keys = load_keys(self.engine, self.vault) if self.vault is not None else {}
        self._version = version

    async def refresh(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, self.reload)
        except Exception as exc:  # noqa: BLE001 - keep the keys we have
            self._event("?", "key-cache-error", {"error": type(exc).__name__})

    def _event(self, mn: str, kind: str, detail: dict[str, Any], *, every: float = 0.0,
               peer: str | None = None) -> None:
        if every:
            t = time.monotonic()
            k = f"{mn}/{kind}"
            if t - self._logged.get(k, -1e12) < every:
                return
            self._logged[k] = t
        self.gw.recorder.event(mn, kind, peer=peer, detail=detail)

    def _accepted(self, mn: str) -> list[DeviceKey]:
        now = datetime.now(UTC)
        return [k for k in self.keys.get(mn, ()) if k.accepted(now)]

    # ---------------------------------------------------------------- receive
    def inbound(self, raw: bytes, conn: Connection | None) -> bytes | None:
        """The packet with its data area decrypted (unchanged when plain); None when it is
        encrypted but no accepted key of the device opens it (refused and counted)."""
        self.key_last = None
        if not self.keys:
            return raw
        mn = _mn_of(raw)
        if mn is None or mn not in self.keys:
            return raw
        sealed = unseal(raw)
        if sealed is None:
            # Looks plain. A short ciphertext can look like text: when the CRC does not verify
            # over the bytes as sent, try them as ciphertext before the decoder refuses them.
            body = raw.rstrip(b"\r\n")
            try:
                if crc_hj212(body[6:-4]) == int(body[-4:], 16):
                    return raw
            except ValueError:
                return raw
            sealed = unseal(raw, force=True)
            if sealed is None:
                return raw
        self.stats.encrypted += 1
        for key in self._accepted(mn):
            plain = open_sealed(sealed, key.key)
            if plain is not None:
                self.stats.decrypted += 1
                self.key_last = key
                if conn is not None:
                    conn.sm4_key = key  # type: ignore[attr-defined]
                return plain
        # Not opened by any accepted key. A plain packet that merely looked sealed still
        # verifies with its own CRC: let the decoder have it.
        body = raw.rstrip(b"\r\n")
        if sealed.fmt == "raw" and crc_hj212(body[6:-4]) == int(sealed.crc_sent, 16):
            self.stats.encrypted -= 1
            return raw
        self.stats.decrypt_failed += 1
        self.gw._reject(Problem("decrypt-failed", "加密数据区无法用该设备的有效密钥解密",
                                "the encrypted data area does not open with any accepted key "
                                "of the device", "CP"), None, conn.peer if conn else None)
        self._event(mn, "decrypt-failed", {"format": sealed.fmt,
                                           "declared_length": sealed.declared_length},
                    every=60.0, peer=conn.peer if conn else None)
        return None

    def on_packet(self, p: Packet, mn: str, cn: str, dev: DeviceRecord | None,
                  conn: Connection | None, known: bool) -> tuple[bool, bytes | None]:
        """2025 handling of an authenticated packet: ``(True, reply)`` when it is fully handled
        here (the gateway returns ``reply``), ``(False, None)`` to continue as usual."""
        key = self.key_last
        peer = conn.peer if conn else None
        if key is None and p.version == 2 and encrypted_cn(cn):
            policy = self.profiles[mn].encryption if mn in self.profiles else "off"
            if policy == "required":
                self.stats.plain_refused += 1
                self.gw._reject(Problem("not-encrypted", "该设备要求加密，但数据区为明文",
                                        "the device must encrypt but the data area is plain",
                                        "CP"), p, peer)
                return True, None
            if policy == "allowed":
                self.stats.plain_allowed += 1
        if cn == KEY_REQUEST_CN:
            self._key_request(p, mn, dev, conn, key)
            return True, None
        if cn == "9013" and (mn, p.qn or "") in self.deliveries:
            key_id = self.deliveries.pop((mn, p.qn or ""))
            self.inflight.pop(mn, None)
            self._delivered(mn, key_id, p.qn)
        if key is not None:
            self._maybe_rotate(mn, dev, conn, key)
        if p.header.get("RF") == "1":
            self.stats.resends += 1
            self._event(mn, "resend", {"cn": cn, "qn": p.qn,
                                       "data_time": p.params.get("DataTime")}, every=60.0)
        if cn == HEARTBEAT_CN:
            self.stats.heartbeats += 1
            d = self.gw.live.devices.get(mn)
            if d is not None:
                d["last_heartbeat"] = datetime.now()
                d["online"] = True
        elif cn == IDENTITY_CN and dev is not None:  # registered, approved or not
            self._identity(p, mn)
        elif known and (cn in RAW_CNS or cn in DATA_2025_CNS) and p.factors:
            self._store(p, mn, cn, dev)
        return False, None

    # ---------------------------------------------------------------- 2025 datasets
    def _store(self, p: Packet, mn: str, cn: str, dev: DeviceRecord | None) -> None:
        gw = self.gw
        ctx = gw._context(mn, dev)
        if cn in RAW_CNS:
            rows, dataset = raw_rows(p, mn, ctx), RAW_DATASET
        else:
            rows, dataset = data_2025_rows(p, mn, cn, ctx), DATA_2025_DATASET
        if not rows:
            return
        gw.live.update_factors(mn, cn, p.data_time, p.factors, datetime.now())
        if gw.sink is None:
            return
        gw.sink.add(dataset, rows)
        gw.stats.rows += len(rows)
        if dataset == RAW_DATASET:
            self.stats.raw_rows += len(rows)
        else:
            self.stats.data_2025_rows += len(rows)

    def _identity(self, p: Packet, mn: str) -> None:
        ident = {}
        for code, name in IDENTITY_CODES.items():
            fac = p.factors.get(code)
            if fac is not None:
                value = fac.fields.get("Info") or next(iter(fac.fields.values()), "")
                ident[name] = value.strip("/")
        if not ident or self.engine is None:
            return
        self.stats.identities += 1
        engine = self.engine
        self._background(lambda: record_identity(engine, mn, ident))

    def _background(self, fn: Callable[[], Any]) -> None:
        async def run() -> None:
            loop = asyncio.get_running_loop()
            try:
                await loop.run_in_executor(None, fn)
            except Exception as exc:  # noqa: BLE001 - logged, never fatal
                self._event("?", "hj2025-error", {"error": f"{type(exc).__name__}: {exc}"})
            await self.refresh()

        self.gw._spawn(run())

    # ---------------------------------------------------------------- keys
    def _delivered(self, mn: str, key_id: int, qn: str | None) -> None:
        self.stats.keys_delivered += 1
        now = datetime.now(UTC)
        self.keys[mn] = [replace(k, delivered_at=now) if k.id == key_id and k.delivered_at is None
                         else k for k in self.keys.get(mn, [])]
        engine = self.engine
        if engine is not None:
            self._background(lambda: mark_delivered(engine, mn, key_id, qn=qn))

    def _key_request(self, p: Packet, mn: str, dev: DeviceRecord | None,
                     conn: Connection | None, key: DeviceKey | None) -> None:
        """CN 1014 from a device: issue a new key and answer ``SKCreateTime``/``NewSK``,
        encrypted with the key the request came under. A plain request is refused (it would
        send the new key in clear); the initial key is registered by an operator."""
        self.stats.key_requests += 1
        peer = conn.peer if conn else None
        if key is None or self.vault is None or self.engine is None or conn is None:
            self._event(mn, "key-request-refused", {
                "qn": p.qn, "reason": "plain request or no key vault"}, every=60.0, peer=peer)
            return
        self._spawn_issue(mn, dev, conn, key, origin="device-request", qn=p.qn, st="91")

    def _maybe_rotate(self, mn: str, dev: DeviceRecord | None, conn: Connection | None,
                      used: DeviceKey) -> None:
        """After a packet under ``used``: deliver a pending key, or rotate an expired one."""
        if conn is None or self.vault is None or self.engine is None:
            return
        keys = self.keys.get(mn, [])
        active = next((k for k in keys if k.active), None)
        if active is None:
            return
        t = time.monotonic()
        if t - self.inflight.get(mn, -1e12) < DELIVERY_RETRY_S:
            return
        if active.id == used.id:
            if active.delivered_at is None:  # the device already uses it: delivered
                self._delivered(mn, active.id, None)
            elif datetime.now(UTC) >= active.expires_at:
                self.inflight[mn] = t
                self._spawn_issue(mn, dev, conn, used, origin="expiry", qn=None, st=None)
            return
        if active.delivered_at is None:  # an operator rotated: hand the device its new key
            self.inflight[mn] = t
            self._push(mn, dev, conn, used, active, None)

    def _spawn_issue(self, mn: str, dev: DeviceRecord | None, conn: Connection, under: DeviceKey,
                     *, origin: str, qn: str | None, st: str | None) -> None:
        engine, vault = self.engine, self.vault
        assert engine is not None and vault is not None

        async def run() -> None:
            loop = asyncio.get_running_loop()
            try:
                new, _text = await loop.run_in_executor(
                    None, lambda: issue_key(engine, vault, mn, origin=origin, actor="gateway"))
            except Exception as exc:  # noqa: BLE001 - logged, the device asks again
                self._event(mn, "key-issue-failed", {"error": type(exc).__name__})
                return
            self.stats.keys_issued += 1
            await self.refresh()
            fresh = next((k for k in self.keys.get(mn, []) if k.id == new.id), new)
            self._push(mn, dev, conn, under, fresh, qn, st=st)

        self.gw._spawn(run())

    def _push(self, mn: str, dev: DeviceRecord | None, conn: Connection, under: DeviceKey,
              new: DeviceKey, qn: str | None, *, st: str | None = None) -> None:
        """Send CN 1014 with ``SKCreateTime``/``NewSK`` encrypted under the key in use."""
        qn = qn or self.gw._next_qn()
        created = new.created_at.astimezone(UTC).replace(tzinfo=None) + timedelta(hours=8)
        segment = encode.segment(
            qn=qn, st=st or "91", cn=KEY_REQUEST_CN, pw=dev.password if dev else "123456", mn=mn,
            flag=(2 << 2) | 1,
            cp=encode.cp_text({"SKCreateTime": encode.fmt_time(created),
                               "NewSK": new.key.decode("ascii")}))
        fmt = self.profiles[mn].wire_format if mn in self.profiles else "raw"
        self.deliveries[(mn, qn)] = new.id
        try:
            conn.send(encrypt_packet(under.key, segment.encode("ascii"), fmt))
        except Exception as exc:  # noqa: BLE001 - the connection went away: retried later
            self._event(mn, "key-push-failed", {"key_id": new.id, "error": type(exc).__name__})
            return
        self.stats.keys_pushed += 1
        self._event(mn, "key-sent", {"key_id": new.id, "fingerprint": new.fingerprint,
                                     "qn": qn, "under_key_id": under.id})

    # ---------------------------------------------------------------- send
    def outbound(self, mn: str, cn: str, raw: bytes) -> bytes:
        """A platform request to ``mn`` encrypted when §6.4.4 covers ``cn`` and the device uses a
        key (the one of its connection, else its newest delivered key)."""
        if not encrypted_cn(cn) or mn not in self.keys:
            return raw
        conn = self.gw.by_mn.get(mn)
        key = getattr(conn, "sm4_key", None) if conn is not None else None
        if key is None:
            key = next((k for k in self._accepted(mn) if k.delivered_at is not None), None)
        if key is None:
            return raw
        fmt = self.profiles[mn].wire_format if mn in self.profiles else "raw"
        body = raw.rstrip(b"\r\n")
        return encrypt_packet(key.key, body[6:-4], fmt)


def attach(gw: Gateway, workspace: Any) -> Hj2025:
    """Give ``gw`` its HJ 212-2025 companion for ``workspace`` (keys only when the workspace has
    a real secret key to unseal them with)."""
    try:
        vault: KeyVault | None = vault_for(workspace)
    except ConfigError:
        vault = None
    sec = Hj2025(gw, workspace.engine, vault)
    sec.reload()
    if vault is None:
        if keys_version(workspace.engine)[0]:  # keys exist but cannot be unsealed: say so
            gw.recorder.event("?", "key-vault-unavailable", detail={
                "zh": "工作区密钥为默认值，设备密钥未加载，加密报文将被拒收",
                "en": "default workspace secret: device keys not loaded, encrypted packets "
                      "will be refused"})
    gw.hj2025 = sec
    # the 2025 counters travel with the gateway's statistics (live snapshot, `ecoplan gateway`)
    gw.stats.encryption = sec.stats.__dict__  # type: ignore[attr-defined]
    return sec

