"""A simulated HJ 212-2025 data logger: encrypts its data areas with SM4 (§6.4), asks the platform
for a new key with CN 1014, takes keys the platform pushes (answering 9013), sends 9015
heartbeats and reports its identity (1001) — over real TCP, like :class:`~.simulator.SimDevice`
(whose retransmission and request handling it keeps).
"""

from __future__ import annotations

import asyncio

from ecoplan.devices import encode
from ecoplan.devices.codec import Packet, beijing_now
from ecoplan.devices.crypto import encrypt_packet, encrypted_cn, open_sealed, unseal
from ecoplan.devices.simulator import SimDevice


class SimLogger2025(SimDevice):
    """A 2025 logger with an SM4 key (``key``: the 16 key characters as bytes)."""

    def __init__(self, mn: str, *, key: bytes | None, wire_format: str = "raw",
                 cpuid: str = "", mac: str = "", **kw: object) -> None:
        kw.setdefault("dialect", "2025")
        super().__init__(mn, **kw)  # type: ignore[arg-type]
        self.key = key
        self.old_keys: list[bytes] = []
        self.wire_format = wire_format
        self.cpuid, self.mac = cpuid, mac
        self.key_changes = 0
        self.key_answer: asyncio.Future[bytes] | None = None

    # -- sending
    def build(self, cn: str, cp: str, *, qn: str | None = None) -> tuple[bytes, bytes]:
        raw, expected = super().build(cn, cp, qn=qn)
        if self.key is not None and encrypted_cn(cn):
            raw = encrypt_packet(self.key, raw.rstrip(b"\r\n")[6:-4], self.wire_format)
        return raw, expected

    async def heartbeat(self) -> bool:
        """CN 9015 (``CP=&&&&``), answered by 9013 (Table 12)."""
        qn = self._qn()
        raw = encode.frame(encode.segment(qn=qn, st=self.st, cn="9015", pw=self.pw, mn=self.mn,
                                          flag=self.version << 2))
        expected = encode.frame(encode.segment(qn=qn, st="91", cn="9013", pw=self.pw, mn=self.mn,
                                               flag=self.version << 2))
        return await self.send_reliably(raw, expected)

    async def request_key(self, timeout: float = 10.0) -> bool:
        """CN 1014 ``SKCreateTime``: wait for the platform's ``NewSK`` and switch to it."""
        loop = asyncio.get_running_loop()
        self.key_answer = loop.create_future()
        raw, _ = self.build("1014", f"SKCreateTime={beijing_now():%Y%m%d%H%M%S}")
        assert self.transport is not None
        self.transport.write(raw)
        self.stats.sent += 1
        try:
            await asyncio.wait_for(self.key_answer, timeout)
        except TimeoutError:
            return False
        return True

    # -- receiving
    def _open(self, item: bytes) -> bytes:
        sealed = unseal(item)
        if sealed is None:
            return item
        for k in [self.key, *self.old_keys]:
            if k is None:
                continue
            plain = open_sealed(sealed, k)
            if plain is not None:
                return plain
        return item

    def _on_control(self, p: Packet) -> bool:
        if p.cn == "1014":
            self._take_key(p)
            return True
        return False

    def _take_key(self, p: Packet) -> None:
        new = p.params.get("NewSK", "")
        assert self.transport is not None
        if len(new.encode("ascii", "replace")) != 16:
            self.stats.bad_replies += 1
            return
        if self.key is not None:
            self.old_keys.insert(0, self.key)
        self.key = new.encode("ascii")
        self.key_changes += 1
        self.transport.write(encode.notification_answer(p, self.version))
        if self.key_answer is not None and not self.key_answer.done():
            self.key_answer.set_result(self.key)

    async def _on_request(self, p: Packet) -> None:
        if p.cn == "1001" and p.pw == self.pw:  # logger identity (i23005–i23008)
            assert self.transport is not None
            self.transport.write(encode.request_answer(p, 1, self.version))
            cp = (f"DataTime={beijing_now():%Y%m%d%H%M%S};i23005-Info={self.mn};i23006-Info={self.cpuid};"
                  f"i23007-Info={self.mac};i23008-Info=")
            raw, _ = self.build("1001", cp)
            self.transport.write(raw)  # a data response to the request: no 9014 is due
            self.transport.write(encode.execution_result(p, 1, self.version))
            return
        await super()._on_request(p)
